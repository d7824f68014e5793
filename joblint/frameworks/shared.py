"""Machinery more than one frontend uses, none of it about one framework.

A frontend imports from here, never from another frontend (the independence contract
under ``[tool.importlinter]`` in ``pyproject.toml``), so that changing how one framework
is read cannot change what another finds. A helper moves here when a second frontend
needs it; what one framework alone means stays in its frontend.

- What a module binds each name to (``bindings``), the same as plain data for the modules
  reading it (``ModuleBindings``, made of ``Value``s, in a frontend's export) and read
  back across modules (``ProjectBindings``), with a call's arguments normalised through
  them (``split_arguments``, ``bind_leading``): RQ and Huey.
- ``*values`` and ``**params`` splats of local literals used only as arguments, expanded
  (``expand_arguments``): Dramatiq and arq.
- Functions made tasks by a decorator or a project wrapper of it
  (``decorated_functions``, ``Decoration``, ``wrapper_needles``), values of local names
  and constants (``LocalValues``, ``constant``), dict literals as keyword arguments
  (``normalised_arguments``): Procrastinate and Django Tasks.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

import libcst as cst
from libcst.helpers import get_absolute_module_from_package_for_import
from libcst.metadata import Assignment, BaseAssignment, Scope

from joblint.analysis.model import (
    NO_QUEUE,
    UNKNOWN,
    AssignmentInfo,
    FunctionInfo,
    JobDefinition,
    Literal,
    QueueDeclaration,
    QueueKind,
    Unknown,
)
from joblint.analysis.symbols import call_info, literal, single_name
from joblint.parse import walk
from joblint.parse.parsing import ParsedModule, parse
from joblint.parse.source import SourceFile, read_source

if TYPE_CHECKING:
    from joblint.analysis.index import ProjectIndex

PARTIALS = frozenset({"functools.partial"})


# == Bindings, module-level values across modules, call arguments (RQ, Huey) ===========

MUTATING_METHODS = frozenset(
    {"update", "setdefault", "pop", "popitem", "clear", "append", "extend", "insert", "remove"}
)


@dataclass
class Bindings:
    """What each name of one module is bound to, by the name's qualified name
    (``pkg.mod.queue``, ``pkg.mod.f.<locals>.q``): the assigned expressions, None for a
    binding whose value cannot be seen (a loop target, an unpacking). ``mutated`` names
    are changed after binding (``params["k"] = v``, ``params.update(...)``)."""

    values: dict[str, list[cst.BaseExpression | None]] = field(
        default_factory=lambda: defaultdict(list)
    )
    mutated: set[str] = field(default_factory=set)
    # Every function definition by qualified name.
    functions: dict[str, cst.FunctionDef] = field(default_factory=dict)
    # `from x import y as z` outside functions and classes: `module.z` -> `x.y`.
    imports: dict[str, str] = field(default_factory=dict)

    def single(self, name: str) -> cst.BaseExpression | None:
        """The one expression ``name`` is ever bound to, when it is never changed after."""
        found = self.values.get(name, [])
        if len(found) != 1 or name in self.mutated:
            return None
        return found[0]


class _BindingCollector(cst.CSTVisitor):
    def __init__(self, parsed: ParsedModule) -> None:
        self.parsed = parsed
        self.bindings = Bindings()
        self.depth = 0  # functions and classes around the node

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.depth += 1

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.depth -= 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.depth -= 1

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if not self.depth:
            self.bindings.imports.update(_imported(self.parsed, node))

    def _name(self, node: cst.CSTNode) -> str | None:
        return single_name(self.parsed, node)

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Name):
            name = self._name(target)
            if name is not None:
                self.bindings.values[name].append(value)
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self._bind(element.value, None)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, None)
        elif isinstance(target, cst.Subscript | cst.Attribute):
            name = self._name(target.value)
            if name is not None:
                self.bindings.mutated.add(name)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node.target, None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target, node.value)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target, None)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind(node.target, None)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name, None)

    def visit_Del(self, node: cst.Del) -> None:
        self._bind(node.target, None)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in MUTATING_METHODS:
            name = self._name(func.value)
            if name is not None:
                self.bindings.mutated.add(name)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth += 1
        for name in self.parsed.names_of(node):
            self.bindings.functions.setdefault(name, node)


_BINDINGS: weakref.WeakKeyDictionary[ParsedModule, Bindings] = weakref.WeakKeyDictionary()


def bindings(parsed: ParsedModule) -> Bindings:
    found = _BINDINGS.get(parsed)
    if found is None:
        collector = _BindingCollector(parsed)
        walk.walk(parsed.module, collector)
        found = _BINDINGS[parsed] = collector.bindings
    return found


# -- plain values: what one module tells the reading of another (issue 17) -------------
#
# A frontend reads the tree of the module it is looking at and nothing else. What it needs
# of the other modules (a queue object, a wrapper of a task decorator, a re-export) each
# module tells it in its ``Frontend.export``, as plain data worked out from its own tree:
# its expressions as ``Value``s, with every name resolved where it is written.

# How deep a value is written out: far beyond what any reading looks at (a few levels),
# and short of the recursion limit on machine-made code.
VALUE_DEPTH = 48


@dataclass(frozen=True)
class Value:
    """An expression of some module, as plain data. ``name`` is the one qualified name it
    refers to (``single_name``, resolved in its module), if any. This class itself stands
    for any expression its subclasses do not describe."""

    name: str | None


@dataclass(frozen=True)
class Text(Value):
    """A string literal."""

    text: str


@dataclass(frozen=True)
class Reference(Value):
    """A name (``identifier``, as written) or an attribute (``receiver.attribute``)."""

    identifier: str | None = None
    attribute: str | None = None
    receiver: Value | None = None


@dataclass(frozen=True)
class Argument:
    """One argument of a call: ``keyword=value``, ``*value``/``**value`` (``star``), or
    positional."""

    keyword: str | None
    star: str
    value: Value


@dataclass(frozen=True)
class Invocation(Value):
    """A call: what it calls, and its arguments as written."""

    callee: Value
    arguments: tuple[Argument, ...] = ()


@dataclass(frozen=True)
class Choice(Value):
    """``body if test else orelse``."""

    body: Value
    orelse: Value


class ValueReader:
    """The plain values of one module's expressions, each made once per node, and the node
    each was made from: the module's own reading maps a value back to where it is written
    (an enqueue site's queue option), the other modules' never can."""

    def __init__(self, parsed: ParsedModule) -> None:
        # A weak link: the reader is kept per module, in a table the module keys weakly.
        self._parsed = weakref.ref(parsed)
        self._values: dict[cst.CSTNode, Value] = {}
        self._nodes: dict[int, cst.BaseExpression] = {}

    def value(self, node: cst.BaseExpression) -> Value:
        return self._value(node, 0)

    def node_of(self, value: Value) -> cst.BaseExpression | None:
        """The node ``value`` was made from, when this reader made it."""
        node = self._nodes.get(id(value))
        return node if node is not None and self._values.get(node) is value else None

    def _value(self, node: cst.BaseExpression, depth: int) -> Value:
        found = self._values.get(node)
        if found is not None:
            return found
        if depth > VALUE_DEPTH:
            return Value(self._name(node))
        made = self._make(node, depth + 1)
        self._values[node] = made
        self._nodes[id(made)] = node
        return made

    def _name(self, node: cst.BaseExpression) -> str | None:
        parsed = self._parsed()
        assert parsed is not None, "a reader outlived its module"
        return single_name(parsed, node)

    def _make(self, node: cst.BaseExpression, depth: int) -> Value:
        text = string_value(node)
        if text is not None:
            return Text(None, text)
        if isinstance(node, cst.IfExp):
            return Choice(None, self._value(node.body, depth), self._value(node.orelse, depth))
        # Only these can refer to a name (libcst's full names): asking of the others
        # costs a scope lookup for nothing.
        if not isinstance(node, cst.Name | cst.Attribute | cst.Call | cst.Subscript):
            return Value(None)
        name = self._name(node)
        if isinstance(node, cst.Name):
            return Reference(name, identifier=node.value)
        if isinstance(node, cst.Attribute):
            return Reference(
                name, attribute=node.attr.value, receiver=self._value(node.value, depth)
            )
        if isinstance(node, cst.Call):
            arguments = tuple(
                Argument(
                    arg.keyword.value if arg.keyword is not None else None,
                    arg.star,
                    self._value(arg.value, depth),
                )
                for arg in node.args
            )
            return Invocation(name, self._value(node.func, depth), arguments)
        return Value(name)


_READERS: weakref.WeakKeyDictionary[ParsedModule, ValueReader] = weakref.WeakKeyDictionary()


def value_reader(parsed: ParsedModule) -> ValueReader:
    """The module's ``ValueReader``, one per module: its export and its own reading share
    the values it makes."""
    found = _READERS.get(parsed)
    if found is None:
        found = _READERS[parsed] = ValueReader(parsed)
    return found


def names_in(values: Iterable[Value | None]) -> Iterator[str]:
    """Every qualified name the values and their parts refer to."""
    pending = [value for value in values if value is not None]
    while pending:
        value = pending.pop()
        if value.name is not None:
            yield value.name
        if isinstance(value, Reference) and value.receiver is not None:
            pending.append(value.receiver)
        elif isinstance(value, Invocation):
            pending.append(value.callee)
            pending.extend(argument.value for argument in value.arguments)
        elif isinstance(value, Choice):
            pending.extend((value.body, value.orelse))


@dataclass(frozen=True)
class FunctionOutline:
    """What a test for a wrapper of a task decorator reads of a function: every call its
    body makes (a nested function's included), in the order a walk meets them, and its
    parameters with their defaults."""

    calls: tuple[Invocation, ...]
    positional: tuple[tuple[str, Value | None], ...] = ()
    keyword_only: tuple[tuple[str, Value | None], ...] = ()
    star: str | None = None  # the ``*args`` parameter's name

    def parameter(self, argument: Value) -> tuple[int | None, str, Value | None] | None:
        """When ``argument`` is a bare name of one of the parameters: its position (None
        for keyword-only), name and default."""
        if not isinstance(argument, Reference) or argument.identifier is None:
            return None
        for position, (name, default) in enumerate(self.positional):
            if name == argument.identifier:
                return position, name, default
        for name, default in self.keyword_only:
            if name == argument.identifier:
                return None, name, default
        return None

    def is_star(self, argument: Value) -> bool:
        """Whether ``argument`` is the bare name of the ``*args`` parameter."""
        return (
            self.star is not None
            and isinstance(argument, Reference)
            and argument.identifier == self.star
        )


class _BodyCalls(cst.CSTVisitor):
    """Every function's body calls, in one walk of the module."""

    def __init__(self) -> None:
        self.calls: dict[cst.FunctionDef, list[cst.Call]] = {}
        self._open: list[list[cst.Call]] = []

    def visit_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self._open.append(self.calls.setdefault(node, []))

    def leave_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self._open.pop()

    def visit_Call(self, node: cst.Call) -> None:
        for calls in self._open:
            calls.append(node)


def _outlines(parsed: ParsedModule) -> dict[cst.FunctionDef, FunctionOutline]:
    collector = _BodyCalls()
    walk.walk(parsed.module, collector)
    reader = value_reader(parsed)
    return {node: _outline(reader, node, calls) for node, calls in collector.calls.items()}


def _outline(reader: ValueReader, node: cst.FunctionDef, calls: list[cst.Call]) -> FunctionOutline:
    def parameters(params: Sequence[cst.Param]) -> tuple[tuple[str, Value | None], ...]:
        return tuple(
            (param.name.value, None if param.default is None else reader.value(param.default))
            for param in params
        )

    star = node.params.star_arg
    return FunctionOutline(
        calls=tuple(value for value in map(reader.value, calls) if isinstance(value, Invocation)),
        positional=parameters([*node.params.posonly_params, *node.params.params]),
        keyword_only=parameters(node.params.kwonly_params),
        star=star.name.value if isinstance(star, cst.Param) else None,
    )


@dataclass(frozen=True)
class ModuleBindings:
    """What one module binds, as plain data, for the frontends reading other modules:
    its re-exports (``from x import y as z`` outside functions and classes), and, in the
    modules a frontend says may matter, the values its names are bound to (every
    module-level name's, and those of the local names the module's other values refer
    to), the names changed after binding, and an outline of each function, by every
    qualified name the ``def`` has. The same content, read the same way, as the
    module's ``bindings``."""

    module_name: str
    path: Path
    imports: tuple[tuple[str, str], ...] = ()
    values: tuple[tuple[str, tuple[Value | None, ...]], ...] = ()
    mutated: frozenset[str] = frozenset()
    functions: tuple[tuple[str, FunctionOutline], ...] = ()


_IMPORTS: weakref.WeakKeyDictionary[ParsedModule, tuple[tuple[str, str], ...]] = (
    weakref.WeakKeyDictionary()
)


def module_imports(parsed: ParsedModule) -> tuple[tuple[str, str], ...]:
    """``from x import y as z`` outside functions and classes, as ``(module.z, x.y)``:
    what ``bindings(parsed).imports`` holds, found among the module-level statements
    alone (every module exports it, so no module is walked for it)."""
    found = _IMPORTS.get(parsed)
    if found is not None:
        return found
    imports: dict[str, str] = {}
    pending: list[cst.CSTNode] = [parsed.module]
    while pending:
        node = pending.pop()
        if isinstance(node, cst.ImportFrom):
            imports.update(_imported(parsed, node))
        elif not isinstance(node, cst.FunctionDef | cst.ClassDef):
            pending.extend(
                reversed([child for child in walk.children(node) if walk.holds_statements(child)])
            )
    found = _IMPORTS[parsed] = tuple(imports.items())
    return found


def _imported(parsed: ParsedModule, node: cst.ImportFrom) -> Iterator[tuple[str, str]]:
    if isinstance(node.names, cst.ImportStar):
        return
    try:
        module = get_absolute_module_from_package_for_import(parsed.package, node)
    except Exception:  # a relative import beyond the top-level package
        return
    if module is None:
        return
    for alias in node.names:
        if not isinstance(alias.name, cst.Name):
            continue
        local = alias.asname.name if alias.asname is not None else alias.name
        if isinstance(local, cst.Name):
            yield f"{parsed.module_name}.{local.value}", f"{module}.{alias.name.value}"


def module_bindings(
    parsed: ParsedModule, *, full: bool, roots: Iterable[Value] = ()
) -> ModuleBindings:
    """The module's bindings as plain data: its re-exports always; with ``full``, its
    module-level values and its functions' outlines (a walk of the module, which only the
    modules a frontend's byte test picks get); and the values of the module's names that
    ``roots`` (values of this module its own export holds) refer to, through each other.
    A module's own names are all its bindings' keys, so no other name is looked up."""
    imports = module_imports(parsed)
    own = f"{parsed.module_name}."
    reader = value_reader(parsed)
    pending = list(names_in(roots))
    functions: tuple[tuple[str, FunctionOutline], ...] = ()
    if full:
        bound = bindings(parsed)
        pending.extend(name for name in bound.values if name.rpartition(".")[0] == own[:-1])
        outlines = _outlines(parsed)
        functions = tuple(
            (name, outlines[node]) for name, node in bound.functions.items() if node in outlines
        )
        for outline in outlines.values():
            pending.extend(names_in(outline.calls))
            pending.extend(names_in(default for _, default in outline.positional))
            pending.extend(names_in(default for _, default in outline.keyword_only))
    table: dict[str, tuple[Value | None, ...]] = {}
    while pending:
        name = pending.pop()
        if name in table or not name.startswith(own):
            continue
        found = bindings(parsed).values.get(name)
        if not found:
            continue
        values = tuple(reader.value(value) if value is not None else None for value in found)
        table[name] = values
        pending.extend(names_in(values))
    mutated = frozenset(bindings(parsed).mutated & table.keys()) if table else frozenset()
    return ModuleBindings(
        parsed.module_name,
        parsed.path,
        imports,
        tuple(sorted(table.items())),
        mutated,
        functions,
    )


class BindingTable(Protocol):
    """What a module binds its names to, as values: its own tree's ``LocalTable``, or
    another module's ``ExportedTable``."""

    def values_of(self, name: str) -> Sequence[Value | None]:
        """Every value ``name`` is bound to (None for one that cannot be seen)."""
        ...

    def single(self, name: str) -> Value | None:
        """The one value ``name`` is ever bound to, when it is never changed after."""
        ...


class LocalTable:
    """The bindings of the module being looked at, read from its tree on the first
    question (its names only: no other name is one of its bindings' keys)."""

    def __init__(self, parsed: ParsedModule) -> None:
        self.parsed = parsed
        self.reader = value_reader(parsed)
        self._own = f"{parsed.module_name}."

    def values_of(self, name: str) -> Sequence[Value | None]:
        if not name.startswith(self._own):
            return ()
        found = bindings(self.parsed).values.get(name, ())
        return [self.reader.value(value) if value is not None else None for value in found]

    def single(self, name: str) -> Value | None:
        if not name.startswith(self._own):
            return None
        found = bindings(self.parsed).single(name)
        return None if found is None else self.reader.value(found)


class ExportedTable:
    """Another module's bindings, as its ``ModuleBindings`` tell them."""

    def __init__(self, exported: ModuleBindings) -> None:
        self.exported = exported
        self.imports = dict(exported.imports)
        self.values = dict(exported.values)
        self.functions = dict(exported.functions)

    def values_of(self, name: str) -> Sequence[Value | None]:
        return self.values.get(name, ())

    def single(self, name: str) -> Value | None:
        found = self.values.get(name, ())
        if len(found) != 1 or name in self.exported.mutated:
            return None
        return found[0]


class ProjectBindings:
    """Every module's ``ModuleBindings`` in one index, by path and module name, to read
    what a qualified name is bound to in whichever module binds it, without its tree.
    A module's table is made on the first question about it."""

    def __init__(self, index: ProjectIndex, modules: Iterable[ModuleBindings]) -> None:
        self.index = index
        self._by_path: dict[Path, ModuleBindings] = {}
        self._by_name: dict[str, ModuleBindings] = {}
        for module in modules:
            self._by_path[module.path] = module
            self._by_name.setdefault(module.module_name, module)
        self._tables: dict[Path, ExportedTable] = {}

    def table(self, module: ModuleBindings) -> ExportedTable:
        found = self._tables.get(module.path)
        if found is None:
            found = self._tables[module.path] = ExportedTable(module)
        return found

    def _named(self, module_name: str) -> ExportedTable | None:
        module = self._by_name.get(module_name)
        return None if module is None else self.table(module)

    def _at(self, path: Path) -> ExportedTable | None:
        module = self._by_path.get(path)
        return None if module is None else self.table(module)

    def canonical(self, name: str) -> str:
        """``name`` with re-exports followed: ``pkg.send`` is ``pkg.tasks.send`` when
        ``pkg/__init__.py`` does ``from .tasks import send``."""
        for _ in range(4):
            module = self._named(name.rpartition(".")[0])
            target = module.imports.get(name) if module is not None else None
            if target is None or target == name:
                break
            name = target
        return name

    def alias_of(self, name: str) -> str:
        """``name`` with re-exports and module-level aliases (``Queue = RedashQueue``)
        followed."""
        for _ in range(4):
            name = self.canonical(name)
            value = self.value_of(name)
            if value is None or not isinstance(value[1], Reference):
                break
            target = value[1].name
            if target is None or target == name:
                break
            name = target
        return name

    def value_of(self, name: str) -> tuple[ExportedTable, Value] | None:
        """The value a module-level name is bound to (once), and its module's table."""
        if "<locals>" in name:
            return None
        name = self.canonical(name)
        module = self._named(name.rpartition(".")[0])
        qualified = name
        if module is None:
            info = self.index.assignments.resolve(name)
            if info is None:
                return None
            module, qualified = self._at(info.path), info.qualified_name
            if module is None:
                return None
        value = module.single(qualified)
        return None if value is None else (module, value)

    def function_def(self, name: str) -> tuple[ExportedTable, FunctionOutline] | None:
        """The outline of the function ``name`` refers to, and its module's table."""
        info = self.index.functions.resolve(self.canonical(name))
        if info is None:
            return None
        module = self._at(info.path)
        if module is None:
            return None
        outline = module.functions.get(info.qualified_name)
        return None if outline is None else (module, outline)


def bind_arguments(
    arguments: Sequence[Argument], names: Sequence[str]
) -> tuple[dict[str, Value], list[Argument], bool]:
    """``bind_leading`` for a call written out as plain values."""
    bound, rest, clear = _bind(arguments, names, lambda argument: argument.keyword)
    return {name: argument.value for name, argument in bound.items()}, rest, clear


def string_value(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


_ArgumentT = TypeVar("_ArgumentT", cst.Arg, Argument)


def bind_leading(
    args: Sequence[cst.Arg], names: Sequence[str]
) -> tuple[dict[str, cst.BaseExpression], list[cst.Arg], bool]:
    """Bind the call's first positional arguments and same-named keywords to the API's
    leading parameters ``names``; return them, the remaining arguments, and False when a
    ``*x`` hides which argument is which."""
    bound, rest, clear = _bind(
        args, names, lambda arg: arg.keyword.value if arg.keyword is not None else None
    )
    return {name: arg.value for name, arg in bound.items()}, rest, clear


def _bind(
    args: Sequence[_ArgumentT],
    names: Sequence[str],
    keyword_of: Callable[[_ArgumentT], str | None],
) -> tuple[dict[str, _ArgumentT], list[_ArgumentT], bool]:
    bound: dict[str, _ArgumentT] = {}
    rest: list[_ArgumentT] = []
    position = 0
    clear = True
    for arg in args:
        keyword = keyword_of(arg)
        if keyword is not None:
            if keyword in names:
                bound[keyword] = arg
            else:
                rest.append(arg)
        elif arg.star:
            if arg.star == "*" and position < len(names):
                clear = False
            rest.append(arg)
        elif position < len(names) and clear:
            bound[names[position]] = arg
            position += 1
        else:
            rest.append(arg)
    return bound, rest, clear


def _element_args(node: cst.List | cst.Tuple) -> tuple[list[cst.Arg], bool]:
    out: list[cst.Arg] = []
    known = True
    for element in node.elements:
        if isinstance(element, cst.StarredElement):
            known = False
        else:
            out.append(cst.Arg(value=element.value))
    return out, known


def sequence_arguments(
    parsed: ParsedModule, node: cst.BaseExpression | None, depth: int = 0
) -> tuple[list[cst.Arg], bool]:
    """``args=(a, b)`` / ``[a, b]`` (or a local bound to one) as positional arguments."""
    if node is None or (isinstance(node, cst.Name) and node.value == "None"):
        return [], True
    if isinstance(node, cst.List | cst.Tuple):
        return _element_args(node)
    if isinstance(node, cst.Name) and depth == 0:
        name = single_name(parsed, node)
        value = bindings(parsed).single(name) if name else None
        if value is not None:
            return sequence_arguments(parsed, value, depth + 1)
    return [], False


def mapping_arguments(
    parsed: ParsedModule, node: cst.BaseExpression | None, depth: int = 0
) -> tuple[list[cst.Arg], bool]:
    """``kwargs={"k": v}`` / ``dict(k=v)`` (or a local bound to one) as keyword arguments."""
    if node is None or (isinstance(node, cst.Name) and node.value == "None"):
        return [], True
    if isinstance(node, cst.Dict):
        out: list[cst.Arg] = []
        known = True
        for element in node.elements:
            key = string_value(element.key) if isinstance(element, cst.DictElement) else None
            if isinstance(element, cst.DictElement) and key is not None and key.isidentifier():
                out.append(cst.Arg(value=element.value, keyword=cst.Name(key)))
            else:
                known = False
        return out, known
    if isinstance(node, cst.Call) and single_name(parsed, node.func) == "builtins.dict":
        if all(arg.keyword is not None for arg in node.args):
            return [cst.Arg(value=arg.value, keyword=arg.keyword) for arg in node.args], True
        return [], False
    if isinstance(node, cst.Name) and depth == 0:
        name = single_name(parsed, node)
        value = bindings(parsed).single(name) if name else None
        if value is not None:
            return mapping_arguments(parsed, value, depth + 1)
    return [], False


def split_arguments(
    parsed: ParsedModule, args: Iterable[cst.Arg], options: frozenset[str]
) -> tuple[list[cst.Arg], bool, list[tuple[str, cst.BaseExpression]]]:
    """A call's arguments as the job receives them, with the framework's own keywords
    (``options``) taken out; ``*args`` and ``**params`` are expanded when they name a
    literal (or a local bound to one) and make the list unknown otherwise."""
    out: list[cst.Arg] = []
    found: list[tuple[str, cst.BaseExpression]] = []
    known = True
    for arg in args:
        if arg.star == "*":
            expanded, clear = sequence_arguments(parsed, arg.value)
            out.extend(expanded)
            known = known and clear
        elif arg.star == "**":
            items, clear = mapping_arguments(parsed, arg.value)
            known = known and clear
            for item in items:
                assert item.keyword is not None
                if item.keyword.value in options:
                    found.append((item.keyword.value, item.value))
                else:
                    out.append(item)
        elif arg.keyword is not None and arg.keyword.value in options:
            found.append((arg.keyword.value, arg.value))
        else:
            out.append(arg)
    return out, known, found


def keyword_literals(
    parsed: ParsedModule, call: cst.Call | None
) -> tuple[tuple[str, Literal], ...]:
    return call_info(parsed, call).keywords if call is not None else ()


def decorator_parts(node: cst.Decorator) -> tuple[cst.BaseExpression, cst.Call | None]:
    """``@d`` -> (d, None); ``@d(...)`` -> (d, the call)."""
    expression = node.decorator
    if isinstance(expression, cst.Call):
        return expression.func, expression
    return expression, None


def calls_in(node: cst.CSTNode) -> list[cst.Call]:
    """Every call under ``node``, in source order."""
    found: list[cst.Call] = []

    class _Calls(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            found.append(call)

    walk.walk(node, _Calls())
    return found


def function_defs(parsed: ParsedModule) -> list[cst.FunctionDef]:
    """Every function definition of the module, in source order (read from its list of
    definitions: the binding collector's full walk is not needed for it)."""
    return [node for node in parsed.definitions if isinstance(node, cst.FunctionDef)]


def wrapper_candidates(parsed: ParsedModule) -> tuple[tuple[str, str], ...]:
    """What a module binds once, outside functions, that may wrap a task decorator: each
    ``def`` and each name bound once, as (the name a module importing it writes, its
    qualified name). ``wrapper_names`` keeps those a frontend recognises."""
    found = [
        (node.name.value, name)
        for node in function_defs(parsed)
        if (name := qualified_name_of(parsed, node)) is not None and "<locals>" not in name
    ]
    found.extend(
        (name.rpartition(".")[2], name)
        for name, values in bindings(parsed).values.items()
        if "<locals>" not in name and len(values) == 1
    )
    return tuple(found)


def wrapper_names(candidates: Iterable[tuple[str, str]], wraps: Callable[[str], bool]) -> set[str]:
    """The names of the ``wrapper_candidates`` that ``wraps`` recognises by qualified name
    as wrappers of a task decorator: a module that imports one may never name the
    framework."""
    return {name for name, qualified in candidates if wraps(qualified)}


def qualified_name_of(parsed: ParsedModule, node: cst.FunctionDef) -> str | None:
    names = sorted(parsed.names_of(node))
    return names[0] if names else None


# == Splats of local literals (Dramatiq, arq) ==========================================

DICT_CONSTRUCTORS = frozenset({"builtins.dict", "dict"})

# How a local literal may be used for its value to be trusted: only as an argument
# (`**params`, `*args`, `kwargs=params`, `args=values`), never mutated or passed elsewhere.
_TRUSTED_KEYWORDS = frozenset({"args", "kwargs"})


def local_literal(parsed: ParsedModule, node: cst.BaseExpression) -> cst.BaseExpression | None:
    """The literal a local name holds: assigned once (``params = {...}``) in its scope and
    only ever used as a call's ``*``/``**`` splat or ``args=``/``kwargs=`` argument, so
    nothing can have changed it. None when that cannot be shown."""
    if not isinstance(node, cst.Name):
        return None
    scope = parsed.scopes.get(node)
    if scope is None:
        return None
    assignments = list(scope[node.value])
    if len(assignments) != 1:
        return None
    assignment = assignments[0]
    bound = getattr(assignment, "node", None)
    if not isinstance(bound, cst.Name):
        return None
    target = parsed.parents.get(bound)
    statement = parsed.parents.get(target) if target is not None else None
    if (
        not isinstance(target, cst.AssignTarget)
        or not isinstance(statement, cst.Assign)
        or len(statement.targets) != 1
    ):
        return None
    for access in assignment.references:
        parent = parsed.parents.get(access.node)
        if not isinstance(parent, cst.Arg) or not (
            parent.star
            or (parent.keyword is not None and parent.keyword.value in _TRUSTED_KEYWORDS)
        ):
            return None
    return statement.value


def sequence_elements(
    parsed: ParsedModule, node: cst.BaseExpression
) -> list[cst.BaseExpression] | None:
    """The elements of a tuple or list literal (directly or through a local), or None."""
    value = local_literal(parsed, node) if isinstance(node, cst.Name) else node
    if not isinstance(value, cst.Tuple | cst.List):
        return None
    elements: list[cst.BaseExpression] = []
    for element in value.elements:
        if not isinstance(element, cst.Element):
            return None
        elements.append(element.value)
    return elements


def mapping_items(
    parsed: ParsedModule, node: cst.BaseExpression
) -> list[tuple[str, cst.BaseExpression]] | None:
    """The items of a dict literal or ``dict(k=v)`` with identifier keys (directly or
    through a local), or None."""
    value = local_literal(parsed, node) if isinstance(node, cst.Name) else node
    if isinstance(value, cst.Dict):
        items: list[tuple[str, cst.BaseExpression]] = []
        for element in value.elements:
            if not isinstance(element, cst.DictElement):
                return None
            key = literal(element.key)
            if not isinstance(key, str) or not key.isidentifier():
                return None
            items.append((key, element.value))
        return items
    if isinstance(value, cst.Call) and single_name(parsed, value.func) in DICT_CONSTRUCTORS:
        if any(arg.keyword is None for arg in value.args):
            return None
        return [(arg.keyword.value, arg.value) for arg in value.args if arg.keyword is not None]
    return None


def expand_arguments(
    parsed: ParsedModule, args: Sequence[cst.Arg]
) -> tuple[tuple[cst.Arg, ...], bool]:
    """Arguments as the job receives them, ``*values`` and ``**params`` splats of local
    literals expanded; and whether every argument could be listed."""
    expanded: list[cst.Arg] = []
    known = True
    for arg in args:
        if arg.star == "*":
            elements = sequence_elements(parsed, arg.value)
            if elements is None:
                known = False
            else:
                expanded.extend(cst.Arg(value=element) for element in elements)
        elif arg.star == "**":
            items = mapping_items(parsed, arg.value)
            if items is None:
                known = False
            else:
                expanded.extend(cst.Arg(value=v, keyword=cst.Name(k)) for k, v in items)
        else:
            expanded.append(arg)
    return tuple(expanded), known


# == Task decorators, project wrappers, local values (Procrastinate, Django Tasks) =====

WRAPS = frozenset({"functools.wraps"})


def job_named_by(
    parsed: ParsedModule, index: ProjectIndex, expression: cst.CSTNode, framework: str
) -> JobDefinition | None:
    """The ``framework`` job an expression refers to, through imports and aliases."""
    name = single_name(parsed, expression)
    if name is None:
        return None
    job = index.jobs.resolve(name)
    if job is None or job.framework != framework or job.is_class:
        return None
    return job


def partial_of_method(
    parsed: ParsedModule, node: cst.Call, methods: frozenset[str]
) -> tuple[cst.BaseExpression, str] | None:
    """``functools.partial(x.method, ...)``: ``(x, method)``, what ``on_commit`` is given."""
    if not node.args or single_name(parsed, node.func) not in PARTIALS:
        return None
    first = node.args[0]
    if first.keyword is not None or first.star or not isinstance(first.value, cst.Attribute):
        return None
    if first.value.attr.value not in methods:
        return None
    return first.value.value, first.value.attr.value


# -- local values ---------------------------------------------------------------------

MUTATORS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__"})


class LocalValues:
    """What a name holds where one plain assignment (``params = {...}``, ``deferrer =
    task.configure(...)``, ``QUEUE = "emails"``) is its only binding in scope; None for
    anything less certain, including a dict changed after it was built. Walks the module
    on the first question only."""

    def __init__(self, parsed: ParsedModule) -> None:
        self._parsed = parsed

    @cached_property
    def _scopes(self) -> Mapping[cst.CSTNode, Scope | None]:
        return self._parsed.scopes

    @cached_property
    def _collected(self) -> _AssignedValues:
        collector = _AssignedValues()
        walk.walk(self._parsed.module, collector)
        return collector

    def value_of(self, name: cst.Name) -> cst.BaseExpression | None:
        """The value of the name ``name`` reads."""
        scope = self._scopes.get(name)
        return None if scope is None else self._bound(scope[name.value])

    def global_value(self, name: str) -> cst.BaseExpression | None:
        """The value of the module-level name ``name``."""
        scope = self._scopes.get(self._parsed.module)
        return None if scope is None else self._bound(scope[name])

    def _bound(self, assignments: Collection[BaseAssignment]) -> cst.BaseExpression | None:
        if len(assignments) != 1:
            return None
        [assignment] = assignments
        if not isinstance(assignment, Assignment) or not isinstance(assignment.node, cst.Name):
            return None
        value = self._collected.values.get(assignment.node)
        if value is None:
            return None
        changed = self._collected.changed
        if any(reference.node in changed for reference in assignment.references):
            return None
        return value


_LOCALS: weakref.WeakKeyDictionary[ParsedModule, LocalValues] = weakref.WeakKeyDictionary()


def local_values(parsed: ParsedModule) -> LocalValues:
    """The module's ``LocalValues``, built once."""
    found = _LOCALS.get(parsed)
    if found is None:
        found = _LOCALS[parsed] = LocalValues(parsed)
    return found


def constant(parsed: ParsedModule, expression: cst.BaseExpression) -> Literal:
    """A literal, or a name for one: a module-level constant bound once to a literal, in
    this module or (imported) in another module of the project. ``UNKNOWN`` otherwise."""
    value = literal(expression)
    if not isinstance(value, Unknown) or not isinstance(expression, cst.Name | cst.Attribute):
        return value
    name = single_name(parsed, expression)
    if name is None:
        return UNKNOWN
    module_name, _, attribute = name.rpartition(".")
    if module_name == parsed.module_name:
        module: ParsedModule | None = parsed
    else:
        module = module_named(parsed, module_name)
    if module is None:
        return UNKNOWN
    bound = local_values(module).global_value(attribute)
    return UNKNOWN if bound is None else literal(bound)


def module_named(parsed: ParsedModule, module_name: str) -> ParsedModule | None:
    """The project module ``module_name``, found beside ``parsed`` on disk: under the
    folder its own module name starts from (or a package below it, where namespace
    packages make module names shorter than imports). The top-level package's folder may
    be named otherwise than the package (``modnames.imported_names``), so the name's
    first part is read as that folder."""
    if not module_name or "<" in module_name:
        return None
    own = parsed.module_name.split(".")
    parts = module_name.split(".")
    root = parsed.path.resolve().parent
    folders_named = len(own) if parsed.path.name == "__init__.py" else len(own) - 1
    for _ in range(folders_named - 1):
        root = root.parent
    if folders_named:
        if parts[0] == own[0]:
            parts[0] = root.name
        root = root.parent
    folders = root.parts
    for start in range(len(parts)):
        # `app.core.constants` seen from inside the namespace package `app` is
        # `core.constants`: strip only leading parts that name the folders above.
        if start and tuple(parts[:start]) != folders[len(folders) - start :]:
            continue
        rest = parts[start:]
        for candidate in (
            root.joinpath(*rest[:-1], rest[-1] + ".py"),
            root.joinpath(*rest, "__init__.py"),
        ):
            if candidate.is_file():
                return _parsed_at(candidate)
    return None


class _AssignedValues(cst.CSTVisitor):
    def __init__(self) -> None:
        self.values: dict[cst.CSTNode, cst.BaseExpression] = {}
        self.changed: set[cst.CSTNode] = set()

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            self.values[node.targets[0].target] = node.value
        for target in node.targets:
            self._changes(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None and isinstance(node.target, cst.Name):
            self.values[node.target] = node.value  # `QUEUE: Final = "emails"`
        self._changes(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._changes(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self._changes(node.target)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if isinstance(node.value, cst.Name) and node.attr.value in MUTATORS:
            self.changed.add(node.value)

    def _changes(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            self.changed.add(target.value)


def keyword_arguments(locals_: LocalValues, expression: cst.BaseExpression) -> list[cst.Arg] | None:
    """A dict literal (``{"a": 1}``, ``dict(a=1)``), or a local bound once to one, as the
    keyword arguments it stands for; None when that cannot be shown."""
    if isinstance(expression, cst.Name):
        value = locals_.value_of(expression)
        if value is None or isinstance(value, cst.Name):
            return None
        expression = value
    if isinstance(expression, cst.Dict):
        arguments = []
        for element in expression.elements:
            if not isinstance(element, cst.DictElement):
                return None
            key = literal(element.key)
            if not isinstance(key, str) or not key.isidentifier():
                return None
            arguments.append(keyword_arg(key, element.value))
        return arguments
    if (
        isinstance(expression, cst.Call)
        and isinstance(expression.func, cst.Name)
        and expression.func.value == "dict"
        and all(arg.keyword is not None and not arg.star for arg in expression.args)
    ):
        return [
            keyword_arg(arg.keyword.value, arg.value)
            for arg in expression.args
            if arg.keyword is not None
        ]
    return None


def keyword_arg(name: str, value: cst.BaseExpression) -> cst.Arg:
    """``name=value``, spaced as PEP 8 spells keyword arguments."""
    no_space = cst.SimpleWhitespace("")
    return cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space),
    )


def merge_keywords(preset: Sequence[cst.Arg], given: Sequence[cst.Arg]) -> tuple[cst.Arg, ...]:
    """``preset`` keyword arguments, overridden by ``given`` ones of the same name."""
    given_names = {arg.keyword.value for arg in given if arg.keyword is not None}
    kept = [arg for arg in preset if arg.keyword is None or arg.keyword.value not in given_names]
    return (*kept, *given)


def normalised_arguments(
    locals_: LocalValues, preset: Sequence[cst.Arg], args: Sequence[cst.Arg]
) -> tuple[tuple[cst.Arg, ...], bool]:
    """The job's own arguments from an enqueue call's: ``**params`` of a dict literal
    spelled out as keywords; ``*args`` and other splats make them unknown."""
    known = True
    spelled: list[cst.Arg] = []
    for arg in args:
        if arg.star == "**":
            expanded = keyword_arguments(locals_, arg.value)
            if expanded is None:
                known = False
            else:
                spelled.extend(expanded)
        elif arg.star:
            known = False
        else:
            spelled.append(arg)
    return merge_keywords(preset, spelled), known


# -- task decorators and project wrappers ---------------------------------------------


@dataclass(frozen=True)
class Wrapper:
    """A project decorator standing for a framework's task decorator, with the keywords it
    passes on (``functools.partial(app.task, queue="low")``), as literals: the index's
    account of a module the current one imports from."""

    keywords: tuple[tuple[str, Literal], ...] = ()


@dataclass(frozen=True)
class Decoration:
    """How a function is made a task: the decorator as written, the keywords written
    there, and those a project wrapper adds (the written ones win)."""

    decorator: cst.Decorator
    written: tuple[tuple[str, cst.BaseExpression], ...]
    wrapper: tuple[tuple[str, Literal], ...] = ()
    # The decorator call passes what the keywords cannot show: `**options`, or
    # positional arguments to a project wrapper.
    opaque: bool = False

    def keyword(self, name: str) -> cst.BaseExpression | None:
        found = None
        for key, value in self.written:
            if key == name:
                found = value
        return found

    def has_keyword(self, name: str) -> bool:
        return any(key == name for key, _ in (*self.written, *self.wrapper))

    def value(self, parsed: ParsedModule, name: str) -> Literal:
        """The keyword's value: written here (a literal or a constant), else the
        wrapper's; ``UNKNOWN`` when computed, None when absent."""
        written = self.keyword(name)
        if written is not None:
            return constant(parsed, written)
        found: Literal = None
        for key, value in self.wrapper:
            if key == name:
                found = value
        return found

    def options(self, parsed: ParsedModule) -> tuple[tuple[str, Literal], ...]:
        merged: dict[str, Literal] = dict(self.wrapper)
        for key, value in self.written:
            merged[key] = constant(parsed, value)
        return tuple(merged.items())

    def queue(self, parsed: ParsedModule, keyword: str) -> QueueDeclaration:
        written = self.keyword(keyword)
        span = parsed.span(written if written is not None else self.decorator)
        if not self.has_keyword(keyword):
            if self.opaque:
                return QueueDeclaration(QueueKind.DYNAMIC, None, span)
            return NO_QUEUE
        value = self.value(parsed, keyword)
        if isinstance(value, str):
            return QueueDeclaration(QueueKind.STATIC, value, span)
        return QueueDeclaration(QueueKind.DYNAMIC, None, span)


@dataclass(frozen=True)
class DecoratedFunction:
    node: cst.FunctionDef
    qualified_name: str
    # Python's __qualname__: `send_email`, `Mailer.send`, `outer.<locals>.inner`.
    qualname: str
    decoration: Decoration


def decorated_functions(
    parsed: ParsedModule,
    index: ProjectIndex,
    framework: str,
    is_decorator: Callable[[str], bool],
) -> list[DecoratedFunction]:
    """Every function of the module made a task by ``is_decorator``'s decorator, a project
    wrapper of it, or a decorator the ``task-decorators`` setting gives ``framework``.
    Methods and nested functions count (JOB106 reports them); the inner function of a
    wrapper (``@functools.wraps(func)``) does not."""
    visitor = _Decorated(parsed, index, framework, is_decorator)
    walk.walk(parsed.module, visitor)
    return visitor.found


class _Decorated(cst.CSTVisitor):
    def __init__(
        self,
        parsed: ParsedModule,
        index: ProjectIndex,
        framework: str,
        is_decorator: Callable[[str], bool],
    ) -> None:
        self.parsed = parsed
        self.index = index
        self.framework = framework
        self.is_decorator = is_decorator
        self.found: list[DecoratedFunction] = []
        self._qualname: list[str] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._qualname.append(node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._qualname.pop()

    # No function is defined inside these: not descending keeps the walk cheap.
    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        return False

    def visit_Decorator(self, node: cst.Decorator) -> bool:
        return False

    def visit_Parameters(self, node: cst.Parameters) -> bool:
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        decoration = self._decoration(node)
        if decoration is not None:
            names = sorted(self.parsed.names_of(node))
            qualname = ".".join([*self._qualname, node.name.value])
            self.found.append(
                DecoratedFunction(
                    node,
                    names[0] if names else f"{self.parsed.module_name}.{qualname}",
                    qualname,
                    decoration,
                )
            )
        self._qualname.extend([node.name.value, "<locals>"])

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        del self._qualname[-2:]

    def _decoration(self, node: cst.FunctionDef) -> Decoration | None:
        found: Decoration | None = None
        for decorator in node.decorators:
            expression = decorator.decorator
            call = expression if isinstance(expression, cst.Call) else None
            name = single_name(self.parsed, call.func if call else expression)
            if name is None:
                continue
            if name in WRAPS:
                return None
            if found is not None:
                continue
            wrapper: Wrapper | None = None
            direct = self.is_decorator(name)
            if not direct and not is_configured(self.index, name, self.framework):
                wrapper = find_wrapper(self.index, name, self.framework, self.is_decorator)
                if wrapper is None:
                    continue
            args = call.args if call else ()
            found = Decoration(
                decorator=decorator,
                written=tuple(
                    (arg.keyword.value, arg.value)
                    for arg in args
                    if arg.keyword is not None and not arg.star
                ),
                wrapper=wrapper.keywords if wrapper else (),
                opaque=any(arg.star or (arg.keyword is None and not direct) for arg in args),
            )
        return found


def is_configured(index: ProjectIndex, name: str, framework: str) -> bool:
    """Whether the ``task-decorators`` setting names ``name`` for ``framework`` (matching
    a dotted suffix either way, as namespace packages shorten module names)."""
    for configured, configured_framework in index.task_decorators.items():
        if configured_framework != framework:
            continue
        if (
            name == configured
            or name.endswith("." + configured)
            or (configured.endswith("." + name))
        ):
            return True
    return False


def configured_needles(index: ProjectIndex, framework: str) -> Iterator[bytes]:
    for configured, configured_framework in index.task_decorators.items():
        if configured_framework == framework:
            yield configured.rpartition(".")[2].encode()


def find_wrapper(
    index: ProjectIndex, name: str, framework: str, is_decorator: Callable[[str], bool]
) -> Wrapper | None:
    """The project wrapper ``name`` refers to, in this module or another, read from the
    index: a module-level function whose body applies the task decorator
    (``return app.task(**options)``, an inner ``@app.task``), with the keywords of that
    call after the defaults its body sets (``options.setdefault("queue", "low")``); a
    module-level ``functools.partial(app.task, ...)``; or a decorator made once
    (``urgent = task(priority=90)``)."""
    function = index.functions.resolve(name)
    if function is not None:
        return _function_wrapper(function, is_decorator)
    assignment = index.assignments.resolve(name)
    return None if assignment is None else _assignment_wrapper(assignment, is_decorator)


def _function_wrapper(info: FunctionInfo, is_decorator: Callable[[str], bool]) -> Wrapper | None:
    if info.nested_in_function or info.is_method:
        return None
    defaults: list[tuple[str, Literal]] = []
    for call in info.calls:
        if call.function is None:
            continue
        if is_decorator(call.function):
            return Wrapper((*defaults, *call.keywords))
        if (
            call.function.endswith(".setdefault")
            and len(call.positional) == 2
            and isinstance(call.positional[0], str)
        ):
            defaults.append((call.positional[0], call.positional[1]))
    return None


def _assignment_wrapper(
    info: AssignmentInfo, is_decorator: Callable[[str], bool]
) -> Wrapper | None:
    value = info.value
    if value.function is None:
        return None
    if is_decorator(value.function):
        # `urgent = task(priority=90)`: the decorator made once, applied as `@urgent`.
        return None if value.positional else Wrapper(value.keywords)
    if value.function in PARTIALS and value.references:
        applied = value.references[0]
        if applied is not None and is_decorator(applied):
            return Wrapper(value.keywords)
    return None


_WRAPPER_NAMES: weakref.WeakKeyDictionary[ProjectIndex, dict[str, tuple[bytes, ...]]] = (
    weakref.WeakKeyDictionary()
)


def wrapper_needles(
    index: ProjectIndex, framework: str, is_decorator: Callable[[str], bool]
) -> tuple[bytes, ...]:
    """The names of the project's wrappers, for the prefilter: a module that only uses
    ``@shop_task`` must still be read."""
    table = _WRAPPER_NAMES.setdefault(index, {})
    found = table.get(framework)
    if found is None:
        names = {
            info.name
            for info in index.functions.values()
            if _function_wrapper(info, is_decorator) is not None
        }
        names.update(
            name.rpartition(".")[2]
            for name, info in index.assignments.items()
            if _assignment_wrapper(info, is_decorator) is not None
        )
        found = table[framework] = tuple(name.encode() for name in sorted(names))
    return found


_PARSED_CACHE: dict[Path, tuple[tuple[int, int], ParsedModule | None]] = {}


def _parsed_at(path: Path) -> ParsedModule | None:
    """Another project module, parsed to read a constant defined there (cached while the
    file is unchanged)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (stat.st_mtime_ns, stat.st_size)
    cached = _PARSED_CACHE.get(path)
    if cached is not None and cached[0] == key:
        return cached[1]
    source = read_source(path)
    result = parse(source) if isinstance(source, SourceFile) else None
    module = result if isinstance(result, ParsedModule) else None
    if len(_PARSED_CACHE) > 256:
        _PARSED_CACHE.clear()
    _PARSED_CACHE[path] = (key, module)
    return module
