"""Frontend for Huey (``huey``), with Django's ``huey.contrib.djhuey``.

A Huey task is a function decorated (anywhere in its decorator stack) with

- ``<h>.task(...)``, ``<h>.periodic_task(...)``, ``<h>.context_task(...)`` (and
  ``db_task``/``db_periodic_task``), where ``<h>`` is a Huey instance: a module-level name,
  in any module of the project and imported under any name (re-exports and aliases
  followed), or a local of the same function, bound to ``Huey``, ``RedisHuey``,
  ``SqliteHuey``, ``MemoryHuey``, ``PriorityRedisHuey`` or any other ``huey.*Huey`` class
  (or a project subclass of one; ``MiniHuey``, which runs tasks in greenlets of the
  caller's process, is left out), or djhuey's ``HUEY``. ``self.huey`` and helper objects'
  methods prove nothing;
- djhuey's ``task``, ``periodic_task``, ``db_task``, ``db_periodic_task`` and
  ``on_commit_task``;
- a project wrapper of one of these, followed one level: a module-level
  ``functools.partial`` or alias of it, or a project function whose body applies it
  (``def task(**kw): return huey.task(**kw)``); or a decorator the ``task-decorators``
  setting maps to ``"huey"``.

Another module is read through what it exports (``HueyExport``), never through its tree:
its re-exports, and, when it names Huey, its module-level values and an outline of its
functions (``ModuleBindings``), so an instance, an alias or a wrapper is followed into a
module that says "huey", "Huey" or "HUEY".

The decorator must be called (``@huey.task()``): ``@huey.task`` without the call makes no
task. Its keywords are the job's options (``retries``, ``retry_delay``, ``retry_backoff``,
``priority``, ``expires``, ``timeout``, ``context``, ``name``); a ``lock_task("name")`` in
the same stack adds the option ``lock_task``. The registered name is Huey's registry key,
``<module>.<name= or the function's name>``.

Queue: Huey has no queue per task: one Huey instance is one queue, named by the
instance's ``name`` (its first argument or ``name=``). A task's queue is that name when it
is a literal and null otherwise (absent, computed, djhuey's settings-made ``HUEY``, a
``task-decorators`` entry): a computed instance name is not a per-task dynamic queue,
since every task of the instance shares it. The declaration has no span (it is written
where the instance is created, usually in another module).

Enqueue sites (``method`` as written):

- ``task(...)``: a plain call of the task enqueues it (``call``; ``call_on_commit`` for
  djhuey's ``on_commit_task``, which enqueues when the transaction commits: such tasks
  carry the option ``on_commit``);
- ``task.schedule(args=(...), kwargs={...}, delay=, eta=, priority=, ...)``: ``args`` is a
  tuple (positional or keyword), ``schedule(60)``/``schedule(timedelta(...))`` without
  ``delay``/``eta`` is a delay;
- ``task.call_local(...)``: runs the function in the caller (``synchronous``);
- ``task.s(...)``: a signature (pipelines, ``group``, ``huey.enqueue``), with ``eta``,
  ``delay``, ``priority``... as options;
- ``.then(task, ...)`` / ``.error(task, ...)`` on a pipeline, ``chord(..., task)`` and
  ``task.map(iterable)``: the parent's result (or each item) is added to the arguments at
  run time, so ``arguments_known`` is False there, and for a ``task.s(...)`` written
  directly as the argument of ``then``/``error``.
Anything whose target is not a Huey task is left out: a function named ``task``, an
object with a ``schedule`` method, Locust's, Prefect's or Invoke's ``@task``.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from joblint.analysis.frameworks import (
    ControlException,
    DecoratorOrder,
    Encoding,
    FrameworkDescription,
    MomentOption,
    ResultWait,
    SerializerDescription,
    SuppliedArguments,
    SynchronousCall,
    WaitsWhen,
)
from joblint.analysis.model import (
    NO_QUEUE,
    EnqueueSite,
    JobDefinition,
    Literal,
    QueueDeclaration,
    QueueKind,
)
from joblint.analysis.symbols import literal, single_name
from joblint.frameworks.shared import (
    PARTIALS,
    BindingTable,
    Invocation,
    LocalTable,
    ModuleBindings,
    ProjectBindings,
    Reference,
    Text,
    Value,
    bind_arguments,
    bind_leading,
    bindings,
    calls_in,
    decorator_parts,
    function_defs,
    keyword_literals,
    mapping_arguments,
    module_bindings,
    qualified_name_of,
    sequence_arguments,
    split_arguments,
    string_value,
    wrapper_candidates,
    wrapper_names,
)

if TYPE_CHECKING:
    from joblint.analysis.index import ProjectIndex
    from joblint.parse.parsing import ParsedModule

FRAMEWORK = "huey"
NEEDLES: tuple[bytes, ...] = (b"huey", b"Huey", b"HUEY")
WORDS: tuple[bytes, ...] = ()

DESCRIPTION = FrameworkDescription(
    name=FRAMEWORK,
    display_name="Huey",
    moment_options=(MomentOption("eta", relative="delay"),),
    naive_moment_outcome=(
        "Huey reads it as local or UTC time depending on the instance's `utc` setting"
    ),
    serializers=(SerializerDescription("pickle", "Huey's pickle serializer", Encoding.PICKLE),),
    default_serializer="pickle",
    name_keyword="name",
    # `result.get()` returns None at once; `get(True)` / `get(blocking=True)` waits.
    result_waits=(ResultWait("get", WaitsWhen.ARGUMENT_TRUE, "blocking"),),
    task_decorators=frozenset({"task", "db_task", "periodic_task", "db_periodic_task"}),
    # `lock_task` goes under the task decorator.
    decorator_order=DecoratorOrder(below_task=frozenset({"lock_task"})),
    supplied_arguments=SuppliedArguments("context", keyword="task"),
    synchronous_calls=(
        SynchronousCall("call_local", advice="call the task (`task(...)`) to enqueue it"),
    ),
    control_exceptions=(
        *(
            ControlException(name, "the retry asked for is lost: the task is never retried")
            for name in ("huey.RetryTask", "huey.exceptions.RetryTask")
        ),
        *(
            ControlException(
                name, "the cancellation is lost: the task runs on as if nothing happened"
            )
            for name in ("huey.CancelExecution", "huey.exceptions.CancelExecution")
        ),
    ),
)

DJHUEY = "huey.contrib.djhuey"
DJHUEY_INSTANCE = f"{DJHUEY}.HUEY"
DJHUEY_DECORATORS = frozenset(
    f"{DJHUEY}.{name}"
    for name in ("task", "periodic_task", "db_task", "db_periodic_task", "on_commit_task")
)
DJHUEY_LOCK = f"{DJHUEY}.lock_task"
DJHUEY_ON_COMMIT = f"{DJHUEY}.on_commit_task"
TASK_METHODS = frozenset({"task", "periodic_task", "context_task", "db_task", "db_periodic_task"})
CHORDS = frozenset({"huey.chord", "huey.api.chord"})
GROUPS = frozenset({"huey.group", "huey.api.group"})

SCHEDULE_PARAMETERS = (
    "args", "kwargs", "eta", "delay", "priority", "retries", "retry_delay", "retry_backoff",
    "expires", "timeout", "id",
)  # fmt: skip
# Keywords `TaskWrapper.s()` takes for itself; the others go to the task.
SIGNATURE_OPTIONS = frozenset(
    {"eta", "delay", "id", "retries", "retry_delay", "retry_backoff", "priority", "expires",
     "timeout"}
)  # fmt: skip
# Calls on a task that the pipeline or the items complete at run time.
COMPLETED_LATER = frozenset({"then", "error"})


@dataclass(frozen=True)
class _Instance:
    """A Huey instance: one queue, named ``name`` when that is a literal."""

    name: str | None


@dataclass(frozen=True)
class _TaskDecorator:
    instance: _Instance | None  # None: not known (a `task-decorators` entry)
    on_commit: bool = False  # djhuey's `on_commit_task`: a call enqueues at commit


def _is_huey_class_name(name: str) -> bool:
    last = name.rpartition(".")[2]
    return name.startswith("huey.") and last.endswith("Huey") and last != "MiniHuey"


class _Project:
    """What Huey makes of one index: its instances and task decorators, from every
    module's export."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.exports = index.exports_of(FRAMEWORK, HueyExport)
        self.bindings = ProjectBindings(index, (exported.bindings for exported in self.exports))
        self._instances: dict[str, _Instance | None] = {}
        self._decorators: dict[str, _TaskDecorator | None] = {}

    def is_huey_class(self, name: str) -> bool:
        if _is_huey_class_name(name):
            return True
        name = self.bindings.alias_of(name)
        if _is_huey_class_name(name):
            return True
        info = self.index.classes.resolve(name)
        return info is not None and self.index.reaches(info.qualified_name, _is_huey_class_name)

    def instance(self, name: str | None) -> _Instance | None:
        """The Huey instance a module-level name is bound to, in any module."""
        if name is None or "<locals>" in name:
            return None
        if name == DJHUEY_INSTANCE:
            return _Instance(None)
        if name not in self._instances:
            self._instances[name] = self._find_instance(name)
        return self._instances[name]

    def _find_instance(self, name: str) -> _Instance | None:
        name = self.bindings.alias_of(name)
        if name == DJHUEY_INSTANCE:
            return _Instance(None)
        info = self.index.assignments.resolve(name)
        if info is None or info.value.function is None:
            return None
        if not self.is_huey_class(info.value.function):
            return None
        value = info.value.keyword("name") if info.value.has_keyword("name") else None
        if info.value.positional:
            value = info.value.positional[0]
        return _Instance(value if isinstance(value, str) else None)

    def instance_of(self, table: BindingTable, value: Value) -> _Instance | None:
        """The Huey instance ``value`` (written in the module ``table`` holds the bindings
        of) names: a module-level name of any module, or a local of the same function
        bound once to a Huey class's call."""
        name = value.name
        if name is None or "<locals>" not in name:
            return self.instance(name)
        bound = table.single(name)
        if not isinstance(bound, Invocation):
            return None
        callee = bound.callee.name
        if callee is None or not self.is_huey_class(callee):
            return None
        arguments, _, _ = bind_arguments(bound.arguments, ("name",))
        named = arguments.get("name")
        return _Instance(named.text if isinstance(named, Text) else None)

    def direct(self, table: BindingTable, callee: Value) -> _TaskDecorator | None:
        """``<instance>.task`` and the like, or djhuey's decorators."""
        if (
            isinstance(callee, Reference)
            and callee.attribute in TASK_METHODS
            and callee.receiver is not None
        ):
            instance = self.instance_of(table, callee.receiver)
            if instance is not None:
                return _TaskDecorator(instance)
        name = callee.name
        if name is not None and name not in DJHUEY_DECORATORS:
            name = self.bindings.canonical(name)
        if name in DJHUEY_DECORATORS:
            return _TaskDecorator(_Instance(None), on_commit=name == DJHUEY_ON_COMMIT)
        return None

    def decorator(self, table: BindingTable, callee: Value, called: bool) -> _TaskDecorator | None:
        """The task decorator ``@callee`` or ``@callee(...)`` stands for. Huey's own must
        be called (``@huey.task`` without the call makes no task); a project wrapper may be
        written either way."""
        found = self.direct(table, callee)
        if found is not None:
            return found if called else None
        name = callee.name
        if name is None:
            return None
        if self.index.task_decorators.get(name) == FRAMEWORK:
            return _TaskDecorator(None)
        return self.wrapper(name)

    def wrapper(self, name: str) -> _TaskDecorator | None:
        """A project alias, partial or function applying a task decorator (one level)."""
        if name not in self._decorators:
            self._decorators[name] = None
            self._decorators[name] = self._find_wrapper(name)
        return self._decorators[name]

    def _find_wrapper(self, name: str) -> _TaskDecorator | None:
        value = self.bindings.value_of(name)
        if value is not None:
            table, bound = value
            if isinstance(bound, Invocation) and bound.callee.name in PARTIALS:
                arguments, _, _ = bind_arguments(bound.arguments, ("func",))
                bound = arguments.get("func", bound)
            return self.direct(table, bound)
        function = self.bindings.function_def(name)
        if function is None:
            return None
        table, outline = function
        for call in outline.calls:
            found = self.direct(table, call.callee)
            if found is not None:
                return found
        return None


