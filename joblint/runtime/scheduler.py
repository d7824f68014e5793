"""The scheduler: enqueues recurring tasks when their slot comes.

Each slot is written as a unique (task, run time) row in the same transaction as the job, so
several schedulers on one database enqueue it once. Missed slots are not caught up: after a
run (or at start) the next slot is the first one after now, as in Solid Queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from joblint.runtime.job import Job
from joblint.runtime.loader import DEFAULT_JOB_PACKAGES, resolve_job_class
from joblint.runtime.process import ProcessBase
from joblint.runtime.recurring_config import RecurringTask
from joblint.runtime.settings import ProcessSettings
from joblint.runtime.store import JobStore

MAX_SLEEP_SECONDS = 1.0


def resolve_task_classes(
    tasks: Sequence[RecurringTask], job_packages: Sequence[str] = DEFAULT_JOB_PACKAGES
) -> list[tuple[RecurringTask, type[Job]]]:
    """Each task with its job class; ``JobClassNotFoundError`` for the first that has none."""
    resolved = []
    for task in tasks:
        job_class = resolve_job_class(task.class_name, job_packages)
        if not issubclass(job_class, Job):
            from joblint.runtime.errors import JobClassNotFoundError

            raise JobClassNotFoundError(
                f"recurring task {task.key!r}: {task.class_name} is not a joblint.runtime.Job"
            )
        resolved.append((task, job_class))
    return resolved


class Scheduler(ProcessBase):
    kind = "scheduler"

    def __init__(
        self,
        store: JobStore,
        settings: ProcessSettings,
        name: str,
        tasks: Sequence[RecurringTask],
        job_packages: Sequence[str] = DEFAULT_JOB_PACKAGES,
        supervisor_id: int | None = None,
    ) -> None:
        super().__init__(store, settings, name, supervisor_id)
        self.tasks = tuple(tasks)
        self.job_packages = tuple(job_packages)

    def metadata(self) -> dict[str, Any]:
        return {"tasks": [task.key for task in self.tasks]}

    def loop(self, process_id: int) -> None:
        resolved = resolve_task_classes(self.tasks, self.job_packages)
        clock = self.store.clock
        next_runs: dict[str, datetime] = {
            task.key: task.schedule.next_after(clock.now()) for task, _ in resolved
        }
        while not self.stop.is_set():
            now = clock.now()
            for task, job_class in resolved:
                run_at = next_runs[task.key]
                if run_at <= now:
                    self.enqueue_slot(task, job_class, run_at)
                    next_runs[task.key] = task.schedule.next_after(now)
            if next_runs:
                wait = (min(next_runs.values()) - clock.now()).total_seconds()
            else:
                wait = MAX_SLEEP_SECONDS
            self.stop.wait(min(max(wait, 0.005), MAX_SLEEP_SECONDS))

    def enqueue_slot(self, task: RecurringTask, job_class: type[Job], run_at: datetime) -> bool:
        job = job_class(*task.args, **task.kwargs)
        request = job.enqueue_request(self.store.clock, queue=task.queue, priority=task.priority)
        return self.store.enqueue_recurring(task.key, run_at, request)
