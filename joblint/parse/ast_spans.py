"""Spans of the nodes the first pass records (class and function names, their decorators,
assignment targets, class attribute values), read from CPython's ``ast`` instead of
libcst's positions.

libcst's positions come from generating the code of the whole module again while
counting lines and columns: on a job-heavy application, a quarter of a cold run. The first
pass (``joblint.analysis.symbols``) needs spans for every module it reads, but after it
only about one module in four ever needs another position (polar: 142 of 507), the ones
where a frontend or a rule looks closer. CPython's parser gives positions for free, in C.

Both trees list a module's definitions and assignments in source order, so the n-th
``def`` of one is the n-th of the other. A span is taken only where the two trees agree
(same count, same kinds, same names, the name standing where the ``def`` says it does,
an expression not in parentheses, whose bounds ``ast`` and libcst draw alike); anywhere
else, or when ``ast`` cannot parse the file (syntax newer than the interpreter running
joblint), the module falls back to libcst's positions. ``tests/test_ast_spans.py``
compares every span given here with libcst's, on joblint's own code, the fixtures, and
generated programs.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

import libcst as cst

from joblint.diagnostics import Position, Span
from joblint.parse import walk

# Where a definition's name starts, after the keyword ast's position points at.
_DEF_HEAD = re.compile(r"(?:async[ \t\f]+)?def[ \t\f]+")
_CLASS_HEAD = re.compile(r"class[ \t\f]+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Expressions whose bounds the two parsers draw alike when not in parentheses (ast puts a
# tuple's parentheses inside it, libcst outside; strings that continue over lines, and
# f-strings, are left to libcst).
_SAME_BOUNDS = (
    cst.Name,
    cst.Attribute,
    cst.Call,
    cst.Integer,
    cst.Float,
    cst.SimpleString,
    cst.List,
    cst.Set,
    cst.Dict,
    cst.Subscript,
)


_RECORDED = (cst.ClassDef, cst.FunctionDef, cst.Assign, cst.AnnAssign)


def _ast_statements(body: list[ast.stmt], found: list[ast.stmt]) -> None:
    """``ast``'s definitions and assignments in ``body`` and the blocks it nests."""
    for statement in body:
        if isinstance(statement, _AST_KINDS):
            found.append(statement)
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(statement, field, None)
            if isinstance(inner, list):
                _ast_statements(inner, found)
        for clause in (*getattr(statement, "handlers", ()), *getattr(statement, "cases", ())):
            _ast_statements(clause.body, found)


_AST_KINDS = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Assign, ast.AnnAssign)


