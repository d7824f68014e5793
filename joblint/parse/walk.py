"""Read-only traversal of libcst trees, without the copy libcst's own traversal makes.

``node.visit(visitor)`` rebuilds every node it passes: each node's
``_visit_and_replace_children`` constructs (and validates) a new node from its visited
children, even for a read-only ``CSTVisitor`` whose result is then thrown away, and
``node.children`` is computed the same way. On the generated jobs tree that copying was
2.5 million node constructions for 320 files, two fifths of the run. Analysis never
changes a tree, so it walks the tree's fields instead, and skips the do-nothing
``visit_``/``leave_`` methods libcst's visitor base defines for every node type.

The order is libcst's: each node type's children are visited in the order its own
``_visit_and_replace_children`` visits them (recorded once per type, by running it with
a visitor that notes the attribute names and descends nowhere), which is the order they
appear in the source. A visitor sees exactly the callbacks ``node.visit`` would give it:
``visit_<Node>``/``leave_<Node>``, ``visit_<Node>_<field>``/``leave_<Node>_<field>``, and
``False`` from a ``visit_`` method skipping the children. Transformers, which do replace
nodes, keep using libcst's ``visit``.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from operator import attrgetter
from typing import Any

import libcst as cst

_Callback = Callable[[Any, Any], Any]
# A node type's child-bearing field values, in visiting order.
_Values = Callable[[cst.CSTNode], tuple[Any, ...]]
# An attribute callback pair, visit and leave (either may be None), by field name.
_Hooks = dict[str, tuple[_Callback | None, _Callback | None]]
# Per visitor class and node type: its visit_ and leave_ callbacks (None when absent) and
# its attribute callbacks (None when it has none for this node type).
_Plan = tuple[_Callback | None, _Callback | None, _Hooks | None]

_ATTRIBUTE_HOOK = re.compile(r"(?:visit|leave)_([A-Z][A-Za-z]*)_\w+")


class _IsNode(dict[type, bool]):
    """Whether a type is a CSTNode, asked with a dict lookup: ``isinstance`` against the
    abstract ``CSTNode`` goes through ``ABCMeta`` and cost a quarter of a walk."""

    def __missing__(self, kind: type) -> bool:
        found = self[kind] = issubclass(kind, cst.CSTNode)
        return found


_IS_NODE = _IsNode()
_REMEMBERED: ContextVar[dict[cst.CSTNode, tuple[cst.CSTNode, ...]] | None] = ContextVar(
    "joblint_walk_children", default=None
)
_FIELDS: dict[type[cst.CSTNode], tuple[str, ...]] = {}
_VALUES: dict[type[cst.CSTNode], _Values] = {}
# The fields libcst's traversal always announces with attribute callbacks.
_ANNOUNCED: dict[type[cst.CSTNode], frozenset[str]] = {}
# Plans per visitor class, dying with the class: rules define visitor classes inside
# functions, a new class per call.
_PLANS: weakref.WeakKeyDictionary[type[cst.CSTVisitor], dict[type[cst.CSTNode], _Plan]] = (
    weakref.WeakKeyDictionary()
)
_HOOKED: weakref.WeakKeyDictionary[type[cst.CSTVisitor], frozenset[str]] = (
    weakref.WeakKeyDictionary()
)


class _FieldOrder(cst.CSTVisitor):
    """Notes the attributes a node's ``_visit_and_replace_children`` visits, in order,
    without descending into them."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.names.append(attribute)


def _child_fields(node: cst.CSTNode) -> tuple[str, ...]:
    kind = type(node)
    fields = _FIELDS.get(kind)
    if fields is None:
        recorder = _FieldOrder()
        node._visit_and_replace_children(recorder)  # libcst's own order
        names = list(dict.fromkeys(recorder.names))
        _ANNOUNCED[kind] = frozenset(names)
        # A field some nodes of this type leave out of their visit (an f-string part's
        # absent format spec) is still looked at, after the others: it is last in the
        # source wherever libcst does that.
        names += [field.name for field in dataclasses.fields(node) if field.name not in names]
        fields = _FIELDS[kind] = tuple(names)
        if len(fields) > 1:
            _VALUES[kind] = attrgetter(*fields)
        else:
            _VALUES[kind] = _one_value(fields[0]) if fields else _no_values
    return fields


def _one_value(name: str) -> _Values:
    get = attrgetter(name)
    return lambda node: (get(node),)


