"""One file of ``# noqa`` comments, read by joblint, by flake8 with joblint's plugin and by
ruff. The README promises that one comment serves all three; each tool is run here on the
same tree, so that promise is checked against the tools themselves and not against what
their documentation says.

flake8 silences a code that a written code starts with (``# noqa: JOB2`` silences JOB201),
and joblint reads the comments the same way. ruff knows no JOB code: with
``lint.external = ["JOB"]`` it leaves the comments alone, and ``ruff check --fix`` keeps
them; without it, its invalid-rule-code rule (RUF102) reports them and its fix deletes them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from lint_support import write_tree

from joblint.config import settings_for_paths
from joblint.diagnostics import Diagnostic, Span
from joblint.engine.linter import Linter
from joblint.parse.suppression import scan_suppressions

BASE = "from joblint.runtime import Job\n\n\nclass ApplicationJob(Job):\n    queue_as = 'default'\n"
JOB = (
    "from app.jobs.application_job import ApplicationJob\n\n\n"
    "class SendReceiptJob(ApplicationJob):\n"
    "    def perform(self, order_ids: list[int]) -> None: ...\n"
)
# Every call is a JOB203 (a set does not survive the runtime's JSON serializer).
SERVICES = """\
from app.jobs.send_receipt_job import SendReceiptJob


def send() -> None:
    SendReceiptJob.perform_later({1, 2})  # noqa: JOB2
    SendReceiptJob.perform_later({3, 4})  # noqa: JOB20
    SendReceiptJob.perform_later({5, 6})  # noqa: JOB203
    SendReceiptJob.perform_later({7, 8})  # noqa: JOB1, JOB2
    SendReceiptJob.perform_later({9, 10})  # noqa: JOB299
    SendReceiptJob.perform_later({11, 12})  # noqa: JOB9
    SendReceiptJob.perform_later({13, 14})  # noqa: JOB1
    SendReceiptJob.perform_later({15, 16})
"""
# The file-wide form is joblint's own; under flake8 the plugin applies it.
SERVICES_SKIPPED = "# joblint: noqa: JOB2\n" + re.sub(r"  # noqa: .*", "", SERVICES)
EXPECTED = [
    "app/services.py:9:34: JOB203",
    "app/services.py:9:52: JOB003",
    "app/services.py:10:34: JOB203",
    "app/services.py:10:53: JOB003",
    "app/services.py:11:34: JOB203",
    "app/services.py:12:34: JOB203",
]
RUFF_CONFIG = '[tool.joblint]\n\n[tool.ruff.lint]\nexternal = ["JOB"]\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": RUFF_CONFIG,
            "app/jobs/application_job.py": BASE,
            "app/jobs/send_receipt_job.py": JOB,
            "app/services.py": SERVICES,
            "app/services_skipped.py": SERVICES_SKIPPED,
        },
    )
    return tmp_path


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], capture_output=True, text=True, cwd=cwd, check=False
    )


def _in_order(located: list[str]) -> list[str]:
    """`path:line:column: CODE` lines by path, then line and column as numbers."""

    def key(finding: str) -> tuple[str, int, int]:
        path, line, column = finding.split(": ")[0].split(":")
        return path, int(line), int(column)

    return sorted(located, key=key)


def test_joblint_reads_a_code_as_flake8_does(project: Path) -> None:
    linter = Linter(settings_for_paths([project], None))
    found = [
        f"{d.path.relative_to(project).as_posix()}:{d.line}:{d.column}: {d.code}"
        for d in linter.lint_paths([project / "app"])
        if isinstance(d, Diagnostic)
    ]
    assert _in_order(found) == EXPECTED


def test_flake8_with_the_plugin_reports_the_same(project: Path) -> None:
    result = _run("flake8", "--select", "JOB", "app", cwd=project)
    assert result.stderr == ""
    located = [" ".join(line.split(" ")[:2]) for line in result.stdout.splitlines()]
    assert _in_order(located) == EXPECTED


# Comments flake8 and joblint must read alike. Not here: a lowercase code (`job2`), which
# joblint accepts and flake8 does not, and JOB003 under a code-less noqa, which joblint
# reports (the comment is what it is about) and flake8 hides.
COMMENTS = [
    "# noqa: JOB2",
    "# noqa: JOB20",
    "# noqa: JOB201",
    "# noqa: JOB203",
    "# noqa:JOB2,JOB3",
    "# NOQA: E501, JOB20",
    "# noqa: JOB299",
    "# noqa: JOB2011",
    "# noqa: JOB0",
    "# noqa: E501",
    "# noqa: JOB2  # legacy call",
]


@pytest.mark.parametrize("comment", COMMENTS)
@pytest.mark.parametrize("code", ["JOB201", "JOB203", "JOB003", "JOB101", "E501"])
def test_joblint_silences_what_flake8_silences(comment: str, code: str) -> None:
    """The plugin's findings pass through joblint's suppressions and then flake8's; were
    they to differ, flake8 would show JOB003 on a comment it reads as valid, as it did
    before `JOB2` was read as a prefix."""
    from flake8.violation import Violation

    line = f"SendReceiptJob.perform_later({{1, 2}})  {comment}\n"
    by_flake8 = Violation(code, "services.py", 1, 1, "", line).is_inline_ignored(False)
    by_joblint = scan_suppressions(line).suppresses(
        Diagnostic(code, "name", "message", Path("services.py"), Span.point(1, 1))
    )
    assert by_joblint == by_flake8


def test_ruff_leaves_job_codes_alone_with_external(project: Path) -> None:
    before = {path: path.read_bytes() for path in project.rglob("*.py")}
    checked = _run("ruff", "check", "--select", "RUF100,RUF102", "app", cwd=project)
    assert (checked.returncode, checked.stdout.strip()) == (0, "All checks passed!")
    fixed = _run("ruff", "check", "--select", "RUF100,RUF102", "--fix", "app", cwd=project)
    assert fixed.returncode == 0
    assert {path: path.read_bytes() for path in project.rglob("*.py")} == before


def test_ruff_without_external_reports_and_removes_job_codes(project: Path) -> None:
    no_external = ("--config", "lint.external = []")
    checked = _run(
        "ruff",
        "check",
        "--select",
        "RUF100,RUF102",
        *no_external,
        "--output-format",
        "concise",
        "app/services.py",
        cwd=project,
    )
    reported = [line.split(": ", 1)[1] for line in checked.stdout.splitlines() if "RUF" in line]
    assert reported == [
        f"RUF102 [*] Invalid rule code in `# noqa`: {code}"
        for code in ("JOB2", "JOB20", "JOB203", "JOB1, JOB2", "JOB299", "JOB9", "JOB1")
    ]
    # RUF100 (unused-noqa) alone ignores codes it does not know.
    unused = _run("ruff", "check", "--select", "RUF100", *no_external, "app", cwd=project)
    assert unused.returncode == 0
    _run("ruff", "check", "--select", "RUF102", *no_external, "--fix", "app", cwd=project)
    assert "JOB" not in (project / "app/services.py").read_text().split("def send")[1]
