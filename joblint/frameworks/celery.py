"""Frontend for Celery.

Jobs:

- functions decorated with ``shared_task`` (Celery 3's ``celery.task.task`` too) or with
  ``<app>.task`` where ``<app>`` is a ``Celery(...)`` instance (or of a project subclass)
  assigned at module level in any module, or ``current_app``; with or without call
  parentheses, under any alias, through re-exports (``from proj import celery_app`` when
  ``proj/__init__.py`` says ``from .celery import app as celery_app``);
- functions decorated with a project wrapper of those, followed one level: a module-level
  alias, preset decorator (``email_task = app.task(queue="emails")``) or
  ``functools.partial`` of one, a module-level function whose body applies one, or a name
  the ``task-decorators`` setting maps to ``"celery"``;
- classes whose bases reach Celery's ``Task`` (``celery.Task``, ``celery.app.task.Task``,
  ``<app>.Task``, ``DjangoTask``...), through project classes in any module. A class with
  no ``run`` of its own or from a project ancestor, or marked ``abstract = True``, is a
  base for other tasks (abstract).

A task's registered name is its ``name=`` (or ``name`` class attribute) when given, else
Celery's default ``<module>.<function>``. Its queue is its ``queue=`` (a wrapper's, or the
``queue`` attribute of its class or ``base=`` class, inherited through project classes);
when it has none, the queue ``task_routes`` gives its registered name (set in code:
``Celery(..., task_routes=...)``, ``app.conf.task_routes = ...``,
``app.conf.update(task_routes=...)``, a module-level ``task_routes`` or
``CELERY_TASK_ROUTES``; glob and ``re.compile`` keys; a router that cannot be read makes
the queue "dynamic"; settings written in code are read by
``joblint.analysis.celery_settings``, as the analysis reads them). The task options
(decorator keywords, known class attributes) are kept as literals in
``JobDefinition.options``; ``("bind", True)`` there means the task function's first
parameter is the task itself.

Enqueue sites, on an expression that resolves to a task (``send_email``,
``tasks.send_email``, ``SendEmailTask()``, ``app.tasks["name"]``): ``.delay``,
``.apply_async``, ``.delay_on_commit``, ``.apply_async_on_commit``; ``.s``, ``.si``,
``.signature`` wherever a signature is built (in ``chain``/``group``/``chord``, stored in
a variable), with the options of ``.set(...)`` and of the ``.delay()``/``.apply_async()``
applied to it; ``.map``/``.starmap``/``.chunks`` (arguments not known). ``.apply`` and
calling the task itself run it in the caller (``synchronous``, method ``"__call__"`` for
the call). ``<app>.send_task("name", ...)`` and ``signature("name", ...)`` are resolved
through registered names (target None when no single task has that name). Arguments are
normalised to the task's own (``apply_async(args=[a], kwargs={"b": c})`` is ``a, b=c``),
through local list and dict literals (``kwargs=params``, ``**params``) assigned once and
never changed; a mutable signature that may receive a parent's result (in a chain after
the first, a chord's body, a callback, stored away) has ``arguments_known=False``.

Another module is known by what it tells the frontend of itself (``export``: its
re-exports, module-level values, wrapper functions' calls and routes settings, names
resolved where they are written) and by the index's symbols (classes and their
attributes, functions, app objects), never by its tree (issue 17).

Left out on purpose: calls on anything that cannot be shown to be a task (``self.delay``
in a bound task, a variable holding a task), decorators that only look like Celery's
(Locust's ``@task``), classes merely named ``Task``, wrappers of wrappers.
"""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst
from libcst.helpers import get_absolute_module_from_package_for_import, get_full_name_for_node

from joblint.analysis.celery_settings import (
    ROUTE_SETTINGS,
    Route,
    dotted_name,
    read_route,
    settings_in,
)
from joblint.analysis.frameworks import (
    ControlException,
    DecoratorOrder,
    DelayConflict,
    DelayForm,
    Encoding,
    FrameworkDescription,
    MomentOption,
    PriorityRange,
    ResultWait,
    SerializerDescription,
    SuppliedArguments,
    SynchronousCall,
)
from joblint.analysis.model import (
    NO_QUEUE,
    CallInfo,
    ClassInfo,
    EnqueueSite,
    JobDefinition,
    Literal,
    QueueDeclaration,
    QueueKind,
    ValueInfo,
)
from joblint.analysis.symbols import class_attribute, decorator, literal, method, single_name
from joblint.parse import walk

if TYPE_CHECKING:
    from joblint.analysis.index import ProjectIndex
    from joblint.parse.parsing import ParsedModule

FRAMEWORK = "celery"
NEEDLES: tuple[bytes, ...] = (b"celery", b"TASK_ROUTES", b"CELERY_ROUTES")
WORDS: tuple[bytes, ...] = ()

RETRY_LOST = "the retry `self.retry()` raised is lost: the task is never retried"

DESCRIPTION = FrameworkDescription(
    name=FRAMEWORK,
    display_name="Celery",
    queue_declaration="`queue=...` on the task decorator, or a `task_routes` entry",
    queue_options=frozenset({"queue"}),
    # AMQP's message priority is one octet; kombu's Redis transport maps 0..255 onto its
    # priority steps.
    priority=PriorityRange(0, 255, "Celery's message priority is 0 to 255"),
    moment_options=(MomentOption("eta", relative="countdown", relative_form=DelayForm.SECONDS),),
    naive_moment_outcome=(
        "Celery reads it in the app's timezone (UTC by default), not the caller's"
    ),
    delay_conflict=DelayConflict(
        "countdown",
        "eta",
        "Celery computes the ETA from `countdown` and silently drops `eta`",
        at_delay=True,
        zero_delay_ignored="Celery ignores a zero countdown",
    ),
    serializers=(
        SerializerDescription(
            "json",
            "Celery's JSON serializer",
            Encoding.KOMBU_JSON,
            object_hooks=frozenset({"__json__"}),
        ),
        SerializerDescription("pickle", "Celery's pickle serializer", Encoding.PICKLE),
    ),
    default_serializer="json",
    name_keyword="name",
    result_waits=tuple(ResultWait(method) for method in ("get", "wait", "join", "join_native")),
    task_decorators=frozenset({"task", "shared_task"}),
    # `@app.task` applied last ("first in the list").
    decorator_order=DecoratorOrder(task_outermost=True),
    supplied_arguments=SuppliedArguments("bind", leading=1, names=("self",)),
    synchronous_calls=(
        SynchronousCall("apply", "apply_async"),
        SynchronousCall("__call__", "delay", rewrite="append"),
    ),
    control_exceptions=(
        ControlException("celery.exceptions.Retry", RETRY_LOST),
        ControlException("celery.exceptions.RetryTaskError", RETRY_LOST),
        ControlException(
            "celery.exceptions.Ignore", "the worker never learns the task asked to be ignored"
        ),
        ControlException(
            "celery.exceptions.Reject", "the worker never learns the task asked to be rejected"
        ),
    ),
)

