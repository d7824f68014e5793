"""The rule registry: every rule of the modules in this package, in code order.

A rule is written in one place, its class, and the registry finds it there: every module of
``joblint.rules`` (``base`` aside) is imported, and each concrete ``Rule`` subclass it
defines, one with a ``code``, is registered once. So adding a rule takes:

- the rule class in a rule module here (a family's module, or a new one): its ``code``,
  ``name``, ``summary``, defaults, ``fix_availability`` and, when it has a fix, the
  ``codemod`` that applies it (``joblint.codemods`` makes the command from that);
- its page ``rules/JOBnnn.md``, whose header's Default and Fix cells the tests hold to the
  class;
- its tests;
- then ``python -m joblint.report.rule_table README.md`` rewrites the README's rule table.

A rule module must not import this package (``from joblint.rules import ...``): it is
imported while the registry is built. Two rules with one code stop the import.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterable
from types import ModuleType

from joblint.rules.base import ModuleRule, ProjectRule, Rule


def rules_in(modules: Iterable[ModuleType]) -> tuple[Rule, ...]:
    """One instance of each rule the modules define (not import), in code order."""
    found: dict[str, type[Rule]] = {}
    for module in modules:
        for rule_class in vars(module).values():
            if not (
                inspect.isclass(rule_class)
                and issubclass(rule_class, Rule)
                and rule_class.__module__ == module.__name__
                and hasattr(rule_class, "code")
            ):
                continue
            other = found.setdefault(rule_class.code, rule_class)
            if other is not rule_class:
                raise RuntimeError(
                    f"two rules have the code {rule_class.code}: "
                    f"{other.__module__}.{other.__qualname__} and "
                    f"{rule_class.__module__}.{rule_class.__qualname__}"
                )
    return tuple(found[code]() for code in sorted(found))


def _rule_modules() -> list[ModuleType]:
    names = sorted(info.name for info in pkgutil.iter_modules(__path__) if info.name != "base")
    return [importlib.import_module(f"{__name__}.{name}") for name in names]


ALL_RULES: tuple[Rule, ...] = rules_in(_rule_modules())

RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in ALL_RULES}

__all__ = ["ALL_RULES", "RULES_BY_CODE", "ModuleRule", "ProjectRule", "Rule"]
