"""What a rule sees: one analysed module, or the project as a whole."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pathspec

from joblint.config import Settings
from joblint.index import ProjectIndex
from joblint.model import ModuleFacts
from joblint.parsing import ParsedModule


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

    def matches(self, globs: tuple[str, ...]) -> bool:
        """Whether the module's path matches gitignore-style ``globs`` (relative to the
        project root), such as the ``view-paths`` setting."""
        return _spec(globs).match_file(self.relative_path.as_posix())

    @property
    def in_tests(self) -> bool:
        """Test code (the ``test-paths`` globs), where jobs are defined and run inline on
        purpose."""
        return self.matches(self.settings.test_paths)


@functools.lru_cache(maxsize=16)
def _spec(globs: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(globs)


@dataclass(frozen=True)
class ProjectContext:
    modules: tuple[ModuleContext, ...]
    index: ProjectIndex
    settings: Settings
