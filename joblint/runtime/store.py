"""The worker side of a database-backed queue: what workers, the dispatcher, the scheduler and
the CLI need from storage. ``SQLiteAdapter`` implements it; a PostgreSQL store would too.

A job has at most one execution row while it is alive (ready, scheduled, claimed or failed)
and none once finished, as in Solid Queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from joblint.runtime.adapters.base import EnqueueRequest, UniqueMode
from joblint.runtime.clock import Clock
from joblint.runtime.queue_selection import QueueSelection

ProcessKind = Literal["supervisor", "worker", "dispatcher", "scheduler"]
CompletionStatus = Literal["succeeded", "retried", "discarded", "rescued", "exhausted", "failed"]

WORKER_CRASHED_ERROR = "joblint.runtime.WorkerCrashed"


@dataclass(frozen=True)
class ClaimedJob:
    row_id: int
    class_path: str
    queue_name: str
    payload: dict[str, Any]
    unique_key: str | None
    unique_mode: UniqueMode | None


@dataclass(frozen=True)
class FailureInfo:
    error_class: str
    message: str
    backtrace: str


@dataclass(frozen=True)
class Completion:
    """How one claimed job ended, handed back in batches so one transaction stores many."""

    row_id: int
    status: CompletionStatus
    retry: EnqueueRequest | None = None
    failure: FailureInfo | None = None


@dataclass(frozen=True)
class QueueCounts:
    queue_name: str
    ready: int = 0
    scheduled: int = 0
    claimed: int = 0
    failed: int = 0


@dataclass(frozen=True)
class ProcessInfo:
    process_id: int
    kind: str
    name: str
    pid: int
    hostname: str
    last_heartbeat_at: datetime
    supervisor_id: int | None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FailedJob:
    row_id: int
    job_id: str
    class_path: str
    queue_name: str
    error_class: str
    message: str
    backtrace: str
    failed_at: datetime


class JobStore(Protocol):
    clock: Clock

    def register_process(
        self,
        kind: ProcessKind,
        name: str,
        pid: int,
        supervisor_id: int | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> int: ...

    def heartbeat(self, process_id: int) -> bool:
        """Refresh the heartbeat; False when the row is gone (the process was pruned)."""
        ...

    def deregister_process(self, process_id: int) -> None:
        """A graceful exit: release the process's claimed jobs to ready, uncounted."""
        ...

    def release_crashed_process(self, process_id: int, max_crashes: int) -> int:
        """The process died: its claimed jobs go back to ready with the attempt counted,
        or fail once they have taken down ``max_crashes`` workers. Returns jobs released."""
        ...

    def prune_dead_processes(
        self, alive_threshold: float, max_crashes: int, keep: Sequence[int] = ()
    ) -> list[int]: ...

    def claim(self, process_id: int, selection: QueueSelection, limit: int) -> list[ClaimedJob]:
        """Move up to ``limit`` ready jobs to claimed by this process, atomically, in the
        selection's queue order, then by priority and id."""
        ...

    def complete(self, process_id: int, completions: Sequence[Completion]) -> None:
        """Store how claimed jobs ended (one transaction); a job no longer claimed by this
        process (it was released meanwhile) is skipped: it runs again elsewhere."""
        ...

    def complete_and_claim(
        self,
        process_id: int,
        completions: Sequence[Completion],
        selection: QueueSelection,
        limit: int,
    ) -> list[ClaimedJob]:
        """``complete`` then ``claim`` in one transaction: a worker's whole round trip."""
        ...

    def release(self, process_id: int, row_ids: Sequence[int]) -> None:
        """Give claimed jobs that never started back to ready, uncounted."""
        ...

    def dispatch_scheduled(self, batch_size: int) -> int: ...

    def enqueue_recurring(self, task_key: str, run_at: datetime, request: EnqueueRequest) -> bool:
        """Enqueue one slot of a recurring task; False if another scheduler already did."""
        ...

    def queue_counts(self) -> list[QueueCounts]: ...

    def processes(self) -> list[ProcessInfo]: ...

    def failed_jobs(self) -> list[FailedJob]: ...

    def retry_failed(self, row_id: int | None) -> int: ...

    def discard_failed(self, row_id: int) -> bool: ...

    def clear_finished(self, older_than: float, batch_size: int = 500) -> int:
        """Delete jobs that finished more than ``older_than`` seconds ago, in batches of
        ``batch_size`` rows (short transactions, so workers are never held up); returns
        how many were deleted."""
        ...
