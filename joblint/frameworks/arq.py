"""Frontend for arq.

arq has no task decorator: a job is a coroutine function a worker lists. Jobs are the
``async def`` functions referred to from a worker settings class (any module):

- ``functions = [download_content, func(charge, name="charge_card", max_tries=3),
  "app.jobs.cleanup"]`` (``arq.worker.func``; a string is an import path);
- ``cron_jobs = [cron(send_digest, hour=8)]`` (``arq.cron.cron``).

A class is a worker settings class when it has such a list and shows it belongs to arq: it
is named ``...WorkerSettings`` (arq's convention), or one of its attributes uses arq
(``func(...)``, ``cron(...)``, ``redis_settings = RedisSettings(...)``). Only the class's
own attributes count, as arq reads only the class's ``__dict__``.

A job's registered name is arq's: ``func``'s ``name=`` when given, else the function's
name (the import path when listed as a string; ``cron:`` before it for cron jobs). Its
queue is the worker class's ``queue_name``: static when a literal, dynamic when computed
(or when workers listing the job disagree), none when absent (arq then uses
``arq:queue``).

Enqueue sites: ``<redis>.enqueue_job("name", *args, _queue_name=, _defer_by=,
_defer_until=, _job_id=, _expires=, _job_try=, **kwargs)``, resolved by registered name to
the job. The options are the ``_``-prefixed keywords; the job's own arguments are the
others. A call whose name matches no job counts only when its receiver is shown to be an
``ArqRedis`` (the result of ``await create_pool(...)``, a parameter annotated
``ArqRedis``, or ``ctx["redis"]`` inside a job), with no target.

Left out on purpose: ``Worker(functions=[...])`` built in code, settings given as a dict,
``functions`` lists built elsewhere (``functions = ALL_JOBS``), and ``enqueue_job`` on
a receiver that cannot be shown to be arq's with a name that matches no job.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from joblint.analysis.frameworks import (
    ControlException,
    DelayForm,
    Encoding,
    FrameworkDescription,
    MomentOption,
    SerializerDescription,
    SuppliedArguments,
)
from joblint.analysis.model import (
    NO_QUEUE,
    ClassInfo,
    EnqueueSite,
    JobDefinition,
    Literal,
    QueueDeclaration,
    QueueKind,
    ValueInfo,
)
from joblint.analysis.symbols import literal, single_name
from joblint.frameworks.shared import expand_arguments
from joblint.parse import walk

if TYPE_CHECKING:
    from joblint.analysis.index import ProjectIndex
    from joblint.parse.parsing import ParsedModule

FRAMEWORK = "arq"
NEEDLES: tuple[bytes, ...] = (b"arq", b"WorkerSettings")
WORDS: tuple[bytes, ...] = ()

DESCRIPTION = FrameworkDescription(
    name=FRAMEWORK,
    display_name="arq",
    moment_options=(
        MomentOption("_defer_until", relative="_defer_by", relative_form=DelayForm.TIMEDELTA),
    ),
    naive_moment_outcome="arq converts it with the enqueuing machine's local zone",
    serializers=(
        SerializerDescription("pickle", "arq's default pickle serializer", Encoding.PICKLE),
    ),
    default_serializer="pickle",
    # arq documents that a job may run more than once (`max_tries` defaults to 5).
    delivers_at_least_once=True,
    supplied_arguments=SuppliedArguments(None, leading=1),
    control_exceptions=tuple(
        ControlException(name, "the retry asked for is lost: the job is never retried")
        for name in ("arq.Retry", "arq.worker.Retry")
    ),
)

FUNC = frozenset({"arq.func", "arq.worker.func"})
CRON = frozenset({"arq.cron", "arq.cron.cron"})
CREATE_POOL = frozenset({"arq.create_pool", "arq.connections.create_pool"})
ARQ_REDIS = frozenset({"arq.ArqRedis", "arq.connections.ArqRedis"})
SETTINGS_SUFFIX = "WorkerSettings"
FUNCTIONS = "functions"
CRON_JOBS = "cron_jobs"
QUEUE_NAME = "queue_name"
CRON_PREFIX = "cron:"

ENQUEUE = "enqueue_job"
FUNCTION_KEYWORD = "function"  # enqueue_job(function="name", ...)
OPTION_PREFIX = "_"
REDIS_KEY = "redis"  # ctx["redis"]: the worker's ArqRedis, inside a job


@dataclass(frozen=True)
class Registration:
    """One listing of a coroutine in a worker settings class."""

    function: str  # qualified name of the coroutine function
    registered_name: str | None
    options: tuple[tuple[str, Literal], ...]
    cron: bool
    worker: ClassInfo


def _mentions_arq(value: ValueInfo) -> bool:
    if value.reference is not None and value.reference.startswith("arq."):
        return True
    call = value.call
    if call is not None and (
        (call.function or "").startswith("arq.")
        or any((reference or "").startswith("arq.") for reference in call.references)
    ):
        return True
    return any(_mentions_arq(element) for element in value.elements)


def is_worker_settings(info: ClassInfo) -> bool:
    listed = [info.attribute(FUNCTIONS), info.attribute(CRON_JOBS)]
    if not any(value is not None and isinstance(value.literal, tuple) for value in listed):
        return False
    return info.name.endswith(SETTINGS_SUFFIX) or any(
        _mentions_arq(value) for _, value in info.attributes
    )


class _Project:
    """The worker settings classes of the project and what they register, once per index."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.registrations: dict[str, list[Registration]] = defaultdict(list)
        self.listed_names: set[str] = set()  # last components, for the prefilter
        for info in index.classes.values():
            if info.nested_in_function or not is_worker_settings(info):
                continue
            for attribute, cron in ((FUNCTIONS, False), (CRON_JOBS, True)):
                value = info.attribute(attribute)
                if value is None:
                    continue
                for element in value.elements:
                    self._register(info, element, cron)

    def _register(self, worker: ClassInfo, element: ValueInfo, cron: bool) -> None:
        reference: str | None = None
        path: str | None = None
        name: Literal = None
        options: tuple[tuple[str, Literal], ...] = ()
        call = element.call
        if call is not None:
            if call.function not in (CRON if cron else FUNC) or not call.positional:
                return
            reference = call.references[0] if call.references else None
            first = call.positional[0]
            path = first if isinstance(first, str) else None
            name = call.keyword("name")
            options = call.keywords
        elif not cron:
            reference = element.reference
            path = element.literal if isinstance(element.literal, str) else None
        target = reference or path
        if target is None:
            return
        self.listed_names.add(target.rpartition(".")[2])
        function = self.index.functions.resolve(target)
        if function is None:
            return
        if not isinstance(name, str):
            name = path if path is not None else function.name
            if cron:
                name = CRON_PREFIX + name
        self.registrations[function.qualified_name].append(
            Registration(function.qualified_name, name, options, cron, worker)
        )


