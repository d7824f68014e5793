"""``config/queue.yml`` in Solid Queue's format: parse, validate, and fill Solid Queue's defaults.

``check_queue_config`` returns every problem with its line and column (the linter's JOB701
and JOB704 report them); ``load_queue_config`` is the runtime's entry point and raises
``ConfigError`` on the first error. Defaults are Solid Queue's: workers
``{queues: "*", threads: 3, processes: 1, polling_interval: 0.1}``, dispatchers
``{batch_size: 500, polling_interval: 1, concurrency_maintenance: true,
concurrency_maintenance_interval: 600}``; a file (or environment) with neither ``workers``
nor ``dispatchers`` runs one of each with those defaults, and a file with only one of them
runs only that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from joblint.runtime.config_nodes import (
    ConfigError,
    ConfigProblem,
    NodeReader,
    current_environment,
    in_file_order,
)
from joblint.runtime.queue_selection import EntryKind, QueueSelection, classify_queue_entry

DEFAULT_PATH = Path("config/queue.yml")
SECTION_KEYS = frozenset({"workers", "dispatchers"})


@dataclass(frozen=True)
class WorkerConfig:
    queues: tuple[str, ...] = ("*",)
    threads: int = 3
    processes: int = 1
    polling_interval: float = 0.1
    queue_positions: tuple[tuple[int, int], ...] = field(default=(), compare=False)
    """(line, column) of each of ``queues`` as written, for the linter's JOB703."""

    @property
    def selection(self) -> QueueSelection:
        return QueueSelection.from_entries(self.queues)


@dataclass(frozen=True)
class DispatcherConfig:
    polling_interval: float = 1.0
    batch_size: int = 500
    concurrency_maintenance: bool = True
    concurrency_maintenance_interval: float = 600.0


@dataclass(frozen=True)
class QueueConfig:
    workers: tuple[WorkerConfig, ...] = (WorkerConfig(),)
    dispatchers: tuple[DispatcherConfig, ...] = (DispatcherConfig(),)
    environment: str | None = None


@dataclass(frozen=True)
class QueueConfigReport:
    """Every environment read (one when ``env`` was given) and every problem found."""

    configs: tuple[QueueConfig, ...]
    problems: tuple[ConfigProblem, ...] = field(default=())

    @property
    def errors(self) -> tuple[ConfigProblem, ...]:
        return tuple(problem for problem in self.problems if problem.severity == "error")


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _positive_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


WORKER_KEYS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "threads": (_positive_int, "a positive integer"),
    "processes": (_positive_int, "a positive integer"),
    "polling_interval": (_positive_number, "a positive number of seconds"),
}
DISPATCHER_KEYS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "polling_interval": (_positive_number, "a positive number of seconds"),
    "batch_size": (_positive_int, "a positive integer"),
    "concurrency_maintenance": (lambda value: isinstance(value, bool), "true or false"),
    "concurrency_maintenance_interval": (_positive_number, "a positive number of seconds"),
}


def check_queue_config(
    text: str, path: str | None = None, env: str | None = None
) -> QueueConfigReport:
    """Parse ``text``; ``env`` picks one environment as the runtime does, None checks all."""
    reader = NodeReader(path)
    root = reader.compose(text)
    if root is None:
        return QueueConfigReport((QueueConfig(environment=env),), in_file_order(reader.problems))
    configs = tuple(
        _read_section(reader, node, name)
        for name, node in reader.environment_sections(root, env, SECTION_KEYS)
    )
    problems = in_file_order(reader.problems)
    return QueueConfigReport(configs or (QueueConfig(environment=env),), problems)


def load_queue_config(path: str | Path | None = None, env: str | None = None) -> QueueConfig:
    """The runtime's config: the file at ``path`` (default ``config/queue.yml``; a missing
    default file means Solid Queue's defaults) for ``env`` (default ``JOBLINT_ENV``)."""
    file = Path(path) if path is not None else DEFAULT_PATH
    environment = current_environment(env)
    if not file.exists():
        if path is not None:
            raise ConfigError([ConfigProblem("file not found", 1, 1, str(file))])
        return QueueConfig(environment=environment)
    report = check_queue_config(file.read_text(encoding="utf-8"), str(file), environment)
    if report.errors:
        raise ConfigError(report.errors)
    return report.configs[0]


