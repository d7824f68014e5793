"""The default hypothesis profile makes the suite deterministic: the same examples on
every machine and every run, and nothing carried over from an earlier run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(
    os.environ.get("HYPOTHESIS_PROFILE", "ci") != "ci", reason="an exploring profile was chosen"
)
def test_the_default_profile_is_derandomised_and_keeps_no_examples() -> None:
    assert settings.default.derandomize is True
    assert settings.default.database is None


def test_a_failing_example_is_not_kept_for_the_next_run(tmp_path: Path) -> None:
    """A run that fails writes nothing to ``.hypothesis/``: the next run in the same
    checkout fails or passes on its own merits."""
    (tmp_path / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text())
    (tmp_path / "test_odd.py").write_text(
        "from hypothesis import given, strategies as st\n\n"
        "@given(st.integers())\n"
        "def test_small(n):\n"
        "    assert n < 1000\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_PROFILE"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)]
    first = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    second = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert first.returncode == second.returncode == 1
    assert not (tmp_path / ".hypothesis" / "examples").exists()
    falsifying = [line for line in first.stdout.splitlines() if "n=" in line]
    assert falsifying == [line for line in second.stdout.splitlines() if "n=" in line]
