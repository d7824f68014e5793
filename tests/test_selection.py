"""Ruff's selection model: select, extend-select, ignore; prefixes; opt-in rules."""

from __future__ import annotations

import pytest

from joblint.errors import UserError
from joblint.rules import ALL_RULES
from joblint.rules.base import Rule
from joblint.selection import SelectionLayer, resolve_selection


class _OptIn(Rule):
    code = "JOB199"
    name = "opt-in"
    summary = "An opt-in rule, for these tests."
    default_enabled = False


RULES = (*ALL_RULES, _OptIn())


def selected(*layers: SelectionLayer) -> set[str]:
    return set(resolve_selection(RULES, layers))


def test_defaults_are_the_default_enabled_rules() -> None:
    assert selected() == {rule.code for rule in ALL_RULES if rule.default_enabled}


def test_select_replaces_and_prefixes_skip_opt_in_rules() -> None:
    job1 = {
        rule.code for rule in ALL_RULES if rule.code.startswith("JOB1") and rule.default_enabled
    }
    assert "JOB101" in job1
    assert "JOB108" not in job1  # opt-in: named by its full code
    assert selected(SelectionLayer("cfg", select=["JOB1"])) == job1
    assert selected(SelectionLayer("cfg", select=["JOB108"])) == {"JOB108"}
    assert "JOB199" in selected(SelectionLayer("cfg", extend_select=["JOB199"]))
    assert "JOB199" in selected(SelectionLayer("cfg", select=["ALL"]))


def test_ignore_removes_prefixes_including_opt_in() -> None:
    layers = (
        SelectionLayer("cfg", extend_select=["JOB199"]),
        SelectionLayer("cli", ignore=["JOB1"]),
    )
    assert selected(*layers) == {
        rule.code for rule in ALL_RULES if rule.default_enabled and not rule.code.startswith("JOB1")
    }


def test_command_line_layer_overrides_config() -> None:
    layers = (SelectionLayer("cfg", ignore=["JOB101"]), SelectionLayer("cli", select=["JOB101"]))
    assert selected(*layers) == {"JOB101"}


def test_unknown_selector_names_where_and_suggests() -> None:
    with pytest.raises(UserError, match=r"^cfg: unknown rule selector `JOB11` *$|did you mean"):
        selected(SelectionLayer("cfg", select=["JOB11"]))
    with pytest.raises(UserError, match="did you mean `JOB101`"):
        selected(SelectionLayer("cfg", ignore=["JOB1011"]))