# The application class, however it is imported.
APP_CLASSES = frozenset({"celery.Celery", "celery.app.Celery", "celery.app.base.Celery"})
# Proxies to the current app: `current_app.task`, `current_app.send_task(...)`.
CURRENT_APPS = frozenset(
    {"celery.current_app", "celery._state.current_app", "celery.app.default_app"}
)
# Decorators that make a task of a function without naming an app; the last four are
# Celery 3's, still found in older codebases.
SHARED_TASK_DECORATORS = frozenset(
    {
        "celery.shared_task",
        "celery.app.shared_task",
        "celery.task.task",
        "celery.task.periodic_task",
        "celery.decorators.task",
        "celery.decorators.periodic_task",
    }
)
# Task base classes Celery ships.
TASK_BASES = frozenset(
    {
        "celery.Task",
        "celery.app.task.Task",
        "celery.task.Task",
        "celery.task.base.Task",
        "celery.task.PeriodicTask",
        "celery.task.base.PeriodicTask",
        "celery.contrib.django.task.DjangoTask",
        "celery.contrib.abortable.AbortableTask",
    }
)
# The task class whose objects have `delay_on_commit` and `apply_async_on_commit`.
DJANGO_TASK = "celery.contrib.django.task.DjangoTask"
SIGNATURE_FUNCTIONS = frozenset(
    {
        "celery.signature",
        "celery.subtask",
        "celery.Signature",
        "celery.canvas.signature",
        "celery.canvas.subtask",
        "celery.canvas.Signature",
    }
)
PARTIALS = frozenset({"functools.partial"})
# Settings that hold the routes, in the app's configuration or a configuration module.
ROUTE_NEEDLES = (b"task_routes", b"TASK_ROUTES", b"CELERY_ROUTES")
SEND_TASK_FUNCTIONS = frozenset({"celery.execute.send_task"})
CHAIN_FUNCTIONS = frozenset({"celery.chain", "celery.canvas.chain"})
GROUP_FUNCTIONS = frozenset({"celery.group", "celery.canvas.group"})
CHORD_FUNCTIONS = frozenset({"celery.chord", "celery.canvas.chord"})

# Task methods that enqueue (or build a signature of) the task.
ENQUEUE_METHODS = frozenset({"delay", "apply_async", "delay_on_commit", "apply_async_on_commit"})
SIGNATURE_METHODS = frozenset({"s", "si", "signature", "subtask"})
SYNCHRONOUS_METHODS = frozenset({"apply"})
# Signatures of one call per item: `t.map(items)`, `t.starmap(pairs)`, `t.chunks(pairs, 10)`.
MAP_METHODS = frozenset({"map", "starmap", "chunks"})
TASK_METHODS = ENQUEUE_METHODS | SIGNATURE_METHODS | SYNCHRONOUS_METHODS | MAP_METHODS
DIRECT_CALL = "__call__"

# Positional parameters after `args, kwargs`, as Celery declares them.
APPLY_ASYNC_POSITIONAL = ("args", "kwargs", "task_id", "producer", "link", "link_error", "shadow")
APPLY_POSITIONAL = (
    "args",
    "kwargs",
    "link",
    "link_error",
    "task_id",
    "retries",
    "throw",
    "logfile",
    "loglevel",
    "headers",
)
SEND_TASK_POSITIONAL = (
    "name",
    "args",
    "kwargs",
    "countdown",
    "eta",
    "task_id",
    "producer",
    "connection",
    "router",
    "result_cls",
    "expires",
)
SIGNATURE_POSITIONAL = ("args", "kwargs", "options")
BY_NAME_SIGNATURE_POSITIONAL = ("name", "args", "kwargs", "options")

# Task options worth keeping from a class body (the decorator keeps all its keywords).
CLASS_OPTIONS = (
    "queue",
    "max_retries",
    "default_retry_delay",
    "autoretry_for",
    "dont_autoretry_for",
    "retry_kwargs",
    "retry_backoff",
    "retry_backoff_max",
    "retry_jitter",
    "acks_late",
    "acks_on_failure_or_timeout",
    "reject_on_worker_lost",
    "time_limit",
    "soft_time_limit",
    "rate_limit",
    "ignore_result",
    "priority",
    "serializer",
    "expires",
    "track_started",
    "typing",
)


# -- what a module tells the frontend of itself (issue 17) -------------------------------


@dataclass(frozen=True)
class KeywordValue:
    """A keyword argument of a task decorator as the task reads it: the literal written,
    and for ``base=`` the class it names, resolved in the module that writes it (a
    wrapper's module, which may not be the task's)."""

    literal: Literal
    reference: str | None = None


Keywords = tuple[tuple[str, KeywordValue], ...]


@dataclass(frozen=True)
class DecoratorCall:
    """A call that applies a task decorator when ``applied`` names one (``app.task(queue=
    "low")``; for ``functools.partial(app.task, ...)``, the partial's first argument), and
    the keywords it fixes."""

    applied: str | None
    keywords: Keywords = ()


@dataclass(frozen=True)
class PlainValue:
    """An expression as the frontend reads one from another module, resolved in the
    module that writes it: what a dotted name refers to, a call (with an app's
    ``task_routes=``), a dict read as task routes (None for an entry whose key cannot be
    read), or a list or tuple of values (routers). Nothing set: anything else, which as
    a router cannot be read."""

    reference: str | None = None
    call: DecoratorCall | None = None
    task_routes: PlainValue | None = None
    routes: tuple[Route | None, ...] | None = None
    elements: tuple[PlainValue, ...] | None = None


OPAQUE_VALUE = PlainValue()


@dataclass(frozen=True)
class RouteSetting:
    """``task_routes`` set in a module: at module level (``app`` None), or on the
    configuration of the object ``app`` names (``app.conf.task_routes = ...``), which
    counts when that object is one of the project's apps."""

    value: PlainValue
    app: str | None = None


@dataclass(frozen=True)
class CeleryModuleExport:
    """What one module tells the Celery frontend of itself, worked out from its own tree
    (``export``): the frontend learns of the other modules from these and from the
    index's symbols, never from their trees (issue 17).

    ``re_exports``: module-level ``from m import a as b`` (``b``'s qualified name -> what
    it names). ``values``: module-level ``name = value``, in order. ``functions``: for
    the first module-level ``def`` of each name, the calls its body makes, in the order a
    walk meets them (a wrapper of the task decorator applies one), and ``undecorated``:
    the module-level functions with no decorator; both only in a module that says
    "task", as every name of a task decorator does unless a project module re-exports
    it under another (``from celery import shared_task as job``), which a wrapper's body
    is not followed through. ``routes``: where the module sets ``task_routes``, in
    order, only in a module naming a routes setting."""

    path: Path
    re_exports: tuple[tuple[str, str], ...] = ()
    values: tuple[tuple[str, PlainValue], ...] = ()
    functions: tuple[tuple[str, tuple[DecoratorCall, ...]], ...] = ()
    undecorated: tuple[str, ...] = ()
    routes: tuple[RouteSetting, ...] = ()


def export(parsed: ParsedModule) -> CeleryModuleExport | None:
    """What ``parsed`` tells the Celery frontend of itself (``CeleryModuleExport``);
    None when it says nothing the frontend asks of another module. Reads what the
    frontend read of every module before (issue 17): module-level statements, the
    bodies of module-level functions only where the module says "task", and the routes
    settings only where it names one."""
    data = parsed.source.data
    re_exports, values = _module_level(parsed)
    functions: tuple[tuple[str, tuple[DecoratorCall, ...]], ...] = ()
    undecorated: tuple[str, ...] = ()
    if b"task" in data:
        functions, undecorated = _module_functions(parsed)
    routes = _route_settings(parsed) if any(n in data for n in ROUTE_NEEDLES) else ()
    if not (re_exports or values or functions or undecorated or routes):
        return None
    return CeleryModuleExport(parsed.path, re_exports, values, functions, undecorated, routes)


