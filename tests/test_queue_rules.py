"""JOB301, JOB302, JOB702, JOB703 beyond their pages: where the project's queues come
from, the forms each framework writes a queue in, the safe forms that must stay silent, the
unsafe fix, and when a job without a queue is the project's one queue rather than a job
left unplaced."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from lint_support import write_tree

from joblint.analysis.queues import known_queues
from joblint.config import Settings, load_settings
from joblint.diagnostics import Applicability, Diagnostic
from joblint.engine.linter import Linter
from joblint.rules import ALL_RULES


def _lint_tree(root: Path, settings: Settings | None = None) -> list[Diagnostic]:
    """Every rule, and no rule may fail: an internal error would otherwise pass unseen."""
    settings = settings or Settings(project_root=root)
    linter = Linter(settings, enabled=frozenset(rule.code for rule in ALL_RULES))
    results = list(linter.lint_paths([root]))
    assert [r for r in results if not isinstance(r, Diagnostic)] == []
    return [r for r in results if isinstance(r, Diagnostic)]


WORKERS = "workers:\n  - queues: [billing, mailers]\n  - queues: [reports*]\n"
JOB = (
    "from joblint.runtime import Job\n\n\n"
    "class ChargeCardJob(Job):\n"
    "    queue_as = {queue!r}\n\n"
    "    def perform(self, order_id: int) -> None:\n"
    "        ...\n"
)


def _lint(root: Path, files: dict[str, str], codes: tuple[str, ...]) -> list[Diagnostic]:
    write_tree(root, files)
    config = root / "pyproject.toml"
    settings = load_settings(config, root) if config.exists() else Settings(project_root=root)
    return [d for d in _lint_tree(root, settings) if d.code in codes]


def _found(findings: list[Diagnostic], root: Path) -> list[tuple[str, int, str]]:
    return [(d.path.relative_to(root).as_posix(), d.line, d.code) for d in findings]


def test_unknown_queue_says_which_name_was_meant_and_fixes_it(tmp_path: Path) -> None:
    findings = _lint(
        tmp_path,
        {"config/queue.yml": WORKERS, "jobs/charge_card_job.py": JOB.format(queue="biling")},
        ("JOB302", "JOB702"),
    )
    assert _found(findings, tmp_path) == [("jobs/charge_card_job.py", 5, "JOB302")]
    (finding,) = findings
    assert "did you mean `billing`?" in finding.message
    assert "workers in config/queue.yml" in finding.message
    assert (finding.line, finding.column) == (5, 16)
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE
    source = (tmp_path / "jobs/charge_card_job.py").read_text(encoding="utf-8")
    fixed = finding.fix.transform(cst.parse_module(source)).code
    assert "queue_as = 'billing'" in fixed
    assert finding.fix.transform(cst.parse_module(fixed)).code == fixed


def test_unknown_queue_without_a_close_name_has_no_fix(tmp_path: Path) -> None:
    findings = _lint(
        tmp_path,
        {"config/queue.yml": WORKERS, "jobs/charge_card_job.py": JOB.format(queue="zzz")},
        ("JOB302",),
    )
    assert [d.fix for d in findings] == [None]
    assert "did you mean" not in findings[0].message


@pytest.mark.parametrize(
    "queue",
    ["billing", "mailers", "reports_weekly", "reports"],
    ids=["listed", "listed-second", "prefix-wildcard", "prefix-itself"],
)
def test_known_queues_are_clean(tmp_path: Path, queue: str) -> None:
    files = {"config/queue.yml": WORKERS, "jobs/charge_card_job.py": JOB.format(queue=queue)}
    assert _lint(tmp_path, files, ("JOB302", "JOB702")) == []


def test_silent_without_any_queue_source(tmp_path: Path) -> None:
    files = {"jobs/charge_card_job.py": JOB.format(queue="anything")}
    assert _lint(tmp_path, files, ("JOB302", "JOB702", "JOB703")) == []


def test_silent_for_a_worker_serving_every_queue(tmp_path: Path) -> None:
    files = {
        "config/queue.yml": "workers:\n  - queues: '*'\n",
        "jobs/charge_card_job.py": JOB.format(queue="anything"),
    }
    assert _lint(tmp_path, files, ("JOB302", "JOB702", "JOB703")) == []


def test_silent_for_queues_computed_at_run_time(tmp_path: Path) -> None:
    files = {
        "config/queue.yml": WORKERS,
        "jobs/charge_card_job.py": (
            "from joblint.runtime import Job\n\n\n"
            "class ChargeCardJob(Job):\n"
            "    def queue_as(self) -> str:\n"
            "        return self.arguments[0]\n\n"
            "    def perform(self, order_id: int) -> None:\n"
            "        ...\n\n\n"
            "def later(name: str) -> None:\n"
            "    ChargeCardJob.set(queue=name).perform_later(1)\n"
            "    ChargeCardJob.set(queue=f'{name}x').perform_later(1)\n"
        ),
    }
    assert _lint(tmp_path, files, ("JOB302", "JOB702", "JOB703")) == []


def test_every_literal_a_queue_as_method_returns_is_checked(tmp_path: Path) -> None:
    source = (
        "from joblint.runtime import Job\n\n\n"
        "class ChargeCardJob(Job):\n"
        "    def queue_as(self) -> str:\n"
        "        if self.arguments[0] > 100:\n"
        "            return 'biling'\n"
        "        if self.arguments[0] > 10:\n"
        "            return 'mailers' if self.arguments[1] else 'mailer'\n"
        "        def helper() -> str:\n"
        "            return 'nested'\n"
        "        return self.arguments[2] or helper()\n\n"
        "    def perform(self, amount: int, mail: bool, queue: str) -> None:\n"
        "        ...\n"
    )
    findings = _lint(
        tmp_path, {"config/queue.yml": WORKERS, "jobs/charge_card_job.py": source}, ("JOB302",)
    )
    assert [(d.line, d.column) for d in findings] == [(7, 20), (9, 56)]
    assert "did you mean `billing`?" in findings[0].message
    assert "did you mean `mailers`?" in findings[1].message


def test_queues_from_pyproject_and_queue_without_worker(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[tool.joblint]\nqueues = ["billing", "exports"]\n',
        "config/queue.yml": "workers:\n  - queues: [billing]\n",
        "jobs/charge_card_job.py": JOB.format(queue="exports"),
    }
    findings = _lint(tmp_path, files, ("JOB302", "JOB702"))
    assert _found(findings, tmp_path) == [("jobs/charge_card_job.py", 5, "JOB702")]
    assert "config/queue.yml" in findings[0].message
    known = known_queues(load_settings(tmp_path / "pyproject.toml", tmp_path))
    assert [source.description for source in known.sources] == [
        "`queues` in [tool.joblint]",
        "workers in config/queue.yml",
    ]


def test_pyproject_queues_alone_drive_job302_but_not_job702(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[tool.joblint]\nqueues = ["billing"]\n',
        "jobs/charge_card_job.py": JOB.format(queue="bilingg"),
    }
    assert [d.code for d in _lint(tmp_path, files, ("JOB302", "JOB702"))] == ["JOB302"]


def test_queue_config_setting_moves_the_file(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[tool.joblint]\nqueue-config = "deploy/queue.yml"\n',
        "deploy/queue.yml": WORKERS,
        "jobs/charge_card_job.py": JOB.format(queue="biling"),
    }
    assert [d.code for d in _lint(tmp_path, files, ("JOB302",))] == ["JOB302"]


FRAMEWORK_CASES = {
    "celery": (
        "from celery import Celery\n\napp = Celery('shop')\n\n\n"
        "@app.task(queue='biling')  # JOB302\n"
        "def charge_card(order_id: int) -> None:\n    ...\n\n\n"
        "def later() -> None:\n"
        "    charge_card.apply_async((1,), queue='mailer')  # JOB302\n"
        "    charge_card.apply_async((1,), queue='mailers')\n"
    ),
    "dramatiq": (
        "import dramatiq\n\n\n"
        "@dramatiq.actor(queue_name='biling')  # JOB302\n"
        "def charge_card(order_id: int) -> None:\n    ...\n"
    ),
    "django-tasks": (
        "from django.tasks import task\n\n\n"
        "@task(queue_name='biling')  # JOB302\n"
        "def charge_card(order_id: int) -> None:\n    ...\n"
    ),
    "procrastinate": (
        "from procrastinate import App\n\napp = App(connector=None)\n\n\n"
        "@app.task(queue='biling')  # JOB302\n"
        "def charge_card(order_id: int) -> None:\n    ...\n"
    ),
    "runtime": (
        "from joblint.runtime import Job\n\n\n"
        "class ChargeCardJob(Job):\n"
        "    queue_as = 'biling'  # JOB302\n\n"
        "    def perform(self, order_id: int) -> None:\n        ...\n\n\n"
        "ChargeCardJob.set(queue='mailer').perform_later(1)  # JOB302\n"
    ),
}


@pytest.mark.parametrize("framework", sorted(FRAMEWORK_CASES))
def test_unknown_queue_per_framework(tmp_path: Path, framework: str) -> None:
    source = FRAMEWORK_CASES[framework]
    findings = _lint(
        tmp_path, {"config/queue.yml": WORKERS, "jobs/charge_card.py": source}, ("JOB302",)
    )
    expected = [
        number for number, line in enumerate(source.splitlines(), 1) if line.endswith("JOB302")
    ]
    assert [d.line for d in findings] == expected


def test_unused_worker_queue(tmp_path: Path) -> None:
    files = {
        "config/queue.yml": "workers:\n  - queues: [billing, invoices, reports*]\n",
        "jobs/charge_card_job.py": JOB.format(queue="billing"),
    }
    findings = _lint(tmp_path, files, ("JOB703",))
    assert _found(findings, tmp_path) == [("config/queue.yml", 2, "JOB703")]
    assert findings[0].column == 23
    assert "`invoices`" in findings[0].message


def test_unused_worker_queue_counts_defaults_and_recurring_tasks(tmp_path: Path) -> None:
    files = {
        "config/queue.yml": "workers:\n  - queues: [billing, default, nightly]\n",
        "config/recurring.yml": (
            "purge:\n  class: ChargeCardJob\n  args: [1]\n  queue: nightly\n"
            "  schedule: every day at 3am\n"
        ),
        "jobs/charge_card_job.py": JOB.format(queue="billing"),
        "jobs/send_receipt_job.py": (
            "from joblint.runtime import Job\n\n\nclass SendReceiptJob(Job):\n"
            "    def perform(self) -> None:\n        ...\n"
        ),
    }
    assert _lint(tmp_path, files, ("JOB703",)) == []


def test_unused_worker_queue_silent_when_other_frameworks_use_defaults(tmp_path: Path) -> None:
    files = {
        "config/queue.yml": "workers:\n  - queues: [billing, celery]\n",
        "jobs/charge_card_job.py": JOB.format(queue="billing"),
        "tasks.py": (
            "from celery import shared_task\n\n\n@shared_task\n"
            "def send_receipt(order_id: int) -> None:\n    ...\n"
        ),
    }
    assert _lint(tmp_path, files, ("JOB703",)) == []


def test_django_tasks_queues_from_settings(tmp_path: Path) -> None:
    files = {
        "shop/settings.py": (
            "import os\n\nTASKS = {\n"
            "    'default': {\n"
            "        'BACKEND': 'django.tasks.backends.database.DatabaseBackend',\n"
            "        'QUEUES': ['default', 'emails'],\n"
            "    },\n"
            "    'reports': {'BACKEND': os.environ['REPORTS_BACKEND']},\n"
            "}\n"
        ),
        "shop/tasks.py": (
            "from django.tasks import task\n\n\n"
            "@task(queue_name='email')  # JOB302\n"
            "def send_receipt(order_id: int) -> None:\n    ...\n\n\n"
            "@task(queue_name='emails')\n"
            "def send_invoice(order_id: int) -> None:\n    ...\n"
        ),
    }
    findings = _lint(tmp_path, files, ("JOB302", "JOB702"))
    assert [(d.line, d.code) for d in findings] == [(4, "JOB302")]
    assert "TASKS in shop/settings.py" in findings[0].message
    assert "did you mean `emails`?" in findings[0].message


def test_django_settings_are_not_read_without_django_tasks(tmp_path: Path) -> None:
    files = {
        "shop/settings.py": "TASKS = {'default': {'QUEUES': ['emails']}}\n",
        "jobs/charge_card_job.py": JOB.format(queue="anything"),
    }
    assert _lint(tmp_path, files, ("JOB302",)) == []


def test_django_tasks_empty_or_computed_queues_accept_any_name(tmp_path: Path) -> None:
    """An empty ``QUEUES`` turns Django's queue check off, and a computed one cannot be
    read: another backend's literal list must not make JOB302 judge the name."""
    task = (
        "from django.tasks import task\n\n\n"
        "@task(queue_name='anything')\n"
        "def send_receipt(order_id: int) -> None:\n    ...\n"
    )
    for queues in ("[]", "os.environ['QUEUES'].split()", "['a', QUEUE]"):
        files = {
            "shop/settings.py": (
                "import os\n\nTASKS = {\n"
                "    'default': {'QUEUES': ['emails']},\n"
                f"    'bulk': {{'QUEUES': {queues}}},\n"
                "}\n"
            ),
            "shop/tasks.py": task,
        }
        assert _lint(tmp_path, files, ("JOB302",)) == [], queues


