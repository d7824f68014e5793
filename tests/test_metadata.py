"""joblint.parse.metadata computes what ``MetadataWrapper.resolve`` computes, with less work
around it. It relies on libcst's provider internals, so this compares the two on this
repository's code (every construct the parser meets in it) and on generated programs: a
libcst release that changes the internals fails here."""

from __future__ import annotations

from pathlib import Path

import hypothesis
import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider, ScopeProvider
from lint_support import GENERATED_MODULES

from joblint.parse import metadata, walk

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "joblint").rglob("*.py")) + sorted((ROOT / "examples").rglob("*.py"))
NAMED = (cst.Name, cst.Attribute, cst.Call, cst.FunctionDef, cst.ClassDef, cst.Decorator)


def _names(scope: object, node: cst.CSTNode) -> list[tuple[str, str]]:
    assert isinstance(scope, cst.metadata.Scope)
    return sorted((q.name, q.source.name) for q in scope.get_qualified_names_for(node))


def _assert_same_as_libcst(module: cst.Module) -> None:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = dict(wrapper.resolve(PositionProvider))
    assert metadata.positions(module) == positions
    # What a module keeps: one number a node.
    assert {
        node: metadata.unpack_range(packed) for node, packed in metadata.code_ranges(module).items()
    } == {
        node: (found.start.line, found.start.column, found.end.line, found.end.column)
        for node, found in positions.items()
    }
    everything = walk.parents(module)
    assert walk.parents(module, layout=False) == {
        node: parent for node, parent in everything.items() if not walk.is_layout(node)
    }

    theirs, ours = wrapper.resolve(ScopeProvider), metadata.scopes(module)
    # The scope analysis also parses string annotations into nodes of their own; only the
    # module's nodes are compared, and joblint's map leaves out the layout nodes.
    in_tree = {*walk.parents(module), module}
    layout = {node for node in in_tree if walk.is_layout(node)}
    assert not layout & ours.keys()
    named = in_tree - layout
    assert {node for node in theirs if node in named} == {n for n in ours if n in in_tree}
    for node in named & set(theirs):
        expected, found = theirs[node], ours[node]
        assert type(found) is type(expected)
        if expected is not None and isinstance(node, NAMED):
            assert _names(found, node) == _names(expected, node)


@pytest.mark.parametrize("path", FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_metadata_matches_libcst_on_real_code(path: Path) -> None:
    _assert_same_as_libcst(cst.parse_module(path.read_bytes()))


def test_metadata_matches_libcst_on_scoping_corners() -> None:
    _assert_same_as_libcst(
        cst.parse_module(
            "import os.path as p, json\nfrom . import sibling\nfrom .x import (y as z)\n"
            "x: 'Forward' = 1\n__all__ = ['x']\n"
            "def f(a, /, b=lambda c: c, *d, e, **g):\n"
            "    global x\n    nonlocal_ = [x for x in range(3) if x]\n"
            "    def inner():\n        nonlocal a\n        del a\n    return inner\n"
            "class C(p.Base, metaclass=json.Meta):\n    attr = sibling\n"
            "    def method(self) -> 'C':\n        return C\n"
            "async def h():\n    async with y() as (q, r):\n        await q\n"
            "match z:\n    case {'k': v, **rest}:\n        print(v, rest)\n"
            "try:\n    pass\nexcept* ValueError as error:\n    raise\n"
        )
    )


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles its programs
@hypothesis.settings(deadline=None)
@hypothesis.given(GENERATED_MODULES)
def test_metadata_matches_libcst_on_generated_programs(module: cst.Module) -> None:
    _assert_same_as_libcst(module)