def _module_level(
    parsed: ParsedModule,
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, PlainValue], ...]]:
    """Module-level ``from m import a as b`` (re-exports) and ``name = value``."""
    prefix = parsed.module_name + "." if parsed.module_name else ""
    re_exports: list[tuple[str, str]] = []
    values: list[tuple[str, PlainValue]] = []
    for statement in parsed.module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                try:
                    module = get_absolute_module_from_package_for_import(parsed.package, small)
                except Exception:  # a relative import beyond the top-level package
                    module = None
                if module is None:
                    continue
                for alias in small.names:
                    imported = get_full_name_for_node(alias.name)
                    bound = alias.evaluated_alias or imported
                    if imported and bound and f"{module}.{imported}" != prefix + bound:
                        re_exports.append((prefix + bound, f"{module}.{imported}"))
            elif (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
            ):
                name = prefix + small.targets[0].target.value
                values.append((name, _plain(parsed, small.value, calls=True, lists=True)))
    return tuple(re_exports), tuple(values)


def _plain(parsed: ParsedModule, node: cst.BaseExpression, calls: bool, lists: bool) -> PlainValue:
    """``node`` read as ``PlainValue``, as deep as the frontend reads it: a module-level
    value may be a call or a list of routers (``calls``, ``lists``); a routes setting, a
    list of routers; a router, a name or a dict of routes only."""
    if isinstance(node, cst.Name | cst.Attribute):
        return PlainValue(reference=dotted_name(parsed, node))
    if isinstance(node, cst.Dict):
        return PlainValue(routes=tuple(read_route(parsed, element) for element in node.elements))
    if lists and isinstance(node, cst.List | cst.Tuple):
        return PlainValue(
            elements=tuple(
                _plain(parsed, element.value, calls=False, lists=False) for element in node.elements
            )
        )
    if calls and isinstance(node, cst.Call):
        callee = dotted_name(parsed, node.func)
        if callee in PARTIALS and node.args and not node.args[0].keyword:
            applied, rest = dotted_name(parsed, node.args[0].value), node.args[1:]
        else:
            applied, rest = callee, node.args
        routes = _keywords(node.args).get("task_routes")
        return PlainValue(
            call=DecoratorCall(applied, _keyword_values(parsed, rest)),
            task_routes=None if routes is None else _plain(parsed, routes, calls=False, lists=True),
        )
    return OPAQUE_VALUE


def _keyword_values(parsed: ParsedModule, args: Sequence[cst.Arg]) -> Keywords:
    """A call's keywords as a task reads them from its decorator."""
    return tuple(
        (key, KeywordValue(literal(value), dotted_name(parsed, value) if key == "base" else None))
        for key, value in _keywords(args).items()
    )


def _module_functions(
    parsed: ParsedModule,
) -> tuple[tuple[tuple[str, tuple[DecoratorCall, ...]], ...], tuple[str, ...]]:
    """For the first module-level ``def`` of each name, the calls its body makes (every
    one: whether a callee is a task decorator depends on the whole project); and the
    qualified names of the module-level functions with no decorator."""
    first: dict[str, cst.FunctionDef] = {}
    undecorated: list[str] = []
    for statement in parsed.module.body:
        if isinstance(statement, cst.FunctionDef):
            first.setdefault(statement.name.value, statement)
            if not statement.decorators:
                undecorated.append(f"{parsed.module_name}.{statement.name.value}")
    functions = tuple(
        (
            name,
            tuple(
                DecoratorCall(callee, _keyword_values(parsed, call.args))
                for call in _calls_in(node.body)
                for callee in [dotted_name(parsed, call.func)]
                if callee is not None
            ),
        )
        for name, node in first.items()
    )
    return functions, tuple(undecorated)


def _calls_in(node: cst.CSTNode) -> list[cst.Call]:
    collector = _Calls()
    walk.walk(node, collector)
    return collector.calls


class _Calls(cst.CSTVisitor):
    """Every call under a node, in the order a walk meets them. One class for every
    walk: the walk plans its dispatch once per visitor class, and a class made per
    function cost a plan and a fresh ``isinstance`` cache each time."""

    def __init__(self) -> None:
        self.calls: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)


def _route_settings(parsed: ParsedModule) -> tuple[RouteSetting, ...]:
    """Where a module sets ``task_routes``, in the order ``settings_in`` finds them: at
    module level (a config module, Django settings), or on the configuration of an
    object, with what that object's name refers to (whether it is an app is for the
    project to say). A setting on an object that cannot be named is left out: no app is
    such an object."""
    objects: dict[str | None, None] = {}

    def on_any_object(node: cst.BaseExpression) -> bool:
        objects[dotted_name(parsed, node)] = None
        return True

    found = settings_in(parsed, ROUTE_SETTINGS, on_any_object)
    # Which object's configuration each setting is on: asked of settings_in once per
    # object named, in the rare module that sets routes on one.
    on_objects = [
        (
            name,
            Counter(
                id(value)
                for _, value in settings_in(
                    parsed, ROUTE_SETTINGS, _naming(parsed, name), module_level_names=frozenset()
                )
            ),
        )
        for name in objects
    ]
    settings: list[RouteSetting] = []
    for _, value in found:
        plain = _plain(parsed, value, calls=False, lists=True)
        on_object = next((item for item in on_objects if item[1][id(value)] > 0), None)
        if on_object is None:
            settings.append(RouteSetting(plain))
            continue
        name, count = on_object
        count[id(value)] -= 1
        if name is not None:
            settings.append(RouteSetting(plain, name))
    return tuple(settings)


def _naming(parsed: ParsedModule, name: str | None) -> Callable[[cst.BaseExpression], bool]:
    """Whether an expression of ``parsed`` refers to ``name``."""
    return lambda node: dotted_name(parsed, node) == name


# -- what counts as Celery in this project ---------------------------------------------


@dataclass(frozen=True)
class TaskDecorator:
    """A decorator that makes a Celery task: the app it binds to when it names one, and
    the options a project wrapper fixes (``partial(app.task, queue="low")``)."""

    app: str | None
    defaults: Keywords = ()


OPAQUE_ROUTE = Route(None, QueueDeclaration(QueueKind.DYNAMIC))


@dataclass
class Routing:
    """The project's ``task_routes``, in the order Celery tries them (the first route
    that matches decides, even one that names no queue). A task's route is found by its
    name, then among the patterns and routers written before that route: a generated
    module may route each of its thousands of tasks by name, and trying every route for
    every task cost time quadratic in its size (issue 17)."""

    routes: list[Route] = field(default_factory=list)
    # Where in ``routes`` each name's first route is, and where every other route is.
    _by_name: dict[str, int] = field(default_factory=dict)
    _patterns: list[int] = field(default_factory=list)

    def add(self, route: Route) -> None:
        if isinstance(route.pattern, str):
            self._by_name.setdefault(route.pattern, len(self.routes))
        else:
            self._patterns.append(len(self.routes))
        self.routes.append(route)

    def queue_for(self, name: str | None) -> QueueDeclaration | None:
        named = self._by_name.get(name) if name is not None else None
        for position in self._patterns:
            if named is not None and position > named:
                break
            if self.routes[position].matches(name):
                return self.routes[position].queue
        return self.routes[named].queue if named is not None else None


