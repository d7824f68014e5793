"""JOB108: a job that does too much in one run.

A job is the unit the queue retries, times out and reports. When one job does a whole
table's worth of work, or carries pages of logic, a failure anywhere retries everything,
a timeout loses everything done so far, and the dashboard shows one line for hours of
work. Two shapes are read, both in the job's own body (``joblint.analysis.own_code``: nested
functions, classes and lambdas are other code):

- size: statements and branches counted as pylint's too-many-statements (R0915) and
  too-many-branches (R0912) count them, limits ``max-job-statements`` (50) and
  ``max-job-branches`` (12). Unlike pylint, a nested function's body is not added to the
  job's statements (pylint adds it, but keeps it out of the branches): moving a helper
  out of ``perform`` would shrink the count without shrinking the job, so counting it in
  one place and not the other measured nesting, not size. The job's docstring is not a
  statement;
- whole-table iteration: a ``for`` loop or a comprehension over every row of a model
  proven through ``joblint.analysis.orm`` (``M.objects.all()``, ``M.objects.iterator()``,
  ``session.scalars(select(M))``, ``M.query.all()``, Peewee's ``M.select()``, Tortoise's
  ``M.all()``), with nothing between the model and the loop that narrows the rows. The
  first step of the fan-out this rule asks for is left alone: reading only the keys
  (``values_list("id", flat=True)``, ``only("pk")``, ``select(M.id)``), and a loop whose
  body only enqueues a job per row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import libcst as cst

from joblint.analysis.bodies import assigned_values, own_nodes
from joblint.analysis.context import ModuleContext
from joblint.analysis.model import JobDefinition
from joblint.analysis.orm import (
    DJANGO,
    MANAGERS,
    PEEWEE,
    SELECT_FUNCTIONS,
    SQLALCHEMY,
    SQLMODEL,
    TORTOISE,
    ModelClass,
    model_class,
)
from joblint.analysis.symbols import is_docstring, literal, single_name
from joblint.diagnostics import Diagnostic
from joblint.rules.base import ModuleRule

# Queryset methods that keep every row (they order, join in, annotate or pick columns).
DJANGO_ALL_ROWS = frozenset(
    {
        "all", "iterator", "order_by", "select_related", "prefetch_related", "annotate",
        "alias", "using", "reverse", "distinct", "defer", "only", "values", "values_list",
    }
)  # fmt: skip
# Methods that read only some columns: over the primary key alone they are the fan-out.
COLUMN_PICKERS = frozenset({"only", "values", "values_list"})
KEY_NAMES = frozenset({"id", "pk"})
ALCHEMY_QUERY_ALL_ROWS = frozenset(
    {"all", "order_by", "yield_per", "options", "execution_options", "enable_eagerloads"}
)
ALCHEMY_SELECT_ALL_ROWS = frozenset({"order_by", "options", "execution_options"})
ALCHEMY_RESULT_ALL_ROWS = frozenset({"all", "unique", "yield_per", "scalars"})
ALCHEMY_RUNS = frozenset({"scalars", "execute", "exec"})
PEEWEE_ALL_ROWS = frozenset({"order_by", "iterator", "objects", "dicts", "namedtuples"})
TORTOISE_ALL_ROWS = frozenset({"order_by", "prefetch_related", "select_related", "all"})
COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


@dataclass(frozen=True)
class WholeTable:
    """An expression that yields every row of ``model``."""

    model: ModelClass
    expression: cst.BaseExpression  # the query as written, for the message
    local: cst.Name | None = None  # the name iterated, when the query was assigned to it


@dataclass(frozen=True)
class Size:
    statements: int = 0
    branches: int = 0

    def __add__(self, other: Size) -> Size:
        return Size(self.statements + other.statements, self.branches + other.branches)


CLAUSE = Size(1, 1)  # an `elif`, `else`, `except`, `finally` or `case`: a way through


def size_of(function: cst.FunctionDef) -> Size:
    """The statements and branches of ``function``'s own body."""
    body = function.body
    if not isinstance(body, cst.IndentedBlock):
        return _suite(body)
    statements = list(body.body)
    if statements and is_docstring(statements[0]):
        statements = statements[1:]
    return _block(statements)


