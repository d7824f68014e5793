"""Frontend for Dramatiq.

Jobs (actors):

- functions decorated with ``dramatiq.actor``, with or without call parentheses, however
  it is imported (``from dramatiq import actor``, ``import dramatiq as d``);
- functions decorated with a project wrapper of it, followed one level through imports: a
  function whose body applies ``dramatiq.actor`` (``def actor(fn=None, **options): ...
  return dramatiq.actor(fn, **options)``), a module-level ``functools.partial`` of it, or
  a name in the ``task-decorators`` setting;
- ``name = dramatiq.actor(function, ...)`` at module level, for a function of the same
  module (the job is the variable, its body the function);
- classes whose bases reach ``dramatiq.GenericActor``, through project classes in any file.
  Options come from the nested ``class Meta`` (or the nearest ancestor's: Dramatiq
  inherits it); ``abstract = True`` there marks a base for other actors; ``perform`` is the
  body.

An actor's registered name is its ``actor_name`` when given, else the function's (or the
class's) name, as Dramatiq registers it. Its queue is ``queue_name`` as written: none when
absent (Dramatiq then uses "default"), dynamic when computed or possibly hidden in a
``**options`` splat.

Enqueue sites, on an expression that resolves to an actor: ``.send``,
``.send_with_options(args=, kwargs=, delay=, ...)``, ``.message`` and
``.message_with_options`` (messages are enqueue sites wherever they are built: in
``group``, ``pipeline``, ``|`` pipes, a variable handed to ``broker.enqueue``); calling the
actor itself or its ``.fn`` runs it in the caller (``synchronous``). By name:
``broker.get_actor("name").send(...)`` and ``dramatiq.Message(actor_name="name", ...)``.
Arguments are normalised to the actor's own, through local tuple, list and dict literals
assigned once and used only as arguments (``kwargs=params``, ``**params``).

Left out on purpose: ``.send`` on anything that cannot be shown to be an actor (sockets,
Django signals, HTTP clients, an actor held in a variable or fetched from
``broker.actors``), wrappers of wrappers, and ``Meta`` options a project sets
dynamically.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from joblint.analysis.frameworks import (
    ControlException,
    Encoding,
    FrameworkDescription,
    PriorityRange,
    SerializerDescription,
    SynchronousCall,
)
from joblint.analysis.model import (
    NO_QUEUE,
    UNKNOWN,
    EnqueueSite,
    JobDefinition,
    Literal,
    QueueDeclaration,
    QueueKind,
    ValueInfo,
)
from joblint.analysis.symbols import (
    call_info,
    class_attributes,
    decorator,
    literal,
    method,
    single_name,
)
from joblint.frameworks.shared import expand_arguments, mapping_items, sequence_elements
from joblint.parse import walk

if TYPE_CHECKING:
    from joblint.analysis.index import ProjectIndex
    from joblint.diagnostics import Span
    from joblint.parse.parsing import ParsedModule

FRAMEWORK = "dramatiq"
NEEDLES: tuple[bytes, ...] = (b"dramatiq",)
WORDS: tuple[bytes, ...] = ()

DESCRIPTION = FrameworkDescription(
    name=FRAMEWORK,
    display_name="Dramatiq",
    queue_declaration="`queue_name=...` on the actor",
    queue_options=frozenset({"queue_name"}),
    # `actor` checks `queue_name` against this with `fullmatch` and raises `ValueError`
    # at import time (dramatiq/actor.py, `_queue_name_re`).
    queue_name_pattern=r"[a-zA-Z_][a-zA-Z0-9._-]*",
    queue_name_problem=(
        "Dramatiq raises `ValueError` for it: a queue name starts with a letter or an "
        "underscore, followed by letters, digits, `.`, `-` or `_`"
    ),
    # Any int: the worker orders messages by it, and comparing an int with anything else
    # raises in the worker.
    priority=PriorityRange(None, None, "Dramatiq orders messages by an int priority"),
    serializers=(SerializerDescription("json", "Dramatiq's JSON encoder", Encoding.JSON),),
    default_serializer="json",
    name_keyword="actor_name",
    # Acknowledged after processing, and retried by the Retries middleware by default.
    delivers_at_least_once=True,
    synchronous_calls=(
        SynchronousCall("__call__", "send", rewrite="append"),
        SynchronousCall("fn", "send"),
    ),
    control_exceptions=tuple(
        ControlException(name, "the retry asked for is lost: the message is never retried")
        for name in ("dramatiq.Retry", "dramatiq.errors.Retry")
    ),
)

ACTOR_DECORATORS = frozenset({"dramatiq.actor", "dramatiq.actor.actor"})
GENERIC_ACTORS = frozenset({"dramatiq.GenericActor", "dramatiq.generic.GenericActor"})
MESSAGE_CLASSES = frozenset({"dramatiq.Message", "dramatiq.message.Message"})
GET_BROKER = frozenset({"dramatiq.get_broker", "dramatiq.broker.get_broker"})
PARTIALS = frozenset({"functools.partial"})

SEND_METHODS = frozenset({"send", "message"})
WITH_OPTIONS_METHODS = frozenset({"send_with_options", "message_with_options"})
UNDERLYING_FUNCTION = "fn"  # `actor.fn(...)`: the undecorated function, run in the caller
DIRECT_CALL = "__call__"
MESSAGE = "Message"
# Keywords of `send_with_options`/`message_with_options`/`Message` that carry the actor's
# own arguments rather than options.
ARGUMENT_KEYWORDS = ("args", "kwargs")
MESSAGE_OWN_KEYWORDS = frozenset({"actor_name", "args", "kwargs"})


def _is_generic_root(name: str) -> bool:
    return name in GENERIC_ACTORS


# -- what counts as Dramatiq in this project -------------------------------------------


@dataclass(frozen=True)
class ActorFactory:
    """What a decorator resolves to: ``dramatiq.actor`` itself, or a project wrapper of it
    (``wrapper`` is then its qualified name) with the options it applies."""

    options: tuple[tuple[str, Literal], ...] = ()
    wrapper: str | None = None


class _Project:
    """What the Dramatiq frontend learns from the whole index, once per index."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.configured = tuple(
            name for name, framework in index.task_decorators.items() if framework == FRAMEWORK
        )
        self._factories: dict[str, ActorFactory | None] = {}

    def factory(self, name: str | None) -> ActorFactory | None:
        """The actor decorator ``name`` refers to, if it is one."""
        if name is None:
            return None
        if name in ACTOR_DECORATORS:
            return ActorFactory()
        if name not in self._factories:
            self._factories[name] = self._wrapper(name)
        return self._factories[name]

    def _wrapper(self, name: str) -> ActorFactory | None:
        if any(_same_dotted(name, configured) for configured in self.configured):
            return ActorFactory(wrapper=name)
        function = self.index.functions.resolve(name)
        if function is not None and not function.is_method:
            for call in function.calls:
                if call.function in ACTOR_DECORATORS:
                    return ActorFactory(call.keywords, function.qualified_name)
            return None
        assignment = self.index.assignments.resolve(name)
        if (
            assignment is not None
            and assignment.value.function in PARTIALS
            and assignment.value.references[:1] in {(d,) for d in ACTOR_DECORATORS}
        ):
            return ActorFactory(assignment.value.keywords, assignment.qualified_name)
        return None

    def wrapper_names(self) -> Iterator[str]:
        """Project functions and partials that apply ``dramatiq.actor``."""
        for name, function in self.index.functions.items():
            if not function.is_method and any(
                c.function in ACTOR_DECORATORS for c in function.calls
            ):
                yield name
        for name, assignment in self.index.assignments.items():
            if assignment.value.function in PARTIALS and any(
                reference in ACTOR_DECORATORS for reference in assignment.value.references[:1]
            ):
                yield name
        yield from self.configured

    def is_generic_actor(self, qualified_name: str) -> bool:
        return self.index.reaches(qualified_name, _is_generic_root)


