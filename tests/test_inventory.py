"""``joblint inventory``: what joblint understood of a project."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lint_support import REPO, brief, inventory_of, write_tree

SHOP = REPO / "examples" / "shop"


def test_inventory_of_the_example_app() -> None:
    rows = brief(inventory_of(SHOP))
    by_name = {row[1]: row for row in rows}
    assert by_name["ProcessPaymentJob"] == (
        "runtime",
        "ProcessPaymentJob",
        "critical",
        "jobs/process_payment_job.py:15",
        ["services/checkout.py:36"],
    )
    assert by_name["ExportOrdersJob"][2] == "dynamic"
    assert "ApplicationJob" not in by_name  # abstract bases are not listed
    assert all(row[0] == "runtime" for row in rows)


def test_inventory_json_from_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "joblint", "inventory", str(SHOP), "--output-format", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {"framework", "name", "queue", "filename", "line", "enqueue_sites"} <= set(rows[0])
    assert rows[0]["framework"] == "runtime"


def test_inventory_text() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "joblint", "inventory", "examples/shop"],
        capture_output=True, text=True, check=False, cwd=REPO,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["FRAMEWORK", "JOB", "QUEUE", "DEFINED", "AT"]
    assert any("ProcessPaymentJob" in line and "critical" in line for line in lines)
    assert "<- perform_later at examples/shop/services/checkout.py:36" in result.stdout
    assert lines[-5].endswith("enqueue sites.")
    assert lines[-3:] == [
        "Queues:",
        "  `queues` in [tool.joblint]: critical, default, low, mailers",
        "  workers in config/queue.yml: critical, mailers, default, low",
    ]


def test_inventory_names_celery_and_django_queue_sources(tmp_path: Path) -> None:
    """Where the queues came from, including a source that cannot be read to the end."""
    write_tree(
        tmp_path,
        {
            "proj/celery.py": (
                "from celery import Celery\nfrom kombu import Queue\n\napp = Celery('proj')\n"
                "app.conf.task_queues = [Queue('billing'), Queue('mailers')]\n"
                "app.conf.task_routes = [route_task]\n"
            ),
            "proj/tasks.py": (
                "from proj.celery import app\n\n\n@app.task(queue='billing')\n"
                "def charge_card(order_id: int) -> None:\n    ...\n"
            ),
            "proj/settings.py": "TASKS = {'default': {'QUEUES': ['emails']}}\n",
            "proj/django_tasks.py": (
                "from django.tasks import task\n\n\n@task(queue_name='emails')\n"
                "def send_receipt(order_id: int) -> None:\n    ...\n"
            ),
        },
    )
    result = subprocess.run(
        [sys.executable, "-m", "joblint", "inventory", "."],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-3:] == [
        "Queues:",
        "  TASKS in proj/settings.py: emails",
        "  Celery settings in proj/celery.py: billing, mailers and any other "
        "(`task_routes` is computed)",
    ]
