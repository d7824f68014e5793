"""The default format: each finding with its source line and a caret under the node."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from joblint.diagnostics import Diagnostic
from joblint.parse.source import SourceFile, decode_source, split_lines
from joblint.printable import printable
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
    """The file's lines as the parser numbered and counted them: decoded as Python decodes
    it (coding cookie, BOM), and split only where Python ends a line. A file that cannot
    be decoded (JOB002) is read as UTF-8 with each bad byte replaced, as its column was."""
    try:
        data = path.read_bytes()
    except OSError:
        return []
    source = decode_source(path, data)
    text = source.text if isinstance(source, SourceFile) else data.decode(errors="replace")
    lines = split_lines(text)
    return lines[:-1] if lines[-1] == "" else lines


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
    # Expand tabs, and show control characters, on both the line and the prefix so the
    # caret lands under the node.
    shown = printable(source.expandtabs(4))
    prefix = len(printable(source[:start].expandtabs(4)))
    width = max(len(printable(source[:end].expandtabs(4))) - prefix, 1)
    gutter = " " * len(str(line_number))
    return (
        f"{gutter} |\n{line_number} | {shown}\n{gutter} | {' ' * prefix}{'^' * width}\n{gutter} |\n"
    )