_PROJECTS: weakref.WeakKeyDictionary[ProjectIndex, _Project] = weakref.WeakKeyDictionary()


def _project(index: ProjectIndex) -> _Project:
    found = _PROJECTS.get(index)
    if found is None:
        found = _PROJECTS[index] = _Project(index)
    return found


def _same_dotted(name: str, configured: str) -> bool:
    """``configured`` names ``name``, exactly or by dotted suffix either way (the setting
    may be written from a ``src`` root the index does not see, or the reverse)."""
    return name == configured or name.endswith("." + configured) or configured.endswith("." + name)


def export(parsed: ParsedModule) -> object | None:
    """Nothing: this frontend learns of other modules from the index's symbols and
    jobs alone."""
    return None


def learned_needles(index: ProjectIndex) -> Iterable[bytes]:
    """Wrapper names (a module decorating with the project's ``@actor`` never names
    Dramatiq) and the class actors' names (a module may subclass an abstract base)."""
    project = _project(index)
    names = {name.rpartition(".")[2] for name in project.wrapper_names()}
    names.update(
        info.name for name, info in index.classes.items() if project.is_generic_actor(name)
    )
    return sorted(name.encode() for name in names if name)


# -- definitions -------------------------------------------------------------------------


def _declared_queue(parsed: ParsedModule, value: cst.BaseExpression) -> QueueDeclaration:
    name = literal(value)
    if isinstance(name, str):
        return QueueDeclaration(QueueKind.STATIC, name, parsed.span(value))
    return QueueDeclaration(QueueKind.DYNAMIC, None, parsed.span(value))


