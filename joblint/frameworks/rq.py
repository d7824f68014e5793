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
another module (``queue = Queue("low")`` in ``app/queues.py``). A parameter, ``self.queue``
or a helper's return value proves nothing, and such calls define no job.

Cross-module design: each module's ``define_jobs`` only sees its own tree, yet the call
that makes ``tasks.send_report`` a job usually sits in another module. The index carries
the parsed modules (``ProjectIndex.modules``); the first ``define_jobs`` call for an index
scans every module that mentions ``enqueue`` or ``prepare_data`` for enqueue calls on
proven queues and caches, per index, which project functions they target and on which
queues. ``learned_needles`` reports the targets' names, so a module that only defines an
enqueued function (and never mentions RQ) is still parsed.

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
    bind_leading,
    bindings,
    calls_in,
    decorator_parts,
    function_defs,
    keyword_literals,
    mapping_arguments,
    project_trees,
    qualified_name_of,
    sequence_arguments,
    split_arguments,
    string_value,
    wrapper_names,
)

if TYPE_CHECKING:
    from joblint.analysis.index import ProjectIndex
    from joblint.parse.parsing import ParsedModule

FRAMEWORK = "rq"
# Files that import rq or django-rq, or call an enqueue API; modules that only define an
# enqueued function, or use a project wrapper of `job`, are learned (`learned_needles`).
NEEDLES: tuple[bytes, ...] = (b" rq", b",rq", b"django_rq", b"enqueue", b"prepare_data(")

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
    """A queue shown to be an RQ queue: its name (kind and literal), and the expression
    naming it when that is written in the module being read."""

    kind: QueueKind
    name: str | None = None
    expression: cst.BaseExpression | None = field(default=None, compare=False)

    def declaration(
        self, span_of: cst.BaseExpression | None, parsed: ParsedModule
    ) -> QueueDeclaration:
        span = parsed.span(span_of) if span_of is not None else None
        return QueueDeclaration(self.kind, self.name, span)


def _name_ref(expression: cst.BaseExpression | None) -> QueueRef:
    if expression is None:
        return QueueRef(QueueKind.NONE)
    name = string_value(expression)
    if name is not None:
        return QueueRef(QueueKind.STATIC, name, expression)
    return QueueRef(QueueKind.DYNAMIC, None, expression)


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
    only = refs[0] if len(refs) == 1 else None
    return QueueRef(QueueKind.STATIC, names.pop(), only.expression if only else None)


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
        return rq.queue_argument(parsed, argument).declaration(argument, parsed)


DIRECT_RQ = _JobDecorator()
DIRECT_DJANGO = _JobDecorator(keywords=("func_or_queue",))


@dataclass
class _Site:
    """One RQ enqueue call as read from a module, before its target is resolved."""

    node: cst.Call
    method: str
    proven: bool  # the call is RQ's API (a proven queue, django_rq.enqueue, a decorated job)
    queue: QueueRef | None  # None: unknown
    target: cst.BaseExpression | None
    arguments: list[cst.Arg]
    arguments_known: bool
    options: list[tuple[str, cst.BaseExpression]]
    decorated: bool = False  # `f.delay(...)`: the target is the receiver


