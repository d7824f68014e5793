"""JOB601, JOB603, JOB605, JOB606, JOB607: where jobs are enqueued, for every framework."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from lint_support import lint_tree, write_tree

from joblint.config import Settings, load_settings
from joblint.diagnostics import Diagnostic

# Per framework: the job's module, the import a caller writes, an enqueue call (with the
# job's argument `uid`) and a synchronous call, as each framework spells them.
FRAMEWORKS: dict[str, dict[str, str]] = {
    "runtime": {
        "app/jobs/send_email_job.py": (
            "from joblint.runtime import Job\n\n\n"
            "class SendEmailJob(Job):\n"
            "    queue_as = 'mailers'\n\n"
            "    def perform(self, user_id: int) -> None:\n"
            "        pass\n"
        ),
        "import": "from app.jobs.send_email_job import SendEmailJob",
        "enqueue": "SendEmailJob.perform_later(uid)",
        "sync": "SendEmailJob.perform_now(uid)",
    },
    "celery": {
        "app/jobs/send_email_job.py": (
            "from celery import Celery\n\n"
            "app = Celery('proj')\n\n\n"
            "@app.task(queue='mailers')\n"
            "def send_email(user_id: int) -> None:\n"
            "    pass\n"
        ),
        "import": "from app.jobs.send_email_job import send_email",
        "enqueue": "send_email.delay(uid)",
        "sync": "send_email(uid)",
    },
    "rq": {
        "app/jobs/send_email_job.py": (
            "from redis import Redis\n"
            "from rq import Queue\n\n"
            "queue = Queue('mailers', connection=Redis())\n\n\n"
            "def send_email(user_id: int) -> None:\n"
            "    pass\n"
        ),
        "import": "from app.jobs.send_email_job import queue, send_email",
        "enqueue": "queue.enqueue(send_email, uid)",
        "sync": "",
    },
    "dramatiq": {
        "app/jobs/send_email_job.py": (
            "import dramatiq\n\n\n"
            "@dramatiq.actor(queue_name='mailers')\n"
            "def send_email(user_id: int) -> None:\n"
            "    pass\n"
        ),
        "import": "from app.jobs.send_email_job import send_email",
        "enqueue": "send_email.send(uid)",
        "sync": "send_email(uid)",
    },
    "huey": {
        "app/jobs/send_email_job.py": (
            "from huey import RedisHuey\n\n"
            "huey = RedisHuey('proj')\n\n\n"
            "@huey.task()\n"
            "def send_email(user_id: int) -> None:\n"
            "    pass\n"
        ),
        "import": "from app.jobs.send_email_job import send_email",
        "enqueue": "send_email(uid)",
        "sync": "send_email.call_local(uid)",
    },
    "django-tasks": {
        "app/jobs/send_email_job.py": (
            "from django.tasks import task\n\n\n"
            "@task(queue_name='mailers')\n"
            "def send_email(user_id: int) -> None:\n"
            "    pass\n"
        ),
        "import": "from app.jobs.send_email_job import send_email",
        "enqueue": "send_email.enqueue(uid)",
        "sync": "send_email.call(uid)",
    },
    "procrastinate": {
        "app/jobs/send_email_job.py": (
            "import procrastinate\n\n"
            "app = procrastinate.App(connector=procrastinate.PsycopgConnector())\n\n\n"
            "@app.task(queue='mailers')\n"
            "def send_email(user_id: int) -> None:\n"
            "    pass\n"
        ),
        "import": "from app.jobs.send_email_job import send_email",
        "enqueue": "send_email.defer(user_id=uid)",
        "sync": "send_email(user_id=uid)",
    },
    "arq": {
        "app/jobs/send_email_job.py": (
            "from arq.connections import RedisSettings\n\n\n"
            "async def send_email(ctx, user_id: int) -> None:\n"
            "    pass\n\n\n"
            "class WorkerSettings:\n"
            "    functions = [send_email]\n"
            "    redis_settings = RedisSettings()\n"
        ),
        "import": "from app.jobs.send_email_job import send_email",
        "enqueue": "await pool.enqueue_job('send_email', uid)",
        "sync": "",
    },
}


def findings(
    tmp_path: Path,
    framework: str,
    body: str,
    path: str = "app/services/signup.py",
    settings: Settings | None = None,
    **files: str,
) -> list[tuple[int, str]]:
    """Lint a service module whose ``body`` uses ``{enqueue}``, ``{sync}`` and
    ``{import}`` of ``framework``; (line, code) of its JOB6xx findings."""
    spec = FRAMEWORKS[framework]
    text = body.format(enqueue=spec["enqueue"], sync=spec["sync"], imports=spec["import"])
    job_files = {name: value for name, value in spec.items() if name.endswith(".py")}
    write_tree(tmp_path, {**job_files, path: text, **files})
    return sorted(
        (d.line, d.code)
        for d in lint_tree(tmp_path, settings)
        if d.path == tmp_path / path and d.code.startswith("JOB6")
    )


def diagnostics(tmp_path: Path, files: dict[str, str], code: str) -> list[Diagnostic]:
    write_tree(tmp_path, files)
    return [d for d in lint_tree(tmp_path) if d.code == code]


ASYNC = {"arq"}


def _service(framework: str, body: str) -> str:
    """A function around ``body`` (async for frameworks that enqueue with await)."""
    head = "async def" if framework in ASYNC else "def"
    params = "pool, uid" if framework in ASYNC else "uid"
    return f"{head} sign_up({params}):\n" + body


# -- JOB601 -------------------------------------------------------------------------

ATOMIC_BODY = "from django.db import transaction\n{imports}\n\n\n"


@pytest.mark.parametrize(
    ("framework", "expected"),
    [
        ("runtime", [(8, "JOB601")]),
        ("celery", [(8, "JOB601")]),
        ("rq", [(8, "JOB601")]),
        ("dramatiq", [(8, "JOB601")]),
        ("huey", [(8, "JOB601")]),
        ("django-tasks", [(8, "JOB601")]),
        ("procrastinate", [(8, "JOB601")]),
        ("arq", [(8, "JOB601")]),
    ],
)
def test_enqueue_in_atomic_block_per_framework(
    tmp_path: Path, framework: str, expected: list[tuple[int, str]]
) -> None:
    body = ATOMIC_BODY + _service(
        framework,
        "    with transaction.atomic():\n"
        "        uid = 1\n"
        "        {enqueue}\n"
        "    transaction.on_commit(lambda: print(uid))\n",
    )
    assert findings(tmp_path, framework, body) == expected


@pytest.mark.parametrize("framework", sorted(FRAMEWORKS))
def test_enqueue_after_the_commit_is_clean(tmp_path: Path, framework: str) -> None:
    body = ATOMIC_BODY + _service(
        framework,
        "    with transaction.atomic():\n        uid = 1\n    {enqueue}\n",
    )
    assert findings(tmp_path, framework, body) == []


SAFE_FORMS = {
    "on_commit lambda": (
        "runtime",
        "    with transaction.atomic():\n"
        "        transaction.on_commit(lambda: SendEmailJob.perform_later(uid))\n",
    ),
    "on_commit partial": (
        "django-tasks",
        "    with transaction.atomic():\n"
        "        transaction.on_commit(partial(send_email.enqueue, uid))\n",
    ),
    "delay_on_commit": (
        "celery",
        "    with transaction.atomic():\n"
        "        send_email.delay_on_commit(uid)\n"
        "        send_email.apply_async_on_commit((uid,))\n",
    ),
    "nested function called later": (
        "runtime",
        "    with transaction.atomic():\n"
        "        def later():\n"
        "            SendEmailJob.perform_later(uid)\n"
        "    later()\n",
    ),
    "signature built for a group": (
        "celery",
        "    with transaction.atomic():\n"
        "        signature = send_email.s(uid)\n"
        "    signature.delay()\n",
    ),
}


@pytest.mark.parametrize("form", sorted(SAFE_FORMS))
def test_deferred_enqueues_are_clean(tmp_path: Path, form: str) -> None:
    framework, body = SAFE_FORMS[form]
    text = "from functools import partial\n" + ATOMIC_BODY + _service(framework, body)
    assert findings(tmp_path, framework, text) == []


def test_huey_on_commit_task_is_clean(tmp_path: Path) -> None:
    files = {
        "app/jobs/tasks.py": (
            "from huey.contrib.djhuey import on_commit_task\n\n\n"
            "@on_commit_task()\n"
            "def send_email(user_id: int) -> None:\n"
            "    pass\n"
        ),
        "app/services/signup.py": (
            "from django.db import transaction\n"
            "from app.jobs.tasks import send_email\n\n\n"
            "def sign_up(uid):\n"
            "    with transaction.atomic():\n"
            "        send_email(uid)\n"
        ),
    }
    assert diagnostics(tmp_path, files, "JOB601") == []


def test_procrastinate_django_connector_shares_the_transaction(tmp_path: Path) -> None:
    files = {
        "app/jobs/tasks.py": (
            "from procrastinate.contrib.django import app\n\n\n"
            "@app.task(queue='mailers')\n"
            "def send_email(user_id: int) -> None:\n"
            "    pass\n"
        ),
        "app/services/signup.py": (
            "from django.db import transaction\n"
            "from app.jobs.tasks import send_email\n\n\n"
            "def sign_up(uid):\n"
            "    with transaction.atomic():\n"
            "        send_email.defer(user_id=uid)\n"
        ),
    }
    assert diagnostics(tmp_path, files, "JOB601") == []


def test_procrastinate_blueprint_is_unknown_so_silent(tmp_path: Path) -> None:
    files = {
        "app/jobs/tasks.py": (
            "import procrastinate\n\n"
            "bp = procrastinate.Blueprint()\n\n\n"
            "@bp.task(queue='mailers')\n"
            "def send_email(user_id: int) -> None:\n"
            "    pass\n"
        ),
        "app/services/signup.py": (
            "from django.db import transaction\n"
            "from app.jobs.tasks import send_email\n\n\n"
            "def sign_up(uid):\n"
            "    with transaction.atomic():\n"
            "        send_email.defer(user_id=uid)\n"
        ),
    }
    assert diagnostics(tmp_path, files, "JOB601") == []


def test_transactions_recognised(tmp_path: Path) -> None:
    body = (
        "from django.db import transaction\n"
        "from sqlalchemy.orm import Session\n"
        "{imports}\n\n\n"
        "@transaction.atomic\n"
        "def a(uid):\n"
        "    {enqueue}\n\n\n"
        "def b(session: Session, uid):\n"
        "    with session.begin():\n"
        "        {enqueue}\n"
    )
    assert findings(tmp_path, "runtime", body) == [(8, "JOB601"), (13, "JOB601")]


ATOMIC_SETTINGS = (
    "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql'}}\n"
    "DATABASES['default']['ATOMIC_REQUESTS'] = True\n"
)
VIEW = (
    "from django.db import transaction\n"
    "{imports}\n\n\n"
    "def sign_up(request, uid):\n"
    "    {enqueue}\n\n\n"
    "@transaction.non_atomic_requests\n"
    "def invite(request, uid):\n"
    "    {enqueue}\n\n\n"
    "async def greet(request, uid):\n"
    "    {enqueue}\n\n\n"
    "def helper(uid):\n"
    "    {enqueue}\n"
)


def test_atomic_requests_only_when_the_settings_say_so(tmp_path: Path) -> None:
    service = "app/services/handlers.py"
    assert [f for f in findings(tmp_path, "runtime", VIEW, service) if f[1] == "JOB601"] == []
    found = findings(tmp_path, "runtime", VIEW, service, **{"proj/settings.py": ATOMIC_SETTINGS})
    assert [f for f in found if f[1] == "JOB601"] == [(6, "JOB601")]


def test_atomic_requests_in_a_dict_literal(tmp_path: Path) -> None:
    settings = "DATABASES = {'default': {'NAME': 'shop', 'ATOMIC_REQUESTS': True}}\n"
    found = findings(
        tmp_path, "celery", VIEW, "app/services/handlers.py", **{"proj/settings.py": settings}
    )
    assert [f for f in found if f[1] == "JOB601"] == [(6, "JOB601")]


def test_atomic_requests_false_is_silent(tmp_path: Path) -> None:
    settings = "DATABASES = {'default': {'NAME': 'shop', 'ATOMIC_REQUESTS': False}}\n"
    found = findings(
        tmp_path, "celery", VIEW, "app/services/handlers.py", **{"proj/settings.py": settings}
    )
    assert [f for f in found if f[1] == "JOB601"] == []


def test_unknown_context_manager_is_silent(tmp_path: Path) -> None:
    body = "{imports}\n\n\ndef sign_up(lock, uid):\n    with lock.acquire():\n        {enqueue}\n"
    assert findings(tmp_path, "runtime", body) == []


def _fixed(tmp_path: Path, source: str, code: str) -> str:
    target = tmp_path / "app/services/signup.py"
    fixes = [d.fix for d in lint_tree(tmp_path) if d.path == target and d.code == code]
    module = cst.parse_module(source)
    for fix in fixes:
        if fix is not None:
            module = fix.transform(module)
    return module.code


def test_fix_wraps_in_on_commit_and_adds_imports(tmp_path: Path) -> None:
    source = (
        "from django.db.transaction import atomic\n"
        "from app.jobs.send_email_job import SendEmailJob\n\n\n"
        "def sign_up(uid):\n"
        "    with atomic():\n"
        "        SendEmailJob.perform_later(uid, note='hi')\n"
    )
    write_tree(
        tmp_path,
        {
            "app/jobs/send_email_job.py": FRAMEWORKS["runtime"]["app/jobs/send_email_job.py"],
            "app/services/signup.py": source,
        },
    )
    assert _fixed(tmp_path, source, "JOB601") == (
        "from django.db.transaction import atomic\n"
        "from app.jobs.send_email_job import SendEmailJob\n"
        "from django.db import transaction\n"
        "from functools import partial\n\n\n"
        "def sign_up(uid):\n"
        "    with atomic():\n"
        "        transaction.on_commit(partial(SendEmailJob.perform_later, uid, note='hi'))\n"
    )


SIGN_UP = (
    "from django.db import transaction\n"
    "from app.jobs.send_email_job import send_email\n\n\n"
    "def sign_up(uid):\n"
    "    with transaction.atomic():\n"
    "        send_email.delay(uid)\n"
    "        send_email.apply_async((uid,), countdown=5)\n"
    "        result = send_email.delay(uid)\n"
)
DJANGO_TASKS = {
    "base=DjangoTask": (
        "from celery import Celery\n"
        "from celery.contrib.django.task import DjangoTask\n\n"
        "app = Celery('app')\n\n\n"
        "@app.task(base=DjangoTask, queue='mailers')\n"
        "def send_email(user_id):\n    pass\n"
    ),
    "a project base on DjangoTask": (
        "from celery import shared_task\n"
        "from app.base import AuditedTask\n\n\n"
        "@shared_task(base=AuditedTask, queue='mailers')\n"
        "def send_email(user_id):\n    pass\n"
    ),
    "the app's task_cls": (
        "from celery import Celery\n\n"
        "app = Celery('app', task_cls='app.base:AuditedTask')\n\n\n"
        "@app.task(queue='mailers')\n"
        "def send_email(user_id):\n    pass\n"
    ),
}
BASE_ON_DJANGO_TASK = (
    "from celery.contrib.django.task import DjangoTask\n\n\n"
    "class AuditedTask(DjangoTask):\n    pass\n"
)


@pytest.mark.parametrize("task", sorted(DJANGO_TASKS))
def test_fix_uses_delay_on_commit_where_the_task_is_a_django_task(
    tmp_path: Path, task: str
) -> None:
    write_tree(
        tmp_path,
        {
            "app/base.py": BASE_ON_DJANGO_TASK,
            "app/jobs/send_email_job.py": DJANGO_TASKS[task],
            "app/services/signup.py": SIGN_UP,
        },
    )
    messages = [d.message for d in lint_tree(tmp_path) if d.code == "JOB601"]
    assert len(messages) == 3
    assert all("_on_commit(...)`" in m for m in messages)
    fixed = _fixed(tmp_path, SIGN_UP, "JOB601")
    assert "        send_email.delay_on_commit(uid)\n" in fixed
    assert "        send_email.apply_async_on_commit((uid,), countdown=5)\n" in fixed
    assert "        result = send_email.delay(uid)\n" in fixed  # its result is used: no fix


# Tasks whose class is not known to be a `DjangoTask`: `*_on_commit` may not exist on them
# (an app's own `task_cls` on plain `celery.Task`, an older Celery, a Celery app outside
# Django's fixup), so the fix wraps the call in `transaction.on_commit(partial(...))`.
PLAIN_TASKS = {
    "the default task class": FRAMEWORKS["celery"]["app/jobs/send_email_job.py"],
    "a task_cls on celery.Task": (
        "from celery import Celery, Task\n\n\n"
        "class WriterTask(Task):\n    pass\n\n\n"
        "app = Celery('app', task_cls='app.jobs.send_email_job:WriterTask')\n\n\n"
        "@app.task(queue='mailers')\n"
        "def send_email(user_id):\n    pass\n"
    ),
    "a base from elsewhere": (
        "from celery import shared_task\n"
        "from tenants.celery import TenantTask\n\n\n"
        "@shared_task(base=TenantTask, queue='mailers')\n"
        "def send_email(user_id):\n    pass\n"
    ),
}


@pytest.mark.parametrize("task", sorted(PLAIN_TASKS))
def test_fix_wraps_in_on_commit_where_the_task_class_is_not_known(
    tmp_path: Path, task: str
) -> None:
    write_tree(
        tmp_path,
        {"app/jobs/send_email_job.py": PLAIN_TASKS[task], "app/services/signup.py": SIGN_UP},
    )
    messages = [d.message for d in lint_tree(tmp_path) if d.code == "JOB601"]
    assert len(messages) == 3
    assert not any("_on_commit(...)`" in m for m in messages)
    assert all("`transaction.on_commit(partial(...))`" in m for m in messages)
    fixed = _fixed(tmp_path, SIGN_UP, "JOB601")
    assert "_on_commit(" not in fixed.replace("transaction.on_commit(", "")
    assert "        transaction.on_commit(partial(send_email.delay, uid))\n" in fixed
    assert (
        "        transaction.on_commit(partial(send_email.apply_async, (uid,), countdown=5))\n"
        in fixed
    )
    assert "        result = send_email.delay(uid)\n" in fixed


def test_no_fix_outside_django_transactions(tmp_path: Path) -> None:
    source = (
        "from sqlalchemy.orm import Session\n"
        "from app.jobs.send_email_job import SendEmailJob\n\n\n"
        "def sign_up(session: Session, uid):\n"
        "    with session.begin():\n"
        "        SendEmailJob.perform_later(uid)\n"
    )
    files = {
        "app/jobs/send_email_job.py": FRAMEWORKS["runtime"]["app/jobs/send_email_job.py"],
        "app/services/signup.py": source,
    }
    found = diagnostics(tmp_path, files, "JOB601")
    assert [d.line for d in found] == [7] and found[0].fix is None


# -- JOB603 -------------------------------------------------------------------------

VIEW_BODY = "{imports}\n\n\n"


@pytest.mark.parametrize("framework", sorted(FRAMEWORKS))
def test_enqueue_in_a_views_module_per_framework(tmp_path: Path, framework: str) -> None:
    body = VIEW_BODY + _service(framework, "    {enqueue}\n")
    assert findings(tmp_path, framework, body, "app/views.py") == [(5, "JOB603")]


@pytest.mark.parametrize(
    "path",
    ["app/views/orders.py", "app/controllers/orders.py", "app/api/orders.py", "app/viewsets.py"],
)
def test_default_view_globs(tmp_path: Path, path: str) -> None:
    body = VIEW_BODY + _service("celery", "    {enqueue}\n")
    assert findings(tmp_path, "celery", body, path) == [(5, "JOB603")]


def test_request_parameter_makes_a_view(tmp_path: Path) -> None:
    body = (
        VIEW_BODY + "def create(request, uid):\n    {enqueue}\n\n\n"
        "class OrderViewSet:\n"
        "    def create(self, request, uid):\n"
        "        {enqueue}\n\n"
        "    def notify(self, uid):\n"
        "        {enqueue}\n"
    )
    assert findings(tmp_path, "dramatiq", body, "app/handlers.py") == [
        (5, "JOB603"),
        (10, "JOB603"),
    ]


@pytest.mark.parametrize(
    "path", ["app/services/orders.py", "app/tests/test_views.py", "tests/views.py"]
)
def test_services_and_tests_are_clean(tmp_path: Path, path: str) -> None:
    body = VIEW_BODY + "def create(request, uid):\n    {enqueue}\n"
    if "services" in path:
        body = VIEW_BODY + "def create(order, uid):\n    {enqueue}\n"
    assert findings(tmp_path, "runtime", body, path) == []


def _celery_module(*functions: str) -> str:
    return "from app.tasks import send_email\n" + "".join(
        f"\n\ndef {function}:\n    send_email.delay(1)\n" for function in functions
    )


CELERY_TASK = "from celery import shared_task\n\n\n@shared_task\ndef send_email(uid):\n    pass\n"


def test_enqueueing_from_views_by_design_is_reported_once(tmp_path: Path) -> None:
    """Most of the project's enqueues in views: the project's design, one finding."""
    files = {
        "app/tasks.py": CELERY_TASK,
        "app/views.py": _celery_module("create(request)", "update(request)"),
        "app/api/orders.py": _celery_module("refund(request)"),
        "app/services/mail.py": _celery_module("remind(uid)"),
    }
    found = diagnostics(tmp_path, files, "JOB603")
    assert [(d.path.relative_to(tmp_path).as_posix(), d.line) for d in found] == [
        ("app/api/orders.py", 5)
    ]
    assert found[0].message.startswith(
        "3 of the project's 4 enqueues are in views, so the project enqueues from its views "
        "by design"
    )
    assert found[0].message.endswith(
        '`ignore = ["JOB603"]` in [tool.joblint] (reported once, not once per enqueue)'
    )


def test_enqueueing_from_views_against_the_projects_habit_is_reported_each(
    tmp_path: Path,
) -> None:
    files = {
        "app/tasks.py": CELERY_TASK,
        "app/views.py": _celery_module("create(request)", "update(request)"),
        "app/api/orders.py": _celery_module("refund(request)"),
        "app/services/mail.py": _celery_module("remind(uid)", "nag(uid)", "greet(uid)"),
    }
    found = diagnostics(tmp_path, files, "JOB603")
    assert [(d.path.relative_to(tmp_path).as_posix(), d.line) for d in found] == [
        ("app/api/orders.py", 5),
        ("app/views.py", 5),
        ("app/views.py", 9),
    ]


def test_view_paths_setting(tmp_path: Path) -> None:
    body = VIEW_BODY + "def create(order, uid):\n    {enqueue}\n"
    settings = Settings(project_root=tmp_path, view_paths=("**/endpoints/**",))
    assert findings(tmp_path, "celery", body, "app/endpoints/x.py", settings) == [(5, "JOB603")]
    assert findings(tmp_path, "celery", body, "app/views.py", settings) == []


MONOREPO_TASKS = (
    "from celery import shared_task\n\n\n"
    "@shared_task(queue='mailers')\n"
    "def send_receipt(order_id: int) -> None:\n"
    "    pass\n\n\n"
    "def resend_receipts(order_ids: list[int]) -> None:\n"
    "    for order_id in order_ids:\n"
    "        send_receipt.delay(order_id)\n"
)
MONOREPO_ENQUEUE = (
    "from shop.tasks import send_receipt\n\n\n"
    "def resend(order_id: int) -> None:\n"
    "    send_receipt.delay(order_id)\n"
)


def _monorepo(root: Path, config: str = "[tool.joblint]\n") -> list[tuple[str, int]]:
    """A Django project under ``apps/api/`` (folders without ``__init__.py``: ``shop``
    is imported from ``apps/api``), with the pyproject at the monorepo's root."""
    files = {
        "pyproject.toml": config,
        "apps/api/manage.py": "import sys\n",
        "apps/api/shop/__init__.py": "",
        "apps/api/shop/tasks.py": MONOREPO_TASKS,
        "apps/api/shop/mixins.py": MONOREPO_ENQUEUE,
        "apps/api/shop/management/__init__.py": "",
        "apps/api/shop/management/commands/__init__.py": "",
        "apps/api/shop/management/commands/resend.py": MONOREPO_ENQUEUE,
        "apps/api/shop/api/__init__.py": "",
        "apps/api/shop/api/views.py": MONOREPO_ENQUEUE,
        "apps/api/shop/endpoints/__init__.py": "",
        "apps/api/shop/endpoints/orders.py": MONOREPO_ENQUEUE,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    settings = load_settings(root / "pyproject.toml", root)
    return sorted(
        (d.path.relative_to(root).as_posix(), d.line)
        for d in lint_tree(root, settings, enabled={"JOB603"})
    )


def test_view_globs_match_the_module_path_not_the_folders_above_its_package(
    tmp_path: Path,
) -> None:
    """``**/api/**`` is about ``shop/api/``, not the monorepo's ``apps/api/`` that holds
    the whole project: its tasks, mixins and commands are no views."""
    assert _monorepo(tmp_path) == [("apps/api/shop/api/views.py", 5)]


def test_view_globs_from_the_project_root_still_match(tmp_path: Path) -> None:
    config = '[tool.joblint]\nview-paths = ["apps/api/shop/endpoints/**", "shop/api/**"]\n'
    assert _monorepo(tmp_path, config) == [
        ("apps/api/shop/api/views.py", 5),
        ("apps/api/shop/endpoints/orders.py", 5),
    ]


def test_negated_view_globs_hold_for_the_path_from_the_project_root(tmp_path: Path) -> None:
    config = '[tool.joblint]\nview-paths = ["apps/api/shop/*.py", "!**/tasks.py"]\n'
    assert _monorepo(tmp_path, config) == [("apps/api/shop/mixins.py", 5)]


# -- JOB605 -------------------------------------------------------------------------

SYNC_EXPECTED = {
    "runtime": [(5, "JOB605")],
    "celery": [(5, "JOB605")],
    "dramatiq": [(5, "JOB605")],
    "huey": [(5, "JOB605")],
    "django-tasks": [(5, "JOB605")],
    "procrastinate": [(5, "JOB605")],
}


@pytest.mark.parametrize("framework", sorted(SYNC_EXPECTED))
def test_synchronous_call_per_framework(tmp_path: Path, framework: str) -> None:
    body = VIEW_BODY + "def run(uid):\n    {sync}\n"
    assert findings(tmp_path, framework, body) == SYNC_EXPECTED[framework]


@pytest.mark.parametrize(
    "path", ["tests/test_signup.py", "app/tests/helpers.py", "app/signup_test.py", "conftest.py"]
)
def test_synchronous_call_in_tests_is_clean(tmp_path: Path, path: str) -> None:
    body = VIEW_BODY + "def run(uid):\n    {sync}\n"
    assert findings(tmp_path, "runtime", body, path) == []


def test_test_paths_setting(tmp_path: Path) -> None:
    body = VIEW_BODY + "def run(uid):\n    {sync}\n"
    settings = Settings(project_root=tmp_path, test_paths=("spec/**",))
    assert findings(tmp_path, "celery", body, "spec/signup.py", settings) == []
    assert findings(tmp_path, "celery", body, "tests/test_x.py", settings) == [(5, "JOB605")]


@pytest.mark.parametrize(
    ("framework", "call", "fixed"),
    [
        ("runtime", "SendEmailJob.perform_now(uid)", "SendEmailJob.perform_later(uid)"),
        ("celery", "send_email(uid)", "send_email.delay(uid)"),
        ("celery", "send_email.apply((uid,))", "send_email.apply_async((uid,))"),
        ("dramatiq", "send_email(uid)", "send_email.send(uid)"),
        ("django-tasks", "send_email.call(uid)", "send_email.enqueue(uid)"),
        ("huey", "send_email.call_local(uid)", None),
        ("celery", "send_email.apply((uid,), throw=True)", None),
    ],
)
def test_synchronous_fixes(tmp_path: Path, framework: str, call: str, fixed: str | None) -> None:
    spec = FRAMEWORKS[framework]
    source = f"{spec['import']}\n\n\ndef run(uid):\n    {call}\n"
    files = {
        "app/jobs/send_email_job.py": spec["app/jobs/send_email_job.py"],
        "app/services/signup.py": source,
    }
    found = diagnostics(tmp_path, files, "JOB605")
    assert len(found) == 1
    if fixed is None:
        assert found[0].fix is None
    else:
        assert _fixed(tmp_path, source, "JOB605").endswith(f"    {fixed}\n")


# Code that shows the job runs in the caller on purpose: no finding, and so no fix that
# would turn a deliberate inline run into an enqueue.
DELIBERATELY_INLINE = {
    "a function named for synchronous delivery": (
        "app/services/signup.py",
        "def _deliver_welcome_sync(uids):\n"
        "    for uid in uids:\n"
        "        try:\n"
        "            send_email.apply(kwargs={'user_id': uid})\n"
        "        except Exception:\n"
        "            pass\n",
    ),
    "a comment above saying so": (
        "app/services/signup.py",
        "def resend(uid):\n"
        "    # Runs synchronously on purpose: the caller reports the outcome.\n"
        "    send_email(uid)\n",
    ),
    "a comment above a seeding step": (
        "app/utils/sample_data.py",
        "def create_sample_users(count):\n"
        "    # beat normally sends the welcome; we trigger it manually for the samples\n"
        "    send_email(count)\n",
    ),
    "a comment heading the paragraph": (
        "app/utils/sample_data.py",
        "def create_sample_users(count):\n"
        "    # we run both by hand here, for the samples\n"
        "    send_email(count)\n"
        "    send_email(count + 1)\n",
    ),
    "a comment on the line": (
        "app/services/signup.py",
        "def resend(uid):\n    send_email(uid)  # inline, deliberately\n",
    ),
    "a docstring saying so": (
        "app/services/signup.py",
        'def resend(uid):\n    """Deliver in-process, for the admin preview."""\n'
        "    send_email(uid)\n",
    ),
    "a management command": (
        "app/management/commands/send_welcome.py",
        "from django.core.management.base import BaseCommand\n\n\n"
        "class Command(BaseCommand):\n"
        "    def handle(self, *args, **options):\n"
        "        send_email(options['uid'])\n",
    ),
    "except Retry around it": (
        "app/services/signup.py",
        "from celery.exceptions import Retry\n\n\n"
        "def resend(uid):\n"
        "    try:\n"
        "        send_email.apply((uid,))\n"
        "    except Retry:\n"
        "        schedule_later(uid)\n",
    ),
    "another job's body": (
        "app/jobs/send_digest_job.py",
        "from app.jobs.send_email_job import app\n\n\n"
        "@app.task(queue='mailers')\n"
        "def send_digest(uid):\n"
        "    send_email(uid)\n",
    ),
    "a lambda argument": (
        "app/services/signup.py",
        "def resend(uid):\n    send_email(uid, format=lambda text: text.upper())\n",
    ),
}


@pytest.mark.parametrize("shape", sorted(DELIBERATELY_INLINE))
def test_deliberately_inline_calls_are_clean(tmp_path: Path, shape: str) -> None:
    path, body = DELIBERATELY_INLINE[shape]
    spec = FRAMEWORKS["celery"]
    files = {
        "app/jobs/send_email_job.py": spec["app/jobs/send_email_job.py"],
        path: f"{spec['import']}\n{body}",
    }
    assert diagnostics(tmp_path, files, "JOB605") == []


@pytest.mark.parametrize(
    "body",
    [
        # "sync" first is the verb of a job that synchronises data, not a mode.
        "def sync_profiles(uid):\n    send_email(uid)\n",
        # A comment about something else.
        "def resend(uid):\n    # The welcome email.\n    send_email(uid)\n",
        # A comment heading another paragraph, or the block above.
        "def resend(uid):\n    # run by hand\n    print(uid)\n\n    send_email(uid)\n",
        "def resend(uid):\n    # run by hand\n    if uid:\n        send_email(uid)\n",
        "def resend(uid):\n    try:\n        send_email(uid)\n    except ValueError:\n"
        "        pass\n",
    ],
)
def test_inline_calls_without_such_signs_are_flagged(tmp_path: Path, body: str) -> None:
    spec = FRAMEWORKS["celery"]
    files = {
        "app/jobs/send_email_job.py": spec["app/jobs/send_email_job.py"],
        "app/services/signup.py": f"{spec['import']}\n{body}",
    }
    assert len(diagnostics(tmp_path, files, "JOB605")) == 1


@pytest.mark.parametrize(
    "call",
    ["total = send_email(uid)", "return send_email.apply((uid,)).get()", "print(send_email(uid))"],
)
def test_no_finding_where_the_result_is_used(tmp_path: Path, call: str) -> None:
    """The caller needs the job's result now (an API that returns it): an enqueue, which
    returns a handle, could not give it, so running it inline is the point."""
    spec = FRAMEWORKS["celery"]
    files = {
        "app/jobs/send_email_job.py": spec["app/jobs/send_email_job.py"],
        "app/services/signup.py": f"{spec['import']}\n\n\ndef run(uid):\n    {call}\n",
    }
    assert diagnostics(tmp_path, files, "JOB605") == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # The broker switch: running inline is the other branch's deliberate fallback.
        ("if settings.USE_BROKER:\n        send_email.delay(uid)\n"
         "    else:\n        send_email(uid)\n", []),
        ("if not settings.USE_BROKER:\n        send_email(uid)\n"
         "    else:\n        send_email.apply_async((uid,))\n", []),
        # An enqueue not shown to be of the same job, or none: still flagged.
        ("if settings.USE_BROKER:\n        other.delay(uid)\n"
         "    else:\n        send_email(uid)\n", [(10, "JOB605")]),
        ("if settings.FAST:\n        send_email(uid)\n", [(8, "JOB605")]),
        # The same branch, not a fallback.
        ("if settings.USE_BROKER:\n        send_email.delay(uid)\n"
         "        send_email(uid)\n", [(9, "JOB605")]),
    ],
)  # fmt: skip
def test_inline_fallback_beside_an_enqueue_is_clean(
    tmp_path: Path, body: str, expected: list[tuple[int, str]]
) -> None:
    spec = FRAMEWORKS["celery"]
    source = (
        f"{spec['import']}\nfrom django.conf import settings\n\nother = send_email\n\n"
        f"def run(uid):\n    {body}"
    )
    files = {
        "app/jobs/send_email_job.py": spec["app/jobs/send_email_job.py"],
        "app/services/signup.py": source,
    }
    found = diagnostics(tmp_path, files, "JOB605")
    assert [(d.line, d.code) for d in found] == expected