def test_django_tasks_changed_in_code_accepts_any_name(tmp_path: Path) -> None:
    files = {
        "shop/settings/base.py": "TASKS = {'default': {'QUEUES': ['emails']}}\n",
        "shop/settings/local.py": (
            "from .base import *\n\nTASKS['default']['QUEUES'] = ['emails', 'local']\n"
        ),
        "shop/tasks.py": (
            "from django.tasks import task\n\n\n"
            "@task(queue_name='local')\n"
            "def send_receipt(order_id: int) -> None:\n    ...\n"
        ),
    }
    assert _lint(tmp_path, files, ("JOB302",)) == []


CELERY_TASK = (
    "from proj.celery import app\n\n\n"
    "@app.task(queue={queue!r})\n"
    "def charge_card(order_id: int) -> None:\n    ...\n"
)
CELERY_APP = "from celery import Celery\nfrom kombu import Queue\n\napp = Celery('proj')\n"


@pytest.mark.parametrize(
    "config",
    [
        "app.conf.task_queues = (Queue('billing'), Queue('mailers', routing_key='m'))\n",
        "app.conf.task_queues = [Queue(name='billing')]\n",
        "app.conf.update(task_queues=[Queue('billing')], task_default_queue='default')\n",
        "app.conf.update(task_routes={'proj.tasks.*': {'queue': 'billing'}})\n",
        "app.conf.task_routes = {'proj.tasks.charge_card': 'billing'}\n",
        "app.conf.task_default_queue = 'billing'\n",
        "QUEUES = [Queue('billing')]\napp.conf.task_queues = QUEUES\n",
    ],
    ids=[
        "conf-tuple",
        "name-keyword",
        "update",
        "routes-dict",
        "routes-string",
        "default",
        "module-value",
    ],
)
def test_celery_configuration_is_a_queue_source(tmp_path: Path, config: str) -> None:
    files = {
        "proj/celery.py": CELERY_APP + config,
        "proj/tasks.py": CELERY_TASK.format(queue="biling"),
    }
    findings = _lint(tmp_path, files, ("JOB302",))
    assert _found(findings, tmp_path) == [("proj/tasks.py", 4, "JOB302")]
    assert "Celery settings in proj/celery.py" in findings[0].message
    assert "did you mean `billing`?" in findings[0].message
    files["proj/tasks.py"] = CELERY_TASK.format(queue="billing")
    assert _lint(tmp_path, files, ("JOB302",)) == []


