"""Baselines: record today's findings, then report only new ones, across line shifts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lint_support import write_tree
from test_cli import run

# The house-style rules these tests use as sample findings (JOB101, JOB301...).
CONVENTIONS = '[tool.joblint]\npresets = ["conventions"]\n'

JOB = (
    "from joblint.runtime import Job\n\n\n"
    "class WelcomeEmailJob(Job):\n    queue_as = 'default'\n\n"
    "    def perform(self) -> None: ...\n"
)
SECOND = (
    "from joblint.runtime import Job\n\n\n"
    "class ReceiptJob(Job):\n    queue_as = 'default'\n\n"
    "    def perform(self) -> None: ...\n"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_tree(tmp_path, {"pyproject.toml": CONVENTIONS, "jobs/welcome_email_job.py": JOB})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_old_findings_are_quiet_new_ones_are_not(project: Path) -> None:
    code, out, err = run("check", "--write-baseline", "baseline.json")
    assert (code, out) == (0, "")
    assert err.strip() == "Recorded 1 finding in baseline.json."
    recorded = json.loads((project / "baseline.json").read_text())
    assert [(e["filename"], e["code"]) for e in recorded["findings"]] == [
        ("jobs/welcome_email_job.py", "JOB101")
    ]
    code, out, _ = run("check", "--baseline", "baseline.json")
    assert code == 0 and "JOB" not in out
    # Lines added above the old finding: still the same finding.
    (project / "jobs/welcome_email_job.py").write_text("# Emails.\nimport os\n\n" + JOB)
    code, out, _ = run("check", "--baseline", "baseline.json")
    assert code == 0 and "JOB" not in out
    # A new finding in a new file is reported, the old one still is not.
    (project / "jobs/receipt_job.py").write_text(SECOND)
    code, out, _ = run("check", "--baseline", "baseline.json", "--output-format", "concise")
    assert code == 1
    assert [line.split(": ")[0] for line in out.splitlines() if "JOB" in line] == [
        "jobs/receipt_job.py:4:7"
    ]


def test_a_second_identical_finding_in_a_file_is_new(project: Path) -> None:
    run("check", "--write-baseline", "baseline.json")
    twice = (
        JOB
        + "\n\nclass WelcomeEmailJob(Job):\n    queue_as = 'default'\n\n"
        + ("    def perform(self) -> None: ...\n")
    )
    (project / "jobs/welcome_email_job.py").write_text(twice)
    code, out, _ = run("check", "--baseline", "baseline.json", "--output-format", "concise")
    assert code == 1 and out.count("JOB101") == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "baseline.json: baseline file not found (write one with --write-baseline)"),
        ("{not json", "baseline.json:1: not a baseline file: Expecting property name"),
        ('{"findings": []}', "baseline.json: not a joblint baseline (version 1 expected)"),
        ('{"joblint-baseline": 1, "findings": [1]}', "`findings` must list fingerprints"),
    ],
)
def test_a_bad_baseline_is_one_line_and_exit_2(
    project: Path, content: str | None, message: str
) -> None:
    if content is not None:
        (project / "baseline.json").write_text(content)
    code, out, err = run("check", "--baseline", "baseline.json")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err


def test_write_baseline_refuses_fix(project: Path) -> None:
    code, _, err = run("check", "--write-baseline", "b.json", "--fix")
    assert code == 2 and "--write-baseline" in err


def test_fix_with_a_baseline_reports_only_new_findings_left(project: Path) -> None:
    run("check", "--write-baseline", "baseline.json")
    code, out, _ = run("check", "--fix", "--baseline", "baseline.json")
    assert code == 0 and "JOB" not in out
    (project / "jobs/receipt_job.py").write_text(SECOND)
    code, out, _ = run(
        "check", "--fix", "--baseline", "baseline.json", "--output-format", "concise"
    )
    assert code == 1
    assert [line.split(": ")[0] for line in out.splitlines() if "JOB" in line] == [
        "jobs/receipt_job.py:4:7"
    ]
