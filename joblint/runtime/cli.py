"""``joblint jobs ...``: start the supervisor, inspect the queue, retry or discard failed jobs.

The main CLI calls ``main(argv)``; ``python -m joblint.runtime.cli`` does the same. A user
error (bad config, bad schedule, unknown job class) is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from joblint.runtime.adapters.registry import DATABASE_ENV, database_path
from joblint.runtime.adapters.sqlite import SQLiteAdapter
from joblint.runtime.config_nodes import current_environment
from joblint.runtime.errors import JobsUserError
from joblint.runtime.queue_config import load_queue_config
from joblint.runtime.recurring_config import DEFAULT_PATH as DEFAULT_RECURRING_PATH
from joblint.runtime.recurring_config import load_recurring_config
from joblint.runtime.scheduler import resolve_task_classes
from joblint.runtime.settings import ProcessSettings
from joblint.runtime.supervisor import Supervisor

PROG = "joblint jobs"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Run and inspect joblint's job queue.")
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument(
        "--database", help=f"queue database file (default: ${DATABASE_ENV} or joblint.sqlite3)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    start = commands.add_parser(
        "start", parents=[database], help="run workers, dispatcher, scheduler"
    )
    start.add_argument("--config", help="queue config (default: config/queue.yml if present)")
    start.add_argument("--recurring", help="recurring tasks (default: config/recurring.yml)")
    start.add_argument("--env", help="environment section to use (default: $JOBLINT_ENV)")
    start.add_argument(
        "--job-package",
        action="append",
        dest="job_packages",
        help="package holding job modules for recurring class names (default: jobs)",
    )
    defaults = ProcessSettings()
    start.add_argument("--heartbeat-interval", type=float, default=defaults.heartbeat_interval)
    start.add_argument("--alive-threshold", type=float, default=defaults.alive_threshold)
    start.add_argument("--shutdown-timeout", type=float, default=defaults.shutdown_timeout)
    start.add_argument("--max-crashes", type=int, default=defaults.max_crashes)

    commands.add_parser("status", parents=[database], help="queue counts and live processes")
    commands.add_parser("failed", parents=[database], help="list failed jobs")
    retry = commands.add_parser("retry", parents=[database], help="retry failed jobs")
    target = retry.add_mutually_exclusive_group(required=True)
    target.add_argument("id", nargs="?", type=int, help="failed job id (see `failed`)")
    target.add_argument("--all", action="store_true", help="retry every failed job")
    discard = commands.add_parser("discard", parents=[database], help="delete a failed job")
    discard.add_argument("id", type=int)
    clear = commands.add_parser(
        "clear-finished", parents=[database], help="delete jobs that finished a while ago"
    )
    clear.add_argument(
        "--older-than",
        type=float,
        default=86400.0,
        metavar="SECONDS",
        help="keep jobs that finished more recently than this (default: one day)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        arguments = parser.parse_args(list(argv) if argv is not None else sys.argv[1:])
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        return run(arguments)
    except JobsUserError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def run(arguments: argparse.Namespace) -> int:
    path = database_path(arguments.database)
    if arguments.command == "start":
        return start(arguments, path)
    store = SQLiteAdapter(path)
    if arguments.command == "status":
        print_status(store)
    elif arguments.command == "failed":
        print_failed(store)
    elif arguments.command == "retry":
        count = store.retry_failed(None if arguments.all else arguments.id)
        if count == 0 and not arguments.all:
            raise JobsUserError(f"no failed job with id {arguments.id}")
        print(f"{count} job{'s' if count != 1 else ''} moved back to ready")
    elif arguments.command == "discard":
        if not store.discard_failed(arguments.id):
            raise JobsUserError(f"no failed job with id {arguments.id}")
        print(f"failed job {arguments.id} discarded")
    elif arguments.command == "clear-finished":
        if arguments.older_than < 0:
            raise JobsUserError("--older-than must be 0 or more seconds")
        count = store.clear_finished(arguments.older_than)
        print(f"{count} finished job{'s' if count != 1 else ''} cleared")
    return 0


def start(arguments: argparse.Namespace, path: Path) -> int:
    environment = current_environment(arguments.env)
    queue_config = load_queue_config(arguments.config, environment)
    recurring_path = Path(arguments.recurring) if arguments.recurring else DEFAULT_RECURRING_PATH
    job_packages = tuple(arguments.job_packages or ("jobs",))
    tasks = load_recurring_config(arguments.recurring, environment)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    resolve_task_classes(tasks, job_packages)  # fail here, with one line, not in a child
    settings = ProcessSettings(
        heartbeat_interval=_positive(arguments.heartbeat_interval, "--heartbeat-interval"),
        alive_threshold=_positive(arguments.alive_threshold, "--alive-threshold"),
        shutdown_timeout=max(0.0, arguments.shutdown_timeout),
        max_crashes=int(_positive(arguments.max_crashes, "--max-crashes")),
    )
    supervisor = Supervisor(
        database=path.resolve(),
        queue_config=queue_config,
        settings=settings,
        recurring_path=recurring_path.resolve(),
        environment=environment,
        job_packages=job_packages,
    )
    return supervisor.run(has_recurring_tasks=bool(tasks))


def _positive(value: float, option: str) -> float:
    if value <= 0:
        raise JobsUserError(f"{option} must be positive")
    return value


def print_status(store: SQLiteAdapter) -> None:
    counts = store.queue_counts()
    print(f"{'queue':<20} {'ready':>7} {'scheduled':>9} {'claimed':>7} {'failed':>6}")
    for row in counts:
        print(
            f"{row.queue_name:<20} {row.ready:>7} {row.scheduled:>9} {row.claimed:>7}"
            f" {row.failed:>6}"
        )
    if not counts:
        print("(no jobs waiting)")
    now = datetime.now(UTC)
    processes = store.processes()
    print(f"\n{len(processes)} process{'es' if len(processes) != 1 else ''}")
    for process in processes:
        age = (now - process.last_heartbeat_at).total_seconds()
        print(
            f"{process.process_id:>5} {process.kind:<10} {process.name:<32} pid {process.pid:<7}"
            f" {process.hostname} heartbeat {age:.0f}s ago"
        )


def print_failed(store: SQLiteAdapter) -> None:
    failed = store.failed_jobs()
    if not failed:
        print("no failed jobs")
    for job in failed:
        first_line = job.message.splitlines()[0] if job.message else ""
        print(
            f"{job.row_id:>6} {job.class_path} [{job.queue_name}]"
            f" {job.failed_at:%Y-%m-%d %H:%M:%S} {job.error_class}: {first_line}"
        )


if __name__ == "__main__":
    sys.exit(main())