class _Project:
    """What RQ makes of one index: decorators, queues, and which project functions the
    project's enqueue calls target (computed once per index)."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.trees = project_trees(index)
        self._decorators: dict[str, _JobDecorator | None] = {}
        self._enqueued: dict[str, list[QueueRef | None]] | None = None
        self._sites: weakref.WeakKeyDictionary[ParsedModule, list[_Site]] = (
            weakref.WeakKeyDictionary()
        )

    # -- classes and decorators

    def is_queue_class(self, name: str) -> bool:
        if name in QUEUE_CLASSES:
            return True
        name = self.trees.alias_of(name)
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
        name = self.trees.alias_of(name)
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
        value = self.trees.value_of(name)
        if value is not None:
            return self._from_value(*value)
        function = self.trees.function_def(name)
        if function is not None:
            return self._from_wrapper(*function)
        return None

    def _from_value(self, module: ParsedModule, value: cst.BaseExpression) -> _JobDecorator | None:
        if isinstance(value, cst.Name | cst.Attribute):
            return self.direct_decorator(single_name(module, value))
        if not isinstance(value, cst.Call) or single_name(module, value.func) not in PARTIALS:
            return None
        bound, rest, clear = bind_leading(value.args, ("func",))
        inner = (
            self.direct_decorator(single_name(module, bound["func"])) if "func" in bound else None
        )
        if inner is None or not clear:
            return None
        fixed = [arg for arg in rest if arg.keyword is None and not arg.star]
        if any(arg.star for arg in rest):
            return _JobDecorator(fixed=QueueRef(QueueKind.DYNAMIC))
        if inner.position is not None and inner.position < len(fixed):
            return _JobDecorator(fixed=self.queue_argument(module, fixed[inner.position].value))
        for arg in rest:
            if arg.keyword is not None and arg.keyword.value in inner.keywords:
                return _JobDecorator(fixed=self.queue_argument(module, arg.value))
        position = None if inner.position is None else inner.position - len(fixed)
        return _JobDecorator(position=position, keywords=inner.keywords)

    def _from_wrapper(
        self, module: ParsedModule, function: cst.FunctionDef
    ) -> _JobDecorator | None:
        for call in calls_in(function.body):
            inner = self.direct_decorator(single_name(module, call.func))
            if inner is None:
                continue
            bound, _, clear = bind_leading(call.args, inner.keywords)
            argument = bound.get(inner.keywords[0])
            if argument is None:
                star = next((arg for arg in call.args if arg.star == "*"), None)
                if not clear and star is not None and _is_star_parameter(function, star.value):
                    return _JobDecorator(keywords=inner.keywords)
                return _JobDecorator(fixed=QueueRef(QueueKind.NONE))
            parameter = _parameter(function, argument)
            if parameter is None:
                return _JobDecorator(fixed=self.queue_argument(module, argument))
            position, name, default = parameter
            return _JobDecorator(
                position=position,
                keywords=(name,),
                default=self.queue_argument(module, default) if default is not None else None,
            )
        return None

    # -- queues

    def queue_argument(self, parsed: ParsedModule, expression: cst.BaseExpression) -> QueueRef:
        """A decorator's queue argument: a name, or a queue object carrying one."""
        if string_value(expression) is not None:
            return _name_ref(expression)
        found = self.queue_of(parsed, expression)
        if found is not None:
            return QueueRef(found.kind, found.name, expression)
        return QueueRef(QueueKind.DYNAMIC, None, expression)

    def queue_of(
        self, parsed: ParsedModule, expression: cst.BaseExpression, depth: int = 0
    ) -> QueueRef | None:
        """The queue ``expression`` is shown to be, or None."""
        if depth > 3:
            return None
        if isinstance(expression, cst.IfExp):
            branches = [
                self.queue_of(parsed, branch, depth + 1)
                for branch in (expression.body, expression.orelse)
            ]
            return None if None in branches else _merge(branches)
        if isinstance(expression, cst.Call):
            callee = single_name(parsed, expression.func)
            if callee is None or not (callee in QUEUE_FACTORIES or self.is_queue_class(callee)):
                return None
            bound, _, _ = bind_leading(expression.args, ("name",))
            return _name_ref(bound.get("name"))
        if not isinstance(expression, cst.Name | cst.Attribute):
            return None
        name = single_name(parsed, expression)
        if name is None:
            return None
        local = bindings(parsed).values.get(name)
        if local:
            refs = [
                self.queue_of(parsed, value, depth + 1) if value is not None else None
                for value in local
            ]
            if any(ref is None for ref in refs):
                return None
            return _merge(refs)
        value = self.trees.value_of(name)
        if value is None:
            return None
        found = self.queue_of(value[0], value[1], depth + 1)
        return None if found is None else QueueRef(found.kind, found.name)

    # -- decorated jobs

    def decorated(self, qualified_name: str) -> bool:
        info = self.index.functions.resolve(self.trees.canonical(qualified_name))
        return info is not None and any(
            self.decorator(d.name) is not None
            and (d.call is not None or d.name != RQ_JOB_DECORATOR)
            for d in info.decorators
        )

    # -- enqueue calls

    def sites(self, parsed: ParsedModule) -> list[_Site]:
        found = self._sites.get(parsed)
        if found is None:
            found = self._sites[parsed] = _read_sites(parsed, self)
        return found

    def enqueued(self) -> dict[str, list[QueueRef | None]]:
        """Project functions the project's proven enqueue calls target, with the queue
        of each call."""
        if self._enqueued is None:
            self._enqueued = defaultdict(list)
            for module in self.index.modules:
                if not _may_enqueue(module):
                    continue
                for site in self.sites(module):
                    if not site.proven or site.decorated:
                        continue
                    function = self.function_target(module, site.target)
                    if function is not None:
                        self._enqueued[function].append(site.queue)
        return self._enqueued

    def function_target(
        self, parsed: ParsedModule, target: cst.BaseExpression | None
    ) -> str | None:
        if target is None:
            return None
        name = string_value(target)
        if name is None and isinstance(target, cst.Name | cst.Attribute):
            name = single_name(parsed, target)
        info = self.index.functions.resolve(self.trees.canonical(name)) if name else None
        return info.qualified_name if info is not None else None


