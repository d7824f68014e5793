"""The SQLite store without processes: claiming order, uniqueness, recurring slots, CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from joblint.runtime import Job, ManualClock, perform_all_later
from joblint.runtime.adapters.sqlite import SQLiteAdapter
from joblint.runtime.cli import main
from joblint.runtime.execution import describe_failure
from joblint.runtime.queue_selection import QueueSelection
from joblint.runtime.store import Completion


class NoopJob(Job):
    def perform(self, *args: object) -> None:
        pass


class OnceJob(Job):
    unique = "until_executed"

    def perform(self, value: int) -> None:
        pass


class ExclusiveJob(Job):
    unique = "while_executing"

    def perform(self, value: int) -> None:
        pass


@pytest.fixture
def store(tmp_path: Path, clock: ManualClock) -> Iterator[SQLiteAdapter]:
    adapter = SQLiteAdapter(tmp_path / "queue.db", clock=clock)
    for job_class in (NoopJob, OnceJob, ExclusiveJob):
        job_class.queue_adapter = adapter
    yield adapter
    for job_class in (NoopJob, OnceJob, ExclusiveJob):
        job_class.queue_adapter = None
    adapter.close()


def claimed_args(store: SQLiteAdapter, process: int, queues: list[str], limit: int) -> list[str]:
    claimed = store.claim(process, QueueSelection.from_entries(queues), limit)
    return [job.payload["arguments"]["args"][0] for job in claimed]


def test_strict_queue_precedence_then_priority(store: SQLiteAdapter) -> None:
    NoopJob.set(queue="low").perform_later("low-1")
    NoopJob.set(queue="high", priority=5).perform_later("high-p5")
    NoopJob.set(queue="high", priority=1).perform_later("high-p1")
    NoopJob.set(queue="other").perform_later("other")
    process = store.register_process("worker", "w", 1)
    assert claimed_args(store, process, ["high", "low"], 2) == ["high-p1", "high-p5"]
    assert claimed_args(store, process, ["high", "low"], 5) == ["low-1"]
    assert claimed_args(store, process, ["*"], 5) == ["other"]


def test_exact_queues_first_then_prefix_matches_by_name(store: SQLiteAdapter) -> None:
    for queue in ("reports_b", "other", "reports_a", "mail", "reports_b"):
        NoopJob.set(queue=queue).perform_later(queue)
    process = store.register_process("worker", "w", 1)
    claimed = claimed_args(store, process, ["mail", "reports_*"], 10)
    assert claimed == ["mail", "reports_a", "reports_b", "reports_b"]


def test_scheduled_jobs_wait_for_the_dispatcher(store: SQLiteAdapter, clock: ManualClock) -> None:
    NoopJob.set(wait=60).perform_later("later")
    process = store.register_process("worker", "w", 1)
    assert store.dispatch_scheduled(10) == 0
    clock.advance(60)
    assert store.dispatch_scheduled(10) == 1
    assert claimed_args(store, process, ["*"], 5) == ["later"]


def test_until_executed_lock_spans_retries_and_ends_with_the_job(store: SQLiteAdapter) -> None:
    first = OnceJob.perform_later(1)
    assert first.successfully_enqueued
    assert not OnceJob.perform_later(1).successfully_enqueued
    process = store.register_process("worker", "w", 1)
    [claimed] = store.claim(process, QueueSelection(all_queues=True), 1)
    retry = OnceJob.deserialize(claimed.payload).enqueue_request(store.clock, wait=0)
    store.complete(process, [Completion(claimed.row_id, "retried", retry=retry)])
    assert not OnceJob.perform_later(1).successfully_enqueued
    [again] = store.claim(process, QueueSelection(all_queues=True), 1)
    store.complete(process, [Completion(again.row_id, "succeeded")])
    assert OnceJob.perform_later(1).successfully_enqueued


def test_a_recurring_slot_is_enqueued_once(store: SQLiteAdapter) -> None:
    slot = datetime(2024, 1, 1, 3, tzinfo=UTC)
    requests = [NoopJob("x").enqueue_request(store.clock) for _ in range(3)]
    results = [store.enqueue_recurring("cleanup", slot, request) for request in requests]
    assert results == [True, False, False]
    assert [row.ready for row in store.queue_counts()] == [1]


def test_cli_failed_retry_discard(store: SQLiteAdapter, capsys: pytest.CaptureFixture[str]) -> None:

    NoopJob.perform_later("a")
    NoopJob.perform_later("b")
    process = store.register_process("worker", "w", 1)
    claimed = store.claim(process, QueueSelection(all_queues=True), 2)
    failure = describe_failure(ValueError("boom"))
    store.complete(process, [Completion(job.row_id, "failed", failure=failure) for job in claimed])
    database = str(store.path)
    assert main(["failed", "--database", database]) == 0
    assert "builtins.ValueError: boom" in capsys.readouterr().out
    assert main(["retry", str(claimed[0].row_id), "--database", database]) == 0
    assert main(["discard", str(claimed[1].row_id), "--database", database]) == 0
    assert main(["discard", "999", "--database", database]) == 2
    assert capsys.readouterr().err.strip() == "joblint jobs: error: no failed job with id 999"
    assert main(["status", "--database", database]) == 0
    assert "default" in capsys.readouterr().out
    assert store.failed_jobs() == []
    assert main(["retry", "--database", database]) == 2  # an id or --all is required


def test_claim_skips_running_exclusive_keys_and_reads_on(store: SQLiteAdapter) -> None:
    for _ in range(4):
        ExclusiveJob.perform_later(1)
    perform_all_later([NoopJob(name) for name in ("n1", "n2", "n3")])
    process = store.register_process("worker", "w", 1)
    claimed = store.claim(process, QueueSelection(all_queues=True), 3)
    assert [job.payload["arguments"]["args"][0] for job in claimed] == [1, "n1", "n2"]
    # The running key holds the other three back until the first one ends.
    assert [job.payload["arguments"]["args"][0] for job in store.claim(process, ALL, 5)] == ["n3"]
    store.complete(process, [Completion(claimed[0].row_id, "succeeded")])
    assert [job.payload["arguments"]["args"][0] for job in store.claim(process, ALL, 5)] == [1]


def test_complete_and_claim_is_one_transaction(store: SQLiteAdapter) -> None:
    perform_all_later([NoopJob(name) for name in ("a", "b", "c")])
    process = store.register_process("worker", "w", 1)
    [first] = store.claim(process, ALL, 1)
    statements: list[str] = []
    store._connection().set_trace_callback(statements.append)
    try:
        claimed = store.complete_and_claim(process, [Completion(first.row_id, "succeeded")], ALL, 5)
    finally:
        store._connection().set_trace_callback(None)
    assert [job.payload["arguments"]["args"][0] for job in claimed] == ["b", "c"]
    assert [s for s in statements if s.startswith(("BEGIN", "COMMIT"))] == [
        "BEGIN IMMEDIATE",
        "COMMIT",
    ]
    assert store.finished_count() == 1


def test_completions_of_released_jobs_are_skipped(store: SQLiteAdapter) -> None:
    perform_all_later([NoopJob("a"), NoopJob("b")])
    process = store.register_process("worker", "w", 1)
    first, second = store.claim(process, ALL, 2)
    store.release(process, [second.row_id])
    store.complete(
        process, [Completion(first.row_id, "succeeded"), Completion(second.row_id, "succeeded")]
    )
    assert store.finished_count() == 1
    [again] = store.claim(process, ALL, 5)
    assert again.row_id == second.row_id
    assert again.payload["executions"] == 0  # released uncounted


def test_claiming_does_not_slow_down_as_finished_jobs_pile_up(
    tmp_path: Path, clock: ManualClock
) -> None:
    """The cost of a claim (SQLite VM steps) stays flat with thousands of finished jobs;
    it used to scan the whole jobs table to find running while_executing keys."""

    def claim_cost(finished: int) -> int:
        store = SQLiteAdapter(tmp_path / f"queue-{finished}.db", clock=clock)
        for job_class in (NoopJob, ExclusiveJob):
            job_class.queue_adapter = store
        try:
            perform_all_later([NoopJob(n) for n in range(finished)])
            process = store.register_process("worker", "w", 1)
            while claimed := store.claim(process, ALL, 500):
                store.complete(process, [Completion(job.row_id, "succeeded") for job in claimed])
            ExclusiveJob.perform_later(1)
            ExclusiveJob.perform_later(2)
            return vm_steps(store, lambda: store.claim(process, ALL, 2))
        finally:
            for job_class in (NoopJob, ExclusiveJob):
                job_class.queue_adapter = None
            store.close()

    few, many = claim_cost(10), claim_cost(3000)
    assert many < few * 2 + 10, (few, many)


ALL = QueueSelection(all_queues=True)


def vm_steps(store: SQLiteAdapter, action: Callable[[], object]) -> int:
    """How many SQLite virtual-machine steps (in tens, per statement) ``action`` takes."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    connection = store._connection()
    connection.set_progress_handler(count, 10)
    try:
        action()
    finally:
        connection.set_progress_handler(None, 10)
    return steps


