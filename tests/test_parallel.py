"""`--jobs`: the same findings, in the same order, with one process or several."""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_support import write_tree
from test_cli import run

from joblint.engine.linter import PARALLEL_FROM


@pytest.fixture
def big_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    files: dict[str, str | bytes] = {"pyproject.toml": "[tool.joblint]\n"}
    for number in range(PARALLEL_FROM + 40):
        files[f"pkg/module_{number:03}.py"] = f"VALUE_{number} = {number}\n"
    # Syntax errors spread over both halves, so each process finds some.
    for number in (3, 117, 201, 238):
        files[f"pkg/module_{number:03}.py"] = "def broken(:\n"
    files["pkg/latin.py"] = "x = 'caf\xe9'\n".encode("latin-1")
    write_tree(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_several_processes_report_what_one_does_in_the_same_order(big_tree: Path) -> None:
    one = run("check", "--no-cache", "--jobs", "1", "--output-format", "concise")
    two = run("check", "--no-cache", "--jobs", "2", "--output-format", "concise")
    assert one == two
    lines = [line for line in one[1].splitlines() if "JOB00" in line]
    assert [line.split(":")[0] for line in lines] == [
        "pkg/latin.py",
        "pkg/module_003.py",
        "pkg/module_117.py",
        "pkg/module_201.py",
        "pkg/module_238.py",
    ]
    assert one[0] == 1


@pytest.mark.parametrize("value", ["0", "two"])
def test_a_bad_job_count_is_a_usage_error(big_tree: Path, value: str) -> None:
    code, _, err = run("check", "--jobs", value)
    assert code == 2 and "--jobs" in err