def _may_wrap(module: ParsedModule) -> bool:
    """Whether a module may define a wrapper of the job decorator: it imports one (a byte
    test, so that the project's other modules are never walked for this)."""
    data = module.source.data
    return b"job" in data and (b"rq.decorators" in data or b"django_rq" in data)


def _may_enqueue(module: ParsedModule) -> bool:
    data = module.source.data
    return b"enqueue" in data or b"prepare_data" in data


def _is_queue_root(name: str) -> bool:
    return name in QUEUE_CLASSES


def _is_job_root(name: str) -> bool:
    return name == RQ_JOB_DECORATOR


def _parameter(
    function: cst.FunctionDef, argument: cst.BaseExpression
) -> tuple[int | None, str, cst.BaseExpression | None] | None:
    """When ``argument`` is a parameter of ``function``: its position (None for
    keyword-only), name and default."""
    if not isinstance(argument, cst.Name):
        return None
    params = function.params
    positional = [*params.posonly_params, *params.params]
    for position, param in enumerate(positional):
        if param.name.value == argument.value:
            return position, param.name.value, param.default
    for param in params.kwonly_params:
        if param.name.value == argument.value:
            return None, param.name.value, param.default
    return None


def _is_star_parameter(function: cst.FunctionDef, value: cst.BaseExpression) -> bool:
    star = function.params.star_arg
    return (
        isinstance(star, cst.Param)
        and isinstance(value, cst.Name)
        and star.name.value == value.value
    )


_PROJECTS: weakref.WeakKeyDictionary[ProjectIndex, _Project] = weakref.WeakKeyDictionary()


def _project(index: ProjectIndex) -> _Project:
    found = _PROJECTS.get(index)
    if found is None:
        found = _PROJECTS[index] = _Project(index)
    return found


# -- reading enqueue calls -------------------------------------------------------------


RQ_CALL_NAMES = QUEUE_ENQUEUE_METHODS | DECORATED_ENQUEUE_METHODS | {"enqueue_many", "prepare_data"}
_CANDIDATES: weakref.WeakKeyDictionary[ParsedModule, list[cst.Call]] = weakref.WeakKeyDictionary()


def _candidate_calls(parsed: ParsedModule) -> list[cst.Call]:
    """The calls that may be RQ's by their spelling (``x.enqueue(...)``, ``x.delay(...)``,
    ``enqueue(...)``), found once per module: the index-dependent reading of them is
    redone for every index the prefilter builds, the walk over the tree is not."""
    found = _CANDIDATES.get(parsed)
    if found is None:
        found = _CANDIDATES[parsed] = [
            call
            for call in parsed.calls
            if (isinstance(call.func, cst.Attribute) and call.func.attr.value in RQ_CALL_NAMES)
            or (isinstance(call.func, cst.Name) and "enqueue" in call.func.value)
        ]
    return found


def _read_sites(parsed: ParsedModule, rq: _Project) -> list[_Site]:
    calls = _candidate_calls(parsed)
    batches: dict[cst.Call, QueueRef | None] = {}
    for call in calls:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "enqueue_many":
            queue = rq.queue_of(parsed, func.value)
            if queue is None:
                continue
            bound, _, _ = bind_leading(call.args, ("job_datas",))
            for data in _prepare_data_calls(parsed, bound.get("job_datas")):
                batches[data] = queue
    sites = []
    for call in calls:
        site = _read_site(parsed, rq, call, batches)
        if site is not None:
            sites.append(site)
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


