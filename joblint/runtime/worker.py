"""A worker: claims ready jobs from its queues in batches and runs them on a pool of threads.

The main thread does all the queue's bookkeeping, one short write transaction per round:
the round stores every job that finished since the last one and claims as many ready jobs
as there is room for. Room is the thread count plus ``prefetch`` (as many again, by
default): threads take claimed jobs from a local queue, so they keep working while the
main thread is in a transaction, and finished jobs are stored many at a time. While there
is work the loop does not sleep: it waits only for a thread to finish, or, when a claim
comes back short, up to ``polling_interval`` for one to.

A job waiting in the local queue is claimed in the database like a running one. If the
process dies, both go back to ready once it is found dead, each counting the crash, so a
worker puts at most ``threads + prefetch`` jobs at stake. On stop it claims nothing more,
releases the jobs no thread has started (uncounted), gives running jobs
``shutdown_timeout`` seconds, then leaves what still runs to be released.
"""

from __future__ import annotations

import queue
import threading
import time
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
        prefetch: int | None = None,
    ) -> None:
        super().__init__(store, settings, name, supervisor_id)
        self.queues = queues
        self.selection = QueueSelection.from_entries(queues)
        self.threads = threads
        self.polling_interval = polling_interval
        self.prefetch = threads if prefetch is None else max(0, prefetch)
        self._jobs: queue.SimpleQueue[ClaimedJob | None] = queue.SimpleQueue()
        self._results: queue.SimpleQueue[Completion] = queue.SimpleQueue()
        self._unfinished = 0  # claimed and not yet stored as finished; main thread only
        self._pool: list[threading.Thread] = []

    def metadata(self) -> dict[str, Any]:
        return {"queues": self.queues, "threads": self.threads}

    @property
    def in_flight(self) -> int:
        """Jobs this worker has claimed and not yet stored as finished."""
        return self._unfinished

    def loop(self, process_id: int) -> None:
        self._pool = [
            threading.Thread(target=self._work, name=f"{self.name}-{index}", daemon=True)
            for index in range(self.threads)
        ]
        for thread in self._pool:
            thread.start()
        capacity = self.threads + self.prefetch
        block_for = 0.0
        while not self.stop.is_set():
            completions = self._collect(block_for)
            room = capacity - self._unfinished + len(completions)
            if self.stop.is_set():
                room = 0
            try:
                claimed = (
                    self.store.complete_and_claim(process_id, completions, self.selection, room)
                    if completions or room > 0
                    else []
                )
            except BaseException:
                for completion in completions:
                    self._results.put(completion)  # for shutdown to store, if it can
                raise
            self._unfinished += len(claimed) - len(completions)
            for job in claimed:
                self._jobs.put(job)
            # Claimed all it had room for: go round again at once. Otherwise the queue is
            # empty or every slot is taken: wait for a thread to finish, or poll again.
            block_for = 0.0 if 0 < room == len(claimed) else self.polling_interval

    def shutdown(self, process_id: int) -> None:
        unstarted: list[int] = []
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                unstarted.append(job.row_id)
        for _ in self._pool:
            self._jobs.put(None)  # each thread ends after its current job
        if unstarted:
            self.store.release(process_id, unstarted)
            self._unfinished -= len(unstarted)
        deadline = time.monotonic() + self.settings.shutdown_timeout
        while self._unfinished > 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            completions = self._collect(min(0.05, remaining))
            if completions:
                self.store.complete(process_id, completions)
                self._unfinished -= len(completions)

    def _work(self) -> None:
        clock = self.store.clock
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                completion = run_claimed(job, clock)
            except BaseException as error:  # a job calling sys.exit must not lose its result
                completion = Completion(job.row_id, "failed", failure=describe_failure(error))
            self._results.put(completion)

    def _collect(self, block_for: float) -> list[Completion]:
        """Every completion waiting, after waiting up to ``block_for`` seconds for the first."""
        completions: list[Completion] = []
        try:
            if block_for > 0:
                completions.append(self._results.get(timeout=block_for))
            while True:
                completions.append(self._results.get_nowait())
        except queue.Empty:
            pass
        return completions
