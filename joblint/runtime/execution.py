"""Running one claimed job in a worker: load its class, run it with its policies, and describe
the end as a ``Completion`` for the store (a retry travels with it, so finishing this run and
enqueueing the next are one transaction)."""

from __future__ import annotations

import traceback

from joblint.runtime.clock import Clock
from joblint.runtime.globalid import LocatorRegistry
from joblint.runtime.job import Job
from joblint.runtime.loader import load_class_path
from joblint.runtime.store import ClaimedJob, Completion, FailureInfo

_job_classes: dict[str, type[Job]] = {}
"""Job classes by class path, so a worker imports and checks each class once, not per job.
A path that fails to load is not kept: it is tried again (and fails again) for each job."""


def job_class_for(class_path: str) -> type[Job]:
    job_class = _job_classes.get(class_path)
    if job_class is None:
        found = load_class_path(class_path)
        if not issubclass(found, Job):
            raise TypeError(f"{class_path} is not a joblint.runtime.Job")
        job_class = _job_classes[class_path] = found
    return job_class


def run_claimed(
    claimed: ClaimedJob, clock: Clock, locators: LocatorRegistry | None = None
) -> Completion:
    try:
        job = job_class_for(claimed.class_path).deserialize(claimed.payload)
        outcome = job.execute(locators)
        if outcome.retry is None:
            return Completion(claimed.row_id, outcome.status)
        retry = outcome.retry
        request = job.enqueue_request(
            clock, wait=retry.wait_seconds, queue=retry.queue, priority=retry.priority
        )
        return Completion(claimed.row_id, "retried", retry=request)
    except Exception as error:
        return Completion(claimed.row_id, "failed", failure=describe_failure(error))


def describe_failure(error: BaseException) -> FailureInfo:
    """Error class, message and traceback, as kept in failed executions."""
    kind = type(error)
    return FailureInfo(
        f"{kind.__module__}.{kind.__qualname__}",
        str(error),
        "".join(traceback.format_exception(error)),
    )
