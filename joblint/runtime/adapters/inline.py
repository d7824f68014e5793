"""The inline adapter: jobs run in the caller's process, for tests and scripts.

A job due now runs before ``perform_later`` returns, and an error no policy takes is raised
to the caller, as with ActiveJob's inline adapter. Unlike ActiveJob's, a job scheduled for
later (``wait=``, or a retry with a wait) is kept until ``run_due()`` finds it due on the
adapter's clock; with a ``ManualClock`` a test moves time instead of sleeping. A job enqueued
while another runs (a retry with no wait, or a job enqueuing a job) runs right after it,
not nested inside it.
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from joblint.runtime.adapters.base import EnqueueRequest
from joblint.runtime.clock import Clock, SystemClock
from joblint.runtime.globalid import LocatorRegistry


@dataclass(order=True)
class _Scheduled:
    at: datetime
    sequence: int
    request: EnqueueRequest = field(compare=False)


@dataclass
class InlineRun:
    """One run, for tests to look at: which job, on which queue, and how it ended."""

    job: Any
    status: str
    queue_name: str
    ran_at: datetime


class InlineAdapter:
    def __init__(self, clock: Clock | None = None, locators: LocatorRegistry | None = None) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.locators = locators
        self.runs: list[InlineRun] = []
        self.scheduled: list[_Scheduled] = []
        self._pending: deque[EnqueueRequest] = deque()
        self._sequence = itertools.count()
        self._draining = False
        self._held: dict[str, str] = {}  # unique key -> job_id holding it

    def enqueue(self, request: EnqueueRequest) -> bool:
        if not self._acquire_at_enqueue(request):
            return False
        if request.scheduled_at is not None and request.scheduled_at > self.clock.now():
            self.scheduled.append(_Scheduled(request.scheduled_at, next(self._sequence), request))
            self.scheduled.sort()
            return True
        self._pending.append(request)
        self._drain()
        return True

    def enqueue_all(self, requests: Sequence[EnqueueRequest]) -> list[bool]:
        return [self.enqueue(request) for request in requests]

    def run_due(self) -> int:
        """Run every scheduled job that is due on the clock; returns how many ran."""
        now = self.clock.now()
        due = [entry for entry in self.scheduled if entry.at <= now]
        self.scheduled = [entry for entry in self.scheduled if entry.at > now]
        self._pending.extend(entry.request for entry in due)
        before = len(self.runs)
        self._drain()
        return len(self.runs) - before

    def next_scheduled_at(self) -> datetime | None:
        return self.scheduled[0].at if self.scheduled else None

    def _acquire_at_enqueue(self, request: EnqueueRequest) -> bool:
        key = request.unique_key
        if key is None:
            return True
        holder = self._held.get(key)
        if holder is not None and holder != request.job_id:
            return False
        if request.unique_mode == "until_executed":
            self._held[key] = request.job_id
        return True

    def _drain(self) -> None:
        if self._draining:
            return
        self._draining = True
        try:
            while self._pending:
                self._run(self._pending.popleft())
        finally:
            self._draining = False

    def _run(self, request: EnqueueRequest) -> None:
        payload = json.loads(json.dumps(request.payload))
        job = request.job_class.deserialize(payload)
        key = request.unique_key
        if key is not None:
            self._held[key] = request.job_id
        retried = False
        status = "failed"
        try:
            outcome = job.execute(self.locators)
            status = outcome.status
            if outcome.retry is not None:
                retried = True
                retry = outcome.retry
                self.enqueue(
                    job.enqueue_request(
                        self.clock,
                        wait=retry.wait_seconds,
                        queue=retry.queue,
                        priority=retry.priority,
                    )
                )
        finally:
            self.runs.append(InlineRun(job, status, request.queue_name, self.clock.now()))
            if key is not None and not (retried and request.unique_mode == "until_executed"):
                self._held.pop(key, None)
