"""The queues a project knows, and where each name came from.

Merged in order from ``[tool.joblint] queues``, the workers of the queue file
(``config/queue.yml`` or ``queue-config``), which is read with the runtime's own parser so
the linter and ``joblint jobs start`` never disagree about what a worker serves, and, in a
project with Django Tasks, ``TASKS[...]["QUEUES"]`` in its settings modules. When no
source exists, ``KnownQueues.exists`` is False and the rules comparing names against it
(JOB302, JOB702) stay silent: there is nothing to compare with.
"""

from __future__ import annotations

import ast
import difflib
import os
from dataclasses import dataclass
from pathlib import Path

from joblint.config import Settings
from joblint.runtime.queue_config import QueueConfigReport, check_queue_config
from joblint.runtime.queue_selection import EntryKind, QueueSelection, classify_queue_entry
from joblint.runtime.recurring_config import RecurringConfigReport, check_recurring_config


@dataclass(frozen=True)
class QueueSource:
    """One place queue names are declared: ``pyproject.toml`` or the queue file."""

    description: str
    names: tuple[str, ...]


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
        return "; ".join(
            f"{source.description}: {', '.join(source.names)}" for source in self.sources
        )


def source_knows(source: QueueSource, name: str) -> bool:
    """``name`` is listed, or matched by a ``*`` or ``prefix*`` entry (an ignored wildcard
    such as ``*_low`` matches nothing)."""
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
    return path, check_queue_config(text, str(path))


def read_recurring_file(settings: Settings) -> tuple[Path, RecurringConfigReport] | None:
    path = config_file(settings, settings.recurring_config)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return path, check_recurring_config(text, str(path))


def django_settings_queues(settings: Settings) -> list[QueueSource]:
    """``TASKS[alias]["QUEUES"]`` in the project's Django settings modules (``settings.py``,
    or any module of a ``settings`` package), read without importing them: only literal
    lists of strings count. A backend without ``QUEUES`` accepts only ``default``."""
    from joblint.discovery import discover

    sources: list[QueueSource] = []
    for path in discover([settings.project_root], settings).files:
        if path.name != "settings.py" and path.parent.name != "settings":
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "TASKS" not in text:
            continue
        names = _tasks_queues(text)
        if names:
            relative = os.path.relpath(path, settings.project_root)
            sources.append(QueueSource(f"TASKS in {Path(relative).as_posix()}", names))
    return sources


def _tasks_queues(text: str) -> tuple[str, ...]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return ()
    names: list[str] = []
    for statement in tree.body:
        if not (
            isinstance(statement, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "TASKS" for t in statement.targets)
            and isinstance(statement.value, ast.Dict)
        ):
            continue
        for backend in statement.value.values:
            if not isinstance(backend, ast.Dict):
                continue
            queues = next(
                (
                    value
                    for key, value in zip(backend.keys, backend.values, strict=True)
                    if isinstance(key, ast.Constant) and key.value == "QUEUES"
                ),
                None,
            )
            if queues is None:
                names.append("default")
            elif isinstance(queues, ast.List | ast.Tuple | ast.Set):
                names.extend(
                    element.value
                    for element in queues.elts
                    if isinstance(element, ast.Constant) and isinstance(element.value, str)
                )
    return tuple(dict.fromkeys(names))


def known_queues(settings: Settings, django: bool = False) -> KnownQueues:
    """``django``: the project has Django Tasks, so its settings modules are read too."""
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
    if django:
        sources.extend(django_settings_queues(settings))
    return KnownQueues(tuple(sources), selections, queue_file)
