"""The README's rule table says what the registry holds."""

from __future__ import annotations

import re

from lint_support import REPO

from joblint.rules import ALL_RULES


def test_rules_table_matches_the_registry() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    table = text.split("<!-- rules-table -->", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(
        r"^\| \[(JOB\d{3})\]\(rules/\1\.md\) \| ([a-z-]+) \| (on|off) \| (\w+) \| (.+) \|$",
        table,
        re.MULTILINE,
    )
    expected = [
        (
            rule.code,
            rule.name,
            "on" if rule.default_enabled else "off",
            rule.fix_availability.value,
            rule.summary,
        )
        for rule in ALL_RULES
    ]
    assert rows == expected


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci/run").read_text(encoding="utf-8")
    assert "<!-- test-command -->" in ci
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = readme.split("<!-- test-command -->", 1)[1].split("```sh\n", 1)[1].split("\n")[0]
    assert command.endswith("python -m pytest")
