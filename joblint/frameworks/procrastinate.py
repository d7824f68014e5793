"""Frontend for Procrastinate (``procrastinate``), the PostgreSQL-backed task queue.

A job is a function decorated with ``@app.task`` or ``@app.task(queue=, name=, retry=,
lock=, queueing_lock=, pass_context=, priority=, aliases=)`` where ``app`` is shown to be
one of procrastinate's task holders:

- a ``procrastinate.App(...)`` (or an instance of a project subclass of it, or what
  ``App.from_path(...)`` / ``<app>.with_connector(...)`` return) assigned at module level
  in any module of the project;
- a ``procrastinate.Blueprint()`` assigned the same way (``@bp.task``);
- the Django contrib's ready-made ``procrastinate.contrib.django.app``.

``@app.periodic(cron=...)`` goes above ``@app.task`` (it wraps the ``Task`` object the
task decorator returns); its keywords are kept with the job's options. Project wrappers
count one level deep, wherever they are defined: a module-level function whose body
applies ``<app>.task``, a module-level ``functools.partial(<app>.task, ...)``, and the
decorators named in the ``task-decorators`` setting.

The registered name is ``name=`` when given, else procrastinate's default,
``func.__module__ + "." + func.__name__`` (``procrastinate.utils.get_full_path``).

Enqueue sites, each resolved to its job through imports:

- ``task.defer(**kwargs)``, ``await task.defer_async(...)``; positional arguments are kept
  as written (procrastinate drops them: JOB205 reads them);
- ``task.batch_defer({...}, {...})`` and ``batch_defer_async``: one site per call;
- the same methods after ``task.configure(queue=, lock=, queueing_lock=, schedule_at=,
  schedule_in=, priority=, task_kwargs=)`` or ``app.configure_task("name", ...)``, the
  latter resolved by registered name (also an alias, or a blueprint task's name behind a
  ``namespace:`` prefix); an unknown name is a site with no target;
- a deferrer stored in a local first (``deferrer = task.configure(...)``, then
  ``deferrer.defer(...)``), and ``functools.partial(task.defer, ...)`` (what
  ``transaction.on_commit`` is given);
- ``task(...)``, which runs the function in the caller (``Task.__call__``): synchronous.

``Model.objects.defer("field")``, a local function named ``defer`` or an object with a
``task`` method are none of these: their receivers do not resolve to a job or an app.

The framework-neutral helpers it shares with the Django Tasks frontend (project wrappers
of a task decorator, values of local names, dict literals as keyword arguments) live in
``joblint.frameworks.shared``.
"""

from __future__ import annotations

import enum
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from joblint.analysis.frameworks import (
    DecoratorOrder,
    DelayForm,
    Encoding,
    FrameworkDescription,
    MomentOption,
    PriorityRange,
    SerializerDescription,
    SuppliedArguments,
    SynchronousCall,
)
from joblint.analysis.model import (
    EnqueueSite,
    JobDefinition,
    Literal,
)
from joblint.analysis.symbols import single_name
from joblint.frameworks.shared import (
    LocalValues,
    configured_needles,
    constant,
    decorated_functions,
    job_named_by,
    keyword_arguments,
    local_values,
    merge_keywords,
    normalised_arguments,
    partial_of_method,
    wrapper_needles,
)
from joblint.parse.parsing import ParsedModule

if TYPE_CHECKING:
    from joblint.analysis.index import ProjectIndex

FRAMEWORK = "procrastinate"
NEEDLES: tuple[bytes, ...] = (b"procrastinate",)
WORDS: tuple[bytes, ...] = ()

DESCRIPTION = FrameworkDescription(
    name=FRAMEWORK,
    display_name="Procrastinate",
    queue_declaration="`queue=...` on the task decorator",
    queue_options=frozenset({"queue"}),
    # An `integer` column in procrastinate_jobs.
    priority=PriorityRange(
        -(2**31), 2**31 - 1, "Procrastinate stores it in a 32-bit integer column"
    ),
    moment_options=(
        MomentOption("schedule_at", relative="schedule_in", relative_form=DelayForm.UNITS),
    ),
    naive_moment_outcome=("Procrastinate stores it in a `timestamptz` read in the server's zone"),
    serializers=(SerializerDescription("json", "Procrastinate's JSON encoding", Encoding.JSON),),
    default_serializer="json",
    name_keyword="name",
    task_decorators=frozenset({"task"}),
    # `periodic` goes over `task`.
    decorator_order=DecoratorOrder(above_task=frozenset({"periodic"})),
    supplied_arguments=SuppliedArguments("pass_context", leading=1, names=("context", "ctx")),
    # `Task.defer(*_, **kwargs)`: the job never receives positional arguments.
    drops_positional=frozenset({"defer", "defer_async", "batch_defer", "batch_defer_async"}),
    keyword_only_enqueue=frozenset({"defer", "defer_async"}),
    bulk_enqueue="`task.batch_defer({...}, {...})`",
    synchronous_calls=(
        SynchronousCall("__call__", advice="use `.defer(...)` with keyword arguments"),
    ),
    may_join_callers_transaction=True,
)

