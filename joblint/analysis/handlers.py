"""How a job body handles its exceptions: the ``except`` clauses of the job's own body, what
each one catches, and whether it hands the failure back to the queue.

JOB501 (swallowed-exception) and JOB507 (swallowed-control-exception) read job bodies
through this module only, so "the job's own body", "escalates" and "swallows" mean the
same thing for both, and JOB511 (rescue-handler-swallows) reads a ``rescue_from``
method's body with the same ``swallows``:

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
- A handler *swallows* the failure when it does nothing with it but, at most, report it:
  its statements are only ``pass``, ``...``, docstrings, reports, a bare ``return`` or
  ``return None``, ``continue``, ``if`` blocks made of the same, and assignments to local
  names that feed a report (``message = f"..."; log.error(message)``). Any other statement
  is the failure handled on purpose, and the handler is left alone: a ``raise`` or a
  ``.retry(...)`` (it escalates), a returned value (the failure goes to whoever reads the
  job's result: RQ's and Celery's result backends, Django Tasks' results), a call that is
  not a report (the user is mailed, a metric counts it, a follow-up job is enqueued), an
  assignment to an attribute or an item (``export.status = FAILED``). Whether a handling
  is enough cannot be read from the code; that there is none can, and maintainers asked
  about the first kind decline the finding.
- A *report* is a call that only writes the failure somewhere people read: a logger's
  level method (``logger.error``, ``log.warning``, ``logging.exception``,
  ``self.logger.info``, ``logging.getLogger(__name__).error``), ``print``,
  ``warnings.warn``, ``traceback.print_exc``, and an error tracker's report
  (``sentry_sdk.capture_exception``, ``capture_message``, ``rollbar.report_exc_info``,
  ``bugsnag.notify``). An error tracker is a log with alerts: the queue still records a
  success and never retries, which is what these rules are about. Calls are read as written
  (``logger`` is any receiver whose name is or ends in ``log``/``logger``), not resolved.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from joblint.analysis.own_code import OwnCodeVisitor
from joblint.parse import walk
from joblint.parse.parsing import ParsedModule

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

    def visit_Return(self, node: cst.Return) -> None:
        self.found = True


LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "msg"}
)
# The calls on a receiver that return a logger (`logging.getLogger(__name__).error(...)`).
LOGGER_FACTORIES = frozenset({"getLogger", "get_logger", "get_task_logger"})
# Error trackers' reports, whatever the receiver (`sentry_sdk`, a client, a hub) or none.
TRACKER_REPORTS = frozenset(
    {"capture_exception", "capture_message", "captureException", "captureMessage"}
)
# Reports by receiver and method, and by bare name (`from warnings import warn`).
MODULE_REPORTS = frozenset(
    {
        ("warnings", "warn"),
        ("traceback", "print_exc"),
        ("traceback", "print_exception"),
        ("rollbar", "report_exc_info"),
        ("rollbar", "report_message"),
        ("bugsnag", "notify"),
    }
)
BARE_REPORTS = frozenset({"print", "warn", "print_exc", *TRACKER_REPORTS})


def swallows(body: cst.BaseSuite) -> bool:
    """True when ``body`` (an ``except`` clause's, a ``rescue_from`` method's) does nothing
    with the failure but, at most, report it: see the module's docstring."""
    statements = _small_statements(body)
    if statements is None:
        return False
    reads: set[str] = set()
    assignments: list[tuple[frozenset[str], cst.CSTNode]] = []
    for statement in statements:
        if isinstance(statement, cst.If):
            reads |= _names_read(statement.test)
        elif isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Call):
            if not is_report(statement.value):
                return False
            reads |= _names_read(statement.value)
        elif isinstance(statement, cst.Assign | cst.AnnAssign | cst.AugAssign):
            targets = _assigned_names(statement)
            if targets is None:
                return False  # an attribute or an item: state the application keeps
            assignments.append((targets, statement))
        elif not _silent(statement):
            return False
    # An assignment belongs to the report when what it binds is read by the report, or by
    # another assignment that does (`trace = format_exc(); log.error("%s", trace)`).
    pending = assignments
    while pending:
        feeding = [item for item in pending if item[0] & reads]
        if not feeding:
            return False  # bound for something other than a report
        for _, node in feeding:
            reads |= _names_read(node)
        pending = [item for item in pending if item not in feeding]
    return True


