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

The run itself is ``joblint check`` in a child process started with ``subprocess``, with
its JSON output read back. In flake8's process it would be serial: flake8's pool workers
are daemonic, and a daemonic process may not start the worker processes joblint shares a
large project's modules among (``--jobs``), so the plugin took joblint's one-process time
(55 to 60 s on polar) where the command takes its parallel one. The child is a fresh
interpreter and uses every core. Its command line asks for exactly the in-process run it
replaces: the same configuration file (``--config``), the same rules (``--select`` with
the linter's enabled codes), the project root as its one path, ``--no-cache`` (this module
keeps the result), at the CLI's default ``--jobs``. It inherits the working directory
(every path it is given is absolute, and a relative ``PYTHONPATH`` means what it means to
flake8) and the environment unchanged: the only variable the linter reads,
``JOBLINT_DEBUG``, prints a traceback on stderr and changes no finding. A linter that
carries rules other than joblint's registered ones (tests pass their own), or settings
that its configuration file does not give, is run in this process, as a child would not
know them.

A run that hit a problem is not stored, and each file is then checked on its own: a
problem the run reported (in process, a ``Problem``; in the child, exit code 2), or a
child that was killed or printed something that is not the findings. Nor is a run during
which a project file changed (saved in an editor while the child read the project): its
findings may belong to neither version. This flake8 run still reads it for every file but
the changed ones, which are checked on their own: checking every file on its own costs a
large project far more than the run (minutes and gigabytes on polar).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from joblint.config import Settings, load_settings
from joblint.diagnostics import Diagnostic
from joblint.engine.cache import CACHE_DIR_NAME, ResultCache, Uncacheable, run_key
from joblint.engine.linter import Linter, Problem
from joblint.errors import UserError
from joblint.parse.discovery import discover
from joblint.rules import ALL_RULES, RULES_BY_CODE

# A finding as flake8 shows it: line, column (1-based), code, message.
Finding = tuple[int, int, str, str]

# The child's entry point: the `joblint` command (`cli.run`), started with `-P` so that
# the modules of the folder flake8 runs in (a project's `queue` package, say) cannot
# shadow the standard library's, and with Ctrl-C restored: flake8's pool workers ignore
# SIGINT, a child started from one inherits that, and it would run on after flake8 stopped.
_CHILD_MAIN = (
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from joblint.cli import run; run()"
)


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
        if stored is not None:
            return ProjectRun(stored, reads)
        analysed = _analyse(linter, settings, reads)
        if analysed is None:
            return None
        findings, changed = analysed
        if not changed:
            cache.put_json(key, {str(path): found for path, found in findings.items()})
    unchanged = {path: data for path, data in reads.items() if path not in changed}
    return ProjectRun(findings, unchanged)


def _analyse(
    linter: Linter, settings: Settings, reads: dict[Path, bytes]
) -> tuple[dict[Path, list[Finding]], frozenset[Path]] | None:
    """The findings of every file, from a child process when one can give exactly this
    linter's findings, else from this one, and the files that changed since ``reads``
    was read (a run in this process reads ``reads`` itself); None when the run hit a
    problem."""
    if not _child_can_run(linter, settings):
        findings = _analyse_here(linter, settings, reads)
        return None if findings is None else (findings, frozenset())
    findings = _analyse_in_child(linter.enabled, settings)
    return None if findings is None else (findings, _changed_since(reads))


def _child_can_run(linter: Linter, settings: Settings) -> bool:
    """Whether ``joblint check`` finds what ``linter`` would: it runs joblint's registered
    rules and reads its settings from the configuration file, so the linter must carry
    exactly those rules and settings."""
    rules = linter.rules
    if len(rules) != len(ALL_RULES):
        return False
    if any(ours is not registered for ours, registered in zip(rules, ALL_RULES, strict=True)):
        return False
    assert settings.config_path is not None
    try:
        return load_settings(settings.config_path, settings.config_path.parent) == settings
    except UserError:
        return False


def _analyse_here(
    linter: Linter, settings: Settings, reads: dict[Path, bytes]
) -> dict[Path, list[Finding]] | None:
    """The findings of every file, analysed in this process (serially: see the module's
    docstring); None when the run hit a problem (a bug in a rule, an unreadable file)."""
    runner = Linter(settings, enabled=linter.enabled, rules=linter.rules, preread=reads)
    findings: dict[Path, list[Finding]] = {}
    for result in runner.lint_paths([settings.project_root]):
        if isinstance(result, Problem):
            return None
        findings.setdefault(result.path, []).append(_finding(result))
    return findings


def _analyse_in_child(
    enabled: frozenset[str], settings: Settings
) -> dict[Path, list[Finding]] | None:
    """The findings of every file, from ``joblint check`` in a child process; None when
    it could not be started, exited with anything but 0 (2: a problem; a signal: killed)
    or printed something other than the findings."""
    try:
        child = subprocess.run(
            _child_command(enabled, settings),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
        )
    except OSError:
        return None
    if child.returncode != 0:
        return None
    return _parse_json(child.stdout)


def _child_command(enabled: frozenset[str], settings: Settings) -> list[str]:
    """``joblint check`` over the project root, as the in-process run would check it.
    ``--select`` with full codes replaces every other selection, opt-in rules included;
    a code no registered rule has selects nothing in process and is refused by the
    command line, so it is left out; no code at all is ``--ignore ALL`` (an empty
    ``--select`` is refused)."""
    assert settings.config_path is not None
    codes = sorted(code for code in enabled if code in RULES_BY_CODE)
    selection = ["--select", ",".join(codes)] if codes else ["--ignore", "ALL"]
    return [
        sys.executable, "-P", "-c", _CHILD_MAIN, "check",
        "--config", str(settings.config_path),
        "--output-format", "json", "--exit-zero", "--no-cache", *selection,
        "--", str(settings.project_root),
    ]  # fmt: skip


def _parse_json(output: bytes) -> dict[Path, list[Finding]] | None:
    """The findings by file in ``joblint check --output-format json``'s output (see
    ``joblint.report.json_format``); None for anything else."""
    try:
        diagnostics = json.loads(output)
        if not isinstance(diagnostics, list):
            return None
        findings: dict[Path, list[Finding]] = {}
        for diagnostic in diagnostics:
            location = diagnostic["location"]
            finding = (
                _integer(location["row"]),
                _integer(location["column"]),
                _text(diagnostic["code"]),
                _text(diagnostic["message"]),
            )
            findings.setdefault(Path(_text(diagnostic["filename"])), []).append(finding)
    except (ValueError, TypeError, KeyError):
        return None
    return findings


def _integer(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"not a line or column: {value!r}")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"not text: {value!r}")
    return value


def _changed_since(reads: Mapping[Path, bytes]) -> frozenset[Path]:
    """The files that no longer hold the bytes the run's key was made from (or cannot
    be read now): the child read the files again, and a file saved while it ran would
    leave findings of one version stored under the key of the other."""
    changed = set()
    for path, data in reads.items():
        try:
            if path.read_bytes() != data:
                changed.add(path)
        except OSError:
            changed.add(path)
    return frozenset(changed)


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