APP_CLASSES = frozenset(
    {
        "procrastinate.App",
        "procrastinate.app.App",
        "procrastinate.contrib.django.DjangoApp",
        "procrastinate.contrib.django.db_cleanup.DjangoApp",
    }
)
BLUEPRINT_CLASSES = frozenset({"procrastinate.Blueprint", "procrastinate.blueprints.Blueprint"})
# Apps procrastinate itself creates: the Django contrib's proxy to its app.
LIBRARY_APPS = frozenset(
    {"procrastinate.contrib.django.app", "procrastinate.contrib.django.procrastinate_app.app"}
)
# App methods and class methods that return an App.
APP_FACTORIES = frozenset({"with_connector", "from_path"})

DEFER_METHODS = frozenset({"defer", "defer_async"})
BATCH_METHODS = frozenset({"batch_defer", "batch_defer_async"})
CONFIGURE_TASK_OWN = frozenset({"name", "allow_unknown", "task_kwargs"})
PERIODIC_OPTIONS = frozenset({"cron", "periodic_id"})


class Holder(enum.Enum):
    """What a ``.task`` decorator hangs on."""

    APP = "app"
    BLUEPRINT = "blueprint"


def _is_app_class(name: str) -> bool:
    return name in APP_CLASSES


def _is_blueprint_class(name: str) -> bool:
    return name in BLUEPRINT_CLASSES


def _is_class(index: ProjectIndex, name: str, is_root: Callable[[str], bool]) -> bool:
    if is_root(name):
        return True
    info = index.classes.resolve(name)
    return info is not None and index.reaches(info.qualified_name, is_root)


def holder_kind(index: ProjectIndex, qualified_name: str, depth: int = 0) -> Holder | None:
    """Whether the module-level name ``qualified_name`` is a procrastinate App or Blueprint."""
    if qualified_name in LIBRARY_APPS:
        return Holder.APP
    info = index.assignments.resolve(qualified_name)
    if info is None or info.value.function is None or depth > 3:
        return None
    function = info.value.function
    if _is_class(index, function, _is_app_class):
        return Holder.APP
    if _is_class(index, function, _is_blueprint_class):
        return Holder.BLUEPRINT
    owner, _, method_name = function.rpartition(".")
    if method_name not in APP_FACTORIES or not owner:
        return None
    made_by_app = _is_class(index, owner, _is_app_class)
    if made_by_app or holder_kind(index, owner, depth + 1) is Holder.APP:
        return Holder.APP
    return None


def _decorator_on_holder(index: ProjectIndex, name: str, attribute: str) -> bool:
    owner, _, attr = name.rpartition(".")
    return attr == attribute and bool(owner) and holder_kind(index, owner) is not None


def is_task_decorator(index: ProjectIndex, name: str) -> bool:
    """``<app>.task`` or ``<blueprint>.task``."""
    return _decorator_on_holder(index, name, "task")


def export(parsed: ParsedModule) -> object | None:
    """Nothing: this frontend learns of other modules from the index's symbols and
    jobs alone."""
    return None


def learned_needles(index: ProjectIndex) -> Iterable[bytes]:
    """The names of the project's apps and blueprints (a module doing ``from proj.worker
    import app`` then ``@app.task`` never says "procrastinate"), of the decorators the
    ``task-decorators`` setting names, and of the project wrappers found so far."""
    yield from _holder_needles(index)
    yield from configured_needles(index, FRAMEWORK)
    yield from wrapper_needles(index, FRAMEWORK, _task_decorator_test(index))


# -- definitions ----------------------------------------------------------------------


def define_jobs(parsed: ParsedModule, index: ProjectIndex) -> list[JobDefinition]:
    jobs: list[JobDefinition] = []
    for found in decorated_functions(parsed, index, FRAMEWORK, _task_decorator_test(index)):
        node, decoration = found.node, found.decoration
        registered: str | None = f"{parsed.module_name}.{node.name.value}"
        if decoration.has_keyword("name"):
            written = decoration.value(parsed, "name")
            registered = written if isinstance(written, str) else None
        options = decoration.options(parsed)
        options += _periodic_options(parsed, index, node)
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
                queue=decoration.queue(parsed, "queue"),
                perform=node,
                registered_name=registered,
                options=options,
                decorator=decoration.decorator,
                joins_callers_transaction=_joins_callers_transaction(
                    parsed, index, decoration.decorator
                ),
            )
        )
    return jobs