def _read_site(
    parsed: ParsedModule, rq: _Project, call: cst.Call, batches: dict[cst.Call, QueueRef | None]
) -> _Site | None:
    func = call.func
    if single_name(parsed, func) in DJANGO_ENQUEUE:
        return _enqueue_site(
            parsed, call, "enqueue", LEADING["django_rq.enqueue"], QueueRef(QueueKind.NONE)
        )
    if isinstance(func, cst.Attribute):
        method = func.attr.value
        receiver = func.value
        if method in DECORATED_ENQUEUE_METHODS:
            name = single_name(parsed, receiver)
            if name is not None and rq.decorated(name):
                arguments, known, options = split_arguments(parsed, call.args, DELAY_OPTIONS)
                return _Site(call, method, True, None, receiver, arguments, known, options, True)
        if method == "prepare_data":
            callee = single_name(parsed, receiver)
            is_class = callee is not None and rq.is_queue_class(callee)
            if is_class or rq.queue_of(parsed, receiver) is not None:
                method = "enqueue_many" if call in batches else method
                return _explicit_site(parsed, call, method, batches.get(call))
            return None
        if method in QUEUE_ENQUEUE_METHODS:
            queue = rq.queue_of(parsed, receiver)
            site = _enqueue_site(parsed, call, method, LEADING[method], queue)
            if site is not None and queue is None:
                site.proven = False
                site.arguments_known = False
            return site
    return None


def _enqueue_site(
    parsed: ParsedModule,
    call: cst.Call,
    method: str,
    leading: tuple[str, ...],
    queue: QueueRef | None,
) -> _Site | None:
    if method == "enqueue_call":
        return _explicit_site(parsed, call, method, queue)
    bound, rest, clear = bind_leading(call.args, leading)
    if not clear:
        return None
    target = bound.get(leading[-1])
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
    return _Site(call, method, True, queue, target, arguments, known, _with_queue(options, queue))


def _explicit_site(
    parsed: ParsedModule, call: cst.Call, method: str, queue: QueueRef | None
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
        bound.get("func"),
        [*positional, *keywords],
        known,
        _with_queue(options, queue),
    )


def _with_queue(
    options: list[tuple[str, cst.BaseExpression]], queue: QueueRef | None
) -> list[tuple[str, cst.BaseExpression]]:
    if queue is not None and queue.expression is not None:
        return [("queue", queue.expression), *options]
    return options


# -- the frontend ----------------------------------------------------------------------


def export(parsed: ParsedModule) -> object | None:
    """Nothing yet: this frontend still reads the other modules' trees through
    ``index.modules`` (issue 17 moves that here)."""
    return None


def learned_needles(index: ProjectIndex) -> Iterable[bytes]:
    """Names of enqueued functions (the module defining one may never mention RQ) and of
    project wrappers of the decorator (a module using one may not either)."""
    rq = _project(index)
    names = set()
    for module in index.modules:
        for site in rq.sites(module) if _may_enqueue(module) else ():
            target = site.target
            written = string_value(target) if target is not None else None
            if written is None and isinstance(target, cst.Name | cst.Attribute):
                written = single_name(module, target)
            if site.proven and not site.decorated and written:
                names.add(written.rpartition(".")[2])
    names.update(
        name.rpartition(".")[2]
        for name, framework in index.task_decorators.items()
        if framework == FRAMEWORK
    )
    for module in index.modules:
        if not _may_wrap(module):
            continue
        names.update(wrapper_names(module, lambda name: rq.decorator(name) is not None))
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
        target, registered = _resolve(parsed, index, site.target)
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


def _resolve(
    parsed: ParsedModule, index: ProjectIndex, target: cst.BaseExpression | None
) -> tuple[str | None, str | None]:
    """The RQ job a function argument names, and the dotted name when written as one."""
    if target is None:
        return None, None
    registered = string_value(target)
    if registered is not None:
        jobs = [j for j in index.jobs.by_registered_name(registered) if j.framework == FRAMEWORK]
        if not jobs:
            job = index.jobs.resolve(registered)
            jobs = [job] if job is not None and job.framework == FRAMEWORK else []
        return (jobs[0].qualified_name if len(jobs) == 1 else None), registered
    name = single_name(parsed, target) if isinstance(target, cst.Name | cst.Attribute) else None
    job = index.jobs.resolve(project_trees(index).canonical(name)) if name else None
    if job is None or job.framework != FRAMEWORK:
        return None, None
    return job.qualified_name, None
