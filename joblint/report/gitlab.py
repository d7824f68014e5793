"""GitLab's code quality report (a subset of Code Climate's JSON) for
``artifacts:reports:codequality``: merge requests then show the findings they add and the
ones they fix. The fingerprint is SARIF's and the baseline's, so a finding keeps its
identity when lines move and GitLab does not count it as fixed and found again."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from joblint.diagnostics import Diagnostic, Severity
from joblint.report.fingerprints import fingerprints

if TYPE_CHECKING:
    from joblint.report import ReportOptions

# GitLab's scale is info, minor, major, critical, blocker.
SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def render(diagnostics: Sequence[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    issues = [
        {
            "type": "issue",
            "check_name": diagnostic.code,
            "description": f"{diagnostic.code} {diagnostic.message}",
            "categories": ["Bug Risk"],
            "severity": SEVERITIES[diagnostic.severity],
            "fingerprint": fingerprint,
            "location": {
                "path": options.display_path(diagnostic.path),
                "positions": {
                    "begin": {"line": diagnostic.span.start.line, "column": diagnostic.column},
                    "end": {"line": diagnostic.span.end.line, "column": diagnostic.span.end.column},
                },
            },
        }
        for diagnostic, fingerprint in zip(
            diagnostics, fingerprints(diagnostics, options.cwd), strict=True
        )
    ]
    json.dump(issues, out, indent=2)
    out.write("\n")
