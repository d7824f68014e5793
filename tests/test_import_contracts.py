"""The layers the folders show hold: import-linter's contracts (in pyproject.toml) are
kept. A rule that imports a frontend, a frontend that imports another, or the runtime
importing the linter fails here, and in CI."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from lint_support import REPO


def _lint_imports() -> str:
    found = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert found is not None, "import-linter is a test dependency: pip install -e '.[test]'"
    return found


def test_every_contract_is_kept_without_exceptions() -> None:
    contracts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "importlinter"
    ]["contracts"]
    assert {contract["type"] for contract in contracts} >= {"layers", "forbidden", "independence"}
    # Exceptions would let the layering rot one line at a time.
    assert all("ignore_imports" not in contract for contract in contracts)
    result = subprocess.run(
        [_lint_imports(), "--no-cache"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(contracts)} kept, 0 broken." in result.stdout


def test_a_rule_importing_a_frontend_breaks_a_contract(tmp_path: Path) -> None:
    """The contracts are not vacuous: a copy of the package where one rule imports a
    frontend is refused."""
    copy = tmp_path / "repo"
    shutil.copytree(
        REPO / "joblint", copy / "joblint", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(REPO / "pyproject.toml", copy / "pyproject.toml")
    rule = copy / "joblint/rules/naming.py"
    rule.write_text(
        rule.read_text(encoding="utf-8") + "\nfrom joblint.frameworks import celery  # noqa\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [_lint_imports(), "--no-cache"],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(copy), "PATH": str(Path(sys.executable).parent)},
    )
    assert result.returncode == 1
    assert "joblint.rules.naming -> joblint.frameworks.celery" in result.stdout