_PROJECTS: weakref.WeakKeyDictionary[ProjectIndex, _Project] = weakref.WeakKeyDictionary()


def _project(index: ProjectIndex) -> _Project:
    found = _PROJECTS.get(index)
    if found is None:
        found = _PROJECTS[index] = _Project(index)
    return found


@dataclass(frozen=True)
class HueyExport:
    """What a module tells the Huey frontend of itself, worked out from its own tree: its
    bindings (re-exports always; the values and functions other modules' readings follow
    into it, an instance or a wrapper, when it names Huey) and what it binds that may
    wrap a task decorator (then too)."""

    bindings: ModuleBindings
    wrappers: tuple[tuple[str, str], ...] = ()


def export(parsed: ParsedModule) -> HueyExport:
    """The module's ``HueyExport``: the fixed needles decide what is worked out, as they
    decided which modules' wrappers were looked for, so that the project's other modules
    are never walked."""
    names_huey = any(needle in parsed.source.data for needle in NEEDLES)
    return HueyExport(
        module_bindings(parsed, full=names_huey),
        wrapper_candidates(parsed) if names_huey else (),
    )


def learned_needles(index: ProjectIndex) -> Iterable[bytes]:
    """Names of Huey instances and of project wrappers of the task decorators: a module
    that imports one (``from app.config import queue_app``) may never say "huey"."""
    huey = _project(index)
    names = {
        name.rpartition(".")[2]
        for name, info in index.assignments.items()
        if info.value.function is not None and huey.is_huey_class(info.value.function)
    }
    names.update(
        name.rpartition(".")[2]
        for name, framework in index.task_decorators.items()
        if framework == FRAMEWORK
    )
    for exported in huey.exports:
        names.update(wrapper_names(exported.wrappers, lambda name: huey.wrapper(name) is not None))
    return (name.encode() for name in names if name)


