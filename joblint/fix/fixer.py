"""Applying fixes: libcst transformations, verified before anything is written.

For each file: parse its bytes (libcst keeps the encoding, a BOM and the line endings),
apply every selected fix of the file in turn, re-parse the result, and lint again, until
nothing changes (at most ``MAX_ROUNDS`` rounds, since one fix can shift the positions
another fix looks for). A result that does not parse is never kept: the file stays as it
was and the failure is reported. Files are written atomically (a temporary file beside
the original, then a rename), keeping their permission bits.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from joblint.diagnostics import Applicability, Diagnostic, Fix

MAX_ROUNDS = 5


@dataclass
class FileFix:
    path: Path
    original: bytes
    fixed: bytes
    applied: list[Diagnostic] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.fixed != self.original

    def diff(self, display: str) -> str:
        def lines(data: bytes) -> list[str]:
            return cst.parse_module(data).code.splitlines(keepends=True)

        return "".join(
            difflib.unified_diff(
                lines(self.original), lines(self.fixed), f"a/{display}", f"b/{display}"
            )
        )


def wanted(fix: Fix | None, unsafe: bool) -> bool:
    return fix is not None and (fix.applicability is Applicability.SAFE or unsafe)


def apply_to_module(
    data: bytes, diagnostics: Iterable[Diagnostic], unsafe: bool
) -> tuple[bytes, list[Diagnostic], str | None]:
    """Apply the wanted fixes of one file's diagnostics to its bytes. Returns the new
    bytes, the diagnostics whose fix changed something, and an error message when the
    result would not parse (then the bytes are the input's)."""
    try:
        module = cst.parse_module(data)
    except cst.ParserSyntaxError:
        return data, [], None
    applied: list[Diagnostic] = []
    code = module.code  # generated once per change, not twice per fix
    for diagnostic in diagnostics:
        fix = diagnostic.fix
        if fix is None or not wanted(fix, unsafe):
            continue
        try:
            changed = fix.transform(module)
        except Exception as error:  # a bug in one fix must not lose the others
            return data, [], f"fix for {diagnostic.code} failed: {type(error).__name__}: {error}"
        if changed is module:
            continue
        changed_code = changed.code
        if changed_code != code:
            module, code = changed, changed_code
            applied.append(diagnostic)
    result = code.encode(module.encoding)  # what ``module.bytes`` would generate again
    try:
        cst.parse_module(result)
    except cst.ParserSyntaxError as error:
        return (
            data,
            [],
            f"fixes would leave code that does not parse ({error.message}); not applied",
        )
    return result, applied, None


def fix_until_stable(
    sources: dict[Path, bytes],
    lint: Callable[[dict[Path, bytes]], Sequence[Diagnostic]],
    unsafe: bool,
) -> tuple[dict[Path, FileFix], list[tuple[Path, str]]]:
    """Lint, fix, and lint again until no fix changes anything."""
    current = dict(sources)
    results = {path: FileFix(path, data, data) for path, data in sources.items()}
    errors: list[tuple[Path, str]] = []
    failed: set[Path] = set()
    for _ in range(MAX_ROUNDS):
        by_path: dict[Path, list[Diagnostic]] = {}
        for diagnostic in lint(current):
            if diagnostic.path not in failed and wanted(diagnostic.fix, unsafe):
                by_path.setdefault(diagnostic.path, []).append(diagnostic)
        progressed = False
        for path, diagnostics in by_path.items():
            if path not in current:
                continue
            new, applied, error = apply_to_module(current[path], diagnostics, unsafe)
            if error is not None:
                errors.append((path, error))
                failed.add(path)
                continue
            if new != current[path]:
                current[path] = new
                results[path].fixed = new
                results[path].applied.extend(applied)
                progressed = True
        if not progressed:
            break
    return {path: result for path, result in results.items() if result.changed}, errors


def write_atomically(path: Path, data: bytes) -> None:
    mode = path.stat().st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".joblint", dir=path.parent
    )
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def edits(original: str, fixed: str) -> list[dict[str, object]]:
    """Ruff's ``edits``: one replacement covering what changed, 1-based rows and columns."""
    if original == fixed:
        return []
    start = 0
    while start < min(len(original), len(fixed)) and original[start] == fixed[start]:
        start += 1
    end_original, end_fixed = len(original), len(fixed)
    while (
        end_original > start
        and end_fixed > start
        and original[end_original - 1] == fixed[end_fixed - 1]
    ):
        end_original -= 1
        end_fixed -= 1

    def location(offset: int) -> dict[str, int]:
        row = original.count("\n", 0, offset) + 1
        column = offset - (original.rfind("\n", 0, offset) + 1) + 1
        return {"row": row, "column": column}

    return [
        {
            "content": fixed[start:end_fixed],
            "location": location(start),
            "end_location": location(end_original),
        }
    ]