# -- JOB606 -------------------------------------------------------------------------

LOOP_EXPECTED = {
    "runtime": [(6, "JOB606")],
    # Celery's group publishes one message per task: no bulk API to point to
    "celery": [],
    "rq": [(6, "JOB606")],
    "procrastinate": [(6, "JOB606")],
    "dramatiq": [],
    "huey": [],
    "django-tasks": [],
    "arq": [],
}


@pytest.mark.parametrize("framework", sorted(LOOP_EXPECTED))
def test_enqueue_in_loop_per_framework(tmp_path: Path, framework: str) -> None:
    head = "async def" if framework in ASYNC else "def"
    body = VIEW_BODY + f"{head} notify(pool, uids):\n    for uid in uids:\n        {{enqueue}}\n"
    assert findings(tmp_path, framework, body) == LOOP_EXPECTED[framework]


def test_enqueue_in_comprehension(tmp_path: Path) -> None:
    body = VIEW_BODY + "def notify(uids):\n    return [{enqueue} for uid in uids]\n"
    assert findings(tmp_path, "runtime", body) == [(5, "JOB606")]


@pytest.mark.parametrize(
    "loop",
    [
        "for chunk in chunked(uids, 1000):",
        "for batch in batches:",
        "for ids in paginate(uids):",
        "for part in uids[::100]:",  # not named: flagged
    ],
)
def test_one_enqueue_per_chunk_is_the_batching(tmp_path: Path, loop: str) -> None:
    body = (
        "{imports}\n\n\n"
        f"def notify(uids, batches, chunked, paginate):\n    {loop}\n        {{enqueue}}\n"
    )
    expected = [(6, "JOB606")] if "part" in loop else []
    assert findings(tmp_path, "runtime", body) == expected