def _task(
    local: LocalTable, node: cst.FunctionDef, huey: _Project
) -> tuple[cst.Decorator, _TaskDecorator, cst.Call | None] | None:
    for decorator in node.decorators:
        callee, call = decorator_parts(decorator)
        found = huey.decorator(local, local.reader.value(callee), called=call is not None)
        if found is not None:
            return decorator, found, call
    return None


def _lock_name(local: LocalTable, node: cst.FunctionDef, huey: _Project) -> Literal | None:
    for decorator in node.decorators:
        callee, call = decorator_parts(decorator)
        if call is None or not call.args:
            continue
        is_lock = single_name(local.parsed, callee) == DJHUEY_LOCK or (
            isinstance(callee, cst.Attribute)
            and callee.attr.value == "lock_task"
            and huey.instance_of(local, local.reader.value(callee.value)) is not None
        )
        if is_lock:
            return literal(call.args[0].value)
    return None


def define_jobs(parsed: ParsedModule, index: ProjectIndex) -> list[JobDefinition]:
    huey = _project(index)
    local = LocalTable(parsed)
    jobs = []
    for node in function_defs(parsed):
        found = _task(local, node, huey)
        qualified = qualified_name_of(parsed, node)
        if found is None or qualified is None:
            continue
        written, decorator, call = found
        options = keyword_literals(parsed, call)
        lock = _lock_name(local, node, huey)
        if lock is not None:
            options = (*options, ("lock_task", lock))
        if decorator.on_commit:
            options = (*options, ("on_commit", True))
        name: str | None = node.name.value
        for arg in call.args if call is not None else ():
            if arg.keyword is not None and arg.keyword.value == "name":
                name = string_value(arg.value)
        instance = decorator.instance
        queue = NO_QUEUE
        if instance is not None and instance.name is not None:
            queue = QueueDeclaration(QueueKind.STATIC, instance.name)
        jobs.append(
            JobDefinition(
                framework=FRAMEWORK,
                name=node.name.value,
                qualified_name=qualified,
                path=parsed.path,
                module_name=parsed.module_name,
                name_span=parsed.recorded_span(node.name),
                node=node,
                is_class=False,
                queue=queue,
                perform=node,
                registered_name=f"{parsed.module_name}.{name}" if name else None,
                options=options,
                decorator=written,
            )
        )
    return jobs


