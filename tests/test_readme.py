"""The README's rule table says what the registry holds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lint_support import REPO

from joblint.report.rule_table import main, rule_table, table_in
from joblint.rules import ALL_RULES


def test_rules_table_matches_the_registry() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert table_in(readme) == rule_table(ALL_RULES), (
        "README.md's rule table is not the registry's; rewrite it with "
        "`.venv/bin/python -m joblint.report.rule_table README.md`"
    )


def test_the_table_command_rewrites_only_the_table(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    stale = "# Project\n\n<!-- rules-table -->\n| code |\n| old row |\n\n## Next\n"
    readme.write_text(stale, encoding="utf-8")
    assert main([str(readme)]) == 0
    expected = f"# Project\n\n<!-- rules-table -->\n{rule_table(ALL_RULES)}\n\n## Next\n"
    assert readme.read_text(encoding="utf-8") == expected
    assert main([str(readme)]) == 0
    assert readme.read_text(encoding="utf-8") == expected


def test_the_table_command_needs_the_marker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Project\n", encoding="utf-8")
    assert main([str(readme)]) == 2
    assert "no <!-- rules-table --> line" in capsys.readouterr().err
    assert readme.read_text(encoding="utf-8") == "# Project\n"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci/run").read_text(encoding="utf-8")
    assert "<!-- test-command -->" in ci
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = readme.split("<!-- test-command -->", 1)[1].split("```sh\n", 1)[1].split("\n")[0]
    assert command.endswith("python -m pytest")


def _check_options() -> set[str]:
    """The option strings ``joblint check --help`` lists, read from the parser itself."""
    import argparse

    from joblint.cli import build_parser

    commands = next(
        action
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    check = commands.choices["check"]
    return {
        option
        for action in check._actions
        for option in action.option_strings
        if not isinstance(action, argparse._HelpAction)
    }


def test_options_table_lists_every_check_option() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- check-options -->", 1)[1].split("\n\n", 1)[0]
    first_cells = re.findall(r"^\| (.+?) \|", table, re.MULTILINE)
    documented = {option for cell in first_cells for option in re.findall(r"`(-[-\w]+)", cell)}
    assert documented == _check_options()


def test_configuration_has_its_own_heading() -> None:
    """The ``[tool.joblint]`` reference is found by its heading, with the queue and
    configuration-file details as a part of it, not of the pre-commit section."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    headings = re.findall(r"^(#{2,3}) (.+)$", readme, re.MULTILINE)
    assert ("##", "Configuration") in headings
    after = headings[headings.index(("##", "Configuration")) + 1 :]
    assert after[0] == ("###", "Queues and configuration files")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    assert "[tool.joblint]" in section


def test_the_rules_that_leave_test_code_alone_are_the_ones_named() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("Test code (`test-paths`")
    paragraph = readme[start : readme.index("\n\n", start)]
    named = set(re.findall(r"JOB\d{3}", paragraph))
    ranges = re.findall(r"(JOB\d{3}) to (JOB\d{3})", paragraph)
    for first, last in ranges:
        named |= {rule.code for rule in ALL_RULES if first <= rule.code <= last}
    assert named == {rule.code for rule in ALL_RULES if not rule.checks_tests}
