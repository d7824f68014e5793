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

The helpers in the second half of this module (project wrappers of a task decorator,
values of local names, dict literals as keyword arguments) are framework-neutral; the
Django Tasks frontend uses them too.
"""

from __future__ import annotations

import enum
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst
from libcst.metadata import Assignment, BaseAssignment, Scope

from joblint.analysis.model import (
    NO_QUEUE,
    UNKNOWN,
    AssignmentInfo,
    EnqueueSite,
    FunctionInfo,
    JobDefinition,
    Literal,
    QueueDeclaration,
    QueueKind,
    Unknown,
)
from joblint.analysis.symbols import literal, single_name
from joblint.parse import walk
from joblint.parse.parsing import ParsedModule, parse
from joblint.parse.source import SourceFile, read_source

if TYPE_CHECKING:
    from joblint.analysis.index import ProjectIndex

FRAMEWORK = "procrastinate"
NEEDLES: tuple[bytes, ...] = (b"procrastinate",)

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
                name_span=parsed.span(node.name),
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
    walk.walk(parsed.module, visitor)
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


# == Framework-neutral helpers (the Django Tasks frontend uses them too) ================


PARTIALS = frozenset({"functools.partial"})
WRAPS = frozenset({"functools.wraps"})


def job_named_by(
    parsed: ParsedModule, index: ProjectIndex, expression: cst.CSTNode, framework: str
) -> JobDefinition | None:
    """The ``framework`` job an expression refers to, through imports and aliases."""
    name = single_name(parsed, expression)
    if name is None:
        return None
    job = index.jobs.resolve(name)
    if job is None or job.framework != framework or job.is_class:
        return None
    return job


def partial_of_method(
    parsed: ParsedModule, node: cst.Call, methods: frozenset[str]
) -> tuple[cst.BaseExpression, str] | None:
    """``functools.partial(x.method, ...)``: ``(x, method)``, what ``on_commit`` is given."""
    if not node.args or single_name(parsed, node.func) not in PARTIALS:
        return None
    first = node.args[0]
    if first.keyword is not None or first.star or not isinstance(first.value, cst.Attribute):
        return None
    if first.value.attr.value not in methods:
        return None
    return first.value.value, first.value.attr.value


# -- local values ---------------------------------------------------------------------

MUTATORS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__"})


class LocalValues:
    """What a name holds where one plain assignment (``params = {...}``, ``deferrer =
    task.configure(...)``, ``QUEUE = "emails"``) is its only binding in scope; None for
    anything less certain, including a dict changed after it was built. Walks the module
    on the first question only."""

    def __init__(self, parsed: ParsedModule) -> None:
        self._parsed = parsed

    @cached_property
    def _scopes(self) -> Mapping[cst.CSTNode, Scope | None]:
        return self._parsed.scopes

    @cached_property
    def _collected(self) -> _AssignedValues:
        collector = _AssignedValues()
        walk.walk(self._parsed.module, collector)
        return collector

    def value_of(self, name: cst.Name) -> cst.BaseExpression | None:
        """The value of the name ``name`` reads."""
        scope = self._scopes.get(name)
        return None if scope is None else self._bound(scope[name.value])

    def global_value(self, name: str) -> cst.BaseExpression | None:
        """The value of the module-level name ``name``."""
        scope = self._scopes.get(self._parsed.module)
        return None if scope is None else self._bound(scope[name])

    def _bound(self, assignments: Collection[BaseAssignment]) -> cst.BaseExpression | None:
        if len(assignments) != 1:
            return None
        [assignment] = assignments
        if not isinstance(assignment, Assignment) or not isinstance(assignment.node, cst.Name):
            return None
        value = self._collected.values.get(assignment.node)
        if value is None:
            return None
        changed = self._collected.changed
        if any(reference.node in changed for reference in assignment.references):
            return None
        return value


_LOCALS: weakref.WeakKeyDictionary[ParsedModule, LocalValues] = weakref.WeakKeyDictionary()


def local_values(parsed: ParsedModule) -> LocalValues:
    """The module's ``LocalValues``, built once."""
    found = _LOCALS.get(parsed)
    if found is None:
        found = _LOCALS[parsed] = LocalValues(parsed)
    return found


def constant(parsed: ParsedModule, expression: cst.BaseExpression) -> Literal:
    """A literal, or a name for one: a module-level constant bound once to a literal, in
    this module or (imported) in another module of the project. ``UNKNOWN`` otherwise."""
    value = literal(expression)
    if not isinstance(value, Unknown) or not isinstance(expression, cst.Name | cst.Attribute):
        return value
    name = single_name(parsed, expression)
    if name is None:
        return UNKNOWN
    module_name, _, attribute = name.rpartition(".")
    if module_name == parsed.module_name:
        module: ParsedModule | None = parsed
    else:
        module = module_named(parsed, module_name)
    if module is None:
        return UNKNOWN
    bound = local_values(module).global_value(attribute)
    return UNKNOWN if bound is None else literal(bound)


