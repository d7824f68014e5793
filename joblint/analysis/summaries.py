"""Plain facts about a module's code, worked out once, by the code that holds its tree,
for the rules checking other modules (issue 17, "facts, once per module").

A module's rules are to run in the process that owns its tree, where the other modules
are known by their facts alone. So whatever a rule needs of another module (the
signature of a job it enqueues, an enqueue's options, the modules the base job imports, a
decorator defined elsewhere) is read here, from the module that writes it, into frozen
dataclasses of plain values (``joblint.analysis.model``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import libcst as cst
from libcst.helpers import get_absolute_module_from_package_for_import, get_full_name_for_node
from libcst.metadata import Assignment

from joblint.analysis import placement
from joblint.analysis.bodies import own_nodes
from joblint.analysis.model import (
    DecoratorNames,
    EnqueueSite,
    JobDefinition,
    ModuleSummary,
    OptionValue,
    ParameterFact,
    ParameterKind,
    PerformSignature,
)
from joblint.analysis.model_signals import signal_connections
from joblint.analysis.symbols import literal, single_name
from joblint.analysis.tasks_settings import NEEDLES as DJANGO_TASKS_NEEDLES
from joblint.diagnostics import Span
from joblint.parse import walk
from joblint.parse.parsing import ParsedModule

# Celery's options for automatic retries, which a project may read off the task to
# implement them itself (`self.retry_backoff * 2 ** self.request.retries`): JOB503.
READ_TASK_OPTIONS = ("retry_backoff", "retry_backoff_max", "retry_jitter")
# The keywords of a job's decorator that project rules place findings at (JOB707's
# `backend=`): a span may cost the module's positions, so only these are placed.
LOCATED_KEYWORDS = frozenset({"backend"})


def summarise_module(parsed: ParsedModule) -> ModuleSummary:
    decorators, factories = _pass_through_functions(parsed)
    return ModuleSummary(
        path=parsed.path,
        module_name=parsed.module_name,
        imported_modules=tuple(dict.fromkeys(_imported_modules(parsed))),
        pass_through_decorators=decorators,
        pass_through_factories=factories,
        signal_connections=signal_connections(parsed),
        task_options_read=_task_options_read(parsed),
        context_managers=placement.context_managers(parsed),
        turns_on_atomic_requests=placement.turns_on_atomic_requests(parsed),
        names_django_tasks=any(needle in parsed.source.data for needle in DJANGO_TASKS_NEEDLES),
    )


# -- imports ------------------------------------------------------------------------------


def _imported_modules(parsed: ParsedModule) -> Iterator[str]:
    """The absolute names of the modules ``parsed`` may import: for ``from a import b``,
    both ``a`` and ``a.b`` (``b`` may be a submodule)."""
    for node in walk.statements(parsed.module):
        if not isinstance(node, cst.Import | cst.ImportFrom):
            continue
        if isinstance(node, cst.Import):
            for alias in node.names:
                name = get_full_name_for_node(alias.name)
                if name:
                    yield name
            continue
        # None for a relative import reaching above the top-level package.
        package = get_absolute_module_from_package_for_import(parsed.package or None, node)
        if package is None:
            continue
        yield package
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                name = get_full_name_for_node(alias.name)
                if name:
                    yield f"{package}.{name}"


# -- decorators that pass the function through --------------------------------------------


def _pass_through_functions(parsed: ParsedModule) -> tuple[frozenset[str], frozenset[str]]:
    """The module-level functions, each the only one of its name, that return their
    first parameter unchanged (``@name`` leaves the function it decorates as it is), and
    those that return a function nested in them that does (``@name(...)``). Scopes are
    asked only of a function whose returns could be such (every return a name: the first
    parameter's, or a nested function's)."""
    functions = [node for node in parsed.module.body if isinstance(node, cst.FunctionDef)]
    names = [function.name.value for function in functions]
    decorators: set[str] = set()
    factories: set[str] = set()
    for function in functions:
        name = function.name.value
        if names.count(name) != 1 or not _plain(function):
            continue
        returned = _returned_names(function) if _ends_returning_a_name(function) else None
        if returned is None:
            continue
        if returned == _first_parameter(function) and _passes_its_parameter(parsed, function):
            decorators.add(name)
            continue
        nested = _returned_binding(parsed, function) if _nests(function, returned) else None
        if isinstance(nested, cst.FunctionDef) and _passes_its_parameter(parsed, nested):
            factories.add(name)
    return frozenset(decorators), frozenset(factories)


def _passes_its_parameter(parsed: ParsedModule, function: cst.FunctionDef) -> bool:
    params = [*function.params.posonly_params, *function.params.params]
    if not params or not _plain(function):
        return False
    return _returned_binding(parsed, function) is params[0]


def _first_parameter(function: cst.FunctionDef) -> str | None:
    params = [*function.params.posonly_params, *function.params.params]
    return params[0].name.value if params else None


def _ends_returning_a_name(function: cst.FunctionDef) -> bool:
    """Whether the last statement of ``function`` is ``return <name>``: most functions
    fail this, and are not walked."""
    body = function.body
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return False
    last = body.body[-1]
    return (
        isinstance(last, cst.SimpleStatementLine)
        and isinstance(last.body[-1], cst.Return)
        and isinstance(last.body[-1].value, cst.Name)
    )


def _returned_names(function: cst.FunctionDef) -> str | None:
    """The one name every return of ``function`` returns, when there is one: a cheap
    test before ``_returned_binding``, which needs the module's scopes."""
    found: str | None = None
    for node in own_nodes(function.body):
        if not isinstance(node, cst.Return):
            continue
        if not isinstance(node.value, cst.Name):
            return None
        if found is not None and node.value.value != found:
            return None
        found = node.value.value
    return found


