"""Edge cases of the naming and layout rules beyond their pages' examples."""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_support import lint_tree, write_tree
from test_cli import run

from joblint.config import Settings

BASE = 'from joblint.runtime import Job\n\n\nclass ApplicationJob(Job):\n    queue_as = "default"\n'
HEADER = "from app.jobs.application_job import ApplicationJob\n"


def findings(root: Path, settings: Settings | None = None) -> list[tuple[str, int, str]]:
    return [
        (d.path.relative_to(root).as_posix(), d.line, d.code) for d in lint_tree(root, settings)
    ]


def test_one_job_defined_on_two_branches_is_one_job(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/jobs/application_job.py": BASE,
            "app/jobs/export_orders_job.py": HEADER
            + "import sys\n"
            + "if sys.platform == 'win32':\n"
            + "    class ExportOrdersJob(ApplicationJob):\n"
            + "        queue_as = 'low'\n"
            + "        def perform(self, day: str) -> None: ...\n"
            + "else:\n"
            + "    class ExportOrdersJob(ApplicationJob):\n"
            + "        queue_as = 'low'\n"
            + "        def perform(self, day: str) -> None: ...\n",
        },
    )
    assert findings(tmp_path) == []


def test_second_job_is_reported_at_its_own_line(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/jobs/application_job.py": BASE,
            "app/jobs/send_a_job.py": HEADER
            + "class SendAJob(ApplicationJob):\n    def perform(self) -> None: ...\n"
            + "class SendBJob(ApplicationJob):\n    def perform(self) -> None: ...\n",
        },
    )
    assert findings(tmp_path) == [
        ("app/jobs/send_a_job.py", 4, "JOB102"),
        ("app/jobs/send_a_job.py", 4, "JOB103"),
    ]


def test_newer_syntax_in_a_file_without_jobs_is_not_job001(tmp_path: Path) -> None:
    write_tree(tmp_path, {"util.py": "def first[T](items: list[T]) -> T:\n    return items[0]\n"})
    assert findings(tmp_path) == []


def test_dotted_job_package_suggestion(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/jobs/application_job.py": BASE,
            "app/services/sync_stock_job.py": HEADER
            + "class SyncStockJob(ApplicationJob):\n    def perform(self) -> None: ...\n",
        },
    )
    settings = Settings(project_root=tmp_path, job_packages=("app.workers",))
    [finding] = [d for d in lint_tree(tmp_path, settings) if d.code == "JOB104"]
    assert "move it to `app/workers/sync_stock_job.py`" in finding.message


def test_checking_from_inside_the_jobs_folder_without_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(
        tmp_path,
        {
            "app/jobs/application_job.py": BASE,
            "app/jobs/send_a_job.py": HEADER
            + "class SendAJob(ApplicationJob):\n    def perform(self) -> None: ...\n",
        },
    )
    monkeypatch.chdir(tmp_path / "app/jobs")
    assert run("check", ".") == (0, "All checks passed!\n", "")


def test_checking_one_file_still_knows_the_projects_base_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pre-commit passes only the changed files."""
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.joblint]\npresets = ['conventions']\n",
            "app/jobs/application_job.py": BASE,
            "app/jobs/welcome_job.py": HEADER
            + "class WelcomeJob(ApplicationJob):\n    def perform(self) -> None: ...\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("check", "--output-format", "concise", "app/jobs/welcome_job.py")
    assert code == 1
    assert out.splitlines()[0].startswith("app/jobs/welcome_job.py:2:7: JOB101")


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("job-packages = []", "`job-packages` in [tool.joblint] must name at least one package"),
        ("job-packages = ['app/jobs']", "`app/jobs` in `job-packages` is not a package name"),
        ("base-job = 'ApplicationJob'", "`base-job` in [tool.joblint] must be the dotted path"),
    ],
)
def test_invalid_layout_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str, message: str
) -> None:
    write_tree(tmp_path, {"pyproject.toml": f"[tool.joblint]\n{setting}\n"})
    monkeypatch.chdir(tmp_path)
    code, _, err = run("check")
    assert code == 2
    assert (
        err
        == f"joblint: error: {tmp_path / 'pyproject.toml'}:2: {message}" + err.split(message, 1)[1]
    )


def test_base_job_naming_no_job_class_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": (
                "[tool.joblint]\nbase-job = 'app.jobs.application_job.ApplicatonJob'\n"
            ),
            "app/jobs/application_job.py": BASE,
        },
    )
    monkeypatch.chdir(tmp_path)
    code, _, err = run("check")
    assert code == 2
    assert err == (
        f"joblint: error: {tmp_path / 'pyproject.toml'}:2: `base-job` names "
        "`app.jobs.application_job.ApplicatonJob`, which is not a job class in this project\n"
    )


def test_celery_task_classes_are_not_held_to_the_runtimes_layout(tmp_path: Path) -> None:
    """Found on Celery's own source: `class DjangoTask(Task)` in `contrib/django/task.py`."""
    write_tree(
        tmp_path,
        {
            "proj/task.py": (
                "from celery import Task\n\n\n"
                "class DjangoTask(Task):\n"
                "    def run(self, *args: object) -> None:\n"
                "        pass\n"
            ),
        },
    )
    assert [f for f in findings(tmp_path) if f[2].startswith("JOB10")] == []


