"""The result cache: a run whose inputs have not changed prints what the last such run
printed, without parsing anything.

joblint's findings are cross-file: a job's queue declared in one module decides a finding
at an enqueue site in another, and the queue file, the Django settings and the Celery
configuration decide findings everywhere. A per-file cache would have to know which files
each finding depends on; getting that wrong reports stale findings, which is worse than
being slow. So the key is every input of the run, and a change to any of them is a miss:

- joblint's version and its own files' sizes and times (a source checkout changes without
  its version), the Python version and the libcst version;
- the options that shape the output (the format, selection, ``--quiet``...), the working
  folder (paths are shown relative to it) and the settings as loaded;
- the path and the content digest of every file the run may read: the files checked, every
  Python file of the project (its other modules are context), the queue and recurring files
  and a ``--baseline`` file.

Reading and hashing a few thousand files takes a fraction of a second, and nothing of the
linter proper (libcst, the rules) is imported on a hit. A run that hit a problem (exit 2:
an unreadable file, a bug) is never stored, as a problem may be passing. The cache folder
holds the latest few results and tags itself as a cache for backup tools and git, as
ruff's does.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from joblint import __version__

CACHE_DIR_NAME = ".joblint_cache"
# Results kept: enough for a few option sets (CI formats, the editor's) on one tree.
KEEP = 16
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# joblint's result cache\n"


@dataclass(frozen=True)
class Replay:
    """What a run printed, and how it ended."""

    stdout: str
    stderr: str
    exit_code: int


class Uncacheable(Exception):
    """An input could not be read: the run goes ahead uncached and reports it itself."""


def run_key(
    options: Iterable[tuple[str, object]],
    files: Iterable[Path],
    reads: dict[Path, bytes] | None = None,
) -> str:
    """The digest of everything a run's output depends on. Raises ``Uncacheable`` when a
    file cannot be read. Each file's bytes go into ``reads`` when given: a run that misses
    the cache checks them instead of reading every file a second time."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(_head(options))
    for path in sorted(set(files)):
        try:
            content = path.read_bytes()
        except OSError as error:
            raise Uncacheable(str(path)) from error
        if reads is not None:
            reads[path] = content
        digest.update(os.fsencode(path) + b"\0")
        digest.update(hashlib.blake2b(content, digest_size=20).digest())
    return digest.hexdigest()


def code_key(options: Iterable[tuple[str, object]]) -> str:
    """The digest of joblint's code (its version, its files, Python's and libcst's
    versions) and ``options``, without any input file: the key of what joblint concludes
    from files whose contents are checked one by one (``joblint.engine.snapshot``)."""
    return hashlib.blake2b(_head(options), digest_size=20).hexdigest()


def _head(options: Iterable[tuple[str, object]]) -> bytes:
    head = {
        "joblint": __version__,
        "python": sys.version,
        "libcst": _version("libcst"),
        "code": _own_code(),
        **{name: canonical(value) for name, value in options},
    }
    return json.dumps(head, sort_keys=True).encode()


def canonical(value: object) -> object:
    """``value`` as JSON the same in every process: sets sorted (their order follows
    string hashing, which differs from run to run), dataclasses and paths spelled out."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: canonical(getattr(value, field.name)) for field in dataclasses.fields(value)
        }
    if isinstance(value, set | frozenset):
        return sorted((canonical(item) for item in value), key=repr)
    if isinstance(value, list | tuple):
        return [canonical(item) for item in value]
    if isinstance(value, dict):
        return sorted(([canonical(k), canonical(v)] for k, v in value.items()), key=repr)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _own_code() -> list[tuple[str, int, int]]:
    """joblint's own files by size and modification time: in a source checkout the code
    and the rule pages change without the version, and a developer must not be shown
    what the previous code found. Stat only; a few milliseconds."""
    package = Path(__file__).resolve().parents[1]  # joblint/, above engine/
    checkout = (package.parent / "pyproject.toml").is_file()
    found = []
    for folder in (package, package.parent / "rules") if checkout else (package,):
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            if path.suffix in (".py", ".md", ".txt") and "__pycache__" not in path.parts:
                stat = path.stat()
                found.append((str(path), stat.st_mtime_ns, stat.st_size))
    return found


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


class ResultCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get(self, key: str) -> Replay | None:
        stored = self.get_json(key)
        if not isinstance(stored, dict):
            return None  # absent, or damaged: a miss either way
        try:
            return Replay(str(stored["stdout"]), str(stored["stderr"]), int(stored["exit_code"]))
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, key: str, replay: Replay) -> None:
        self.put_json(
            key, {"stdout": replay.stdout, "stderr": replay.stderr, "exit_code": replay.exit_code}
        )

    def get_bytes(self, name: str) -> bytes | None:
        """The file ``name`` of the folder as ``put_bytes`` wrote it; None when absent."""
        try:
            return (self.directory / name).read_bytes()
        except OSError:
            return None

    def put_bytes(self, name: str, data: bytes) -> None:
        """Write the file ``name`` atomically; a cache that cannot be written costs the
        next run its speed, never its result."""
        try:
            self.prepare()
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, self.directory / name)
        except OSError:
            return

    def get_json(self, key: str) -> object:
        """What ``put_json`` stored under ``key``; None when absent or damaged."""
        try:
            return json.loads((self.directory / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put_json(self, key: str, value: object) -> None:
        """Store ``value`` atomically; a cache that cannot be written (a read-only tree)
        costs the next run its speed, never its result."""
        try:
            self.prepare()
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(json.dumps(value))
            os.replace(temporary, self.directory / f"{key}.json")
            self._prune()
        except OSError:
            return

    def prepare(self) -> None:
        """Create the folder, tagged as a cache for backup tools and git."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, text in (
            ("CACHEDIR.TAG", _TAG),
            (".gitignore", "# Automatically created by joblint.\n*\n"),
        ):
            marker = self.directory / name
            if not marker.exists():
                marker.write_text(text, encoding="utf-8")

    def _prune(self) -> None:
        entries = sorted(
            self.directory.glob("*.json"), key=lambda path: path.stat().st_mtime, reverse=True
        )
        for stale in entries[KEEP:]:
            stale.unlink(missing_ok=True)


def clean(directory: Path) -> bool:
    """Remove the cache folder; whether there was one."""
    if not (directory / "CACHEDIR.TAG").is_file():
        return False  # never delete a folder that is not ours
    shutil.rmtree(directory, ignore_errors=True)
    return True
