"""What a project configures, anywhere in its files, that lets a job run a second time
(JOB401) where its framework would otherwise run it at most once.

- Celery acknowledges a task's message just before running it, so a worker that dies
  mid-task loses the task rather than running it again, unless the task acknowledges late.
  A task says so itself (``acks_late=True``), or takes the app's ``task_acks_late``:
  ``app.conf.task_acks_late = True``, ``app.conf["task_acks_late"]``,
  ``app.conf.update(task_acks_late=True)`` (or a dict of them), ``Celery(...,
  task_acks_late=True)``, a ``celeryconfig`` module's ``task_acks_late``, Django settings
  under any namespace (``CELERY_TASK_ACKS_LATE``) or Celery 3's ``CELERY_ACKS_LATE``.
- Procrastinate leaves the job of a worker that died in ``doing`` for ever, unless the
  project retries stalled jobs itself (``job_manager.get_stalled_jobs()``, then
  ``retry_job``), which makes every one of its jobs one that can run again.

Read the way ``project_serializers`` reads serializers: a regular expression over every
file's bytes (Django settings modules rarely mention a job), parsing only the files that
mention a setting, once per run; the result rides on the project index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst

from joblint.analysis.celery_settings import settings_in
from joblint.analysis.model import UNKNOWN, Literal
from joblint.analysis.project_serializers import celery_app_settings
from joblint.analysis.symbols import literal, single_name
from joblint.parse.modnames import module_name_for
from joblint.parse.source import SourceFile

if TYPE_CHECKING:
    from joblint.parse.parsing import ParsedModule

DELIVERY_NEEDLE = re.compile(rb"acks_late|ACKS_LATE|get_stalled_jobs")
ACKS_LATE_NEEDLE = re.compile(rb"acks_late|ACKS_LATE")
ACKS_LATE_KEY = "task_acks_late"
# The setting as a module-level name: Django settings under any namespace
# (`CELERY_TASK_ACKS_LATE`), Celery 3's `CELERY_ACKS_LATE`, a `celeryconfig` module's
# lowercase `task_acks_late`.
ACKS_LATE_MODULE_LEVEL = re.compile(r"\b[A-Z][A-Z0-9]*_(?:TASK_)?ACKS_LATE\b|\btask_acks_late\b")
STALLED_JOBS_RETRIED = re.compile(rb"\bget_stalled_jobs\s*\(")
CELERY_APP_CLASSES = frozenset({"celery.Celery", "celery.app.Celery", "celery.app.base.Celery"})


@dataclass(frozen=True)
class ConfiguredDelivery:
    """What the project sets: Celery's ``task_acks_late`` per app (by the app's qualified
    name) and in configuration modules any app may load; whether it retries
    Procrastinate's stalled jobs."""

    celery_acks_late_apps: Mapping[str, Literal] = field(default_factory=dict)
    celery_acks_late_modules: tuple[Literal, ...] = ()
    retries_stalled_jobs: bool = False

    def celery_acks_late(self, app: str | None) -> bool | None:
        """Whether the tasks of ``app`` (None: a shared task, which runs on every app, or
        an app that cannot be told) are acknowledged late by the project's settings: True
        when one that applies says so, None when one that applies cannot be read, False
        otherwise (Celery's default)."""
        if app is not None and app in self.celery_acks_late_apps:
            values = [self.celery_acks_late_apps[app]]
        else:
            values = list(self.celery_acks_late_modules)
            if app is None:
                values.extend(self.celery_acks_late_apps.values())
        read = [_flag(value) for value in values]
        if True in read:
            return True
        if None in read:
            return None
        return False


def _flag(value: Literal) -> bool | None:
    """A boolean setting as Celery reads it; None for a value that cannot be read."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int | float):
        return value != 0
    return None


def configured_delivery(
    sources: Iterable[SourceFile], imported_as: Mapping[Path, str] | None = None
) -> ConfiguredDelivery:
    """What the project's files (all of them, as the engine read them) configure;
    ``imported_as`` names modules as the run does, so apps match the jobs' ``app``."""
    from joblint.parse.parsing import ParsedModule, parse

    apps: dict[str, Literal] = {}
    modules: list[Literal] = []
    stalled = False
    for source in sources:
        if not DELIVERY_NEEDLE.search(source.data):
            continue
        stalled = stalled or bool(STALLED_JOBS_RETRIED.search(source.data))
        if not ACKS_LATE_NEEDLE.search(source.data):
            continue
        parsed = parse(source, module_name_for(source.path, imported_as))
        if not isinstance(parsed, ParsedModule):
            continue
        for app, value in _app_settings(parsed):
            apps[app] = value if apps.get(app, value) == value else UNKNOWN
        names = {match.group() for match in ACKS_LATE_MODULE_LEVEL.finditer(source.text)}
        # The lowercase name counts only in a module about Celery.
        about_celery = "celery" in source.path.name.lower() or b"celery" in source.data.lower()
        level = frozenset(n for n in names if about_celery or n.isupper())
        modules.extend(literal(value) for _, value in settings_in(parsed, level, _no_app))
    return ConfiguredDelivery(apps, tuple(modules), stalled)


def _no_app(node: cst.BaseExpression) -> bool:
    """Apps' settings are read by ``_app_settings``, which knows which app they are."""
    return False


def _app_settings(parsed: ParsedModule) -> list[tuple[str, Literal]]:
    """``task_acks_late`` set on an app: by ``<app>.conf`` (as ``project_serializers``
    reads it), or as a keyword of the ``Celery(...)`` call a module-level name is bound
    to. The app's qualified name and the value."""
    found = celery_app_settings(parsed, ACKS_LATE_KEY)
    for statement in parsed.module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and isinstance(small.value, cst.Call)
                and single_name(parsed, small.value.func) in CELERY_APP_CLASSES
            ):
                continue
            app = f"{parsed.module_name}.{small.targets[0].target.value}"
            for arg in small.value.args:
                if arg.keyword is not None and arg.keyword.value == ACKS_LATE_KEY:
                    found.append((app, literal(arg.value)))
    return found
