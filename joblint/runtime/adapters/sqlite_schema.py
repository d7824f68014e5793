"""The SQLite queue's tables, after Solid Queue's: a jobs table plus one table per execution
state, so each poll reads a small table with an index that matches its ORDER BY."""

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    job_id TEXT NOT NULL,
    class_path TEXT NOT NULL,
    queue_name TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    payload TEXT NOT NULL,
    scheduled_at REAL,
    finished_at REAL,
    unique_key TEXT,
    unique_mode TEXT,
    crash_count INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_job_id ON jobs (job_id);
CREATE INDEX IF NOT EXISTS jobs_by_unique_key ON jobs (unique_key) WHERE unique_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS ready_executions (
    job_id INTEGER PRIMARY KEY,
    queue_name TEXT NOT NULL,
    priority INTEGER NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS ready_poll_all ON ready_executions (priority, job_id);
CREATE INDEX IF NOT EXISTS ready_poll_by_queue ON ready_executions (queue_name, priority, job_id);

CREATE TABLE IF NOT EXISTS scheduled_executions (
    job_id INTEGER PRIMARY KEY,
    queue_name TEXT NOT NULL,
    priority INTEGER NOT NULL,
    scheduled_at REAL NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS scheduled_dispatch
    ON scheduled_executions (scheduled_at, priority, job_id);

CREATE TABLE IF NOT EXISTS claimed_executions (
    job_id INTEGER PRIMARY KEY,
    process_id INTEGER NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS claimed_by_process ON claimed_executions (process_id, job_id);

CREATE TABLE IF NOT EXISTS failed_executions (
    job_id INTEGER PRIMARY KEY,
    error_class TEXT NOT NULL,
    error_message TEXT NOT NULL,
    backtrace TEXT NOT NULL,
    created_at REAL NOT NULL
);

CREATE TABLE IF NOT EXISTS processes (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    pid INTEGER NOT NULL,
    hostname TEXT NOT NULL,
    supervisor_id INTEGER,
    metadata TEXT NOT NULL DEFAULT '{}',
    last_heartbeat_at REAL NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS processes_by_heartbeat ON processes (last_heartbeat_at);

CREATE TABLE IF NOT EXISTS recurring_executions (
    id INTEGER PRIMARY KEY,
    task_key TEXT NOT NULL,
    run_at REAL NOT NULL,
    job_row_id INTEGER,
    created_at REAL NOT NULL,
    UNIQUE (task_key, run_at)
);

CREATE TABLE IF NOT EXISTS unique_locks (
    unique_key TEXT PRIMARY KEY,
    job_id TEXT NOT NULL,
    created_at REAL NOT NULL
);
"""
