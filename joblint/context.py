"""What a rule sees: one analysed module, or the project as a whole."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class ProjectContext:
    modules: tuple[ModuleContext, ...]
    index: ProjectIndex
    settings: Settings
