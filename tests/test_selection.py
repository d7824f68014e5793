"""Ruff's selection model: select, extend-select, ignore; prefixes; opt-in rules."""

from __future__ import annotations

import pytest

from joblint.engine.selection import SelectionLayer, resolve_selection
from joblint.errors import UserError
from joblint.rules import ALL_RULES
from joblint.rules.base import Rule


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
    assert "JOB106" in job1
    assert "JOB101" not in job1  # in the conventions preset
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


CONVENTIONS = {"JOB101", "JOB102", "JOB103", "JOB104", "JOB105", "JOB301", "JOB603"}


def test_the_conventions_preset_holds_the_house_style_rules() -> None:
    assert {rule.code for rule in ALL_RULES if rule.preset == "conventions"} == CONVENTIONS
    assert not any(rule.default_enabled for rule in ALL_RULES if rule.preset)
    assert not CONVENTIONS & selected()


def test_a_preset_adds_its_rules_to_the_defaults_and_to_prefixes() -> None:
    defaults = selected()
    with_preset = selected(SelectionLayer("cfg", presets=["conventions"]))
    assert with_preset == defaults | CONVENTIONS
    # from the command line too, and a prefix then selects the preset's rules
    assert selected(SelectionLayer("cli", presets=["conventions"], select=["JOB1"])) >= {
        "JOB101",
        "JOB105",
    }
    assert "JOB101" not in selected(SelectionLayer("cli", select=["JOB1"]))
    # and they can still be ignored one by one
    ignored = selected(SelectionLayer("cfg", presets=["conventions"], ignore=["JOB301"]))
    assert ignored == defaults | (CONVENTIONS - {"JOB301"})


def test_an_unknown_preset_names_the_presets() -> None:
    with pytest.raises(UserError, match=r"^cli: unknown preset `convention` \(did you mean "
                       r"`conventions`\?\); the presets are: `conventions`$"):  # fmt: skip
        selected(SelectionLayer("cli", presets=["convention"]))
