"""The codemod commands, one per fix (see ``joblint.codemods.command``).

They are made from the rules, not written here: a fixable rule names its codemod
(``codemod = "PassModelIds"``, with a ``codemod_description``), and each name becomes a
``JoblintFix`` of this module that applies the fixes of the rules naming it. So a new fix
brings its codemod with it, and a codemod's name, the import path users run, stays the one
its rule gives.
"""

from __future__ import annotations

from collections.abc import Iterable

from joblint.codemods import command
from joblint.config import Settings
from joblint.rules import ALL_RULES, Rule
from joblint.rules.base import FixAvailability


def codemod_rules(rules: Iterable[Rule]) -> dict[str, tuple[Rule, ...]]:
    """Each codemod's name and the rules it applies, in code order."""
    grouped: dict[str, list[Rule]] = {}
    for rule in rules:
        if rule.codemod is None:
            continue
        if rule.fix_availability is FixAvailability.NONE:
            raise RuntimeError(f"{rule.code} names the codemod {rule.codemod} but has no fix")
        grouped.setdefault(rule.codemod, []).append(rule)
    for name, members in grouped.items():
        descriptions = {rule.codemod_description for rule in members}
        if len(descriptions) != 1 or "" in descriptions:
            codes = ", ".join(rule.code for rule in members)
            raise RuntimeError(f"the codemod {name} ({codes}) needs one codemod_description")
    return {
        name: tuple(sorted(members, key=lambda rule: rule.code))
        for name, members in sorted(grouped.items())
    }


def codemod_command(name: str, rules: tuple[Rule, ...]) -> type[command.JoblintFix]:
    """The command class of the codemod ``name``, importable as ``fixes.<name>``."""
    codes = tuple(rule.code for rule in rules)

    class Codemod(command.JoblintFix):
        DESCRIPTION = f"{', '.join(codes)}: {rules[0].codemod_description}"
        CODES = codes

    Codemod.__name__ = Codemod.__qualname__ = name
    Codemod.__module__ = __name__
    Codemod.__doc__ = f"Apply the fixes of {', '.join(codes)}."
    return Codemod


class AllFixes(command.JoblintFix):
    DESCRIPTION = (
        "Every default rule's fixes (safe ones; --unsafe for all), as `joblint check --fix`."
    )

    def codes(self, settings: Settings) -> frozenset[str]:
        from joblint.engine.selection import enabled_from_settings

        return enabled_from_settings(settings)


COMMANDS: dict[str, type[command.JoblintFix]] = {
    name: codemod_command(name, rules) for name, rules in codemod_rules(ALL_RULES).items()
}
# Module attributes, as a class statement would make them: `-x joblint.codemods.fixes.<Name>`
# and libcst's `list` find them there, and pickling (`codemod -j`) imports them from here.
if taken := sorted(COMMANDS.keys() & globals().keys()):
    raise RuntimeError(f"codemod names taken in {__name__}: {', '.join(taken)}")
globals().update(COMMANDS)

__all__ = ["AllFixes", *COMMANDS]


def __getattr__(name: str) -> type[command.JoblintFix]:
    """Only for a name that is no codemod; tells type checkers what the made ones are."""
    raise AttributeError(f"module {__name__!r} has no codemod {name!r}")
