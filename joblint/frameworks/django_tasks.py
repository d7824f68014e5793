"""Frontend for Django Tasks: ``django.tasks`` (Django 6.0+) and its backport, the
``django-tasks`` package (``django_tasks``).

A job is a function decorated with ``@task`` or ``@task(priority=, queue_name=, backend=,
takes_context=)``, where ``task`` resolves to ``django.tasks.task`` or
``django_tasks.task`` (also their ``.base`` modules), however imported; or with a project
wrapper of it, one level deep (a module-level function whose body applies it, a
``functools.partial(task, queue_name=...)``), or a decorator the ``task-decorators``
setting names. Its queue is ``queue_name=`` as written: Django's default queue
(``"default"``) is not filled in, so a task with no ``queue_name`` has none.

The registered name is the task's ``module_path``, ``func.__module__ + "." +
func.__qualname__``: Django Tasks has no ``name=`` and no enqueue by name.

Enqueue sites, resolved to their task through imports: ``task.enqueue(*args, **kwargs)``,
``await task.aenqueue(...)``, either after ``task.using(priority=, queue_name=,
run_after=, backend=)`` (chained, or stored in a local first), and
``functools.partial(task.enqueue, ...)`` as Django's documentation passes it to
``transaction.on_commit``. ``task.call(...)`` and ``await task.acall(...)`` run the
function in the caller: synchronous. (Calling a ``Task`` directly is a ``TypeError``, so
``task(...)`` is nothing.)

A project model named ``Task`` with an ``enqueue()`` method, a queryset's ``.using("db")``,
or a ``@task`` from Celery, Invoke or Locust resolve elsewhere, and are left out.

``FRAMEWORK`` and ``NEEDLES`` are JOB707's too, so they live with the ``TASKS`` reader
(``joblint.analysis.tasks_settings``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import libcst as cst

from joblint.analysis.frameworks import (
    Encoding,
    FrameworkDescription,
    MomentOption,
    PriorityRange,
    SerializerDescription,
    SuppliedArguments,
    SynchronousCall,
)
from joblint.analysis.model import EnqueueSite, JobDefinition
from joblint.analysis.tasks_settings import FRAMEWORK as FRAMEWORK
from joblint.analysis.tasks_settings import NEEDLES as NEEDLES
from joblint.frameworks.shared import (
    LocalValues,
    configured_needles,
    decorated_functions,
    job_named_by,
    local_values,
    normalised_arguments,
    partial_of_method,
    wrapper_needles,
)

if TYPE_CHECKING:
    from joblint.analysis.index import ProjectIndex
    from joblint.parse.parsing import ParsedModule

WORDS: tuple[bytes, ...] = ()

DESCRIPTION = FrameworkDescription(
    name=FRAMEWORK,
    display_name="Django Tasks",
    queue_declaration="`queue_name=...` on `@task`",
    queue_options=frozenset({"queue_name"}),
    queues_listed_by_backend=True,
    # django.tasks: TASK_MIN_PRIORITY..TASK_MAX_PRIORITY, checked by `validate_task`.
    priority=PriorityRange(-100, 100, "Django Tasks accepts -100 to 100"),
    moment_options=(MomentOption("run_after"),),
    naive_moment_outcome="Django Tasks compares it with aware times when `USE_TZ` is on",
    serializers=(SerializerDescription("json", "Django Tasks' JSON encoding", Encoding.JSON),),
    default_serializer="json",
    supplied_arguments=SuppliedArguments("takes_context", leading=1, names=("context", "ctx")),
    synchronous_calls=(SynchronousCall("call", "enqueue"), SynchronousCall("acall", "aenqueue")),
)

TASK_DECORATORS = frozenset(
    {
        "django.tasks.task",
        "django.tasks.base.task",
        "django_tasks.task",
        "django_tasks.base.task",
    }
)
ENQUEUE_METHODS = frozenset({"enqueue", "aenqueue"})
SYNCHRONOUS_METHODS = frozenset({"call", "acall"})
USING = "using"


def is_task_decorator(name: str) -> bool:
    return name in TASK_DECORATORS


def export(parsed: ParsedModule) -> object | None:
    """Nothing: this frontend learns of other modules from the index's symbols and
    jobs alone."""
    return None


def learned_needles(index: ProjectIndex) -> Iterable[bytes]:
    """The decorators the ``task-decorators`` setting names and the project wrappers
    found so far: a module that only uses ``@background_task`` must still be parsed."""
    yield from configured_needles(index, FRAMEWORK)
    yield from wrapper_needles(index, FRAMEWORK, is_task_decorator)


def define_jobs(parsed: ParsedModule, index: ProjectIndex) -> list[JobDefinition]:
    jobs = []
    for found in decorated_functions(parsed, index, FRAMEWORK, is_task_decorator):
        node, decoration = found.node, found.decoration
        jobs.append(
            JobDefinition(
                framework=FRAMEWORK,
                name=node.name.value,
                qualified_name=found.qualified_name,
                path=parsed.path,
                module_name=parsed.module_name,
                name_span=parsed.recorded_span(node.name),
                node=node,
                is_class=False,
                queue=decoration.queue(parsed, "queue_name"),
                perform=node,
                registered_name=f"{parsed.module_name}.{found.qualname}",
                options=decoration.options(parsed),
                decorator=decoration.decorator,
            )
        )
    return jobs


class _EnqueueSites(cst.CSTVisitor):
    def __init__(self, parsed: ParsedModule, index: ProjectIndex) -> None:
        self.parsed = parsed
        self.index = index
        self.sites: list[EnqueueSite] = []
        self._locals: LocalValues | None = None

    @property
    def locals(self) -> LocalValues:
        if self._locals is None:
            self._locals = local_values(self.parsed)
        return self._locals

    def visit_Call(self, node: cst.Call) -> None:
        methods = ENQUEUE_METHODS | SYNCHRONOUS_METHODS
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in methods:
            self._site(node, func.value, func.attr.value, node.args)
            return
        bound = partial_of_method(self.parsed, node, methods)
        if bound is not None:
            self._site(node, bound[0], bound[1], node.args[1:])

    def _site(
        self,
        node: cst.Call,
        receiver: cst.BaseExpression,
        method_name: str,
        args: Sequence[cst.Arg],
    ) -> None:
        options: list[tuple[str, cst.BaseExpression]] = []
        target = self._task(receiver, options)
        if target is None:
            return
        arguments, known = normalised_arguments(self.locals, (), args)
        self.sites.append(
            EnqueueSite(
                framework=FRAMEWORK,
                method=method_name,
                path=self.parsed.path,
                span=self.parsed.span(node),
                node=node,
                target=target.qualified_name,
                arguments=arguments,
                arguments_known=known,
                options=tuple(options),
                synchronous=method_name in SYNCHRONOUS_METHODS,
            )
        )

    def _task(
        self,
        receiver: cst.BaseExpression,
        options: list[tuple[str, cst.BaseExpression]],
        via_local: bool = False,
    ) -> JobDefinition | None:
        """The task ``receiver`` stands for: the task itself, ``task.using(...)`` (any
        number of times; the options are collected innermost first, as they apply), or a
        local bound once to one of these."""
        if isinstance(receiver, cst.Name | cst.Attribute):
            job = job_named_by(self.parsed, self.index, receiver, FRAMEWORK)
            if job is not None or via_local or not isinstance(receiver, cst.Name):
                return job
            value = self.locals.value_of(receiver)
            return None if value is None else self._task(value, options, via_local=True)
        if (
            isinstance(receiver, cst.Call)
            and isinstance(receiver.func, cst.Attribute)
            and receiver.func.attr.value == USING
        ):
            job = self._task(receiver.func.value, options, via_local)
            if job is not None:
                options.extend(
                    (arg.keyword.value, arg.value)
                    for arg in receiver.args
                    if arg.keyword is not None
                )
            return job
        return None


def find_enqueue_sites(parsed: ParsedModule, index: ProjectIndex) -> list[EnqueueSite]:
    if not any(job.framework == FRAMEWORK for job in index.jobs.all):
        return []
    data = parsed.source.data
    if b"enqueue" not in data and b"call" not in data:
        return []  # neither `.enqueue`/`.aenqueue` nor `.call`/`.acall`
    visitor = _EnqueueSites(parsed, index)
    for call in parsed.calls:  # its only callback: the module's calls, as a walk meets them
        visitor.visit_Call(call)
    return visitor.sites
