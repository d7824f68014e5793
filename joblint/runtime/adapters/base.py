"""What a queue backend must do to accept jobs, kept small so new backends are cheap.

A job turns itself into an ``EnqueueRequest`` (everything already serialized and checked);
an adapter stores or runs it. The worker side of a database backend is ``JobStore`` in
``joblint.runtime.store``; a PostgreSQL adapter would implement both with
``FOR UPDATE SKIP LOCKED`` and leave jobs untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from joblint.runtime.clock import Clock

if TYPE_CHECKING:
    from joblint.runtime.job import Job

UniqueMode = Literal["until_executed", "while_executing"]


@dataclass(frozen=True)
class EnqueueRequest:
    """A job ready to store: its JSON payload plus the columns a queue sorts and filters by."""

    job_id: str
    class_path: str
    queue_name: str
    priority: int
    scheduled_at: datetime | None
    payload: dict[str, Any]
    unique_key: str | None
    unique_mode: UniqueMode | None
    job_class: type[Job]


class QueueAdapter(Protocol):
    clock: Clock

    def enqueue(self, request: EnqueueRequest) -> bool:
        """Store or run the job; False when a uniqueness lock dropped it."""
        ...

    def enqueue_all(self, requests: Sequence[EnqueueRequest]) -> list[bool]:
        """``enqueue`` for many jobs at once, in one transaction where the backend has them."""
        ...
