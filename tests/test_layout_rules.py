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
            "pyproject.toml": "[tool.joblint]\n",
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
