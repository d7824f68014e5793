"""A worker: claims ready jobs from its queues in batches and runs them on a thread pool.

The main thread claims as many jobs as it has idle threads (one transaction), hands them to
the pool, and stores finished ones in batches (one transaction for many completions), so
the database sees few, short write transactions. On stop it claims nothing more, gives
in-flight jobs ``shutdown_timeout`` seconds, then releases what is still running.
"""

from __future__ import annotations

import queue
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from joblint.runtime.execution import describe_failure, run_claimed
from joblint.runtime.process import ProcessBase
from joblint.runtime.queue_selection import QueueSelection
from joblint.runtime.settings import ProcessSettings
from joblint.runtime.store import ClaimedJob, Completion, JobStore


class Worker(ProcessBase):
    kind = "worker"

    def __init__(
        self,
        store: JobStore,
        settings: ProcessSettings,
        name: str,
        queues: list[str],
        threads: int = 3,
        polling_interval: float = 0.1,
        supervisor_id: int | None = None,
    ) -> None:
        super().__init__(store, settings, name, supervisor_id)
        self.queues = queues
        self.selection = QueueSelection.from_entries(queues)
        self.threads = threads
        self.polling_interval = polling_interval
        self._results: queue.Queue[Completion] = queue.Queue()
        self._in_flight = 0
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name)

    def metadata(self) -> dict[str, Any]:
        return {"queues": self.queues, "threads": self.threads}

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def loop(self, process_id: int) -> None:
        while not self.stop.is_set():
            self._store_completions(process_id, block_for=0.0)
            idle = self.threads - self._in_flight
            claimed = self.store.claim(process_id, self.selection, idle) if idle > 0 else []
            for job in claimed:
                self._in_flight += 1
                self._pool.submit(self._run, job)
            if not claimed or len(claimed) < idle:
                self._store_completions(process_id, block_for=self.polling_interval)

    def shutdown(self, process_id: int) -> None:
        deadline = time.monotonic() + self.settings.shutdown_timeout
        while self._in_flight > 0 and time.monotonic() < deadline:
            self._store_completions(process_id, block_for=min(0.05, deadline - time.monotonic()))
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, job: ClaimedJob) -> None:
        try:
            completion = run_claimed(job, self.store.clock)
        except BaseException as error:  # a job calling sys.exit must not lose its result
            completion = Completion(job.row_id, "failed", failure=describe_failure(error))
        self._results.put(completion)

    def _store_completions(self, process_id: int, block_for: float) -> None:
        completions: list[Completion] = []
        try:
            if block_for > 0:
                completions.append(self._results.get(timeout=block_for))
            while True:
                completions.append(self._results.get_nowait())
        except queue.Empty:
            pass
        if completions:
            self.store.complete(process_id, completions)
            self._in_flight -= len(completions)
