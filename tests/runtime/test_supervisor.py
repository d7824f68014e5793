"""The supervisor as a subprocess on a temporary database: real execution, scheduled and
recurring jobs, graceful shutdown, crash recovery and concurrency. Waits poll with a bounded
deadline; timings are shortened through the CLI's settings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from joblint.runtime.adapters.registry import adapters
from joblint.runtime.adapters.sqlite import SQLiteAdapter

REPO = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 30.0

JOBS_MODULE = textwrap.dedent(
    """
    import os
    import time
    from pathlib import Path

    from joblint.runtime import Job, retry_on


    class RecordJob(Job):
        def perform(self, directory: str, name: str) -> None:
            with open(Path(directory) / "log", "a") as log:
                log.write(name + "\\n")


    class FailingJob(Job):
        def perform(self) -> None:
            raise ValueError("always fails")


    class SlowJob(Job):
        def perform(self, directory: str, seconds: float) -> None:
            (Path(directory) / "started").write_text(str(os.getpid()))
            time.sleep(seconds)
            (Path(directory) / "finished").write_text("yes")


    class CrashOnceJob(Job):
        def perform(self, directory: str) -> None:
            marker = Path(directory) / "first-run-pid"
            if not marker.exists():
                marker.write_text(str(os.getpid()))
                time.sleep(60)  # killed here by the test
            (Path(directory) / "finished").write_text(str(self.executions))


    class ExclusiveJob(Job):
        unique = "while_executing"

        def perform(self, directory: str) -> None:
            lock = Path(directory) / "running"
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                (Path(directory) / "overlap").write_text("yes")
                return
            time.sleep(0.02)
            os.close(fd)
            os.unlink(lock)
            with open(Path(directory) / "log", "a") as log:
                log.write("exclusive\\n")


    class TickJob(Job):
        def perform(self, directory: str) -> None:
            with open(Path(directory) / "ticks", "a") as log:
                log.write("tick\\n")
    """
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("project")
    package = root / "jl_it_jobs"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "work.py").write_text(JOBS_MODULE)
    sys.path.insert(0, str(root))
    yield root
    sys.path.remove(str(root))
    for name in [name for name in sys.modules if name.startswith("jl_it_jobs")]:
        del sys.modules[name]


@pytest.fixture
def work(project: Path) -> Any:
    import jl_it_jobs.work as module  # type: ignore[import-not-found]

    return module


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteAdapter]:
    adapter = SQLiteAdapter(tmp_path / "queue.db")
    adapters.use(adapter)
    yield adapter
    adapters.reset()
    adapter.close()


Start = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def start(project: Path, store: SQLiteAdapter) -> Iterator[Start]:
    started: list[subprocess.Popen[bytes]] = []

    def launch(*extra: str, config: str | None = None) -> subprocess.Popen[bytes]:
        arguments = [
            sys.executable, "-m", "joblint.runtime.cli", "start", "--database", str(store.path),
            "--heartbeat-interval", "0.2", "--alive-threshold", "1.5", "--shutdown-timeout", "3",
        ]  # fmt: skip
        if config is not None:
            config_path = store.path.parent / f"queue-{len(started)}.yml"
            config_path.write_text(config)
            arguments += ["--config", str(config_path)]
        environment = {**os.environ, "PYTHONPATH": str(REPO), "JOBLINT_ENV": "test"}
        process = subprocess.Popen(
            [*arguments, *extra], cwd=project, env=environment, stderr=subprocess.PIPE
        )
        started.append(process)
        return process

    yield launch
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stderr is not None:
            process.stderr.close()


def wait_for(condition: Callable[[], Any], what: str, deadline: float = DEADLINE_SECONDS) -> Any:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def log_lines(directory: Path, name: str = "log") -> list[str]:
    path = directory / name
    return path.read_text().splitlines() if path.exists() else []


FAST = """
workers:
  - queues: "*"
    threads: 3
    polling_interval: 0.05
dispatchers:
  - polling_interval: 0.1
