"""The worker in this process, on a real SQLite store: batched rounds, the bound on what it
holds claimed, and a graceful stop that hands back the jobs no thread had started."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

from joblint.runtime import Job, perform_all_later
from joblint.runtime.adapters.sqlite import SQLiteAdapter
from joblint.runtime.queue_selection import QueueSelection
from joblint.runtime.settings import ProcessSettings
from joblint.runtime.store import ClaimedJob, Completion
from joblint.runtime.worker import Worker

DEADLINE_SECONDS = 20.0


class RecordJob(Job):
    ran: ClassVar[list[int]] = []

    def perform(self, n: int) -> None:
        self.ran.append(n)


class GateJob(Job):
    """Blocks its thread until the test opens the gate."""

    started = threading.Event()
    gate = threading.Event()

    def perform(self, n: int) -> None:
        GateJob.started.set()
        GateJob.gate.wait(DEADLINE_SECONDS)


class CountingStore(SQLiteAdapter):
    """Tracks how many jobs the worker holds claimed and not yet finished."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.held = 0
        self.most_held = 0
        self.rounds = 0

    def complete_and_claim(
        self,
        process_id: int,
        completions: Sequence[Completion],
        selection: QueueSelection,
        limit: int,
    ) -> list[ClaimedJob]:
        claimed = super().complete_and_claim(process_id, completions, selection, limit)
        self.rounds += 1
        self.held += len(claimed) - len(completions)
        self.most_held = max(self.most_held, self.held)
        return claimed


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CountingStore]:
    adapter = CountingStore(tmp_path / "queue.db")
    RecordJob.queue_adapter = GateJob.queue_adapter = adapter
    RecordJob.ran = []
    GateJob.started.clear()
    GateJob.gate.clear()
    yield adapter
    GateJob.gate.set()
    RecordJob.queue_adapter = GateJob.queue_adapter = None
    adapter.close()


def run_in_thread(worker: Worker) -> threading.Thread:
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    return thread


def counts(store: SQLiteAdapter) -> list[tuple[int, int]]:
    return [(row.ready, row.claimed) for row in store.queue_counts()]


def wait_for(condition: Callable[[], Any], what: str) -> None:
    end = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def test_runs_every_job_once_holding_at_most_threads_plus_prefetch(
    store: CountingStore,
) -> None:
    perform_all_later([RecordJob(n) for n in range(600)])
    worker = Worker(store, ProcessSettings(), "w", ["*"], threads=3, prefetch=2)
    thread = run_in_thread(worker)
    try:
        wait_for(lambda: store.finished_count() == 600, "every job to finish")
    finally:
        worker.stop.set()
        thread.join(DEADLINE_SECONDS)
    assert sorted(RecordJob.ran) == list(range(600))
    assert store.most_held == 5  # the first round claims threads + prefetch
    assert store.queue_counts() == [] and store.processes() == []
    assert store.rounds < 600  # finished jobs are stored several to a round


def test_stop_releases_unstarted_jobs_uncounted_and_lets_the_running_one_finish(
    store: CountingStore,
) -> None:
    perform_all_later([GateJob(n) for n in range(3)])
    settings = ProcessSettings(shutdown_timeout=DEADLINE_SECONDS)
    worker = Worker(store, settings, "w", ["*"], threads=1, polling_interval=0.01, prefetch=2)
    thread = run_in_thread(worker)
    try:
        assert GateJob.started.wait(DEADLINE_SECONDS)
        worker.stop.set()
        # The two jobs waiting for the thread go back at once; the running one holds on.
        wait_for(lambda: counts(store) == [(2, 1)], "the waiting jobs to be released")
    finally:
        GateJob.gate.set()
        thread.join(DEADLINE_SECONDS)
    assert not thread.is_alive()
    assert store.finished_count() == 1
    assert counts(store) == [(2, 0)]
    assert store.processes() == []
    rest = store.claim(store.register_process("worker", "next", 1), QueueSelection(True), 5)
    assert [job.payload["executions"] for job in rest] == [0, 0]
