"""Turning the paths a user names into the Python files to check.

Folders are walked; files named explicitly are always checked (as ruff does: naming a file
is a stronger statement than a glob), unless ``force_exclude`` is set, which pre-commit
wants because it names every changed file. Skipped while walking: hidden folders, virtual
environments (any folder with a ``pyvenv.cfg``), the ``exclude`` and ``extend-exclude``
globs (gitignore syntax, relative to the project root) and whatever ``.gitignore`` files
ignore. Symbolic links to folders are not followed, so a link loop cannot trap the walk.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec

from joblint.config import Settings


@dataclass(frozen=True)
class PathProblem:
    """A path the user named that cannot be checked."""

    path: Path
    message: str


@dataclass(frozen=True)
class Discovery:
    files: tuple[Path, ...]
    problems: tuple[PathProblem, ...]


class _Ignores:
    """The exclusion rules in force below one folder: the settings' globs plus every
    ``.gitignore`` between the project root and here."""

    def __init__(self, settings: Settings, root: Path | None = None) -> None:
        self.settings = settings
        self.root = settings.project_root if root is None else root
        self.excludes = pathspec.GitIgnoreSpec.from_lines(
            [*settings.exclude, *settings.extend_exclude]
        )
        self._gitignores: dict[Path, pathspec.GitIgnoreSpec | None] = {}
        self._chains: dict[Path, tuple[tuple[str, pathspec.GitIgnoreSpec], ...]] = {}
        self._root_text = str(self.root)

    def rebased(self, directory: Path) -> _Ignores:
        """The rules for walking a folder the user named although it is excluded (a
        package under ``site-packages``, say): naming it is a stronger statement than the
        glob, as in ruff, so the globs and ``.gitignore`` files apply below it only."""
        return _Ignores(self.settings, root=directory)

    def _gitignore(self, directory: Path) -> pathspec.GitIgnoreSpec | None:
        if directory not in self._gitignores:
            spec = None
            ignore_file = directory / ".gitignore"
            try:
                if ignore_file.is_file():
                    lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
                    spec = pathspec.GitIgnoreSpec.from_lines(lines)
            except OSError:
                spec = None
            self._gitignores[directory] = spec
        return self._gitignores[directory]

    def ignored(self, path: Path, is_dir: bool) -> bool:
        suffix = "/" if is_dir else ""
        relative = self._relative(str(path))
        if self.excludes.match_file((path.name if relative is None else relative) + suffix):
            return True
        if relative is None:
            return False
        # Deeper .gitignore files override shallower ones, as in git.
        verdict = False
        for base, spec in self._chain(path.parent):
            inner = relative[len(base) + 1 :] if base else relative
            include = spec.check_file(inner + suffix).include
            if include is not None:
                verdict = include
        return verdict

    def _relative(self, text: str) -> str | None:
        """``text`` (an absolute path) relative to the root, by string: a walk asks this
        of every file, and pathlib's ``relative_to`` costs more than the rest of it."""
        if text == self._root_text:
            return "."
        prefix = self._root_text.rstrip("/") + "/"
        return text[len(prefix) :] if text.startswith(prefix) else None

    def _chain(self, directory: Path) -> tuple[tuple[str, pathspec.GitIgnoreSpec], ...]:
        """The ``.gitignore`` files from the root down to ``directory``, each with its
        folder relative to the root ("" for the root), shallowest first."""
        found = self._chains.get(directory)
        if found is None:
            relative = self._relative(str(directory))
            if relative is None:
                found = ()
            else:
                above = () if relative == "." else self._chain(directory.parent)
                spec = self._gitignore(directory)
                base = "" if relative == "." else relative
                found = above if spec is None else (*above, (base, spec))
            self._chains[directory] = found
        return found


YAML_SUFFIXES = (".yml", ".yaml")


def is_python_file(path: Path) -> bool:
    return path.suffix in (".py", ".pyi")


def discover(
    paths: Sequence[Path],
    settings: Settings,
    force_exclude: bool = False,
    walked: list[Path] | None = None,
) -> Discovery:
    """The files to check under ``paths``; every folder looked into (listed or passed
    over for its ``pyvenv.cfg``) is added to ``walked`` when given, for a cache of the
    walk that holds while none of them changes (``joblint.engine.walk_cache``)."""
    ignores = _Ignores(settings)
    files: dict[Path, None] = {}
    problems: list[PathProblem] = []
    for given in paths:
        absolute = Path(os.path.abspath(given))
        if not absolute.exists() and not absolute.is_symlink():
            problems.append(PathProblem(given, "no such file or directory"))
            continue
        if absolute.is_dir():
            excluded = ignores.ignored(absolute, is_dir=True)
            if force_exclude and excluded:
                continue
            rules = ignores.rebased(absolute) if excluded else ignores
            for found in _walk(absolute, rules, walked if walked is not None else []):
                files.setdefault(found)
        else:
            if force_exclude and ignores.ignored(absolute, is_dir=False):
                continue
            if absolute.suffix in YAML_SUFFIXES:
                continue  # a job config file named on the command line: the JOB7xx rules read it
            files.setdefault(absolute)
    return Discovery(files=tuple(sorted(files)), problems=tuple(problems))


def _walk(directory: Path, ignores: _Ignores, walked: list[Path]) -> Iterator[Path]:
    walked.append(directory)
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = entry.is_file()
        except OSError:
            continue
        if is_dir:
            if entry.name.startswith("."):
                continue
            if (path / "pyvenv.cfg").exists():
                walked.append(path)  # its pyvenv.cfg going away would change the walk
                continue
            if ignores.ignored(path, is_dir=True):
                continue
            yield from _walk(path, ignores, walked)
        elif is_file and is_python_file(path) and not ignores.ignored(path, is_dir=False):
            yield path