def _joins_callers_transaction(
    parsed: ParsedModule, index: ProjectIndex, decorator: cst.Decorator
) -> bool | None:
    """Whether the task's jobs are written with the caller's transaction, so workers see
    them only after the commit: a task of the Django contrib's app, whose
    ``DjangoConnector`` uses Django's own connection. None when that cannot be told (a
    blueprint's task joins an app decided elsewhere; a project wrapper hides its app)."""
    expression = decorator.decorator
    if isinstance(expression, cst.Call):
        expression = expression.func
    owner, _, attribute = (single_name(parsed, expression) or "").rpartition(".")
    if attribute != "task" or not owner:
        return None
    if owner in LIBRARY_APPS:
        return True
    return False if holder_kind(index, owner) is Holder.APP else None


_HOLDER_NEEDLES: weakref.WeakKeyDictionary[ProjectIndex, tuple[bytes, ...]] = (
    weakref.WeakKeyDictionary()
)


def _holder_needles(index: ProjectIndex) -> tuple[bytes, ...]:
    """The names of the project's apps and blueprints."""
    found = _HOLDER_NEEDLES.get(index)
    if found is None:
        names = {
            name.rpartition(".")[2].encode()
            for name in index.assignments
            if holder_kind(index, name) is not None
        }
        found = _HOLDER_NEEDLES[index] = tuple(sorted(names))
    return found


def _task_decorator_test(index: ProjectIndex) -> Callable[[str], bool]:
    def test(name: str) -> bool:
        return is_task_decorator(index, name)

    return test


def _periodic_options(
    parsed: ParsedModule, index: ProjectIndex, node: cst.FunctionDef
) -> tuple[tuple[str, Literal], ...]:
    """The keywords of ``@app.periodic(cron=..., periodic_id=...)`` on the task."""
    for decorator in node.decorators:
        expression = decorator.decorator
        if not isinstance(expression, cst.Call):
            continue
        name = single_name(parsed, expression.func)
        if name is None or not _decorator_on_holder(index, name, "periodic"):
            continue
        return tuple(
            (arg.keyword.value, constant(parsed, arg.value))
            for arg in expression.args
            if arg.keyword is not None and arg.keyword.value in PERIODIC_OPTIONS
        )
    return ()


# -- enqueue sites --------------------------------------------------------------------


