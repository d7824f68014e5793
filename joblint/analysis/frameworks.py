"""What differs between frameworks, as the rules need it: one ``FrameworkDescription`` per
framework, written by its frontend (``joblint/frameworks/<name>.py``, ``DESCRIPTION``) and
registered into the project index by the engine.

A rule asks the description of a job's or an enqueue site's framework
(``index.framework(job.framework)``) instead of comparing framework names or keeping a
table keyed by them, so that knowledge of a framework lives beside its frontend, a rule
serves a framework it has never heard of, and no rule imports a frontend. Descriptions
are plain data, so they cross processes with the facts they describe.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


@dataclass(frozen=True)
class PriorityRange:
    """What a framework accepts as a priority (None: no bound on that side), and where
    that is written down, worded for a message."""

    low: int | None
    high: int | None
    source: str


class DelayForm(enum.Enum):
    """What the option that delays a job takes, for a fix that turns "now plus a delay"
    into the delay itself."""

    TIMEDELTA = "timedelta"  # the very `timedelta` (the runtime's `wait`, arq's `_defer_by`)
    SECONDS = "seconds"  # a number of seconds (Celery's `countdown`)
    UNITS = "units"  # a mapping of units (Procrastinate's `schedule_in={"minutes": 5}`)
    METHOD = "method"  # another method, given the delay (RQ's `enqueue_in(delta, ...)`)
    OTHER = "other"  # an option no fix writes for the reader (Huey's `delay`)


@dataclass(frozen=True)
class MomentOption:
    """An enqueue option that takes the moment a job should run (``eta``, ``wait_until``),
    under the name the frontend keeps it in ``EnqueueSite.options``."""

    name: str
    # The option (or method) that takes a delay instead, and what it takes.
    relative: str | None = None
    relative_form: DelayForm = DelayForm.OTHER
    # How a message names it, when not as the keyword (RQ's moment is `enqueue_at`'s
    # first argument).
    written_as: str | None = None

    @property
    def shown(self) -> str:
        return self.written_as if self.written_as is not None else f"`{self.name}`"


@dataclass(frozen=True)
class DelayConflict:
    """Two options that each set when a job runs, and what the framework does when an
    enqueue gives both."""

    delay: str
    moment: str
    outcome: str
    # Report at the delay option (the one the framework keeps), else at whichever of the
    # two is written later.
    at_delay: bool = False
    # What the framework does with a zero delay, when it ignores one.
    zero_delay_ignored: str | None = None


class Encoding(enum.Enum):
    """What a serializer turns arguments into; the serialization rule knows which kinds of
    value each encoding takes."""

    JSON = "json"  # the standard library's encoder, as most frameworks use it
    KOMBU_JSON = "kombu-json"  # kombu's: also datetimes, dates, times, Decimals, UUIDs
    TAGGED_JSON = "tagged-json"  # joblint's runtime: JSON plus tagged values and global ids
    PICKLE = "pickle"


@dataclass(frozen=True)
class SerializerDescription:
    """One serializer a framework offers, under the name a project chooses it by."""

    name: str
    label: str  # how a message names it: "Celery's JSON serializer"
    encoding: Encoding
    # Methods that make an object serializable by the encoder itself (`__json__`).
    object_hooks: frozenset[str] = frozenset()
    # Classes under these prefixes define the hooks themselves (the runtime's `Record`).
    hook_bases: tuple[str, ...] = ()


class WaitsWhen(enum.Enum):
    ALWAYS = "always"
    ARGUMENT_TRUE = "argument true"  # Huey's `result.get(blocking=True)`
    ARGUMENT_NONZERO = "argument nonzero"  # RQ's `job.latest_result(timeout=N)`


@dataclass(frozen=True)
class ResultWait:
    """A method of what an enqueue returns that waits for the job's result: always, or
    when ``argument`` (its keyword, else its first positional argument) says so."""

    method: str
    waits: WaitsWhen = WaitsWhen.ALWAYS
    argument: str | None = None


@dataclass(frozen=True)
class SuppliedArguments:
    """Arguments a framework passes to a task function itself, ahead of the caller's: a
    leading parameter (Celery's bound ``self``, arq's ``ctx``) or a keyword (Huey's
    ``task``). ``option`` is the job option that turns it on; None means always."""

    option: str | None
    leading: int = 0
    keyword: str | None = None
    # Names the supplied leading parameter goes by: with the option absent, a first
    # parameter so named means the option may be set where joblint cannot see it.
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class DecoratorOrder:
    """Where the task decorator must sit among a task function's decorators."""

    task_outermost: bool = False
    # Decorators, by last name, that must sit below (applied before) the task decorator,
    # and those that must sit above it.
    below_task: frozenset[str] = frozenset()
    above_task: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SynchronousCall:
    """A call that runs a job in the caller (a synchronous site's ``method``), and how to
    enqueue the job instead: ``enqueue``, written by renaming the method
    (``apply`` -> ``apply_async``) or appending it to the callee (``task(...)`` ->
    ``task.delay(...)``), else ``advice`` for the reader."""

    method: str
    enqueue: str | None = None
    rewrite: str = "rename"  # or "append"
    advice: str | None = None


