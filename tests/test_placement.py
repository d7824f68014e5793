"""Where enqueue sites sit: transactions, on_commit callbacks, loops."""

from __future__ import annotations

from pathlib import Path

from lint_support import write_tree

from joblint.config import Settings
from joblint.engine.linter import Linter

BASE = "from joblint.runtime import Job\n\n\nclass ApplicationJob(Job):\n    pass\n"
JOB = (
    "from app.jobs.application_job import ApplicationJob\n"
    "class SendEmailJob(ApplicationJob):\n"
    "    queue_as = 'mailers'\n"
    "    def perform(self, user_id: int) -> None: ...\n"
)


def contexts(tmp_path: Path, service: str, **files: str) -> dict[int, tuple[object, ...]]:
    write_tree(
        tmp_path,
        {
            "app/jobs/application_job.py": BASE,
            "app/jobs/send_email_job.py": JOB,
            "app/services/signup.py": service,
            **files,
        },
    )
    settings = Settings(project_root=tmp_path, transaction_wrappers=("app.db.unit_of_work",))
    analysis, _ = Linter(settings).analyse_paths([tmp_path])
    return {
        site.span.start.line: (
            site.context.transaction,
            site.context.on_commit,
            site.context.in_loop,
            site.context.function,
        )
        for site in analysis.enqueue_sites
    }


def test_django_atomic_as_context_manager_and_decorator(tmp_path: Path) -> None:
    service = (
        "from django.db import transaction\n"
        "from app.jobs.send_email_job import SendEmailJob\n"
        "def sign_up(user):\n"
        "    with transaction.atomic():\n"
        "        SendEmailJob.perform_later(user.id)\n"
        "        transaction.on_commit(lambda: SendEmailJob.perform_later(user.id))\n"
        "    SendEmailJob.perform_later(user.id)\n"
        "@transaction.atomic\n"
        "def invite(users):\n"
        "    for user in users:\n"
        "        SendEmailJob.perform_later(user.id)\n"
    )
    atomic = "django.db.transaction.atomic"
    assert contexts(tmp_path, service) == {
        5: (atomic, False, False, "app.services.signup.sign_up"),
        6: (None, True, False, "app.services.signup.sign_up"),
        7: (None, False, False, "app.services.signup.sign_up"),
        11: (atomic, False, True, "app.services.signup.invite"),
    }


def test_atomic_on_another_database_is_not_the_jobs_transaction(tmp_path: Path) -> None:
    """A transaction on a replica or another database: whether the job's rows are written
    there cannot be told, so the site is not counted as inside a transaction."""
    service = (
        "from django.conf import settings\n"
        "from django.db import transaction\n"
        "from app.jobs.send_email_job import SendEmailJob\n"
        "def sign_up(user):\n"
        "    with transaction.atomic(using=settings.REPLICA, savepoint=False):\n"
        "        SendEmailJob.perform_later(user.id)\n"
        "    with transaction.atomic('reports'):\n"
        "        SendEmailJob.perform_later(user.id)\n"
        "    with transaction.atomic(using='default'):\n"
        "        SendEmailJob.perform_later(user.id)\n"
        "    with transaction.atomic(using=None):\n"
        "        SendEmailJob.perform_later(user.id)\n"
    )
    atomic = "django.db.transaction.atomic"
    function = "app.services.signup.sign_up"
    assert contexts(tmp_path, service) == {
        6: (None, False, False, function),
        8: (None, False, False, function),
        10: (atomic, False, False, function),
        12: (atomic, False, False, function),
    }


def test_project_wrappers_and_configured_names(tmp_path: Path) -> None:
    service = (
        "from app.db import atomic_block, unit_of_work\n"
        "from app.jobs.send_email_job import SendEmailJob\n"
        "def a(user):\n"
        "    with atomic_block():\n"
        "        SendEmailJob.perform_later(user.id)\n"
        "@unit_of_work\n"
        "def b(user):\n"
        "    SendEmailJob.perform_later(user.id)\n"
        "def c(users):\n"
        "    [SendEmailJob.perform_later(u.id) for u in users]\n"
    )
    db = (
        "from contextlib import contextmanager\n"
        "from django.db import transaction\n"
        "@contextmanager\n"
        "def atomic_block():\n"
        "    with transaction.atomic():\n"
        "        yield\n"
        "def unit_of_work(function):\n"
        "    return function\n"
    )
    found = contexts(tmp_path, service, **{"app/db.py": db})
    assert found[5][0] == "app.db.atomic_block"
    assert found[8][0] == "app.db.unit_of_work"
    assert found[10] == (None, False, True, "app.services.signup.c")


