"""The closing lines of the human formats: a count, or the ``--statistics`` table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from joblint.diagnostics import Diagnostic

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
    if not diagnostics:
        out.write("All checks passed!\n")
        return
    noun = "error" if len(diagnostics) == 1 else "errors"
    out.write(f"Found {len(diagnostics)} {noun}.\n")
