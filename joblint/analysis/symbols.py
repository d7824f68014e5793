"""The first pass over a parsed module: the classes, decorated functions and module-level
calls the cross-file index needs, with every name resolved through the module's imports.

Framework-neutral on purpose: frontends decide later, with the whole project indexed,
which of these are jobs. A class is a job when its bases reach a framework's base class,
possibly through classes in other files; a function is a task when its decorator resolves
to a framework's, possibly an app object created in another file.
"""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from joblint.analysis.model import (
    UNKNOWN,
    AssignmentInfo,
    CallInfo,
    ClassInfo,
    Decorator,
    FunctionInfo,
    Literal,
    ModuleSymbols,
    ValueInfo,
)
from joblint.parse import walk
from joblint.parse.parsing import ParsedModule


def single_name(parsed: ParsedModule, node: cst.CSTNode) -> str | None:
    """The one qualified name ``node`` refers to, or None when it is ambiguous or unknown
    (a name bound differently on two branches proves nothing)."""
    names = parsed.names_of(node)
    return next(iter(names)) if len(names) == 1 else None


def literal(node: cst.BaseExpression) -> Literal:
    """The value of a literal expression, or ``UNKNOWN``."""
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        value = node.evaluated_value
        return value if isinstance(value, str) else UNKNOWN
    if isinstance(node, cst.Integer):
        return int(node.evaluated_value)
    if isinstance(node, cst.Float):
        return float(node.evaluated_value)
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = literal(node.expression)
        return -inner if isinstance(inner, int | float) and not isinstance(inner, bool) else UNKNOWN
    if isinstance(node, cst.List | cst.Tuple | cst.Set):
        values = tuple(
            literal(element.value) if isinstance(element, cst.Element) else UNKNOWN
            for element in node.elements
        )
        return values
    return UNKNOWN


def call_info(parsed: ParsedModule, node: cst.Call) -> CallInfo:
    positional: list[Literal] = []
    keywords: list[tuple[str, Literal]] = []
    references: list[str | None] = []
    for arg in node.args:
        if arg.star:
            continue
        if arg.keyword is None:
            positional.append(literal(arg.value))
            references.append(_reference(parsed, arg.value))
        else:
            keywords.append((arg.keyword.value, literal(arg.value)))
    return CallInfo(
        single_name(parsed, node.func), tuple(positional), tuple(keywords), tuple(references)
    )


def _reference(parsed: ParsedModule, node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name | cst.Attribute) and literal(node) is UNKNOWN:
        return single_name(parsed, node)
    return None


def value_info(parsed: ParsedModule, node: cst.BaseExpression) -> ValueInfo:
    """``node`` summarised for the index: literal, reference, call, or elements."""
    span = parsed.recorded_span(node)
    if isinstance(node, cst.List | cst.Tuple | cst.Set):
        elements = tuple(
            value_info(parsed, element.value) if isinstance(element, cst.Element) else ValueInfo()
            for element in node.elements
        )
        return ValueInfo(literal=literal(node), elements=elements, span=span)
    if isinstance(node, cst.Call):
        return ValueInfo(call=call_info(parsed, node), span=span)
    return ValueInfo(literal=literal(node), reference=_reference(parsed, node), span=span)


def class_attributes(parsed: ParsedModule, node: cst.ClassDef) -> tuple[tuple[str, ValueInfo], ...]:
    """Every ``name = value`` and ``name: T = value`` directly in the class body."""
    found: list[tuple[str, ValueInfo]] = []
    for statement in node.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign):
                names = [t.target.value for t in small.targets if isinstance(t.target, cst.Name)]
                if names:
                    summary = value_info(parsed, small.value)
                    found.extend((name, summary) for name in names)
            elif (
                isinstance(small, cst.AnnAssign)
                and small.value is not None
                and isinstance(small.target, cst.Name)
            ):
                found.append((small.target.value, value_info(parsed, small.value)))
    return tuple(found)


def decorator(parsed: ParsedModule, node: cst.Decorator) -> Decorator:
    expression = node.decorator
    if isinstance(expression, cst.Call):
        info = call_info(parsed, expression)
        return Decorator(info.function, info)
    return Decorator(single_name(parsed, expression))


def is_docstring(statement: cst.BaseStatement) -> bool:
    """Whether ``statement`` is a string on its own, as a body's first statement is
    when it documents the body."""
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


def class_attribute(node: cst.ClassDef, name: str) -> cst.BaseExpression | None:
    """The value assigned to ``name`` directly in the class body, if any."""
    for statement in node.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    if isinstance(target.target, cst.Name) and target.target.value == name:
                        return small.value
            elif (
                isinstance(small, cst.AnnAssign)
                and small.value is not None
                and isinstance(small.target, cst.Name)
                and small.target.value == name
            ):
                return small.value
    return None


def method(node: cst.ClassDef, name: str) -> cst.FunctionDef | None:
    for statement in node.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
            return statement
    return None


