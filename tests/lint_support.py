"""Shared helpers for the linter's tests: write a tree into a temporary folder, lint it.

A plain module rather than ``conftest.py``: the runtime's tests have a conftest of their
own, and two modules named ``conftest`` cannot both be imported by name."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

import hypothesmith
import libcst as cst
from hypothesis import strategies as st

from joblint.config import Settings
from joblint.diagnostics import Diagnostic
from joblint.engine.linter import Linter
from joblint.rules import ALL_RULES

REPO = Path(__file__).resolve().parent.parent


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> None:
    """Write ``files`` under ``root``, adding an ``__init__.py`` to every new folder so the
    module names are the dotted paths a reader expects."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        folder = path.parent
        while folder != root and root in folder.parents:
            (folder / "__init__.py").touch(exist_ok=True)
            folder = folder.parent
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def lint_tree(
    root: Path, settings: Settings | None = None, enabled: Collection[str] | None = None
) -> list[Diagnostic]:
    """Every rule, opt-in ones included, unless ``enabled`` names the rules to run."""
    settings = settings or Settings(project_root=root)
    codes = frozenset(rule.code for rule in ALL_RULES) if enabled is None else frozenset(enabled)
    linter = Linter(settings, enabled=codes)
    results = list(linter.lint_paths([root]))
    crashes = [r for r in results if not isinstance(r, Diagnostic) and "internal error" in str(r)]
    assert crashes == [], crashes  # a rule that crashes must not pass as a clean example
    return [result for result in results if isinstance(result, Diagnostic)]


def inventory_of(root: Path, settings: Settings | None = None) -> list[dict[str, object]]:
    """``joblint inventory --output-format json`` for ``root``, with file names relative to
    it so expectations read like the fixture tree."""
    from joblint.report.inventory import inventory

    settings = settings or Settings(project_root=root)
    analysis, problems = Linter(settings).analyse_paths([root])
    assert problems == []
    rows = inventory(analysis)
    for row in rows:
        row["filename"] = Path(str(row["filename"])).relative_to(root).as_posix()
        for site in row["enqueue_sites"]:  # type: ignore[attr-defined]
            site["filename"] = Path(site["filename"]).relative_to(root).as_posix()
    return rows


def brief(rows: list[dict[str, object]]) -> list[tuple[object, ...]]:
    """One tuple per job: (framework, name, queue, "file:line", ["file:line" of each site])."""
    return [
        (
            row["framework"],
            row["name"],
            row["queue"],
            f"{row['filename']}:{row['line']}",
            [f"{s['filename']}:{s['line']}" for s in row["enqueue_sites"]],  # type: ignore[attr-defined]
        )
        for row in rows
    ]


def _module_or_none(source: str) -> cst.Module | None:
    try:
        return cst.parse_module(source)
    except Exception:  # generated text libcst cannot read is not these tests' subject
        return None


# Programs from Python's grammar (hypothesmith) that libcst parses, as modules.
GENERATED_MODULES: st.SearchStrategy[cst.Module] = (
    hypothesmith.from_grammar().map(_module_or_none).filter(lambda module: module is not None)
)  # type: ignore[assignment]