def _nests(function: cst.FunctionDef, name: str) -> bool:
    return any(
        isinstance(node, cst.FunctionDef) and node.name.value == name
        for node in own_nodes(function.body)
    )


def _plain(function: cst.FunctionDef) -> bool:
    """Neither decorated (what it returns is then up to its decorator) nor async (it then
    returns a coroutine)."""
    return not function.decorators and function.asynchronous is None


def _returned_binding(parsed: ParsedModule, function: cst.FunctionDef) -> cst.CSTNode | None:
    """What ``function`` returns, when every way out of it returns one name bound once in
    it (a parameter, a nested ``def``): that binding's node. None when it may return
    anything else, fall off its end, or is a generator."""
    body = function.body
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return None
    last = body.body[-1]
    if not (isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], cst.Return)):
        return None  # it may fall off its end, returning None
    binding: cst.CSTNode | None = None
    for node in own_nodes(body):
        if isinstance(node, cst.Yield):
            return None
        if not isinstance(node, cst.Return):
            continue
        if not isinstance(node.value, cst.Name):
            return None
        scope = parsed.scopes.get(node.value)
        assignments = list(scope.assignments[node.value.value]) if scope is not None else []
        if len(assignments) != 1 or not isinstance(assignments[0], Assignment):
            return None
        if assignments[0].scope is not scope:
            return None  # bound outside the function: it may change between calls
        found = assignments[0].node
        if binding is not None and found is not binding:
            return None
        binding = found
    return binding


# -- task options read as attributes ------------------------------------------------------


