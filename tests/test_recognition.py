"""Which classes are jobs and which calls enqueue them: resolved through imports and
across files, never by spelling alone."""

from __future__ import annotations

from pathlib import Path

from lint_support import write_tree

from joblint.config import Settings
from joblint.engine.linter import Analysis, Linter
from joblint.parse.discovery import discover
from joblint.parse.source import SourceFile, read_source

BASE = "from joblint.runtime import Job\n\n\nclass ApplicationJob(Job):\n    pass\n"


def analyse(root: Path, files: dict[str, str]) -> Analysis:
    write_tree(root, files)
    settings = Settings(project_root=root)
    sources = [read_source(path) for path in discover([root], settings).files]
    linter = Linter(settings)
    return linter.analyse([source for source in sources if isinstance(source, SourceFile)])


def job_names(analysis: Analysis) -> dict[str, bool]:
    return {job.name: job.is_abstract for job in analysis.jobs}


def test_job_through_a_base_in_another_module(tmp_path: Path) -> None:
    analysis = analyse(
        tmp_path,
        {
            "shop/jobs/application_job.py": BASE,
            "shop/jobs/process_payment_job.py": (
                "from shop.jobs.application_job import ApplicationJob\n"
                "class ProcessPaymentJob(ApplicationJob):\n"
                "    queue_as = 'critical'\n"
                "    def perform(self, order_id): ...\n"
            ),
        },
    )
    assert job_names(analysis) == {"ApplicationJob": True, "ProcessPaymentJob": False}
    [job] = [job for job in analysis.jobs if not job.is_abstract]
    assert job.qualified_name == "shop.jobs.process_payment_job.ProcessPaymentJob"
    assert job.queue.name == "critical"
    assert job.name_span.start.line == 2


def test_relative_imports_aliases_and_attribute_bases(tmp_path: Path) -> None:
    analysis = analyse(
        tmp_path,
        {
            "app/jobs/base.py": (
                "import joblint.runtime as rt\nclass ApplicationJob(rt.Job):\n    pass\n"
            ),
            "app/jobs/a_job.py": (
                "from .base import ApplicationJob as AJ\n"
                "class SendAJob(AJ):\n    def perform(self): ...\n"
            ),
            "app/jobs/b_job.py": (
                "from . import base\n"
                "class SendBJob(base.ApplicationJob):\n    def perform(self): ...\n"
            ),
            "app/jobs/c_job.py": (
                "from joblint.runtime import Job as Base\n"
                "class SendCJob(Base):\n    def perform(self): ...\n"
            ),
        },
    )
    assert job_names(analysis) == {
        "ApplicationJob": True,
        "SendAJob": False,
        "SendBJob": False,
        "SendCJob": False,
    }


def test_a_chain_of_project_bases_pulls_in_files_that_never_mention_joblint(tmp_path: Path) -> None:
    analysis = analyse(
        tmp_path,
        {
            "app/jobs/application_job.py": BASE,
            "app/jobs/mailer_job.py": (
                "from app.jobs.application_job import ApplicationJob\n"
                "class MailerJob(ApplicationJob):\n    abstract = True\n"
            ),
            "app/jobs/send_digest_job.py": (
                "from app.jobs.mailer_job import MailerJob\n"
                "class SendDigestJob(MailerJob):\n    def perform(self): ...\n"
            ),
        },
    )
    assert job_names(analysis) == {
        "ApplicationJob": True,
        "MailerJob": True,
        "SendDigestJob": False,
    }


def test_look_alikes_are_not_jobs(tmp_path: Path) -> None:
    analysis = analyse(
        tmp_path,
        {
            "app/other.py": (
                "from rq.job import Job\n"
                "class Job2(Job):\n    def perform(self): ...\n"
                "class ReportJob:\n    def perform(self): ...\n"
                "class Wrapper(object):\n    def perform_later(self): ...\n"
                "Wrapper().perform_later(1)\n"
            ),
            "app/joblint_notes.py": (
                "Job = object\nclass SendJob(Job):\n    def perform(self): ...\n"
            ),
        },
    )
    assert analysis.jobs == []
    assert analysis.enqueue_sites == []


