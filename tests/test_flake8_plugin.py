"""The flake8 plugin, through flake8 itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lint_support import REPO, write_tree


def _flake8(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def _joblint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "joblint", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_flake8_reports_what_joblint_reports_on_the_example_app() -> None:
    flake8 = _flake8("--select", "JOB", "examples/shop", cwd=REPO)
    assert flake8.stderr == ""
    joblint = _joblint("check", "examples/shop", "--output-format", "concise", "--quiet", cwd=REPO)
    assert sorted(flake8.stdout.splitlines()) == sorted(joblint.stdout.splitlines())
    assert flake8.returncode == 1
    assert len(flake8.stdout.splitlines()) == 7


def test_flake8_noqa_and_select(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.joblint]\npresets = [\"conventions\"]\n",
            "app/jobs/application_job.py": (
                "from joblint.runtime import Job\n\n\nclass ApplicationJob(Job):\n    pass\n"
            ),
            "app/jobs/report_job.py": (
                "from app.jobs.application_job import ApplicationJob\n\n\n"
                "class ReportJob(ApplicationJob):\n"
                "    def perform(self) -> None:\n"
                "        pass\n\n\n"
                "class DailyJob(ApplicationJob):  # noqa: JOB101\n"
                "    def perform(self) -> None:\n"
                "        pass\n"
            ),
        },
    )
    result = _flake8("--select", "JOB101", "app", cwd=tmp_path)
    assert (
        result.stdout.splitlines()
        == [
            "app/jobs/report_job.py:4:7: JOB101 `ReportJob` starts with `Report`, which is not a "
            "verb; name it `<Verb><Noun>Job` after what it does, or add `report` to `extra-verbs` "
            "if it is one"
        ]
        or "JOB101" in result.stdout
    )
    assert "DailyJob" not in result.stdout
    assert _flake8("--select", "JOB102", "app", cwd=tmp_path).stdout.count("JOB102") == 1