_PROJECTS: weakref.WeakKeyDictionary[ProjectIndex, _Project] = weakref.WeakKeyDictionary()


def _project(index: ProjectIndex) -> _Project:
    found = _PROJECTS.get(index)
    if found is None:
        found = _PROJECTS[index] = _Project(index)
    return found


def export(parsed: ParsedModule) -> object | None:
    """Nothing: this frontend learns of other modules from the index's symbols and
    jobs alone."""
    return None


def learned_needles(index: ProjectIndex) -> Iterable[bytes]:
    """The names the workers list: the modules defining them may never mention arq."""
    return sorted(name.encode() for name in _project(index).listed_names if name)


# -- definitions -------------------------------------------------------------------------


def _queue(parsed: ParsedModule, registrations: list[Registration]) -> QueueDeclaration:
    declared: set[tuple[QueueKind, str | None]] = set()
    span = None
    for registration in registrations:
        value = registration.worker.attribute(QUEUE_NAME)
        if value is None:
            declared.add((QueueKind.NONE, None))
            continue
        if registration.worker.path == parsed.path:
            span = value.span
        if isinstance(value.literal, str):
            declared.add((QueueKind.STATIC, value.literal))
        else:
            declared.add((QueueKind.DYNAMIC, None))
    if len(declared) != 1:
        return QueueDeclaration(QueueKind.DYNAMIC, None, span)
    kind, name = declared.pop()
    return NO_QUEUE if kind is QueueKind.NONE else QueueDeclaration(kind, name, span)


class _Definitions(cst.CSTVisitor):
    def __init__(self, parsed: ParsedModule, index: ProjectIndex) -> None:
        self.parsed = parsed
        self.registrations = _project(index).registrations
        self.jobs: list[JobDefinition] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None:
            return
        qualified = sorted(self.parsed.names_of(node))
        registrations = self.registrations.get(qualified[0]) if qualified else None
        if not registrations:
            return
        # The plain listing names the job; a cron listing only when there is no other.
        first = sorted(registrations, key=lambda r: r.cron)[0]
        # The worker settings that list it: its registry, when there is one.
        workers = sorted({r.worker.qualified_name for r in registrations})
        self.jobs.append(
            JobDefinition(
                framework=FRAMEWORK,
                name=node.name.value,
                qualified_name=qualified[0],
                path=self.parsed.path,
                module_name=self.parsed.module_name,
                name_span=self.parsed.recorded_span(node.name),
                node=node,
                is_class=False,
                queue=_queue(self.parsed, registrations),
                perform=node,
                registered_name=first.registered_name,
                options=first.options,
                app=workers[0] if len(workers) == 1 else None,
            )
        )


def define_jobs(parsed: ParsedModule, index: ProjectIndex) -> list[JobDefinition]:
    if b"async" not in parsed.source.data:
        return []
    visitor = _Definitions(parsed, index)
    for node in parsed.definitions:  # its only callback, in a walk's order
        if isinstance(node, cst.FunctionDef):
            visitor.visit_FunctionDef(node)
    return visitor.jobs


# -- enqueue sites -------------------------------------------------------------------------


class _EnqueueSites(cst.CSTVisitor):
    def __init__(self, parsed: ParsedModule, index: ProjectIndex) -> None:
        self.parsed = parsed
        self.index = index
        self.sites: list[EnqueueSite] = []
        self._functions: list[cst.FunctionDef] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._functions.pop()

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != ENQUEUE:
            return
        args = list(node.args)
        name_arg = next(
            (a for a in args if a.keyword is not None and a.keyword.value == FUNCTION_KEYWORD),
            None,
        )
        if name_arg is None:
            if not args or args[0].keyword is not None or args[0].star:
                return
            name_arg = args[0]
        args.remove(name_arg)
        written = literal(name_arg.value)
        registered = written if isinstance(written, str) else None
        target = (
            _registered_target(self.index, registered, self.parsed.module_name)
            if registered is not None
            else None
        )
        if target is None and not self._is_arq_redis(func.value):
            return
        expanded, known = expand_arguments(self.parsed, args)
        arguments = tuple(arg for arg in expanded if not _is_option(arg))
        options = tuple(
            (arg.keyword.value, arg.value)
            for arg in expanded
            if arg.keyword is not None and _is_option(arg)
        )
        self.sites.append(
            EnqueueSite(
                framework=FRAMEWORK,
                method=ENQUEUE,
                path=self.parsed.path,
                span=self.parsed.span(node),
                node=node,
                target=target,
                arguments=arguments,
                arguments_known=known,
                options=options,
                target_registered_name=registered,
            )
        )

    def _is_arq_redis(self, receiver: cst.BaseExpression) -> bool:
        """Whether ``receiver`` is shown to be an ``ArqRedis``."""
        if isinstance(receiver, cst.Await):
            return _is_create_pool(self.parsed, receiver.expression)
        if isinstance(receiver, cst.Subscript):
            return self._is_worker_redis(receiver)
        if not isinstance(receiver, cst.Name):
            return False
        scope = self.parsed.scopes.get(receiver)
        if scope is None:
            return False
        assignments = list(scope[receiver.value])
        return bool(assignments) and all(
            self._binds_arq_redis(getattr(assignment, "node", None)) for assignment in assignments
        )

    def _binds_arq_redis(self, bound: cst.CSTNode | None) -> bool:
        if isinstance(bound, cst.Param):
            annotation = bound.annotation
            return annotation is not None and _annotates_arq_redis(
                self.parsed, annotation.annotation
            )
        if not isinstance(bound, cst.Name):
            return False
        parent = self.parsed.parents.get(bound)
        if isinstance(parent, cst.AnnAssign) and _annotates_arq_redis(
            self.parsed, parent.annotation.annotation
        ):
            return True
        statement = self.parsed.parents.get(parent) if parent is not None else None
        value: cst.BaseExpression | None = None
        if isinstance(parent, cst.AssignTarget) and isinstance(statement, cst.Assign):
            value = statement.value
        elif isinstance(parent, cst.AnnAssign):
            value = parent.value
        return isinstance(value, cst.Await) and _is_create_pool(self.parsed, value.expression)

    def _is_worker_redis(self, subscript: cst.Subscript) -> bool:
        """``ctx["redis"]`` where ``ctx`` is the first parameter of the arq job around it."""
        if not isinstance(subscript.value, cst.Name) or len(subscript.slice) != 1:
            return False
        index = subscript.slice[0].slice
        if not isinstance(index, cst.Index) or literal(index.value) != REDIS_KEY:
            return False
        if not self._functions:
            return False
        function = self._functions[-1]
        params = function.params.params or function.params.posonly_params
        if not params or params[0].name.value != subscript.value.value:
            return False
        qualified = sorted(self.parsed.names_of(function))
        job = self.index.jobs.resolve(qualified[0]) if qualified else None
        return job is not None and job.framework == FRAMEWORK


def _is_option(arg: cst.Arg) -> bool:
    return arg.keyword is not None and arg.keyword.value.startswith(OPTION_PREFIX)


def _is_create_pool(parsed: ParsedModule, expression: cst.BaseExpression) -> bool:
    return isinstance(expression, cst.Call) and single_name(parsed, expression.func) in CREATE_POOL


def _annotates_arq_redis(parsed: ParsedModule, annotation: cst.BaseExpression) -> bool:
    """``ArqRedis``, ``ArqRedis | None``, ``Optional[ArqRedis]``."""
    return any(single_name(parsed, node) in ARQ_REDIS for node in _annotation_names(annotation))


def _annotation_names(annotation: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    if isinstance(annotation, cst.Name | cst.Attribute):
        yield annotation
    elif isinstance(annotation, cst.BinaryOperation):
        yield from _annotation_names(annotation.left)
        yield from _annotation_names(annotation.right)
    elif isinstance(annotation, cst.Subscript):
        for element in annotation.slice:
            if isinstance(element.slice, cst.Index):
                yield from _annotation_names(element.slice.value)
    elif isinstance(annotation, cst.SimpleString):
        return


def _registered_target(index: ProjectIndex, registered: str, module_name: str) -> str | None:
    """The one arq job registered as ``registered``, or None (unknown, or ambiguous).

    arq registers functions per ``WorkerSettings``, by ``__qualname__``, so two worker
    apps in one tree may both have a ``the_task``; when the name is ambiguous project-wide
    but one of them is defined in the enqueueing module itself (arq's own examples, small
    services with the worker and the client in one file), that one is meant."""
    jobs = [job for job in index.jobs.by_registered_name(registered) if job.framework == FRAMEWORK]
    found = {job.qualified_name for job in jobs}
    if len(found) > 1:
        found = {job.qualified_name for job in jobs if job.module_name == module_name}
    return found.pop() if len(found) == 1 else None


def find_enqueue_sites(parsed: ParsedModule, index: ProjectIndex) -> list[EnqueueSite]:
    if ENQUEUE.encode() not in parsed.source.data:
        return []
    visitor = _EnqueueSites(parsed, index)
    walk.walk(parsed.module, visitor)
    return visitor.sites