@pytest.mark.parametrize(
    "files",
    [
        {"celeryconfig.py": "from kombu import Queue\n\ntask_queues = [Queue('billing')]\n"},
        {"proj/settings.py": "CELERY_TASK_QUEUES = {'billing': {'exchange': 'billing'}}\n"},
        {"proj/settings.py": "CELERY_TASK_DEFAULT_QUEUE = 'billing'\n"},
    ],
    ids=["celeryconfig-module", "django-settings-dict", "django-settings-default"],
)
def test_celery_configuration_modules(tmp_path: Path, files: dict[str, str]) -> None:
    files = {
        **files,
        "proj/celery.py": CELERY_APP,
        "proj/tasks.py": CELERY_TASK.format(queue="biling"),
    }
    assert _found(_lint(tmp_path, files, ("JOB302",)), tmp_path) == [("proj/tasks.py", 4, "JOB302")]


@pytest.mark.parametrize(
    "config",
    [
        "app.conf.task_queues = make_queues()\n",
        "app.conf.task_queues = [Queue('billing'), Queue(os.environ['EXTRA'])]\n",
        "app.conf.task_routes = [route_task]\n",
        "app.conf.update(task_queues=[Queue('billing')], task_routes={'x': {'queue': Q}})\n",
    ],
    ids=["call", "computed-name", "router-function", "computed-route"],
)
def test_celery_configuration_not_literal_silences_job302(tmp_path: Path, config: str) -> None:
    """A literal default queue is there too, so the silence is the computed setting's."""
    files = {
        "proj/celery.py": CELERY_APP + "app.conf.task_default_queue = 'mailers'\n" + config,
        "proj/tasks.py": CELERY_TASK.format(queue="biling"),
    }
    assert _lint(tmp_path, files, ("JOB302",)) == []