LOOP_SAFE = {
    "bulk api": (
        "runtime",
        "from joblint.runtime import perform_all_later\n{imports}\n\n\n"
        "def notify(uids):\n    perform_all_later([SendEmailJob(1), SendEmailJob(2)])\n",
    ),
    "celery group": (
        "celery",
        "from celery import group\n{imports}\n\n\n"
        "def notify(uids):\n    group(send_email.s(uid) for uid in uids).apply_async()\n",
    ),
    "while loop": (
        "runtime",
        "{imports}\n\n\n"
        "def drain(inbox):\n    while inbox:\n        uid = inbox.pop()\n        {enqueue}\n",
    ),
    "loop header": (
        "runtime",
        "{imports}\n\n\ndef notify(uids):\n    for uid in [{enqueue}]:\n        print(uid)\n",
    ),
    "rq enqueue_many": (
        "rq",
        "from rq import Queue\n{imports}\n\n\n"
        "def notify(uids):\n"
        "    queue.enqueue_many([Queue.prepare_data(send_email, (uid,)) for uid in uids])\n",
    ),
}


@pytest.mark.parametrize("form", sorted(LOOP_SAFE))
def test_loop_safe_forms(tmp_path: Path, form: str) -> None:
    framework, body = LOOP_SAFE[form]
    assert findings(tmp_path, framework, body) == []


