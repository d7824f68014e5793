"""Error policies on the inline adapter: retries, waits, exhaustion, discard, rescue, precedence."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

import pytest

from joblint.runtime import (
    DeserializationError,
    InlineAdapter,
    Job,
    ManualClock,
    discard_on,
    polynomially_longer,
    rescue_from,
    resolve_handler,
    retry_on,
    unlimited,
)
from joblint.runtime.policies import HandlerKind, first_match, retry_delay, search_order


class Flaky(Exception):
    pass


class Fatal(Exception):
    pass


class SubFlaky(Flaky):
    pass


def scheduled_waits(inline: InlineAdapter, clock: ManualClock) -> list[float]:
    """Advance to each scheduled retry, run it, and record how long it waited."""
    waits = []
    while (at := inline.next_scheduled_at()) is not None:
        waits.append((at - clock.now()).total_seconds())
        clock.advance(at - clock.now())
        try:
            inline.run_due()
        except Exception:
            break
    return waits


def test_retry_runs_attempts_times_then_raises(inline: InlineAdapter, clock: ManualClock) -> None:
    runs: list[int] = []

    @retry_on(Flaky, wait=10, attempts=3, jitter=0)
    class FlakyJob(Job):
        def perform(self) -> None:
            runs.append(self.executions)
            raise Flaky("again")

    FlakyJob.perform_later()
    assert scheduled_waits(inline, clock) == [10.0, 10.0]
    assert runs == [1, 2, 3]
    assert [run.status for run in inline.runs] == ["retried", "retried", "failed"]


def test_retry_succeeds_on_a_later_attempt(inline: InlineAdapter, clock: ManualClock) -> None:
    @retry_on(Flaky, wait=timedelta(seconds=30), attempts=5, jitter=0)
    class SecondTimeLucky(Job):
        def perform(self) -> str:
            if self.executions < 2:
                raise Flaky
            return "done"

    job = SecondTimeLucky.perform_later()
    assert job.successfully_enqueued
    assert scheduled_waits(inline, clock) == [30.0]
    assert [run.status for run in inline.runs] == ["retried", "succeeded"]


def test_polynomially_longer_waits(inline: InlineAdapter, clock: ManualClock) -> None:
    @retry_on(Flaky, wait=polynomially_longer, attempts=5, jitter=0)
    class Backoff(Job):
        def perform(self) -> None:
            raise Flaky

    Backoff.perform_later()
    assert scheduled_waits(inline, clock) == [3.0, 18.0, 83.0, 258.0]


def test_jitter_stays_within_its_fraction() -> None:
    for executions in range(1, 6):
        base = executions**4
        low = retry_delay(polynomially_longer, executions, 0.15, rand=lambda: 0.0)
        high = retry_delay(polynomially_longer, executions, 0.15, rand=lambda: 0.999999)
        assert low == base + 2
        assert base + 2 <= high < base + 2 + 0.15 * base + 1e-9
    assert retry_delay(10, 1, 0.5, rand=lambda: 1.0) == 15.0
    assert retry_delay(lambda n: n * 7, 3, 0.5, rand=lambda: 1.0) == 21.0


def test_callable_wait_receives_executions(inline: InlineAdapter, clock: ManualClock) -> None:
    @retry_on(Flaky, wait=lambda executions: timedelta(minutes=executions), attempts=3)
    class Linear(Job):
        def perform(self) -> None:
            raise Flaky

    Linear.perform_later()
    assert scheduled_waits(inline, clock) == [60.0, 120.0]


def test_exhausted_retry_calls_callback_instead_of_raising(
    inline: InlineAdapter, clock: ManualClock
) -> None:
    seen: list[tuple[Any, BaseException]] = []

    @retry_on(Flaky, wait=0, attempts=2, on_exhausted=lambda job, error: seen.append((job, error)))
    class GivesUp(Job):
        def perform(self) -> None:
            raise Flaky("no")

    GivesUp.perform_later()
    assert [run.status for run in inline.runs] == ["retried", "exhausted"]
    assert len(seen) == 1 and isinstance(seen[0][1], Flaky)


def test_unlimited_attempts(inline: InlineAdapter, clock: ManualClock) -> None:
    @retry_on(Flaky, wait=0, attempts=unlimited)
    class Stubborn(Job):
        def perform(self) -> None:
            if self.executions < 40:
                raise Flaky

    Stubborn.perform_later()
    assert len(inline.runs) == 40 and inline.runs[-1].status == "succeeded"


def test_each_retry_declaration_counts_its_own_attempts(inline: InlineAdapter) -> None:
    errors = [Flaky, Fatal, Flaky, Fatal, Flaky]

    @retry_on(Flaky, wait=0, attempts=3)
    @retry_on(Fatal, wait=0, attempts=3)
    class Alternating(Job):
        def perform(self) -> None:
            if self.executions <= len(errors):
                raise errors[self.executions - 1]

    with pytest.raises(Flaky):
        Alternating.perform_later()
    # Flaky's third failure exhausts it, though the job ran five times.
    assert [run.status for run in inline.runs] == ["retried"] * 4 + ["failed"]


def test_retry_changes_queue_and_priority(inline: InlineAdapter) -> None:
    @retry_on(Flaky, wait=0, attempts=2, queue="retries", priority=9)
    class Moves(Job):
        def perform(self) -> None:
            if self.executions == 1:
                raise Flaky

    Moves.perform_later()
    assert [run.queue_name for run in inline.runs] == ["default", "retries"]
    assert inline.runs[1].job.priority == 9


def test_discard_drops_the_job_and_calls_back(inline: InlineAdapter) -> None:
    discarded: list[BaseException] = []

    @discard_on(Fatal, on_discard=lambda job, error: discarded.append(error))
    class Dropped(Job):
        def perform(self) -> None:
            raise Fatal("bad input")

    Dropped.perform_later()
    assert inline.runs[0].status == "discarded"
    assert [str(error) for error in discarded] == ["bad input"]


def test_unhandled_error_fails_the_job(inline: InlineAdapter) -> None:
    @discard_on(Fatal)
    class Other(Job):
        def perform(self) -> None:
            raise KeyError("k")

    with pytest.raises(KeyError):
        Other.perform_later()
    assert inline.runs[0].status == "failed"


def test_rescue_from_runs_instead_of_failing(inline: InlineAdapter) -> None:
    class Rescued(Job):
        handled: ClassVar[list[str]] = []

        def perform(self) -> None:
            raise Fatal("x")

        @rescue_from(Fatal)
        def note(self, error: Fatal) -> None:
            self.handled.append(str(error))

    Rescued.perform_later()
    assert inline.runs[0].status == "rescued"
    assert Rescued.handled == ["x"]


def test_rescue_from_can_retry_and_can_reraise(inline: InlineAdapter) -> None:
    class Handles(Job):
        def perform(self) -> None:
            raise Fatal(str(self.executions))

        @rescue_from(Fatal)
        def again_once(self, error: Fatal) -> None:
            if self.executions == 1:
                self.retry_job()
            else:
                raise error

    with pytest.raises(Fatal, match="2"):
        Handles.perform_later()
    assert [run.status for run in inline.runs] == ["retried", "failed"]


# --- precedence --------------------------------------------------------------------------


def kind_for(job_class: type, error: BaseException) -> HandlerKind | None:
    handler = resolve_handler(job_class, error)
    return handler.kind if handler is not None else None


def test_lower_decorator_is_declared_later_and_wins() -> None:
    @retry_on(Exception)
    @discard_on(Flaky)
    class GeneralFirst(Job):
        pass

    @discard_on(Flaky)
    @retry_on(Exception)
    class GeneralLast(Job):
        pass

    assert kind_for(GeneralFirst, Flaky()) is HandlerKind.DISCARD
    assert kind_for(GeneralFirst, Fatal()) is HandlerKind.RETRY
    assert kind_for(GeneralLast, Flaky()) is HandlerKind.RETRY


def test_rescue_methods_come_after_decorators_in_source_order() -> None:
    @discard_on(Flaky)
    class WithMethods(Job):
        @rescue_from(Exception)
        def broad(self, error: Exception) -> None: ...

        @rescue_from(SubFlaky)
        def narrow(self, error: Exception) -> None: ...

    broad = resolve_handler(WithMethods, Flaky())
    narrow = resolve_handler(WithMethods, SubFlaky())
    assert broad is not None and broad.method_name == "broad"
    assert narrow is not None and narrow.method_name == "narrow"


def test_subclass_declarations_win_over_base_ones(inline: InlineAdapter) -> None:
    @retry_on(Flaky, wait=0, attempts=2)
    class Base(Job):
        pass

    @discard_on(Flaky)
    class Child(Base):
        def perform(self) -> None:
            raise SubFlaky

    class Sibling(Base):
        def perform(self) -> None:
            raise SubFlaky

    assert kind_for(Child, SubFlaky()) is HandlerKind.DISCARD
    assert kind_for(Sibling, SubFlaky()) is HandlerKind.RETRY
    assert kind_for(Base, SubFlaky()) is HandlerKind.RETRY
    Child.perform_later()
    assert inline.runs[-1].status == "discarded"


def test_base_handler_still_applies_when_subclass_has_none_for_the_error() -> None:
    @discard_on(Fatal)
    class Base(Job):
        pass

    @retry_on(Flaky)
    class Child(Base):
        pass

    assert kind_for(Child, Fatal()) is HandlerKind.DISCARD


def test_mixin_declarations_follow_the_mro() -> None:
    @discard_on(Flaky)
    class Base(Job):
        pass

    @retry_on(Flaky)
    class Mixin(Job):
        pass

    class Combined(Mixin, Base):
        pass

    assert kind_for(Combined, Flaky()) is HandlerKind.RETRY


def test_cause_is_tried_when_nothing_matches(inline: InlineAdapter) -> None:
    seen: list[BaseException] = []

    @discard_on(Flaky, on_discard=lambda job, error: seen.append(error))
    class Wrapped(Job):
        def perform(self) -> None:
            try:
                raise Flaky("inner")
            except Flaky as error:
                raise RuntimeError("outer") from error

    Wrapped.perform_later()
    assert inline.runs[0].status == "discarded"
    assert [str(error) for error in seen] == ["inner"]


def test_implicit_context_is_not_a_cause() -> None:
    @discard_on(Flaky)
    class Job1(Job):
        pass

    try:
        try:
            raise Flaky
        except Flaky:
            raise RuntimeError("during") from None
    except RuntimeError as error:
        assert resolve_handler(Job1, error) is None


def test_direct_match_beats_an_older_match_on_the_cause() -> None:
    @discard_on(Flaky)
    @retry_on(RuntimeError)
    class Job2(Job):
        pass

    error = RuntimeError("outer")
    error.__cause__ = Flaky()
    assert kind_for(Job2, error) is HandlerKind.RETRY


def test_generic_functions_work_on_names() -> None:
    base = [("retry_on", "Exception")]
    own = [("discard_on", "ValueError"), ("rescue_from", "KeyError")]
    order = search_order([base, own])
    assert order[0] == ("rescue_from", "KeyError")
    found = first_match(order, ["ValueError"], lambda declaration, name: declaration[1] == name)
    assert found == (("discard_on", "ValueError"), "ValueError")


def test_deserialization_error_can_be_discarded(inline: InlineAdapter) -> None:
    from joblint.runtime.globalid import GlobalID

    class Gone:
        def to_global_id(self) -> str:
            return str(GlobalID("app", "NeverRegistered", "1"))

    @discard_on(DeserializationError)
    class NeedsRecord(Job):
        def perform(self, record: object) -> None:
            raise AssertionError("not reached")

    NeedsRecord.perform_later(Gone())
    assert inline.runs[0].status == "discarded"


def test_bad_declarations_are_rejected() -> None:
    with pytest.raises(TypeError):
        retry_on()
    with pytest.raises(TypeError):
        discard_on("ValueError")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        retry_on(Flaky, attempts=0)
    with pytest.raises(TypeError):
        rescue_from(Flaky)(Job)
