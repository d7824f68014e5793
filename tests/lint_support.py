"""Shared helpers for the linter's tests: write a tree into a temporary folder, lint it.

A plain module rather than ``conftest.py``: the runtime's tests have a conftest of their
own, and two modules named ``conftest`` cannot both be imported by name."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from joblint.config import Settings
from joblint.diagnostics import Diagnostic
from joblint.engine import Linter
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


def lint_tree(root: Path, settings: Settings | None = None) -> list[Diagnostic]:
    """Every rule, opt-in ones included, so an example must be clean of all of them."""
    settings = settings or Settings(project_root=root)
    linter = Linter(settings, enabled=frozenset(rule.code for rule in ALL_RULES))
    return [result for result in linter.lint_paths([root]) if isinstance(result, Diagnostic)]