FAKES = (
    HEADER + "\n\nclass FakeJob(ApplicationJob):\n    def perform(self) -> None: ...\n\n\n"
    "class OtherFakeJob(ApplicationJob):\n    def perform(self) -> None: ...\n\n\n"
    "def test_worker() -> None:\n"
    "    class FlakyJob(ApplicationJob):\n        def perform(self) -> None: ...\n"
)


def test_test_code_is_left_to_its_own_conventions(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"app/jobs/application_job.py": BASE, "tests/test_worker.py": FAKES},
    )
    assert findings(tmp_path) == []
    # The same code outside the test globs: named, laid out and nested wrongly.
    settings = Settings(project_root=tmp_path, test_paths=("spec/**",))
    assert sorted({code for _, _, code in findings(tmp_path, settings)}) == [
        "JOB101", "JOB102", "JOB103", "JOB104", "JOB106",
    ]  # fmt: skip


REPORTER = (
    "from joblint.runtime import Job\n\n\n"
    "class ReportFailureJob(Job):\n"
    "    queue_as = 'default'\n\n"
    "    def perform(self, job_name: str) -> None: ...\n"
)


def base_importing(statement: str, *, in_function: bool = False) -> str:
    """The base job, importing the reporting job's module with ``statement``, at the top
    of its module or in its rescue handler."""
    body = "    def report(self) -> None:\n"
    if in_function:
        return BASE + body + f"        {statement}\n        ReportFailureJob.perform_later('x')\n"
    return statement + "\n" + BASE + body + "        ReportFailureJob.perform_later('x')\n"


@pytest.mark.parametrize(
    ("base", "extra"),
    [
        (base_importing("from app.jobs.report_failure_job import ReportFailureJob"), {}),
        (base_importing("from .report_failure_job import ReportFailureJob"), {}),
        (base_importing("from app.jobs import report_failure_job"), {}),
        (base_importing("import app.jobs.report_failure_job"), {}),
        (
            base_importing(
                "from app.jobs.report_failure_job import ReportFailureJob", in_function=True
            ),
            {},
        ),
        # through another module of the project
        (
            base_importing("from app.alerts import ReportFailureJob"),
            {"app/alerts.py": "from app.jobs.report_failure_job import ReportFailureJob\n"},
        ),
    ],
)
def test_job_the_base_job_imports_may_subclass_job(
    tmp_path: Path, base: str, extra: dict[str, str]
) -> None:
    """Subclassing the base job would make the two modules import each other (the fix
    broke every module of the fix-safety corpus's failure_reports project)."""
    write_tree(
        tmp_path,
        {
            "app/jobs/application_job.py": base,
            "app/jobs/report_failure_job.py": REPORTER,
            **extra,
        },
    )
    assert [d for d in lint_tree(tmp_path) if d.code == "JOB105"] == []


