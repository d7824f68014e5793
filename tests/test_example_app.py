"""The bundled example app: what its README says joblint reports is what joblint reports."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from lint_support import REPO

SHOP = REPO / "examples" / "shop"


def documented_findings() -> set[tuple[str, int, str]]:
    text = (SHOP / "README.md").read_text(encoding="utf-8")
    section = text.split("## Deliberate violations", 1)[1]
    rows = re.findall(r"^\|\s*`?([\w/.]+):(\d+)`?\s*\|\s*`?(JOB\d{3})`?\s*\|", section, re.M)
    assert rows, "the example app's README lists no findings"
    return {(path, int(line), code) for path, line, code in rows}


def test_readme_lists_exactly_what_joblint_reports() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "joblint", "check", str(SHOP), "--output-format", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    findings = json.loads(result.stdout)
    reported = {
        (
            str((REPO / f["filename"]).relative_to(SHOP).as_posix()),
            f["location"]["row"],
            f["code"],
        )
        for f in findings
    }
    assert reported == documented_findings()
    for finding in findings:
        assert set(finding) >= {
            "code", "name", "message", "filename", "location", "end_location",
            "fix", "url", "severity",
        }  # fmt: skip
