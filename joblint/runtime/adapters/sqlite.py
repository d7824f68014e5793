"""The SQLite queue: an embedded, database-backed queue in the spirit of Solid Queue.

SQLite has no ``SKIP LOCKED``; it serializes writers instead. So every state change is one
short ``BEGIN IMMEDIATE`` transaction (a worker's round, storing the jobs that finished and
claiming a batch of ready ones, is one), the database runs in WAL mode with
``synchronous=NORMAL`` so readers never block, a busy timeout makes writers queue up, and a
transaction that still finds the database locked is retried a few times with a short
backoff. Each thread has its own connection, opened once. Queries that look at claimed jobs
walk the claimed table (a few rows per worker) and never the jobs table, which keeps every
job ever run, so claiming costs the same on day one and day one hundred.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from joblint.runtime.adapters.base import EnqueueRequest
from joblint.runtime.adapters.sqlite_schema import SCHEMA
from joblint.runtime.clock import Clock, SystemClock, from_timestamp, to_timestamp
from joblint.runtime.errors import EnqueueError
from joblint.runtime.queue_selection import QueueSelection
from joblint.runtime.store import (
    WORKER_CRASHED_ERROR,
    ClaimedJob,
    Completion,
    FailedJob,
    ProcessInfo,
    ProcessKind,
    QueueCounts,
)

BUSY_TIMEOUT_MS = 5000
LOCKED_RETRIES = 8
LOCKED_BACKOFF_SECONDS = 0.02

T = TypeVar("T")


class SQLiteAdapter:
    """Queue adapter (``enqueue``) and job store (everything workers need) on one file."""

    def __init__(self, path: str | os.PathLike[str], clock: Clock | None = None) -> None:
        self.path = Path(path)
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._local = threading.local()
        self._schema_lock = threading.Lock()
        self._schema_ready = False

    # --- connections and transactions -----------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            if self.path.parent != Path():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
            )
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA synchronous = NORMAL")
            self._local.connection = connection
            self._ensure_schema(connection)
        return connection

    def _ensure_schema(self, connection: sqlite3.Connection) -> None:
        with self._schema_lock:
            if self._schema_ready:
                return
            self._retry_locked(lambda: connection.execute("PRAGMA journal_mode = WAL"))
            self._retry_locked(lambda: connection.executescript(SCHEMA))
            self._schema_ready = True

    def close(self) -> None:
        """Close this thread's connection (other threads close theirs when they end)."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def _retry_locked(self, operation: Callable[[], T]) -> T:
        for attempt in range(LOCKED_RETRIES):
            try:
                return operation()
            except sqlite3.OperationalError as error:
                if not _is_lock_error(error) or attempt == LOCKED_RETRIES - 1:
                    raise
                time.sleep(LOCKED_BACKOFF_SECONDS * (attempt + 1))
        raise AssertionError("unreachable")

    def _write(self, body: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``body`` in one ``BEGIN IMMEDIATE`` transaction, retried whole when locked."""
        connection = self._connection()

        def attempt() -> T:
            connection.execute("BEGIN IMMEDIATE")
            try:
                result = body(connection)
            except BaseException:
                with suppress(sqlite3.Error):
                    connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
            return result

        return self._retry_locked(attempt)

    def _read(self, sql: str, parameters: Sequence[Any] = ()) -> list[sqlite3.Row]:
        connection = self._connection()
        connection.row_factory = sqlite3.Row
        try:
            return list(connection.execute(sql, parameters))
        finally:
            connection.row_factory = None

    def _now(self) -> float:
        return to_timestamp(self.clock.now())

    # --- enqueueing -----------------------------------------------------------------------

    def enqueue(self, request: EnqueueRequest) -> bool:
        return self.enqueue_all([request])[0]

    def enqueue_all(self, requests: Sequence[EnqueueRequest]) -> list[bool]:
        for request in requests:
            _check_importable(request)
        return self._write(lambda db: [self._insert_job(db, request) for request in requests])

    def _insert_job(self, db: sqlite3.Connection, request: EnqueueRequest) -> bool:
        now = self._now()
        if not self._take_unique_lock(db, request, now):
            return False
        scheduled_at = (
            to_timestamp(request.scheduled_at) if request.scheduled_at is not None else None
        )
        cursor = db.execute(
            "INSERT INTO jobs (job_id, class_path, queue_name, priority, payload, scheduled_at,"
            " unique_key, unique_mode, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                request.job_id,
                request.class_path,
                request.queue_name,
                request.priority,
                json.dumps(request.payload),
                scheduled_at,
                request.unique_key,
                request.unique_mode,
                now,
            ),
        )
        row_id = cursor.lastrowid
        if scheduled_at is not None and scheduled_at > now:
            db.execute(
                "INSERT INTO scheduled_executions (job_id, queue_name, priority, scheduled_at,"
                " created_at) VALUES (?, ?, ?, ?, ?)",
                (row_id, request.queue_name, request.priority, scheduled_at, now),
            )
        else:
            db.execute(
                "INSERT INTO ready_executions (job_id, queue_name, priority, created_at)"
                " VALUES (?, ?, ?, ?)",
                (row_id, request.queue_name, request.priority, now),
            )
        return True

    def _take_unique_lock(
        self, db: sqlite3.Connection, request: EnqueueRequest, now: float
    ) -> bool:
        key = request.unique_key
        if key is None:
            return True
        if request.unique_mode == "while_executing":
            running = db.execute(
                "SELECT 1 FROM claimed_executions c CROSS JOIN jobs j ON j.id = c.job_id"
                " WHERE j.unique_key = ? AND j.job_id != ? LIMIT 1",
                (key, request.job_id),
            ).fetchone()
            return running is None
        holder = db.execute(
            "SELECT job_id FROM unique_locks WHERE unique_key = ?", (key,)
        ).fetchone()
        if holder is not None:
            return bool(holder[0] == request.job_id)
        db.execute(
            "INSERT INTO unique_locks (unique_key, job_id, created_at) VALUES (?, ?, ?)",
            (key, request.job_id, now),
        )
        return True

    # --- processes ------------------------------------------------------------------------

    def register_process(
        self,
        kind: ProcessKind,
        name: str,
        pid: int,
        supervisor_id: int | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> int:
        now = self._now()

        def body(db: sqlite3.Connection) -> int:
            cursor = db.execute(
                "INSERT INTO processes (kind, name, pid, hostname, supervisor_id, metadata,"
                " last_heartbeat_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    kind,
                    name,
                    pid,
                    socket.gethostname(),
                    supervisor_id,
                    json.dumps(metadata or {}),
                    now,
                    now,
                ),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

        return self._write(body)

    def heartbeat(self, process_id: int) -> bool:
        now = self._now()
        return self._write(
            lambda db: (
                db.execute(
                    "UPDATE processes SET last_heartbeat_at = ? WHERE id = ?", (now, process_id)
                ).rowcount
                == 1
            )
        )

    def deregister_process(self, process_id: int) -> None:
        def body(db: sqlite3.Connection) -> None:
            now = self._now()
            for (row_id,) in db.execute(
                "SELECT job_id FROM claimed_executions WHERE process_id = ?", (process_id,)
            ).fetchall():
                self._release_to_ready(db, row_id, now)
            db.execute("DELETE FROM processes WHERE id = ?", (process_id,))

        self._write(body)

    def release_crashed_process(self, process_id: int, max_crashes: int) -> int:
        return self._write(lambda db: self._release_crashed(db, process_id, max_crashes))

    def _release_crashed(self, db: sqlite3.Connection, process_id: int, max_crashes: int) -> int:
        now = self._now()
        claimed = db.execute(
            "SELECT job_id FROM claimed_executions WHERE process_id = ?", (process_id,)
        ).fetchall()
        for (row_id,) in claimed:
            db.execute(
                "UPDATE jobs SET crash_count = crash_count + 1, payload = json_set(payload,"
                " '$.executions', json_extract(payload, '$.executions') + 1) WHERE id = ?",
                (row_id,),
            )
            (crashes,) = db.execute(
                "SELECT crash_count FROM jobs WHERE id = ?", (row_id,)
            ).fetchone()
            if crashes >= max_crashes:
                db.execute("DELETE FROM claimed_executions WHERE job_id = ?", (row_id,))
                self._fail(
                    db,
                    row_id,
                    WORKER_CRASHED_ERROR,
                    f"the job's worker died while running it, {crashes} times",
                    "",
                    now,
                )
            else:
                self._release_to_ready(db, row_id, now)
        db.execute("DELETE FROM processes WHERE id = ?", (process_id,))
        return len(claimed)

    def prune_dead_processes(
        self, alive_threshold: float, max_crashes: int, keep: Sequence[int] = ()
    ) -> list[int]:
        def body(db: sqlite3.Connection) -> list[int]:
            cutoff = self._now() - alive_threshold
            dead = [
                process_id
                for (process_id,) in db.execute(
                    "SELECT id FROM processes WHERE last_heartbeat_at < ?", (cutoff,)
                ).fetchall()
                if process_id not in keep
            ]
            for process_id in dead:
                self._release_crashed(db, process_id, max_crashes)
            # Claims whose process row is already gone (pruned in the middle of a claim).
            orphans = db.execute(
                "SELECT job_id FROM claimed_executions WHERE process_id NOT IN"
                " (SELECT id FROM processes)"
            ).fetchall()
            now = self._now()
            for (row_id,) in orphans:
                self._release_to_ready(db, row_id, now)
            return dead

        return self._write(body)

    def _release_to_ready(self, db: sqlite3.Connection, row_id: int, now: float) -> None:
        db.execute("DELETE FROM claimed_executions WHERE job_id = ?", (row_id,))
        self._insert_ready(db, row_id, now)

    def _insert_ready(self, db: sqlite3.Connection, row_id: int, now: float) -> None:
        db.execute(
            "INSERT OR IGNORE INTO ready_executions (job_id, queue_name, priority, created_at)"
            " SELECT id, queue_name, priority, ? FROM jobs WHERE id = ?",
            (now, row_id),
        )

    # --- claiming and completing ----------------------------------------------------------

    def claim(self, process_id: int, selection: QueueSelection, limit: int) -> list[ClaimedJob]:
        return self.complete_and_claim(process_id, (), selection, limit)

    def complete(self, process_id: int, completions: Sequence[Completion]) -> None:
        if completions:
            self._write(lambda db: self._complete(db, process_id, completions))

    def complete_and_claim(
        self,
        process_id: int,
        completions: Sequence[Completion],
        selection: QueueSelection,
        limit: int,
    ) -> list[ClaimedJob]:
        if not completions and limit <= 0:
            return []

        def body(db: sqlite3.Connection) -> list[Any]:
            if completions:
                self._complete(db, process_id, completions)
            return self._claim(db, process_id, selection, limit) if limit > 0 else []

        rows = self._write(body)
        # Payloads are parsed after COMMIT, so the write lock is held only for the statements.
        return [
            ClaimedJob(row_id, class_path, queue_name, json.loads(payload), key, mode)
            for row_id, class_path, queue_name, payload, key, mode in rows
        ]

    def release(self, process_id: int, row_ids: Sequence[int]) -> None:
        if not row_ids:
            return

        def body(db: sqlite3.Connection) -> None:
            now = self._now()
            for row_id in row_ids:
                if db.execute(
                    "DELETE FROM claimed_executions WHERE job_id = ? AND process_id = ?",
                    (row_id, process_id),
                ).rowcount:
                    self._insert_ready(db, row_id, now)

        self._write(body)

    def _claim(
        self, db: sqlite3.Connection, process_id: int, selection: QueueSelection, limit: int
    ) -> list[Any]:
        """Choose up to ``limit`` ready rows in precedence order, skipping ``while_executing``
        jobs whose key is running, and move them to claimed. Reads exactly as many rows as
        it needs, paging on (priority, id) only past skipped ones."""
        chosen: list[int] = []
        running_keys: set[str] | None = None
        for where, parameters in _scopes(db, selection):
            after: tuple[Any, ...] = ()
            while len(chosen) < limit:
                wanted = limit - len(chosen)
                page = " AND (r.priority, r.job_id) > (?, ?)" if after else ""
                rows = db.execute(
                    "SELECT r.job_id, r.priority, j.unique_key, j.unique_mode"
                    " FROM ready_executions r CROSS JOIN jobs j ON j.id = r.job_id"
                    f" WHERE {where}{page} ORDER BY r.priority, r.job_id LIMIT ?",
                    (*parameters, *after, wanted),
                ).fetchall()
                for row_id, _, key, mode in rows:
                    if mode == "while_executing":
                        if running_keys is None:
                            running_keys = _running_unique_keys(db)
                        if key in running_keys:
                            continue
                        running_keys.add(key)
                    chosen.append(row_id)
                if len(rows) < wanted:
                    break
                after = (rows[-1][1], rows[-1][0])
            if len(chosen) >= limit:
                break
        if not chosen:
            return []
        now = self._now()
        db.executemany(
            "INSERT INTO claimed_executions (job_id, process_id, created_at) VALUES (?, ?, ?)",
            [(row_id, process_id, now) for row_id in chosen],
        )
        marks = ",".join("?" * len(chosen))
        db.execute(f"DELETE FROM ready_executions WHERE job_id IN ({marks})", chosen)
        by_id = {
            row[0]: row
            for row in db.execute(
                "SELECT id, class_path, queue_name, payload, unique_key, unique_mode FROM jobs"
                f" WHERE id IN ({marks})",
                chosen,
            )
        }
        return [by_id[row_id] for row_id in chosen]

    def _complete(
        self, db: sqlite3.Connection, process_id: int, completions: Sequence[Completion]
    ) -> None:
        """Store many completions with a few statements. A job this process no longer holds
        (it was pruned and the job released meanwhile) is skipped: it runs again."""
        now = self._now()
        marks = ",".join("?" * len(completions))
        parameters = (process_id, *(completion.row_id for completion in completions))
        held = {
            row_id
            for (row_id,) in db.execute(
                "SELECT job_id FROM claimed_executions"
                f" WHERE process_id = ? AND job_id IN ({marks})",
                parameters,
            )
        }
        if not held:
            return
        db.execute(
            f"DELETE FROM claimed_executions WHERE process_id = ? AND job_id IN ({marks})",
            parameters,
        )
        finished: list[int] = []
        unlocked: list[int] = []
        retries: list[EnqueueRequest] = []
        for completion in completions:
            if completion.row_id not in held:
                continue
            if completion.status == "failed":
                failure = completion.failure
                assert failure is not None
                self._fail(
                    db,
                    completion.row_id,
                    failure.error_class,
                    failure.message,
                    failure.backtrace,
                    now,
                )
            elif completion.retry is not None:
                finished.append(completion.row_id)
                retries.append(completion.retry)  # keeps the unique lock: same job id
            else:
                finished.append(completion.row_id)
                unlocked.append(completion.row_id)
        if finished:
            marks = ",".join("?" * len(finished))
            db.execute(f"UPDATE jobs SET finished_at = ? WHERE id IN ({marks})", (now, *finished))
        self._drop_unique_locks(db, unlocked)
        for retry in retries:
            self._insert_job(db, retry)

    def _fail(
        self,
        db: sqlite3.Connection,
        row_id: int,
        error_class: str,
        message: str,
        backtrace: str,
        now: float,
    ) -> None:
        db.execute(
            "INSERT OR REPLACE INTO failed_executions (job_id, error_class, error_message,"
            " backtrace, created_at) VALUES (?, ?, ?, ?, ?)",
            (row_id, error_class, message, backtrace, now),
        )
        self._drop_unique_locks(db, [row_id])

    def _drop_unique_locks(self, db: sqlite3.Connection, row_ids: Sequence[int]) -> None:
        if not row_ids:
            return
        marks = ",".join("?" * len(row_ids))
        db.execute(
            "DELETE FROM unique_locks WHERE (unique_key, job_id) IN (SELECT unique_key, job_id"
            f" FROM jobs WHERE id IN ({marks}) AND unique_key IS NOT NULL)",
            row_ids,
        )

    # --- dispatching and recurring tasks --------------------------------------------------

    def dispatch_scheduled(self, batch_size: int) -> int:
        def body(db: sqlite3.Connection) -> int:
            now = self._now()
            due = [
                row_id
                for (row_id,) in db.execute(
                    "SELECT job_id FROM scheduled_executions WHERE scheduled_at <= ?"
                    " ORDER BY scheduled_at, priority, job_id LIMIT ?",
                    (now, batch_size),
                )
            ]
            if not due:
                return 0
            marks = ",".join("?" * len(due))
            db.execute(
                "INSERT INTO ready_executions (job_id, queue_name, priority, created_at)"
                f" SELECT job_id, queue_name, priority, ? FROM scheduled_executions"
                f" WHERE job_id IN ({marks})",
                (now, *due),
            )
            db.execute(f"DELETE FROM scheduled_executions WHERE job_id IN ({marks})", due)
            return len(due)

        return self._write(body)

    def enqueue_recurring(self, task_key: str, run_at: datetime, request: EnqueueRequest) -> bool:
        _check_importable(request)

        def body(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                "INSERT OR IGNORE INTO recurring_executions (task_key, run_at, created_at)"
                " VALUES (?, ?, ?)",
                (task_key, to_timestamp(run_at), self._now()),
            )
            if cursor.rowcount == 0:
                return False
            slot_id = cursor.lastrowid
            if self._insert_job(db, request):
                db.execute(
                    "UPDATE recurring_executions SET job_row_id ="
                    " (SELECT max(id) FROM jobs WHERE job_id = ?) WHERE id = ?",
                    (request.job_id, slot_id),
                )
            return True

        return self._write(body)

    # --- inspection and operator actions --------------------------------------------------

    def queue_counts(self) -> list[QueueCounts]:
        counts: dict[str, dict[str, int]] = {}
        for table, column in (
            ("ready_executions", "ready"),
            ("scheduled_executions", "scheduled"),
            ("claimed_executions", "claimed"),
            ("failed_executions", "failed"),
        ):
            for row in self._read(
                f"SELECT j.queue_name, count(*) FROM {table} e JOIN jobs j ON j.id = e.job_id"
                " GROUP BY j.queue_name"
            ):
                counts.setdefault(row[0], {})[column] = row[1]
        return [QueueCounts(name, **counts[name]) for name in sorted(counts)]

    def processes(self) -> list[ProcessInfo]:
        return [
            ProcessInfo(
                process_id=row["id"],
                kind=row["kind"],
                name=row["name"],
                pid=row["pid"],
                hostname=row["hostname"],
                last_heartbeat_at=from_timestamp(row["last_heartbeat_at"]),
                supervisor_id=row["supervisor_id"],
                metadata=json.loads(row["metadata"]),
            )
            for row in self._read("SELECT * FROM processes ORDER BY id")
        ]

    def failed_jobs(self) -> list[FailedJob]:
        return [
            FailedJob(
                row_id=row["id"],
                job_id=row["job_id"],
                class_path=row["class_path"],
                queue_name=row["queue_name"],
                error_class=row["error_class"],
                message=row["error_message"],
                backtrace=row["backtrace"],
                failed_at=from_timestamp(row["created_at"]),
            )
            for row in self._read(
                "SELECT j.id, j.job_id, j.class_path, j.queue_name, f.error_class,"
                " f.error_message, f.backtrace, f.created_at FROM failed_executions f"
                " JOIN jobs j ON j.id = f.job_id ORDER BY f.job_id"
            )
        ]

    def retry_failed(self, row_id: int | None) -> int:
        """Move one failed job (or all, with None) back to ready, as Solid Queue's retry."""

        def body(db: sqlite3.Connection) -> int:
            now = self._now()
            if row_id is None:
                rows = [r for (r,) in db.execute("SELECT job_id FROM failed_executions")]
            else:
                rows = [
                    r
                    for (r,) in db.execute(
                        "SELECT job_id FROM failed_executions WHERE job_id = ?", (row_id,)
                    )
                ]
            for failed_row in rows:
                db.execute("DELETE FROM failed_executions WHERE job_id = ?", (failed_row,))
                db.execute("UPDATE jobs SET crash_count = 0 WHERE id = ?", (failed_row,))
                db.execute(
                    "INSERT OR IGNORE INTO unique_locks (unique_key, job_id, created_at)"
                    " SELECT unique_key, job_id, ? FROM jobs WHERE id = ?"
                    " AND unique_mode = 'until_executed'",
                    (now, failed_row),
                )
                self._release_to_ready(db, failed_row, now)
            return len(rows)

        return self._write(body)

    def discard_failed(self, row_id: int) -> bool:
        def body(db: sqlite3.Connection) -> bool:
            deleted = db.execute(
                "DELETE FROM failed_executions WHERE job_id = ?", (row_id,)
            ).rowcount
            if deleted:
                db.execute("DELETE FROM jobs WHERE id = ?", (row_id,))
            return bool(deleted)

        return self._write(body)

    def clear_finished(self, older_than: float, batch_size: int = 500) -> int:
        """Solid Queue keeps finished jobs (``preserve_finished_jobs``) until something
        clears them (``clear_finished_jobs_after``, one day by default, run as a recurring
        task); here ``joblint jobs clear-finished`` does it. Failed, ready, scheduled and
        claimed jobs are never finished, so never cleared."""
        if older_than < 0 or batch_size < 1:
            raise ValueError("older_than must be >= 0 and batch_size >= 1")
        cutoff = self._now() - older_than

        def body(db: sqlite3.Connection) -> int:
            rows = [
                row
                for (row,) in db.execute(
                    "SELECT id FROM jobs WHERE finished_at IS NOT NULL AND finished_at <= ?"
                    " LIMIT ?",
                    (cutoff, batch_size),
                )
            ]
            if rows:
                marks = ",".join("?" * len(rows))
                db.execute(f"DELETE FROM jobs WHERE id IN ({marks})", rows)
            return len(rows)

        total = 0
        while True:
            deleted = self._write(body)
            total += deleted
            if deleted < batch_size:
                return total

    def finished_count(self) -> int:
        return int(self._read("SELECT count(*) FROM jobs WHERE finished_at IS NOT NULL")[0][0])


def _scopes(
    db: sqlite3.Connection, selection: QueueSelection
) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """The WHERE clauses to poll, in precedence order."""
    if selection.all_queues:
        yield "1", ()
        return
    known = _ready_queue_names(db) if selection.prefixes else []
    for queue_name in selection.ordered_queues(known):
        yield "r.queue_name = ?", (queue_name,)


def _ready_queue_names(db: sqlite3.Connection) -> list[str]:
    """The queues with ready jobs: one index seek per queue, not a scan of every ready row."""
    names: list[str] = []
    row = db.execute("SELECT min(queue_name) FROM ready_executions").fetchone()
    while row is not None and row[0] is not None:
        names.append(row[0])
        row = db.execute(
            "SELECT queue_name FROM ready_executions WHERE queue_name > ?"
            " ORDER BY queue_name LIMIT 1",
            (row[0],),
        ).fetchone()
    return names


def _running_unique_keys(db: sqlite3.Connection) -> set[str]:
    """Keys of ``while_executing`` jobs claimed now. ``CROSS JOIN`` keeps SQLite walking the
    few claimed rows rather than scanning every job ever run."""
    return {
        key
        for (key,) in db.execute(
            "SELECT j.unique_key FROM claimed_executions c CROSS JOIN jobs j ON j.id = c.job_id"
            " WHERE j.unique_mode = 'while_executing'"
        )
    }


def _is_lock_error(error: sqlite3.OperationalError) -> bool:
    message = str(error).lower()
    return "locked" in message or "busy" in message


def _check_importable(request: EnqueueRequest) -> None:
    module, _, qualname = request.class_path.partition(":")
    if module == "__main__" or "<locals>" in qualname:
        raise EnqueueError(
            f"{qualname} is defined in {'a function' if '<locals>' in qualname else '__main__'};"
            " a worker cannot import it, so define job classes at the top level of a module"
        )
