"""The SQLite store without processes: claiming order, uniqueness, recurring slots, CLI."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from joblint.runtime import Job, ManualClock
from joblint.runtime.adapters.sqlite import SQLiteAdapter
from joblint.runtime.cli import main
from joblint.runtime.queue_selection import QueueSelection
from joblint.runtime.store import Completion


class NoopJob(Job):
    def perform(self, *args: object) -> None:
        pass


class OnceJob(Job):
    unique = "until_executed"

    def perform(self, value: int) -> None:
        pass


@pytest.fixture
def store(tmp_path: Path, clock: ManualClock) -> Iterator[SQLiteAdapter]:
    adapter = SQLiteAdapter(tmp_path / "queue.db", clock=clock)
    NoopJob.queue_adapter = adapter
    OnceJob.queue_adapter = adapter
    yield adapter
    NoopJob.queue_adapter = None
    OnceJob.queue_adapter = None
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
    from joblint.runtime.execution import describe_failure

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