class _Project:
    """What the Celery frontend learns about a project from its index, computed once per
    index: the app objects, re-exported names, wrappers of the task decorator, task
    classes and routes. Read from every module's ``CeleryModuleExport`` and the index's
    symbols, never from another module's tree (issue 17); holds no reference to the
    index (the cache is keyed weakly on it)."""

    def __init__(self, index: ProjectIndex) -> None:
        # Remembered answers of ``follow`` and ``is_app_class``, asked of every class and
        # re-export each time the needles are learned; filled once the re-exports are read.
        self._followed: dict[str, str] = {}
        self._app_classes: dict[str, bool] = {}
        self.re_exports: dict[str, str] = {}
        self.values: dict[str, PlainValue] = {}
        # Per module: the calls in each module-level function's body, by its name.
        self.functions: dict[Path, dict[str, tuple[DecoratorCall, ...]]] = {}
        self.undecorated: list[str] = []
        self.route_settings: list[RouteSetting] = []
        for exported in index.exports_of(FRAMEWORK, CeleryModuleExport):
            self.re_exports.update(exported.re_exports)
            self.values.update(exported.values)
            if exported.functions:
                self.functions[exported.path] = dict(exported.functions)
            self.undecorated.extend(exported.undecorated)
            self.route_settings.extend(exported.routes)
        self.apps: dict[str, CallInfo] = {}
        for name, info in index.assignments.items():
            if info.value.function is not None and self.is_app_class(index, info.value.function):
                self.apps[name] = info.value
        self.configured = {
            name: framework
            for name, framework in index.task_decorators.items()
            if framework == FRAMEWORK
        }
        self._task_classes: dict[str, bool] = {}
        self._wrappers: dict[str, TaskDecorator | None] = {}
        self._routing: Routing | None = None

    def follow(self, name: str) -> str:
        """``name`` through the project's re-exports: ``proj.celery_app.task`` is
        ``proj.celery.app.task`` when ``proj/__init__.py`` says ``from .celery import app
        as celery_app``. Asked of every class and re-export of the project, each time
        the needles are learned: remembered."""
        found = self._followed.get(name)
        if found is None:
            found = self._followed[name] = self._follow(name)
        return found

    def _follow(self, name: str) -> str:
        for _ in range(5):
            parts = name.split(".")
            for end in range(len(parts), 0, -1):
                target = self.re_exports.get(".".join(parts[:end]))
                if target is not None:
                    name = ".".join([target, *parts[end:]])
                    break
            else:
                return name
        return name

    def is_app_class(self, index: ProjectIndex, name: str) -> bool:
        known = self._app_classes.get(name)
        if known is None:
            known = self._app_classes[name] = self._is_app_class(index, self.follow(name))
        return known

    def _is_app_class(self, index: ProjectIndex, name: str) -> bool:
        if name in APP_CLASSES:
            return True
        info = index.classes.resolve(name)
        return info is not None and any(
            base in APP_CLASSES
            for ancestor in index.project_ancestors(info.qualified_name)
            for base in ancestor.base_names
        )

    def app_named(self, index: ProjectIndex, name: str | None) -> str | None:
        """The qualified name of the app ``name`` refers to, ``current_app`` included."""
        if name is None:
            return None
        name = self.follow(name)
        if name in CURRENT_APPS or name in self.apps:
            return name
        info = index.assignments.resolve(name)
        if info is not None and info.qualified_name in self.apps:
            return info.qualified_name
        return None

    def is_task_class(self, index: ProjectIndex, qualified_name: str) -> bool:
        """Whether the class's bases reach one of Celery's task classes, through project
        classes in any module (re-exports followed)."""
        known = self._task_classes.get(qualified_name)
        if known is None:
            self._task_classes[qualified_name] = False  # a cycle proves nothing
            info = index.classes.get(qualified_name)
            known = info is not None and any(
                self.is_task_base(index, base) for base in info.base_names if base
            )
            self._task_classes[qualified_name] = known
        return known

    def is_task_base(self, index: ProjectIndex, name: str) -> bool:
        name = self.follow(name)
        if name in TASK_BASES:
            return True
        owner, _, attribute = name.rpartition(".")
        if attribute == "Task" and self.app_named(index, owner) is not None:
            return True  # `class MyTask(app.Task)`
        info = index.classes.resolve(name)
        return info is not None and self.is_task_class(index, info.qualified_name)

    def is_django_task(self, index: ProjectIndex, name: str | None) -> bool:
        """Whether ``name`` is Celery's ``DjangoTask`` or a project class built on it.
        A class that cannot be followed (a third party's, a computed one) is not."""
        if name is None:
            return False
        name = self.follow(name.replace(":", "."))
        if name == DJANGO_TASK:
            return True
        info = index.classes.resolve(name)
        return info is not None and any(
            self.follow(base) == DJANGO_TASK
            for ancestor in index.project_ancestors(info.qualified_name)
            for base in ancestor.base_names
        )

    def app_task_class(self, app: str | None) -> str | None:
        """The task class an app was given (``Celery(..., task_cls="proj.tasks:Base")``),
        None when it was given none or one that cannot be read. With none, Celery's
        Django fixup makes ``DjangoTask`` the default only when ``DJANGO_SETTINGS_MODULE``
        is set at run time and Celery is 5.4 or newer, which the code does not show."""
        call = self.apps.get(app) if app is not None else None
        task_class = call.keyword("task_cls") if call is not None else None
        return task_class if isinstance(task_class, str) else None

    # -- task decorators ---------------------------------------------------------------

    def direct_decorator(self, index: ProjectIndex, name: str | None) -> TaskDecorator | None:
        """``shared_task``, ``<app>.task``: Celery's own task decorators."""
        if name is None:
            return None
        name = self.follow(name)
        if name in SHARED_TASK_DECORATORS:
            return TaskDecorator(app=None)
        owner, _, attribute = name.rpartition(".")
        if attribute == "task":
            app = self.app_named(index, owner)
            if app is not None:
                return TaskDecorator(app=app if app not in CURRENT_APPS else None)
        return None

    def task_decorator(self, index: ProjectIndex, name: str | None) -> TaskDecorator | None:
        """Celery's task decorators and the project's wrappers of them."""
        found = self.direct_decorator(index, name)
        if found is not None or name is None:
            return found
        if _configured(self.configured, name):
            return TaskDecorator(app=None)
        return self.wrapper(index, self.follow(name))

    def wrapper(self, index: ProjectIndex, name: str) -> TaskDecorator | None:
        """A project wrapper of a task decorator, followed one level: a module-level alias
        (``task = app.task``), decorator (``low_task = app.task(queue="low")``) or
        ``functools.partial`` of one, or a module-level function whose body applies one
        (``return shared_task(*args, **kwargs)``)."""
        if name not in self._wrappers:
            self._wrappers[name] = None
            self._wrappers[name] = self._find_wrapper(index, name)
        return self._wrappers[name]

    def _find_wrapper(self, index: ProjectIndex, name: str) -> TaskDecorator | None:
        value = self.values.get(name)
        if value is not None:
            if value.call is None:  # an alias, or a value that is no decorator
                return self.direct_decorator(index, value.reference)
            found = self.direct_decorator(index, value.call.applied)
            if found is None:
                return None
            return TaskDecorator(found.app, value.call.keywords)
        # Every call in the body is tried, in the order a walk meets them.
        for call in self._function_calls(index, name):
            found = self.direct_decorator(index, call.applied)
            if found is not None:
                return TaskDecorator(found.app, call.keywords)
        return None

    def _function_calls(self, index: ProjectIndex, name: str) -> tuple[DecoratorCall, ...]:
        """The calls in the body of the module-level function ``name`` (the first of its
        name in its module), as its module's export lists them."""
        info = index.functions.resolve(name)
        if info is None or info.nested_in_function or info.is_method:
            return ()
        return self.functions.get(info.path, {}).get(info.name, ())

    def wrapper_names(self, index: ProjectIndex) -> Iterator[str]:
        """The project's wrappers of the task decorator, for the prefilter."""
        for name in self.undecorated:
            if self.wrapper(index, name) is not None:
                yield name.rpartition(".")[2]
        for name in self.values:
            if self.wrapper(index, name) is not None:
                yield name.rpartition(".")[2]

    # -- task classes ------------------------------------------------------------------

    @staticmethod
    def inherited(index: ProjectIndex, qualified_name: str, attribute: str) -> ValueInfo | None:
        """The value a project class or its nearest project ancestor assigns to
        ``attribute`` in its body (``queue = "low"`` on a base task), as the index keeps
        each class's attributes."""
        for ancestor in index.project_ancestors(qualified_name):
            value = ancestor.attribute(attribute)
            if value is not None:
                return value
        return None

    # -- routes ------------------------------------------------------------------------

    def routing(self, index: ProjectIndex) -> Routing:
        if self._routing is None:
            self._routing = Routing()
            for app in self.apps:
                value = self.values.get(app)
                if value is not None and value.task_routes is not None:
                    self._add_routes(value.task_routes)
            for setting in self.route_settings:
                if setting.app is None or self.app_named(index, setting.app) is not None:
                    self._add_routes(setting.value)
        return self._routing

    def _add_routes(self, setting: PlainValue) -> None:
        assert self._routing is not None
        value = self._module_value(setting)
        for router in value.elements if value.elements is not None else (value,):
            mapping = self._module_value(router)
            if mapping.routes is None:
                self._routing.add(OPAQUE_ROUTE)
                continue
            for route in mapping.routes:
                self._routing.add(OPAQUE_ROUTE if route is None else route)

    def _module_value(self, value: PlainValue) -> PlainValue:
        """A module-level name stands for the value assigned to it (``task_routes =
        ROUTES``)."""
        if value.reference is not None:
            found = self.values.get(self.follow(value.reference))
            if found is not None:
                return found
        return value


