"""``joblint check --add-noqa``: suppress every current finding with a ``# noqa: CODE``
comment where it is reported, for teams that prefer suppressions in the code to a baseline
file.

Like ruff's ``--add-noqa``: codes are merged into a ``# noqa:`` comment already on the line
(``# noqa: E501`` becomes ``# noqa: E501, JOB101``) unless a code there already silences
it (``# noqa: JOB2`` silences JOB203, as in flake8), a finding on a line inside a
multi-line string gets its comment after the string ends (where Python sees a comment),
and the file keeps its encoding, BOM and line endings and is written atomically. Running
it twice adds nothing. Only Python files are edited; findings in YAML files are left, and
counted.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from joblint.diagnostics import Diagnostic
from joblint.fix.fixer import write_atomically
from joblint.parse.source import SourceFile, read_source
from joblint.parse.suppression import NOQA_INLINE, comment_lines, silences

LINE_END = re.compile(r"(\r\n|\r|\n)$")


def _with_codes(line: str, codes: list[str]) -> str:
    body, ending = line, ""
    match = LINE_END.search(line)
    if match:
        body, ending = line[: match.start()], match.group(1)
    existing = NOQA_INLINE.search(body)
    if existing is not None and existing.group("codes") is None:
        return line  # a blanket noqa already silences everything
    if existing is not None:
        present = [c.strip() for c in re.split(r"[,\s]+", existing.group("codes")) if c.strip()]
        written = {code.upper() for code in present}
        merged = present + [c for c in codes if not silences(written, c)]
        if merged == present:
            return line
        comment = f"# noqa: {', '.join(merged)}"
        return body[: existing.start()] + comment + body[existing.end() :] + ending
    return f"{body.rstrip()}  # noqa: {', '.join(codes)}{ending}"


def add_noqa(source: SourceFile, diagnostics: Sequence[Diagnostic]) -> bytes | None:
    """The file with comments added, or None when nothing changes."""
    moved = comment_lines(source.text)
    codes: dict[int, list[str]] = defaultdict(list)
    for diagnostic in diagnostics:
        line = moved.get(diagnostic.line, diagnostic.line)
        if diagnostic.code not in codes[line]:
            codes[line].append(diagnostic.code)
    # Python's own line breaks only (a form feed or U+2028 inside a line is not one).
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", source.text)
    for number, found in codes.items():
        if 0 < number <= len(lines):
            lines[number - 1] = _with_codes(lines[number - 1], sorted(found))
    text = "".join(lines)
    if text == source.text:
        return None
    return text.encode(source.encoding)  # `utf-8-sig` writes the BOM back


def add_noqa_comments(diagnostics: Sequence[Diagnostic]) -> tuple[int, int]:
    """Add the comments to every Python file with findings; returns (comments' findings
    handled, findings left because they are not in a Python file)."""
    by_path: dict[Path, list[Diagnostic]] = defaultdict(list)
    left = 0
    for diagnostic in diagnostics:
        if diagnostic.path.suffix in (".py", ".pyi") and diagnostic.code not in ("JOB001",):
            by_path[diagnostic.path].append(diagnostic)
        else:
            left += 1
    handled = 0
    for path, found in sorted(by_path.items()):
        source = read_source(path)
        if not isinstance(source, SourceFile):
            left += len(found)
            continue
        new = add_noqa(source, found)
        if new is not None:
            write_atomically(path, new)
        handled += len(found)
    return handled, left