# -- JOB607 -------------------------------------------------------------------------


def test_on_commit_results_used(tmp_path: Path) -> None:
    body = (
        "from django.db import transaction\n{imports}\n\n\n"
        "def sign_up(uid):\n"
        "    result = send_email.delay_on_commit(uid)\n"
        "    handle = transaction.on_commit(lambda: send_email.delay(uid))\n"
        "    return send_email.apply_async_on_commit((uid,)).id\n"
    )
    assert findings(tmp_path, "celery", body) == [(6, "JOB607"), (7, "JOB607"), (8, "JOB607")]


def test_on_commit_statements_are_clean(tmp_path: Path) -> None:
    body = (
        "from django.db import transaction\n{imports}\n\n\n"
        "def sign_up(uid):\n"
        "    send_email.delay_on_commit(uid)\n"
        "    transaction.on_commit(lambda: send_email.delay(uid))\n"
        "    transaction.on_commit(lambda: send_email.delay_on_commit(uid))\n"
        "    result = send_email.delay(uid)\n"
        "    return result\n"
    )
    assert findings(tmp_path, "celery", body) == []


def test_a_project_on_commit_is_not_djangos(tmp_path: Path) -> None:
    body = (
        "{imports}\n\n\n"
        "def on_commit(callback):\n    return callback\n\n\n"
        "def sign_up(uid):\n"
        "    handle = on_commit(lambda: send_email.delay(uid))\n"
        "    return handle\n"
    )
    assert findings(tmp_path, "celery", body) == []