def test_sqlalchemy_begin_only_where_sqlalchemy_is_imported(tmp_path: Path) -> None:
    service = (
        "from sqlalchemy.orm import Session\n"
        "from app.jobs.send_email_job import SendEmailJob\n"
        "def a(session: Session, user):\n"
        "    with session.begin():\n"
        "        SendEmailJob.perform_later(user.id)\n"
    )
    assert contexts(tmp_path, service)[5][0] == "sqlalchemy.begin"


def test_begin_of_something_else_is_not_a_transaction(tmp_path: Path) -> None:
    service = (
        "from app.jobs.send_email_job import SendEmailJob\n"
        "def a(timer, user):\n"
        "    with timer.begin():\n"
        "        SendEmailJob.perform_later(user.id)\n"
    )
    assert contexts(tmp_path, service)[4][0] is None


def test_a_nested_function_or_lambda_is_not_held_by_the_transaction_around_it(
    tmp_path: Path,
) -> None:
    service = (
        "from django.db import transaction\n"
        "from app.jobs.send_email_job import SendEmailJob\n"
        "def sign_up(users, user):\n"
        "    with transaction.atomic():\n"
        "        def later():\n"
        "            SendEmailJob.perform_later(user.id)\n"
        "        callbacks = [lambda: SendEmailJob.perform_later(user.id)]\n"
        "    for user in users:\n"
        "        transaction.on_commit(lambda: SendEmailJob.perform_later(user.id))\n"
        "        def each():\n"
        "            SendEmailJob.perform_later(user.id)\n"
    )
    found = contexts(tmp_path, service)
    assert found[6] == (None, False, False, "app.services.signup.sign_up.<locals>.later")
    assert found[7] == (None, False, False, "app.services.signup.sign_up")
    # an on_commit callback is registered once per iteration: still in the loop
    assert found[9] == (None, True, True, "app.services.signup.sign_up")
    assert found[11] == (None, False, False, "app.services.signup.sign_up.<locals>.each")


def test_celery_on_commit_methods_are_deferred(tmp_path: Path) -> None:
    tasks = (
        "from celery import Celery\n"
        "app = Celery('proj')\n"
        "@app.task\n"
        "def send_email(user_id):\n"
        "    pass\n"
    )
    service = (
        "from django.db import transaction\n"
        "from app.tasks import send_email\n"
        "def sign_up(user):\n"
        "    with transaction.atomic():\n"
        "        send_email.delay_on_commit(user.id)\n"
        "        send_email.apply_async_on_commit((user.id,))\n"
        "        send_email.delay(user.id)\n"
    )
    found = contexts(tmp_path, service, **{"app/tasks.py": tasks})
    function = "app.services.signup.sign_up"
    assert found[5] == (None, True, False, function)
    assert found[6] == (None, True, False, function)
    assert found[7] == ("django.db.transaction.atomic", False, False, function)


def test_views_and_atomic_requests(tmp_path: Path) -> None:
    service = (
        "from django.db import transaction\n"
        "from app.jobs.send_email_job import SendEmailJob\n"
        "def create(request, user_id):\n"
        "    SendEmailJob.perform_later(user_id)\n"
        "class Signup:\n"
        "    def post(self, request, user_id):\n"
        "        SendEmailJob.perform_later(user_id)\n"
        "    def helper(self, user_id):\n"
        "        SendEmailJob.perform_later(user_id)\n"
        "@transaction.non_atomic_requests\n"
        "def bulk(request, user_id):\n"
        "    SendEmailJob.perform_later(user_id)\n"
    )
    settings = "DATABASES = {'default': {'ATOMIC_REQUESTS': True}}\n"
    without = contexts(tmp_path, service)
    assert [without[line][0] for line in (4, 7, 9, 12)] == [None, None, None, None]
    found = contexts(tmp_path, service, **{"proj/settings.py": settings})
    assert [found[line][0] for line in (4, 7, 9, 12)] == [
        "ATOMIC_REQUESTS",
        "ATOMIC_REQUESTS",
        None,
        None,
    ]
