"""JSON in ruff's shape, so tools that read ``ruff --output-format json`` read ours: a list
of objects with ``code``, ``message``, ``filename`` (absolute), 1-based ``location`` and
``end_location`` ``{row, column}``, ``fix``, ``url`` and ``noqa_row``, plus joblint's own
``name`` and ``severity``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import libcst as cst

from joblint.diagnostics import Diagnostic
from joblint.fix.fixer import edits
from joblint.report.pages import rule_url

if TYPE_CHECKING:
    from joblint.report import ReportOptions


def fix_json(
    diagnostic: Diagnostic, modules: dict[Path, cst.Module | None]
) -> dict[str, Any] | None:
    """Ruff's ``fix`` object: applicability, message and the edits, computed by applying
    the fix's transformation to the file as it is."""
    fix = diagnostic.fix
    if fix is None:
        return None
    if diagnostic.path not in modules:
        try:
            modules[diagnostic.path] = cst.parse_module(diagnostic.path.read_bytes())
        except (OSError, cst.ParserSyntaxError):
            modules[diagnostic.path] = None
    module = modules[diagnostic.path]
    changes: list[dict[str, object]] = []
    if module is not None:
        try:
            changes = edits(module.code, fix.transform(module).code)
        except Exception:  # a broken fix shows as a fix with no edits, never a traceback
            changes = []
    return {"applicability": fix.applicability.value, "message": fix.message, "edits": changes}


def as_json(
    diagnostic: Diagnostic, modules: dict[Path, cst.Module | None] | None = None
) -> dict[str, Any]:
    return {
        "cell": None,
        "code": diagnostic.code,
        "name": diagnostic.name,
        "message": diagnostic.message,
        "filename": str(diagnostic.path),
        "location": {"row": diagnostic.span.start.line, "column": diagnostic.span.start.column},
        "end_location": {"row": diagnostic.span.end.line, "column": diagnostic.span.end.column},
        "fix": fix_json(diagnostic, {} if modules is None else modules),
        "noqa_row": diagnostic.line,
        "url": rule_url(diagnostic.code),
        "severity": diagnostic.severity.value,
    }


def render(diagnostics: Sequence[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    modules: dict[Path, cst.Module | None] = {}
    json.dump([as_json(d, modules) for d in diagnostics], out, indent=2)
    out.write("\n")