# -- JOB604 -------------------------------------------------------------------------

MODELS = (
    "from django.db import models\n"
    "{imports}\n\n\n"
    "class Order(models.Model):\n"
    "    def save(self, *args, **kwargs):\n"
    "        super().save(*args, **kwargs)\n"
    "        uid = self.pk\n"
    "        {enqueue}\n"
)


@pytest.mark.parametrize("framework", sorted(FRAMEWORKS))
def test_enqueue_in_model_save_per_framework(tmp_path: Path, framework: str) -> None:
    body = MODELS
    if framework in ASYNC:  # arq enqueues with await: a save hook cannot
        body = MODELS.replace("{enqueue}", "pass")
    expected = [] if framework in ASYNC else [(9, "JOB604")]
    assert findings(tmp_path, framework, body, "app/models.py") == expected


def test_receivers_decorated_and_connected(tmp_path: Path) -> None:
    body = (
        "from django.db.models.signals import post_save, pre_save\n"
        "from django.dispatch import receiver\n"
        "{imports}\n\n\n"
        "@receiver(post_save, sender='app.Order')\n"
        "def on_saved(sender, instance, **kwargs):\n"
        "    uid = instance.pk\n"
        "    {enqueue}\n\n\n"
        "@receiver([pre_save], sender='app.Order')\n"
        "def before_saved(sender, instance, **kwargs):\n"
        "    uid = instance.pk\n"
        "    {enqueue}\n\n\n"
        "def connected(sender, instance, **kwargs):\n"
        "    uid = instance.pk\n"
        "    {enqueue}\n"
    )
    apps = (
        "from django.apps import AppConfig\n"
        "from django.db.models.signals import post_save\n\n"
        "from app.signals import connected\n\n\n"
        "class ShopConfig(AppConfig):\n"
        "    def ready(self):\n"
        "        post_save.connect(connected, sender='app.Order')\n"
    )
    found = findings(tmp_path, "runtime", body, "app/signals.py", **{"app/apps.py": apps})
    assert found == [(9, "JOB604"), (15, "JOB604"), (20, "JOB604")]