"""


def test_runs_ready_scheduled_and_failing_jobs(
    start: Start, store: SQLiteAdapter, work: Any, tmp_path: Path
) -> None:
    for index in range(5):
        work.RecordJob.perform_later(str(tmp_path), f"now-{index}")
    work.RecordJob.set(wait=1).perform_later(str(tmp_path), "later")
    work.FailingJob.perform_later()
    start(config=FAST)
    wait_for(lambda: len(log_lines(tmp_path)) == 6, "six jobs to run")
    assert sorted(log_lines(tmp_path))[-1] == "now-4"
    assert "later" in log_lines(tmp_path)
    failed = wait_for(store.failed_jobs, "the failing job to fail")
    assert failed[0].error_class == "builtins.ValueError"
    assert "always fails" in failed[0].message and "Traceback" in failed[0].backtrace
    assert store.retry_failed(failed[0].row_id) == 1
    wait_for(lambda: store.failed_jobs(), "the retried job to fail again")


def test_graceful_shutdown_lets_jobs_finish(
    start: Start, store: SQLiteAdapter, work: Any, tmp_path: Path
) -> None:
    supervisor = start(config=FAST)
    work.SlowJob.perform_later(str(tmp_path), 1.0)
    wait_for(lambda: (tmp_path / "started").exists(), "the slow job to start")
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=DEADLINE_SECONDS) == 0
    assert (tmp_path / "finished").exists()
    assert store.processes() == []
    assert store.queue_counts() == []


def test_shutdown_timeout_releases_unfinished_jobs(
    start: Start, store: SQLiteAdapter, work: Any, tmp_path: Path
) -> None:
    supervisor = start("--shutdown-timeout", "0.3", config=FAST)
    work.SlowJob.perform_later(str(tmp_path), 30.0)
    wait_for(lambda: (tmp_path / "started").exists(), "the slow job to start")
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=DEADLINE_SECONDS) == 0
    counts = store.queue_counts()
    assert [(row.ready, row.claimed) for row in counts] == [(1, 0)]


def test_a_killed_worker_job_runs_again(
    start: Start, store: SQLiteAdapter, work: Any, tmp_path: Path
) -> None:
    start(config=FAST)
    work.CrashOnceJob.perform_later(str(tmp_path))
    pid = int(wait_for(lambda: _read(tmp_path / "first-run-pid"), "the job to start"))
    os.kill(pid, signal.SIGKILL)
    executions = wait_for(lambda: _read(tmp_path / "finished"), "the job to run again")
    assert executions == "2"  # the crashed attempt counts
    wait_for(lambda: not store.queue_counts(), "the queue to drain")


def test_dead_process_claims_return_after_the_alive_threshold(
    store: SQLiteAdapter, work: Any, tmp_path: Path
) -> None:
    """No supervisor noticed this worker die; pruning by heartbeat age releases its job."""
    from joblint.runtime.queue_selection import QueueSelection

    work.RecordJob.perform_later(str(tmp_path), "orphan")
    dead = store.register_process("worker", "ghost", 999999)
    assert len(store.claim(dead, QueueSelection(all_queues=True), 5)) == 1
    assert store.prune_dead_processes(alive_threshold=60, max_crashes=3) == []
    assert store.prune_dead_processes(alive_threshold=-1, max_crashes=3) == [dead]
    assert [row.ready for row in store.queue_counts()] == [1]


def test_a_job_that_keeps_killing_workers_fails(
    store: SQLiteAdapter, work: Any, tmp_path: Path
) -> None:
    from joblint.runtime.queue_selection import QueueSelection

    work.RecordJob.perform_later(str(tmp_path), "poison")
    for attempt in range(2):
        process = store.register_process("worker", f"w{attempt}", 1)
        assert store.claim(process, QueueSelection(all_queues=True), 1)
        store.release_crashed_process(process, max_crashes=2)
    [failed] = store.failed_jobs()
    assert failed.error_class == "joblint.runtime.WorkerCrashed"


def test_recurring_task_fires(start: Start, store: SQLiteAdapter, tmp_path: Path) -> None:
    recurring = tmp_path / "recurring.yml"
    recurring.write_text(
        "test:\n"
        "  tick:\n"
        "    class: jl_it_jobs.work.TickJob\n"
        f"    args: [{str(tmp_path)!r}]\n"
        "    schedule: every second\n"
    )
    start("--recurring", str(recurring), config=FAST)
    wait_for(lambda: len(log_lines(tmp_path, "ticks")) >= 2, "two ticks")


def test_several_workers_run_every_job_once(
    start: Start, store: SQLiteAdapter, work: Any, tmp_path: Path
) -> None:
    from joblint.runtime import perform_all_later

    config = """
workers:
  - queues: ["*"]
    threads: 3
    processes: 2
    polling_interval: 0.05
dispatchers: []
"""
    names = [f"job-{index}" for index in range(300)]
    perform_all_later([work.RecordJob(str(tmp_path), name) for name in names])
    for _ in range(15):
        work.ExclusiveJob.perform_later(str(tmp_path))
    start(config=config)
    wait_for(lambda: len(log_lines(tmp_path)) >= 315, "every job to run")
    wait_for(lambda: not store.queue_counts(), "the queue to drain")
    lines = log_lines(tmp_path)
    assert sorted(line for line in lines if line != "exclusive") == sorted(names)
    assert lines.count("exclusive") == 15
    assert not (tmp_path / "overlap").exists()


def test_bad_config_is_one_line_and_exit_2(start: Start, tmp_path: Path) -> None:
    process = start(config="workers:\n  - threads: 0\n")
    assert process.wait(timeout=DEADLINE_SECONDS) == 2
    assert process.stderr is not None
    message = process.stderr.read().decode()
    assert message.count("\n") == 1 and "Traceback" not in message
    assert "threads" in message and ":2:" in message


def _read(path: Path) -> str | None:
    try:
        return path.read_text() or None
    except FileNotFoundError:
        return None
