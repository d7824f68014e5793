"""``Job``: the base class a project's jobs derive from, with ActiveJob's shape.

A job instance carries its arguments and its bookkeeping (``job_id``, ``queue_name``,
``priority``, ``scheduled_at``, ``executions``); ``serialize`` and ``deserialize`` move it
through a queue as JSON. Error policies are declared with the decorators in
``joblint.runtime.policies``; this module runs them.
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic, Literal, Self, TypeVar, overload

from joblint.runtime.adapters.base import EnqueueRequest, QueueAdapter, UniqueMode
from joblint.runtime.clock import Clock
from joblint.runtime.errors import EnqueueError
from joblint.runtime.globalid import LocatorRegistry
from joblint.runtime.policies import (
    HandlerKind,
    Unlimited,
    collect_method_handlers,
    resolve_handler_and_error,
    retry_delay,
)
from joblint.runtime.serialization import deserialize_arguments, serialize_arguments

DEFAULT_QUEUE = "default"
DEFAULT_PRIORITY = 0
UNIQUE_MODES: tuple[UniqueMode, ...] = ("until_executed", "while_executing")

Status = Literal["succeeded", "retried", "discarded", "rescued", "exhausted"]


@dataclass(frozen=True)
class RetryRequest:
    wait_seconds: float
    queue: str | None
    priority: int | None


@dataclass(frozen=True)
class ExecutionOutcome:
    """How a run ended when it did not raise; ``retry`` is set when it asked to run again."""

    status: Status
    retry: RetryRequest | None = None
    value: Any = None


def class_path(job_class: type) -> str:
    """``module:QualName``: how a worker finds the class again."""
    return f"{job_class.__module__}:{job_class.__qualname__}"


J = TypeVar("J", bound="Job")


class _ClassOrInstance:
    """A method that is a class method on the class and an instance method on instances,
    so ``MyJob.perform_now(1)`` and ``job.perform_now()`` both read as in ActiveJob."""

    def __init__(self, on_class: Callable[..., Any], on_instance: Callable[..., Any]) -> None:
        self._on_class = on_class
        self._on_instance = on_instance

    @overload
    def __get__(self, instance: None, owner: type) -> Callable[..., Any]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> Callable[..., Any]: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> Callable[..., Any]:
        if instance is None:
            return functools.partial(self._on_class, owner)
        return functools.partial(self._on_instance, instance)


class ConfiguredJob(Generic[J]):
    """``Job.set(...)``: the same class with enqueue options applied."""

    def __init__(
        self,
        job_class: type[J],
        *,
        wait: float | timedelta | None = None,
        wait_until: datetime | None = None,
        queue: str | None = None,
        priority: int | None = None,
    ) -> None:
        self.job_class = job_class
        self.wait = wait
        self.wait_until = wait_until
        self.queue = queue
        self.priority = priority

    def perform_later(self, *args: Any, **kwargs: Any) -> J:
        return self.job_class(*args, **kwargs).enqueue(
            wait=self.wait, wait_until=self.wait_until, queue=self.queue, priority=self.priority
        )

    def perform_now(self, *args: Any, **kwargs: Any) -> Any:
        job = self.job_class(*args, **kwargs)
        if self.queue is not None:
            job.queue_name = self.queue
        if self.priority is not None:
            job.priority = self.priority
        return job.perform_now()


class Job:
    """Subclass (through the project's ``ApplicationJob``) and define ``perform``.

    Class settings: ``queue_as`` (a queue name, or a method returning one that may read
    ``self.arguments``; evaluated at enqueue), ``priority`` (lower runs first),
    ``queue_adapter`` (an adapter or its name, to override the default for this job), and
    ``unique`` (``"until_executed"`` or ``"while_executing"``, see ``unique_key``).
    """

    queue_as: Any = DEFAULT_QUEUE
    priority: int | None = None
    queue_adapter: ClassVar[QueueAdapter | str | None] = None
    unique: ClassVar[UniqueMode | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        unique = cls.__dict__.get("unique")
        if unique is not None and unique not in UNIQUE_MODES:
            raise TypeError(f"{cls.__qualname__}.unique must be one of {UNIQUE_MODES}")
        collect_method_handlers(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        Job._initialize(self, args, kwargs, str(uuid.uuid4()))

    def _initialize(self, args: tuple[Any, ...], kwargs: dict[str, Any], job_id: str) -> None:
        self.arguments: tuple[Any, ...] = args
        self.keyword_arguments: dict[str, Any] = kwargs
        self.job_id: str = job_id
        self.queue_name: str | None = None
        self.priority = type(self).priority
        self.scheduled_at: datetime | None = None
        self.enqueued_at: datetime | None = None
        self.executions: int = 0
        self.exception_executions: dict[str, int] = {}
        self.successfully_enqueued: bool = False
        self._serialized_arguments: dict[str, Any] | None = None
        self._retry_request: RetryRequest | None = None

    def perform(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__qualname__} must define perform")

    # --- enqueueing ----------------------------------------------------------------------

    @classmethod
    def perform_later(cls, *args: Any, **kwargs: Any) -> Self:
        """Enqueue a job; the returned instance says whether it was (``successfully_enqueued``)."""
        return cls(*args, **kwargs).enqueue()

    @classmethod
    def set(
        cls,
        *,
        wait: float | timedelta | None = None,
        wait_until: datetime | None = None,
        queue: str | None = None,
        priority: int | None = None,
    ) -> ConfiguredJob[Self]:
        return ConfiguredJob(cls, wait=wait, wait_until=wait_until, queue=queue, priority=priority)

    def enqueue(
        self,
        *,
        wait: float | timedelta | None = None,
        wait_until: datetime | None = None,
        queue: str | None = None,
        priority: int | None = None,
    ) -> Self:
        adapter = self.adapter()
        request = self.enqueue_request(
            adapter.clock, wait=wait, wait_until=wait_until, queue=queue, priority=priority
        )
        self.successfully_enqueued = adapter.enqueue(request)
        return self

    @classmethod
    def adapter(cls) -> QueueAdapter:
        from joblint.runtime.adapters.registry import resolve_adapter

        return resolve_adapter(cls.queue_adapter)

    def enqueue_request(
        self,
        clock: Clock,
        *,
        wait: float | timedelta | None = None,
        wait_until: datetime | None = None,
        queue: str | None = None,
        priority: int | None = None,
    ) -> EnqueueRequest:
        """Fix the queue, priority and time, serialize, and describe the job for an adapter.

        Raises ``SerializationError`` or ``EnqueueError`` here, in the caller.
        """
        now = clock.now()
        self.scheduled_at = _scheduled_time(now, wait, wait_until)
        self.queue_name = queue if queue is not None else self.evaluate_queue_name()
        if priority is not None:
            self.priority = priority
        self.enqueued_at = now
        payload = self.serialize()
        return EnqueueRequest(
            job_id=self.job_id,
            class_path=payload["job_class"],
            queue_name=self.queue_name,
            priority=self.priority if self.priority is not None else DEFAULT_PRIORITY,
            scheduled_at=self.scheduled_at,
            payload=payload,
            unique_key=self.unique_key(payload),
            unique_mode=type(self).unique,
            job_class=type(self),
        )

    def evaluate_queue_name(self) -> str:
        setting = self.queue_as
        name = setting() if callable(setting) else setting
        if not isinstance(name, str) or not name:
            raise EnqueueError(
                f"{type(self).__qualname__}.queue_as gave {name!r}; a queue name is a non-empty str"
            )
        return name

    def unique_key(self, payload: dict[str, Any]) -> str | None:
        """Same class and same arguments: the identity ``unique`` jobs are deduplicated by.

        ``until_executed`` holds it from enqueue until the job finishes (succeeds, is
        discarded or fails for good), across retries: a second enqueue meanwhile is dropped.
        ``while_executing`` holds it while the job runs: an enqueue meanwhile is dropped, and a
        pending duplicate waits until the running one ends, so the two never overlap.
        """
        if type(self).unique is None:
            return None
        canonical = json.dumps(
            [payload["job_class"], payload["arguments"]], sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode()).hexdigest()

    # --- serialization -------------------------------------------------------------------

    def serialize(self) -> dict[str, Any]:
        arguments = self._serialized_arguments
        if arguments is None:
            arguments = serialize_arguments(self.arguments, self.keyword_arguments)
        return {
            "job_class": class_path(type(self)),
            "job_id": self.job_id,
            "queue_name": self.queue_name,
            "priority": self.priority,
            "arguments": arguments,
            "executions": self.executions,
            "exception_executions": dict(self.exception_executions),
            "enqueued_at": _iso(self.enqueued_at),
            "scheduled_at": _iso(self.scheduled_at),
        }

    @classmethod
    def deserialize(cls, payload: dict[str, Any]) -> Self:
        """Rebuild a job from its payload; arguments are located when it runs, so a record
        that is gone raises ``DeserializationError`` where the job's policies can take it."""
        job = cls.__new__(cls)
        Job._initialize(job, (), {}, payload["job_id"])
        job.queue_name = payload["queue_name"]
        job.priority = payload["priority"]
        job.executions = payload["executions"]
        job.exception_executions = dict(payload["exception_executions"])
        job.enqueued_at = _parse_iso(payload["enqueued_at"])
        job.scheduled_at = _parse_iso(payload["scheduled_at"])
        job._serialized_arguments = payload["arguments"]
        return job

    # --- running -------------------------------------------------------------------------

    perform_now = _ClassOrInstance(
        lambda cls, *args, **kwargs: _perform_now(cls(*args, **kwargs)),
        lambda job: _perform_now(job),
    )
    """``MyJob.perform_now(*args)`` or ``job.perform_now()``: run in this process, now,
    with the job's error policies; a retry is enqueued through the job's adapter."""

    def _enqueue_retry(self, retry: RetryRequest) -> None:
        self.enqueue(wait=retry.wait_seconds, queue=retry.queue, priority=retry.priority)

    def execute(self, locators: LocatorRegistry | None = None) -> ExecutionOutcome:
        """Run once: count the execution, locate the arguments, ``perform``, apply policies.

        Returns how the run ended, or raises the error no policy took. A retry is returned,
        not enqueued, so that a worker can store it together with finishing this run.
        """
        self.executions += 1
        self._retry_request = None
        try:
            if self._serialized_arguments is not None:
                self.arguments, self.keyword_arguments = deserialize_arguments(
                    self._serialized_arguments, locators
                )
            value = self.perform(*self.arguments, **self.keyword_arguments)
        except Exception as error:
            status = self._rescue(error)
            return ExecutionOutcome(status, self._retry_request)
        return ExecutionOutcome("succeeded", None, value)

    def retry_job(
        self,
        *,
        wait: float | timedelta = 0,
        queue: str | None = None,
        priority: int | None = None,
    ) -> None:
        """Ask for this job to run again (from a ``rescue_from`` handler, say)."""
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        self._retry_request = RetryRequest(seconds, queue, priority)

    def _rescue(self, error: Exception) -> Status:
        found = resolve_handler_and_error(type(self), error)
        if found is None:
            raise error
        handler, matched = found
        if handler.kind is HandlerKind.RETRY:
            key = handler.counter_key
            count = self.exception_executions.get(key, 0) + 1
            self.exception_executions[key] = count
            if isinstance(handler.attempts, Unlimited) or count < handler.attempts:
                self.retry_job(
                    wait=retry_delay(handler.wait, count, handler.jitter),
                    queue=handler.queue,
                    priority=handler.priority,
                )
                return "retried"
            if handler.callback is None:
                raise error
            handler.callback(self, matched)
            return "exhausted"
        if handler.kind is HandlerKind.DISCARD:
            if handler.callback is not None:
                handler.callback(self, matched)
            return "discarded"
        assert handler.method_name is not None
        getattr(self, handler.method_name)(matched)
        return "retried" if self._retry_request is not None else "rescued"

    def __repr__(self) -> str:
        return f"<{type(self).__qualname__} {self.job_id} queue={self.queue_name!r}>"


def _perform_now(job: Job) -> Any:
    outcome = job.execute()
    if outcome.retry is not None:
        job._enqueue_retry(outcome.retry)
    return outcome.value


def perform_all_later(jobs: Iterable[Job]) -> int:
    """Enqueue many jobs, one adapter call (one transaction) per adapter; returns how many
    were enqueued (uniqueness may drop some). Each job's ``successfully_enqueued`` is set."""
    by_adapter: dict[int, tuple[QueueAdapter, list[tuple[Job, EnqueueRequest]]]] = {}
    for job in jobs:
        adapter = job.adapter()
        entry = by_adapter.setdefault(id(adapter), (adapter, []))
        entry[1].append((job, job.enqueue_request(adapter.clock)))
    enqueued = 0
    for adapter, pairs in by_adapter.values():
        results = adapter.enqueue_all([request for _, request in pairs])
        for (job, _), result in zip(pairs, results, strict=True):
            job.successfully_enqueued = result
            enqueued += result
    return enqueued


def _scheduled_time(
    now: datetime, wait: float | timedelta | None, wait_until: datetime | None
) -> datetime | None:
    if wait is not None and wait_until is not None:
        raise EnqueueError("give either wait or wait_until, not both")
    if wait_until is not None:
        if not isinstance(wait_until, datetime):
            raise EnqueueError(f"wait_until must be a datetime, not {type(wait_until).__name__}")
        if wait_until.tzinfo is None or wait_until.utcoffset() is None:
            raise EnqueueError("wait_until is a naive datetime; attach a timezone")
        return wait_until
    if wait is None:
        return None
    if isinstance(wait, timedelta):
        return now + wait
    if isinstance(wait, bool) or not isinstance(wait, int | float):
        raise EnqueueError(f"wait must be seconds or a timedelta, not {type(wait).__name__}")
    return now + timedelta(seconds=wait)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _parse_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None