class _Collector(cst.CSTVisitor):
    """The first pass over one module. Outside the bodies whose calls are kept it looks
    only at statements (``collect``), where every ``def``, ``class`` and assignment
    statement is: expressions there record nothing, and they are most of a module's
    nodes. Inside such a body it walks every node (the ``visit_`` callbacks), for the
    calls and decorators the body applies."""

    def __init__(self, parsed: ParsedModule) -> None:
        self.parsed = parsed
        self.classes: list[ClassInfo] = []
        self.functions: list[FunctionInfo] = []
        self.assignments: list[AssignmentInfo] = []
        self._scopes: list[str] = []  # "class" or "function", innermost last
        # For each enclosing function: its position in self.functions, and the calls its
        # body makes so far; None for the body of a method no function encloses, whose
        # calls no one reads (they say how a function wraps a framework's decorator, and a
        # method is not one): a test class's methods hold most of a test module's calls.
        self._function_positions: list[int | None] = []
        self._bodies: list[list[CallInfo] | None] = []

    def collect(self, node: cst.CSTNode) -> None:
        """The statements under ``node`` where no body keeps calls: module level, class
        bodies and methods no function encloses."""
        for child in walk.children(node):
            if not walk.holds_statements(child):
                continue
            if isinstance(child, cst.FunctionDef):
                self._function(child)
            elif isinstance(child, cst.ClassDef):
                self.visit_ClassDef(child)
                self.collect(child.body)
                self.leave_ClassDef(child)
            else:
                if isinstance(child, cst.Assign):
                    self.visit_Assign(child)
                elif isinstance(child, cst.AnnAssign):
                    self.visit_AnnAssign(child)
                self.collect(child)

    def _function(self, node: cst.FunctionDef) -> None:
        """A function met among statements: its body is walked whole when its calls are
        kept, else searched for statements like its surroundings. Its decorators,
        parameters and annotation lie outside any body that keeps calls."""
        self.visit_FunctionDef(node)
        self.visit_FunctionDef_body(node)
        if self._bodies[-1] is None:
            self.collect(node.body)
        else:
            walk.walk(node.body, self)
        self.leave_FunctionDef_body(node)
        self.leave_FunctionDef(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._record_class(node)
        self._scopes.append("class")

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._scopes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._function_positions.append(self._record_function(node))
        self._scopes.append("function")

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._scopes.pop()
        self._function_positions.pop()

    def visit_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        # The function's own entry is last in _scopes; a method's enclosing scope is a class.
        # A method's calls are kept only to pass on to a function enclosing its class.
        is_method = len(self._scopes) > 1 and self._scopes[-2] == "class"
        enclosing = self._bodies[-1] if self._bodies else None
        self._bodies.append(None if is_method and enclosing is None else [])

    def leave_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        calls = self._bodies.pop()
        if calls is None:
            return
        position = self._function_positions[-1]
        if position is not None and calls:
            self.functions[position] = replace(
                self.functions[position], calls=tuple(dict.fromkeys(calls))
            )
        enclosing = self._bodies[-1] if self._bodies else None
        if enclosing is not None:  # a nested function's calls are its enclosing one's too
            enclosing.extend(calls)

    def visit_Call(self, node: cst.Call) -> None:
        calls = self._bodies[-1] if self._bodies else None
        if calls is not None:
            info = call_info(self.parsed, node)
            if info.function is not None:
                calls.append(info)

    def visit_Decorator(self, node: cst.Decorator) -> None:
        calls = self._bodies[-1] if self._bodies else None
        if calls is not None and not isinstance(node.decorator, cst.Call):
            name = single_name(self.parsed, node.decorator)
            if name is not None:
                calls.append(CallInfo(name))

    def visit_Assign(self, node: cst.Assign) -> None:
        if self._scopes or not isinstance(node.value, cst.Call) or len(node.targets) != 1:
            return
        self._record_assignment(node.targets[0].target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        # `app: Final[procrastinate.App] = procrastinate.App(...)` binds the same way.
        if not self._scopes and isinstance(node.value, cst.Call):
            self._record_assignment(node.target, node.value)

    def _record_assignment(self, target: cst.BaseExpression, value: cst.Call) -> None:
        name = single_name(self.parsed, target) if isinstance(target, cst.Name) else None
        if name is None:
            return
        self.assignments.append(
            AssignmentInfo(
                qualified_name=name,
                value=call_info(self.parsed, value),
                path=self.parsed.path,
                span=self.parsed.recorded_span(target),
            )
        )

    def _record_class(self, node: cst.ClassDef) -> None:
        qualified = sorted(self.parsed.names_of(node))
        if not qualified:
            return
        abstract = class_attribute(node, "abstract")
        self.classes.append(
            ClassInfo(
                name=node.name.value,
                qualified_name=qualified[0],
                base_names=tuple(single_name(self.parsed, b.value) or "" for b in node.bases),
                path=self.parsed.path,
                module_name=self.parsed.module_name,
                name_span=self.parsed.recorded_span(node.name),
                method_names=frozenset(
                    s.name.value for s in node.body.body if isinstance(s, cst.FunctionDef)
                ),
                marked_abstract=isinstance(abstract, cst.Name) and abstract.value == "True",
                nested_in_function="function" in self._scopes,
                decorators=tuple(decorator(self.parsed, d) for d in node.decorators),
                keywords=tuple(
                    (k.keyword.value, literal(k.value)) for k in node.keywords if k.keyword
                ),
                attributes=class_attributes(self.parsed, node),
            )
        )

    def _record_function(self, node: cst.FunctionDef) -> int | None:
        qualified = sorted(self.parsed.names_of(node))
        if not qualified:
            return None
        self.functions.append(
            FunctionInfo(
                name=node.name.value,
                qualified_name=qualified[0],
                path=self.parsed.path,
                module_name=self.parsed.module_name,
                name_span=self.parsed.recorded_span(node.name),
                decorators=tuple(decorator(self.parsed, d) for d in node.decorators),
                nested_in_function="function" in self._scopes,
                is_method=bool(self._scopes) and self._scopes[-1] == "class",
            )
        )
        return len(self.functions) - 1


def collect_symbols(parsed: ParsedModule) -> ModuleSymbols:
    collector = _Collector(parsed)
    collector.collect(parsed.module)
    return ModuleSymbols(
        classes=tuple(collector.classes),
        functions=tuple(collector.functions),
        assignments=tuple(collector.assignments),
    )