_PROJECTS: weakref.WeakKeyDictionary[ProjectIndex, _Project] = weakref.WeakKeyDictionary()


def _project(index: ProjectIndex) -> _Project:
    found = _PROJECTS.get(index)
    if found is None:
        found = _PROJECTS[index] = _Project(index)
    return found


def _configured(configured: dict[str, str], name: str) -> bool:
    """A ``task-decorators`` entry naming ``name``, exactly or by dotted suffix (the
    setting may be written from a ``src`` root the index does not see, or the reverse)."""
    return any(
        name == entry or name.endswith("." + entry) or entry.endswith("." + name)
        for entry in configured
    )


def learned_needles(index: ProjectIndex) -> Iterable[bytes]:
    """The names a file must mention to use Celery without naming it.

    An app object is imported from its module (``from proj.worker import app``,
    ``import proj.worker``, ``from proj import worker``): every such file names the
    module, so the module's last name is the needle, not the app's own (``app``, which
    nearly every file of a web project mentions). Imports under another name add it
    (``from .celery import app as celery_app``); project task base classes, ``Celery``
    subclasses and wrappers of the task decorator (found in the code or configured) add
    their names."""
    project = _project(index)
    needles = {_module_needle(name) for name in project.apps}
    for name, info in index.classes.items():
        if project.is_task_class(index, name) or project.is_app_class(index, name):
            needles.add(info.name)
    needles.update(name.rpartition(".")[2] for name in project.configured)
    needles.update(project.wrapper_names(index))
    for alias, target in project.re_exports.items():
        bound, imported = alias.rpartition(".")[2], target.rpartition(".")[2]
        job = index.jobs.resolve(project.follow(target))
        if bound == imported:
            continue  # a plain import (or a re-export under the same name)
        if project.app_named(index, target) is not None or (
            job is not None and job.framework == FRAMEWORK and bound != job.name
        ):
            needles.add(bound)
    return (needle.encode() for needle in needles if needle)


def _module_needle(name: str) -> str:
    """``worker`` for ``proj.worker.app``; the name itself for a top-level one."""
    module, _, bound = name.rpartition(".")
    return module.rpartition(".")[2] if module else bound


# -- definitions -----------------------------------------------------------------------