def test_celery_configuration_is_not_read_without_celery_tasks(tmp_path: Path) -> None:
    files = {
        "celeryconfig.py": "from kombu import Queue\n\ntask_queues = [Queue('billing')]\n",
        "jobs/charge_card_job.py": JOB.format(queue="anything"),
    }
    assert _lint(tmp_path, files, ("JOB302",)) == []


def test_a_module_not_about_celery_is_no_source(tmp_path: Path) -> None:
    """``task_default_queue`` is an ordinary name outside a Celery configuration."""
    files = {
        "proj/scheduler.py": "task_default_queue = 'billing'\n",
        "proj/celery.py": "from celery import Celery\n\napp = Celery('proj')\n",
        "proj/tasks.py": CELERY_TASK.format(queue="biling"),
    }
    assert _lint(tmp_path, files, ("JOB302",)) == []


# -- JOB301: one queue for everything, or the convention half followed --------------------

SHOP_TASKS = (
    "from celery import shared_task\n\n\n"
    "@shared_task{options}\n"
    "def send_receipt(order_id: int) -> None:\n    ...\n\n\n"
    "@shared_task\n"
    "def update_search_vector(product_id: int) -> None:\n    ...\n"
)
ACCOUNT_TASKS = (
    "from celery import shared_task\n\n\n"
    "@shared_task\n"
    "def delete_inactive_users() -> None:\n    ...\n"
)


