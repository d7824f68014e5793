"""The supervisor: starts the configured processes, keeps them running, stops them gracefully.

Children are separate interpreters (``joblint.runtime.child``). When one exits without being
asked to, its claimed jobs are released at once, counting the attempt (a job that keeps
killing workers ends up failed), and it is started again. Processes whose heartbeat is
older than the alive threshold (from this or any other machine's supervisor) are pruned the
same way. On SIGTERM or SIGINT children get SIGTERM and ``shutdown_timeout`` to finish their
jobs; those still running after that are killed and their jobs released, uncounted.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from joblint.runtime.adapters.sqlite import SQLiteAdapter
from joblint.runtime.loader import DEFAULT_JOB_PACKAGES
from joblint.runtime.queue_config import QueueConfig
from joblint.runtime.settings import ProcessSettings

RESTART_DELAY_SECONDS = 0.5
KILL_GRACE_SECONDS = 2.0


@dataclass
class Child:
    kind: str
    options: dict[str, Any]
    name: str = ""
    popen: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0


@dataclass
class Supervisor:
    database: Path
    queue_config: QueueConfig
    settings: ProcessSettings = field(default_factory=ProcessSettings)
    recurring_path: Path | None = None
    environment: str | None = None
    job_packages: Sequence[str] = DEFAULT_JOB_PACKAGES
    stop: threading.Event = field(default_factory=threading.Event)

    def children_specs(self, has_recurring_tasks: bool) -> list[Child]:
        children = [
            Child(
                "worker",
                {
                    "queues": list(worker.queues),
                    "threads": worker.threads,
                    "polling_interval": worker.polling_interval,
                },
            )
            for worker in self.queue_config.workers
            for _ in range(worker.processes)
        ]
        children += [
            Child(
                "dispatcher",
                {
                    "polling_interval": dispatcher.polling_interval,
                    "batch_size": dispatcher.batch_size,
                },
            )
            for dispatcher in self.queue_config.dispatchers
        ]
        if has_recurring_tasks and self.recurring_path is not None:
            children.append(
                Child(
                    "scheduler",
                    {
                        "recurring": str(self.recurring_path),
                        "env": self.environment,
                        "job_packages": list(self.job_packages),
                    },
                )
            )
        return children

    def run(self, has_recurring_tasks: bool) -> int:
        store = SQLiteAdapter(self.database)
        self._install_signal_handlers()
        store.prune_dead_processes(self.settings.alive_threshold, self.settings.max_crashes)
        supervisor_id = store.register_process(
            "supervisor", f"supervisor-{os.getpid()}-{uuid.uuid4().hex[:8]}", os.getpid()
        )
        children = self.children_specs(has_recurring_tasks)
        try:
            for child in children:
                self._start(child, supervisor_id)
            self._watch(store, supervisor_id, children)
        finally:
            self._stop_children(store, children)
            store.deregister_process(supervisor_id)
        return 0

    def _install_signal_handlers(self) -> None:
        def request_stop(signum: int, frame: FrameType | None) -> None:
            self.stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)

    def _start(self, child: Child, supervisor_id: int) -> None:
        child.name = f"{child.kind}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        spec = {
            "kind": child.kind,
            "name": child.name,
            "database": str(self.database),
            "supervisor_id": supervisor_id,
            "settings": self.settings.to_dict(),
            "options": child.options,
        }
        child.popen = subprocess.Popen(
            [sys.executable, "-m", "joblint.runtime.child", json.dumps(spec)],
            start_new_session=False,
        )
        child.started_at = time.monotonic()

    def _watch(self, store: SQLiteAdapter, supervisor_id: int, children: list[Child]) -> None:
        settings = self.settings
        next_heartbeat = time.monotonic() + settings.heartbeat_interval
        next_prune = time.monotonic() + settings.alive_threshold / 2
        while not self.stop.wait(settings.supervisor_check_interval):
            for child in children:
                assert child.popen is not None
                if child.popen.poll() is None or self.stop.is_set():
                    continue
                self._release_child(store, child, crashed=True)
                if time.monotonic() - child.started_at < RESTART_DELAY_SECONDS:
                    self.stop.wait(RESTART_DELAY_SECONDS)
                child.restarts += 1
                self._start(child, supervisor_id)
            now = time.monotonic()
            if now >= next_heartbeat:
                store.heartbeat(supervisor_id)
                next_heartbeat = now + settings.heartbeat_interval
            if now >= next_prune:
                store.prune_dead_processes(
                    settings.alive_threshold, settings.max_crashes, keep=[supervisor_id]
                )
                next_prune = now + settings.alive_threshold / 2

    def _release_child(self, store: SQLiteAdapter, child: Child, crashed: bool) -> None:
        for process in store.processes():
            if process.name == child.name:
                if crashed:
                    store.release_crashed_process(process.process_id, self.settings.max_crashes)
                else:
                    store.deregister_process(process.process_id)

    def _stop_children(self, store: SQLiteAdapter, children: list[Child]) -> None:
        running = [c for c in children if c.popen is not None and c.popen.poll() is None]
        for child in running:
            assert child.popen is not None
            child.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.settings.shutdown_timeout + KILL_GRACE_SECONDS
        for child in running:
            assert child.popen is not None
            try:
                child.popen.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.popen.kill()
                child.popen.wait()
        for child in children:
            self._release_child(store, child, crashed=False)
