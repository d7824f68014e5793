"""What a rule sees: one analysed module, or the project as a whole."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pathspec

from joblint.analysis.index import ProjectIndex
from joblint.analysis.model import ModuleFacts
from joblint.config import Settings
from joblint.parse.parsing import ParsedModule


@dataclass(frozen=True)
class ModuleContext:
    parsed: ParsedModule
    facts: ModuleFacts
    index: ProjectIndex
    settings: Settings

    @property
    def path(self) -> Path:
        return self.parsed.path

    @property
    def relative_path(self) -> Path:
        """The path from the project root (or as given, when outside it)."""
        try:
            return self.path.relative_to(self.settings.project_root)
        except ValueError:
            return self.path

    @property
    def import_path(self) -> PurePosixPath:
        """The module's path from its source root, as its dotted name gives it:
        ``shop.api.views`` is ``shop/api/views.py`` wherever the folder holding ``shop``
        lies (``apps/api/`` in a monorepo, ``src/``)."""
        package = self.parsed.package
        parts = package.split(".") if package else []
        return PurePosixPath(*parts, self.path.name)

    def matches(self, globs: tuple[str, ...]) -> bool:
        """Whether the module's path matches gitignore-style ``globs`` (relative to the
        project root), such as the ``test-paths`` setting."""
        return _spec(globs).match_file(self.relative_path.as_posix())

    def matches_module(self, globs: tuple[str, ...]) -> bool:
        """Whether gitignore-style ``globs`` match where the module sits in its package
        (``import_path``), such as the ``view-paths`` setting: a folder above the import
        root is where the code is kept, not what the module is for, so the ``api`` of a
        monorepo's ``apps/api/`` makes no module an API module. A glob written from the
        project root (``src/shop/views/**``: a slash before its last part, no leading
        ``**/``) matches that path too, short of the negated globs."""
        if _spec(globs).match_file(self.import_path.as_posix()):
            return True
        from_root = tuple(glob for glob in globs if _anchored(glob) or _negated(glob))
        return any(not _negated(glob) for glob in from_root) and self.matches(from_root)

    @property
    def in_tests(self) -> bool:
        """Test code (the ``test-paths`` globs, from the project root: a ``tests/``
        folder beside the package, outside its import root, is test code too)."""
        return self.matches(self.settings.test_paths)

    @property
    def in_views(self) -> bool:
        """A view, controller or API module (the ``view-paths`` globs)."""
        return self.matches_module(self.settings.view_paths)


@functools.lru_cache(maxsize=16)
def _spec(globs: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(globs)


def _anchored(glob: str) -> bool:
    """Whether a gitignore glob names a place from the root rather than a name at any
    depth: a slash at its start or middle, and no leading ``**/``."""
    pattern = glob.strip().removeprefix("!").rstrip("/")
    return "/" in pattern and not pattern.startswith("**/")


def _negated(glob: str) -> bool:
    return glob.strip().startswith("!")


@dataclass(frozen=True)
class ProjectContext:
    """Every module, for the project rules. They read each module's facts (its jobs and
    enqueue sites as plain data, its summary in the index), its path and names, never its
    tree (``parsed.module``, the nodes of its jobs and sites): the trees stay in the
    processes that own them (issue 17, tests/test_tree_locality.py)."""

    modules: tuple[ModuleContext, ...]
    index: ProjectIndex
    settings: Settings
