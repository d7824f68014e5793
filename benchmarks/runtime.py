"""Throughput of joblint's SQLite queue, beside Huey's SqliteHuey doing the same work.

For 1 and 2 worker processes: enqueue N no-op jobs one call at a time, then start the
workers and time how fast they drain the queue. joblint runs ``joblint jobs start`` with
that many worker processes of 3 threads each; Huey runs ``huey_consumer -k process -w``
with that many worker processes. Rates are jobs per second:

- ``enqueue``: ``NoopJob.perform_later(n)`` / ``noop(n)``, one transaction per job;
- ``process``: from starting the workers until the queue is empty (includes start-up);
- ``steady``: from the first job done until the queue is empty (start-up excluded).

Both queues are polled the same way (a count of the jobs not done, every few ms), and both
databases run in WAL mode with ``synchronous = NORMAL`` (joblint's setting; SqliteHuey's
default would fsync every commit, which measures the disk rather than the queue). Huey is
measured only when it is installed; to compare, ``pip install huey`` (it is not one of
joblint's dependencies)::

    python benchmarks/runtime.py [-n 10000]
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

POLL_SECONDS = 0.005
TIMEOUT_SECONDS = 600.0

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
    from huey.storage import SqliteStorage


    class NormalSyncStorage(SqliteStorage):
        def _create_connection(self):
            connection = super()._create_connection()
            connection.execute("PRAGMA synchronous = NORMAL")
            return connection


    class BenchHuey(SqliteHuey):
        storage_class = NormalSyncStorage


    huey = BenchHuey(filename=os.environ["BENCH_HUEY_DB"])

    @huey.task()
    def noop(n):
        pass
    """
)


@dataclass(frozen=True)
class Rates:
    enqueue: float
    process: float
    steady: float


def drain_rates(count: int, remaining: Callable[[], int], started: float) -> tuple[float, float]:
    """Poll until nothing remains; (jobs/s since ``started``, jobs/s since the first done)."""
    end = started + TIMEOUT_SECONDS
    first_at: float | None = None
    left_at_first = count
    while True:
        left = remaining()
        now = time.perf_counter()
        if first_at is None and left < count:
            first_at, left_at_first = now, left
        if left == 0:
            break
        if now > end:
            raise TimeoutError(f"benchmark did not finish: {left} jobs left")
        time.sleep(POLL_SECONDS)
    assert first_at is not None
    steady = left_at_first / (now - first_at) if now > first_at else float("inf")
    return count / (now - started), steady


def bench_joblint(count: int, processes: int, workdir: Path) -> Rates:
    from joblint.runtime import use_adapter
    from joblint.runtime.adapters.sqlite import SQLiteAdapter

    database = workdir / f"joblint-{processes}.db"
    store = SQLiteAdapter(database)
    use_adapter(store)
    from bench_jobs import NoopJob  # type: ignore[import-not-found]

    started = time.perf_counter()
    for n in range(count):
        NoopJob.perform_later(n)
    enqueue_rate = count / (time.perf_counter() - started)
    store.close()

    config = workdir / f"queue-{processes}.yml"
    config.write_text(
        f"workers:\n  - queues: '*'\n    threads: 3\n    processes: {processes}\n"
        "    polling_interval: 0.05\ndispatchers: []\n"
    )
    environment = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{workdir}"}
    reader = sqlite3.connect(database)

    def remaining() -> int:
        (left,) = reader.execute(
            "SELECT (SELECT count(*) FROM ready_executions)"
            " + (SELECT count(*) FROM claimed_executions)"
        ).fetchone()
        return int(left)

    started = time.perf_counter()
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "joblint.runtime.cli", "start", "--database", str(database),
         "--config", str(config)],
        cwd=workdir,
        env=environment,
    )  # fmt: skip
    try:
        process_rate, steady_rate = drain_rates(count, remaining, started)
    finally:
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(timeout=30)
        reader.close()
    return Rates(enqueue_rate, process_rate, steady_rate)


def bench_joblint_bulk(count: int, workdir: Path) -> float:
    """``perform_all_later`` in chunks of 1,000: one transaction per chunk."""
    from joblint.runtime import perform_all_later, use_adapter
    from joblint.runtime.adapters.sqlite import SQLiteAdapter

    store = SQLiteAdapter(workdir / "joblint-bulk.db")
    use_adapter(store)
    from bench_jobs import NoopJob  # type: ignore[import-not-found]

    started = time.perf_counter()
    for offset in range(0, count, 1000):
        perform_all_later([NoopJob(n) for n in range(offset, min(count, offset + 1000))])
    rate = count / (time.perf_counter() - started)
    store.close()
    return rate


def huey_installed() -> bool:
    try:
        import huey  # noqa: F401
    except ImportError:
        return False
    return True


def bench_huey(count: int, processes: int, workdir: Path) -> Rates:
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
        process_rate, steady_rate = drain_rates(
            count, lambda: int(bench_huey_tasks.huey.pending_count()), started
        )
    finally:
        consumer.send_signal(signal.SIGINT)
        consumer.wait(timeout=30)
    return Rates(enqueue_rate, process_rate, steady_rate)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=10_000, help="jobs per run")
    count = parser.parse_args().count
    with_huey = huey_installed()
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        (workdir / "bench_jobs.py").write_text(JOBS)
        (workdir / "bench_huey_tasks.py").write_text(HUEY_TASKS)
        sys.path.insert(0, str(workdir))
        print(f"{count} no-op jobs, jobs/s, on {os.cpu_count()} CPUs")
        print(f"{'workers':<8} {'queue':<8} {'enqueue':>9} {'process':>9} {'steady':>9}")
        for processes in (1, 2):
            rows = [("joblint", bench_joblint(count, processes, workdir))]
            if with_huey:
                rows.append(("huey", bench_huey(count, processes, workdir)))
            for name, rates in rows:
                print(
                    f"{processes:<8} {name:<8} {rates.enqueue:>9.0f} {rates.process:>9.0f}"
                    f" {rates.steady:>9.0f}",
                    flush=True,
                )
        if not with_huey:
            print("huey: not installed, skipped (pip install huey to compare)")
        bulk = bench_joblint_bulk(count, workdir)
        print(f"joblint perform_all_later, chunks of 1,000: {bulk:.0f} jobs/s enqueued")


if __name__ == "__main__":
    main()
