"""One joblint run over the whole project, shared by every file flake8 hands the plugin.

flake8 checks one file at a time, in several processes. joblint's findings are cross-file,
so checking a file means analysing the project around it; done per file, a project of 300
files was analysed 300 times over (86 s of flake8 where joblint alone takes 14 s). Instead,
the first file of a configured project runs joblint once over the whole project, and every
later file reads its findings from that run.

Across flake8's processes the run is shared through the result cache folder
(``.joblint_cache``): the process that gets there first takes a lock, analyses the project
and stores the findings by file; the others wait for the lock and read them. The stored
run is keyed like the command line's cache (joblint's own code, the settings, the rules,
the path and digest of every file), so a later flake8 run over an unchanged project reads
it without analysing anything. A file whose text differs from what the run read (flake8
reading stdin, an editor's buffer) or that the run did not cover (excluded by joblint's
settings) is checked on its own, as before.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from joblint.config import Settings
from joblint.diagnostics import Diagnostic
from joblint.engine.cache import CACHE_DIR_NAME, ResultCache, Uncacheable, run_key
from joblint.engine.linter import Linter, Problem
from joblint.parse.discovery import discover

# A finding as flake8 shows it: line, column (1-based), code, message.
Finding = tuple[int, int, str, str]


@dataclass(frozen=True)
class ProjectRun:
    """The findings of one run over the project, by file, and the bytes each file had."""

    findings: dict[Path, list[Finding]]
    contents: dict[Path, bytes]

    def findings_for(self, path: Path, data: bytes) -> list[Finding] | None:
        """The run's findings for ``path`` when the run read exactly ``data`` there; None
        when the file must be checked on its own."""
        if self.contents.get(path) != data:
            return None
        return self.findings.get(path, [])


def project_run(linter: Linter, settings: Settings) -> ProjectRun | None:
    """The project's run, from the cache or made now; None for a project joblint cannot
    tell the extent of (no configuration file) or whose files cannot all be read."""
    if settings.config_path is None:
        return None
    files = [*discover([settings.project_root], settings).files]
    files.extend(
        path
        for path in (
            settings.project_root / settings.queue_config,
            settings.project_root / settings.recurring_config,
            settings.config_path,
        )
        if path.is_file()
    )
    reads: dict[Path, bytes] = {}
    try:
        key = "flake8-" + run_key(
            [("flake8-plugin", True), ("enabled", linter.enabled), ("settings", settings)],
            files,
            reads,
        )
    except Uncacheable:
        return None
    cache = ResultCache(settings.project_root / CACHE_DIR_NAME)
    with _locked(cache.directory):
        stored = _load(cache.get_json(key))
        if stored is None:
            stored = _analyse(linter, settings, reads)
            if stored is not None:
                cache.put_json(key, {str(path): found for path, found in stored.items()})
    if stored is None:
        return None
    return ProjectRun(stored, reads)


def _analyse(
    linter: Linter, settings: Settings, reads: dict[Path, bytes]
) -> dict[Path, list[Finding]] | None:
    """The findings of every file; None when the run hit a problem (a bug in a rule, an
    unreadable file), which is not stored: each file is then checked on its own."""
    runner = Linter(settings, enabled=linter.enabled, rules=linter.rules, preread=reads)
    findings: dict[Path, list[Finding]] = {}
    for result in runner.lint_paths([settings.project_root]):
        if isinstance(result, Problem):
            return None
        findings.setdefault(result.path, []).append(_finding(result))
    return findings


def _finding(diagnostic: Diagnostic) -> Finding:
    return (diagnostic.line, diagnostic.column, diagnostic.code, diagnostic.message)


def _load(stored: object) -> dict[Path, list[Finding]] | None:
    if not isinstance(stored, dict):
        return None
    try:
        return {
            Path(path): [(int(a), int(b), str(c), str(d)) for a, b, c, d in found]
            for path, found in stored.items()
        }
    except (TypeError, ValueError):
        return None  # damaged: analyse again


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An exclusive lock on the cache folder, so that one of flake8's processes analyses
    the project while the others wait for its result. Where there is no ``fcntl``
    (Windows) or the folder cannot be written, each process analyses on its own."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    try:
        ResultCache(directory).prepare()
        handle = os.open(directory / "flake8.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock
