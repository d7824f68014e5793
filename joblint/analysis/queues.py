"""The queues a project knows, and where each name came from.

Merged in order from ``[tool.joblint] queues``, the workers of the queue file
(``config/queue.yml`` or ``queue-config``), which is read with the runtime's own parser so
the linter and ``joblint jobs start`` never disagree about what a worker serves; in a
project with Django Tasks, ``TASKS[...]["QUEUES"]`` in its settings modules; in a project
with Celery, the ``task_queues``, ``task_default_queue`` and ``task_routes`` its code
sets. A value that is not a literal makes its source know every name. When no
source exists, ``KnownQueues.exists`` is False and the rules comparing names against it
(JOB302, JOB702) stay silent: there is nothing to compare with.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from joblint.config import Settings
from joblint.runtime.queue_selection import EntryKind, QueueSelection, classify_queue_entry

if TYPE_CHECKING:
    from joblint.analysis.tasks_settings import TasksSettings
    from joblint.parse.source import SourceFile
    from joblint.runtime.queue_config import QueueConfigReport
    from joblint.runtime.recurring_config import RecurringConfigReport


@dataclass(frozen=True)
class QueueSource:
    """One place queue names are declared: ``pyproject.toml``, the queue file, a settings
    module. ``any_queue`` says why any name may be one of its queues (a computed value):
    then it knows every name, and the rules comparing with it cannot tell."""

    description: str
    names: tuple[str, ...]
    any_queue: str | None = None

    def describe(self) -> str:
        listed = ", ".join(self.names)
        if self.any_queue is None:
            return listed
        return f"{listed} and any other ({self.any_queue})" if listed else f"any ({self.any_queue})"


@dataclass(frozen=True)
class KnownQueues:
    sources: tuple[QueueSource, ...]
    # The queue file's workers, when the file exists and parses: what JOB702 compares with.
    worker_selections: tuple[QueueSelection, ...] | None = None
    queue_file: Path | None = None

    @property
    def exists(self) -> bool:
        return bool(self.sources)

    @property
    def exact_names(self) -> tuple[str, ...]:
        names = [
            name
            for source in self.sources
            for name in source.names
            if classify_queue_entry(name) is EntryKind.EXACT
        ]
        return tuple(dict.fromkeys(names))

    def knows(self, name: str) -> bool:
        """A name some source lists, or one a worker's ``*`` or ``prefix*`` matches."""
        return any(source_knows(source, name) for source in self.sources)

    def nearest(self, name: str) -> str | None:
        matches = difflib.get_close_matches(name, self.exact_names, n=1, cutoff=0.6)
        return matches[0] if matches else None

    def served(self, name: str) -> bool:
        """Whether some worker of the queue file serves ``name`` (True without a file)."""
        if self.worker_selections is None:
            return True
        return any(selection.serves(name) for selection in self.worker_selections)

    def describe(self) -> str:
        return "; ".join(f"{source.description}: {source.describe()}" for source in self.sources)


def source_knows(source: QueueSource, name: str) -> bool:
    """``name`` is listed, or matched by a ``*`` or ``prefix*`` entry (an ignored wildcard
    such as ``*_low`` matches nothing)."""
    if source.any_queue is not None:
        return True
    kinds = [classify_queue_entry(entry) for entry in source.names]
    if EntryKind.ALL in kinds:
        return True
    return any(
        (kind is EntryKind.EXACT and entry.strip() == name)
        or (kind is EntryKind.PREFIX and name.startswith(entry.strip()[:-1]))
        for entry, kind in zip(source.names, kinds, strict=True)
    )


def config_file(settings: Settings, relative: str) -> Path:
    """A config file's absolute path: the findings located in it carry this path."""
    return Path(os.path.abspath(settings.project_root / relative))


def read_queue_file(settings: Settings) -> tuple[Path, QueueConfigReport] | None:
    """The queue file and its report; None when it does not exist or cannot be read."""
    path = config_file(settings, settings.queue_config)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    # Imported here: YAML and cron parsing cost a run with no queue file 40 ms to import,
    # a tenth of checking one changed file from the kept facts.
    from joblint.runtime.queue_config import check_queue_config

    return path, check_queue_config(text, str(path))


def read_recurring_file(settings: Settings) -> tuple[Path, RecurringConfigReport] | None:
    path = config_file(settings, settings.recurring_config)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    from joblint.runtime.recurring_config import check_recurring_config

    return path, check_recurring_config(text, str(path))