SAVE_SAFE = {
    "on_commit in save": (
        "from django.db import models, transaction\n{imports}\n\n\n"
        "class Order(models.Model):\n"
        "    def save(self, *args, **kwargs):\n"
        "        super().save(*args, **kwargs)\n"
        "        uid = self.pk\n"
        "        transaction.on_commit(lambda: {enqueue})\n"
    ),
    "save of a form": (
        "{imports}\n\n\nclass OrderForm:\n    def save(self, uid):\n        {enqueue}\n"
    ),
    "other signal": (
        "from django.db.models.signals import post_delete\n"
        "from django.dispatch import receiver\n{imports}\n\n\n"
        "@receiver(post_delete, sender='app.Order')\n"
        "def on_deleted(sender, instance, **kwargs):\n"
        "    uid = instance.pk\n"
        "    {enqueue}\n"
    ),
    "delay_on_commit in receiver": (
        "from django.db.models.signals import post_save\n"
        "from django.dispatch import receiver\n"
        "from app.jobs.send_email_job import send_email\n\n\n"
        "@receiver(post_save, sender='app.Order')\n"
        "def on_saved(sender, instance, **kwargs):\n"
        "    send_email.delay_on_commit(instance.pk)\n"
    ),
}


@pytest.mark.parametrize("form", sorted(SAVE_SAFE))
def test_save_hook_safe_forms(tmp_path: Path, form: str) -> None:
    framework = "celery" if "delay_on_commit" in form else "runtime"
    assert findings(tmp_path, framework, SAVE_SAFE[form], "app/models.py") == []


