"""The Django Tasks frontend (``django.tasks`` and the ``django_tasks`` backport), through
``joblint inventory`` on a fixture app written the way Django's documentation writes it,
and on look-alikes that must not count."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
from lint_support import REPO, brief, inventory_of, write_tree

from joblint.analysis.model import EnqueueSite, QueueKind
from joblint.config import Settings
from joblint.engine.linter import Analysis, Linter

FIXTURE = REPO / "tests" / "fixtures" / "frameworks" / "django_tasks"
NEGATIVE = REPO / "tests" / "fixtures" / "frameworks" / "django_tasks_negative"


def analysis_of(root: Path, settings: Settings | None = None) -> Analysis:
    analysis, problems = Linter(settings or Settings(project_root=root)).analyse_paths([root])
    assert problems == []
    return analysis


def code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def arguments(site: EnqueueSite) -> str:
    return ", ".join(code(arg).strip().rstrip(",") for arg in site.arguments)


def sites_at(analysis: Analysis, filename: str) -> dict[int, EnqueueSite]:
    return {
        site.span.start.line: site
        for site in analysis.enqueue_sites
        if site.path.name == filename and site.framework == "django-tasks"
    }


def test_inventory_of_the_fixture_app() -> None:
    assert brief(inventory_of(FIXTURE)) == [
        # The backport, imported under another name and as a module.
        ("django-tasks", "rebuild_search_index", None, "blog/backport.py:6",
         ["blog/services/accounts.py:24"]),
        ("django-tasks", "purge_drafts", "cleanup", "blog/backport.py:11",
         ["blog/services/accounts.py:27"]),
        # Wrappers: a `functools.partial`, a function applying `task` (with a default it
        # sets), and a decorator made once with `task(...)`.
        ("django-tasks", "prune_sessions", "low", "blog/maintenance.py:5",
         ["blog/services/accounts.py:33"]),
        ("django-tasks", "refresh_feeds", "feeds", "blog/maintenance.py:10",
         ["blog/services/accounts.py:35"]),
        ("django-tasks", "recount_comments", "blog", "blog/maintenance.py:15",
         ["blog/services/accounts.py:37"]),
        ("django-tasks", "reset_passwords", "urgent", "blog/maintenance.py:20", []),
        # No `queue_name`: none (Django's "default" is not filled in).
        ("django-tasks", "send_welcome_email", None, "blog/tasks.py:8",
         ["blog/services/accounts.py:15", "blog/services/accounts.py:16"]),
        ("django-tasks", "email_users", "emails", "blog/tasks.py:13",
         ["blog/services/accounts.py:17"]),
        # `queue_name=EMAIL_QUEUE`, a constant imported from another module.
        ("django-tasks", "send_digest", "emails", "blog/tasks.py:18",
         ["blog/services/accounts.py:25"]),
        ("django-tasks", "build_report", "dynamic", "blog/tasks.py:23",
         ["blog/services/accounts.py:23", "blog/services/accounts.py:32"]),
    ]  # fmt: skip


def test_negative_fixture_has_no_jobs_and_no_enqueue_sites() -> None:
    assert inventory_of(NEGATIVE) == []
    assert analysis_of(NEGATIVE).enqueue_sites == []


def test_look_alike_calls_in_the_fixture_are_not_enqueue_sites() -> None:
    assert sites_at(analysis_of(FIXTURE), "lookalikes.py") == {}


def test_job_details() -> None:
    jobs = {job.name: job for job in analysis_of(FIXTURE).jobs}
    digest = jobs["send_digest"]
    assert digest.registered_name == "blog.tasks.send_digest"  # Task.module_path
    assert dict(digest.options) == {"queue_name": "emails", "priority": 50, "takes_context": True}
    assert digest.perform is digest.node
    assert digest.decorator is not None
    assert code(digest.decorator.decorator).startswith("task(queue_name=EMAIL_QUEUE")
    assert jobs["send_welcome_email"].queue.kind is QueueKind.NONE
    assert dict(jobs["prune_sessions"].options) == {"priority": -10, "queue_name": "low"}
    assert dict(jobs["reset_passwords"].options) == {"priority": 90, "queue_name": "urgent"}
    report = jobs["build_report"]
    assert report.queue.kind is QueueKind.DYNAMIC
    assert report.queue.span is not None and report.queue.span.start.line == 22


def test_enqueue_site_details() -> None:
    sites = sites_at(analysis_of(FIXTURE), "accounts.py")
    # `transaction.on_commit(partial(task.enqueue, ...))`, as Django's docs write it.
    assert sites[15].method == "enqueue" and arguments(sites[15]) == "user_id=user_id"
    assert arguments(sites[16]) == "user_id"
    using = sites[17]
    assert using.target == "blog.tasks.email_users"
    assert [key for key, _ in using.options] == ["priority", "run_after"]
    assert arguments(using) == 'emails=["a@example.com"], subject="Hi", message="Welcome"'
    assert sites[23].method == "aenqueue"
    assert {key: code(value) for key, value in sites[24].options} == {"backend": '"search"'}
    assert sites[25].synchronous and sites[25].method == "call"
    assert sites[27].synchronous and sites[27].method == "acall"
    assert not any(sites[line].synchronous for line in (15, 16, 17, 23, 24, 32, 33, 35, 37))
    # `.using()` twice, stored in a local first.
    stored = sites[32]
    assert stored.target == "blog.tasks.build_report"
    assert {key: code(value) for key, value in stored.options} == {
        "queue_name": '"urgent"',
        "priority": "90",
    }
    assert arguments(sites[35]) == "feed_id=4" and sites[35].arguments_known


def test_django_and_the_backport_spelled_every_way(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/a.py": (
                "from django import tasks\n@tasks.task(queue_name='a')\ndef send_a() -> None: ...\n"
            ),
            "app/b.py": ("import django.tasks as dt\n@dt.task()\ndef send_b() -> None: ...\n"),
            "app/c.py": (
                "from django_tasks.base import task\n"
                "class Mailer:\n"
                "    @task\n"
                "    def send_c(self) -> None: ...\n"
            ),
            "app/d.py": (
                "from app.a import send_a as alias\n"
                "from app import b\n"
                "def go() -> None:\n"
                "    alias.enqueue()\n"
                "    b.send_b.using(priority=1).enqueue()\n"
            ),
        },
    )
    rows = brief(inventory_of(tmp_path))
    assert rows == [
        ("django-tasks", "send_a", "a", "app/a.py:3", ["app/d.py:4"]),
        ("django-tasks", "send_b", None, "app/b.py:3", ["app/d.py:5"]),
        ("django-tasks", "send_c", None, "app/c.py:4", []),
    ]
    jobs = {job.name: job for job in analysis_of(tmp_path).jobs}
    assert jobs["send_c"].registered_name == "app.c.Mailer.send_c"  # the __qualname__


def test_a_wrapper_module_is_enough_to_bring_in_its_users(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/deco.py": (
                "from django.tasks import task\n"
                "def background(function=None, **options):\n"
                "    options.setdefault('queue_name', 'background')\n"
                "    return task(function, **options) if function else task(**options)\n"
            ),
            "app/jobs.py": (
                "from app.deco import background\n@background\ndef rebuild_index() -> None: ...\n"
            ),
            "app/views.py": (
                "from app.jobs import rebuild_index\n"
                "def view() -> None:\n    rebuild_index.enqueue()\n"
            ),
        },
    )
    assert brief(inventory_of(tmp_path)) == [
        ("django-tasks", "rebuild_index", "background", "app/jobs.py:3", ["app/views.py:3"]),
    ]


def test_the_task_decorators_setting(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/deco.py": "def queued(func):\n    return register(func)\n",
            "app/jobs.py": (
                "from app.deco import queued\n@queued\ndef send_report() -> None: ...\n"
            ),
        },
    )
    assert inventory_of(tmp_path) == []
    settings = Settings(
        project_root=tmp_path, task_decorators=(("app.deco.queued", "django-tasks"),)
    )
    assert brief(inventory_of(tmp_path, settings)) == [
        ("django-tasks", "send_report", None, "app/jobs.py:3", []),
    ]