def _one_queue_shop(**extra: str) -> dict[str, str]:
    """A Django shop whose Celery tasks all go to the default queue, one worker serving it."""
    return {
        "shop/account/tasks.py": ACCOUNT_TASKS,
        "shop/product/tasks.py": SHOP_TASKS.format(options=""),
        **extra,
    }


def test_missing_queue_on_every_job_is_reported_once(tmp_path: Path) -> None:
    findings = _lint(tmp_path, _one_queue_shop(), ("JOB301",))
    assert _found(findings, tmp_path) == [("shop/account/tasks.py", 5, "JOB301")]
    (finding,) = findings
    assert "none of the project's 3 jobs names a queue" in finding.message
    assert "one queue for everything" in finding.message
    assert "`queue=...` on the task decorator" in finding.message
    assert '`ignore = ["JOB301"]` in [tool.joblint]' in finding.message
    assert finding.fix is None


def test_missing_queue_once_where_the_only_queues_are_computed_from_settings(
    tmp_path: Path,
) -> None:
    """A queue read from settings (`queue=settings.MAIL_QUEUE`, from the environment and
    often unset) is a knob for whoever deploys the app, not a second queue in the code."""
    extra = {"shop/product/tasks.py": SHOP_TASKS.format(options="(queue=settings.MAIL_QUEUE)")}
    findings = _lint(tmp_path, _one_queue_shop(**extra), ("JOB301",))
    assert _found(findings, tmp_path) == [("shop/account/tasks.py", 5, "JOB301")]
    assert findings[0].message.startswith(
        "2 of the project's 3 jobs name no queue, and the other 1 compute theirs at run time "
        "(a setting a deployment may leave unset), so they run on the default queue"
    )


