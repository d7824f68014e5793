"""SARIF 2.1.0, the format GitHub code scanning and other security dashboards import.

One run, with joblint as the tool: every rule that fired is described (``shortDescription``
from the registry, ``fullDescription`` and ``help`` from the rule's page, ``helpUri`` its
URL), every finding is a result with a 1-based region and an ``artifactLocation`` relative
to ``%SRCROOT%`` (the working directory), and ``partialFingerprints`` that survive lines
moving: a hash of the rule, the file, the flagged line's text with its whitespace
normalised, and which occurrence of that same line and rule in the file it is. So a
finding keeps its identity across commits that only add code above it, which is what
code scanning uses to tell new alerts from old ones. A run with errors (a missing path, a
bug) says so in an invocation that was not successful, with a notification for each.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from joblint import __version__
from joblint.diagnostics import Diagnostic, Severity
from joblint.report.fingerprints import fingerprints
from joblint.report.pages import page_text, rule_url

if TYPE_CHECKING:
    from joblint.report import ReportOptions

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "joblint/v1"
INFORMATION_URI = "https://github.com/joblint/joblint"


def page_section(code: str, title: str) -> str | None:
    """The first paragraph of a section of the rule's page, as plain text."""
    text = page_text(code)
    if text is None:
        return None
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?:\n\n|\n## |\Z)", text, re.M | re.S)
    return " ".join(match.group(1).split()) if match else None


def _rule(code: str, name: str, summary: str) -> dict[str, Any]:
    full = page_section(code, "What it does") or summary
    why = page_section(code, "Why is this bad?")
    help_text = f"{full} {why}" if why else full
    return {
        "id": code,
        "name": name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": full},
        "help": {"text": f"{help_text} See {rule_url(code)}"},
        "helpUri": rule_url(code),
    }


def sarif_log(diagnostics: Sequence[Diagnostic], options: ReportOptions) -> dict[str, Any]:
    from joblint.rules import RULES_BY_CODE

    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    codes = sorted({d.code for d in ordered})
    index = {code: i for i, code in enumerate(codes)}
    rules = [
        _rule(code, RULES_BY_CODE[code].name, RULES_BY_CODE[code].summary)
        if code in RULES_BY_CODE
        else {"id": code}
        for code in codes
    ]
    results = []
    for diagnostic, fingerprint in zip(ordered, fingerprints(ordered, options.cwd), strict=True):
        span = diagnostic.span
        results.append(
            {
                "ruleId": diagnostic.code,
                "ruleIndex": index[diagnostic.code],
                "level": "error" if diagnostic.severity is Severity.ERROR else "warning",
                "message": {"text": diagnostic.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {
                                "uri": options.display_path(diagnostic.path),
                                "uriBaseId": "%SRCROOT%",
                            },
                            "region": {
                                "startLine": span.start.line,
                                "startColumn": span.start.column,
                                "endLine": span.end.line,
                                "endColumn": span.end.column,
                            },
                        }
                    }
                ],
                "partialFingerprints": {FINGERPRINT: fingerprint},
            }
        )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "joblint",
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": options.cwd.resolve().as_uri() + "/"}},
        "results": results,
    }
    if options.errors:
        notifications = [
            {"level": "error", "message": {"text": message}} for message in options.errors
        ]
        run["invocations"] = [
            {"executionSuccessful": False, "toolExecutionNotifications": notifications}
        ]
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(diagnostics: Sequence[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    json.dump(sarif_log(diagnostics, options), out, indent=2)
    out.write("\n")