def _no_values(node: cst.CSTNode) -> tuple[Any, ...]:
    return ()


def _values(node: cst.CSTNode) -> tuple[Any, ...]:
    values = _VALUES.get(type(node))
    if values is None:
        _child_fields(node)
        values = _VALUES[type(node)]
    return values(node)


def _announces(node: cst.CSTNode, name: str, value: object) -> bool:
    """Whether libcst's traversal of ``node`` calls attribute callbacks for ``name``: a
    field its ``_visit_and_replace_children`` always visits, or one it visits only when
    present (an f-string part's format spec) and that is present here."""
    return name in _ANNOUNCED[type(node)] or isinstance(value, (cst.CSTNode, tuple, list))


@contextmanager
def remembering_children() -> Iterator[None]:
    """Within: each node's children are worked out once. The engine remembers them while
    the rules check a module, which walk it again and again (``OwnedModules.check``); the
    memory goes when the context ends, so a long-lived linter (flake8's, an editor's)
    keeps no trees through it."""
    token = _REMEMBERED.set({}) if _REMEMBERED.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _REMEMBERED.reset(token)


@contextmanager
def forgetting_children() -> Iterator[None]:
    """Within: nothing is remembered, for a tree the caller is about to let go of (a
    module parsed only for its symbols), which remembered children would keep alive."""
    token = _REMEMBERED.set(None)
    try:
        yield
    finally:
        _REMEMBERED.reset(token)


class _StatementHolder(dict[type, bool]):
    """Whether a node type can hold statements: a statement, a suite, or a clause of one
    (``else``, ``except``, ``finally``, ``case``). Expressions never do (a lambda holds
    an expression), so a search for definitions or assignments can leave them out."""

    def __missing__(self, kind: type) -> bool:
        found = self[kind] = issubclass(kind, _HOLDERS)
        return found


_HOLDERS = (
    cst.BaseStatement,
    cst.BaseSmallStatement,
    cst.BaseSuite,
    cst.Else,
    cst.ExceptHandler,
    cst.ExceptStarHandler,
    cst.Finally,
    cst.MatchCase,
)
_HOLDS_STATEMENTS = _StatementHolder()


def holds_statements(node: cst.CSTNode) -> bool:
    """Whether ``node`` is a statement, a suite or a clause of a compound statement: the
    only places a ``def``, a ``class`` or an assignment statement can be. Asked with a
    dict lookup, as ``isinstance`` against libcst's abstract classes goes through
    ``ABCMeta``."""
    return _HOLDS_STATEMENTS[type(node)]