def test_missing_queue_once_for_the_project_whichever_file_is_checked(tmp_path: Path) -> None:
    """pre-commit checks one file: the rest of the project is its context, so the finding
    is the whole run's, at the first job in path order, or nothing in that file."""
    files = {"pyproject.toml": '[tool.joblint]\npresets = ["conventions"]\n', **_one_queue_shop()}
    write_tree(tmp_path, files)
    settings = load_settings(tmp_path / "pyproject.toml", tmp_path)

    def check(path: str) -> list[tuple[str, int, str]]:
        linter = Linter(settings, enabled=frozenset({"JOB301"}))
        results = list(linter.lint_paths([tmp_path / path]))
        return _found([r for r in results if isinstance(r, Diagnostic)], tmp_path)

    assert check("shop/product/tasks.py") == []
    assert check("shop/account/tasks.py") == [("shop/account/tasks.py", 5, "JOB301")]
    assert check(".") == [("shop/account/tasks.py", 5, "JOB301")]


EVERY_TASK = [
    ("shop/account/tasks.py", 5, "JOB301"),
    ("shop/product/tasks.py", 5, "JOB301"),
    ("shop/product/tasks.py", 10, "JOB301"),
]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param(
            {"shop/product/tasks.py": SHOP_TASKS.format(options="(queue='mailers')")},
            [EVERY_TASK[0], EVERY_TASK[2]],
            id="static-queue",
        ),
        pytest.param(
            {
                "shop/orders.py": (
                    "from shop.account.tasks import delete_inactive_users\n\n\n"
                    "def later() -> None:\n"
                    "    delete_inactive_users.apply_async(queue='low')\n"
                )
            },
            EVERY_TASK,
            id="queue-at-enqueue",
        ),
        pytest.param(
            {
                "shop/settings.py": (
                    "from kombu import Queue\n\n"
                    "CELERY_TASK_QUEUES = [Queue('celery'), Queue('transient')]\n"
                )
            },
            EVERY_TASK,
            id="celery-queues",
        ),
        pytest.param(
            {"pyproject.toml": '[tool.joblint]\nqueues = ["default", "mailers"]\n'},
            EVERY_TASK,
            id="pyproject",
        ),
    ],
)
def test_missing_queue_per_job_where_the_project_has_queues(
    tmp_path: Path, extra: dict[str, str], expected: list[tuple[str, int, str]]
) -> None:
    """Some job names a queue, an enqueue puts one on a queue, or the project declares a
    second queue: the convention is half followed, and each job without one is reported."""
    findings = _lint(tmp_path, _one_queue_shop(**extra), ("JOB301",))
    assert _found(findings, tmp_path) == expected
    assert all("declares no queue" in d.message for d in findings)


