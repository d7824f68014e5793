"""joblint as a flake8 plugin: the same rules on the file flake8 hands over.

flake8 gives one file at a time; joblint's rules need the project (a job's base class or
signature may live in another file). One ``Linter`` per project root lives for the whole
flake8 process, and its parse cache means the project's other files are parsed once, not
once per checked file. flake8 applies its own ``# noqa`` handling on top of joblint's.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from joblint import __version__
from joblint.config import settings_for_paths
from joblint.diagnostics import Diagnostic
from joblint.engine.linter import Linter
from joblint.errors import UserError
from joblint.parse.recursion import room_for_deep_trees


class JoblintChecker:
    name = "joblint"
    version = __version__
    _linters: ClassVar[dict[Path, Linter]] = {}

    def __init__(self, tree: ast.AST, lines: list[str], filename: str) -> None:
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type[Any]]]:
        path = Path(self.filename).absolute()
        try:
            linter = self._linter_for(path)
        except UserError as error:
            yield 1, 0, f"JOB000 joblint configuration error: {error}", type(self)
            return
        data = _encode(self.lines)
        with room_for_deep_trees():
            results = list(linter.lint_source(path, data))
        for result in results:
            # flake8 reports on the file it handed over; a finding located in a YAML
            # config file (JOB7xx) has no place in its output.
            if isinstance(result, Diagnostic) and result.path == path:
                yield result.line, result.column - 1, f"{result.code} {result.message}", type(self)

    @classmethod
    def _linter_for(cls, path: Path) -> Linter:
        settings = settings_for_paths([path], None)
        linter = cls._linters.get(settings.project_root)
        if linter is None:
            # flake8 decides which codes run (--select/--ignore/--extend-select), so every
            # rule runs here; joblint's own selection settings still apply.
            from joblint.engine.selection import enabled_from_settings

            linter = Linter(settings, enabled=enabled_from_settings(settings))
            cls._linters[settings.project_root] = linter
        return linter


def _encode(lines: list[str]) -> bytes:
    """flake8 hands over text decoded with the file's declared encoding; encode it back
    the same way, so a coding cookie still tells the truth about the bytes."""
    text = "".join(lines)
    head = "".join(lines[:2]).encode("utf-8", errors="replace")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(head).readline)
        return text.encode(encoding)
    except (SyntaxError, LookupError, UnicodeEncodeError):
        return text.encode("utf-8", errors="surrogateescape")
