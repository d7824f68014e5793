"""The project's Python files as the last walk of it found them, kept while none of the
folders that walk looked into has changed: git's untracked cache works the same way.

Walking a large tree and matching every path against the exclusion globs and ``.gitignore``
files took a few tenths of a second on saleor (4,300 files), most of a one-file check that
starts from a snapshot. A file created, deleted or renamed changes the modification time of
its folder, and so does a ``.gitignore`` or a ``pyvenv.cfg`` appearing; a ``.gitignore``
edited in place changes its own. So the walk is kept with the time of every folder it
looked into and of each one's ``.gitignore``, and used again while all of them are the
same. The settings (the exclusions) key it. A folder changed moments before the walk read
it might change again within the same tick of the clock, unseen: such a walk is not kept.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from joblint.config import Settings
from joblint.engine.cache import ResultCache, canonical, code_key
from joblint.parse.discovery import discover

# A folder changed this recently (in nanoseconds) when the walk began is not trusted.
RECENT = 2_000_000_000

Stamp = list[int]


def project_files(settings: Settings, directory: Path | None) -> tuple[Path, ...]:
    """The Python files of the settings' project, from the walk kept in ``directory``
    (the cache folder) while it holds, else from a new walk (kept there in turn); None:
    no cache."""
    root = settings.project_root
    if directory is None:
        return discover([root], settings).files
    cache = ResultCache(directory)
    # Not a `.json` file: the folder's results are those, pruned to the latest few.
    name = f"walk-{code_key([('settings', canonical(settings))])}.walk"
    kept = _kept_files(_json(cache.get_bytes(name)))
    if kept is not None:
        return kept
    began = time.time_ns()
    walked: list[Path] = []
    files = discover([root], settings, walked=walked).files
    stamps = {str(folder): _stamp(folder) for folder in walked}
    if all(stamp is not None and stamp[0] < began - RECENT for stamp in stamps.values()):
        walk = {"folders": stamps, "files": [str(path) for path in files]}
        cache.put_bytes(name, json.dumps(walk).encode())
    return files


def _json(data: bytes | None) -> object:
    try:
        return None if data is None else json.loads(data)
    except ValueError:
        return None  # damaged: walk again


def _kept_files(stored: object) -> tuple[Path, ...] | None:
    """The kept walk's files when every folder it looked into is as it was."""
    if not isinstance(stored, dict):
        return None
    folders, files = stored.get("folders"), stored.get("files")
    if not isinstance(folders, dict) or not isinstance(files, list):
        return None
    for folder, stamp in folders.items():
        if _stamp(Path(folder)) != stamp:
            return None
    return tuple(Path(path) for path in files if isinstance(path, str))


def _stamp(folder: Path) -> Stamp | None:
    """The folder's modification time, and its ``.gitignore``'s time and size (or -1)."""
    try:
        mtime = os.stat(folder).st_mtime_ns
    except OSError:
        return None
    try:
        ignore = os.stat(folder / ".gitignore")
        return [mtime, ignore.st_mtime_ns, ignore.st_size]
    except OSError:
        return [mtime, -1, -1]