@dataclass
class _Deferral:
    """What a ``.defer`` receiver stands for: the job, the options set on the way, and the
    arguments already given (``configure(task_kwargs={...})``)."""

    target: str | None
    registered_name: str | None = None
    options: list[tuple[str, cst.BaseExpression]] = field(default_factory=list)
    preset: list[cst.Arg] = field(default_factory=list)
    preset_known: bool = True


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
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in DEFER_METHODS | BATCH_METHODS:
            self._defer(node, func.value, func.attr.value, node.args)
            return
        bound = partial_of_method(self.parsed, node, DEFER_METHODS | BATCH_METHODS)
        if bound is not None:
            receiver, method_name = bound
            self._defer(node, receiver, method_name, node.args[1:])
            return
        job = self._job(func)
        if job is not None:
            arguments, known = normalised_arguments(self.locals, (), node.args)
            self.sites.append(
                EnqueueSite(
                    framework=FRAMEWORK,
                    method="__call__",
                    path=self.parsed.path,
                    span=self.parsed.span(node),
                    node=node,
                    target=job.qualified_name,
                    arguments=arguments,
                    arguments_known=known,
                    synchronous=True,
                )
            )

    def _defer(
        self,
        node: cst.Call,
        receiver: cst.BaseExpression,
        method_name: str,
        args: Sequence[cst.Arg],
    ) -> None:
        deferral = self._deferral(receiver)
        if deferral is None:
            return
        if method_name in BATCH_METHODS:
            arguments, known = self._batch_arguments(deferral, args)
        else:
            arguments, known = normalised_arguments(self.locals, deferral.preset, args)
            known = known and deferral.preset_known
        self.sites.append(
            EnqueueSite(
                framework=FRAMEWORK,
                method=method_name,
                path=self.parsed.path,
                span=self.parsed.span(node),
                node=node,
                target=deferral.target,
                arguments=arguments,
                arguments_known=known,
                options=tuple(deferral.options),
                target_registered_name=deferral.registered_name,
            )
        )

    def _batch_arguments(
        self, deferral: _Deferral, args: Sequence[cst.Arg]
    ) -> tuple[tuple[cst.Arg, ...], bool]:
        """``batch_defer({...})`` takes one dict of keyword arguments per job: listed when
        there is exactly one, and it is a dict literal (here or in a local)."""
        if len(args) != 1 or args[0].star or args[0].keyword is not None:
            return tuple(deferral.preset), False
        expanded = keyword_arguments(self.locals, args[0].value)
        if expanded is None:
            return tuple(deferral.preset), False
        return merge_keywords(deferral.preset, expanded), deferral.preset_known

    def _deferral(self, receiver: cst.BaseExpression, depth: int = 0) -> _Deferral | None:
        job = self._job(receiver)
        if job is not None:
            return _Deferral(job.qualified_name)
        if isinstance(receiver, cst.Name) and depth == 0:
            value = self.locals.value_of(receiver)
            return None if value is None else self._deferral(value, depth + 1)
        if not isinstance(receiver, cst.Call) or not isinstance(receiver.func, cst.Attribute):
            return None
        method_name = receiver.func.attr.value
        owner = receiver.func.value
        if method_name == "configure":
            job = self._job(owner)
            if job is None:
                return None
            deferral = _Deferral(job.qualified_name)
            self._configure(deferral, receiver.args, frozenset({"task_kwargs"}))
            return deferral
        if method_name == "configure_task":
            owner_name = single_name(self.parsed, owner)
            if owner_name is None or holder_kind(self.index, owner_name) is not Holder.APP:
                return None
            return self._configure_task(receiver.args)
        return None

    def _configure_task(self, args: Sequence[cst.Arg]) -> _Deferral:
        name_value: cst.BaseExpression | None = None
        for arg in args:
            if arg.keyword is None and not arg.star:
                name_value = arg.value
                break
            if arg.keyword is not None and arg.keyword.value == "name":
                name_value = arg.value
                break
        written = constant(self.parsed, name_value) if name_value is not None else None
        registered = written if isinstance(written, str) else None
        job = job_registered_as(self.index, registered) if registered else None
        deferral = _Deferral(job.qualified_name if job else None, registered)
        self._configure(deferral, args, CONFIGURE_TASK_OWN)
        return deferral

    def _configure(self, deferral: _Deferral, args: Sequence[cst.Arg], own: frozenset[str]) -> None:
        for arg in args:
            if arg.star:
                deferral.preset_known = False
            elif arg.keyword is None:
                continue
            elif arg.keyword.value == "task_kwargs":
                expanded = keyword_arguments(self.locals, arg.value)
                if expanded is None:
                    deferral.preset_known = False
                else:
                    deferral.preset.extend(expanded)
            elif arg.keyword.value not in own:
                deferral.options.append((arg.keyword.value, arg.value))

    def _job(self, expression: cst.BaseExpression) -> JobDefinition | None:
        if not isinstance(expression, cst.Name | cst.Attribute):
            return None
        return job_named_by(self.parsed, self.index, expression, FRAMEWORK)


def find_enqueue_sites(parsed: ParsedModule, index: ProjectIndex) -> list[EnqueueSite]:
    names = {job.name.encode() for job in index.jobs.all if job.framework == FRAMEWORK}
    data = parsed.source.data
    if b"defer" not in data and not any(name in data for name in names):
        return []  # no `.defer`, `configure_task(...).defer`, nor call of a task by name
    if not names and not _mentions_app(parsed):
        return []
    visitor = _EnqueueSites(parsed, index)
    for call in parsed.calls:  # its only callback: the module's calls, as a walk meets them
        visitor.visit_Call(call)
    return visitor.sites


def _mentions_app(parsed: ParsedModule) -> bool:
    """A project with no task of its own may still defer by name (``configure_task``)."""
    return b"configure_task" in parsed.source.data


def job_registered_as(index: ProjectIndex, name: str) -> JobDefinition | None:
    """The task ``configure_task(name)`` defers: by registered name, then by alias, then
    without a blueprint's ``namespace:`` prefix; at last, when module names differ by a
    package prefix (namespace packages), by a unique dotted suffix."""
    own = [job for job in index.jobs.all if job.framework == FRAMEWORK]
    for written in dict.fromkeys((name, name.rpartition(":")[2])):
        found = [job for job in own if job.registered_name == written]
        if not found:
            found = [job for job in own if written in _aliases(job)]
        if len(found) == 1:
            return found[0]
        if found:
            return None
    bare = name.rpartition(":")[2]
    found = [
        job
        for job in own
        if job.registered_name
        and (bare.endswith("." + job.registered_name) or job.registered_name.endswith("." + bare))
    ]
    return found[0] if len(found) == 1 else None


def _aliases(job: JobDefinition) -> tuple[str, ...]:
    for key, value in job.options:
        if key == "aliases" and isinstance(value, tuple):
            return tuple(alias for alias in value if isinstance(alias, str))
    return ()