def _read_section(reader: NodeReader, node: yaml.Node, name: str | None) -> QueueConfig:
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        return QueueConfig(environment=name)
    if not isinstance(node, yaml.MappingNode):
        reader.problem(node, "expected a mapping with `workers` and `dispatchers`")
        return QueueConfig(environment=name)
    workers: tuple[WorkerConfig, ...] | None = None
    dispatchers: tuple[DispatcherConfig, ...] | None = None
    for key, key_node, value in reader.items(node, check_duplicates=True):
        if key == "workers":
            workers = tuple(
                _read_worker(reader, entry) for entry in _entries(reader, value, "workers")
            )
        elif key == "dispatchers":
            dispatchers = tuple(
                _read_dispatcher(reader, entry) for entry in _entries(reader, value, "dispatchers")
            )
        else:
            reader.problem(
                key_node,
                f"unknown key {key!r}; expected `workers` or `dispatchers`",
                kind="unknown-key",
            )
    if workers is None and dispatchers is None:
        return QueueConfig(environment=name)
    return QueueConfig(workers or (), dispatchers or (), environment=name)


def _entries(reader: NodeReader, node: yaml.Node, what: str) -> list[yaml.MappingNode]:
    if not isinstance(node, yaml.SequenceNode):
        reader.problem(node, f"`{what}` must be a list of mappings")
        return []
    entries = []
    for entry in node.value:
        if isinstance(entry, yaml.MappingNode):
            entries.append(entry)
        else:
            reader.problem(entry, f"each entry of `{what}` must be a mapping")
    return entries


def _read_options(
    reader: NodeReader,
    node: yaml.MappingNode,
    rules: dict[str, tuple[Callable[[Any], bool], str]],
    what: str,
    extra_keys: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], dict[str, yaml.Node]]:
    options: dict[str, Any] = {}
    extra: dict[str, yaml.Node] = {}
    for key, key_node, value_node in reader.items(node, check_duplicates=True):
        if key in extra_keys:
            extra[key] = value_node
            continue
        rule = rules.get(key)
        if rule is None:
            known = ", ".join(sorted({*rules, *extra_keys}))
            reader.problem(
                key_node, f"unknown {what} key {key!r}; expected one of {known}", kind="unknown-key"
            )
            continue
        check, expected = rule
        value = reader.value(value_node)
        if check(value):
            options[key] = value
        else:
            reader.problem(value_node, f"`{key}` must be {expected}, not {value!r}")
    return options, extra


def _read_worker(reader: NodeReader, node: yaml.MappingNode) -> WorkerConfig:
    options, extra = _read_options(reader, node, WORKER_KEYS, "worker", frozenset({"queues"}))
    if "queues" in extra:
        queues = _read_queues(reader, extra["queues"])
        if queues:
            options["queues"] = tuple(name for name, _ in queues)
            options["queue_positions"] = tuple(position for _, position in queues)
    if "polling_interval" in options:
        options["polling_interval"] = float(options["polling_interval"])
    return WorkerConfig(**options)


def _read_queues(reader: NodeReader, node: yaml.Node) -> tuple[tuple[str, tuple[int, int]], ...]:
    if isinstance(node, yaml.ScalarNode):
        value = reader.value(node)
        items = [(str(part).strip(), node) for part in str(value).split(",")] if value else []
    elif isinstance(node, yaml.SequenceNode):
        items = []
        for item in node.value:
            value = reader.value(item)
            if isinstance(value, str | int) and not isinstance(value, bool):
                items.append((str(value).strip(), item))
            else:
                reader.problem(item, f"a queue name must be a string, not {value!r}")
    else:
        reader.problem(node, "`queues` must be a queue name or a list of queue names")
        return ()
    names = []
    for name, item_node in items:
        if not name:
            reader.problem(item_node, "empty queue name")
            continue
        if classify_queue_entry(name) is EntryKind.IGNORED:
            reader.problem(
                item_node,
                f"queue {name!r} is ignored: a wildcard works only alone (`*`) or at the end"
                " of a name (`prefix*`)",
                severity="warning",
                kind="ignored-wildcard",
            )
        mark = item_node.start_mark
        names.append((name, (mark.line + 1, mark.column + 1)))
    if not names and isinstance(node, yaml.SequenceNode | yaml.ScalarNode):
        reader.problem(node, "`queues` is empty; give `*` for every queue")
    return tuple(names)


def _read_dispatcher(reader: NodeReader, node: yaml.MappingNode) -> DispatcherConfig:
    options, _ = _read_options(reader, node, DISPATCHER_KEYS, "dispatcher")
    for key in ("polling_interval", "concurrency_maintenance_interval"):
        if key in options:
            options[key] = float(options[key])
    return DispatcherConfig(**options)