def definition_spans(module: cst.Module, text: str) -> dict[cst.CSTNode, Span] | None:
    """The spans ``ast`` gives for the module's definition names, assignment targets and
    assigned values, by libcst node; None when the two trees cannot be matched."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    found: list[ast.stmt] = []
    _ast_statements(tree.body, found)
    theirs = sorted(found, key=lambda node: (node.lineno, node.col_offset))
    ours = [node for node in walk.statements(module) if isinstance(node, _RECORDED)]
    if len(ours) != len(theirs):
        return None
    lines = _LINE_BREAK.split(text)
    spans: dict[cst.CSTNode, Span] = {}
    for mine, other in zip(ours, theirs, strict=True):
        if not _add(spans, mine, other, lines):
            return None
    return spans


def _add(
    spans: dict[cst.CSTNode, Span], mine: cst.CSTNode, other: ast.AST, lines: list[str]
) -> bool:
    if isinstance(mine, cst.ClassDef | cst.FunctionDef):
        if not isinstance(other, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            return False
        if isinstance(mine, cst.ClassDef) != isinstance(other, ast.ClassDef):
            return False
        head = _CLASS_HEAD if isinstance(other, ast.ClassDef) else _DEF_HEAD
        if len(mine.decorators) != len(other.decorator_list):
            return False
        for written, their in zip(mine.decorators, other.decorator_list, strict=True):
            _add_decorator(spans, written, their, lines)
        return _add_name(spans, mine.name, other, head, lines)
    if isinstance(mine, cst.Assign):
        if not isinstance(other, ast.Assign) or len(mine.targets) != len(other.targets):
            return False
        for target, their_target in zip(mine.targets, other.targets, strict=True):
            _add_expression(spans, target.target, their_target, lines)
        _add_expression(spans, mine.value, other.value, lines)
        return True
    if isinstance(mine, cst.AnnAssign):
        if not isinstance(other, ast.AnnAssign):
            return False
        _add_expression(spans, mine.target, other.target, lines)
        if mine.value is not None and other.value is not None:
            _add_expression(spans, mine.value, other.value, lines)
        return (mine.value is None) == (other.value is None)
    return False


def _add_name(
    spans: dict[cst.CSTNode, Span],
    name: cst.Name,
    other: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef,
    head: re.Pattern[str],
    lines: list[str],
) -> bool:
    """The name of a ``def`` or ``class``: it follows the keyword, on its line."""
    if other.name != name.value or other.lineno > len(lines):
        return False
    line = lines[other.lineno - 1]
    start = _column(line, other.col_offset)
    found = head.match(line, start)
    if found is None or not line.startswith(name.value, found.end()):
        return False
    column = found.end() + 1
    spans[name] = Span(
        Position(other.lineno, column), Position(other.lineno, column + len(name.value))
    )
    return True


def _add_decorator(
    spans: dict[cst.CSTNode, Span], mine: cst.Decorator, other: ast.expr, lines: list[str]
) -> None:
    """A decorator's span: from its ``@`` to the end of its expression, as libcst draws it.
    ``ast`` gives the expression; the ``@`` is looked for before it on its line. Left to
    libcst where the expression is in parentheses or the ``@`` is not found there."""
    if mine.decorator.lpar or other.end_lineno is None or other.end_col_offset is None:
        return
    if other.end_lineno > len(lines):
        return
    line = lines[other.lineno - 1]
    start = _column(line, other.col_offset)
    at = len(line[:start].rstrip(" \t\f")) - 1
    if at < 0 or line[at] != "@":
        return
    spans[mine] = Span(
        Position(other.lineno, at + 1),
        Position(other.end_lineno, _column(lines[other.end_lineno - 1], other.end_col_offset) + 1),
    )


def _add_expression(
    spans: dict[cst.CSTNode, Span], mine: cst.BaseExpression, other: ast.expr, lines: list[str]
) -> None:
    """An expression's span, where both parsers bound it alike; elements of a list or a
    set too, as the first pass summarises them. Left out (libcst decides) otherwise."""
    for node, their in _pairs(mine, other):
        if not isinstance(node, _SAME_BOUNDS) or node.lpar or their.end_lineno is None:
            continue
        if their.end_col_offset is None or their.end_lineno > len(lines):
            continue
        if isinstance(node, cst.SimpleString) and their.lineno != their.end_lineno:
            continue
        spans[node] = Span(
            Position(their.lineno, _column(lines[their.lineno - 1], their.col_offset) + 1),
            Position(
                their.end_lineno, _column(lines[their.end_lineno - 1], their.end_col_offset) + 1
            ),
        )


def _pairs(
    mine: cst.BaseExpression, other: ast.expr
) -> Iterator[tuple[cst.BaseExpression, ast.expr]]:
    yield mine, other
    if isinstance(mine, cst.List | cst.Set | cst.Tuple) and isinstance(
        other, ast.List | ast.Set | ast.Tuple
    ):
        if len(mine.elements) != len(other.elts):
            return
        for element, their in zip(mine.elements, other.elts, strict=True):
            if isinstance(element, cst.Element) and not isinstance(their, ast.Starred):
                yield from _pairs(element.value, their)


def _column(line: str, offset: int) -> int:
    """A column in characters from ``ast``'s offset in UTF-8 bytes."""
    if line.isascii():
        return offset
    return len(line.encode("utf-8")[:offset].decode("utf-8", errors="replace"))
