"""Which rules run: ruff's selection model, resolved once per run.

Start from ``select`` (or the rules that are on by default), add ``extend-select``, remove
``ignore``; then the command line's ``--select``, ``--extend-select`` and ``--ignore`` apply
on top in the same way. A selector is a full code (``JOB101``), a prefix (``JOB1``,
``JOB``) or ``ALL``. A prefix selects only the rules that are on by default; an opt-in rule
(JOB510, say) must be named by its full code or come in through ``ALL``, so widening a
prefix never turns on a rule its page says is noisy.

Presets (``presets = ["conventions"]``, ``--preset conventions``) add their rules to the
ones on by default, from the configuration and the command line alike: the defaults keep
to rules that find bugs, and a team that adopts a house style turns it on in one line.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from joblint.config import Settings, check_presets
from joblint.errors import UserError
from joblint.rules.base import Rule


@dataclass(frozen=True)
class SelectionLayer:
    """One source of selectors: the config file or the command line."""

    where: str
    select: Sequence[str] | None = None
    extend_select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    presets: Sequence[str] = ()


def on_by_default(rules: Sequence[Rule], presets: Iterable[str] = ()) -> frozenset[str]:
    """The rules that run when nothing is selected: those on by default, and those of the
    chosen presets."""
    chosen = set(presets)
    return frozenset(rule.code for rule in rules if rule.default_enabled or rule.preset in chosen)


# Letters typed for the digits they look like (`JOB1O1`).
_CONFUSABLE_DIGITS = str.maketrans("OIL", "011")


def closest_code(text: str, codes: Sequence[str]) -> str | None:
    """The code ``text`` was probably meant to be: the same code with look-alike letters
    read as digits, else difflib's closest (whose ties go to the last code in sort order,
    so the look-alike reading must come first)."""
    text = text.strip().upper()
    prefix, digits = text[:3], text[3:]
    read = prefix + digits.translate(_CONFUSABLE_DIGITS)
    if read in codes:
        return read
    hint = difflib.get_close_matches(text, list(codes), n=1)
    return hint[0] if hint else None


def expand(
    selector: str, rules: Sequence[Rule], where: str, defaults: Collection[str] | None = None
) -> set[str]:
    """The codes ``selector`` names, for selecting; raises on a selector naming nothing.
    A prefix names the rules among ``defaults`` (by default, those on by default)."""
    selector = selector.strip().upper()
    on = on_by_default(rules) if defaults is None else defaults
    if selector == "ALL":
        return {rule.code for rule in rules}
    exact = {rule.code for rule in rules if rule.code == selector}
    if exact:
        return exact
    prefixed = {rule.code for rule in rules if rule.code.startswith(selector)}
    if selector and prefixed:
        return {code for code in prefixed if code in on}
    hint = closest_code(selector, [rule.code for rule in rules])
    suggestion = f"; did you mean `{hint}`?" if hint else ""
    raise UserError(f"{where}: unknown rule selector `{selector}`{suggestion}")


def expand_for_removal(selector: str, rules: Sequence[Rule], where: str) -> set[str]:
    """Like ``expand`` but a prefix removes every rule under it, opt-in ones included."""
    upper = selector.strip().upper()
    if upper == "ALL":
        return {rule.code for rule in rules}
    matched = {rule.code for rule in rules if rule.code.startswith(upper)}
    if not upper or not matched:
        return expand(selector, rules, where)  # raises with a suggestion
    return matched


def resolve_selection(rules: Sequence[Rule], layers: Iterable[SelectionLayer]) -> frozenset[str]:
    layers = list(layers)
    for layer in layers:
        check_presets(layer.presets, layer.where)
    defaults = on_by_default(rules, (name for layer in layers for name in layer.presets))
    enabled = set(defaults)
    for layer in layers:
        if layer.select is not None:
            enabled = set()
            for selector in layer.select:
                enabled |= expand(selector, rules, layer.where, defaults)
        for selector in layer.extend_select:
            enabled |= expand(selector, rules, layer.where, defaults)
        for selector in layer.ignore:
            enabled -= expand_for_removal(selector, rules, layer.where)
    return frozenset(enabled)


def codes_matching(selectors: Iterable[str], rules: Sequence[Rule], where: str) -> frozenset[str]:
    """Every code under the selectors (for per-file ignores), validated."""
    found: set[str] = set()
    for selector in selectors:
        found |= expand_for_removal(selector, rules, where)
    return frozenset(found)


def enabled_from_settings(settings: Settings) -> frozenset[str]:
    """The rules the configuration turns on, with no command line (the flake8 plugin)."""
    from joblint.rules import ALL_RULES

    return resolve_selection(ALL_RULES, config_layers(settings))


def config_layers(settings: Settings) -> list[SelectionLayer]:
    """The configuration's selection, one layer per key so that an error names its line
    (the same result as one layer: a layer applies select, then extend, then ignore)."""
    return [
        SelectionLayer(where=settings.where("select"), select=settings.select),
        SelectionLayer(where=settings.where("extend-select"), extend_select=settings.extend_select),
        SelectionLayer(where=settings.where("ignore"), ignore=settings.ignore),
        SelectionLayer(where=settings.where("presets"), presets=settings.presets),
    ]