def test_save_hook_fix(tmp_path: Path) -> None:
    source = (
        "from django.db import models\n"
        "from app.jobs.send_email_job import SendEmailJob\n\n\n"
        "class Order(models.Model):\n"
        "    def save(self, *args, **kwargs):\n"
        "        super().save(*args, **kwargs)\n"
        "        SendEmailJob.perform_later(self.pk)\n"
    )
    write_tree(
        tmp_path,
        {
            "app/jobs/send_email_job.py": FRAMEWORKS["runtime"]["app/jobs/send_email_job.py"],
            "app/services/signup.py": source,
        },
    )
    assert _fixed(tmp_path, source, "JOB604").endswith(
        "        transaction.on_commit(partial(SendEmailJob.perform_later, self.pk))\n"
    )


# -- JOB608 -------------------------------------------------------------------------

LATE = (
    "from django.db import transaction\n{imports}\n\n\n"
    "def notify(uids):\n"
    "    for uid in uids:\n"
    "        transaction.on_commit(lambda: {enqueue})\n"
)


@pytest.mark.parametrize("framework", sorted(set(FRAMEWORKS) - ASYNC))
def test_late_binding_per_framework(tmp_path: Path, framework: str) -> None:
    found = [f for f in findings(tmp_path, framework, LATE) if f[1] == "JOB608"]
    assert found == [(7, "JOB608")]


