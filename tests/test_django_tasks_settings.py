"""JOB707 beyond its page: each point of the TASKS contract flagged at its node, the
look-alikes that must stay silent, the cases the linter cannot tell (quiet), and the
split with JOB302 (a name the project does not know at all is JOB302's alone)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_support import lint_tree, write_tree

from joblint.diagnostics import Diagnostic

SETTINGS = (
    "TASKS = {\n"
    "    'default': {\n"
    "        'BACKEND': 'django_tasks.backends.database.DatabaseBackend',\n"
    "        'QUEUES': ['default', 'emails'],\n"
    "    },\n"
    "    'reports': {\n"
    "        'BACKEND': 'django_tasks.backends.rq.RQBackend',\n"
    "        'QUEUES': ['pdf'],\n"
    "    },\n"
    "    'inline': {'BACKEND': 'django.tasks.backends.immediate.ImmediateBackend'},\n"
    "}\n"
)
HEADER = (
    "from datetime import timedelta\n\n"
    "from django.tasks import task\n"
    "from django.utils import timezone\n\n\n"
)


def _lint(root: Path, files: dict[str, str]) -> list[Diagnostic]:
    write_tree(root, files)
    return [d for d in lint_tree(root) if d.code in ("JOB707", "JOB302")]


def _found(findings: list[Diagnostic], root: Path) -> list[tuple[str, int, int, str]]:
    return [(d.path.relative_to(root).as_posix(), d.line, d.column, d.code) for d in findings]


def _tasks(body: str, settings: str = SETTINGS) -> dict[str, str]:
    return {"shop/settings.py": settings, "shop/tasks.py": HEADER + body}


def test_queue_the_backend_does_not_list_is_flagged_at_the_name(tmp_path: Path) -> None:
    findings = _lint(
        tmp_path,
        _tasks("@task(queue_name='pdf')\ndef send_receipt(order_id: int) -> None: ...\n"),
    )
    assert _found(findings, tmp_path) == [("shop/tasks.py", 7, 18, "JOB707")]
    message = findings[0].message
    assert "queue `pdf`" in message and "backend `default`" in message
    assert "shop/settings.py" in message and "InvalidTaskError" in message


def test_a_name_unknown_to_the_project_is_job302s_only(tmp_path: Path) -> None:
    findings = _lint(
        tmp_path,
        _tasks("@task(queue_name='emial')\ndef send_receipt(order_id: int) -> None: ...\n"),
    )
    assert [d.code for d in findings] == ["JOB302"]


def test_implicit_default_queue_on_a_backend_without_it(tmp_path: Path) -> None:
    findings = _lint(
        tmp_path,
        _tasks("@task(backend='reports')\ndef build_report(report_id: int) -> None: ...\n"),
    )
    assert _found(findings, tmp_path) == [("shop/tasks.py", 7, 1, "JOB707")]
    assert "has no `queue_name`, so it goes to queue `default`" in findings[0].message


def test_backend_alias_not_in_tasks(tmp_path: Path) -> None:
    body = (
        "@task(queue_name='emails', backend='bulk')\n"
        "def send_receipt(order_id: int) -> None: ...\n\n\n"
        "@task(queue_name='emails')\n"
        "def send_invoice(order_id: int) -> None: ...\n\n\n"
        "def later() -> None:\n"
        "    send_invoice.using(backend='archive').enqueue(1)\n"
        "    send_invoice.using(backend='inline', queue_name='default').enqueue(1)\n"
    )
    findings = _lint(tmp_path, _tasks(body))
    assert _found(findings, tmp_path) == [
        ("shop/tasks.py", 7, 36, "JOB707"),
        ("shop/tasks.py", 16, 32, "JOB707"),
    ]
    assert "backend `bulk` is not in TASKS" in findings[0].message
    assert "`default`, `reports`, `inline`" in findings[0].message


def test_using_moves_the_task_to_a_backend_without_its_queue(tmp_path: Path) -> None:
    body = (
        "@task(queue_name='emails')\n"
        "def send_receipt(order_id: int) -> None: ...\n\n\n"
        "def later() -> None:\n"
        "    send_receipt.using(backend='reports').enqueue(1)\n"
        "    send_receipt.using(backend='reports', queue_name='pdf').enqueue(1)\n"
        "    send_receipt.using(queue_name='pdf').enqueue(1)\n"
    )
    findings = _lint(tmp_path, _tasks(body))
    assert _found(findings, tmp_path) == [
        ("shop/tasks.py", 12, 32, "JOB707"),
        ("shop/tasks.py", 14, 35, "JOB707"),
    ]


def test_run_after_on_a_backend_that_cannot_defer(tmp_path: Path) -> None:
    body = (
        "@task(queue_name='default', backend='inline')\n"
        "def send_receipt(order_id: int) -> None: ...\n\n\n"
        "@task(queue_name='emails')\n"
        "def send_invoice(order_id: int) -> None: ...\n\n\n"
        "def later() -> None:\n"
        "    soon = timezone.now() + timedelta(hours=1)\n"
        "    send_receipt.using(run_after=soon).enqueue(1)\n"
        "    send_invoice.using(run_after=soon).enqueue(1)\n"
        "    send_invoice.using(backend='inline', queue_name='default', run_after=soon)"
        ".enqueue(1)\n"
        "    send_receipt.using(run_after=None).enqueue(1)\n"
    )
    findings = _lint(tmp_path, _tasks(body))
    assert _found(findings, tmp_path) == [
        ("shop/tasks.py", 17, 34, "JOB707"),
        ("shop/tasks.py", 19, 74, "JOB707"),
    ]
    assert "`ImmediateBackend`, which cannot defer" in findings[0].message


def test_dummy_backend_can_defer(tmp_path: Path) -> None:
    settings = "TASKS = {'default': {'BACKEND': 'django.tasks.backends.dummy.DummyBackend'}}\n"
    body = (
        "@task\ndef send_receipt(order_id: int) -> None: ...\n\n\n"
        "def later() -> None:\n"
        "    send_receipt.using(run_after=timezone.now()).enqueue(1)\n"
    )
    assert _lint(tmp_path, _tasks(body, settings)) == []


def test_run_after_quiet_when_settings_modules_disagree(tmp_path: Path) -> None:
    """Tests run inline, production on a database: which settings run is not in the code."""
    files = {
        "shop/settings/base.py": (
            "TASKS = {'default': {'BACKEND': 'django_tasks.backends.database.DatabaseBackend'}}\n"
        ),
        "shop/settings/test.py": (
            "TASKS = {'default': {'BACKEND': 'django.tasks.backends.immediate.ImmediateBackend'}}\n"
        ),
        "shop/tasks.py": HEADER + "@task\ndef send_receipt(order_id: int) -> None: ...\n\n\n"
        "def later() -> None:\n"
        "    send_receipt.using(run_after=timezone.now()).enqueue(1)\n",
    }
    assert _lint(tmp_path, files) == []


@pytest.mark.parametrize(
    "backend",
    [
        "django.tasks.backends.database.DatabaseBackend",
        "django_tasks.backends.redis.RedisBackend",
        "django.tasks.backends.base.BaseTaskBackend",
    ],
)
def test_unknown_backend_under_the_shipped_packages(tmp_path: Path, backend: str) -> None:
    settings = f"TASKS = {{\n    'default': {{\n        'BACKEND': {backend!r},\n    }},\n}}\n"
    files = {"shop/settings.py": settings}
    findings = _lint(tmp_path, files)
    assert _found(findings, tmp_path) == [("shop/settings.py", 3, 20, "JOB707")]
    assert "Django cannot import it" in findings[0].message


@pytest.mark.parametrize(
    "backend",
    [
        "django_tasks_db.DatabaseBackend",
        "django_tasks_rq.RQBackend",
        "myproject.tasks_backend.KafkaBackend",
        "django_tasks.backends.database.DatabaseBackend",
        "django_tasks.backends.celery.CeleryBackend",
    ],
)
def test_shipped_and_third_party_backends_are_not_flagged(tmp_path: Path, backend: str) -> None:
    files = {
        "shop/settings.py": f"TASKS = {{'default': {{'BACKEND': {backend!r}}}}}\n",
        "shop/tasks.py": HEADER + "@task\ndef send_receipt(order_id: int) -> None: ...\n",
    }
    assert _lint(tmp_path, files) == []


@pytest.mark.parametrize(
    ("path", "flagged"),
    [
        ("shop/settings/production.py", True),
        ("shop/settings/prod.py", True),
        ("shop/settings_production.py", True),
        ("shop/prod_settings.py", True),
        ("shop/settings.py", False),
        ("shop/settings/local.py", False),
        ("shop/settings/test.py", False),
        ("shop/production.py", False),
    ],
)
def test_immediate_or_dummy_default_in_production_settings(
    tmp_path: Path, path: str, flagged: bool
) -> None:
    for backend in ("immediate.ImmediateBackend", "dummy.DummyBackend"):
        settings = (
            "TASKS = {\n"
            f"    'default': {{'BACKEND': 'django.tasks.backends.{backend}'}},\n"
            "    'inline': {'BACKEND': 'django.tasks.backends.immediate.ImmediateBackend'},\n"
            "}\n"
        )
        findings = _lint(tmp_path, {path: settings})
        expected = [(path, 2, 28, "JOB707")] if flagged else []
        assert _found(findings, tmp_path) == expected, backend
        if flagged:
            assert "production settings" in findings[0].message


@pytest.mark.parametrize(
    "settings",
    [
        "TASKS = get_tasks()\n",
        SETTINGS + "TASKS['reports']['QUEUES'].append('default')\n",
        "from .base import TASKS\n",
        "TASKS = {'default': {**BASE, 'QUEUES': ['emails']}}\n",
        "TASKS = {ALIAS: {'QUEUES': ['emails']}}\n",
    ],
    ids=["computed", "changed-later", "imported", "splat", "computed-alias"],
)
def test_quiet_when_tasks_cannot_be_read(tmp_path: Path, settings: str) -> None:
    body = (
        "@task(backend='reports')\ndef build_report(report_id: int) -> None: ...\n\n\n"
        "@task(queue_name='pdf', backend='missing')\n"
        "def build_invoice(order_id: int) -> None: ...\n\n\n"
        "def later() -> None:\n"
        "    build_report.using(run_after=timezone.now(), backend='inline').enqueue(1)\n"
    )
    files = {"shop/settings/base.py": SETTINGS, "shop/settings/local.py": settings}
    files["shop/tasks.py"] = HEADER + body
    assert [d for d in _lint(tmp_path, files) if d.code == "JOB707"] == []


def test_quiet_for_computed_names_and_backends(tmp_path: Path) -> None:
    body = (
        "QUEUE = 'pdf'\n\n\n"
        "@task(queue_name=QUEUE + '')\ndef send_receipt(order_id: int) -> None: ...\n\n\n"
        "@task(queue_name='pdf', backend=BACKEND)\n"
        "def send_invoice(order_id: int) -> None: ...\n\n\n"
        "OPTIONS = {'backend': 'nope'}\n\n\n"
        "@task(queue_name='pdf', **OPTIONS)\n"
        "def send_refund(order_id: int) -> None: ...\n\n\n"
        "def later(name: str) -> None:\n"
        "    send_receipt.using(queue_name=name).enqueue(1)\n"
        "    send_receipt.using(backend=name, run_after=timezone.now()).enqueue(1)\n"
    )
    assert [d for d in _lint(tmp_path, _tasks(body)) if d.code == "JOB707"] == []


def test_quiet_without_settings_or_without_django_tasks(tmp_path: Path) -> None:
    files = {
        "shop/tasks.py": HEADER
        + "@task(queue_name='pdf', backend='gone')\ndef send_receipt(order_id: int) -> None: ...\n"
    }
    assert _lint(tmp_path, files) == []
    other = tmp_path / "other"
    other.mkdir()
    files = {"shop/settings/production.py": "TASKS = {'default': {'BACKEND': 'x.Dummy'}}\n"}
    assert _lint(other, files) == []


def test_queue_allowed_by_any_settings_module_is_fine(tmp_path: Path) -> None:
    files = {
        "shop/settings/base.py": SETTINGS,
        "shop/settings/local.py": (
            "TASKS = {'default': {'BACKEND': 'django.tasks.backends.immediate.ImmediateBackend',"
            " 'QUEUES': []}}\n"
        ),
        "shop/tasks.py": HEADER
        + "@task(queue_name='pdf')\ndef send_receipt(order_id: int) -> None: ...\n",
    }
    assert _lint(tmp_path, files) == []