@dataclass(frozen=True)
class ControlException:
    """An exception that exists to tell the worker what to do (Celery's ``Retry``,
    Huey's ``CancelExecution``), by qualified name, and what catching it without
    re-raising loses, worded to follow a colon."""

    name: str
    lost: str


@dataclass(frozen=True)
class FrameworkDescription:
    name: str  # as JobDefinition.framework and EnqueueSite.framework hold it
    display_name: str  # for messages: "Celery", "joblint's runtime"

    # -- queues
    # How a job names a queue of its own, worded for a message; None for frameworks whose
    # queue belongs to the worker or the enqueue call (RQ, Huey, arq).
    queue_declaration: str | None = None
    # The class attribute that declares a job's queue: inherited from a project base
    # class, and what a fix may insert (the runtime's `queue_as`).
    queue_attribute: str | None = None
    # Enqueue options that put one enqueue on a queue.
    queue_options: frozenset[str] = frozenset()
    # A queue name must match this pattern in full, else ``queue_name_problem``.
    queue_name_pattern: str | None = None
    queue_name_problem: str = ""
    # Only the queues the job's backend lists are accepted (Django Tasks' `QUEUES`).
    queues_listed_by_backend: bool = False
    # Its workers serve the queues of the project's `config/queue.yml`, and a job naming
    # no queue runs on `default` there.
    workers_read_queue_config: bool = False
    # The class attribute that makes a job bypass the project's adapter.
    adapter_attribute: str | None = None
    priority: PriorityRange | None = None

    # -- scheduling
    moment_options: tuple[MomentOption, ...] = ()
    # What the framework does with a naive moment, worded to follow a colon.
    naive_moment_outcome: str = ""
    delay_conflict: DelayConflict | None = None

    # -- serialization
    serializers: tuple[SerializerDescription, ...] = ()
    default_serializer: str | None = None

    # -- naming
    # Its concrete job classes follow Active Job's naming and layout: `<Verb><Noun>Job`,
    # one per module named after it, in a jobs package (the runtime's convention).
    job_class_conventions: bool = False
    # The decorator keyword that fixes the name a task is registered under, so queued
    # messages still find it after a rename (Celery's `name=`, Dramatiq's `actor_name=`).
    name_keyword: str | None = None

    # -- enqueueing
    # The bulk API that saves round trips, worded for a message (Celery has none:
    # `group(...).apply_async()` publishes one message per signature).
    bulk_enqueue: str | None = None
    # The bulk API takes per-enqueue options (the runtime's `perform_all_later` takes job
    # instances, not `set(...)` ones).
    bulk_enqueue_takes_options: bool = True
    synchronous_calls: tuple[SynchronousCall, ...] = ()
    # A job may be written to the queue with the caller's database transaction
    # (`JobDefinition.joins_callers_transaction`, set by the frontend).
    may_join_callers_transaction: bool = False

    # -- delivery and errors
    # Every job is delivered at least once, whatever it declares (a dead worker's job runs
    # again), so a second run must be harmless.
    delivers_at_least_once: bool = False
    # Jobs declare Active Job's error policies (`retry_on`, `discard_on`, `rescue_from`),
    # searched newest first, as joblint's runtime does.
    declared_error_policies: bool = False
    # The declaration that discards a job on an exception, for advice (`discard_on`).
    discard_declaration: str | None = None

    # Time-limit exceptions (Celery's SoftTimeLimitExceeded, Dramatiq's
    # TimeLimitExceeded) are not control exceptions: both frameworks document catching
    # them to clean up before the hard limit.
    control_exceptions: tuple[ControlException, ...] = ()

    # The modes a job's `unique` option accepts (the runtime's `until_executed`,
    # `while_executing`); any other value fails when the job class is defined.
    unique_modes: tuple[str, ...] = ()

    # -- results
    # What waits, on the object an enqueue returns, for the job's result.
    result_waits: tuple[ResultWait, ...] = ()

    # -- task functions and their arguments
    # The task decorators, by last name, for frontends that do not record which one made
    # a task (a task function carries exactly one of them).
    task_decorators: frozenset[str] = frozenset()
    decorator_order: DecoratorOrder | None = None
    supplied_arguments: SuppliedArguments | None = None
    # Enqueue methods that drop positional arguments (Procrastinate's
    # `Task.defer(*_, **kwargs)`), and those of them that take one job's arguments (not a
    # batch's, each a mapping).
    drops_positional: frozenset[str] = frozenset()
    keyword_only_enqueue: frozenset[str] = frozenset()

    def synchronous_call(self, method: str) -> SynchronousCall | None:
        for call in self.synchronous_calls:
            if call.method == method:
                return call
        return None

    def result_wait(self, method: str) -> ResultWait | None:
        for wait in self.result_waits:
            if wait.method == method:
                return wait
        return None

    def moment_option(self, name: str) -> MomentOption | None:
        for option in self.moment_options:
            if option.name == name:
                return option
        return None

    def serializer(self, name: str) -> SerializerDescription | None:
        for serializer in self.serializers:
            if serializer.name == name:
                return serializer
        return None


def unknown_framework(name: str) -> FrameworkDescription:
    """The description of a framework no frontend described: nothing is known of it, so
    no rule judges what would need that knowledge."""
    return FrameworkDescription(name=name, display_name=name)
