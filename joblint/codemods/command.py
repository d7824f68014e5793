"""The codemod command behind ``joblint.codemods``: run rules, apply their fixes.

It lives outside the ``joblint.codemods`` package because libcst's ``list`` shows every
command class in that package, and this base runs no rule by itself.

Each command in ``joblint.codemods`` runs the rules it names on the module libcst hands it
(with the project's index, as ``joblint check`` would build it for that file) and applies
their fixes, re-linting until nothing changes: the same code path as ``joblint check
--fix``, so a codemod and the fix engine cannot disagree. Safe fixes only, unless
``--unsafe`` is given::

    python -m libcst.tool codemod --no-format -x joblint.codemods.TuplesToLists src/
    python -m libcst.tool codemod --no-format -x joblint.codemods.EnqueueOnCommit --unsafe src/

``-x`` takes the command's import path as written. ``--no-format`` because libcst pipes a
changed file through ``black -`` when no ``.libcst.codemod.yaml`` names another formatter,
and fails the file when black is not installed; the fixes keep the file's formatting. With
a ``.libcst.codemod.yaml`` that names ``joblint.codemods`` in its ``modules`` (this
repository's does), ``python -m libcst.tool list`` shows them all and ``codemod
fixes.TuplesToLists src/`` runs one. A file a fix would break is left as it was, with a
warning.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import ClassVar

import libcst as cst
from libcst.codemod import CodemodCommand, CodemodContext, SkipFile

from joblint.config import Settings, settings_for_paths
from joblint.diagnostics import Diagnostic
from joblint.engine.linter import Linter
from joblint.fix.fixer import fix_until_stable


class JoblintFix(CodemodCommand):
    """Apply the fixes of the rules in ``CODES``."""

    CODES: ClassVar[tuple[str, ...]] = ()
    DESCRIPTION: str = "Apply joblint's fixes."

    def __init__(self, context: CodemodContext, unsafe: bool = False) -> None:
        super().__init__(context)
        self.unsafe = unsafe

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument(
            "--unsafe",
            action="store_true",
            default=False,
            help="also apply the fixes that may change behaviour",
        )

    def codes(self, settings: Settings) -> frozenset[str]:
        """The rules whose fixes this codemod applies (``settings``: the project's)."""
        return frozenset(self.CODES)

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        if self.context.filename is None:  # code with no file: no project around it
            path = Path("codemod.py").absolute()
            settings = Settings(project_root=path.parent)
        else:
            path = Path(self.context.filename).absolute()
            settings = settings_for_paths([path], None)
        codes = self.codes(settings)
        linter = Linter(settings, enabled=codes)

        def lint(current: dict[Path, bytes]) -> list[Diagnostic]:
            return [
                result
                for result in linter.lint_source(path, current[path])
                if isinstance(result, Diagnostic) and result.code in codes and result.path == path
            ]

        fixes, errors = fix_until_stable({path: tree.bytes}, lint, self.unsafe)
        for _, message in errors:
            self.warn(message)
        fixed = fixes.get(path)
        if fixed is None:
            raise SkipFile("nothing to fix")
        return cst.parse_module(fixed.fixed)