def test_job_the_base_job_imports_in_a_namespace_package(tmp_path: Path) -> None:
    """``app`` has no ``__init__.py``: the run names the module ``jobs.report_failure_job``,
    the base job imports it as ``app.jobs.report_failure_job``."""
    (tmp_path / "app/jobs").mkdir(parents=True)
    (tmp_path / "app/jobs/__init__.py").touch()
    (tmp_path / "app/jobs/application_job.py").write_text(
        base_importing("from app.jobs.report_failure_job import ReportFailureJob")
    )
    (tmp_path / "app/jobs/report_failure_job.py").write_text(REPORTER)
    assert [d for d in lint_tree(tmp_path) if d.code == "JOB105"] == []


def test_job_beside_the_one_the_base_job_imports_is_still_flagged(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/jobs/application_job.py": base_importing(
                "from app.jobs.report_failure_job import ReportFailureJob"
            ),
            "app/jobs/report_failure_job.py": REPORTER,
            "app/jobs/send_invoice_job.py": REPORTER.replace("ReportFailure", "SendInvoice"),
        },
    )
    [finding] = [d for d in lint_tree(tmp_path) if d.code == "JOB105"]
    assert finding.path == tmp_path / "app/jobs/send_invoice_job.py"
    assert finding.fix is not None


# -- JOB107: what sits above Celery's task decorator --------------------------------------

CELERY_APP = "from celery import Celery\n\napp = Celery('proj')\n"
TASK = "@app.task(queue='low')\ndef send_digest(user_id: int) -> None:\n    pass\n"
REGISTERING = {
    "a factory whose function returns the task it registers": (
        "HANDLERS = {}\n\n\n"
        "def handles(event):\n"
        "    def register(task):\n"
        "        HANDLERS[event] = task\n"
        "        return task\n\n"
        "    return register\n",
        "@handles('order.paid')",
    ),
    "a decorator returning its parameter": (
        "TASKS = []\n\n\n"
        "def registered(task):\n"
        "    TASKS.append(task)\n"
        "    if task.name:\n"
        "        return task\n"
        "    return task\n",
        "@registered",
    ),
}
WRAPPING = {
    "functools.wraps": (
        "import functools\n\n\n"
        "def logged(function):\n"
        "    @functools.wraps(function)\n"
        "    def wrapper(*args, **kwargs):\n"
        "        return function(*args, **kwargs)\n\n"
        "    return wrapper\n",
        "@logged",
    ),
    "a factory returning a wrapper": (
        "def retried(times):\n"
        "    def decorate(function):\n"
        "        def wrapper(*args):\n"
        "            return function(*args)\n\n"
        "        return wrapper\n\n"
        "    return decorate\n",
        "@retried(3)",
    ),
    "a parameter rebound before it is returned": (
        "def traced(function):\n    function = trace(function)\n    return function\n",
        "@traced",
    ),
    "a parameter returned on one path only": (
        "def maybe(function):\n    if function.name:\n        return function\n",
        "@maybe",
    ),
    "a lambda": ("def wrapped(function):\n    return lambda *args: function(*args)\n", "@wrapped"),
    "an async function": ("async def later(function):\n    return function\n", "@later"),
    "a decorator defined outside the project": ("from tracing import traced\n", "@traced"),
}


def job107(tmp_path: Path, files: dict[str, str]) -> list[tuple[int, bool]]:
    """(line, whether a fix is offered) of each JOB107 finding in ``proj/tasks.py``."""
    write_tree(tmp_path, {"proj/celery_app.py": CELERY_APP, **files})
    return [
        (d.line, d.fix is not None)
        for d in lint_tree(tmp_path)
        if d.code == "JOB107" and d.path == tmp_path / "proj/tasks.py"
    ]


@pytest.mark.parametrize("case", sorted(REGISTERING))
def test_job107_a_decorator_that_registers_the_task_object_is_no_wrapper(
    tmp_path: Path, case: str
) -> None:
    """It is above the task on purpose: under it, it would register the bare function
    (the fix broke the fix-safety corpus's schedules/reports.handlers)."""
    definition, decorator = REGISTERING[case]
    source = f"from proj.celery_app import app\n\n{definition}\n\n{decorator}\n{TASK}"
    assert job107(tmp_path, {"proj/tasks.py": source}) == []


