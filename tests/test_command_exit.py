"""The ``joblint`` command ends without the interpreter's teardown (``cli.run``), after
flushing what it wrote: the exit code and the whole output must be those of ``main``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lint_support import write_tree

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "shop"


def _joblint(cwd: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "joblint", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("files", "arguments", "code", "said"),
    [
        ({}, ("check", "--no-cache", str(EXAMPLE)), 1, "Found 7 errors"),
        ({"app/models.py": "X = 1\n"}, ("check", "--no-cache", "."), 0, "All checks passed"),
        ({"app/models.py": "X = 1\n"}, ("check", "--no-such-option"), 2, "--no-such-option"),
        ({}, ("--help",), 0, "usage: joblint"),
    ],
)
def test_the_command_exits_with_mains_code_and_all_its_output(
    tmp_path: Path, files: dict[str, str], arguments: tuple[str, ...], code: int, said: str
) -> None:
    write_tree(tmp_path, files)
    finished = _joblint(tmp_path, *arguments)
    assert finished.returncode == code
    assert said in finished.stdout + finished.stderr
