"""GitHub Actions workflow commands: one ``::error`` (or ``::warning``) annotation per
finding, which GitHub shows on the pull request's diff at the flagged lines. The shape is
ruff's (``::error title=joblint (JOB101),file=...,line=...,col=...,endLine=...,
endColumn=...::path:line:col: JOB101 message``), escaped as the workflow command syntax
requires: ``%``, CR and LF everywhere, and ``:`` and ``,`` in properties. Other control
characters are shown visibly, as in the text format: GitHub's log obeys escape sequences.
A run's errors (a missing path, a bug) are ``::error`` annotations too, without a file, so
that a run with no findings does not look clean on the pull request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from joblint.diagnostics import Diagnostic, Severity
from joblint.printable import printable

if TYPE_CHECKING:
    from joblint.report import ReportOptions


def _data(text: str) -> str:
    text = printable(text, keep_line_breaks=True)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(diagnostic: Diagnostic, options: ReportOptions) -> str:
    level = "error" if diagnostic.severity is Severity.ERROR else "warning"
    path = options.display_path(diagnostic.path)
    span = diagnostic.span
    properties = ",".join(
        [
            f"title={_property(f'joblint ({diagnostic.code})')}",
            f"file={_property(path)}",
            f"line={span.start.line}",
            f"col={span.start.column}",
            f"endLine={span.end.line}",
            f"endColumn={span.end.column}",
        ]
    )
    message = (
        f"{path}:{span.start.line}:{span.start.column}: {diagnostic.code} {diagnostic.message}"
    )
    return f"::{level} {properties}::{_data(message)}"


def render(diagnostics: Sequence[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    for diagnostic in diagnostics:
        out.write(annotation(diagnostic, options) + "\n")
    for message in options.errors:
        out.write(f"::error title={_property('joblint')}::{_data(message)}\n")
