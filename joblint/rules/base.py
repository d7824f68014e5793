"""What a rule is: its metadata (code, name, summary, defaults) and how it checks.

Rules read the job model that the framework frontends built, not framework APIs, so one
rule serves every framework. Three kinds, by what they need:

- ``Rule``: metadata only; the engine itself emits its diagnostics (JOB001 while parsing,
  JOB002 while reading, JOB003 while reading suppressions).
- ``ModuleRule``: checks one analysed module with the project index at hand.
- ``ProjectRule``: checks facts that belong to no single module (duplicate job names,
  config files, a convention judged across the project's jobs). It reads the modules'
  facts, paths and names, never a tree: it is to run in the parent process, while the
  trees stay in the worker processes that own them (issue 17, tests/test_tree_locality.py).
  A fix it offers is a transformation of plain data (a span, names), applied by the fixer
  to the file it parses itself.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from joblint.diagnostics import Diagnostic, Fix, Severity, Span

if TYPE_CHECKING:
    from joblint.analysis.context import ModuleContext, ProjectContext


class FixAvailability(enum.Enum):
    NONE = "none"
    SAFE = "safe"
    UNSAFE = "unsafe"
    SOMETIMES = "sometimes"


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    default_enabled: ClassVar[bool] = True
    # The preset that turns the rule on (`presets = ["conventions"]`), for house style a
    # team adopts rather than a bug it fixes: such a rule is off unless its preset is
    # chosen, and then counts as on by default (a prefix selects it).
    preset: ClassVar[str | None] = None
    fix_availability: ClassVar[FixAvailability] = FixAvailability.NONE
    # A fixable rule's libcst codemod (`joblint.codemods.<codemod>`), made from these two:
    # rules that share a fix share a codemod, under one description (`JOB601, JOB604: ...`).
    codemod: ClassVar[str | None] = None
    codemod_description: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.ERROR
    # Whether test code (the `test-paths` globs) is checked too. False for the rules about
    # how an application's jobs are written and sent (names, layout, queues, schedules,
    # where and how jobs are enqueued): a test's fake jobs and deliberate calls are not
    # the application's, and a test passes on purpose what it means to test. Rules whose
    # finding breaks the test itself, or the run (syntax, suppressions), keep checking it.
    checks_tests: ClassVar[bool] = True

    @classmethod
    def default_status(cls) -> str:
        """How the rule table, the rule's page and ``joblint rules`` show its default: ``on``,
        ``off``, or the preset that turns it on."""
        return cls.preset or ("on" if cls.default_enabled else "off")

    def diagnostic(
        self, path: Path, span: Span, message: str, fix: Fix | None = None
    ) -> Diagnostic:
        return Diagnostic(
            code=self.code,
            name=self.name,
            message=message,
            path=path,
            span=span,
            severity=self.severity,
            fix=fix,
        )


class ModuleRule(Rule):
    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        raise NotImplementedError


class ProjectRule(Rule):
    def check_project(self, project: ProjectContext) -> Iterator[Diagnostic]:
        raise NotImplementedError
