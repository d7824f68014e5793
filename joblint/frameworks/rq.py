"""Frontend for RQ (``rq``) and django-rq (``django_rq``).

RQ keeps no registry of tasks: any importable function becomes a job when it is put on a
queue. So a function is an RQ job when it is

- DECORATED with ``rq.decorators.job`` or ``django_rq.job`` (directly, through a project
  subclass of rq's ``job``, a module-level ``functools.partial`` of either, a project
  function whose body applies either, or a name the ``task-decorators`` setting maps to
  ``"rq"``), or
- ENQUEUED: the function argument of ``enqueue``, ``enqueue_call``, ``enqueue_at``,
  ``enqueue_in`` or ``Queue.prepare_data`` (for ``enqueue_many``) on something shown to be
  an RQ queue, or of ``django_rq.enqueue``: a reference resolving to a project function,
  or a dotted string ``"pkg.mod.func"`` (its registered name: RQ imports jobs by dotted
  path, so every RQ job is registered under its qualified name).

An RQ queue is a ``Queue(...)`` (``rq.Queue``, django-rq's ``DjangoRQ``, or a project
subclass) or ``django_rq.get_queue(...)`` call, or a name bound to one: a local variable
of the same function, a module-level name of the same module, or a module-level name of
another module that names rq or django-rq (``queue = Queue("low")`` in ``app/queues.py``).
A parameter, ``self.queue`` or a helper's return value proves nothing, and such calls
define no job.

Cross-module design: each module's ``define_jobs`` only sees its own tree, yet the call
that makes ``tasks.send_report`` a job usually sits in another module. So every module
that mentions ``enqueue`` or ``prepare_data`` exports its calls that may enqueue
(``export``: ``RqExport.calls``, plain ``EnqueueCall`` values, names resolved where they
are written); the first ``define_jobs`` call for an index reads them all (which are on
proven queues, which project functions they target, on which queues) and caches that per
index. ``learned_needles`` reports the targets' names, so a module that only defines an
enqueued function (and never mentions RQ) is still parsed. What a reading follows into
another module (a queue object or an alias bound there, a wrapper of the decorator
defined there, a re-export) it finds in that module's exported bindings
(``ModuleBindings``), never in its tree: a module's values and functions are exported
when it names rq or django-rq, its re-exports always.

Queue of a job: a decorated job's queue is the decorator's queue argument (the queue name
a ``Queue`` object passed there carries). An undecorated job's queue belongs to its
enqueue sites: the one literal name when every proven site agrees (a ``Queue()`` without a
name counts as RQ's ``"default"``), none when no site names a queue, and "dynamic" when
the sites use several queues or any site's queue name is computed. The declaration's span
is only set for a decorator argument (enqueue sites may be in other files).

Enqueue sites: the calls above (``method`` as written; ``enqueue_many`` for each
``prepare_data`` inside an ``enqueue_many`` argument), ``f.delay(...)`` and
``f.enqueue(...)`` on decorated jobs, with the job's own arguments normalised (explicit
``args=``/``kwargs=``, ``**params`` of a local dict literal) and RQ's options kept apart
(``job_timeout``, ``retry``, ``job_id``, ``unique``...; ``enqueue_at``/``enqueue_in`` hold
the time argument; ``queue`` the queue name expression when it is written in the same
module). A site on a proven queue whose function cannot be resolved is kept with target
None. ``x.enqueue(job, ...)`` on a receiver that cannot be shown to be a queue is kept
only when ``job`` is already an RQ job, and its arguments are then not claimed
(``arguments_known=False``): a project's own ``enqueue`` may take other parameters.

The call helpers it shares with the Huey frontend (bindings of local names, argument
normalisation, module-level values across modules) live in ``joblint.frameworks.shared``.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from joblint.analysis.frameworks import (
    DelayForm,
    Encoding,
    FrameworkDescription,
    MomentOption,
    ResultWait,
    SerializerDescription,
    WaitsWhen,
)
from joblint.analysis.model import (
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
    Choice,
    FunctionOutline,
    Invocation,
    LocalTable,
    ModuleBindings,
    ProjectBindings,
    Reference,
    Text,
    Value,
    ValueReader,
    bind_arguments,
    bind_leading,
    bindings,
    decorator_parts,
    function_defs,
    keyword_literals,
    mapping_arguments,
    module_bindings,
    qualified_name_of,
    sequence_arguments,
    split_arguments,
    value_reader,
    wrapper_candidates,
    wrapper_names,
)

if TYPE_CHECKING:
    from joblint.analysis.index import ProjectIndex
    from joblint.parse.parsing import ParsedModule

FRAMEWORK = "rq"
# Files that import rq or django-rq, or call an enqueue API; modules that only define an
# enqueued function, or use a project wrapper of `job`, are learned (`learned_needles`).
# The enqueue API is named by whole words: `enqueue` within a project's `enqueue_job` or
# `enqueue_email` helper (a Dramatiq app's, say) is no RQ call, and on polar that word
# alone kept 140 files whose trees no frontend had any use for.
IMPORT_NEEDLES: tuple[bytes, ...] = (b" rq", b",rq", b"django_rq")
NEEDLES: tuple[bytes, ...] = (*IMPORT_NEEDLES, b"prepare_data(")
WORDS: tuple[bytes, ...] = (
    b"enqueue",
    b"enqueue_at",
    b"enqueue_call",
    b"enqueue_in",
    b"enqueue_many",
)

DESCRIPTION = FrameworkDescription(
    name=FRAMEWORK,
    display_name="RQ",
    queue_options=frozenset({"queue"}),
    moment_options=(
        MomentOption(
            "enqueue_at",
            relative="enqueue_in",
            relative_form=DelayForm.METHOD,
            written_as="the time given to `enqueue_at`",
        ),
    ),
    naive_moment_outcome="RQ reads it as UTC",
    serializers=(
        SerializerDescription("pickle", "RQ's default pickle serializer", Encoding.PICKLE),
    ),
    default_serializer="pickle",
    # `job.latest_result(timeout=N)` waits up to N seconds; 0 (the default) does not.
    result_waits=(ResultWait("latest_result", WaitsWhen.ARGUMENT_NONZERO, "timeout"),),
    bulk_enqueue="`queue.enqueue_many([Queue.prepare_data(...), ...])`",
)

QUEUE_CLASSES = frozenset({"rq.Queue", "rq.queue.Queue", "django_rq.queues.DjangoRQ"})
QUEUE_FACTORIES = frozenset({"django_rq.get_queue", "django_rq.queues.get_queue"})
RQ_JOB_DECORATOR = "rq.decorators.job"
DJANGO_JOB_DECORATORS = frozenset({"django_rq.job", "django_rq.decorators.job"})
DJANGO_ENQUEUE = frozenset({"django_rq.enqueue", "django_rq.queues.enqueue"})
RETRY_CLASSES = frozenset({"rq.Retry", "rq.job.Retry", "rq.retry.Retry"})

QUEUE_ENQUEUE_METHODS = frozenset({"enqueue", "enqueue_call", "enqueue_at", "enqueue_in"})
DECORATED_ENQUEUE_METHODS = frozenset({"delay", "enqueue"})
# Keywords `Queue.enqueue()` (`Queue.parse_args`) takes for itself; the others go to the job.
ENQUEUE_OPTIONS = frozenset(
    {
        "job_timeout", "description", "result_ttl", "ttl", "failure_ttl", "depends_on",
        "job_id", "at_front", "meta", "retry", "repeat", "on_success", "on_failure",
        "on_stopped", "rate_limit", "webhooks", "pipeline", "unique",
    }
)  # fmt: skip
# Keywords the function a `@job` decorator returns (`f.delay`) keeps for itself.
DELAY_OPTIONS = frozenset({"depends_on", "job_id", "at_front"})
# Leading parameters of the enqueue APIs, by method.
LEADING: dict[str, tuple[str, ...]] = {
    "enqueue": ("f",),
    "enqueue_at": ("datetime", "f"),
    "enqueue_in": ("time_delta", "func"),
    "enqueue_call": ("func", "args", "kwargs"),
    "prepare_data": ("func", "args", "kwargs"),
    "django_rq.enqueue": ("func",),
}
TIME_ARGUMENTS = {"enqueue_at": "datetime", "enqueue_in": "time_delta"}


# -- queues ----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRef:
    """A queue shown to be an RQ queue: its name (kind and literal), and the value naming
    it when that is written in the module being read (``source``: its node is the
    enqueue site's ``queue`` option)."""

    kind: QueueKind
    name: str | None = None
    source: Value | None = field(default=None, compare=False)

    def declaration(
        self, span_of: cst.BaseExpression | None, parsed: ParsedModule
    ) -> QueueDeclaration:
        span = parsed.span(span_of) if span_of is not None else None
        return QueueDeclaration(self.kind, self.name, span)


def _name_ref(value: Value | None) -> QueueRef:
    if value is None:
        return QueueRef(QueueKind.NONE)
    if isinstance(value, Text):
        return QueueRef(QueueKind.STATIC, value.text, value)
    return QueueRef(QueueKind.DYNAMIC, None, value)


def _merge(refs: Sequence[QueueRef | None]) -> QueueRef:
    """One queue for several: the same literal everywhere, none when nothing names one,
    dynamic otherwise (``Queue()`` without a name is RQ's "default")."""
    if len(refs) == 1 and refs[0] is not None:
        return refs[0]
    if not refs or any(ref is None or ref.kind is QueueKind.DYNAMIC for ref in refs):
        return QueueRef(QueueKind.DYNAMIC)
    names = {ref.name if ref.kind is QueueKind.STATIC else "default" for ref in refs if ref}
    if len(names) != 1:
        return QueueRef(QueueKind.DYNAMIC)
    if all(ref is not None and ref.kind is QueueKind.NONE for ref in refs):
        return QueueRef(QueueKind.NONE)
    return QueueRef(QueueKind.STATIC, names.pop())


# -- the decorator ---------------------------------------------------------------------


@dataclass(frozen=True)
class _JobDecorator:
    """How a decorator (rq's `job`, django-rq's, or a project wrapper of one) takes its
    queue: fixed by the wrapper, or the call's argument at ``position``/``keywords``."""

    fixed: QueueRef | None = None
    position: int | None = 0
    keywords: tuple[str, ...] = ("queue",)
    default: QueueRef | None = None

    def queue(self, parsed: ParsedModule, call: cst.Call | None, rq: _Project) -> QueueDeclaration:
        if self.fixed is not None:
            return QueueDeclaration(self.fixed.kind, self.fixed.name)
        argument = None
        if call is not None:
            positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
            if self.position is not None and self.position < len(positional):
                argument = positional[self.position].value
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value in self.keywords:
                    argument = arg.value
        if argument is None:
            default = self.default or QueueRef(QueueKind.NONE)
            return QueueDeclaration(default.kind, default.name)
        local = LocalTable(parsed)
        ref = rq.queue_argument(local, local.reader.value(argument))
        return ref.declaration(argument, parsed)


DIRECT_RQ = _JobDecorator()
DIRECT_DJANGO = _JobDecorator(keywords=("func_or_queue",))


# -- enqueue calls as a module writes them ---------------------------------------------


@dataclass(frozen=True)
class EnqueueCall:
    """A call that may be one of RQ's enqueue calls, as its module writes it:
    ``receiver.method(...)``, or django-rq's ``enqueue(...)`` (no receiver), with the
    function argument it passes (``target``) and whether its leading arguments can be
    told apart (``clear``). Whether it is RQ's (a proven queue? a decorated job?)
    depends on other modules, so it is decided where the call is read: the module
    exports its calls so, and ``_Project.read`` decides for its own module and for the
    others alike."""

    method: str
    receiver: Value | None
    target: Value | None
    clear: bool = True
    # For a `prepare_data(...)` listed in `enqueue_many(...)` calls: their receivers.
    batches: tuple[Value, ...] = ()


@dataclass(frozen=True)
class _Reading:
    """What an enqueue call is, read with the whole project: the method it counts as,
    whether it is RQ's API, the queue it puts the job on (None: unknown), and whether it
    enqueues a decorated job (``f.delay(...)``: the receiver is the target)."""

    method: str
    queue: QueueRef | None
    proven: bool = True
    decorated: bool = False


@dataclass
class _Site:
    """One RQ enqueue call of the module being read, before its target is resolved."""

    node: cst.Call
    method: str
    proven: bool  # the call is RQ's API (a proven queue, django_rq.enqueue, a decorated job)
    queue: QueueRef | None  # None: unknown
    target: Value | None
    arguments: list[cst.Arg]
    arguments_known: bool
    options: list[tuple[str, cst.BaseExpression]]
    decorated: bool = False  # `f.delay(...)`: the target is the receiver


class _Project:
    """What RQ makes of one index: decorators, queues, and which project functions the
    project's enqueue calls target (computed once per index), from every module's
    export."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.exports = index.exports_of(FRAMEWORK, RqExport)
        self.bindings = ProjectBindings(index, (exported.bindings for exported in self.exports))
        self._decorators: dict[str, _JobDecorator | None] = {}
        self._readings: list[tuple[EnqueueCall, _Reading]] | None = None
        self._enqueued: dict[str, list[QueueRef | None]] | None = None
        self._sites: weakref.WeakKeyDictionary[ParsedModule, list[_Site]] = (
            weakref.WeakKeyDictionary()
        )

    # -- classes and decorators

    def is_queue_class(self, name: str) -> bool:
        if name in QUEUE_CLASSES:
            return True
        name = self.bindings.alias_of(name)
        if name in QUEUE_CLASSES:
            return True
        info = self.index.classes.resolve(name)
        return info is not None and self.index.reaches(info.qualified_name, _is_queue_root)

    def direct_decorator(self, name: str | None) -> _JobDecorator | None:
        if name is None:
            return None
        if name in DJANGO_JOB_DECORATORS:
            return DIRECT_DJANGO
        if name == RQ_JOB_DECORATOR:
            return DIRECT_RQ
        if name.startswith(("rq.", "django_rq.")):
            return None
        name = self.bindings.alias_of(name)
        if name in DJANGO_JOB_DECORATORS:
            return DIRECT_DJANGO
        if name == RQ_JOB_DECORATOR:
            return DIRECT_RQ
        info = self.index.classes.resolve(name)
        if info is not None and self.index.reaches(info.qualified_name, _is_job_root):
            return DIRECT_RQ
        return None

    def decorator(self, name: str | None) -> _JobDecorator | None:
        """The RQ job decorator ``name`` stands for, following project wrappers one
        level: a partial, an alias, a function whose body applies it, or the setting."""
        if name is None:
            return None
        if name not in self._decorators:
            self._decorators[name] = None  # no recursion through cycles
            self._decorators[name] = self._find_decorator(name)
        return self._decorators[name]

    def _find_decorator(self, name: str) -> _JobDecorator | None:
        direct = self.direct_decorator(name)
        if direct is not None:
            return direct
        if self.index.task_decorators.get(name) == FRAMEWORK:
            return DIRECT_RQ
        value = self.bindings.value_of(name)
        if value is not None:
            return self._from_value(*value)
        function = self.bindings.function_def(name)
        if function is not None:
            return self._from_wrapper(*function)
        return None

    def _from_value(self, table: BindingTable, value: Value) -> _JobDecorator | None:
        if isinstance(value, Reference):
            return self.direct_decorator(value.name)
        if not isinstance(value, Invocation) or value.callee.name not in PARTIALS:
            return None
        bound, rest, clear = bind_arguments(value.arguments, ("func",))
        inner = self.direct_decorator(bound["func"].name) if "func" in bound else None
        if inner is None or not clear:
            return None
        fixed = [arg for arg in rest if arg.keyword is None and not arg.star]
        if any(arg.star for arg in rest):
            return _JobDecorator(fixed=QueueRef(QueueKind.DYNAMIC))
        if inner.position is not None and inner.position < len(fixed):
            return _JobDecorator(fixed=self.queue_argument(table, fixed[inner.position].value))
        for arg in rest:
            if arg.keyword is not None and arg.keyword in inner.keywords:
                return _JobDecorator(fixed=self.queue_argument(table, arg.value))
        position = None if inner.position is None else inner.position - len(fixed)
        return _JobDecorator(position=position, keywords=inner.keywords)

    def _from_wrapper(self, table: BindingTable, function: FunctionOutline) -> _JobDecorator | None:
        for call in function.calls:
            inner = self.direct_decorator(call.callee.name)
            if inner is None:
                continue
            bound, _, clear = bind_arguments(call.arguments, inner.keywords)
            argument = bound.get(inner.keywords[0])
            if argument is None:
                star = next((arg for arg in call.arguments if arg.star == "*"), None)
                if not clear and star is not None and function.is_star(star.value):
                    return _JobDecorator(keywords=inner.keywords)
                return _JobDecorator(fixed=QueueRef(QueueKind.NONE))
            parameter = function.parameter(argument)
            if parameter is None:
                return _JobDecorator(fixed=self.queue_argument(table, argument))
            position, name, default = parameter
            return _JobDecorator(
                position=position,
                keywords=(name,),
                default=self.queue_argument(table, default) if default is not None else None,
            )
        return None

    # -- queues

    def queue_argument(self, table: BindingTable, value: Value) -> QueueRef:
        """A decorator's queue argument: a name, or a queue object carrying one."""
        if isinstance(value, Text):
            return _name_ref(value)
        found = self.queue_of(table, value)
        if found is not None:
            return QueueRef(found.kind, found.name, value)
        return QueueRef(QueueKind.DYNAMIC, None, value)

    def queue_of(self, table: BindingTable, value: Value, depth: int = 0) -> QueueRef | None:
        """The queue ``value`` (written in the module ``table`` holds the bindings of) is
        shown to be, or None."""
        if depth > 3:
            return None
        if isinstance(value, Choice):
            branches = [
                self.queue_of(table, branch, depth + 1) for branch in (value.body, value.orelse)
            ]
            return None if None in branches else _merge(branches)
        if isinstance(value, Invocation):
            callee = value.callee.name
            if callee is None or not (callee in QUEUE_FACTORIES or self.is_queue_class(callee)):
                return None
            bound, _, _ = bind_arguments(value.arguments, ("name",))
            return _name_ref(bound.get("name"))
        if not isinstance(value, Reference) or value.name is None:
            return None
        local = table.values_of(value.name)
        if local:
            refs = [
                self.queue_of(table, bound, depth + 1) if bound is not None else None
                for bound in local
            ]
            if any(ref is None for ref in refs):
                return None
            return _merge(refs)
        found = self.bindings.value_of(value.name)
        if found is None:
            return None
        other = self.queue_of(found[0], found[1], depth + 1)
        return None if other is None else QueueRef(other.kind, other.name)

    # -- decorated jobs

    def decorated(self, qualified_name: str) -> bool:
        info = self.index.functions.resolve(self.bindings.canonical(qualified_name))
        return info is not None and any(
            self.decorator(d.name) is not None
            and (d.call is not None or d.name != RQ_JOB_DECORATOR)
            for d in info.decorators
        )

    # -- enqueue calls

    def read(self, table: BindingTable, call: EnqueueCall) -> _Reading | None:
        """What ``call`` (written in the module ``table`` holds the bindings of) is, or
        None when it is none of RQ's enqueue calls."""
        receiver = call.receiver
        if receiver is None:  # django_rq.enqueue(...)
            return _Reading("enqueue", QueueRef(QueueKind.NONE)) if call.clear else None
        method = call.method
        if (
            method in DECORATED_ENQUEUE_METHODS
            and receiver.name is not None
            and self.decorated(receiver.name)
        ):
            return _Reading(method, None, decorated=True)
        if method == "prepare_data":
            is_class = receiver.name is not None and self.is_queue_class(receiver.name)
            if not is_class and self.queue_of(table, receiver) is None:
                return None
            batch = None
            for batched in call.batches:
                batch = self.queue_of(table, batched) or batch
            return _Reading("enqueue_many" if batch is not None else method, batch)
        if method in QUEUE_ENQUEUE_METHODS:
            if method != "enqueue_call" and not call.clear:
                return None
            queue = self.queue_of(table, receiver)
            return _Reading(method, queue, proven=queue is not None)
        return None

    def sites(self, parsed: ParsedModule) -> list[_Site]:
        """The enqueue sites of the module being looked at (its own tree)."""
        found = self._sites.get(parsed)
        if found is None:
            found = self._sites[parsed] = _read_sites(parsed, self)
        return found

    def readings(self) -> list[tuple[EnqueueCall, _Reading]]:
        """Every module's exported enqueue calls that are RQ's, read once per index."""
        if self._readings is None:
            self._readings = []
            for exported in self.exports:
                table = self.bindings.table(exported.bindings)
                for call in exported.calls:
                    reading = self.read(table, call)
                    if reading is not None:
                        self._readings.append((call, reading))
        return self._readings

    def enqueued(self) -> dict[str, list[QueueRef | None]]:
        """Project functions the project's proven enqueue calls target, with the queue
        of each call."""
        if self._enqueued is None:
            self._enqueued = defaultdict(list)
            for call, reading in self.readings():
                if not reading.proven or reading.decorated:
                    continue
                function = self.function_target(call.target)
                if function is not None:
                    self._enqueued[function].append(reading.queue)
        return self._enqueued

    def function_target(self, target: Value | None) -> str | None:
        name = _written(target)
        info = self.index.functions.resolve(self.bindings.canonical(name)) if name else None
        return info.qualified_name if info is not None else None


def _written(target: Value | None) -> str | None:
    """The dotted name an enqueue call's function argument is written as: a string, or
    the name a reference resolves to."""
    if isinstance(target, Text):
        return target.text
    if isinstance(target, Reference):
        return target.name
    return None


def _may_wrap(module: ParsedModule) -> bool:
    """Whether a module may define a wrapper of the job decorator: it imports one (a byte
    test, so that the project's other modules are never walked for this)."""
    data = module.source.data
    return b"job" in data and (b"rq.decorators" in data or b"django_rq" in data)


def _may_enqueue(module: ParsedModule) -> bool:
    data = module.source.data
    return b"enqueue" in data or b"prepare_data" in data


def _imports_rq(module: ParsedModule) -> bool:
    """Whether a module may bind what another module's reading follows into it (a queue
    object, an alias of the queue class or of the decorator, a wrapper of it): it names
    rq or django-rq. A byte test, as ``_may_wrap``."""
    data = module.source.data
    return any(needle in data for needle in IMPORT_NEEDLES) or _may_wrap(module)


def _is_queue_root(name: str) -> bool:
    return name in QUEUE_CLASSES


def _is_job_root(name: str) -> bool:
    return name == RQ_JOB_DECORATOR


_PROJECTS: weakref.WeakKeyDictionary[ProjectIndex, _Project] = weakref.WeakKeyDictionary()


def _project(index: ProjectIndex) -> _Project:
    found = _PROJECTS.get(index)
    if found is None:
        found = _PROJECTS[index] = _Project(index)
    return found


# -- reading enqueue calls -------------------------------------------------------------


RQ_CALL_NAMES = QUEUE_ENQUEUE_METHODS | DECORATED_ENQUEUE_METHODS | {"enqueue_many", "prepare_data"}
_CALLS: weakref.WeakKeyDictionary[ParsedModule, list[tuple[cst.Call, EnqueueCall]]] = (
    weakref.WeakKeyDictionary()
)


def _candidate_calls(parsed: ParsedModule) -> list[cst.Call]:
    """The calls that may be RQ's by their spelling (``x.enqueue(...)``, ``x.delay(...)``,
    ``enqueue(...)``)."""
    return [
        call
        for call in parsed.calls
        if (isinstance(call.func, cst.Attribute) and call.func.attr.value in RQ_CALL_NAMES)
        or (isinstance(call.func, cst.Name) and "enqueue" in call.func.value)
    ]


def _enqueue_calls(parsed: ParsedModule) -> list[tuple[cst.Call, EnqueueCall]]:
    """The module's calls that may be RQ's enqueue calls, each with its plain form, found
    once per module: the module's export holds the plain forms, and its own reading of
    them (redone for every index the prefilter builds) the calls too."""
    found = _CALLS.get(parsed)
    if found is not None:
        return found
    reader = value_reader(parsed)
    calls = _candidate_calls(parsed)
    batches: dict[cst.Call, list[Value]] = defaultdict(list)
    for call in calls:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "enqueue_many":
            bound, _, _ = bind_leading(call.args, ("job_datas",))
            for data in _prepare_data_calls(parsed, bound.get("job_datas")):
                batches[data].append(reader.value(func.value))
    found = []
    for call in calls:
        plain = _enqueue_call(parsed, reader, call, batches.get(call, ()))
        if plain is not None:
            found.append((call, plain))
    _CALLS[parsed] = found
    return found


def _enqueue_call(
    parsed: ParsedModule, reader: ValueReader, call: cst.Call, batches: Sequence[Value]
) -> EnqueueCall | None:
    """``call`` as an ``EnqueueCall``; None when its spelling makes it none of RQ's."""
    func = call.func
    if single_name(parsed, func) in DJANGO_ENQUEUE:
        bound, _, clear = bind_leading(call.args, LEADING["django_rq.enqueue"])
        if not clear:
            return None
        return EnqueueCall("enqueue", None, _value_of(reader, bound.get("func")))
    if not isinstance(func, cst.Attribute):
        return None
    method = func.attr.value
    receiver = reader.value(func.value)
    if method in ("enqueue_call", "prepare_data"):
        bound, _, _ = bind_leading(call.args, LEADING["enqueue_call"])
        target = _value_of(reader, bound.get("func"))
        return EnqueueCall(method, receiver, target, batches=tuple(batches))
    if method in QUEUE_ENQUEUE_METHODS:
        leading = LEADING[method]
        bound, _, clear = bind_leading(call.args, leading)
        return EnqueueCall(method, receiver, _value_of(reader, bound.get(leading[-1])), clear)
    if method in DECORATED_ENQUEUE_METHODS:
        return EnqueueCall(method, receiver, None)
    return None


def _value_of(reader: ValueReader, node: cst.BaseExpression | None) -> Value | None:
    return reader.value(node) if node is not None else None


def _read_sites(parsed: ParsedModule, rq: _Project) -> list[_Site]:
    local = LocalTable(parsed)
    sites = []
    for node, call in _enqueue_calls(parsed):
        reading = rq.read(local, call)
        if reading is not None:
            sites.append(_site(parsed, local.reader, node, call, reading))
    return sites


def _prepare_data_calls(
    parsed: ParsedModule, node: cst.BaseExpression | None, depth: int = 0
) -> list[cst.Call]:
    if isinstance(node, cst.List | cst.Tuple | cst.Set):
        return [e.value for e in node.elements if isinstance(e.value, cst.Call)]
    if isinstance(node, cst.ListComp | cst.GeneratorExp | cst.SetComp):
        return [node.elt] if isinstance(node.elt, cst.Call) else []
    if isinstance(node, cst.Name) and depth == 0:
        name = single_name(parsed, node)
        value = bindings(parsed).single(name) if name else None
        return _prepare_data_calls(parsed, value, depth + 1)
    return []


def _site(
    parsed: ParsedModule, reader: ValueReader, node: cst.Call, call: EnqueueCall, reading: _Reading
) -> _Site:
    """The site ``node`` makes, read as ``reading`` says, with its arguments and options
    as written."""
    if reading.decorated:
        arguments, known, options = split_arguments(parsed, node.args, DELAY_OPTIONS)
        return _Site(
            node, reading.method, True, None, call.receiver, arguments, known, options, True
        )
    queue_node = (
        reader.node_of(reading.queue.source) if reading.queue and reading.queue.source else None
    )
    if call.method in ("enqueue_call", "prepare_data"):
        site = _explicit_site(parsed, node, reading.method, reading.queue, queue_node)
    else:
        leading = LEADING["django_rq.enqueue" if call.receiver is None else call.method]
        site = _enqueue_site(parsed, node, reading.method, leading, reading.queue, queue_node)
    site.target = call.target
    site.proven = reading.proven
    site.arguments_known = site.arguments_known and reading.proven
    return site


def _enqueue_site(
    parsed: ParsedModule,
    call: cst.Call,
    method: str,
    leading: tuple[str, ...],
    queue: QueueRef | None,
    queue_node: cst.BaseExpression | None,
) -> _Site:
    bound, rest, _ = bind_leading(call.args, leading)
    options: list[tuple[str, cst.BaseExpression]] = []
    if method in TIME_ARGUMENTS and TIME_ARGUMENTS[method] in bound:
        options.append((method, bound[TIME_ARGUMENTS[method]]))
    if any(arg.keyword is not None and arg.keyword.value in ("args", "kwargs") for arg in rest):
        arguments: list[cst.Arg] = []
        known = not any(arg.keyword is None for arg in rest)
        for arg in rest:
            keyword = arg.keyword.value if arg.keyword is not None else None
            if keyword == "args":
                found, clear = sequence_arguments(parsed, arg.value)
                arguments[:0] = found
                known = known and clear
            elif keyword == "kwargs":
                found, clear = mapping_arguments(parsed, arg.value)
                arguments.extend(found)
                known = known and clear
            elif keyword is not None:
                options.append((keyword, arg.value))
    else:
        arguments, known, found_options = split_arguments(parsed, rest, ENQUEUE_OPTIONS)
        options.extend(found_options)
    return _Site(
        call, method, True, queue, None, arguments, known, _with_queue(options, queue_node)
    )


def _explicit_site(
    parsed: ParsedModule,
    call: cst.Call,
    method: str,
    queue: QueueRef | None,
    queue_node: cst.BaseExpression | None,
) -> _Site:
    """``enqueue_call(func, args=..., kwargs=..., **options)`` and ``prepare_data``."""
    bound, rest, clear = bind_leading(call.args, LEADING["enqueue_call"])
    positional, known_positional = sequence_arguments(parsed, bound.get("args"))
    keywords, known_keywords = mapping_arguments(parsed, bound.get("kwargs"))
    options = [(arg.keyword.value, arg.value) for arg in rest if arg.keyword is not None]
    known = clear and known_positional and known_keywords and all(arg.keyword for arg in rest)
    return _Site(
        call,
        method,
        True,
        queue,
        None,
        [*positional, *keywords],
        known,
        _with_queue(options, queue_node),
    )


def _with_queue(
    options: list[tuple[str, cst.BaseExpression]], queue_node: cst.BaseExpression | None
) -> list[tuple[str, cst.BaseExpression]]:
    if queue_node is not None:
        return [("queue", queue_node), *options]
    return options


# -- the frontend ----------------------------------------------------------------------


@dataclass(frozen=True)
class RqExport:
    """What a module tells the RQ frontend of itself, worked out from its own tree: its
    bindings (re-exports always; the values and functions other modules' readings follow
    into it when it names rq or django-rq), its calls that may enqueue (when it says
    "enqueue": an RQ job is any function some module enqueues), and what it binds that
    may wrap the job decorator (when it imports the decorator)."""

    bindings: ModuleBindings
    calls: tuple[EnqueueCall, ...] = ()
    wrappers: tuple[tuple[str, str], ...] = ()


def export(parsed: ParsedModule) -> RqExport:
    """The module's ``RqExport``. Byte tests decide what is worked out, the ones that
    decided which modules the reading of other modules looked into: a module that says
    neither "enqueue" nor rq's names is not walked for it. A call's receiver is followed
    into the module's bindings only where a queue may be asked of it (not for
    ``x.delay(...)``, which is RQ's only on a decorated job)."""
    calls = tuple(call for _, call in _enqueue_calls(parsed)) if _may_enqueue(parsed) else ()
    roots = [
        value
        for call in calls
        for value in (call.receiver if call.method != "delay" else None, *call.batches)
        if value is not None
    ]
    return RqExport(
        bindings=module_bindings(parsed, full=_imports_rq(parsed), roots=roots),
        calls=calls,
        wrappers=wrapper_candidates(parsed) if _may_wrap(parsed) else (),
    )


def learned_needles(index: ProjectIndex) -> Iterable[bytes]:
    """Names of enqueued functions (the module defining one may never mention RQ) and of
    project wrappers of the decorator (a module using one may not either)."""
    rq = _project(index)
    names = set()
    for call, reading in rq.readings():
        written = _written(call.target)
        if reading.proven and not reading.decorated and written:
            names.add(written.rpartition(".")[2])
    names.update(
        name.rpartition(".")[2]
        for name, framework in index.task_decorators.items()
        if framework == FRAMEWORK
    )
    for exported in rq.exports:
        names.update(wrapper_names(exported.wrappers, lambda name: rq.decorator(name) is not None))
    return (name.encode() for name in names if name)


def _decoration(
    parsed: ParsedModule, node: cst.FunctionDef, rq: _Project
) -> tuple[cst.Decorator, QueueDeclaration, tuple[tuple[str, Literal], ...]] | None:
    for decorator in node.decorators:
        expression, call = decorator_parts(decorator)
        name = single_name(parsed, expression)
        spec = rq.decorator(name)
        if spec is None or (call is None and name == RQ_JOB_DECORATOR):
            continue
        return decorator, spec.queue(parsed, call, rq), _options(parsed, call)
    return None


def _options(parsed: ParsedModule, call: cst.Call | None) -> tuple[tuple[str, Literal], ...]:
    """The decorator's keywords as literals; an RQ ``Retry(max=, interval=)`` is also
    spread out as ``retry.max`` and ``retry.interval``."""
    options = list(keyword_literals(parsed, call))
    for arg in call.args if call is not None else ():
        value = arg.value
        if (
            arg.keyword is not None
            and arg.keyword.value == "retry"
            and isinstance(value, cst.Call)
            and single_name(parsed, value.func) in RETRY_CLASSES
        ):
            bound, _, _ = bind_leading(value.args, ("max", "interval"))
            for key in ("max", "interval"):
                if key in bound:
                    options.append((f"retry.{key}", literal(bound[key])))
    return tuple(options)


def define_jobs(parsed: ParsedModule, index: ProjectIndex) -> list[JobDefinition]:
    rq = _project(index)
    enqueued = rq.enqueued()
    jobs = []
    for node in function_defs(parsed):
        qualified = qualified_name_of(parsed, node)
        if qualified is None:
            continue
        decoration = _decoration(parsed, node, rq)
        decorator: cst.Decorator | None = None
        if decoration is not None:
            decorator, queue, options = decoration
        elif qualified in enqueued:
            ref = _merge(enqueued[qualified])
            queue, options = QueueDeclaration(ref.kind, ref.name), ()
        else:
            continue
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
                registered_name=qualified,
                options=options,
                decorator=decorator,
            )
        )
    return jobs


