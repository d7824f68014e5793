"""Modules parsed only for the models and wrappers job code names keep no tree
(``ModuleOwner.parse`` without ``keep_trees``): their symbols go to the index, no rule
runs on them, and a frontend that comes to look at one parses it again."""

from __future__ import annotations

import gc
from pathlib import Path

from lint_support import write_tree

from joblint.analysis.model import ModuleSymbols
from joblint.config import load_settings
from joblint.engine.owners import IndexInputs, OwnedModules, Placement, parse_module
from joblint.frameworks import FRONTENDS
from joblint.parse.source import SourceFile, read_source
from joblint.rules import ALL_RULES, ModuleRule


class _Mentions:
    """A frontend's concern that looks at the files containing ``needle``."""

    def __init__(self, needle: bytes) -> None:
        self.needle = needle

    def mentioned_in(self, source: SourceFile) -> bool:
        return self.needle in source.data


def _owner(tmp_path: Path) -> tuple[OwnedModules, list[SourceFile]]:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.joblint]\n",
            "shop/models.py": (
                "from django.db import models\n\n\nclass Order(models.Model):\n"
                '    total = models.IntegerField()\n\n\nSCHEDULE = "shop.tasks.charge"\n'
            ),
            "shop/forms.py": "class Form:\n    pass\n",
        },
    )
    settings = load_settings(tmp_path / "pyproject.toml", tmp_path)
    owner = OwnedModules(settings, parse_module, let_go=True)
    sources = []
    for name in ("models", "forms"):
        source = read_source(tmp_path / "shop" / f"{name}.py")
        assert isinstance(source, SourceFile)
        sources.append(source)
    return owner, sources


def _dormant(owner: OwnedModules, sources: list[SourceFile]) -> None:
    """Parse ``sources`` without keeping their trees, and index them."""
    named = [
        (number, source, (f"shop.{source.path.stem}", "")) for number, source in enumerate(sources)
    ]
    answers = owner.parse(named, keep_trees=False)
    symbols = tuple(found for _, found in answers if isinstance(found, ModuleSymbols))
    assert len(symbols) == len(sources)
    owner.index(IndexInputs(symbols, None, (), None, None))


def test_a_module_parsed_for_its_symbols_keeps_no_tree(tmp_path: Path) -> None:
    owner, sources = _owner(tmp_path)
    collecting = gc.isenabled()
    _dormant(owner, sources)
    assert owner.tree(0) is None and owner.tree(1) is None
    assert gc.isenabled() == collecting, "the collector is as it was"
    assert owner.project.classes.get("shop.models.Order") is not None, "its symbols are indexed"


def test_a_frontend_that_looks_at_a_dormant_module_parses_it_again(tmp_path: Path) -> None:
    owner, sources = _owner(tmp_path)
    _dormant(owner, sources)
    concerns = [_Mentions(b"shop.tasks.charge")] * len(FRONTENDS)
    owner.define_jobs(concerns)
    assert owner.tree(0) is not None, "models.py names a job's registered name: woken"
    assert owner.tree(1) is None, "forms.py names nothing a frontend looks for"
    sites = dict(owner.find_sites([], concerns, Placement(frozenset(), False)))
    assert sites[1] == (), "a dormant module has no enqueue site"
    assert owner.check([], frozenset({0, 1}), ALL_MODULE_RULES).findings == ()


ALL_MODULE_RULES = [rule for rule in ALL_RULES if isinstance(rule, ModuleRule)]
