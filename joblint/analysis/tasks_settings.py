"""Django's ``TASKS`` setting, read without importing the settings: the one reader behind
the Django Tasks queue source (``joblint.analysis.queues``) and JOB707, beside the names
the frontend and JOB707 both know Django Tasks by (``FRAMEWORK``, ``NEEDLES``).

Settings modules are ``settings.py``, every module of a ``settings`` package, and the
production-named modules ``settings_production.py``, ``settings_prod.py``,
``production_settings.py`` and ``prod_settings.py``. A module is read only when it binds
the name ``TASKS``; it is read *completely* only when the one place it does so is a
module-level ``TASKS = {...}`` whose keys are string literals and whose values are dict
literals. Anything else (``TASKS["x"] = ...``, ``TASKS.update(...)``, ``TASKS = env(...)``,
``from .base import TASKS``) may change what the backends are, so the module says it is
incomplete and whoever reads it stays quiet about what it cannot see.

What a backend accepts follows ``BaseTaskBackend``: without ``QUEUES`` only ``"default"``;
an empty ``QUEUES`` skips the check (any queue; the RQ backend then takes django-rq's
queues, which is no more knowable here).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from joblint.analysis.model import JobDefinition
from joblint.analysis.symbols import literal
from joblint.diagnostics import Span
from joblint.parse import walk
from joblint.parse.parsing import ParsedModule, parse
from joblint.parse.source import SourceFile

# Django Tasks' name in the job model, and the strings any module using it contains: the
# frontend's prefilter needles, and JOB707's test for a project that uses Django Tasks.
FRAMEWORK = "django-tasks"
# `from django.tasks import task`, `import django.tasks`, `from django_tasks import task`;
# `from django import tasks` is the one spelling that names neither.
NEEDLES: tuple[bytes, ...] = (b"django.tasks", b"django_tasks", b"django import tasks")

DEFAULT_ALIAS = "default"
DEFAULT_QUEUE = "default"

# Every backend Django and the django-tasks backport ship (past and present), and whether
# it supports ``run_after`` (``supports_defer``).
BACKEND_DEFERS: dict[str, bool] = {
    "django.tasks.backends.immediate.ImmediateBackend": False,
    "django.tasks.backends.dummy.DummyBackend": True,
    "django_tasks.backends.immediate.ImmediateBackend": False,
    "django_tasks.backends.dummy.DummyBackend": True,
    "django_tasks.backends.threadpool.ThreadPoolBackend": False,
    "django_tasks.backends.database.DatabaseBackend": True,
    "django_tasks.backends.database.backend.DatabaseBackend": True,
    "django_tasks.backends.rq.RQBackend": True,
    "django_tasks.backends.celery.CeleryBackend": True,
    "django_tasks.backends.celery.backend.CeleryBackend": True,
}
# The packages whose backends are all listed above: a path under them that is not listed
# names nothing. A backend anywhere else is a third party's, not ours to judge.
BACKEND_PACKAGES = ("django.tasks.backends.", "django_tasks.backends.")
# Backends that do not run tasks in a worker: fine for development and tests, a silent
# loss (dummy) or a blocked request (immediate) in production.
NON_PRODUCTION_BACKENDS = frozenset(
    {
        "django.tasks.backends.immediate.ImmediateBackend",
        "django.tasks.backends.dummy.DummyBackend",
        "django_tasks.backends.immediate.ImmediateBackend",
        "django_tasks.backends.dummy.DummyBackend",
    }
)
PRODUCTION_STEMS = frozenset({"production", "prod"})
PRODUCTION_FILES = frozenset(
    {"settings_production.py", "settings_prod.py", "production_settings.py", "prod_settings.py"}
)


def is_settings_module(path: Path) -> bool:
    return path.name == "settings.py" or path.parent.name == "settings" or is_production(path)


def is_production(path: Path) -> bool:
    """A settings module named for production: ``settings/production.py``,
    ``settings/prod.py`` or one of ``PRODUCTION_FILES``. Nothing else is guessed at: a
    plain ``settings.py`` may be anyone's."""
    if path.name in PRODUCTION_FILES:
        return True
    return path.parent.name == "settings" and path.stem in PRODUCTION_STEMS


@dataclass(frozen=True)
class WrittenString:
    """A string literal and where it is written."""

    value: str
    span: Span


@dataclass(frozen=True)
class TasksBackend:
    """One alias of ``TASKS``."""

    alias: str
    # The literal ``BACKEND``; None when it is missing or computed.
    backend: WrittenString | None
    # What ``QUEUES`` allows: None when any queue may be valid (an empty list, or a value
    # that is not a literal list of strings); ``("default",)`` when it is not given.
    queues: tuple[str, ...] | None

    def accepts(self, queue: str) -> bool:
        return self.queues is None or queue in self.queues


@dataclass(frozen=True)
class TasksSettings:
    """``TASKS`` as one settings module writes it."""

    path: Path
    relative: str  # from the project root, with forward slashes
    production: bool
    backends: tuple[TasksBackend, ...]
    complete: bool

    def backend(self, alias: str) -> TasksBackend | None:
        return next((b for b in self.backends if b.alias == alias), None)


