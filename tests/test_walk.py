"""joblint.parse.walk gives a read-only visitor exactly what libcst's ``node.visit`` gives it:
the same callbacks, on the same node objects, in the same order; and the same parents as
libcst's ParentNodeProvider. Checked on generated programs and on this repository's own
code (every node type libcst's parser produces in it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hypothesis
import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, ParentNodeProvider
from lint_support import GENERATED_MODULES

from joblint.parse import walk
from joblint.parse.parsing import ParsedModule, parse
from joblint.parse.source import SourceFile, read_source

ROOT = Path(__file__).resolve().parent.parent
OWN_FILES = sorted((ROOT / "joblint").rglob("*.py"))


def _node_types() -> list[type[cst.CSTNode]]:
    found: list[type[cst.CSTNode]] = []
    pending: list[type[cst.CSTNode]] = [cst.CSTNode]
    while pending:
        kind = pending.pop()
        found.append(kind)
        pending.extend(kind.__subclasses__())
    return found


def _dispatching_visitor() -> tuple[type[cst.CSTVisitor], list[tuple[str, int]]]:
    """A visitor with a visit_, leave_ and attribute callback for every node type and
    field, each logging itself: the default dispatch of ``CSTVisitor``, fully exercised.
    Its visit_Lambda returns False, so skipping children is exercised too."""
    log: list[tuple[str, int]] = []
    methods: dict[str, Any] = {}

    def logger(label: str, result: bool | None = None) -> Any:
        def method(self: cst.CSTVisitor, node: cst.CSTNode) -> bool | None:
            log.append((label, id(node)))
            return result

        return method

    for kind in _node_types():
        name = kind.__name__
        methods[f"visit_{name}"] = logger(f"visit_{name}", False if name == "Lambda" else None)
        methods[f"leave_{name}"] = logger(f"leave_{name}")
        if hasattr(kind, "__dataclass_fields__"):
            for field in kind.__dataclass_fields__:
                methods[f"visit_{name}_{field}"] = logger(f"visit_{name}_{field}")
                methods[f"leave_{name}_{field}"] = logger(f"leave_{name}_{field}")
    return type("Everything", (cst.CSTVisitor,), methods), log


class _Overriding(cst.CSTVisitor):
    """A visitor with its own on_visit/on_leave and attribute dispatch."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[str, str, int]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.log.append(("visit", type(node).__name__, id(node)))
        return not isinstance(node, cst.Lambda)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.log.append(("leave", type(original_node).__name__, id(original_node)))

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.log.append(("visit_attribute", attribute, id(node)))

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        self.log.append(("leave_attribute", attribute, id(original_node)))


def _assert_same_as_libcst(module: cst.Module) -> None:
    visitor_class, log = _dispatching_visitor()
    module.visit(visitor_class())
    expected = list(log)
    log.clear()
    walk.walk(module, visitor_class())
    assert log == expected

    theirs, ours = _Overriding(), _Overriding()
    module.visit(theirs)
    walk.walk(module, ours)
    assert ours.log == theirs.log

    assert walk.parents(module) == dict(
        MetadataWrapper(module, unsafe_skip_copy=True).resolve(ParentNodeProvider)
    )
    for node in (module, *module.body):
        assert list(walk.children(node)) == list(node.children)


@pytest.mark.parametrize("path", OWN_FILES, ids=lambda path: path.name)
def test_walk_matches_libcst_on_real_code(path: Path) -> None:
    _assert_same_as_libcst(cst.parse_module(path.read_bytes()))


def test_walk_matches_libcst_on_fstring_format_specs() -> None:
    # libcst visits an f-string part's format spec only when it has one: the one field
    # whose visiting depends on the node. The field order is learned from the first node
    # of a type, here one without a spec.
    for learned in (walk._FIELDS, walk._VALUES, walk._ANNOUNCED):
        learned.pop(cst.FormattedStringExpression, None)
    _assert_same_as_libcst(cst.parse_module('f"{a}{b:>{width}}{c!r:10}"\nf"{d}"\n'))


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles its programs
@hypothesis.settings(deadline=None)
@hypothesis.given(GENERATED_MODULES)
def test_walk_matches_libcst_on_generated_programs(module: cst.Module) -> None:
    _assert_same_as_libcst(module)