def test_job107_a_registering_decorator_from_another_parsed_module(tmp_path: Path) -> None:
    definition, decorator = REGISTERING["a factory whose function returns the task it registers"]
    files = {
        "proj/celery_app.py": CELERY_APP + "\n\n" + definition,
        "proj/tasks.py": f"from proj.celery_app import app, handles\n\n\n{decorator}\n{TASK}",
    }
    assert job107(tmp_path, files) == []


@pytest.mark.parametrize("case", sorted(WRAPPING))
def test_job107_wrappers_are_still_moved(tmp_path: Path, case: str) -> None:
    definition, decorator = WRAPPING[case]
    source = f"from proj.celery_app import app\n\n{definition}\n\n{decorator}\n{TASK}"
    line = source.splitlines().index(decorator) + 1
    assert job107(tmp_path, {"proj/tasks.py": source}) == [(line, True)]


def test_job107_a_wrapper_beside_a_registering_decorator_is_reported_but_not_moved(
    tmp_path: Path,
) -> None:
    """Moving the task decorator to the top would take the task object from the
    registry."""
    registry, registering = REGISTERING["a decorator returning its parameter"]
    wrapper, wrapping = WRAPPING["functools.wraps"]
    source = (
        f"from proj.celery_app import app\n\n{wrapper}\n\n{registry}\n\n"
        f"{registering}\n{wrapping}\n{TASK}"
    )
    line = source.splitlines().index(wrapping) + 1
    assert job107(tmp_path, {"proj/tasks.py": source}) == [(line, False)]


@pytest.mark.parametrize(
    ("decorator", "says"),
    [
        ("@app.task(queue='low')", '; renaming it also renames the task it is registered as '
         '(`proj.tasks.payment_receipt`), and messages already queued under that name find '
         'no task: keep it with `name="proj.tasks.payment_receipt"`'),
        ("@app.task(queue='low', name='payments.receipt')",
         " (it is registered as `payments.receipt`, which a rename keeps)"),
    ],
)  # fmt: skip
def test_job101_says_what_renaming_a_registered_task_does(
    tmp_path: Path, decorator: str, says: str
) -> None:
    source = (
        "from celery import Celery\n\napp = Celery('proj')\n\n\n"
        f"{decorator}\ndef payment_receipt(payment_id: int) -> None:\n    pass\n"
    )
    write_tree(tmp_path, {"proj/__init__.py": "", "proj/tasks.py": source})
    messages = [d.message for d in lint_tree(tmp_path) if d.code == "JOB101"]
    assert len(messages) == 1
    assert messages[0].endswith(says)


def _dramatiq_tasks(*actors: tuple[str, str | None]) -> str:
    lines = ["import dramatiq\n"]
    for function, registered in actors:
        keyword = f"actor_name={registered!r}, " if registered else ""
        lines.append(
            f"\n\n@dramatiq.actor({keyword}queue_name='default')\n"
            f"def {function}(record_id: int) -> None:\n    pass\n"
        )
    return "".join(lines)


@pytest.mark.parametrize(
    ("function", "registered"),
    [
        ("benefit_grant", "benefit.grant"),  # `<domain>_<verb>`, shown as the actor name
        ("bulk_index_reports", None),  # a word saying how it runs, then the verb
        ("payment_intent_succeeded", None),  # named after the event it handles
        ("collection_updated_task", None),
        ("on_order_paid", None),
        ("organization_created", "organization.created"),
        ("charge_pending", "stripe.webhook.charge.pending"),  # under an event namespace
        ("drop_stale_sessions", None),
        ("test_webhook", None),
        ("empty_trash", None),
    ],
)
def test_job101_accepts_names_that_say_what_the_task_does_or_handles(
    tmp_path: Path, function: str, registered: str | None
) -> None:
    write_tree(tmp_path, {"app/tasks.py": _dramatiq_tasks((function, registered))})
    assert [code for *_, code in findings(tmp_path) if code == "JOB101"] == []