def statements(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every statement, suite and clause under ``root``, in the order a walk meets them,
    without going into an expression: where a search for definitions, assignments or
    imports need look."""
    pending = [root]
    while pending:
        node = pending.pop()
        if node is not root:
            yield node
        pending.extend(reversed([child for child in children(node) if holds_statements(child)]))


def children(node: cst.CSTNode) -> tuple[cst.CSTNode, ...]:
    """``node.children`` (the immediate child nodes, in source order), without libcst's
    rebuilding of ``node``."""
    remembered = _REMEMBERED.get()
    if remembered is not None:
        found = remembered.get(node)
        if found is None:
            found = remembered[node] = _children(node)
        return found
    return _children(node)


def _children(node: cst.CSTNode) -> tuple[cst.CSTNode, ...]:
    found: list[cst.CSTNode] = []
    is_node = _IS_NODE
    for value in _values(node):
        kind = type(value)
        if kind is tuple or kind is list:
            found.extend(item for item in value if is_node[type(item)])
        elif is_node[kind]:
            found.append(value)
    return tuple(found)


class EveryNodeVisitor(cst.CSTVisitor):
    """A visitor that does something as it leaves every node, before its ``leave_``
    callbacks: what a visitor overriding ``on_leave`` does (libcst's scope analysis), said
    so that ``walk`` can still dispatch the rest through its plans instead of libcst's
    per-node ``getattr``."""

    def leave_every_node(self, node: cst.CSTNode) -> None:
        """Called as the walk leaves ``node``, before ``leave_<Node>``."""


def walk(root: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """``root.visit(visitor)`` for a read-only visitor, without copying the tree."""
    kind = type(visitor)
    if kind.on_visit is not cst.CSTVisitor.on_visit or kind.on_leave is not cst.CSTVisitor.on_leave:
        _walk_overridden(root, visitor)  # a visitor with its own dispatch gets it
        return
    plans = _PLANS.get(kind)
    if plans is None:
        plans = _PLANS[kind] = {}
        _HOOKED[kind] = frozenset(
            match.group(1)
            for name in _own_methods(kind)
            if (match := _ATTRIBUTE_HOOK.fullmatch(name))
        )
    every = visitor.leave_every_node if isinstance(visitor, EveryNodeVisitor) else None
    _walk(root, visitor, plans, every)


_VISITS_LOCK = threading.Lock()
_read_only_kinds: dict[type[cst.CSTVisitor], int] = {}
_libcst_visit = cst.CSTNode.visit


def _read_only_visit(node: Any, visitor: Any) -> Any:
    if type(visitor) in _read_only_kinds:
        walk(node, visitor)
        return node
    return _libcst_visit(node, visitor)


@contextmanager
def read_only_visits(*kinds: type[cst.CSTVisitor]) -> Iterator[None]:
    """Within: ``node.visit(visitor)`` for a visitor of exactly one of ``kinds`` walks
    instead of copying, every other visitor gets libcst's own ``visit``. For libcst's
    metadata visitors, whose callbacks visit subtrees themselves (``node.body.visit(self)``):
    copying every node they pass was most of the cost of scope analysis, the largest cost
    of a cold run. Such a visitor must only read (a metadata visitor does); the
    replacement lasts while any caller is within, and is undone when the last leaves."""
    with _VISITS_LOCK:
        for kind in kinds:
            _read_only_kinds[kind] = _read_only_kinds.get(kind, 0) + 1
        setattr(cst.CSTNode, "visit", _read_only_visit)  # noqa: B010
    try:
        yield
    finally:
        with _VISITS_LOCK:
            for kind in kinds:
                _read_only_kinds[kind] -= 1
                if not _read_only_kinds[kind]:
                    del _read_only_kinds[kind]
            if not _read_only_kinds:
                setattr(cst.CSTNode, "visit", _libcst_visit)  # noqa: B010


def walk_statements(root: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """``walk(root, visitor)`` for a visitor whose callbacks all concern statements,
    suites or clauses (``visit_FunctionDef``, ``leave_ClassDef``, ``visit_Assign``...):
    it goes through those nodes only, in the same order, and never into an expression,
    where no such node can be. Most of a module's nodes are expressions."""
    kind = type(visitor)
    if kind not in _STATEMENT_VISITORS:
        _STATEMENT_VISITORS[kind] = _statement_callbacks_only(kind)
    if not _STATEMENT_VISITORS[kind]:
        raise TypeError(f"{kind.__name__} has callbacks for more than statements; use walk()")
    _walk_statements(root, visitor)


_STATEMENT_VISITORS: weakref.WeakKeyDictionary[type[cst.CSTVisitor], bool] = (
    weakref.WeakKeyDictionary()
)


def _statement_callbacks_only(visitor: type[cst.CSTVisitor]) -> bool:
    if visitor.on_visit is not cst.CSTVisitor.on_visit:
        return False
    if visitor.on_leave is not cst.CSTVisitor.on_leave:
        return False
    for name in _own_methods(visitor):
        if _ATTRIBUTE_HOOK.fullmatch(name):
            return False
        match = re.fullmatch(r"(?:visit|leave)_([A-Za-z]+)", name)
        node_type = getattr(cst, match.group(1), None) if match else None
        if match and not (isinstance(node_type, type) and _HOLDS_STATEMENTS[node_type]):
            return False
    return True


def _walk_statements(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    name = type(node).__name__
    visit = getattr(visitor, f"visit_{name}", None)
    if visit is None or visit(node) is not False:
        for child in children(node):
            if _HOLDS_STATEMENTS[type(child)]:
                _walk_statements(child, visitor)
    leave = getattr(visitor, f"leave_{name}", None)
    if leave is not None:
        leave(node)


def _own_methods(visitor: type[cst.CSTVisitor]) -> set[str]:
    """The names ``visitor`` defines itself, below ``CSTVisitor``: libcst's visitor base
    defines a do-nothing ``visit_``/``leave_`` method for every node type and field, and
    calling those is what libcst's own dispatch does at every node for nothing."""
    names: set[str] = set()
    for klass in visitor.__mro__:
        if klass is cst.CSTVisitor:
            break
        names.update(klass.__dict__)
    return names


def _callback(visitor: type[cst.CSTVisitor], name: str) -> _Callback | None:
    """``visitor``'s method ``name``, or None where it is libcst's do-nothing default."""
    found: _Callback | None = getattr(visitor, name, None)
    if found is not None and found is getattr(cst.CSTVisitor, name, None):
        return None
    return found


def _plan(visitor: type[cst.CSTVisitor], node: cst.CSTNode) -> _Plan:
    name = type(node).__name__
    hooks: _Hooks | None = None
    if name in _HOOKED[visitor]:
        hooks = {
            field: (
                _callback(visitor, f"visit_{name}_{field}"),
                _callback(visitor, f"leave_{name}_{field}"),
            )
            for field in _child_fields(node)
        }
    return _callback(visitor, f"visit_{name}"), _callback(visitor, f"leave_{name}"), hooks


def _walk(
    node: cst.CSTNode,
    visitor: cst.CSTVisitor,
    plans: dict[type[cst.CSTNode], _Plan],
    leave_every: Callable[[cst.CSTNode], None] | None = None,
) -> None:
    """The walk proper; ``leave_every`` is an ``EveryNodeVisitor``'s hook, run as each
    node is left, before its ``leave_`` callback."""
    plan = plans.get(type(node))
    if plan is None:
        plan = plans[type(node)] = _plan(type(visitor), node)
    visit, leave, hooks = plan
    if visit is None or visit(visitor, node) is not False:
        if hooks is None:
            for child in children(node):
                _walk(child, visitor, plans, leave_every)
        else:
            _walk_fields(node, visitor, plans, hooks, leave_every)
    if leave_every is not None:
        leave_every(node)
    if leave is not None:
        leave(visitor, node)


def _walk_fields(
    node: cst.CSTNode,
    visitor: cst.CSTVisitor,
    plans: dict[type[cst.CSTNode], _Plan],
    hooks: _Hooks,
    leave_every: Callable[[cst.CSTNode], None] | None = None,
) -> None:
    """The children of a node the visitor has attribute callbacks for, field by field."""
    for name, value in zip(_child_fields(node), _values(node), strict=True):
        visit, leave = hooks[name]
        if (visit is not None or leave is not None) and not _announces(node, name, value):
            visit = leave = None
        if visit is not None:
            visit(visitor, node)
        for item in value if isinstance(value, (tuple, list)) else (value,):
            if _IS_NODE[type(item)]:
                _walk(item, visitor, plans, leave_every)
        if leave is not None:
            leave(visitor, node)


def _walk_overridden(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    if visitor.on_visit(node):
        for name, value in zip(_child_fields(node), _values(node), strict=True):
            announced = _announces(node, name, value)
            if announced:
                visitor.on_visit_attribute(node, name)
            for item in value if isinstance(value, (tuple, list)) else (value,):
                if _IS_NODE[type(item)]:
                    _walk_overridden(item, visitor)
            if announced:
                visitor.on_leave_attribute(node, name)
    visitor.on_leave(node)


# Nodes that are only layout (whitespace, line breaks, comments, and what holds only
# those): no name is written in one, so no rule asks for its scope, span or parent.
_LAYOUT = (
    cst.BaseParenthesizableWhitespace,
    cst.EmptyLine,
    cst.TrailingWhitespace,
    cst.Newline,
    cst.Comment,
)


class _IsLayout(dict[type, bool]):
    def __missing__(self, kind: type) -> bool:
        found = self[kind] = issubclass(kind, _LAYOUT)
        return found


_IS_LAYOUT = _IsLayout()


def is_layout(node: cst.CSTNode) -> bool:
    """Whether ``node`` is only layout (``_LAYOUT``); about half of a module's nodes are."""
    return _IS_LAYOUT[type(node)]


def parents(module: cst.Module, layout: bool = True) -> dict[cst.CSTNode, cst.CSTNode]:
    """Every node's parent (libcst's ``ParentNodeProvider``, without its copy); without
    ``layout``, of every node but the layout nodes (``is_layout``), for a map kept with
    the module."""
    found: dict[cst.CSTNode, cst.CSTNode] = {}
    pending: list[cst.CSTNode] = [module]
    while pending:
        node = pending.pop()
        for child in children(node):
            if layout or not _IS_LAYOUT[type(child)]:
                found[child] = node
                pending.append(child)
    return found
