"""The example app runs on the runtime exactly as ``examples/shop/README.md`` shows: from the
repository root, ``python -m shop`` seeds records and enqueues jobs, ``joblint jobs start``
runs them, and the shop's database shows their effects. Both databases are temporary files
(``JOBLINT_DATABASE``, ``SHOP_DATABASE``); waits poll with a deadline."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from joblint.runtime.adapters.sqlite import SQLiteAdapter
from joblint.runtime.store import QueueCounts

REPO = Path(__file__).resolve().parents[2]
README = REPO / "examples" / "shop" / "README.md"
DEADLINE_SECONDS = 15.0
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")

SEED = "PYTHONPATH=examples python -m shop"
START = (
    "PYTHONPATH=examples joblint jobs start --config examples/shop/config/queue.yml"
    " --recurring examples/shop/config/recurring.yml"
)


def test_the_readme_shows_these_commands() -> None:
    assert f"```sh\n{SEED}\n{START}\n```" in README.read_text(encoding="utf-8")


def command(line: str) -> tuple[dict[str, str], list[str]]:
    """A README line as (environment assignments, argv), run with this interpreter."""
    words = shlex.split(line)
    assignments: dict[str, str] = {}
    while ASSIGNMENT.match(words[0]):
        name, value = words.pop(0).split("=", 1)
        assignments[name] = value
    argv = words
    if argv[0] == "python":
        argv[0] = sys.executable
    elif argv[0] == "joblint":
        script = Path(sys.executable).with_name("joblint")
        argv[:1] = [str(script)] if script.exists() else [sys.executable, "-m", "joblint"]
    return assignments, argv


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    base = {key: value for key, value in os.environ.items() if not key.startswith("JOBLINT_")}
    return {
        **base,
        "JOBLINT_DATABASE": str(tmp_path / "queue.sqlite3"),
        "SHOP_DATABASE": str(tmp_path / "shop.sqlite3"),
        "PYTHONDONTWRITEBYTECODE": "1",  # leave no __pycache__ in examples/
    }


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes a test starts, each the leader of its own process group; whatever is left
    at the end (after a failure, say) is killed with its whole group."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # children the supervisor left behind
        if process.poll() is None:
            process.wait()


def run(line: str, environment: dict[str, str], *extra: str) -> str:
    assignments, argv = command(line)
    result = subprocess.run(
        [*argv, *extra],
        cwd=REPO,
        env={**environment, **assignments},
        capture_output=True,
        text=True,
        timeout=DEADLINE_SECONDS,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout


def wait_for(condition: Callable[[], Any], what: str) -> Any:
    end = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < end:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def shop_rows(environment: dict[str, str], table: str) -> dict[int, dict[str, Any]]:
    connection = sqlite3.connect(environment["SHOP_DATABASE"])
    try:
        rows = connection.execute(f"SELECT id, data FROM {table} ORDER BY id").fetchall()
    finally:
        connection.close()
    return {row_id: json.loads(data) for row_id, data in rows}


def test_seed_then_start_runs_the_jobs(
    environment: dict[str, str], processes: list[subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    assert "enqueued 10 jobs" in run(SEED, environment)
    queue = SQLiteAdapter(environment["JOBLINT_DATABASE"])
    try:
        assert sum(row.ready for row in queue.queue_counts()) == 10

        assignments, argv = command(START)
        log = (tmp_path / "supervisor.log").open("wb")
        supervisor = subprocess.Popen(
            argv,
            cwd=REPO,
            env={**environment, **assignments},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        processes.append(supervisor)

        # Everything ran but the two tips emails due tomorrow, and every process is up.
        left = [QueueCounts("mailers", scheduled=2)]
        kinds = ["dispatcher", "scheduler", "supervisor", "worker", "worker"]
        wait_for(
            lambda: (
                queue.queue_counts() == left
                and sorted(process.kind for process in queue.processes()) == kinds
            ),
            "the seeded jobs to run",
        )
        assert queue.finished_count() >= 10  # more if an hourly recurring task came due

        orders = shop_rows(environment, "orders")
        assert orders[1]["status"] == "paid" and orders[1]["payment_id"].startswith("pay_")
        assert orders[2]["status"] == "payment_failed"  # declined: rescued, not failed
        assert [order["audit_trail"] for order in orders.values()] == [["checked_out"]] * 2
        [mug] = shop_rows(environment, "products").values()
        assert mug["stock"] == 120 and mug["synced_at"] is not None
        users = shop_rows(environment, "users")
        assert all(user["welcomed_at"] and user["tips_sent_at"] is None for user in users.values())
        reports = shop_rows(environment, "reports")
        assert [report["status"] for report in reports.values()] == ["ready", "ready"]
        assert reports[2]["content"].startswith("day,orders,total_cents")

        status = run("joblint jobs status", environment)
        assert status.split()[5:10] == ["mailers", "0", "2", "0", "0"]
        assert "5 processes" in status
        assert run("joblint jobs failed", environment).strip() == "no failed jobs"

        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=DEADLINE_SECONDS) == 0
        output = (tmp_path / "supervisor.log").read_text()
        assert "Traceback" not in output, output
        assert queue.processes() == []
        assert queue.queue_counts() == left
    finally:
        queue.close()