def find_enqueue_sites(parsed: ParsedModule, index: ProjectIndex) -> list[EnqueueSite]:
    rq = _project(index)
    found = []
    for site in rq.sites(parsed):
        target, registered = _resolve(rq, site.target)
        if target is None and not site.proven:
            continue
        found.append(
            EnqueueSite(
                framework=FRAMEWORK,
                method=site.method,
                path=parsed.path,
                span=parsed.span(site.node),
                node=site.node,
                target=target,
                arguments=tuple(site.arguments),
                arguments_known=site.arguments_known,
                options=tuple(site.options),
                target_registered_name=registered,
            )
        )
    return found


def _resolve(rq: _Project, target: Value | None) -> tuple[str | None, str | None]:
    """The RQ job a function argument names, and the dotted name when written as one."""
    index = rq.index
    if isinstance(target, Text):
        registered = target.text
        jobs = [j for j in index.jobs.by_registered_name(registered) if j.framework == FRAMEWORK]
        if not jobs:
            job = index.jobs.resolve(registered)
            jobs = [job] if job is not None and job.framework == FRAMEWORK else []
        return (jobs[0].qualified_name if len(jobs) == 1 else None), registered
    name = target.name if isinstance(target, Reference) else None
    job = index.jobs.resolve(rq.bindings.canonical(name)) if name else None
    if job is None or job.framework != FRAMEWORK:
        return None, None
    return job.qualified_name, None
