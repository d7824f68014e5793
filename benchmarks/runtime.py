"""Throughput of joblint's SQLite queue, beside Huey's SqliteHuey doing the same work.

Enqueue N no-op jobs, then process them with 1 and 2 worker processes; print jobs/s for
each phase. Huey is measured only when it is installed (``pip install huey``).

    python benchmarks/runtime.py [-n 5000]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

JOBS = textwrap.dedent(
    """
    from joblint.runtime import Job

    class NoopJob(Job):
        def perform(self, n):
            pass
    """
)
HUEY_TASKS = textwrap.dedent(
    """
    import os
    from huey import SqliteHuey

    huey = SqliteHuey(filename=os.environ["BENCH_HUEY_DB"])

    @huey.task()
    def noop(n):
        pass
    """
)


def wait_until(condition: Callable[[], bool], timeout: float = 600.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("benchmark did not finish")
        time.sleep(0.02)


def bench_joblint(count: int, processes: int, workdir: Path) -> tuple[float, float]:
    from joblint.runtime import perform_all_later, use_adapter
    from joblint.runtime.adapters.sqlite import SQLiteAdapter

    database = workdir / f"joblint-{processes}.db"
    store = SQLiteAdapter(database)
    use_adapter(store)
    from bench_jobs import NoopJob  # type: ignore[import-not-found]

    started = time.perf_counter()
    for offset in range(0, count, 1000):
        perform_all_later([NoopJob(n) for n in range(offset, min(count, offset + 1000))])
    enqueue_rate = count / (time.perf_counter() - started)

    config = workdir / f"queue-{processes}.yml"
    config.write_text(
        f"workers:\n  - queues: '*'\n    threads: 3\n    processes: {processes}\n"
        "    polling_interval: 0.05\ndispatchers: []\n"
    )
    environment = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{workdir}"}
    started = time.perf_counter()
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "joblint.runtime.cli", "start", "--database", str(database),
         "--config", str(config)],
        cwd=workdir,
        env=environment,
    )  # fmt: skip
    try:
        wait_until(lambda: store.finished_count() >= count)
        process_rate = count / (time.perf_counter() - started)
    finally:
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(timeout=30)
    return enqueue_rate, process_rate


def bench_huey(count: int, processes: int, workdir: Path) -> tuple[float, float] | None:
    try:
        import huey  # noqa: F401
    except ImportError:
        return None
    database = workdir / f"huey-{processes}.db"
    os.environ["BENCH_HUEY_DB"] = str(database)
    sys.modules.pop("bench_huey_tasks", None)
    import bench_huey_tasks  # type: ignore[import-not-found]

    started = time.perf_counter()
    for n in range(count):
        bench_huey_tasks.noop(n)
    enqueue_rate = count / (time.perf_counter() - started)
    started = time.perf_counter()
    consumer = subprocess.Popen(
        [sys.executable, "-m", "huey.bin.huey_consumer", "bench_huey_tasks.huey",
         "-w", str(processes), "-k", "process", "-q"],
        cwd=workdir,
        env={**os.environ, "PYTHONPATH": str(workdir)},
    )  # fmt: skip
    try:
        wait_until(lambda: bench_huey_tasks.huey.pending_count() == 0)
        process_rate = count / (time.perf_counter() - started)
    finally:
        consumer.send_signal(signal.SIGINT)
        consumer.wait(timeout=30)
    return enqueue_rate, process_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=5000)
    count = parser.parse_args().count
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        (workdir / "bench_jobs.py").write_text(JOBS)
        (workdir / "bench_huey_tasks.py").write_text(HUEY_TASKS)
        sys.path.insert(0, str(workdir))
        print(f"{count} no-op jobs; rates in jobs/s (processing includes process start-up)")
        print(f"{'system':<22} {'enqueue':>10} {'process':>10}")
        for processes in (1, 2):
            enqueue, process = bench_joblint(count, processes, workdir)
            print(f"{f'joblint, {processes} proc':<22} {enqueue:>10.0f} {process:>10.0f}")
            huey_rates = bench_huey(count, processes, workdir)
            if huey_rates is None:
                print(f"{f'huey, {processes} proc':<22} {'(huey not installed: skipped)':>21}")
            else:
                print(
                    f"{f'huey, {processes} proc':<22} {huey_rates[0]:>10.0f} {huey_rates[1]:>10.0f}"
                )


if __name__ == "__main__":
    main()
