"""The bundled example app: what its README says joblint reports is what joblint reports."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lint_support import REPO

from joblint.engine.cache import CACHE_DIR_NAME

SHOP = REPO / "examples" / "shop"


def documented_findings() -> set[tuple[str, int, str]]:
    text = (SHOP / "README.md").read_text(encoding="utf-8")
    section = text.split("## Deliberate violations", 1)[1]
    rows = re.findall(r"^\|\s*`?([\w/.]+):(\d+)`?\s*\|\s*`?(JOB\d{3})`?\s*\|", section, re.M)
    assert rows, "the example app's README lists no findings"
    return {(path, int(line), code) for path, line, code in rows}


def test_readme_lists_exactly_what_joblint_reports() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "joblint", "check", str(SHOP), "--output-format", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    findings = json.loads(result.stdout)
    reported = {
        (
            str((REPO / f["filename"]).relative_to(SHOP).as_posix()),
            f["location"]["row"],
            f["code"],
        )
        for f in findings
    }
    assert reported == documented_findings()
    for finding in findings:
        assert set(finding) >= {
            "code", "name", "message", "filename", "location", "end_location",
            "fix", "url", "severity",
        }  # fmt: skip


# The folder a checkout lands in is not the app's name: a copy, a clone into `shop-main`,
# a container's /srv/app. The app imports itself as `shop` wherever it lies.
COPIES = ["shopcopy", "shop2", "my-shop", "nested/shopcopy"]


def copy_shop(destination: Path) -> Path:
    shutil.copytree(SHOP, destination, ignore=shutil.ignore_patterns(CACHE_DIR_NAME, "__pycache__"))
    return destination


def findings_in(folder: Path, cwd: Path) -> set[tuple[str, int, int, str, str]]:
    """``joblint check`` as a user runs it, with paths relative to ``folder``."""
    result = subprocess.run(
        [sys.executable, "-m", "joblint", "check", os.path.relpath(folder, cwd),
         "--no-cache", "--output-format", "json"],
        capture_output=True, text=True, check=False, cwd=cwd,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    return {
        (
            (cwd / f["filename"]).resolve().relative_to(folder.resolve()).as_posix(),
            f["location"]["row"],
            f["location"]["column"],
            f["code"],
            f["message"],
        )
        for f in json.loads(result.stdout)
    }


@pytest.mark.parametrize("name", COPIES)
def test_a_copy_under_another_name_reports_what_the_app_reports(tmp_path: Path, name: str) -> None:
    original = findings_in(SHOP, REPO)
    assert {(path, line, code) for path, line, _, code, _ in original} == documented_findings()
    copy = copy_shop(tmp_path / name)
    assert findings_in(copy, tmp_path) == original
    assert findings_in(copy, copy) == original


def fixed_purge_job(copy: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "joblint", "check", ".", "--no-cache", "--select", "JOB105",
         "--fix", "--unsafe-fixes"],
        capture_output=True, text=True, check=False, cwd=copy,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return (copy / "jobs" / "purge_carts_job.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["shopcopy", "my-shop"])
def test_the_base_job_fix_in_a_copy_imports_what_the_app_imports(tmp_path: Path, name: str) -> None:
    """The app's modules import `shop.models` and its recurring tasks name
    `shop.jobs...`: a worker imports the copy as `shop`, so the fix must too."""
    expected = fixed_purge_job(copy_shop(tmp_path / "reference" / "shop"))
    assert "from shop.jobs.application_job import ApplicationJob" in expected
    assert fixed_purge_job(copy_shop(tmp_path / name)) == expected
