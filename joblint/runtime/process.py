"""What every runtime process shares: a row in the processes table, a heartbeat thread, and a
stop event that signals (or the loss of the row, or of the parent supervisor) set."""

from __future__ import annotations

import os
import threading
from typing import Any

from joblint.runtime.settings import ProcessSettings
from joblint.runtime.store import JobStore, ProcessKind


class ProcessBase:
    kind: ProcessKind

    def __init__(
        self,
        store: JobStore,
        settings: ProcessSettings,
        name: str,
        supervisor_id: int | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.name = name
        self.supervisor_id = supervisor_id
        self.stop = stop if stop is not None else threading.Event()
        self.process_id: int | None = None
        self._parent_pid = os.getppid()

    def metadata(self) -> dict[str, Any]:
        return {}

    def run(self) -> None:
        """Register, run the loop until stopped, then deregister (releasing claims)."""
        self.process_id = self.store.register_process(
            self.kind, self.name, os.getpid(), self.supervisor_id, self.metadata()
        )
        heartbeat = threading.Thread(
            target=self._heartbeat_loop, name=f"{self.name}-heartbeat", daemon=True
        )
        heartbeat.start()
        try:
            self.loop(self.process_id)
        finally:
            self.stop.set()
            self.shutdown(self.process_id)
            self.store.deregister_process(self.process_id)

    def loop(self, process_id: int) -> None:
        raise NotImplementedError

    def shutdown(self, process_id: int) -> None:
        """Finish what can be finished before the process row (and its claims) go."""

    def _heartbeat_loop(self) -> None:
        assert self.process_id is not None
        while not self.stop.wait(self.settings.heartbeat_interval):
            if self.supervisor_id is not None and os.getppid() != self._parent_pid:
                self.stop.set()  # the supervisor is gone; stop rather than run unsupervised
                return
            if not self.store.heartbeat(self.process_id):
                self.stop.set()  # pruned as dead: our claims were released; stop
                return
