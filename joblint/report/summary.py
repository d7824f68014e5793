"""The closing lines of the human formats: a count, or the ``--statistics`` table, and
whether the check was incomplete."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from joblint.diagnostics import Applicability, Diagnostic

if TYPE_CHECKING:
    from joblint.report import ReportOptions


def write_summary(diagnostics: Sequence[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    if options.statistics:
        counts = Counter((d.code, d.name) for d in diagnostics)
        width = max((len(str(n)) for n in counts.values()), default=1)
        for (code, name), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            out.write(f"{count:>{width}}\t{code}\t{name}\n")
    if options.quiet:
        return
    if not diagnostics and not options.fixed:
        if options.errors:
            see = see_errors(len(options.errors))
            out.write(f"No findings, but the check is incomplete: {see}.\n")
        else:
            out.write("All checks passed!\n")
        return
    _write_counts(diagnostics, out, options)
    if options.errors:
        out.write(f"The check is incomplete: {see_errors(len(options.errors))}.\n")


def see_errors(count: int) -> str:
    """Where an error run's summary sends the reader, so that no count reads as a clean
    bill: the error lines follow the findings, on stderr."""
    return "see the error below" if count == 1 else f"see the {count} errors below"


def _write_counts(diagnostics: Sequence[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    fixed = f" ({options.fixed} fixed, {len(diagnostics)} remaining)" if options.fixed else ""
    if not diagnostics:
        noun = "error" if options.fixed == 1 else "errors"
        out.write(f"Found {options.fixed} {noun} ({options.fixed} fixed, 0 remaining).\n")
        return
    total = len(diagnostics) + options.fixed
    noun = "error" if total == 1 else "errors"
    out.write(f"Found {total} {noun}{fixed}.\n")
    fixable = sum(
        1
        for d in diagnostics
        if d.fix and (d.fix.applicability is Applicability.SAFE or options.unsafe_fixes)
    )
    hidden = sum(
        1
        for d in diagnostics
        if d.fix and d.fix.applicability is Applicability.UNSAFE and not options.unsafe_fixes
    )
    held_back = f"{hidden} hidden {'fix' if hidden == 1 else 'fixes'} can be enabled with the "
    if fixable:
        out.write(f"[*] {fixable} fixable with the `--fix` option")
        out.write(f" ({held_back}`--unsafe-fixes` option).\n" if hidden else ".\n")
    elif hidden:
        out.write(f"No fixes available ({held_back}`--unsafe-fixes` option).\n")