def test_missing_queue_once_when_the_workers_serve_one_queue(tmp_path: Path) -> None:
    files = _one_queue_shop(**{"config/queue.yml": "workers:\n  - queues: [celery]\n"})
    assert [d.line for d in _lint(tmp_path, files, ("JOB301",))] == [5]


def test_missing_queue_counts_no_test_code(tmp_path: Path) -> None:
    """A test's task on a queue of its own does not make the project's jobs half placed."""
    files = _one_queue_shop(
        **{"tests/test_tasks.py": SHOP_TASKS.format(options="(queue='mailers')")}
    )
    findings = _lint(tmp_path, files, ("JOB301",))
    assert _found(findings, tmp_path) == [("shop/account/tasks.py", 5, "JOB301")]
    assert "the project's 3 jobs" in findings[0].message


def test_missing_queue_for_a_single_job_keeps_its_own_message_and_fix(tmp_path: Path) -> None:
    files = {
        "jobs/send_receipt_job.py": (
            "from joblint.runtime import Job\n\n\n"
            "class SendReceiptJob(Job):\n"
            "    def perform(self, order_id: int) -> None:\n        ...\n"
        )
    }
    (finding,) = _lint(tmp_path, files, ("JOB301",))
    assert "job `SendReceiptJob` declares no queue" in finding.message
    assert finding.fix is not None


DJANGO_TASKS = (
    "from django.tasks import task\n\n\n"
    "@task\n"
    "def send_receipt(order_id: int) -> None:\n    ...\n\n\n"
    "@task(priority=10)\n"
    "def send_invoice(order_id: int) -> None:\n    ...\n"
)


@pytest.mark.parametrize(
    "settings",
    [
        None,
        "TASKS = {'default': {'BACKEND': 'django_tasks.backends.database.DatabaseBackend'}}\n",
        "TASKS = {'default': {'BACKEND': 'x.Backend', 'QUEUES': ['default']}}\n",
    ],
    ids=["no-settings", "no-queues", "only-default"],
)
def test_missing_queue_silent_for_django_tasks_that_can_name_no_queue(
    tmp_path: Path, settings: str | None
) -> None:
    """Without QUEUES, Django accepts only the queue "default": `queue_name="emails"`
    would make the enqueue raise, and a reusable app cannot know the project's queues."""
    files = {"shop/tasks.py": DJANGO_TASKS}
    if settings is not None:
        files["shop/settings.py"] = settings
    assert _lint(tmp_path, files, ("JOB301",)) == []


def test_missing_queue_advises_a_django_tasks_queue_the_backend_lists(tmp_path: Path) -> None:
    files = {
        "shop/settings.py": (
            "TASKS = {'default': {'BACKEND': 'x.Backend', 'QUEUES': ['default', 'emails']}}\n"
        ),
        "shop/tasks.py": DJANGO_TASKS,
    }
    findings = _lint(tmp_path, files, ("JOB301",))
    assert [d.line for d in findings] == [5, 10]
    assert all("one of the backend's `QUEUES`: `emails`" in d.message for d in findings)


def test_missing_queue_advice_for_a_django_tasks_backend_taking_any_queue(
    tmp_path: Path,
) -> None:
    files = {
        "shop/settings.py": "TASKS = {'default': {'BACKEND': 'x.Backend', 'QUEUES': []}}\n",
        "shop/tasks.py": DJANGO_TASKS,
    }
    (finding,) = _lint(tmp_path, files, ("JOB301",))
    assert "none of the project's 2 jobs names a queue" in finding.message
    assert "a queue its backend's `QUEUES` accepts" in finding.message