def test_clear_finished_keeps_recent_failed_and_pending_jobs(
    store: SQLiteAdapter, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """Finished jobs are kept, as Solid Queue keeps them, until `clear-finished` deletes
    those older than the cutoff; failed, ready and claimed jobs are never cleared."""
    for name in ("old-1", "old-2", "old-3", "failed", "recent", "claimed", "ready"):
        NoopJob.perform_later(name)
    process = store.register_process("worker", "w", 1)
    claimed = store.claim(process, QueueSelection(all_queues=True), 4)
    failure = describe_failure(ValueError("boom"))
    store.complete(
        process,
        [Completion(job.row_id, "succeeded") for job in claimed[:3]]
        + [Completion(claimed[3].row_id, "failed", failure=failure)],
    )
    clock.advance(7200)
    recent = store.claim(process, QueueSelection(all_queues=True), 1)
    store.complete(process, [Completion(recent[0].row_id, "succeeded")])
    store.claim(process, QueueSelection(all_queues=True), 1)  # stays claimed
    assert store.finished_count() == 4
    assert store.clear_finished(older_than=3600, batch_size=2) == 3  # two batches
    assert store.finished_count() == 1
    assert len(store.failed_jobs()) == 1
    counts = store.queue_counts()
    assert (sum(c.ready for c in counts), sum(c.claimed for c in counts)) == (1, 1)
    database = str(store.path)
    assert main(["clear-finished", "--older-than", "0", "--database", database]) == 0
    assert capsys.readouterr().out.strip() == "1 finished job cleared"
    assert store.finished_count() == 0
    assert main(["clear-finished", "--older-than", "-1", "--database", database]) == 2