@pytest.mark.parametrize(
    ("function", "registered", "says"),
    [
        ("create_order_balance", "order.balance",
         "task `create_order_balance` is registered as `order.balance`, and `balance` is not "
         "named after a verb (`balance` is not one)"),
        ("async_tasks_after_reorder", None,
         "task `async_tasks_after_reorder` is not named after a verb (`tasks` is not one)"),
        ("welcome_email", None,
         "task `welcome_email` is not named after a verb (`welcome` is not one)"),
    ],
)  # fmt: skip
def test_job101_judges_the_name_a_task_is_shown_by(
    tmp_path: Path, function: str, registered: str | None, says: str
) -> None:
    write_tree(tmp_path, {"app/tasks.py": _dramatiq_tasks((function, registered))})
    messages = [d.message for d in lint_tree(tmp_path) if d.code == "JOB101"]
    assert len(messages) == 1 and messages[0].startswith(says)


def test_job101_reports_a_projects_own_convention_once(tmp_path: Path) -> None:
    """Most tasks named some other way is the project's convention, not four mistakes."""
    write_tree(
        tmp_path,
        {
            "app/billing.py": _dramatiq_tasks(("receipt_pdf", None), ("send_invoice", None)),
            "app/mail.py": _dramatiq_tasks(("welcome_mail", None), ("newsletter_mail", None)),
            "app/reports.py": _dramatiq_tasks(("account_summary", None)),
            "tests/test_mail.py": _dramatiq_tasks(("send_fake", None), ("send_other", None)),
        },
    )
    found = [d for d in lint_tree(tmp_path) if d.code == "JOB101"]
    assert [(d.path.relative_to(tmp_path).as_posix(), d.line) for d in found] == [
        ("app/billing.py", 5)
    ]
    assert found[0].message.startswith(
        "4 of the project's 5 tasks are not named after a verb (`receipt_pdf`, "
        "`welcome_mail`, `newsletter_mail`, ...), so the project names its tasks its own way"
    )
    # renaming an actor renames what its queued messages are addressed to
    assert "rename them and keep each registered name with `actor_name=`" in found[0].message
    assert found[0].message.endswith(
        '`ignore = ["JOB101"]` in [tool.joblint] (reported once, not once per task)'
    )


def test_job101_reports_each_task_where_most_follow_the_convention(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/tasks.py": _dramatiq_tasks(
                ("receipt_pdf", None), ("welcome_mail", None), ("send_invoice", None),
                ("sync_contacts", None), ("export_orders", None), ("import_leads", None),
            ),
        },
    )  # fmt: skip
    found = [d.line for d in lint_tree(tmp_path) if d.code == "JOB101"]
    assert found == [5, 10]


ARQ_SCRIPT = (
    "async def the_task(ctx, n: int) -> None:\n    pass\n\n\n"
    "class WorkerSettings:\n    functions = [the_task]\n"
)


def test_job109_same_name_in_separate_registries_is_fine(tmp_path: Path) -> None:
    """Two arq example scripts, each with its own worker settings, and two Celery apps:
    each registry has one `the_task`."""
    celery_app = (
        "from celery import Celery\n\n{app} = Celery('{app}')\n\n\n"
        "@{app}.task(name='send', queue='low')\ndef send_{app}(n: int) -> None:\n    pass\n"
    )
    write_tree(
        tmp_path,
        {
            "examples/first.py": ARQ_SCRIPT,
            "examples/second.py": ARQ_SCRIPT,
            "shop.py": celery_app.format(app="shop"),
            "billing.py": celery_app.format(app="billing"),
        },
    )
    assert [d for d in lint_tree(tmp_path) if d.code == "JOB109"] == []


def test_job109_same_name_in_one_registry_clashes(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/first.py": "async def the_task(ctx) -> None:\n    pass\n",
            "app/second.py": "async def the_task(ctx) -> None:\n    pass\n",
            "app/worker.py": "from arq import func\n\nfrom app import first, second\n\n\n"
            "class WorkerSettings:\n"
            "    functions = [first.the_task, func(second.the_task, name='the_task')]\n",
            "proj/tasks.py": "from celery import Celery, shared_task\n\napp = Celery('proj')\n\n\n"
            "@app.task(name='send', queue='low')\ndef send_one(n: int) -> None:\n    pass\n\n\n"
            "@shared_task(name='send', queue='low')\ndef send_two(n: int) -> None:\n    pass\n",
        },
    )
    found = sorted((d.path.name, d.line) for d in lint_tree(tmp_path) if d.code == "JOB109")
    assert found == [("second.py", 1), ("tasks.py", 12)]
