"""The one diagnostic type every output format, the flake8 plugin and the fixer read.

Positions are 1-based lines and 1-based columns counted in characters (not bytes), the
convention of ruff's JSON output and of most editors; flake8 wants 0-based columns and
its adapter converts at its edge.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst


class Severity(enum.Enum):
    """How much a finding matters; shown in JSON and used by SARIF's levels later."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Applicability(enum.Enum):
    """Ruff's split: a safe fix keeps behaviour, an unsafe one may change it."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, order=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True, order=True)
class Span:
    start: Position
    end: Position

    @classmethod
    def point(cls, line: int, column: int) -> Span:
        return cls(Position(line, column), Position(line, column))


@dataclass(frozen=True)
class Fix:
    """A change that resolves a diagnostic, expressed on the CST so it can never emit text
    that does not parse. ``transform`` takes the whole module and returns the fixed one;
    the fix engine re-parses the result and checks idempotence before writing anything."""

    message: str
    applicability: Applicability
    transform: Callable[[cst.Module], cst.Module] = field(compare=False, repr=False)


@dataclass(frozen=True)
class Diagnostic:
    """One finding: which rule, where, what is wrong and what to do."""

    code: str
    name: str
    message: str
    path: Path
    span: Span
    severity: Severity = Severity.ERROR
    fix: Fix | None = field(default=None, compare=False)

    @property
    def line(self) -> int:
        return self.span.start.line

    @property
    def column(self) -> int:
        return self.span.start.column

    def sort_key(self) -> tuple[str, int, int, str]:
        return (str(self.path), self.span.start.line, self.span.start.column, self.code)
