"""The rule registry finds every rule in its module, once, in code order, and refuses two
rules with one code."""

from __future__ import annotations

from types import ModuleType

import pytest

from joblint.rules import ALL_RULES, RULES_BY_CODE, rules_in
from joblint.rules.base import ModuleRule, Rule


def _module(name: str, **members: object) -> ModuleType:
    module = ModuleType(name)
    for member in members.values():
        if isinstance(member, type):
            member.__module__ = name
    vars(module).update(members)
    return module


def _rule(code: str) -> type[Rule]:
    return type(f"Rule{code}", (ModuleRule,), {"code": code, "name": code.lower()})


def test_every_rule_once_in_code_order() -> None:
    codes = [rule.code for rule in ALL_RULES]
    assert codes == sorted(set(codes))
    assert list(RULES_BY_CODE) == codes
    assert all(RULES_BY_CODE[rule.code] is rule for rule in ALL_RULES)


def test_a_rule_is_taken_from_its_own_module_only() -> None:
    first, second = _rule("JOB901"), _rule("JOB902")
    one = _module("rules_one", First=first, Second=second)
    # `Second` imported into another module; `ModuleRule` has no code; neither is a rule.
    other = _module("rules_other", ModuleRule=ModuleRule)
    vars(other)["Second"] = second
    rules = rules_in([other, one])
    assert [type(rule) for rule in rules] == [first, second]


def test_two_rules_with_one_code_stop_the_registry() -> None:
    one = _module("rules_one", First=_rule("JOB901"))
    other = _module("rules_other", Second=_rule("JOB901"))
    with pytest.raises(RuntimeError, match=r"two rules have the code JOB901: rules_one"):
        rules_in([one, other])