def _suite(suite: cst.BaseSuite) -> Size:
    if isinstance(suite, cst.SimpleStatementSuite):
        return Size(len(suite.body))
    assert isinstance(suite, cst.IndentedBlock)
    return _block(suite.body)


def _block(statements: Sequence[cst.BaseStatement]) -> Size:
    total = Size()
    for statement in statements:
        total += _statement(statement)
    return total


def _statement(statement: cst.BaseStatement) -> Size:
    """pylint's counts: each `if`, `elif`, `else`, loop, loop `else`, `except`, try
    `else`, `finally` and `case` is a branch; each is a statement too, as are the simple
    statements and the compound ones (`with`, `try`, `match`, a nested `def` or `class`)."""
    if isinstance(statement, cst.SimpleStatementLine):
        return Size(len(statement.body))
    if isinstance(statement, cst.If):
        return CLAUSE + _suite(statement.body) + _orelse(statement.orelse)
    if isinstance(statement, cst.For | cst.While):
        return CLAUSE + _suite(statement.body) + _orelse(statement.orelse)
    if isinstance(statement, cst.Try | cst.TryStar):
        total = Size(1) + _suite(statement.body)
        for handler in statement.handlers:
            total += CLAUSE + _suite(handler.body)
        total += _orelse(statement.orelse)
        if statement.finalbody is not None:
            total += CLAUSE + _suite(statement.finalbody.body)
        return total
    if isinstance(statement, cst.With):
        return Size(1) + _suite(statement.body)
    if isinstance(statement, cst.Match):
        total = Size(1)
        for case in statement.cases:
            total += CLAUSE + _suite(case.body)
        return total
    return Size(1)  # a nested def or class: one statement, its body is other code


def _orelse(orelse: cst.If | cst.Else | None) -> Size:
    if orelse is None:
        return Size()
    if isinstance(orelse, cst.If):  # `elif`
        return _statement(orelse)
    return CLAUSE + _suite(orelse.body)


class JobTooLarge(ModuleRule):
    code = "JOB108"
    name = "job-too-large"
    summary = "A job body over the statement or branch limit, or iterating a whole table."
    default_enabled = False

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        seen: set[int] = set()
        # Gathered once per module, not once per job: a generated module has thousands
        # of both (issue 17).
        enqueues = {id(site.node) for site in module.facts.enqueue_sites if not site.synchronous}
        for job in module.facts.jobs:
            body = job.perform
            if body is None or job.is_abstract or id(body) in seen:
                continue
            if not module.parsed.owns(body):
                continue
            seen.add(id(body))
            size = self._size_finding(module, job, body)
            if size is not None:
                yield size
            yield from self._whole_tables(module, job, body, enqueues)

    def _size_finding(
        self, module: ModuleContext, job: JobDefinition, body: cst.FunctionDef
    ) -> Diagnostic | None:
        size = size_of(body)
        settings = module.settings
        over = []
        if size.statements > settings.max_job_statements:
            over.append(f"{size.statements} statements (limit {settings.max_job_statements})")
        if size.branches > settings.max_job_branches:
            over.append(f"{size.branches} branches (limit {settings.max_job_branches})")
        if not over:
            return None
        function = body.name.value
        who = f"`{function}`" if function == job.name else f"`{function}` of `{job.name}`"
        message = (
            f"{who} has {' and '.join(over)}; split the work into smaller jobs, e.g. one "
            "per record, enqueued by this one"
        )
        return self.diagnostic(job.path, module.parsed.span(body.name), message)

    def _whole_tables(
        self, module: ModuleContext, job: JobDefinition, body: cst.FunctionDef, enqueues: set[int]
    ) -> Iterator[Diagnostic]:
        tables = _Tables(module)
        for node in own_nodes(body.body):
            if isinstance(node, cst.For):
                if _only_enqueues(node.body, enqueues):
                    continue
                iterated = node.iter
            elif isinstance(node, cst.CompFor):
                comprehension = module.parsed.parents.get(node)
                if isinstance(comprehension, COMPREHENSIONS) and _collects_keys(
                    comprehension, enqueues
                ):
                    continue
                iterated = node.iter
            else:
                continue
            found = tables.of(iterated)
            if found is None:
                continue
            shown = f"`{_code(module, found.expression)}`"
            if found.local is not None:
                line = module.parsed.span(found.expression).start.line
                shown = f"`{found.local.value}`, assigned {shown} on line {line}"
            yield self.diagnostic(
                job.path,
                module.parsed.span(iterated),
                f"`{job.name}` iterates every `{found.model.name}` ({shown}); enqueue one job "
                "per batch of IDs instead, so a failure retries a batch and not the whole "
                "table",
            )


