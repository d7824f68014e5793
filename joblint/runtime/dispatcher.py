"""The dispatcher: moves scheduled jobs that are due to ready, a batch per transaction."""

from __future__ import annotations

from typing import Any

from joblint.runtime.process import ProcessBase
from joblint.runtime.settings import ProcessSettings
from joblint.runtime.store import JobStore


class Dispatcher(ProcessBase):
    kind = "dispatcher"

    def __init__(
        self,
        store: JobStore,
        settings: ProcessSettings,
        name: str,
        polling_interval: float = 1.0,
        batch_size: int = 500,
        supervisor_id: int | None = None,
    ) -> None:
        super().__init__(store, settings, name, supervisor_id)
        self.polling_interval = polling_interval
        self.batch_size = batch_size

    def metadata(self) -> dict[str, Any]:
        return {"polling_interval": self.polling_interval, "batch_size": self.batch_size}

    def loop(self, process_id: int) -> None:
        while not self.stop.is_set():
            moved = self.store.dispatch_scheduled(self.batch_size)
            if moved < self.batch_size:
                self.stop.wait(self.polling_interval)
