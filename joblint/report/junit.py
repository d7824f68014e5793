"""JUnit XML, the format CI systems (GitLab's test reports, Jenkins, Azure) read: one test
suite per file, one failing test case per finding, as ruff writes it. A clean run is one
passing test case, so the report is never empty; a run with errors (a missing path, a bug)
has an erring test case for each instead, so that it never shows as a clean one. XML 1.0
cannot hold control characters at all, so a message quoting one shows it visibly."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from itertools import groupby
from typing import TYPE_CHECKING, TextIO

from joblint.diagnostics import Diagnostic
from joblint.printable import printable

if TYPE_CHECKING:
    from joblint.report import ReportOptions


def render(diagnostics: Sequence[Diagnostic], out: TextIO, options: ReportOptions) -> None:
    root = ElementTree.Element(
        "testsuites",
        name="joblint",
        tests=str(max(len(diagnostics) + len(options.errors), 1)),
        failures=str(len(diagnostics)),
        errors=str(len(options.errors)),
    )
    if options.errors:
        errors = str(len(options.errors))
        suite = ElementTree.SubElement(
            root, "testsuite", name="joblint", tests=errors, failures="0", errors=errors
        )
        for message in options.errors:
            case = ElementTree.SubElement(suite, "testcase", name="joblint", classname="joblint")
            ElementTree.SubElement(case, "error", message=printable(message))
    elif not diagnostics:
        suite = ElementTree.SubElement(root, "testsuite", name="joblint", tests="1", failures="0")
        ElementTree.SubElement(suite, "testcase", name="joblint", classname="joblint")
    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    for path, group in groupby(ordered, key=lambda d: printable(options.display_path(d.path))):
        findings = list(group)
        suite = ElementTree.SubElement(
            root, "testsuite", name=path, tests=str(len(findings)), failures=str(len(findings))
        )
        for diagnostic in findings:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                name=f"org.joblint.{diagnostic.code}",
                classname=path,
                line=str(diagnostic.line),
                column=str(diagnostic.column),
            )
            message = printable(f"{diagnostic.code} {diagnostic.message}")
            failure = ElementTree.SubElement(case, "failure", message=message)
            failure.text = f"line {diagnostic.line}, col {diagnostic.column}, {message}"
    ElementTree.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ElementTree.tostring(root, encoding="unicode") + "\n")