def _small_statements(body: cst.BaseSuite) -> list[cst.CSTNode] | None:
    """The simple statements of ``body``, through ``if`` blocks (listed too, for their
    tests); None when it holds any other compound statement."""
    if isinstance(body, cst.SimpleStatementSuite):
        return list(body.body)
    found: list[cst.CSTNode] = []
    for statement in body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            found.extend(statement.body)
        elif isinstance(statement, cst.If):
            branches = _if_statements(statement)
            if branches is None:
                return None
            found.extend(branches)
        else:
            return None
    return found


def _if_statements(node: cst.If) -> list[cst.CSTNode] | None:
    inner = _small_statements(node.body)
    orelse = node.orelse
    if isinstance(orelse, cst.If):
        rest = _if_statements(orelse)
    elif isinstance(orelse, cst.Else):
        rest = _small_statements(orelse.body)
    else:
        rest = []
    if inner is None or rest is None:
        return None
    return [node, *inner, *rest]


def _silent(statement: cst.CSTNode) -> bool:
    """``pass``, ``continue``, ``...``, a docstring, a bare ``return`` or ``return None``."""
    if isinstance(statement, cst.Pass | cst.Continue):
        return True
    if isinstance(statement, cst.Expr):
        return isinstance(statement.value, cst.Ellipsis | cst.BaseString)
    if isinstance(statement, cst.Return):
        value = statement.value
        return value is None or (isinstance(value, cst.Name) and value.value == "None")
    return False


def _assigned_names(
    statement: cst.Assign | cst.AnnAssign | cst.AugAssign,
) -> frozenset[str] | None:
    """The local names an assignment binds; None when it writes anything else (an
    attribute, an item)."""
    targets: list[cst.BaseExpression] = (
        [target.target for target in statement.targets]
        if isinstance(statement, cst.Assign)
        else [statement.target]
    )
    names: set[str] = set()
    while targets:
        target = targets.pop()
        if isinstance(target, cst.Name):
            names.add(target.value)
        elif isinstance(target, cst.Tuple | cst.List):
            targets.extend(element.value for element in target.elements)
        elif isinstance(target, cst.StarredElement):
            targets.append(target.value)
        else:
            return None
    return frozenset(names)


def _names_read(node: cst.CSTNode) -> set[str]:
    """The names ``node`` reads (an assignment's targets included: harmless here)."""
    names: set[str] = set()

    class Names(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            names.add(name.value)

    walk.walk(node, Names())
    return names


def is_report(call: cst.Call) -> bool:
    """A call that only writes a failure where people read it (a log, an error tracker),
    by its spelling: see the module's docstring."""
    func = call.func
    if isinstance(func, cst.Name):
        return func.value in BARE_REPORTS
    if not isinstance(func, cst.Attribute):
        return False
    method = func.attr.value
    if method in TRACKER_REPORTS:
        return True
    receiver = func.value
    if isinstance(receiver, cst.Call):
        factory = receiver.func
        name = factory.attr.value if isinstance(factory, cst.Attribute) else None
        if isinstance(factory, cst.Name):
            name = factory.value
        return name in LOGGER_FACTORIES and method in LOG_METHODS
    if isinstance(receiver, cst.Attribute):
        owner = receiver.attr.value
    elif isinstance(receiver, cst.Name):
        owner = receiver.value
    else:
        return False
    if (owner, method) in MODULE_REPORTS:
        return True
    return _is_logger_name(owner) and method in LOG_METHODS


def _is_logger_name(name: str) -> bool:
    """``log``, ``logger``, ``logging``, ``LOG``, ``_logger``, ``task_logger``, ``audit_log``."""
    lowered = name.lower().lstrip("_")
    return lowered in ("log", "logger", "logging") or lowered.endswith(("_log", "logger"))


def broad_expression(parsed: ParsedModule, expression: cst.BaseExpression) -> str | None:
    """``Exception`` or ``BaseException`` when ``expression`` names one of them, by any
    spelling the qualified names resolve (``builtins.Exception``); None otherwise."""
    names = parsed.names_of(expression) & BROAD_EXCEPTIONS
    if len(names) == 1:
        return next(iter(names)).removeprefix("builtins.")
    return None
