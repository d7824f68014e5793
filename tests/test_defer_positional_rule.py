"""JOB205 beyond its page: every way Procrastinate defers, the look-alikes, and when the
fix is offered (only with the task's signature) and what it writes."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from lint_support import lint_tree, write_tree

from joblint.diagnostics import Applicability, Diagnostic
from joblint.report.pages import Example

TASKS = (
    "from procrastinate import App, PsycopgConnector\n\n"
    "app = App(connector=PsycopgConnector())\n\n\n"
    "@app.task(queue='reports', name='reports.index')\n"
    "def index_report(report_id, full=False):\n    ...\n\n\n"
    "@app.task(queue='reports')\n"
    "def archive(report_id, /, when=None):\n    ...\n\n\n"
    "@app.task(queue='reports', pass_context=True)\n"
    "def notify(context, user_id):\n    ...\n"
)


def findings(tmp_path: Path, service: str) -> list[Diagnostic]:
    write_tree(tmp_path, {"reports/__init__.py": "", "reports/tasks.py": TASKS,
                          "reports/services.py": service})  # fmt: skip
    target = tmp_path / "reports" / "services.py"
    return [d for d in lint_tree(tmp_path) if d.path == target and d.code == "JOB205"]


SERVICE = (
    "import functools\n"
    "from reports.tasks import app, archive, index_report, notify\n\n\n"
    "async def publish(report_id, reports):\n"
    "    index_report.defer(report_id)  # JOB205\n"
    "    await index_report.defer_async(report_id, True)  # JOB205\n"
    "    index_report.configure(lock='x').defer(report_id)  # JOB205\n"
    "    app.configure_task('reports.index').defer(report_id)  # JOB205\n"
    "    deferrer = index_report.configure(queue='low')\n"
    "    deferrer.defer(report_id)  # JOB205\n"
    "    notify.defer(7)  # JOB205\n"
    "    index_report.defer(report_id=report_id)\n"
    "    index_report.defer(**{'report_id': report_id})\n"
    "    index_report.batch_defer({'report_id': 1}, {'report_id': 2})\n"
    "    functools.partial(index_report.defer, report_id=report_id)()\n"
    "    reports.defer('body')\n"
)


def test_every_way_to_defer_and_the_look_alikes(tmp_path: Path) -> None:
    found = {(d.line, d.code) for d in findings(tmp_path, SERVICE)}
    assert found == Example("flagged", SERVICE).expected()


def test_a_django_queryset_defer_is_not_procrastinate(tmp_path: Path) -> None:
    service = (
        "from django.db import models\nfrom reports.tasks import index_report\n\n\n"
        "class Report(models.Model):\n    body = models.TextField()\n\n\n"
        "def light():\n"
        "    index_report.defer(report_id=1)\n"
        "    return Report.objects.defer('body')\n"
    )
    assert findings(tmp_path, service) == []


@pytest.mark.parametrize(
    ("call", "fixed"),
    [
        ("index_report.defer(report_id)", "index_report.defer(report_id=report_id)"),
        ("index_report.defer(7, True)", "index_report.defer(report_id=7, full=True)"),
        ("index_report.defer(7, full=True)", "index_report.defer(report_id=7, full=True)"),
        ("notify.defer(7)", "notify.defer(user_id=7)"),  # the context is not a parameter
        (
            "index_report.configure(lock='x').defer(\n        7,  # the report\n    )",
            "index_report.configure(lock='x').defer(\n        report_id=7,  # the report\n    )",
        ),
        # No fix: the signature does not name the positions.
        ("archive.defer(7)", None),  # positional-only
        ("index_report.defer(7, True, 3)", None),  # more arguments than parameters
        ("index_report.defer(7, report_id=8)", None),  # the name is taken
        ("index_report.configure(task_kwargs={'report_id': 1}).defer(7)", None),
        ("app.configure_task('elsewhere.task').defer(7)", None),  # signature unknown
    ],
)
def test_the_fix(tmp_path: Path, call: str, fixed: str | None) -> None:
    head = "from reports.tasks import app, archive, index_report, notify\n\n\ndef go(report_id):\n"
    service = f"{head}    {call}\n"
    (finding,) = findings(tmp_path, service)
    if fixed is None:
        assert finding.fix is None
        assert "pass each one by keyword" in finding.message
        return
    assert finding.fix is not None
    assert finding.fix.applicability is Applicability.SAFE
    module = cst.parse_module(service)
    once = finding.fix.transform(module)
    assert once.code == f"{head}    {fixed}\n"
    assert finding.fix.transform(once).code == once.code  # applying it again changes nothing


def test_the_message(tmp_path: Path) -> None:
    service = (
        "from reports.tasks import index_report\n\n\n"
        "def go(rid):\n    index_report.defer(rid, True)\n"
    )
    (finding,) = findings(tmp_path, service)
    assert (finding.line, finding.column) == (5, 24)
    assert finding.message == (
        "Procrastinate's `defer` takes keyword arguments only: the positional arguments "
        "`rid, True` never reach the task; pass them by keyword: `report_id=rid, full=True`"
    )
