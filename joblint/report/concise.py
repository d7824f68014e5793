"""One line per finding: ``path:line:col: CODE message``, the shape editors and grep read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from joblint.diagnostics import Diagnostic
from joblint.report.summary import write_summary

if TYPE_CHECKING:
    from joblint.report import ReportOptions


def line_for(diagnostic: Diagnostic, options: ReportOptions) -> str:
    return (
        f"{options.display_path(diagnostic.path)}:{diagnostic.line}:{diagnostic.column}: "
        f"{diagnostic.code} {diagnostic.message}"
    )


def render(diagnostics: Sequence[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    for diagnostic in diagnostics:
        out.write(line_for(diagnostic, options) + "\n")
    write_summary(diagnostics, out, options)