LATE_SAFE = {
    "partial": "        transaction.on_commit(partial(send_email.enqueue, uid))\n",
    "default argument": "        transaction.on_commit(lambda uid=uid: send_email.enqueue(uid))\n",
    "outside the loop": (
        "        pass\n    transaction.on_commit(lambda: send_email.enqueue(uids))\n"
    ),
    "not a loop variable": (
        "        pass\n"
        "    total = 1\n"
        "    transaction.on_commit(lambda: send_email.enqueue(total))\n"
    ),
}


@pytest.mark.parametrize("form", sorted(LATE_SAFE))
def test_late_binding_safe_forms(tmp_path: Path, form: str) -> None:
    body = (
        "from functools import partial\nfrom django.db import transaction\n{imports}\n\n\n"
        "def notify(uids):\n    for uid in uids:\n" + LATE_SAFE[form]
    )
    assert findings(tmp_path, "django-tasks", body) == []


def test_late_binding_fix(tmp_path: Path) -> None:
    source = (
        "from django.db import transaction\n"
        "from app.jobs.send_email_job import send_email\n\n\n"
        "def notify(users):\n"
        "    for user in users:\n"
        "        transaction.on_commit(lambda: send_email.enqueue(user, 'welcome'))\n"
        "        transaction.on_commit(lambda: send_email.enqueue(compute(user)))\n"
        "        transaction.on_commit(lambda: send_email.enqueue(user.pk))\n"
        "        user.save()\n"
    )
    write_tree(
        tmp_path,
        {
            "app/jobs/send_email_job.py": FRAMEWORKS["django-tasks"]["app/jobs/send_email_job.py"],
            "app/services/signup.py": source,
        },
    )
    found = diagnostics(tmp_path, {}, "JOB608")
    assert [d.line for d in found] == [7, 8, 9]
    assert found[1].fix is None  # `compute(user)` would run at once: no fix
    # `user.pk` would be read before `user.save()` gives the row its pk: no fix
    assert found[2].fix is None
    assert _fixed(tmp_path, source, "JOB608") == (
        "from django.db import transaction\n"
        "from app.jobs.send_email_job import send_email\n"
        "from functools import partial\n\n\n"
        "def notify(users):\n"
        "    for user in users:\n"
        "        transaction.on_commit(partial(send_email.enqueue, user, 'welcome'))\n"
        "        transaction.on_commit(lambda: send_email.enqueue(compute(user)))\n"
        "        transaction.on_commit(lambda: send_email.enqueue(user.pk))\n"
        "        user.save()\n"
    )


def test_fix_applicability(tmp_path: Path) -> None:
    source = (
        "from django.db import transaction\n"
        "from app.jobs.send_email_job import send_email\n\n\n"
        "def notify(uids):\n"
        "    with transaction.atomic():\n"
        "        send_email.enqueue(1)\n"
        "        for uid in uids:\n"
        "            transaction.on_commit(lambda: send_email.enqueue(uid))\n"
        "    send_email.call(2)\n"
    )
    files = {
        "app/jobs/send_email_job.py": FRAMEWORKS["django-tasks"]["app/jobs/send_email_job.py"],
        "app/services/signup.py": source,
    }
    write_tree(tmp_path, files)
    found = {
        d.code: d.fix.applicability.value
        for d in lint_tree(tmp_path)
        if d.fix is not None and d.code.startswith("JOB6")
    }
    assert found == {"JOB601": "unsafe", "JOB605": "unsafe", "JOB608": "safe"}


def test_synchronous_look_alikes_are_silent(tmp_path: Path) -> None:
    body = (
        "{imports}\n\n\n"
        "def run(job, client, uid):\n"
        "    job.perform_now(uid)\n"
        "    client.apply((uid,))\n"
        "    SendEmailJob.perform_later(uid)\n"
    )
    assert findings(tmp_path, "runtime", body) == []


def test_placement_settings_are_read_from_pyproject(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text(
        '[tool.joblint]\nview-paths = ["**/endpoints/**"]\ntest-paths = ["spec/**"]\n',
        encoding="utf-8",
    )
    settings = load_settings(config, tmp_path)
    assert settings.view_paths == ("**/endpoints/**",)
    assert settings.test_paths == ("spec/**",)
    assert "**/views.py" in load_settings(None, tmp_path).view_paths


def test_a_signature_sent_on_the_spot_is_an_enqueue(tmp_path: Path) -> None:
    body = (
        "from django.db import transaction\n{imports}\n\n\n"
        "def sign_up(uids):\n"
        "    with transaction.atomic():\n"
        "        send_email.s(1).delay()\n"
        "        send_email.si(2).apply_async(countdown=5)\n"
        "        later = send_email.s(3)\n"
        "    for uid in uids:\n"
        "        send_email.s(uid).delay()\n"
    )
    assert findings(tmp_path, "celery", body) == [(7, "JOB601"), (8, "JOB601")]