def _queue_from_options(
    options: Sequence[tuple[str, Literal]], span: Callable[[], Span]
) -> QueueDeclaration | None:
    """The queue a wrapper's options name, placed at ``span()``: asked only when there is
    one, as a span may cost the module's positions, a generation of its whole code."""
    for key, value in options:
        if key == "queue_name":
            if isinstance(value, str):
                return QueueDeclaration(QueueKind.STATIC, value, span())
            return QueueDeclaration(QueueKind.DYNAMIC, None, span())
    return None


def _keyword_arg(call: cst.Call, keyword: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg
    return None


@dataclass(frozen=True)
class _Application:
    """One application of an actor decorator: ``@actor``, ``@actor(...)`` or
    ``actor(function, ...)``; ``call`` holds the written arguments, if any."""

    factory: ActorFactory
    call: cst.Call | None
    where: cst.CSTNode  # the decorator or call, for spans of what the wrapper declares


def _job_settings(
    parsed: ParsedModule, application: _Application, default_name: str
) -> tuple[QueueDeclaration, str | None, tuple[tuple[str, Literal], ...]]:
    """Queue, registered name and options of an actor, from the decorator's arguments and
    what a wrapper adds."""
    written = call_info(parsed, application.call).keywords if application.call else ()
    options = dict(application.factory.options)
    options.update(written)
    queue: QueueDeclaration | None = None
    call = application.call
    if call is not None:
        queue_arg = _keyword_arg(call, "queue_name")
        if queue_arg is not None:
            queue = _declared_queue(parsed, queue_arg.value)
        elif any(arg.star == "**" for arg in call.args):
            queue = QueueDeclaration(
                QueueKind.DYNAMIC, None, parsed.recorded_span(application.where)
            )
    if queue is None:
        queue = _queue_from_options(
            application.factory.options, lambda: parsed.recorded_span(application.where)
        )
    given = dict(written)
    if "actor_name" in given:
        name = given["actor_name"]
    else:
        # A wrapper usually passes its own `actor_name` parameter on (None unless given):
        # unless the wrapper names the actor itself, it is named after the function.
        baked = dict(application.factory.options).get("actor_name")
        name = baked if isinstance(baked, str) else default_name
    if name is None:  # Dramatiq: `actor_name or fn.__name__`
        name = default_name
    registered = name if isinstance(name, str) else None
    return queue or NO_QUEUE, registered, tuple(options.items())


class _Definitions(cst.CSTVisitor):
    def __init__(self, parsed: ParsedModule, index: ProjectIndex) -> None:
        self.parsed = parsed
        self.index = index
        self.project = _project(index)
        self.jobs: list[JobDefinition] = []
        self._depth = 0  # functions and classes entered
        self._functions: dict[str, cst.FunctionDef] = {}

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._depth += 1
        qualified = sorted(self.parsed.names_of(node))
        if not qualified:
            return
        self._functions.setdefault(qualified[0], node)
        for written in node.decorators:
            found = decorator(self.parsed, written)
            factory = self.project.factory(found.name)
            if factory is None:
                continue
            expression = written.decorator
            call = expression if isinstance(expression, cst.Call) else None
            self._function_job(node, qualified[0], _Application(factory, call, written))
            return

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._depth -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._depth += 1
        qualified = sorted(self.parsed.names_of(node))
        if qualified and self.project.is_generic_actor(qualified[0]):
            self._class_job(node, qualified[0])

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._depth -= 1

    def visit_Assign(self, node: cst.Assign) -> None:
        """``send_email = dramatiq.actor(send_email_now, queue_name="mail")``."""
        value = node.value
        if self._depth or not isinstance(value, cst.Call) or len(node.targets) != 1:
            return
        target = node.targets[0].target
        factory = self.project.factory(single_name(self.parsed, value.func))
        if factory is None or not isinstance(target, cst.Name):
            return
        positional = [arg for arg in value.args if arg.keyword is None and not arg.star]
        if not positional:
            return
        function_name = single_name(self.parsed, positional[0].value)
        function = self._functions.get(function_name or "")
        qualified = single_name(self.parsed, target)
        if function is None or qualified is None:
            return
        application = _Application(factory, value, value)
        queue, registered, options = _job_settings(self.parsed, application, function.name.value)
        self.jobs.append(
            JobDefinition(
                framework=FRAMEWORK,
                name=target.value,
                qualified_name=qualified,
                path=self.parsed.path,
                module_name=self.parsed.module_name,
                name_span=self.parsed.span(target),
                node=function,
                is_class=False,
                queue=queue,
                perform=function,
                registered_name=registered,
                options=options,
            )
        )

    def _function_job(
        self, node: cst.FunctionDef, qualified: str, application: _Application
    ) -> None:
        queue, registered, options = _job_settings(self.parsed, application, node.name.value)
        self.jobs.append(
            JobDefinition(
                framework=FRAMEWORK,
                name=node.name.value,
                qualified_name=qualified,
                path=self.parsed.path,
                module_name=self.parsed.module_name,
                name_span=self.parsed.recorded_span(node.name),
                node=node,
                is_class=False,
                queue=queue,
                perform=node,
                registered_name=registered,
                options=options,
            )
        )

    def _class_job(self, node: cst.ClassDef, qualified: str) -> None:
        own_meta = _nested_class(node, "Meta")
        meta: tuple[tuple[str, ValueInfo], ...] | None = None
        meta_is_here = own_meta is not None
        if own_meta is not None:
            meta = class_attributes(self.parsed, own_meta)
        else:
            meta = self._inherited_meta(qualified)
        attributes = dict(meta or ())
        abstract = attributes.get("abstract")
        is_abstract = own_meta is not None and abstract is not None and abstract.literal is True
        queue = NO_QUEUE
        queue_value = attributes.get("queue_name")
        if queue_value is not None:
            span = queue_value.span if meta_is_here else None
            if isinstance(queue_value.literal, str):
                queue = QueueDeclaration(QueueKind.STATIC, queue_value.literal, span)
            else:
                queue = QueueDeclaration(QueueKind.DYNAMIC, None, span)
        actor_name = attributes.get("actor_name")
        registered: str | None = node.name.value
        if actor_name is not None:
            registered = actor_name.literal if isinstance(actor_name.literal, str) else None
        info = self.index.classes.get(qualified)
        self.jobs.append(
            JobDefinition(
                framework=FRAMEWORK,
                name=node.name.value,
                qualified_name=qualified,
                path=self.parsed.path,
                module_name=self.parsed.module_name,
                name_span=self.parsed.recorded_span(node.name),
                node=node,
                is_class=True,
                base_names=info.base_names if info is not None else (),
                base_spans=tuple(self.parsed.span(base.value) for base in node.bases),
                queue=queue,
                perform=method(node, "perform"),
                is_abstract=is_abstract,
                registered_name=registered,
                options=tuple(
                    (key, value.literal) for key, value in attributes.items() if key != "abstract"
                ),
            )
        )

    def _inherited_meta(self, qualified: str) -> tuple[tuple[str, ValueInfo], ...] | None:
        """The ``Meta`` Dramatiq finds by attribute lookup: the nearest ancestor's."""
        for ancestor in self.index.project_ancestors(qualified)[1:]:
            meta = self.index.classes.get(ancestor.qualified_name + ".Meta")
            if meta is not None:
                return meta.attributes
        return None


def _nested_class(node: cst.ClassDef, name: str) -> cst.ClassDef | None:
    for statement in node.body.body:
        if isinstance(statement, cst.ClassDef) and statement.name.value == name:
            return statement
    return None


def define_jobs(parsed: ParsedModule, index: ProjectIndex) -> list[JobDefinition]:
    visitor = _Definitions(parsed, index)
    walk.walk_statements(parsed.module, visitor)  # its callbacks are all for statements
    return visitor.jobs


# -- arguments ----------------------------------------------------------------------------


def arguments_from_keywords(
    parsed: ParsedModule,
    args_value: cst.BaseExpression | None,
    kwargs_value: cst.BaseExpression | None,
) -> tuple[tuple[cst.Arg, ...], bool]:
    """``args=(a,), kwargs={"b": c}`` as the job receives them: ``a, b=c``."""
    arguments: list[cst.Arg] = []
    known = True
    if args_value is not None and literal(args_value) is not None:
        elements = sequence_elements(parsed, args_value)
        if elements is None:
            known = False
        else:
            arguments.extend(cst.Arg(value=element) for element in elements)
    if kwargs_value is not None and literal(kwargs_value) is not None:
        items = mapping_items(parsed, kwargs_value)
        if items is None:
            known = False
        else:
            arguments.extend(cst.Arg(value=v, keyword=cst.Name(k)) for k, v in items)
    return tuple(arguments), known


# -- enqueue sites -------------------------------------------------------------------------


class _EnqueueSites(cst.CSTVisitor):
    def __init__(self, parsed: ParsedModule, index: ProjectIndex) -> None:
        self.parsed = parsed
        self.index = index
        self.sites: list[EnqueueSite] = []

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute):
            method_name = func.attr.value
            if method_name in SEND_METHODS | WITH_OPTIONS_METHODS | {UNDERLYING_FUNCTION}:
                found = self._actor(func.value)
                if found is not None:
                    self._method_site(node, method_name, *found)
                    return
        name = single_name(self.parsed, func)
        if name is None:
            return
        if name in MESSAGE_CLASSES:
            self._message_site(node)
            return
        job = self._job(name)
        if job is not None:
            arguments, known = expand_arguments(self.parsed, node.args)
            self._add(node, DIRECT_CALL, job.qualified_name, arguments, known, (), True)

    def _job(self, name: str) -> JobDefinition | None:
        job = self.index.jobs.resolve(name)
        return job if job is not None and job.framework == FRAMEWORK else None

    def _actor(self, receiver: cst.BaseExpression) -> tuple[str | None, str | None] | None:
        """(qualified name, registered name) of the actor ``receiver`` is, when shown:
        a name resolving to an actor, or ``broker.get_actor("name")``."""
        if isinstance(receiver, cst.Call):
            return self._actor_by_name(receiver)
        name = single_name(self.parsed, receiver)
        job = self._job(name) if name is not None else None
        return (job.qualified_name, None) if job is not None else None

    def _actor_by_name(self, call: cst.Call) -> tuple[str | None, str | None] | None:
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "get_actor" or not call.args:
            return None
        registered = literal(call.args[0].value)
        if not isinstance(registered, str):
            return None
        target = _registered_target(self.index, registered)
        if target is not None:
            return target, registered
        broker = func.value
        if isinstance(broker, cst.Call) and single_name(self.parsed, broker.func) in GET_BROKER:
            return None, registered
        return None

    def _method_site(
        self, node: cst.Call, method_name: str, target: str | None, registered: str | None
    ) -> None:
        if method_name in WITH_OPTIONS_METHODS:
            keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
            arguments, known = arguments_from_keywords(
                self.parsed, keywords.get("args"), keywords.get("kwargs")
            )
            if any(arg.star for arg in node.args):
                known = False
            options = tuple((k, v) for k, v in keywords.items() if k not in ARGUMENT_KEYWORDS)
            self._add(node, method_name, target, arguments, known, options, False, registered)
            return
        arguments, known = expand_arguments(self.parsed, node.args)
        synchronous = method_name == UNDERLYING_FUNCTION
        self._add(node, method_name, target, arguments, known, (), synchronous, registered)

    def _message_site(self, node: cst.Call) -> None:
        """``dramatiq.Message(queue_name=..., actor_name="name", args=..., kwargs=...)``."""
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        actor_name = keywords.get("actor_name")
        registered = literal(actor_name) if actor_name is not None else UNKNOWN
        target = _registered_target(self.index, registered) if isinstance(registered, str) else None
        arguments, known = arguments_from_keywords(
            self.parsed, keywords.get("args"), keywords.get("kwargs")
        )
        if any(arg.keyword is None for arg in node.args):
            known = False
        options = tuple((k, v) for k, v in keywords.items() if k not in MESSAGE_OWN_KEYWORDS)
        self._add(
            node,
            MESSAGE,
            target,
            arguments,
            known,
            options,
            False,
            registered if isinstance(registered, str) else None,
        )

    def _add(
        self,
        node: cst.Call,
        method_name: str,
        target: str | None,
        arguments: tuple[cst.Arg, ...],
        known: bool,
        options: tuple[tuple[str, cst.BaseExpression], ...],
        synchronous: bool,
        registered: str | None = None,
    ) -> None:
        self.sites.append(
            EnqueueSite(
                framework=FRAMEWORK,
                method=method_name,
                path=self.parsed.path,
                span=self.parsed.span(node),
                node=node,
                target=target,
                arguments=arguments,
                arguments_known=known,
                options=options,
                synchronous=synchronous,
                target_registered_name=registered,
            )
        )


def _registered_target(index: ProjectIndex, registered: str) -> str | None:
    """The one actor registered as ``registered``, or None (unknown, or ambiguous)."""
    found = {
        job.qualified_name
        for job in index.jobs.by_registered_name(registered)
        if job.framework == FRAMEWORK and not job.is_abstract
    }
    return found.pop() if len(found) == 1 else None


def find_enqueue_sites(parsed: ParsedModule, index: ProjectIndex) -> list[EnqueueSite]:
    visitor = _EnqueueSites(parsed, index)
    for call in parsed.calls:  # its only callback: the module's calls, as a walk meets them
        visitor.visit_Call(call)
    return visitor.sites