def _task_options_read(parsed: ParsedModule) -> frozenset[str]:
    """The ``READ_TASK_OPTIONS`` the module reads as attributes (``self.retry_backoff``).
    Only a module that mentions one is walked."""
    data = parsed.source.data
    if not any(f".{option}".encode() in data for option in READ_TASK_OPTIONS):
        return frozenset()
    read: set[str] = set()

    class Reads(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            if node.attr.value in READ_TASK_OPTIONS:
                read.add(node.attr.value)

    walk.walk(parsed.module, Reads())
    return frozenset(read)


# -- jobs and enqueue sites ---------------------------------------------------------------


def with_signature(parsed: ParsedModule, job: JobDefinition) -> JobDefinition:
    """``job`` with its ``perform``'s signature and its decorator's facts as plain data
    (``parsed`` is its module)."""
    if job.perform is not None:
        job = dataclasses.replace(job, signature=perform_signature(parsed, job.perform, job))
    decorator = job.decorator
    if decorator is None:
        return job
    args = decorator.decorator.args if isinstance(decorator.decorator, cst.Call) else ()
    return dataclasses.replace(
        job,
        decorator_span=parsed.recorded_span(decorator) if parsed.owns(decorator) else None,
        decorator_keyword_spans=tuple(
            (arg.keyword.value, parsed.span(arg.value))
            for arg in args
            if arg.keyword is not None and arg.keyword.value in LOCATED_KEYWORDS
        ),
        decorator_unpacks=any(arg.star for arg in args),
    )


def perform_signature(
    parsed: ParsedModule, function: cst.FunctionDef, job: JobDefinition
) -> PerformSignature:
    params = function.params
    ordered: list[tuple[cst.Param, ParameterKind]] = [
        *((p, ParameterKind.POSITIONAL_ONLY) for p in params.posonly_params),
        *((p, ParameterKind.POSITIONAL_OR_KEYWORD) for p in params.params),
    ]
    if isinstance(params.star_arg, cst.Param):
        ordered.append((params.star_arg, ParameterKind.VAR_POSITIONAL))
    ordered += [(p, ParameterKind.KEYWORD_ONLY) for p in params.kwonly_params]
    if params.star_kwarg is not None:
        ordered.append((params.star_kwarg, ParameterKind.VAR_KEYWORD))
    return PerformSignature(
        function=function.name.value,
        name_span=(
            parsed.recorded_span(function.name) if parsed.owns(function.name) else job.name_span
        ),
        parameters=tuple(
            ParameterFact(
                name=param.name.value,
                kind=kind,
                default=None if param.default is None else _one_line(param.default),
                annotation=(
                    None
                    if param.annotation is None
                    else cst.Module([]).code_for_node(param.annotation.annotation)
                ),
            )
            for param, kind in ordered
        ),
        decorators=tuple(_decorator_names(parsed, d) for d in function.decorators),
        attribute_owners=_attribute_owners(function.body),
    )


def _attribute_owners(body: cst.CSTNode) -> frozenset[str]:
    """The names whose attributes ``body`` reads (``order`` for ``order.total``), nested
    functions included."""
    found: set[str] = set()

    class Reads(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            if isinstance(node.value, cst.Name):
                found.add(node.value.value)

    walk.walk(body, Reads())
    return frozenset(found)


def _decorator_names(parsed: ParsedModule, decorator: cst.Decorator) -> DecoratorNames:
    expression = decorator.decorator
    if isinstance(expression, cst.Call):
        expression = expression.func
    written = None
    if isinstance(expression, cst.Name):
        written = expression.value
    elif isinstance(expression, cst.Attribute):
        written = expression.attr.value
    qualified = single_name(parsed, expression)
    return DecoratorNames(written, qualified.rsplit(".", 1)[-1] if qualified else None)


def with_option_values(parsed: ParsedModule, site: EnqueueSite) -> EnqueueSite:
    """``site`` with its options as plain data (``parsed`` is its module)."""
    if not site.options:
        return site
    return dataclasses.replace(
        site,
        option_values=tuple(
            (
                key,
                OptionValue(
                    literal(value),
                    _one_line(value),
                    _written_at(parsed, value, site),
                    isinstance(value, cst.SimpleString),
                ),
            )
            for key, value in site.options
        ),
    )


def _written_at(parsed: ParsedModule, node: cst.CSTNode, site: EnqueueSite) -> Span:
    """Where ``node`` is written: a frontend may build an option's node around a value
    taken from the code, or from nothing; then the value's span, else the site's."""
    for candidate in (node, getattr(node, "value", None)):
        if isinstance(candidate, cst.CSTNode) and parsed.owns(candidate):
            return parsed.span(candidate)
    return site.span


def _one_line(node: cst.CSTNode) -> str:
    return " ".join(cst.Module([]).code_for_node(node).split())
