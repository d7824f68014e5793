"""The job API on the inline adapter: enqueue options, queues, bulk enqueue, uniqueness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest

from joblint.runtime import (
    EnqueueError,
    InlineAdapter,
    Job,
    ManualClock,
    SerializationError,
    perform_all_later,
)


class Recorder(Job):
    calls: ClassVar[list[tuple[object, ...]]] = []

    def perform(self, *args: object, **kwargs: object) -> None:
        self.calls.append((*args, *sorted(kwargs.items())))


@pytest.fixture(autouse=True)
def _clear_calls() -> None:
    Recorder.calls = []


def test_perform_later_returns_the_enqueued_job(inline: InlineAdapter) -> None:
    job = Recorder.perform_later(1, name="x")
    assert job.successfully_enqueued
    assert job.queue_name == "default"
    assert job.scheduled_at is None
    assert len(job.job_id) == 36
    assert Recorder.calls == [(1, ("name", "x"))]


def test_wait_schedules_for_later(inline: InlineAdapter, clock: ManualClock) -> None:
    job = Recorder.set(wait=timedelta(hours=1)).perform_later(2)
    assert job.scheduled_at == clock.now() + timedelta(hours=1)
    assert Recorder.calls == []
    clock.advance(3599)
    assert inline.run_due() == 0
    clock.advance(1)
    assert inline.run_due() == 1
    assert Recorder.calls == [(2,)]


def test_wait_in_seconds_and_wait_until(inline: InlineAdapter, clock: ManualClock) -> None:
    assert Recorder.set(wait=90).perform_later().scheduled_at == clock.now() + timedelta(seconds=90)
    when = datetime(2030, 1, 1, tzinfo=UTC)
    assert Recorder.set(wait_until=when).perform_later().scheduled_at == when


def test_naive_wait_until_is_an_error(inline: InlineAdapter) -> None:
    with pytest.raises(EnqueueError, match="naive"):
        Recorder.set(wait_until=datetime(2030, 1, 1)).perform_later()


def test_queue_and_priority(inline: InlineAdapter) -> None:
    class Critical(Job):
        queue_as = "critical"
        priority = 5

        def perform(self) -> None:
            pass

    job = Critical.perform_later()
    assert (job.queue_name, job.priority) == ("critical", 5)
    job = Critical.set(queue="low", priority=1).perform_later()
    assert (job.queue_name, job.priority) == ("low", 1)


def test_dynamic_queue_reads_arguments(inline: InlineAdapter) -> None:
    class Export(Job):
        def queue_as(self) -> str:
            return "big" if self.arguments[0] > 100 else "small"

        def perform(self, size: int) -> None:
            pass

    assert Export.perform_later(500).queue_name == "big"
    assert Export.perform_later(5).queue_name == "small"


def test_perform_now_on_class_and_instance(inline: InlineAdapter) -> None:
    class Adds(Job):
        def perform(self, a: int, b: int) -> int:
            return a + b

    assert Adds.perform_now(1, 2) == 3
    job = Adds(3, 4)
    assert job.perform_now() == 7
    assert job.executions == 1
    assert Adds.set(queue="q").perform_now(1, 1) == 2
    assert inline.runs == []


def test_serialization_error_at_enqueue_names_the_argument(inline: InlineAdapter) -> None:
    class Order:
        id = 7

    with pytest.raises(SerializationError, match=r"argument 'order' is a .*Order.*pass its id"):
        Recorder.perform_later(order=Order())
    assert Recorder.calls == []


def test_perform_all_later(inline: InlineAdapter) -> None:
    count = perform_all_later([Recorder(1), Recorder(2), Recorder(3)])
    assert count == 3
    assert Recorder.calls == [(1,), (2,), (3,)]


def test_job_defined_in_main_cannot_go_to_sqlite(tmp_path: object) -> None:
    from joblint.runtime.adapters.sqlite import SQLiteAdapter

    def local_job() -> type[Job]:
        class Local(Job):
            queue_adapter = SQLiteAdapter(f"{tmp_path}/q.db")

        return Local

    with pytest.raises(EnqueueError, match="top level"):
        local_job().perform_later()


class UntilExecuted(Job):
    unique = "until_executed"
    ran: ClassVar[list[int]] = []

    def perform(self, value: int) -> None:
        self.ran.append(value)
        # Enqueuing itself again while running is dropped.
        again = UntilExecuted.perform_later(value)
        assert not again.successfully_enqueued


def test_until_executed_drops_duplicates_while_pending(
    inline: InlineAdapter, clock: ManualClock
) -> None:
    UntilExecuted.ran = []
    first = UntilExecuted.set(wait=10).perform_later(1)
    second = UntilExecuted.set(wait=10).perform_later(1)
    other = UntilExecuted.set(wait=10).perform_later(2)
    assert first.successfully_enqueued and other.successfully_enqueued
    assert not second.successfully_enqueued
    clock.advance(10)
    inline.run_due()
    assert sorted(UntilExecuted.ran) == [1, 2]
    assert UntilExecuted.perform_later(1).successfully_enqueued  # the lock is gone


class WhileExecuting(Job):
    unique = "while_executing"
    results: ClassVar[list[bool]] = []

    def perform(self, value: int) -> None:
        self.results.append(WhileExecuting.perform_later(value).successfully_enqueued)


def test_while_executing_drops_only_while_running(
    inline: InlineAdapter, clock: ManualClock
) -> None:
    WhileExecuting.results = []
    assert WhileExecuting.set(wait=5).perform_later(1).successfully_enqueued
    assert WhileExecuting.set(wait=5).perform_later(1).successfully_enqueued
    clock.advance(5)
    inline.run_due()
    assert WhileExecuting.results == [False, False]


def test_unique_must_be_a_known_mode() -> None:
    with pytest.raises(TypeError):

        class Bad(Job):
            unique = "forever"  # type: ignore[assignment]
