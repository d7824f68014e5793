"""JSON in ruff's shape, so tools that read ``ruff --output-format json`` read ours: a list
of objects with ``code``, ``message``, ``filename`` (absolute), 1-based ``location`` and
``end_location`` ``{row, column}``, ``fix``, ``url`` and ``noqa_row``, plus joblint's own
``name`` and ``severity``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from joblint.diagnostics import Diagnostic
from joblint.pages import rule_url

if TYPE_CHECKING:
    from joblint.report import ReportOptions


def as_json(diagnostic: Diagnostic) -> dict[str, Any]:
    return {
        "cell": None,
        "code": diagnostic.code,
        "name": diagnostic.name,
        "message": diagnostic.message,
        "filename": str(diagnostic.path),
        "location": {"row": diagnostic.span.start.line, "column": diagnostic.span.start.column},
        "end_location": {"row": diagnostic.span.end.line, "column": diagnostic.span.end.column},
        "fix": None,
        "noqa_row": diagnostic.line,
        "url": rule_url(diagnostic.code),
        "severity": diagnostic.severity.value,
    }


def render(diagnostics: Sequence[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    json.dump([as_json(d) for d in diagnostics], out, indent=2)
    out.write("\n")
