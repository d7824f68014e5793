"""One line per finding: ``path:line:col: CODE message``, the shape editors and grep read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from joblint.diagnostics import Applicability, Diagnostic
from joblint.printable import printable
from joblint.report.summary import write_summary

if TYPE_CHECKING:
    from joblint.report import ReportOptions


def line_for(diagnostic: Diagnostic, options: ReportOptions) -> str:
    """``path:line:col: CODE [*] message``: ``[*]`` marks a fix the current options allow
    (ruff's mark); an unsafe fix is marked only with ``--unsafe-fixes``. The path and the
    message may quote the file, so their control characters are shown visibly."""
    fix = diagnostic.fix
    fixable = fix is not None and (fix.applicability is Applicability.SAFE or options.unsafe_fixes)
    mark = "[*] " if fixable else ""
    return printable(
        f"{options.display_path(diagnostic.path)}:{diagnostic.line}:{diagnostic.column}: "
        f"{diagnostic.code} {mark}{diagnostic.message}"
    )


def render(diagnostics: Sequence[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    for diagnostic in diagnostics:
        out.write(line_for(diagnostic, options) + "\n")
    write_summary(diagnostics, out, options)
