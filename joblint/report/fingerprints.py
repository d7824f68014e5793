"""Fingerprints of findings that survive code moving: SARIF's ``partialFingerprints`` and
the baseline file both use them, so a finding keeps its identity across commits that only
add or remove lines elsewhere in its file.

A fingerprint hashes the rule's code, the file (relative to a root), the flagged line's
text with its whitespace normalised, and which occurrence of that same rule on that same
text in the file it is (the second identical call flagged in a file is not the first).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from joblint.diagnostics import Diagnostic


def fingerprints(diagnostics: Sequence[Diagnostic], root: Path) -> list[str]:
    """One fingerprint per diagnostic, in order (see the module's docstring)."""
    lines: dict[Path, list[str]] = {}
    seen: Counter[tuple[str, str, str]] = Counter()
    found: list[str] = []
    for diagnostic in diagnostics:
        if diagnostic.path not in lines:
            try:
                text = diagnostic.path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            lines[diagnostic.path] = text.splitlines()
        source = lines[diagnostic.path]
        line = source[diagnostic.line - 1] if 0 < diagnostic.line <= len(source) else ""
        try:
            name = diagnostic.path.absolute().relative_to(root.absolute()).as_posix()
        except ValueError:
            name = diagnostic.path.as_posix()
        key = (diagnostic.code, name, " ".join(line.split()))
        seen[key] += 1
        digest = hashlib.sha256("\0".join([*key, str(seen[key])]).encode()).hexdigest()
        found.append(digest[:32])
    return found
