"""The flake8 plugin, through flake8 itself."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from lint_support import REPO, write_tree

from joblint.config import settings_for_paths
from joblint.engine.linter import Linter
from joblint.integrations.project_run import project_run


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


SHOP = {
    "pyproject.toml": '[tool.joblint]\npresets = ["conventions"]\n',
    "app/jobs/application_job.py": (
        "from joblint.runtime import Job\n\n\nclass ApplicationJob(Job):\n    pass\n"
    ),
    "app/jobs/charge_order_job.py": (
        "from app.jobs.application_job import ApplicationJob\n\n\n"
        "class ChargeOrderJob(ApplicationJob):\n"
        "    def perform(self, order) -> None:\n"
        "        pass\n"
    ),
    "app/models.py": (
        "from django.db import models\n\n\nclass Order(models.Model):\n    pass\n"
    ),
    "app/services/orders.py": (
        "from app.jobs.charge_order_job import ChargeOrderJob\n"
        "from app.models import Order\n\n\n"
        "def checkout(order_id):\n"
        "    order = Order.objects.get(id=order_id)\n"
        "    ChargeOrderJob.perform_later(order)\n"
    ),
    "app/helpers.py": "def noop():\n    return None\n",
}


def test_flake8_processes_share_one_project_run(tmp_path: Path) -> None:
    """With two processes, flake8 reports what joblint reports, from one run over the
    project stored in the cache folder; a second flake8 run reads it."""
    write_tree(tmp_path, SHOP)
    expected = _joblint("check", "--no-cache", "--output-format", "concise", "-q", cwd=tmp_path)
    assert expected.stdout.count("JOB") >= 2
    for _ in range(2):
        result = _flake8("--select", "JOB", "-j", "2", ".", cwd=tmp_path)
        assert result.stderr == ""
        shown = sorted(line.removeprefix("./") for line in result.stdout.splitlines())
        assert shown == sorted(expected.stdout.splitlines())
    assert len(list((tmp_path / ".joblint_cache").glob("flake8-*.json"))) == 1


def test_project_run_is_analysed_once_and_then_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, SHOP)
    settings = settings_for_paths([tmp_path], None)
    linter = Linter(settings)
    analysed: list[Path] = []
    real = Linter.lint_paths

    def counting(self: Linter, paths: Sequence[Path], force_exclude: bool = False) -> Any:
        analysed.extend(paths)
        return real(self, paths, force_exclude)

    monkeypatch.setattr(Linter, "lint_paths", counting)
    first = project_run(linter, settings)
    second = project_run(linter, settings)
    assert analysed == [settings.project_root]
    assert first is not None and second is not None
    service = settings.project_root / "app/services/orders.py"
    data = service.read_bytes()
    assert first.findings_for(service, data) == second.findings_for(service, data)
    assert [code for _, _, code, _ in first.findings_for(service, data) or []] == ["JOB201"]
    # A file as flake8 hands it over differs from what the run read: checked on its own.
    assert first.findings_for(service, data + b"\n# edited\n") is None
    helpers = settings.project_root / "app/helpers.py"
    assert first.findings_for(helpers, helpers.read_bytes()) == []
    # A change to any file of the project is a new run.
    (tmp_path / "app/helpers.py").write_text("def noop():\n    return 1\n")
    assert project_run(linter, settings) is not None
    assert analysed == [settings.project_root] * 2


def test_no_project_run_without_a_configuration(tmp_path: Path) -> None:
    """Without a pyproject.toml there is no telling where the project ends: each file is
    checked on its own, as the command line checks it."""
    files = {name: text for name, text in SHOP.items() if name != "pyproject.toml"}
    write_tree(tmp_path, files)
    settings = settings_for_paths([tmp_path / "app"], None)
    assert project_run(Linter(settings), settings) is None