class SettingsInCode:
    """The job settings a project writes in its Python code rather than in its queue
    file: Django's ``TASKS`` in settings modules, Celery's queue settings. Read from the
    run's own files (the ones it read, as they were read: a fix checked in memory sees its
    own text), only when a rule asks and only the files that mention a setting; settings
    modules rarely name a job, so the prefilter leaves them out of the parsed modules."""

    # What read_tasks_settings and celery_queues look for: the only files they parse.
    NAMES = ("tasks", "celery_queues")

    def __init__(
        self,
        sources: Sequence[SourceFile] = (),
        project_root: Path = Path(),
        known: Mapping[str, object] | None = None,
    ) -> None:
        """``known``: what an earlier run read (``read()``) from files that have not
        changed since, by name; used instead of reading them again."""
        self._sources = sources
        self._root = project_root
        for name, value in (known or {}).items():
            if name in self.NAMES:
                self.__dict__[name] = value  # what cached_property would have stored

    @staticmethod
    def concerns(source: SourceFile) -> bool:
        """Whether the file is one the settings are read from (its bytes alone say)."""
        from joblint.analysis.celery_settings import QUEUE_CONFIG_NEEDLES
        from joblint.analysis.tasks_settings import is_settings_module

        data = source.data
        return (b"TASKS" in data and is_settings_module(source.path)) or any(
            needle in data for needle in QUEUE_CONFIG_NEEDLES
        )

    def read(self) -> dict[str, object]:
        """What this run has read so far, by name, for a later run to reuse."""
        return {name: self.__dict__[name] for name in self.NAMES if name in self.__dict__}

    @cached_property
    def tasks(self) -> tuple[TasksSettings, ...]:
        """Every settings module that binds ``TASKS``."""
        from joblint.analysis.tasks_settings import read_tasks_settings

        return tuple(read_tasks_settings(self._sources, self._root))

    @cached_property
    def celery_queues(self) -> tuple[QueueSource, ...]:
        """The queues Celery's configuration names in code (``task_queues``,
        ``task_default_queue``, ``task_routes``, or their ``CELERY_`` forms in Django
        settings), read by ``joblint.analysis.celery_settings``, as the Celery frontend
        reads them. Only files that mention one of those settings are parsed."""
        from joblint.analysis.celery_settings import QUEUE_CONFIG_NEEDLES, configured_queues
        from joblint.parse.parsing import ParsedModule, parse

        found: list[QueueSource] = []
        for source in self._sources:
            if not any(needle in source.data for needle in QUEUE_CONFIG_NEEDLES):
                continue
            parsed = parse(source)
            if not isinstance(parsed, ParsedModule):
                continue
            queues = configured_queues(parsed)
            if queues is None:
                continue
            relative = Path(os.path.relpath(source.path, self._root)).as_posix()
            any_queue = f"`{queues.computed}` is computed" if queues.computed else None
            found.append(QueueSource(f"Celery settings in {relative}", queues.names, any_queue))
        return tuple(found)


def django_settings_queues(in_code: SettingsInCode) -> list[QueueSource]:
    """``TASKS[alias]["QUEUES"]`` in the project's Django settings modules, as
    ``joblint.analysis.tasks_settings`` reads them (literals only). A backend without ``QUEUES``
    accepts only ``default``; an empty or computed one, or a ``TASKS`` changed in code,
    accepts any name as far as the linter can tell."""
    sources: list[QueueSource] = []
    for module in in_code.tasks:
        names = tuple(
            dict.fromkeys(name for backend in module.backends for name in backend.queues or ())
        )
        any_queue = None
        if not module.complete:
            any_queue = "TASKS is not one literal dict"
        elif any(backend.queues is None for backend in module.backends):
            any_queue = "a backend's QUEUES is empty or computed"
        if names or any_queue:
            sources.append(QueueSource(f"TASKS in {module.relative}", names, any_queue))
    return sources


def known_queues(
    settings: Settings,
    frameworks: Collection[str] = (),
    in_code: SettingsInCode | None = None,
) -> KnownQueues:
    """``frameworks``: those the project's jobs use; Django Tasks adds its settings
    modules' ``TASKS``, Celery its configuration set in code (``in_code``)."""
    in_code = in_code or SettingsInCode()
    sources: list[QueueSource] = []
    if settings.queues:
        sources.append(QueueSource("`queues` in [tool.joblint]", settings.queues))
    selections: tuple[QueueSelection, ...] | None = None
    queue_file: Path | None = None
    read = read_queue_file(settings)
    if read is not None and not any(p.kind == "syntax" for p in read[1].problems):
        path, report = read
        queue_file = path
        workers = [worker for config in report.configs for worker in config.workers]
        selections = tuple(worker.selection for worker in workers)
        names = tuple(dict.fromkeys(name for worker in workers for name in worker.queues))
        if names:
            sources.append(QueueSource(f"workers in {settings.queue_config}", names))
    if "django-tasks" in frameworks:
        sources.extend(django_settings_queues(in_code))
    if "celery" in frameworks:
        sources.extend(in_code.celery_queues)
    return KnownQueues(tuple(sources), selections, queue_file)