class _Counting(cst.CSTVisitor):
    """Visits every ``Name`` through ``node.visit`` from its own callback, as libcst's
    metadata visitors do."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def visit_Call(self, node: cst.Call) -> bool:
        node.func.visit(self)
        for arg in node.args:
            arg.visit(self)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.names.append(node.value)


class _Renaming(cst.CSTTransformer):
    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        return updated.with_changes(value=updated.value.upper())


def test_read_only_visits_walk_only_the_named_visitors_and_end() -> None:
    module = cst.parse_module("f(a, g(b))\nc = d\n")
    expected = _Counting()
    module.visit(expected)
    libcst_visit = cst.CSTNode.visit
    with walk.read_only_visits(_Counting):
        found = _Counting()
        walk.walk(module, found)
        # Nested scopes of the replacement: the inner one ending keeps the outer one's.
        with walk.read_only_visits(_Counting):
            pass
        assert cst.CSTNode.visit is not libcst_visit
        same = module.visit(found)
        # Any other visitor, a transformer above all, still gets libcst's own visit.
        renamed = module.visit(_Renaming())
    assert found.names == expected.names * 2 == ["f", "a", "g", "b", "c", "d"] * 2
    assert same is module  # walked, not copied
    assert renamed.code == "F(A, G(B))\nC = D\n"
    assert cst.CSTNode.visit is libcst_visit


def test_every_node_hook_runs_before_the_leave_callback() -> None:
    events: list[str] = []

    class Hooked(walk.EveryNodeVisitor):
        def leave_every_node(self, node: cst.CSTNode) -> None:
            if isinstance(node, cst.Name | cst.Call):
                events.append(f"every {type(node).__name__}")

        def leave_Name(self, node: cst.Name) -> None:
            events.append(f"leave {node.value}")

        def visit_Arg_value(self, node: cst.Arg) -> None:
            events.append("arg value")

    walk.walk(cst.parse_expression("f(x)"), Hooked())
    assert events == [
        "every Name",
        "leave f",
        "arg value",
        "every Name",
        "leave x",
        "every Call",
    ]


@pytest.mark.parametrize("path", OWN_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_module_calls_and_definitions_are_what_a_walk_meets(path: Path) -> None:
    """``ParsedModule.calls`` and ``.definitions`` stand in for a walk with only
    ``visit_Call``, or only ``visit_FunctionDef``/``visit_ClassDef``: the same nodes in the
    same order."""
    source = read_source(path)
    assert isinstance(source, SourceFile)
    parsed = parse(source)
    assert isinstance(parsed, ParsedModule)
    calls: list[cst.CSTNode] = []
    definitions: list[cst.CSTNode] = []

    class Meets(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            calls.append(node)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            definitions.append(node)

        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            definitions.append(node)

    walk.walk(parsed.module, Meets())
    assert list(parsed.calls) == calls
    assert list(parsed.definitions) == definitions


class _StatementEvents(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, int]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.events.append(("def", id(node)))

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.events.append(("class", id(node)))

    def visit_Assign(self, node: cst.Assign) -> None:
        self.events.append(("assign", id(node)))

    def visit_If(self, node: cst.If) -> bool:
        self.events.append(("if", id(node)))
        return len(node.body.body) < 3  # skips the statements of longer branches


@pytest.mark.parametrize("path", OWN_FILES, ids=lambda path: f"statements-{path.name}")
def test_walk_statements_gives_a_statement_visitor_what_walk_gives(path: Path) -> None:
    module = cst.parse_module(path.read_bytes())
    everywhere, statements = _StatementEvents(), _StatementEvents()
    walk.walk(module, everywhere)
    walk.walk_statements(module, statements)
    assert statements.events == everywhere.events


def test_walk_statements_refuses_a_visitor_of_expressions() -> None:
    class Calls(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            pass

    with pytest.raises(TypeError, match="more than statements"):
        walk.walk_statements(cst.parse_module("f()\n"), Calls())
