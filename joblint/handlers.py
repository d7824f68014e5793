"""How a job body handles its exceptions: the ``except`` clauses of the job's own body, what
each one catches, and whether it hands the failure back to the queue.

JOB501 (swallowed-exception) and JOB507 (swallowed-control-exception) read job bodies
through this module only, so "the job's own body" and "escalates" mean the same thing for
both:

- The job's own body is the ``perform`` method or task function, without the functions,
  lambdas and classes defined inside it: a nested helper's handler runs when (and if) the
  helper is called, which this module cannot show.
- A handler *escalates* when it contains, outside any nested function, a ``raise``
  statement (bare, ``raise error``, ``raise New(...) from error``, ``raise Retry(...)``)
  or a call to a ``.retry(...)`` method (Celery's ``self.retry``). Any such statement
  counts, even on one branch only: a handler that re-raises on some paths was written
  with the queue in mind, and telling its deliberate silent branch from an oversight
  would take a guess.
- A handler inside a loop of the body (``for item in items: try: ... except ...``) keeps
  one item's failure from stopping the others: a deliberate pattern, left alone.
- A handler *ends the job* when it returns, or when its ``try`` statement is the last thing
  the body does (the last statement of its block, and so on up to the function). A handler
  after which the job goes on with more work guards a best-effort step (``try:
  cache.delete(key) except Exception: pass``); JOB501 cannot tell that from a lost
  failure, so it reports only handlers that end the job.
- A handler *returns a result* when it returns a value (``return {"error": str(error)}``):
  the failure goes to whoever reads the job's result (RQ's and Celery's result backends,
  Django Tasks' results), which is a report, not silence.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from joblint import walk
from joblint.own_code import OwnCodeVisitor
from joblint.parsing import ParsedModule

BROAD_EXCEPTIONS = frozenset({"builtins.Exception", "builtins.BaseException"})


@dataclass(frozen=True)
class BodyHandler:
    """One ``except`` clause of a job's own body."""

    node: cst.ExceptHandler | cst.ExceptStarHandler
    # The expressions it catches, one per tuple element; empty for a bare ``except:``.
    caught: tuple[cst.BaseExpression, ...]
    in_loop: bool

    @property
    def bare(self) -> bool:
        return not self.caught


def body_handlers(function: cst.FunctionDef) -> Iterator[BodyHandler]:
    """The ``except`` clauses (``except*`` included) of ``function``'s own body."""
    collector = _HandlerCollector()
    walk.walk(function.body, collector)
    yield from collector.found


class _HandlerCollector(OwnCodeVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[BodyHandler] = []
        self.loops = 0

    def visit_For(self, node: cst.For) -> None:
        self.loops += 1

    def leave_For(self, original_node: cst.For) -> None:
        self.loops -= 1

    def visit_While(self, node: cst.While) -> None:
        self.loops += 1

    def leave_While(self, original_node: cst.While) -> None:
        self.loops -= 1

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._add(node)

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._add(node)

    def _add(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        self.found.append(BodyHandler(node, caught_expressions(node), self.loops > 0))


def caught_expressions(
    handler: cst.ExceptHandler | cst.ExceptStarHandler,
) -> tuple[cst.BaseExpression, ...]:
    """``(A, B)`` for ``except (A, B):``, ``(A,)`` for ``except A:``, ``()`` for bare."""
    kind = handler.type
    if kind is None:
        return ()
    if isinstance(kind, cst.Tuple):
        return tuple(element.value for element in kind.elements)
    return (kind,)


def escalates(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
    """True when the handler raises or retries somewhere in its own statements."""
    finder = _EscalationFinder()
    walk.walk(handler.body, finder)
    return finder.found


class _EscalationFinder(OwnCodeVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_Raise(self, node: cst.Raise) -> None:
        self.found = True

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "retry":
            self.found = True


def ends_job(parsed: ParsedModule, handler: BodyHandler, function: cst.FunctionDef) -> bool:
    """True when nothing of the job runs after ``handler``: it returns, or its ``try`` is
    in tail position of ``function``'s body."""
    finder = _ReturnFinder()
    walk.walk(handler.node.body, finder)
    if finder.found:
        return True
    child: cst.CSTNode = handler.node
    for ancestor in parsed.ancestors(handler.node):
        if ancestor is function:
            return True
        if isinstance(ancestor, cst.IndentedBlock):
            statements = list(ancestor.body)
            if not statements or statements[-1] is not child:
                return False
        if isinstance(ancestor, cst.For | cst.While):
            return False
        child = ancestor
    return False


class _ReturnFinder(OwnCodeVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False
        self.value = False

    def visit_Return(self, node: cst.Return) -> None:
        self.found = True
        value = node.value
        if value is not None and not (isinstance(value, cst.Name) and value.value == "None"):
            self.value = True


def returns_result(handler: BodyHandler) -> bool:
    """True when the handler returns a value other than ``None``."""
    finder = _ReturnFinder()
    walk.walk(handler.node.body, finder)
    return finder.value


def broad_expression(parsed: ParsedModule, expression: cst.BaseExpression) -> str | None:
    """``Exception`` or ``BaseException`` when ``expression`` names one of them, by any
    spelling the qualified names resolve (``builtins.Exception``); None otherwise."""
    names = parsed.names_of(expression) & BROAD_EXCEPTIONS
    if len(names) == 1:
        return next(iter(names)).removeprefix("builtins.")
    return None
