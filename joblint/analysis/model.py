"""The job model: what every framework frontend lowers code into, and all rules read.

A frontend knows its framework's API; a rule knows a convention. Keeping the two apart is
what lets one rule mean the same thing for joblint's runtime, Celery, RQ and the rest.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from joblint.diagnostics import Span


class QueueKind(enum.Enum):
    STATIC = "static"  # a literal name
    DYNAMIC = "dynamic"  # computed: a method or a variable
    NONE = "none"  # not declared


@dataclass(frozen=True)
class QueueDeclaration:
    kind: QueueKind
    name: str | None = None
    span: Span | None = None
    # A dynamic queue computed by a method (the runtime's `def queue_as(self)`): each
    # string literal it returns, where it is written, so rules can check every one.
    returned_names: tuple[tuple[str, Span], ...] = ()


NO_QUEUE = QueueDeclaration(QueueKind.NONE)


class Unknown:
    """A value that is not a literal: a name, a call, an f-string. There is one,
    ``UNKNOWN``, compared by identity."""

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self) -> str:
        """Unpickled as the one ``UNKNOWN`` (pickle's reference to the module global),
        so that facts crossing processes or read from a cache still say ``is UNKNOWN``."""
        return "UNKNOWN"


UNKNOWN = Unknown()
Literal = str | int | float | bool | None | tuple[object, ...] | Unknown


@dataclass(frozen=True)
class CallInfo:
    """A call as the index keeps it: what it calls (fully qualified, when that can be
    shown) and its arguments, as literals where they are literals."""

    function: str | None
    positional: tuple[Literal, ...] = ()
    keywords: tuple[tuple[str, Literal], ...] = ()
    # Qualified names of the positional arguments that are names, None for the others:
    # `functools.partial(dramatiq.actor, ...)`, arq's `func(download_content, name=...)`.
    references: tuple[str | None, ...] = ()

    def keyword(self, name: str, default: Literal = None) -> Literal:
        for key, value in self.keywords:
            if key == name:
                return value
        return default

    def has_keyword(self, name: str) -> bool:
        return any(key == name for key, _ in self.keywords)


@dataclass(frozen=True)
class Decorator:
    """``@name`` or ``@name(...)``: ``name`` is the decorator's qualified name."""

    name: str | None
    call: CallInfo | None = None


@dataclass(frozen=True)
class ValueInfo:
    """A class attribute's value as the index keeps it, for frameworks configured through
    class attributes read from another file (arq's `functions = [send, func(charge)]`,
    Dramatiq's `class Meta: queue_name = "low"`): its literal value, the name it refers
    to, the call it makes, or for a list or tuple its elements, each summarised alike."""

    literal: Literal = UNKNOWN
    reference: str | None = None
    call: CallInfo | None = None
    elements: tuple[ValueInfo, ...] = ()
    span: Span | None = None


@dataclass(frozen=True)
class ClassInfo:
    """A class definition as the cross-file index sees it: enough to decide, project-wide,
    which classes are jobs, without keeping every file's tree alive."""

    name: str
    qualified_name: str
    base_names: tuple[str, ...]  # fully qualified, as resolved through imports
    path: Path
    module_name: str
    name_span: Span
    method_names: frozenset[str]
    marked_abstract: bool  # `abstract = True` in its body
    nested_in_function: bool
    decorators: tuple[Decorator, ...] = ()
    # Class keywords (`class Hero(SQLModel, table=True)`), as literals.
    keywords: tuple[tuple[str, Literal], ...] = ()
    # Attributes assigned in the class body (`name = value` or `name: T = value`).
    attributes: tuple[tuple[str, ValueInfo], ...] = ()

    @property
    def defines_perform(self) -> bool:
        return "perform" in self.method_names

    def attribute(self, name: str) -> ValueInfo | None:
        for key, value in self.attributes:
            if key == name:
                return value
        return None


@dataclass(frozen=True)
class FunctionInfo:
    """A function definition with its decorators: task frameworks mark jobs this way."""

    name: str
    qualified_name: str
    path: Path
    module_name: str
    name_span: Span
    decorators: tuple[Decorator, ...]
    nested_in_function: bool
    is_method: bool
    # The calls its body makes (nested functions included; a bare decorator applied in it
    # counts as a call): how a project wrapper around a framework's decorator is known
    # from another file. Empty for a method of a class no function encloses, which is
    # never such a wrapper.
    calls: tuple[CallInfo, ...] = ()


@dataclass(frozen=True)
class AssignmentInfo:
    """``name = call(...)`` at module level (``app = Celery("shop")``, ``queue =
    Queue("low")``): how frameworks' app and queue objects are found across files."""

    qualified_name: str
    value: CallInfo
    path: Path
    span: Span


@dataclass(frozen=True)
class ContextManagerInfo:
    """A module-level ``@contextlib.contextmanager`` function, as placing the enqueue
    sites of other modules needs it: a project wrapper whose body enters a transaction
    holds the sites written under it (``with unit_of_work():``)."""

    # Its fully qualified names.
    names: frozenset[str]
    # Its body enters a transaction joblint knows by itself (``transaction.atomic()``,
    # SQLAlchemy's ``session.begin()``, Peewee's ``db.atomic()``).
    opens_transaction: bool
    # The qualified names of the other context managers its body enters: it wraps a
    # transaction too when the ``transaction-wrappers`` setting names one of them.
    enters: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ModuleSummary:
    """What rules checking other modules need of a module's code, in plain data: a rule
    reads the tree of its own module only (issue 17), and learns of every other module
    from this. Worked out once per module, with its symbols."""

    path: Path
    module_name: str
    # The absolute names of the modules it may import (for `from a import b`, both `a`
    # and `a.b`), anywhere in its statements: JOB105 follows the base job's imports.
    imported_modules: tuple[str, ...] = ()
    # Its module-level functions (by name) that, applied as a bare decorator, return the
    # function they decorate unchanged; and those that, called, return such a decorator:
    # JOB107 knows a registering decorator from a wrapper by them.
    pass_through_decorators: frozenset[str] = frozenset()
    pass_through_factories: frozenset[str] = frozenset()
    # (handler, signal) for each `signal.connect(handler)` of a model signal, both fully
    # qualified: a function connected in one module receives the signal in another.
    signal_connections: tuple[tuple[str, str], ...] = ()
    # The task options it reads as attributes (`self.retry_backoff`), among those the
    # summary looks for: a project that reads one implements it itself (JOB503).
    task_options_read: frozenset[str] = frozenset()
    # Its module-level context managers: where a wrapper of a transaction is defined, for
    # placing every module's enqueue sites (joblint/analysis/placement.py).
    context_managers: tuple[ContextManagerInfo, ...] = ()
    # It turns Django's ``ATOMIC_REQUESTS`` on (literally True), so every view of the
    # project runs in a transaction.
    turns_on_atomic_requests: bool = False
    # It names Django Tasks (``django.tasks``, ``django_tasks``): a settings module with a
    # Django Tasks backend is one (JOB707).
    names_django_tasks: bool = False


@dataclass(frozen=True)
class ModuleSymbols:
    classes: tuple[ClassInfo, ...] = ()
    functions: tuple[FunctionInfo, ...] = ()
    assignments: tuple[AssignmentInfo, ...] = ()
    # The module's summary for rules checking other modules; None when no one made one
    # (symbols collected on their own, as some tests do).
    summary: ModuleSummary | None = None
    # What the module tells each framework's frontend about itself, as plain data worked
    # out from its own tree (``Frontend.export``), by framework name: how a frontend
    # learns of the other modules (an app object, a wrapper of a task decorator, a
    # queue) without reading their trees (issue 17).
    exports: tuple[tuple[str, object], ...] = ()


class ParameterKind(enum.Enum):
    POSITIONAL_ONLY = "positional-only"
    POSITIONAL_OR_KEYWORD = "positional-or-keyword"
    VAR_POSITIONAL = "var-positional"
    KEYWORD_ONLY = "keyword-only"
    VAR_KEYWORD = "var-keyword"


@dataclass(frozen=True)
class ParameterFact:
    """A parameter of a job's ``perform`` (or task function), as the rules checking its
    enqueue sites in other modules need it."""

    name: str
    kind: ParameterKind
    # The default as written, on one line; None without one: whether callers may leave
    # the parameter out, and how a message shows the signature.
    default: str | None = None
    # The annotation as written; None without one: an `order_id: Order` is a record.
    annotation: str | None = None


@dataclass(frozen=True)
class DecoratorNames:
    """A decorator of a job's ``perform`` by its last name, as written (``task`` of
    ``@app.task(...)``) and as imported (``task`` for ``@dj_task``, from ``from
    django.tasks import task as dj_task``); None where there is no such name."""

    written: str | None
    imported: str | None


@dataclass(frozen=True)
class PerformSignature:
    """A job's ``perform`` (or task function) without its tree: what the rules binding
    an enqueue site in another module against it read (JOB206, JOB201's fix, ...)."""

    function: str  # `perform`, the task function's name
    name_span: Span  # where the function's name is written, in the job's module
    # In source order: positional-only, normal, `*args`, keyword-only, `**kwargs`.
    parameters: tuple[ParameterFact, ...]
    # Its decorators, in source order: some change what callers pass.
    decorators: tuple[DecoratorNames, ...] = ()
    # The names whose attributes its body reads (`order_id` of `order_id.total`): such a
    # parameter is used as a record, and passing it an ID would break the job.
    attribute_owners: frozenset[str] = frozenset()


@dataclass(frozen=True)
class JobDefinition:
    """A job class or task function."""

    framework: str  # "runtime", "celery", "rq", "dramatiq", "huey", "django-tasks", ...
    name: str
    qualified_name: str
    path: Path
    module_name: str
    name_span: Span
    node: cst.ClassDef | cst.FunctionDef = field(compare=False, repr=False)
    is_class: bool
    # Direct bases, fully qualified; empty for task functions.
    base_names: tuple[str, ...] = ()
    # Spans of the direct base expressions, in the order of base_names.
    base_spans: tuple[Span, ...] = ()
    queue: QueueDeclaration = NO_QUEUE
    perform: cst.FunctionDef | None = field(default=None, compare=False, repr=False)
    # An abstract job is a base other jobs build on (`ApplicationJob`): it is never
    # enqueued, so naming and layout rules leave it alone.
    is_abstract: bool = False
    # The name the framework registers the job under, when it has one (Celery's
    # "proj.tasks.send_email", a Dramatiq actor_name): enqueue-by-name sites resolve here.
    registered_name: str | None = None
    # Framework options as written on the job (decorator keywords, class attributes).
    options: tuple[tuple[str, Literal], ...] = ()
    # For task functions: the decorator that makes the function a task.
    decorator: cst.Decorator | None = field(default=None, compare=False, repr=False)
    # The job object is known to offer `<method>_on_commit` forms of its enqueue methods
    # (Celery's `DjangoTask`): a fix may only write a method that is known to exist.
    defers_on_commit: bool = False
    # The registry the job is registered in, by qualified name: Celery's app (`app.task`),
    # arq's worker settings class; None for a task every app shares (`shared_task`) or
    # when it cannot be told. Two jobs of one name clash only in one registry.
    app: str | None = None
    # The job is written to the queue with the caller's database transaction, so workers
    # see it only after the commit and a rollback takes it back (a Procrastinate task of
    # the Django contrib's app, whose `DjangoConnector` uses Django's own connection).
    # None when that cannot be told (a blueprint's task joins an app decided elsewhere; a
    # project wrapper hides its app). Set by the frontend that defines the job.
    joins_callers_transaction: bool | None = False
    # The signature of `perform` as plain data, for rules checking the job's enqueue
    # sites from other modules, which must not read its tree (issue 17); None without a
    # `perform`. Filled in by the engine (joblint/analysis/summaries.py).
    signature: PerformSignature | None = None
    # Where `decorator` is written, and where some of its call's keywords are (those
    # summaries.LOCATED_KEYWORDS lists), for rules reporting them from no tree (JOB707);
    # None and empty without a decorator. Filled in by the engine, as `signature` is.
    decorator_span: Span | None = None
    decorator_keyword_spans: tuple[tuple[str, Span], ...] = ()
    # `decorator` is a call that unpacks arguments (`@task(**options)`): options the job
    # has may not be among `options`. Filled in by the engine, as `signature` is.
    decorator_unpacks: bool = False


@dataclass(frozen=True)
class EnqueueContext:
    """Where an enqueue site sits, as the rules about placement need it."""

    # The transaction API the site runs inside (`django.db.transaction.atomic`, a project
    # wrapper, "ATOMIC_REQUESTS" for a view when the settings turn it on), or None when it
    # is not inside one.
    transaction: str | None = None
    # Inside a callback handed to `on_commit(...)`: deferred until the commit.
    on_commit: bool = False
    in_loop: bool = False
    # Qualified name of the enclosing function, None at module level.
    function: str | None = None
    # The enclosing function handles a request: its first parameter is `request` (a
    # method's second). The `ATOMIC_REQUESTS` transaction and JOB603 read it.
    view: bool = False


OUTSIDE = EnqueueContext()


@dataclass(frozen=True)
class OptionValue:
    """An enqueue option's value without its node: its literal value (``UNKNOWN`` when it
    is not one), its code as written, on one line, for messages quoting it, and where it
    is written, for findings placed at it."""

    value: Literal
    written: str
    # The value's span; for a value a frontend built rather than took from the code, the
    # span of what it wraps, else the site's (``signatures.node_span``).
    span: Span | None = None
    # Written as one string literal (`"low"`; not `"lo" "w"`, not an f-string): a fix
    # can rewrite it in place.
    string_literal: bool = False


@dataclass(frozen=True)
class SendingCall:
    """The call that sends an enqueue site's job, without its node: the site itself, or
    the bulk call around it (``perform_all_later([...])``)."""

    span: Span
    # Its function as written, on one line and shortened (`SendJob.perform_later`).
    callee: str


@dataclass(frozen=True)
class EnqueueSite:
    """A call that enqueues a job, or runs it in the caller (``synchronous``)."""

    framework: str
    # The API as written: "perform_later", "delay", "apply_async", "send", "enqueue",
    # "defer", "enqueue_job", "s", ... Rules read the normalised fields below instead.
    method: str
    path: Path
    span: Span
    node: cst.Call = field(compare=False, repr=False)
    # Qualified name of the job when known; None when the target cannot be shown.
    target: str | None = None
    # The job's own arguments, normalised to `cst.Arg`s as the job would receive them:
    # `apply_async(args=[a], kwargs={"b": c})` becomes `a, b=c`.
    arguments: tuple[cst.Arg, ...] = field(default=(), compare=False, repr=False)
    # False when the arguments cannot be listed (`*args`, `args=some_list`).
    arguments_known: bool = True
    # Enqueue options by keyword, as the framework spells them (queue, countdown, eta,
    # wait, wait_until, delay, priority, ...).
    options: tuple[tuple[str, cst.BaseExpression], ...] = field(
        default=(), compare=False, repr=False
    )
    # True for calls that run the job in the caller: `perform_now`, Celery's `task()` and
    # `.apply()`, Huey's `call_local()`, Django's `.call()`, Dramatiq's `actor(...)`.
    synchronous: bool = False
    # For enqueue-by-name (`send_task("name")`, `enqueue_job("name")`): the name written.
    target_registered_name: str | None = None
    # Filled in by the engine (joblint/analysis/placement.py) for every frontend alike.
    context: EnqueueContext = OUTSIDE
    # `options` as plain data, for rules reading the site from another module (an RQ
    # job's retries are decided by its enqueues): they must not read its nodes (issue
    # 17). Filled in by the engine (joblint/analysis/summaries.py).
    option_values: tuple[tuple[str, OptionValue], ...] = ()
    # The call that sends the job here and now (or at commit); None when the site runs it
    # in the caller or only builds a signature sent elsewhere. Filled in by the engine
    # (joblint/analysis/placement.py), for rules reading every module's sites at once.
    sending: SendingCall | None = None

    def option_value(self, name: str) -> OptionValue | None:
        """The option ``name`` as plain data, the last one written when it is repeated
        (as ``dict(site.options)`` reads it)."""
        found = None
        for key, value in self.option_values:
            if key == name:
                found = value
        return found


@dataclass(frozen=True)
class ModuleFacts:
    """What the frontends found in one module."""

    jobs: tuple[JobDefinition, ...] = ()
    enqueue_sites: tuple[EnqueueSite, ...] = ()