class _Definitions(cst.CSTVisitor):
    def __init__(self, parsed: ParsedModule, index: ProjectIndex) -> None:
        self.parsed = parsed
        self.index = index
        self.project = _project(index)
        self.jobs: list[JobDefinition] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        for written in node.decorators:
            found = self.project.task_decorator(self.index, decorator(self.parsed, written).name)
            if found is not None:
                self._function_task(node, written, found)
                return

    def _function_task(
        self, node: cst.FunctionDef, written: cst.Decorator, found: TaskDecorator
    ) -> None:
        qualified = sorted(self.parsed.names_of(node))
        if not qualified:
            return
        args = written.decorator.args if isinstance(written.decorator, cst.Call) else ()
        here = _keywords(args)
        # What a project wrapper fixes (in its own module), then the decorator's keywords,
        # then what the task's `base=` class declares, for the options not given.
        keywords = {**dict(found.defaults), **dict(_keyword_values(self.parsed, args))}
        written_base = keywords.get("base")
        base = self._base_class(written_base.reference if written_base is not None else None)
        inherited = (
            {
                option: value.literal
                for option in CLASS_OPTIONS
                if option not in keywords
                for value in [self.project.inherited(self.index, base, option)]
                if value is not None
            }
            if base is not None
            else {}
        )
        options = (*((key, value.literal) for key, value in keywords.items()), *inherited.items())
        name = keywords.get("name")
        registered = self._registered_name(
            name.literal if name is not None else None, node.name.value, found.app
        )
        task_class = (
            written_base.reference
            if written_base is not None
            else self.project.app_task_class(found.app)
        )
        queue = keywords["queue"].literal if "queue" in keywords else inherited.get("queue")
        # A queue declared elsewhere (by a wrapper, a base class) is reported at the
        # decorator that brings it.
        anchor: cst.CSTNode = here.get("queue", written.decorator)
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
                queue=self._queue(queue, anchor, registered),
                perform=node,
                registered_name=registered,
                options=options,
                decorator=written,
                defers_on_commit=self.project.is_django_task(self.index, task_class),
                app=found.app,
            )
        )

    def _base_class(self, name: str | None) -> str | None:
        info = self.index.classes.resolve(self.project.follow(name)) if name else None
        return info.qualified_name if info is not None else None

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        qualified = sorted(self.parsed.names_of(node))
        if not qualified or not self.project.is_task_class(self.index, qualified[0]):
            return
        info = self.index.classes.get(qualified[0])
        if info is None:
            return
        # Options set in the class body or inherited from a project base class.
        values: dict[str, Literal] = {}
        for option in CLASS_OPTIONS:
            own = class_attribute(node, option)
            if own is not None:
                values[option] = literal(own)
                continue
            inherited = self.project.inherited(self.index, info.qualified_name, option)
            if inherited is not None:
                values[option] = inherited.literal
        name = class_attribute(node, "name")
        registered = self._registered_name(
            literal(name) if name is not None else None, info.name, None
        )
        own_queue = class_attribute(node, "queue")
        self.jobs.append(
            JobDefinition(
                framework=FRAMEWORK,
                name=info.name,
                qualified_name=info.qualified_name,
                path=self.parsed.path,
                module_name=self.parsed.module_name,
                name_span=self.parsed.recorded_span(node.name),
                node=node,
                is_class=True,
                base_names=info.base_names,
                base_spans=tuple(self.parsed.span(base.value) for base in node.bases),
                queue=self._queue(values.get("queue"), own_queue or node.name, registered),
                perform=method(node, "run"),
                is_abstract=self._is_abstract(info),
                registered_name=registered,
                options=tuple(values.items()),
                defers_on_commit=self.project.is_django_task(self.index, info.qualified_name),
            )
        )

    def _is_abstract(self, info: ClassInfo) -> bool:
        """A base for other tasks: marked abstract, or with no ``run`` to execute."""
        if info.marked_abstract:
            return True
        return not any(
            "run" in a.method_names
            for a in self.index.project_ancestors(info.qualified_name)
            if a.qualified_name not in TASK_BASES  # Celery's own, when checking Celery
        )

    def _queue(
        self, declared: Literal, anchor: cst.CSTNode, registered: str | None
    ) -> QueueDeclaration:
        """The task's own queue, as written (None when it declares none; ``anchor``, in
        this module, is where it is declared); when it has none, the one ``task_routes``
        gives its registered name."""
        if isinstance(declared, str):
            return QueueDeclaration(QueueKind.STATIC, declared, self.parsed.span(anchor))
        if declared is not None:
            return QueueDeclaration(QueueKind.DYNAMIC, None, self.parsed.span(anchor))
        # No queue, or `queue=None` (Celery's default): the routes decide.
        routed = self.project.routing(self.index).queue_for(registered)
        return routed if routed is not None else NO_QUEUE

    def _registered_name(self, written: Literal, name: str, app: str | None) -> str | None:
        """``name=`` when given (``written``, None when it is not; no name when it is
        computed); else Celery's default, ``<module>.<name>``, with the app's main name for
        a module run as ``__main__``."""
        if written is not None:
            return written if isinstance(written, str) else None
        module = self.parsed.module_name
        main = self.project.apps.get(app) if app is not None else None
        if module == "__main__" and main is not None:
            given = main.positional[0] if main.positional else main.keyword("main")
            if isinstance(given, str) and given:
                module = given
        return f"{module}.{name}" if module else name


def define_jobs(parsed: ParsedModule, index: ProjectIndex) -> list[JobDefinition]:
    visitor = _Definitions(parsed, index)
    for node in parsed.definitions:  # its only callbacks, in a walk's order
        if isinstance(node, cst.FunctionDef):
            visitor.visit_FunctionDef(node)
        else:
            visitor.visit_ClassDef(node)
    return visitor.jobs


# -- enqueue sites ---------------------------------------------------------------------


@dataclass
class _Call:
    """One enqueue call as Celery reads it: the task's arguments and the options."""

    arguments: list[cst.Arg]
    known: bool
    options: list[tuple[str, cst.BaseExpression]]


