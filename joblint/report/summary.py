"""The closing lines of the human formats: a count, or the ``--statistics`` table."""

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
    fixed = f" ({options.fixed} fixed, {len(diagnostics)} remaining)" if options.fixed else ""
    if not diagnostics:
        out.write(
            f"Found {options.fixed} {'error' if options.fixed == 1 else 'errors'} "
            f"({options.fixed} fixed, 0 remaining).\n"
            if options.fixed
            else "All checks passed!\n"
        )
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
