"""The default format: each finding with its source line and a caret under the node."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from joblint.diagnostics import Diagnostic
from joblint.report.concise import line_for
from joblint.report.summary import write_summary

if TYPE_CHECKING:
    from joblint.report import ReportOptions


def render(diagnostics: Sequence[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    lines_by_path: dict[Path, list[str]] = {}
    for diagnostic in diagnostics:
        out.write(line_for(diagnostic, options) + "\n")
        if diagnostic.path not in lines_by_path:
            lines_by_path[diagnostic.path] = _source_lines(diagnostic.path)
        excerpt = _excerpt(diagnostic, lines_by_path[diagnostic.path])
        if excerpt:
            out.write(excerpt)
    write_summary(diagnostics, out, options)


def _source_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _excerpt(diagnostic: Diagnostic, lines: list[str]) -> str:
    line_number = diagnostic.line
    if not 1 <= line_number <= len(lines):
        return ""
    source = lines[line_number - 1]
    start = max(diagnostic.column - 1, 0)
    if diagnostic.span.end.line == line_number:
        end = max(diagnostic.span.end.column - 1, start + 1)
    else:
        end = max(len(source.rstrip()), start + 1)
    # Expand tabs on both the line and the prefix so the caret lands under the node.
    shown = source.expandtabs(4)
    prefix = len(source[:start].expandtabs(4))
    width = max(len(source[:end].expandtabs(4)) - prefix, 1)
    gutter = " " * len(str(line_number))
    return (
        f"{gutter} |\n{line_number} | {shown}\n{gutter} | {' ' * prefix}{'^' * width}\n{gutter} |\n"
    )
