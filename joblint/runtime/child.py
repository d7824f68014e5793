"""Entry point of a supervised process: ``python -m joblint.runtime.child SPEC_JSON``.

Each worker, dispatcher and scheduler is a fresh interpreter started by the supervisor
(not a fork), so no SQLite connection or lock crosses a fork, and jobs are imported in
the child from the paths recorded at enqueue.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from types import FrameType
from typing import Any

from joblint.runtime.adapters.registry import use_adapter
from joblint.runtime.adapters.sqlite import SQLiteAdapter
from joblint.runtime.dispatcher import Dispatcher
from joblint.runtime.process import ProcessBase
from joblint.runtime.recurring_config import load_recurring_config
from joblint.runtime.scheduler import Scheduler
from joblint.runtime.settings import ProcessSettings
from joblint.runtime.worker import Worker


def build_process(spec: dict[str, Any], store: SQLiteAdapter) -> ProcessBase:
    settings = ProcessSettings.from_dict(spec["settings"])
    name = spec["name"]
    supervisor_id = spec.get("supervisor_id")
    options = spec["options"]
    kind = spec["kind"]
    if kind == "worker":
        return Worker(
            store,
            settings,
            name,
            queues=list(options["queues"]),
            threads=options["threads"],
            polling_interval=options["polling_interval"],
            supervisor_id=supervisor_id,
        )
    if kind == "dispatcher":
        return Dispatcher(
            store,
            settings,
            name,
            polling_interval=options["polling_interval"],
            batch_size=options["batch_size"],
            supervisor_id=supervisor_id,
        )
    if kind == "scheduler":
        tasks = load_recurring_config(options["recurring"], options.get("env"))
        return Scheduler(
            store, settings, name, tasks, options["job_packages"], supervisor_id=supervisor_id
        )
    raise ValueError(f"unknown process kind {kind!r}")


def main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    store = SQLiteAdapter(spec["database"])
    use_adapter(store)
    process = build_process(spec, store)

    def request_stop(signum: int, frame: FrameType | None) -> None:
        process.stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    process.run()
    sys.stdout.flush()
    if isinstance(process, Worker) and process.in_flight > 0:
        os._exit(0)  # jobs past the shutdown timeout were released; do not wait for them
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