def module_named(parsed: ParsedModule, module_name: str) -> ParsedModule | None:
    """The project module ``module_name``, found beside ``parsed`` on disk: under the
    folder its own module name starts from (or a package below it, where namespace
    packages make module names shorter than imports). The top-level package's folder may
    be named otherwise than the package (``modnames.imported_names``), so the name's
    first part is read as that folder."""
    if not module_name or "<" in module_name:
        return None
    own = parsed.module_name.split(".")
    parts = module_name.split(".")
    root = parsed.path.resolve().parent
    folders_named = len(own) if parsed.path.name == "__init__.py" else len(own) - 1
    for _ in range(folders_named - 1):
        root = root.parent
    if folders_named:
        if parts[0] == own[0]:
            parts[0] = root.name
        root = root.parent
    folders = root.parts
    for start in range(len(parts)):
        # `app.core.constants` seen from inside the namespace package `app` is
        # `core.constants`: strip only leading parts that name the folders above.
        if start and tuple(parts[:start]) != folders[len(folders) - start :]:
            continue
        rest = parts[start:]
        for candidate in (
            root.joinpath(*rest[:-1], rest[-1] + ".py"),
            root.joinpath(*rest, "__init__.py"),
        ):
            if candidate.is_file():
                return _parsed_at(candidate)
    return None