def test_a_local_redefinition_is_not_the_runtime_job(tmp_path: Path) -> None:
    analysis = analyse(
        tmp_path,
        {
            "app/jobs/x.py": (
                "from joblint.runtime import Job\n"
                "class Job:\n    pass\n"
                "class SendThingJob(Job):\n    def perform(self): ...\n"
            ),
        },
    )
    assert [job.name for job in analysis.jobs] == []


def test_enqueue_sites(tmp_path: Path) -> None:
    analysis = analyse(
        tmp_path,
        {
            "app/jobs/application_job.py": BASE,
            "app/jobs/send_email_job.py": (
                "from app.jobs.application_job import ApplicationJob\n"
                "class SendEmailJob(ApplicationJob):\n    def perform(self, user_id): ...\n"
            ),
            "app/services/signup.py": (
                "from datetime import timedelta\n"
                "from joblint.runtime import perform_all_later\n"
                "from app.jobs.send_email_job import SendEmailJob as Mail\n"
                "def sign_up(user):\n"
                "    Mail.perform_later(user.id)\n"
                "    Mail.set(wait=timedelta(hours=1), queue='low').perform_later(user.id)\n"
                "    Mail.perform_now(user.id)\n"
                "    perform_all_later([Mail(1), Mail(2)])\n"
                "    other.perform_later(user.id)\n"
            ),
        },
    )
    sites = [(site.method, site.span.start.line, site.target) for site in analysis.enqueue_sites]
    target = "app.jobs.send_email_job.SendEmailJob"
    assert sites == [
        ("perform_later", 5, target),
        ("perform_later", 6, target),
        ("perform_now", 7, target),
        ("perform_all_later", 8, target),
        ("perform_all_later", 8, target),
    ]
    options = dict(analysis.enqueue_sites[1].options)
    assert sorted(options) == ["queue", "wait"]


def test_namespace_packages_resolve_by_dotted_suffix(tmp_path: Path) -> None:
    """No __init__.py anywhere: files are named by stem, imports by full path."""
    for name, text in {
        "src/app/jobs/application_job.py": BASE,
        "src/app/jobs/send_email_job.py": (
            "from app.jobs.application_job import ApplicationJob\n"
            "class SendEmailJob(ApplicationJob):\n    def perform(self): ...\n"
        ),
    }.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    settings = Settings(project_root=tmp_path)
    sources = [read_source(path) for path in discover([tmp_path], settings).files]
    analysis = Linter(settings).analyse([s for s in sources if isinstance(s, SourceFile)])
    assert job_names(analysis) == {"ApplicationJob": True, "SendEmailJob": False}


def test_new_syntax_in_job_modules_parses(tmp_path: Path) -> None:
    """PEP 695 generics and aliases, PEP 701 f-strings and PEP 758 `except A, B:` appear
    in real code already; a job module using them is parsed, not reported as JOB001."""
    from lint_support import lint_tree

    write_tree(
        tmp_path,
        {
            "app/jobs/application_job.py": BASE,
            "app/jobs/send_email_job.py": (
                "from app.jobs.application_job import ApplicationJob\n"
                "type Ids = list[int]\n"
                "def first[T](items: list[T]) -> T:\n    return items[0]\n"
                "class SendEmailJob(ApplicationJob):\n"
                "    queue_as = 'mailers'\n"
                "    def perform(self, user_id: int) -> None:\n"
                "        label = f\"{'user' + str(user_id)}\"\n"
                "        try:\n            pass\n"
                "        except ValueError, TypeError:\n            raise\n"
            ),
        },
    )
    assert [d.code for d in lint_tree(tmp_path) if d.code == "JOB001"] == []
    assert [job.name for job in analyse(tmp_path, {}).jobs if not job.is_abstract] == [
        "SendEmailJob"
    ]