def _code(module: ModuleContext, node: cst.CSTNode, limit: int = 50) -> str:
    text = " ".join(module.parsed.module.code_for_node(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _enqueue(node: cst.BaseExpression, enqueues: set[int]) -> bool:
    if isinstance(node, cst.Await):
        node = node.expression
    return isinstance(node, cst.Call) and id(node) in enqueues


def _only_enqueues(suite: cst.BaseSuite, enqueues: set[int]) -> bool:
    """The loop's body enqueues a job per row and does nothing else: the fan-out."""
    lines: Sequence[cst.BaseStatement | cst.BaseSmallStatement]
    lines = suite.body
    small: list[cst.BaseSmallStatement] = []
    for line in lines:
        if isinstance(line, cst.SimpleStatementLine):
            small.extend(line.body)
        elif isinstance(line, cst.BaseSmallStatement):
            small.append(line)
        else:
            return False
    return bool(small) and all(
        isinstance(statement, cst.Expr) and _enqueue(statement.value, enqueues)
        for statement in small
    )


def _collects_keys(
    comprehension: cst.ListComp | cst.SetComp | cst.DictComp | cst.GeneratorExp,
    enqueues: set[int],
) -> bool:
    """``[row.id for row in ...]`` or a job (or a Celery signature) per row."""
    element = comprehension.value if isinstance(comprehension, cst.DictComp) else comprehension.elt
    if isinstance(element, cst.Attribute) and element.attr.value in KEY_NAMES:
        return True
    return _enqueue(element, enqueues)


class _Tables:
    """Proofs that an expression yields every row of a model."""

    def __init__(self, module: ModuleContext) -> None:
        self.module = module
        self.parsed = module.parsed

    def of(self, node: cst.BaseExpression) -> WholeTable | None:
        if isinstance(node, cst.Await):
            node = node.expression
        if not isinstance(node, cst.Name):
            return self._query(node)
        values = assigned_values(self.module, node) or []
        found = [self._query(value) for value in values]
        if not found or any(table is None for table in found):
            return None
        models = {table.model.qualified_name for table in found if table is not None}
        first = found[0]
        if len(models) != 1 or first is None:
            return None
        return WholeTable(first.model, first.expression, local=node)

    def _query(self, node: cst.BaseExpression) -> WholeTable | None:
        if isinstance(node, cst.Await):
            node = node.expression
        methods: list[cst.Call] = []
        root: cst.BaseExpression = node
        while isinstance(root, cst.Call) and isinstance(root.func, cst.Attribute):
            methods.append(root)
            root = root.func.value
        methods.reverse()  # in the order they apply
        model = (
            self._django(root, methods)
            or self._flask_query(root, methods)
            or self._session_query(methods)
            or self._peewee_or_tortoise(root, methods)
        )
        return WholeTable(model, node) if model is not None else None

    def _model(self, node: cst.BaseExpression, families: tuple[str, ...]) -> ModelClass | None:
        model = model_class(self.module, single_name(self.parsed, node))
        return model if model is not None and model.family in families else None

    def _django(self, root: cst.BaseExpression, methods: list[cst.Call]) -> ModelClass | None:
        """``M.objects.all()``, ``M.objects.iterator()``, and chains that keep every row;
        not a manager alone (it is not iterable), not keys alone."""
        if not (isinstance(root, cst.Attribute) and root.attr.value in MANAGERS and methods):
            return None
        if not all(_method(call) in DJANGO_ALL_ROWS for call in methods):
            return None
        if any(_method(call) in COLUMN_PICKERS and _keys_only(call) for call in methods):
            return None
        return self._model(root.value, (DJANGO,))

    def _flask_query(self, root: cst.BaseExpression, methods: list[cst.Call]) -> ModelClass | None:
        """Flask-SQLAlchemy's ``M.query`` (``.all()``, ``.order_by(...)``)."""
        if not (isinstance(root, cst.Attribute) and root.attr.value == "query"):
            return None
        if not all(_method(call) in ALCHEMY_QUERY_ALL_ROWS for call in methods):
            return None
        return self._model(root.value, (SQLALCHEMY, SQLMODEL))

    def _session_query(self, methods: list[cst.Call]) -> ModelClass | None:
        """``session.query(M)``, ``session.scalars(select(M))``, ``session.execute(
        select(M)).scalars()``, SQLModel's ``session.exec(select(M))``: one entity, the
        model itself (``select(M.id)`` reads keys), and nothing after that narrows."""
        if not methods or len(methods[0].args) != 1 or methods[0].args[0].keyword is not None:
            return None
        first, rest = _method(methods[0]), methods[1:]
        argument = methods[0].args[0].value
        if first == "query":
            if not all(_method(call) in ALCHEMY_QUERY_ALL_ROWS for call in rest):
                return None
            return self._model(argument, (SQLALCHEMY, SQLMODEL))
        if first not in ALCHEMY_RUNS:
            return None
        if not all(_method(call) in ALCHEMY_RESULT_ALL_ROWS for call in rest):
            return None
        select_methods: list[str] = []
        while isinstance(argument, cst.Call) and isinstance(argument.func, cst.Attribute):
            select_methods.append(argument.func.attr.value)
            argument = argument.func.value
        if not (
            isinstance(argument, cst.Call)
            and single_name(self.parsed, argument.func) in SELECT_FUNCTIONS
            and len(argument.args) == 1
            and all(method in ALCHEMY_SELECT_ALL_ROWS for method in select_methods)
        ):
            return None
        return self._model(argument.args[0].value, (SQLALCHEMY, SQLMODEL))

    def _peewee_or_tortoise(
        self, root: cst.BaseExpression, methods: list[cst.Call]
    ) -> ModelClass | None:
        """Peewee's ``M.select()`` (no columns named) and Tortoise's ``M.all()``."""
        if not methods:
            return None
        first, rest = methods[0], methods[1:]
        if first.args:
            return None
        rest_methods = {_method(call) for call in rest}
        if _method(first) == "select" and rest_methods <= PEEWEE_ALL_ROWS:
            return self._model(root, (PEEWEE,))
        if _method(first) == "all" and rest_methods <= TORTOISE_ALL_ROWS:
            return self._model(root, (TORTOISE,))
        return None


def _method(call: cst.Call) -> str:
    assert isinstance(call.func, cst.Attribute)
    return call.func.attr.value


def _keys_only(call: cst.Call) -> bool:
    """``values_list("id", flat=True)``, ``only("pk")``: every column named is a key."""
    columns = [arg.value for arg in call.args if arg.keyword is None and arg.star == ""]
    return bool(columns) and all(literal(column) in KEY_NAMES for column in columns)
