"""``--add-noqa``: every finding silenced where it is reported, the file otherwise intact."""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_support import write_tree
from test_cli import run

from joblint.diagnostics import Diagnostic, Span
from joblint.fix.add_noqa import add_noqa
from joblint.parse.source import SourceFile, read_source

BASE = "from joblint.runtime import Job\n\n\nclass ApplicationJob(Job):\n    queue_as = 'default'\n"
JOB = (
    "from app.jobs.application_job import ApplicationJob\n\n\n"
    "class WelcomeEmailJob(ApplicationJob):  # noqa: E501\n"
    "    def perform(self, payload: object) -> None: ...\n"
)
SERVICE = (
    "from app.jobs.welcome_email_job import WelcomeEmailJob\n\n\n"
    "def send() -> None:\n"
    '    WelcomeEmailJob.perform_later(b"""first\n'
    'second""")\n'
    "    WelcomeEmailJob.perform_later({1, 2})\n"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.joblint]\npresets = ["conventions"]\n',
            "app/jobs/application_job.py": BASE,
            "app/jobs/welcome_email_job.py": JOB.replace("\n", "\r\n").encode("utf-8-sig"),
            "app/services.py": SERVICE,
        },
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_add_noqa_silences_everything_and_keeps_the_file(project: Path) -> None:
    code, out, err = run("check", "--output-format", "concise")
    assert code == 1 and "JOB101" in out and "JOB203" in out
    code, _, err = run("check", "--add-noqa")
    assert code == 0 and err.startswith("Added noqa comments for 3 findings.")
    job = (project / "app/jobs/welcome_email_job.py").read_bytes()
    assert (
        job.startswith(b"\xef\xbb\xbf")
        and b"\r\n" in job
        and b"\n" not in job.replace(b"\r\n", b"")
    )
    assert b"class WelcomeEmailJob(ApplicationJob):  # noqa: E501, JOB101\r\n" in job
    service = (project / "app/services.py").read_text()
    assert 'second""")  # noqa: JOB203\n' in service  # after the string, not inside it
    assert "perform_later({1, 2})  # noqa: JOB203\n" in service
    assert run("check", "--output-format", "concise")[0] == 0
    # Twice is once.
    before = {p: p.read_bytes() for p in project.rglob("*.py")}
    assert run("check", "--add-noqa")[0] == 0
    assert {p: p.read_bytes() for p in project.rglob("*.py")} == before


def test_add_noqa_refuses_fix(project: Path) -> None:
    code, _, err = run("check", "--add-noqa", "--fix")
    assert code == 2 and "--add-noqa" in err


def test_add_noqa_after_a_backslash_continuation(project: Path) -> None:
    # A comment after the backslash would be a syntax error: it goes where the statement
    # ends, and counts for the line the finding is on.
    (project / "app/services.py").write_text(
        "from app.jobs.welcome_email_job import WelcomeEmailJob\n\n\n"
        "def send() -> None:\n"
        "    WelcomeEmailJob.perform_later({1, 2}) \\\n"
        "        if True else None\n"
    )
    code, out, _ = run("check", "--output-format", "concise", "app/services.py")
    assert code == 1 and "app/services.py:5:" in out
    assert run("check", "--add-noqa", "app/services.py")[0] == 0
    service = (project / "app/services.py").read_text()
    assert service.endswith("perform_later({1, 2}) \\\n        if True else None  # noqa: JOB203\n")
    compile(service, "services.py", "exec")
    assert run("check", "app/services.py")[0] == 0


def test_add_noqa_keeps_a_prefix_that_already_silences_the_finding(tmp_path: Path) -> None:
    # `JOB2` silences JOB203 as flake8 reads it; JOB101 is added beside it, JOB203 is not.
    path = tmp_path / "services.py"
    path.write_text("send({1, 2})  # noqa: JOB2\n")
    source = read_source(path)
    assert isinstance(source, SourceFile)
    found = [
        Diagnostic(code, "name", "message", path, Span.point(1, 1)) for code in ("JOB203", "JOB101")
    ]
    assert add_noqa(source, found[:1]) is None
    assert add_noqa(source, found) == b"send({1, 2})  # noqa: JOB2, JOB101\n"


def test_add_noqa_adds_nothing_to_a_line_a_prefix_covers(project: Path) -> None:
    service = project / "app/services.py"
    service.write_text(
        SERVICE.replace("perform_later({1, 2})", "perform_later({1, 2})  # noqa: JOB2")
    )
    assert run("check", "--add-noqa", "app/services.py")[0] == 0
    assert "perform_later({1, 2})  # noqa: JOB2\n" in service.read_text()
