"""Baselines: adopt joblint on an existing codebase without fixing everything first.

``joblint check --write-baseline FILE`` records the current findings; ``--baseline FILE``
then reports only findings that are not in it, so CI fails on new problems while the old
ones are paid off over time. A finding is recorded by its file, its code and its
fingerprint (``joblint.report.fingerprints``), so it stays matched when lines are added above it,
and a finding fixed and later reintroduced on the same line text is matched again, as it
should be: it is the same debt.

The file is JSON, sorted, with one object per finding, so it diffs well in review.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from joblint.diagnostics import Diagnostic
from joblint.errors import UserError
from joblint.report.fingerprints import fingerprints

VERSION = 1


def _entries(diagnostics: Sequence[Diagnostic], root: Path) -> list[dict[str, str]]:
    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    entries = []
    for diagnostic, fingerprint in zip(ordered, fingerprints(ordered, root), strict=True):
        try:
            name = diagnostic.path.absolute().relative_to(root.absolute()).as_posix()
        except ValueError:
            name = diagnostic.path.as_posix()
        entries.append({"filename": name, "code": diagnostic.code, "fingerprint": fingerprint})
    return entries


def write_baseline(path: Path, diagnostics: Sequence[Diagnostic], root: Path) -> int:
    """Record ``diagnostics``; returns how many were written."""
    entries = sorted(
        _entries(diagnostics, root), key=lambda e: (e["filename"], e["code"], e["fingerprint"])
    )
    document = {"joblint-baseline": VERSION, "findings": entries}
    try:
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        raise UserError(f"{path}: cannot write the baseline: {error.strerror}") from error
    return len(entries)


def load_baseline(path: Path) -> frozenset[str]:
    """The fingerprints a baseline file records; a clear error for anything else."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise UserError(
            f"{path}: baseline file not found (write one with --write-baseline)"
        ) from error
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"{path}: cannot read the baseline: {error}") from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise UserError(f"{path}:{error.lineno}: not a baseline file: {error.msg}") from error
    if not isinstance(document, dict) or document.get("joblint-baseline") != VERSION:
        raise UserError(f"{path}: not a joblint baseline (version {VERSION} expected)")
    findings = document.get("findings")
    if not isinstance(findings, list) or not all(
        isinstance(entry, dict) and isinstance(entry.get("fingerprint"), str) for entry in findings
    ):
        raise UserError(f"{path}: not a baseline file: `findings` must list fingerprints")
    return frozenset(entry["fingerprint"] for entry in findings)


def new_findings(
    diagnostics: Sequence[Diagnostic], baseline: frozenset[str], root: Path
) -> list[Diagnostic]:
    """The findings not recorded in ``baseline``, in their usual order."""
    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    return [
        diagnostic
        for diagnostic, fingerprint in zip(ordered, fingerprints(ordered, root), strict=True)
        if fingerprint not in baseline
    ]