class _AssignedValues(cst.CSTVisitor):
    def __init__(self) -> None:
        self.values: dict[cst.CSTNode, cst.BaseExpression] = {}
        self.changed: set[cst.CSTNode] = set()

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            self.values[node.targets[0].target] = node.value
        for target in node.targets:
            self._changes(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None and isinstance(node.target, cst.Name):
            self.values[node.target] = node.value  # `QUEUE: Final = "emails"`
        self._changes(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._changes(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self._changes(node.target)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if isinstance(node.value, cst.Name) and node.attr.value in MUTATORS:
            self.changed.add(node.value)

    def _changes(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            self.changed.add(target.value)


def keyword_arguments(locals_: LocalValues, expression: cst.BaseExpression) -> list[cst.Arg] | None:
    """A dict literal (``{"a": 1}``, ``dict(a=1)``), or a local bound once to one, as the
    keyword arguments it stands for; None when that cannot be shown."""
    if isinstance(expression, cst.Name):
        value = locals_.value_of(expression)
        if value is None or isinstance(value, cst.Name):
            return None
        expression = value
    if isinstance(expression, cst.Dict):
        arguments = []
        for element in expression.elements:
            if not isinstance(element, cst.DictElement):
                return None
            key = literal(element.key)
            if not isinstance(key, str) or not key.isidentifier():
                return None
            arguments.append(keyword_arg(key, element.value))
        return arguments
    if (
        isinstance(expression, cst.Call)
        and isinstance(expression.func, cst.Name)
        and expression.func.value == "dict"
        and all(arg.keyword is not None and not arg.star for arg in expression.args)
    ):
        return [
            keyword_arg(arg.keyword.value, arg.value)
            for arg in expression.args
            if arg.keyword is not None
        ]
    return None


def keyword_arg(name: str, value: cst.BaseExpression) -> cst.Arg:
    """``name=value``, spaced as PEP 8 spells keyword arguments."""
    no_space = cst.SimpleWhitespace("")
    return cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space),
    )


def merge_keywords(preset: Sequence[cst.Arg], given: Sequence[cst.Arg]) -> tuple[cst.Arg, ...]:
    """``preset`` keyword arguments, overridden by ``given`` ones of the same name."""
    given_names = {arg.keyword.value for arg in given if arg.keyword is not None}
    kept = [arg for arg in preset if arg.keyword is None or arg.keyword.value not in given_names]
    return (*kept, *given)


def normalised_arguments(
    locals_: LocalValues, preset: Sequence[cst.Arg], args: Sequence[cst.Arg]
) -> tuple[tuple[cst.Arg, ...], bool]:
    """The job's own arguments from an enqueue call's: ``**params`` of a dict literal
    spelled out as keywords; ``*args`` and other splats make them unknown."""
    known = True
    spelled: list[cst.Arg] = []
    for arg in args:
        if arg.star == "**":
            expanded = keyword_arguments(locals_, arg.value)
            if expanded is None:
                known = False
            else:
                spelled.extend(expanded)
        elif arg.star:
            known = False
        else:
            spelled.append(arg)
    return merge_keywords(preset, spelled), known


# -- task decorators and project wrappers ---------------------------------------------


@dataclass(frozen=True)
class Wrapper:
    """A project decorator standing for a framework's task decorator, with the keywords it
    passes on (``functools.partial(app.task, queue="low")``), as literals: the index's
    account of a module the current one imports from."""

    keywords: tuple[tuple[str, Literal], ...] = ()


@dataclass(frozen=True)
class Decoration:
    """How a function is made a task: the decorator as written, the keywords written
    there, and those a project wrapper adds (the written ones win)."""

    decorator: cst.Decorator
    written: tuple[tuple[str, cst.BaseExpression], ...]
    wrapper: tuple[tuple[str, Literal], ...] = ()
    # The decorator call passes what the keywords cannot show: `**options`, or
    # positional arguments to a project wrapper.
    opaque: bool = False

    def keyword(self, name: str) -> cst.BaseExpression | None:
        found = None
        for key, value in self.written:
            if key == name:
                found = value
        return found

    def has_keyword(self, name: str) -> bool:
        return any(key == name for key, _ in (*self.written, *self.wrapper))

    def value(self, parsed: ParsedModule, name: str) -> Literal:
        """The keyword's value: written here (a literal or a constant), else the
        wrapper's; ``UNKNOWN`` when computed, None when absent."""
        written = self.keyword(name)
        if written is not None:
            return constant(parsed, written)
        found: Literal = None
        for key, value in self.wrapper:
            if key == name:
                found = value
        return found

    def options(self, parsed: ParsedModule) -> tuple[tuple[str, Literal], ...]:
        merged: dict[str, Literal] = dict(self.wrapper)
        for key, value in self.written:
            merged[key] = constant(parsed, value)
        return tuple(merged.items())

    def queue(self, parsed: ParsedModule, keyword: str) -> QueueDeclaration:
        written = self.keyword(keyword)
        span = parsed.span(written if written is not None else self.decorator)
        if not self.has_keyword(keyword):
            if self.opaque:
                return QueueDeclaration(QueueKind.DYNAMIC, None, span)
            return NO_QUEUE
        value = self.value(parsed, keyword)
        if isinstance(value, str):
            return QueueDeclaration(QueueKind.STATIC, value, span)
        return QueueDeclaration(QueueKind.DYNAMIC, None, span)


@dataclass(frozen=True)
class DecoratedFunction:
    node: cst.FunctionDef
    qualified_name: str
    # Python's __qualname__: `send_email`, `Mailer.send`, `outer.<locals>.inner`.
    qualname: str
    decoration: Decoration


def decorated_functions(
    parsed: ParsedModule,
    index: ProjectIndex,
    framework: str,
    is_decorator: Callable[[str], bool],
) -> list[DecoratedFunction]:
    """Every function of the module made a task by ``is_decorator``'s decorator, a project
    wrapper of it, or a decorator the ``task-decorators`` setting gives ``framework``.
    Methods and nested functions count (JOB106 reports them); the inner function of a
    wrapper (``@functools.wraps(func)``) does not."""
    visitor = _Decorated(parsed, index, framework, is_decorator)
    walk.walk(parsed.module, visitor)
    return visitor.found


class _Decorated(cst.CSTVisitor):
    def __init__(
        self,
        parsed: ParsedModule,
        index: ProjectIndex,
        framework: str,
        is_decorator: Callable[[str], bool],
    ) -> None:
        self.parsed = parsed
        self.index = index
        self.framework = framework
        self.is_decorator = is_decorator
        self.found: list[DecoratedFunction] = []
        self._qualname: list[str] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._qualname.append(node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._qualname.pop()

    # No function is defined inside these: not descending keeps the walk cheap.
    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        return False

    def visit_Decorator(self, node: cst.Decorator) -> bool:
        return False

    def visit_Parameters(self, node: cst.Parameters) -> bool:
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        decoration = self._decoration(node)
        if decoration is not None:
            names = sorted(self.parsed.names_of(node))
            qualname = ".".join([*self._qualname, node.name.value])
            self.found.append(
                DecoratedFunction(
                    node,
                    names[0] if names else f"{self.parsed.module_name}.{qualname}",
                    qualname,
                    decoration,
                )
            )
        self._qualname.extend([node.name.value, "<locals>"])

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        del self._qualname[-2:]

    def _decoration(self, node: cst.FunctionDef) -> Decoration | None:
        found: Decoration | None = None
        for decorator in node.decorators:
            expression = decorator.decorator
            call = expression if isinstance(expression, cst.Call) else None
            name = single_name(self.parsed, call.func if call else expression)
            if name is None:
                continue
            if name in WRAPS:
                return None
            if found is not None:
                continue
            wrapper: Wrapper | None = None
            direct = self.is_decorator(name)
            if not direct and not is_configured(self.index, name, self.framework):
                wrapper = find_wrapper(self.index, name, self.framework, self.is_decorator)
                if wrapper is None:
                    continue
            args = call.args if call else ()
            found = Decoration(
                decorator=decorator,
                written=tuple(
                    (arg.keyword.value, arg.value)
                    for arg in args
                    if arg.keyword is not None and not arg.star
                ),
                wrapper=wrapper.keywords if wrapper else (),
                opaque=any(arg.star or (arg.keyword is None and not direct) for arg in args),
            )
        return found


def is_configured(index: ProjectIndex, name: str, framework: str) -> bool:
    """Whether the ``task-decorators`` setting names ``name`` for ``framework`` (matching
    a dotted suffix either way, as namespace packages shorten module names)."""
    for configured, configured_framework in index.task_decorators.items():
        if configured_framework != framework:
            continue
        if (
            name == configured
            or name.endswith("." + configured)
            or (configured.endswith("." + name))
        ):
            return True
    return False


def configured_needles(index: ProjectIndex, framework: str) -> Iterator[bytes]:
    for configured, configured_framework in index.task_decorators.items():
        if configured_framework == framework:
            yield configured.rpartition(".")[2].encode()


def find_wrapper(
    index: ProjectIndex, name: str, framework: str, is_decorator: Callable[[str], bool]
) -> Wrapper | None:
    """The project wrapper ``name`` refers to, in this module or another, read from the
    index: a module-level function whose body applies the task decorator
    (``return app.task(**options)``, an inner ``@app.task``), with the keywords of that
    call after the defaults its body sets (``options.setdefault("queue", "low")``); a
    module-level ``functools.partial(app.task, ...)``; or a decorator made once
    (``urgent = task(priority=90)``)."""
    function = index.functions.resolve(name)
    if function is not None:
        return _function_wrapper(function, is_decorator)
    assignment = index.assignments.resolve(name)
    return None if assignment is None else _assignment_wrapper(assignment, is_decorator)


def _function_wrapper(info: FunctionInfo, is_decorator: Callable[[str], bool]) -> Wrapper | None:
    if info.nested_in_function or info.is_method:
        return None
    defaults: list[tuple[str, Literal]] = []
    for call in info.calls:
        if call.function is None:
            continue
        if is_decorator(call.function):
            return Wrapper((*defaults, *call.keywords))
        if (
            call.function.endswith(".setdefault")
            and len(call.positional) == 2
            and isinstance(call.positional[0], str)
        ):
            defaults.append((call.positional[0], call.positional[1]))
    return None


def _assignment_wrapper(
    info: AssignmentInfo, is_decorator: Callable[[str], bool]
) -> Wrapper | None:
    value = info.value
    if value.function is None:
        return None
    if is_decorator(value.function):
        # `urgent = task(priority=90)`: the decorator made once, applied as `@urgent`.
        return None if value.positional else Wrapper(value.keywords)
    if value.function in PARTIALS and value.references:
        applied = value.references[0]
        if applied is not None and is_decorator(applied):
            return Wrapper(value.keywords)
    return None


_WRAPPER_NAMES: weakref.WeakKeyDictionary[ProjectIndex, dict[str, tuple[bytes, ...]]] = (
    weakref.WeakKeyDictionary()
)


def wrapper_needles(
    index: ProjectIndex, framework: str, is_decorator: Callable[[str], bool]
) -> tuple[bytes, ...]:
    """The names of the project's wrappers, for the prefilter: a module that only uses
    ``@shop_task`` must still be read."""
    table = _WRAPPER_NAMES.setdefault(index, {})
    found = table.get(framework)
    if found is None:
        names = {
            info.name
            for info in index.functions.values()
            if _function_wrapper(info, is_decorator) is not None
        }
        names.update(
            name.rpartition(".")[2]
            for name, info in index.assignments.items()
            if _assignment_wrapper(info, is_decorator) is not None
        )
        found = table[framework] = tuple(name.encode() for name in sorted(names))
    return found


_PARSED_CACHE: dict[Path, tuple[tuple[int, int], ParsedModule | None]] = {}


def _parsed_at(path: Path) -> ParsedModule | None:
    """Another project module, parsed to read a constant defined there (cached while the
    file is unchanged)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (stat.st_mtime_ns, stat.st_size)
    cached = _PARSED_CACHE.get(path)
    if cached is not None and cached[0] == key:
        return cached[1]
    source = read_source(path)
    result = parse(source) if isinstance(source, SourceFile) else None
    module = result if isinstance(result, ParsedModule) else None
    if len(_PARSED_CACHE) > 256:
        _PARSED_CACHE.clear()
    _PARSED_CACHE[path] = (key, module)
    return module
