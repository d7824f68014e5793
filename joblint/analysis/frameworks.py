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