def queues_to_choose(modules: Sequence[TasksSettings], alias: str | None) -> tuple[str, ...] | None:
    """The queues besides ``"default"`` that a task of backend ``alias`` may name, across
    the settings ``modules``: ``()`` when it may name none (no ``TASKS`` found, as in a
    reusable app; a backend with no ``QUEUES``, or one listing only ``"default"``; an alias
    no module defines), None when any name may be valid as far as they show (an empty or
    computed ``QUEUES``, a ``TASKS`` that is not one literal, an alias that cannot be told)."""
    if not modules:
        return ()
    if alias is None or not all(module.complete for module in modules):
        return None
    names: list[str] = []
    for backend in (b for module in modules for b in module.backends if b.alias == alias):
        if backend.queues is None:
            return None
        names.extend(name for name in backend.queues if name != DEFAULT_QUEUE)
    return tuple(dict.fromkeys(names))


def read_tasks_settings(sources: Sequence[SourceFile], project_root: Path) -> list[TasksSettings]:
    """Every settings module among ``sources`` (the files of a run) that binds ``TASKS``."""
    found: list[TasksSettings] = []
    for source in sources:
        if not is_settings_module(source.path) or b"TASKS" not in source.data:
            continue
        parsed = parse(source)
        if not isinstance(parsed, ParsedModule):
            continue
        relative = Path(os.path.relpath(source.path, project_root)).as_posix()
        read = tasks_in(parsed, relative)
        if read is not None:
            found.append(read)
    return found


def tasks_in(parsed: ParsedModule, relative: str) -> TasksSettings | None:
    """``TASKS`` in one parsed module; None when the module never names it."""
    names = _tasks_names(parsed.module)
    if not names:
        return None
    assigned = _module_level_assignment(parsed.module)
    complete = (
        assigned is not None
        and len(names) == 1
        and isinstance(assigned, cst.Dict)
        and all(isinstance(e, cst.DictElement) for e in assigned.elements)
    )
    backends: list[TasksBackend] = []
    if isinstance(assigned, cst.Dict):
        for element in assigned.elements:
            if not isinstance(element, cst.DictElement):
                continue
            alias = literal(element.key)
            if not isinstance(alias, str) or not isinstance(element.value, cst.Dict):
                complete = False
                continue
            backend = _backend(parsed, alias, element.value)
            if backend is None:
                complete = False
            else:
                backends.append(backend)
    production = is_production(parsed.path)
    return TasksSettings(parsed.path, relative, production, tuple(backends), complete)


def _backend(parsed: ParsedModule, alias: str, params: cst.Dict) -> TasksBackend | None:
    """One alias's parameters; None when a key is computed or a ``**`` splat hides some."""
    values: dict[str, cst.BaseExpression] = {}
    for item in params.elements:
        if not isinstance(item, cst.DictElement):
            return None
        key = literal(item.key)
        if not isinstance(key, str):
            return None
        values[key] = item.value
    backend: WrittenString | None = None
    written = values.get("BACKEND")
    if written is not None and isinstance(literal(written), str):
        backend = WrittenString(str(literal(written)), parsed.span(written))
    queues: tuple[str, ...] | None = (DEFAULT_QUEUE,)
    if "QUEUES" in values:
        listed = literal(values["QUEUES"])
        queues = None  # an empty list, or one computed, lets any queue through
        if isinstance(listed, tuple) and listed and all(isinstance(n, str) for n in listed):
            queues = tuple(str(name) for name in listed)
    return TasksBackend(alias, backend, queues)


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found: list[cst.Name] = []

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "TASKS":
            self.found.append(node)


def _tasks_names(module: cst.Module) -> list[cst.Name]:
    """Every use of the name ``TASKS``, but not ``TASKS`` as an attribute (``settings.TASKS``
    reads the setting; it does not write it)."""
    visitor = _Names()
    walk.walk(module, visitor)
    attributes = _AttributeNames()
    walk.walk(module, attributes)
    return [name for name in visitor.found if id(name) not in attributes.ids]


class _AttributeNames(cst.CSTVisitor):
    def __init__(self) -> None:
        self.ids: set[int] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.ids.add(id(node.attr))


def _module_level_assignment(module: cst.Module) -> cst.BaseExpression | None:
    """The value of the module-level ``TASKS = ...`` (or ``TASKS: dict = ...``)."""
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and small.targets[0].target.value == "TASKS"
            ):
                return small.value
            if (
                isinstance(small, cst.AnnAssign)
                and isinstance(small.target, cst.Name)
                and small.target.value == "TASKS"
                and small.value is not None
            ):
                return small.value
    return None


def job_backend(job: JobDefinition) -> str | None:
    """The ``TASKS`` alias a Django task is bound to: its ``backend=``, else
    ``"default"``; None when it is computed or a ``**options`` may set it. Read from the
    job's facts (its options, whether its decorator unpacks arguments), not its
    decorator's node: the project rules asking have no tree at hand (issue 17)."""
    for key, value in job.options:
        if key == "backend":
            return value if isinstance(value, str) else None
    return None if job.decorator_unpacks else DEFAULT_ALIAS
