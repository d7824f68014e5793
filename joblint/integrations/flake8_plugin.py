"""joblint as a flake8 plugin: the same rules on the file flake8 hands over.

flake8 gives one file at a time; joblint's rules need the project (a job's base class or
signature may live in another file). In a configured project, the first file runs joblint
once over the whole project, as ``joblint check`` in a child process that can use every
core (flake8's own processes cannot start joblint's workers), shared by flake8's processes
through the cache folder (``joblint.integrations.project_run``), and every file reads its
findings from that run. A file the run did not read as flake8 hands it over, or every
file when the run failed, is checked on its own, with one ``Linter`` per project root for
the whole process, whose parse cache keeps the project's other files parsed once. flake8
applies its own ``# noqa`` handling on top of joblint's.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from joblint import __version__
from joblint.config import Settings, settings_for_paths
from joblint.diagnostics import Diagnostic
from joblint.engine.linter import Linter
from joblint.errors import UserError
from joblint.integrations.project_run import ProjectRun, project_run
from joblint.parse.recursion import room_for_deep_trees


class JoblintChecker:
    name = "joblint"
    version = __version__
    _settings: ClassVar[dict[Path, Settings]] = {}
    _linters: ClassVar[dict[Path, Linter]] = {}
    _runs: ClassVar[dict[Path, ProjectRun | None]] = {}

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
            run = self._project_run(linter)
            found = run.findings_for(path, data) if run is not None else None
            if found is None:
                # flake8 reports on the file it handed over; a finding located in a YAML
                # config file (JOB7xx) has no place in its output.
                found = [
                    (result.line, result.column, result.code, result.message)
                    for result in linter.lint_source(path, data)
                    if isinstance(result, Diagnostic) and result.path == path
                ]
        for line, column, code, message in found:
            yield line, column - 1, f"{code} {message}", type(self)

    @classmethod
    def _settings_for(cls, path: Path) -> Settings:
        """The settings of ``path``'s folder, found once per folder: finding them walks up
        from the folder, reads every ``pyproject.toml`` on the way and parses one, about
        1.5 ms a file (2.7 s over polar's 1,774 files, a second and more of flake8's wall
        time with two processes), and the answer depends on the folder alone. A path that
        is no file (stdin) is settled from the working directory, each time."""
        if not path.is_file():
            return settings_for_paths([path], None)
        folder = path.resolve().parent
        settings = cls._settings.get(folder)
        if settings is None:
            settings = cls._settings[folder] = settings_for_paths([path], None)
        return settings

    @classmethod
    def _linter_for(cls, path: Path) -> Linter:
        settings = cls._settings_for(path)
        linter = cls._linters.get(settings.project_root)
        if linter is None:
            # flake8 decides which codes run (--select/--ignore/--extend-select), so every
            # rule runs here; joblint's own selection settings still apply.
            from joblint.engine.selection import enabled_from_settings

            linter = Linter(settings, enabled=enabled_from_settings(settings))
            cls._linters[settings.project_root] = linter
        return linter

    @classmethod
    def _project_run(cls, linter: Linter) -> ProjectRun | None:
        """The run over the linter's project, made (or read from the cache) once per
        process."""
        root = linter.settings.project_root
        if root not in cls._runs:
            cls._runs[root] = project_run(linter, linter.settings)
        return cls._runs[root]


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