class _EnqueueSites(cst.CSTVisitor):
    def __init__(self, parsed: ParsedModule, index: ProjectIndex) -> None:
        self.parsed = parsed
        self.index = index
        self.project = _project(index)
        self.sites: list[EnqueueSite] = []

    def _name(self, node: cst.BaseExpression) -> str | None:
        """The qualified name a dotted name refers to. Never that of a call's result:
        libcst names ``chain(...)`` and ``chain(...)()`` alike."""
        inner: cst.BaseExpression = node
        while isinstance(inner, cst.Attribute):
            inner = inner.value
        return single_name(self.parsed, node) if isinstance(inner, cst.Name) else None

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and self._method_call(node, func.attr.value, func.value):
            return
        name = self._name(func)
        if name is None:
            return
        if name in SIGNATURE_FUNCTIONS:
            self._by_name(node, "signature", BY_NAME_SIGNATURE_POSITIONAL)
        elif name in SEND_TASK_FUNCTIONS:
            self._by_name(node, "send_task", SEND_TASK_POSITIONAL)
        else:
            job = self._job(name)
            if job is not None and not job.is_class:
                read = self._read(node.args, (), star_is_arguments=True)
                self._add(node, DIRECT_CALL, job, read, synchronous=True)

    def _method_call(self, node: cst.Call, method_name: str, receiver: cst.BaseExpression) -> bool:
        """A task's method (``t.delay(...)``) or an app's by-name API; whether it was one."""
        if method_name in TASK_METHODS:
            target = self._target_of(receiver)
            if target is not None:
                self._task_method(node, method_name, *target)
                return True
        if method_name in ("send_task", "signature"):
            app = self.project.app_named(self.index, self._name(receiver))
            if app is not None:
                positional = (
                    SEND_TASK_POSITIONAL
                    if method_name == "send_task"
                    else BY_NAME_SIGNATURE_POSITIONAL
                )
                self._by_name(node, method_name, positional)
                return True
        return False

    def _task_method(
        self,
        node: cst.Call,
        method_name: str,
        job: JobDefinition | None,
        registered_name: str | None,
    ) -> None:
        if method_name in ("delay", "delay_on_commit", "s", "si"):
            read = self._read(node.args, (), star_is_arguments=True)
        elif method_name in ("signature", "subtask"):
            read = self._read(node.args, SIGNATURE_POSITIONAL)
        elif method_name == "apply":
            read = self._read(node.args, APPLY_POSITIONAL)
        elif method_name in MAP_METHODS:
            # One call per item of an iterable: the arguments are not written here.
            read = _Call([], False, [])
        else:
            read = self._read(node.args, APPLY_ASYNC_POSITIONAL)
        synchronous = method_name in SYNCHRONOUS_METHODS
        if method_name in SIGNATURE_METHODS | MAP_METHODS:
            immutable = method_name == "si" or any(
                key == "immutable" and literal(value) is True for key, value in read.options
            )
            synchronous = self._signature_use(node, read, immutable)
            method_name = "signature" if method_name == "subtask" else method_name
        self._add(
            node, method_name, job, read, synchronous=synchronous, registered_name=registered_name
        )

    def _by_name(self, node: cst.Call, method_name: str, positional: Sequence[str]) -> None:
        """``send_task("name", ...)``, ``signature("name", ...)``: the task by the name it is
        registered under."""
        read = self._read(node.args, positional)
        written = dict(read.options).pop("name", None)
        read.options = [(key, value) for key, value in read.options if key != "name"]
        if written is None:
            return
        registered = literal(written)
        synchronous = False
        if method_name == "signature":
            if not isinstance(registered, str):
                return  # signature(a_dict) or signature(a_task): not by name
            immutable = any(
                key == "immutable" and literal(value) is True for key, value in read.options
            )
            synchronous = self._signature_use(node, read, immutable)
        name = registered if isinstance(registered, str) else None
        target = self._registered(name) if name is not None else None
        self._add(node, method_name, target, read, synchronous=synchronous, registered_name=name)

    def _add(
        self,
        node: cst.Call,
        method_name: str,
        job: JobDefinition | None,
        read: _Call,
        synchronous: bool = False,
        registered_name: str | None = None,
    ) -> None:
        self.sites.append(
            EnqueueSite(
                framework=FRAMEWORK,
                method=method_name,
                path=self.parsed.path,
                span=self.parsed.span(node),
                node=node,
                target=job.qualified_name if job is not None else None,
                arguments=tuple(read.arguments),
                arguments_known=read.known,
                options=tuple(read.options),
                synchronous=synchronous,
                target_registered_name=registered_name,
            )
        )

    # -- targets -----------------------------------------------------------------------

    def _target_of(
        self, receiver: cst.BaseExpression
    ) -> tuple[JobDefinition | None, str | None] | None:
        """The task an expression is: a task function, an instance of a task class
        (``SendEmailTask()``), or a task looked up by name (``app.tasks["name"]``)."""
        if isinstance(receiver, cst.Call):
            if receiver.args:
                return None
            job = self._job(self._name(receiver.func))
            return (job, None) if job is not None and job.is_class else None
        if isinstance(receiver, cst.Subscript):
            return self._task_by_lookup(receiver)
        job = self._job(self._name(receiver))
        return (job, None) if job is not None and not job.is_class else None

    def _task_by_lookup(self, node: cst.Subscript) -> tuple[JobDefinition | None, str] | None:
        if not (
            isinstance(node.value, cst.Attribute)
            and node.value.attr.value == "tasks"
            and len(node.slice) == 1
            and isinstance(node.slice[0].slice, cst.Index)
        ):
            return None
        app = self.project.app_named(self.index, self._name(node.value.value))
        name = literal(node.slice[0].slice.value)
        if app is None or not isinstance(name, str):
            return None
        return self._registered(name), name

    def _job(self, name: str | None) -> JobDefinition | None:
        if name is None:
            return None
        job = self.index.jobs.resolve(name)
        if job is None:
            followed = self.project.follow(name)  # `services.delete_project` re-exported
            job = self.index.jobs.resolve(followed) if followed != name else None
        if job is None or job.framework != FRAMEWORK or job.is_abstract:
            return None
        return job

    def _registered(self, name: str) -> JobDefinition | None:
        jobs = {
            job.qualified_name: job
            for job in self.index.jobs.by_registered_name(name)
            if job.framework == FRAMEWORK and not job.is_abstract
        }
        return next(iter(jobs.values())) if len(jobs) == 1 else None

    # -- signatures --------------------------------------------------------------------

    def _signature_use(self, node: cst.Call, read: _Call, immutable: bool) -> bool:
        """Follow a signature to where it is used: ``.set(...)`` and the outer
        ``.delay()``/``.apply_async(...)`` add options (and arguments, which then come
        first); in a chain, a chord's body or a callback, a mutable signature also
        receives the previous task's result, so its arguments are not all written here.
        Returns whether the signature is run in the caller (``.apply()``)."""
        current: cst.BaseExpression = node
        while True:
            parent = self.parsed.parents.get(current)
            grandparent = self.parsed.parents.get(parent) if parent is not None else None
            if not (
                isinstance(parent, cst.Attribute)
                and parent.value is current
                and isinstance(grandparent, cst.Call)
                and grandparent.func is parent
            ):
                break
            outer = parent.attr.value
            if outer in ("set", "options"):
                read.options.extend(_keywords(grandparent.args).items())
                if any(arg.star for arg in grandparent.args):
                    read.known = False
            elif outer in ("delay", "apply_async", "apply"):
                positional = APPLY_POSITIONAL if outer == "apply" else APPLY_ASYNC_POSITIONAL
                star = outer == "delay"
                more = self._read(
                    grandparent.args, () if star else positional, star_is_arguments=star
                )
                if more.arguments or not more.known:
                    read.known = False  # partial arguments: the outer ones go first
                read.arguments = [*more.arguments, *read.arguments]
                read.options.extend(more.options)
                return outer == "apply"
            else:
                break
            current = grandparent
        if not immutable and self._receives_result(current):
            read.known = False
        return False

    def _receives_result(self, node: cst.CSTNode) -> bool:
        """Whether a signature may be called with a parent task's result prepended, so
        that its arguments are not all written here: not first in a chain
        (``chain(a, b)``, ``a | b``), a chord's body, a callback (``link=``), given
        arguments when applied, or stored where this module does not follow it."""
        parents = self.parsed.parents
        child: cst.CSTNode = node
        element: int | None = None  # position in the list or tuple just passed through
        while True:
            parent = parents.get(child)
            if isinstance(parent, cst.Attribute) and parent.value is child:
                call = parents.get(parent)
                if not (isinstance(call, cst.Call) and call.func is parent):
                    return True
                applied = parent.attr.value
                if applied == "delay":
                    return bool(call.args)
                if applied in ("apply_async", "apply"):
                    return any(
                        arg.keyword is None or arg.star or arg.keyword.value in ("args", "kwargs")
                        for arg in call.args
                    )
                if applied not in ("set", "on_error", "link", "link_error", "options"):
                    return True
                child, element = call, None
            elif isinstance(parent, cst.Call) and parent.func is child:
                # Calling a signature applies it: `sig()`, `chord(header)(body)`.
                return bool(parent.args) and not self._is_chord(child)
            elif isinstance(parent, cst.Element):
                container = parents.get(parent)
                if not isinstance(container, cst.List | cst.Tuple | cst.Set):
                    return True
                element = next(i for i, e in enumerate(container.elements) if e is parent)
                child = container
            elif isinstance(parent, cst.GeneratorExp | cst.ListComp) and parent.elt is child:
                child, element = parent, 1  # one of many: not known to come first
            elif isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.BitOr):
                if parent.right is child:
                    return True
                child, element = parent, None
            elif isinstance(parent, cst.Arg):
                call = parents.get(parent)
                if not isinstance(call, cst.Call) or self._arg_receives_result(
                    call, parent, element
                ):
                    return True
                child, element = call, None
            else:
                # A statement of its own: built for its effect only. Anything else
                # (assigned, returned, passed on) is used where we cannot see.
                return not isinstance(parent, cst.Expr)

    def _arg_receives_result(self, call: cst.Call, arg: cst.Arg, element: int | None) -> bool:
        """Whether a signature given as ``arg`` to a canvas call receives a result. False
        only for the canvas primitives whose members keep their arguments: a group's
        members, a chord's header, a chain's first link."""
        name = self._name(call.func)
        keyword = arg.keyword.value if arg.keyword is not None else None
        position = next(i for i, candidate in enumerate(call.args) if candidate is arg)
        if name in GROUP_FUNCTIONS:
            return keyword is not None and keyword != "tasks"
        if name in CHORD_FUNCTIONS:
            return not (keyword == "header" or (keyword is None and position == 0))
        if name in CHAIN_FUNCTIONS:
            return keyword is not None or position > 0 or (element or 0) > 0
        return True

    def _is_chord(self, node: cst.CSTNode) -> bool:
        return isinstance(node, cst.Call) and self._name(node.func) in CHORD_FUNCTIONS

    # -- arguments ---------------------------------------------------------------------

    def _read(
        self,
        args: Sequence[cst.Arg],
        positional: Sequence[str],
        star_is_arguments: bool = False,
    ) -> _Call:
        """Sort a call's arguments into the task's arguments and options.

        ``star_is_arguments``: the call passes the task's arguments as they are
        (``delay(*args, **kwargs)``); otherwise ``positional`` names the call's positional
        parameters and ``args``/``kwargs`` hold the task's arguments."""
        if star_is_arguments:
            arguments: list[cst.Arg] = []
            known = True
            for arg in args:
                expanded = self._expand_star(arg)
                if expanded is None:
                    arguments.append(arg)
                    known = known and not arg.star
                else:
                    arguments.extend(expanded)
            return _Call(arguments, known, [])
        named: dict[str, cst.BaseExpression] = {}
        options: list[tuple[str, cst.BaseExpression]] = []
        known = True
        position = 0
        for arg in args:
            if arg.star == "*":
                known = False
                continue
            if arg.star == "**":
                value = self._local_literal(arg.value)
                if not isinstance(value, cst.Dict):
                    known = False
                    continue
                pairs = _dict_keywords(value)
                if pairs is None:
                    known = False
                    continue
                for key, item in pairs:
                    named[key] = item
                continue
            if arg.keyword is None:
                if position < len(positional):
                    named[positional[position]] = arg.value
                position += 1
                continue
            named[arg.keyword.value] = arg.value
        arguments = []
        if "args" in named:
            listed = self._positional_arguments(named.pop("args"))
            if listed is None:
                known = False
            else:
                arguments.extend(listed)
        if "kwargs" in named:
            listed = self._keyword_arguments(named.pop("kwargs"))
            if listed is None:
                known = False
            else:
                arguments.extend(listed)
        if "options" in named:
            value = self._local_literal(named.pop("options"))
            pairs = _dict_keywords(value) if isinstance(value, cst.Dict) else None
            options.extend(pairs or ())
        options.extend(named.items())
        return _Call(arguments, known, options)

    def _positional_arguments(self, value: cst.BaseExpression) -> list[cst.Arg] | None:
        if literal(value) is None:
            return []
        found = self._local_literal(value)
        if not isinstance(found, cst.List | cst.Tuple):
            return None
        arguments = []
        for element in found.elements:
            if not isinstance(element, cst.Element):
                return None
            arguments.append(cst.Arg(value=element.value))
        return arguments

    def _keyword_arguments(self, value: cst.BaseExpression) -> list[cst.Arg] | None:
        if literal(value) is None:
            return []
        found = self._local_literal(value)
        pairs = _dict_keywords(found) if isinstance(found, cst.Dict) else None
        if (
            pairs is None
            and isinstance(found, cst.Call)
            and self._name(found.func) == "builtins.dict"
            and all(arg.keyword is not None and not arg.star for arg in found.args)
        ):
            return [_keyword_arg(arg.keyword.value, arg.value) for arg in found.args if arg.keyword]
        if pairs is None:
            return None
        return [_keyword_arg(key, item) for key, item in pairs]

    def _expand_star(self, arg: cst.Arg) -> list[cst.Arg] | None:
        """``*items``/``**params`` of a local list or dict literal, as the arguments they
        stand for; None when it cannot be shown."""
        if not arg.star:
            return None
        if arg.star == "*":
            return (
                self._positional_arguments(arg.value) if isinstance(arg.value, cst.Name) else None
            )
        return self._keyword_arguments(arg.value) if isinstance(arg.value, cst.Name) else None

    def _local_literal(self, value: cst.BaseExpression) -> cst.BaseExpression:
        """A name assigned exactly once in its function (or module), and never changed
        after, stands for the value assigned: ``params = {...}; t.delay(**params)``."""
        if not isinstance(value, cst.Name):
            return value
        scope: cst.CSTNode = self.parsed.module
        for ancestor in self.parsed.ancestors(value):
            if isinstance(ancestor, cst.FunctionDef | cst.Lambda):
                scope = ancestor
                break
        finder = _Bindings(value.value)
        walk.walk(scope, finder)
        if len(finder.values) == 1 and not finder.changed:
            found = finder.values[0]
            if isinstance(found, cst.List | cst.Tuple | cst.Dict | cst.Call):
                return found
        return value


