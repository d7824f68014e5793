"""The README's rule table, made from the registry so it cannot drift from the rules.

``python -m joblint.report.rule_table README.md`` rewrites the table in place: the lines
after ``<!-- rules-table -->`` up to the next blank line. The tests fail while the README's
table is not the one this makes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from joblint.rules import ALL_RULES, Rule

MARKER = "<!-- rules-table -->"
HEADER = "| code | name | default | fix | summary |\n|---|---|---|---|---|"


def rule_table(rules: Iterable[Rule]) -> str:
    rows = [
        f"| [{rule.code}](rules/{rule.code}.md) | {rule.name} | {rule.default_status()} "
        f"| {rule.fix_availability.value} | {rule.summary} |"
        for rule in rules
    ]
    return "\n".join([HEADER, *rows])


def table_in(readme: str) -> str:
    """The table the README has now."""
    _, marker, after = readme.partition(MARKER)
    if not marker:
        raise ValueError(f"no {MARKER} line to put the rule table under")
    return after.removeprefix("\n").split("\n\n", 1)[0]


def with_rule_table(readme: str, rules: Iterable[Rule]) -> str:
    current = table_in(readme)
    before, _, after = readme.partition(MARKER)
    rest = after.removeprefix("\n").removeprefix(current)
    return f"{before}{MARKER}\n{rule_table(rules)}{rest}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m joblint.report.rule_table",
        description="Rewrite the rule table of a README from joblint's rule registry.",
    )
    parser.add_argument("readme", type=Path, help="the file, README.md at the repository root")
    options = parser.parse_args(argv)
    path: Path = options.readme
    try:
        text = path.read_text(encoding="utf-8")
        updated = with_rule_table(text, ALL_RULES)
    except (OSError, ValueError) as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 2
    if updated == text:
        print(f"{path}: the rule table is up to date")
    else:
        path.write_text(updated, encoding="utf-8")
        print(f"{path}: rule table rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