class _Sites:
    def __init__(self, parsed: ParsedModule, index: ProjectIndex) -> None:
        self.parsed = parsed
        self.index = index
        self.bindings = _project(index).bindings
        self.sites: list[EnqueueSite] = []
        self.completed_later: set[cst.Call] = set()

    def task(self, expression: cst.BaseExpression) -> str | None:
        """The qualified name of the Huey task ``expression`` names, or None."""
        if not isinstance(expression, cst.Name | cst.Attribute):
            return None
        name = single_name(self.parsed, expression)
        job = self.index.jobs.resolve(self.bindings.canonical(name)) if name else None
        return job.qualified_name if job is not None and job.framework == FRAMEWORK else None

    def is_pipeline(self, expression: cst.BaseExpression, depth: int = 0) -> bool:
        """A Huey signature, pipeline, group or chord (or a local bound to one)."""
        if isinstance(expression, cst.Call):
            func = expression.func
            if isinstance(func, cst.Attribute) and func.attr.value == "s":
                return self.task(func.value) is not None
            if isinstance(func, cst.Attribute) and func.attr.value in COMPLETED_LATER:
                return self.is_pipeline(func.value, depth)
            return single_name(self.parsed, func) in GROUPS | CHORDS
        if isinstance(expression, cst.Name) and depth < 2:
            name = single_name(self.parsed, expression)
            value = bindings(self.parsed).single(name) if name else None
            return value is not None and self.is_pipeline(value, depth + 1)
        return False

    def read(self) -> list[EnqueueSite]:
        calls = calls_in(self.parsed.module)
        for call in calls:  # arguments the pipeline completes at run time
            func = call.func
            later = isinstance(func, cst.Attribute) and func.attr.value in COMPLETED_LATER
            if later or single_name(self.parsed, func) in CHORDS:
                for arg in call.args:
                    if isinstance(arg.value, cst.Call):
                        self.completed_later.add(arg.value)
        for call in calls:
            self.read_call(call)
        return self.sites

    def read_call(self, call: cst.Call) -> None:
        func = call.func
        target = self.task(func)
        if target is not None:
            arguments, known, _ = split_arguments(self.parsed, call.args, frozenset())
            job = self.index.jobs.resolve(target)
            deferred = job is not None and ("on_commit", True) in job.options
            self.add(call, "call_on_commit" if deferred else "call", target, arguments, known)
            return
        if single_name(self.parsed, func) in CHORDS:
            bound, _, _ = bind_leading(call.args, ("tasks", "callback"))
            callback = self.task(bound["callback"]) if "callback" in bound else None
            if callback is not None:
                self.add(call, "chord", callback, [], False)
            return
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method in COMPLETED_LATER:
            bound, rest, _ = bind_leading(call.args, ("task",))
            target = self.task(bound["task"]) if "task" in bound else None
            if target is not None and self.is_pipeline(func.value):
                arguments, _, _ = split_arguments(self.parsed, rest, frozenset())
                self.add(call, method, target, arguments, False)
            return
        target = self.task(func.value)
        if target is None:
            return
        if method == "schedule":
            self.schedule(call, target)
        elif method == "call_local":
            arguments, known, _ = split_arguments(self.parsed, call.args, frozenset())
            self.add(call, method, target, arguments, known, synchronous=True)
        elif method == "s":
            arguments, known, options = split_arguments(self.parsed, call.args, SIGNATURE_OPTIONS)
            known = known and call not in self.completed_later
            self.add(call, method, target, arguments, known, options)
        elif method == "map":
            self.add(call, method, target, [], False)

    def schedule(self, call: cst.Call, target: str) -> None:
        bound, _, clear = bind_leading(call.args, SCHEDULE_PARAMETERS)
        first = bound.get("args")
        if first is not None and "eta" not in bound and "delay" not in bound:
            # `schedule(60)`, `schedule(timedelta(...))`: the delay, or a datetime: the eta
            callee = single_name(self.parsed, first.func) if isinstance(first, cst.Call) else None
            if isinstance(first, cst.Integer | cst.Float) or callee == "datetime.timedelta":
                bound["delay"] = bound.pop("args")
            elif callee is not None and callee.startswith("datetime."):
                bound["eta"] = bound.pop("args")
        positional, known_positional = sequence_arguments(self.parsed, bound.pop("args", None))
        keywords, known_keywords = mapping_arguments(self.parsed, bound.pop("kwargs", None))
        options = [(name, bound[name]) for name in SCHEDULE_PARAMETERS if name in bound]
        known = clear and known_positional and known_keywords
        self.add(call, "schedule", target, [*positional, *keywords], known, options)

    def add(
        self,
        call: cst.Call,
        method: str,
        target: str,
        arguments: Sequence[cst.Arg],
        known: bool,
        options: Sequence[tuple[str, cst.BaseExpression]] = (),
        synchronous: bool = False,
    ) -> None:
        self.sites.append(
            EnqueueSite(
                framework=FRAMEWORK,
                method=method,
                path=self.parsed.path,
                span=self.parsed.span(call),
                node=call,
                target=target,
                arguments=tuple(arguments),
                arguments_known=known,
                options=tuple(options),
                synchronous=synchronous,
            )
        )


def find_enqueue_sites(parsed: ParsedModule, index: ProjectIndex) -> list[EnqueueSite]:
    if not any(job.framework == FRAMEWORK for job in index.jobs.all):
        return []
    return _Sites(parsed, index).read()