class _Bindings(cst.CSTVisitor):
    """Every assignment to one name in a scope, and whether it is changed in place."""

    MUTATORS = frozenset(
        {"update", "setdefault", "pop", "popitem", "clear", "append", "extend", "insert", "remove"}
    )

    def __init__(self, name: str) -> None:
        self.name = name
        self.values: list[cst.BaseExpression] = []
        self.changed = False

    def _is_name(self, node: cst.CSTNode) -> bool:
        return isinstance(node, cst.Name) and node.value == self.name

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if self._is_name(target.target):
                self.values.append(node.value)
            elif self._changes(target.target):
                self.changed = True

    def _changes(self, target: cst.BaseExpression) -> bool:
        """``name[key] = ...`` or ``name, other = ...``."""
        if isinstance(target, cst.Subscript):
            return self._is_name(target.value)
        return isinstance(target, cst.Tuple | cst.List) and any(
            self._is_name(n) for n in _names_in(target)
        )

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self._is_name(node.target) and node.value is not None:
            self.values.append(node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        target = node.target
        if self._is_name(target) or (
            isinstance(target, cst.Subscript) and self._is_name(target.value)
        ):
            self.changed = True

    def visit_Del(self, node: cst.Del) -> None:
        self.changed = True

    def visit_For(self, node: cst.For) -> None:
        if any(self._is_name(n) for n in _names_in(node.target)):
            self.changed = True

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and self._is_name(func.value)
            and func.attr.value in self.MUTATORS
        ):
            self.changed = True

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if self._is_name(node.target):
            self.changed = True


def _names_in(node: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    if isinstance(node, cst.Tuple | cst.List):
        for element in node.elements:
            yield from _names_in(element.value)
    else:
        yield node


def _keywords(args: Sequence[cst.Arg]) -> dict[str, cst.BaseExpression]:
    return {arg.keyword.value: arg.value for arg in args if arg.keyword is not None}


def _keyword_arg(key: str, value: cst.BaseExpression) -> cst.Arg:
    """``key=value`` as it would be written in a call."""
    no_space = cst.SimpleWhitespace("")
    return cst.Arg(
        value=value,
        keyword=cst.Name(key),
        equal=cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space),
    )


def _dict_keywords(node: cst.Dict) -> list[tuple[str, cst.BaseExpression]] | None:
    """A dict literal with identifier keys as keyword arguments; None otherwise."""
    pairs = []
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            return None
        key = literal(element.key)
        if not isinstance(key, str) or not key.isidentifier():
            return None
        pairs.append((key, element.value))
    return pairs


def find_enqueue_sites(parsed: ParsedModule, index: ProjectIndex) -> list[EnqueueSite]:
    visitor = _EnqueueSites(parsed, index)
    for call in parsed.calls:  # its only callback: the module's calls, as a walk meets them
        visitor.visit_Call(call)
    return visitor.sites
