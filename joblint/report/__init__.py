"""Output formats. Every format renders the same ``Diagnostic`` values; none computes
anything of its own, so a finding means the same in text, JSON, SARIF, JUnit, GitHub
annotations and GitLab code quality."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from joblint.diagnostics import Diagnostic
from joblint.report import concise, github, gitlab, json_format, junit, sarif, text

Formatter = Callable[[Sequence[Diagnostic], TextIO, "ReportOptions"], None]


class ReportOptions:
    def __init__(
        self,
        cwd: Path,
        quiet: bool = False,
        statistics: bool = False,
        unsafe_fixes: bool = False,
    ) -> None:
        self.cwd = cwd
        self.quiet = quiet
        self.statistics = statistics
        self.unsafe_fixes = unsafe_fixes
        self.fixed = 0  # set after --fix, for the summary
        # Set after the run: what kept it from checking everything (a missing path, a bug),
        # as the error lines say it. A run with errors must not look like a clean one.
        self.errors: tuple[str, ...] = ()

    def display_path(self, path: Path) -> str:
        """Relative to the working directory when under it (as ruff prints), else absolute."""
        try:
            return path.relative_to(self.cwd).as_posix()
        except ValueError:
            return str(path)


FORMATS: dict[str, Formatter] = {
    "text": text.render,
    "concise": concise.render,
    "json": json_format.render,
    "github": github.render,
    "gitlab": gitlab.render,
    "junit": junit.render,
    "sarif": sarif.render,
}
