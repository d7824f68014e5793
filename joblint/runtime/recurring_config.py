"""``config/recurring.yml`` in Solid Queue's format: one entry per task, keyed by its name.

Per entry: ``class`` (see ``joblint.runtime.loader``), ``args`` (a list, or one value),
``kwargs`` (a mapping; Python's keyword arguments, which Solid Queue's Ruby has as a trailing
hash), ``queue``, ``priority``, ``schedule`` (see ``joblint.runtime.schedule``) and
``description``. Solid Queue's ``command`` entries run Ruby and are refused. Environments
are chosen as in ``config/queue.yml``. ``check_recurring_config`` gives every problem with
its line and column (the linter's JOB705); ``load_recurring_config`` raises on errors.
"""

from __future__ import annotations

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
from joblint.runtime.schedule import DEFAULT_TIMEZONE, Schedule, ScheduleError, parse_schedule

DEFAULT_PATH = Path("config/recurring.yml")
TASK_KEYS = frozenset({"class", "args", "kwargs", "queue", "priority", "schedule", "description"})


@dataclass(frozen=True)
class RecurringTask:
    key: str
    class_name: str
    schedule: Schedule
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    queue: str | None = None
    priority: int | None = None
    description: str | None = None
    line: int = 0
    column: int = 0
    value_positions: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False)
    """(line, column) of each key's value, for problems the linter finds later (JOB705)."""


@dataclass(frozen=True)
class RecurringConfigReport:
    tasks: tuple[RecurringTask, ...]
    problems: tuple[ConfigProblem, ...] = ()

    @property
    def errors(self) -> tuple[ConfigProblem, ...]:
        return tuple(problem for problem in self.problems if problem.severity == "error")


def check_recurring_config(
    text: str,
    path: str | None = None,
    env: str | None = None,
    default_timezone: str = DEFAULT_TIMEZONE,
) -> RecurringConfigReport:
    reader = NodeReader(path)
    root = reader.compose(text)
    tasks: list[RecurringTask] = []
    if root is not None and not _is_empty(root):
        sections = reader.environment_sections(root, env, frozenset())
        if env is None and _is_flat(reader, root):
            sections = [(None, root)]
        for _, section in sections:
            tasks.extend(_read_tasks(reader, section, default_timezone, top_level=section is root))
    return RecurringConfigReport(tuple(tasks), in_file_order(reader.problems))


def load_recurring_config(
    path: str | Path | None = None,
    env: str | None = None,
    default_timezone: str = DEFAULT_TIMEZONE,
) -> tuple[RecurringTask, ...]:
    file = Path(path) if path is not None else DEFAULT_PATH
    if not file.exists():
        if path is not None:
            raise ConfigError([ConfigProblem("file not found", 1, 1, str(file))])
        return ()
    report = check_recurring_config(
        file.read_text(encoding="utf-8"), str(file), current_environment(env), default_timezone
    )
    if report.errors:
        raise ConfigError(report.errors)
    return report.tasks


def _is_flat(reader: NodeReader, root: yaml.Node) -> bool:
    """Whether the file lists tasks at the top (not split by environment): some top-level
    entry is itself a task, with task keys. The runtime, given an environment the file has
    no section for, reads such a file whole; the linter must read it the same way."""
    if not isinstance(root, yaml.MappingNode):
        return True
    for _, _, value in reader.items(root):
        if isinstance(value, yaml.MappingNode) and any(
            isinstance(key, yaml.ScalarNode) and key.value in TASK_KEYS | {"command"}
            for key, _ in value.value
        ):
            return True
    return False


def _is_empty(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null")


def _read_tasks(
    reader: NodeReader, section: yaml.Node, default_timezone: str, top_level: bool
) -> list[RecurringTask]:
    if _is_empty(section):
        return []
    if not isinstance(section, yaml.MappingNode):
        reader.problem(section, "expected a mapping of task names to tasks")
        return []
    tasks: dict[str, RecurringTask] = {}
    for key, key_node, value in reader.items(section, check_duplicates=True):
        if not isinstance(value, yaml.MappingNode):
            if not top_level:
                reader.problem(value, f"task {key!r} must be a mapping")
            continue
        task = _read_task(reader, key, key_node, value, default_timezone)
        tasks.pop(key, None)  # a duplicate key: the last one wins, as in YAML
        if task is not None:
            tasks[key] = task
    return list(tasks.values())


def _read_task(
    reader: NodeReader,
    key: str,
    key_node: yaml.ScalarNode,
    node: yaml.MappingNode,
    default_timezone: str,
) -> RecurringTask | None:
    values: dict[str, Any] = {}
    nodes: dict[str, yaml.Node] = {}
    ok = True
    for name, name_node, value_node in reader.items(node, check_duplicates=True):
        if name == "command":
            reader.problem(name_node, "`command` tasks run Ruby code; give a job `class`")
            ok = False
        elif name not in TASK_KEYS:
            reader.problem(
                name_node,
                f"unknown key {name!r} in task {key!r};"
                f" expected one of {', '.join(sorted(TASK_KEYS))}",
                kind="unknown-key",
            )
        else:
            values[name] = reader.value(value_node)
            nodes[name] = value_node
    schedule = _read_schedule(reader, key, key_node, values, nodes, default_timezone)
    class_name = values.get("class")
    if ok and (not isinstance(class_name, str) or not class_name.strip()):
        reader.problem(nodes.get("class", key_node), f"task {key!r} needs a job `class`")
        ok = False
    args = values.get("args", [])
    if not isinstance(args, list):
        args = [args]
    kwargs = values.get("kwargs", {})
    if not isinstance(kwargs, dict) or not all(isinstance(name, str) for name in kwargs):
        reader.problem(nodes["kwargs"], "`kwargs` must be a mapping of argument names to values")
        ok = False
    queue = values.get("queue")
    if queue is not None and (not isinstance(queue, str) or not queue):
        reader.problem(nodes["queue"], "`queue` must be a queue name")
        ok = False
    priority = values.get("priority")
    if priority is not None and (not isinstance(priority, int) or isinstance(priority, bool)):
        reader.problem(nodes["priority"], "`priority` must be an integer")
        ok = False
    if not ok or schedule is None or not isinstance(class_name, str):
        return None
    mark = key_node.start_mark
    return RecurringTask(
        key=key,
        class_name=class_name.strip(),
        schedule=schedule,
        args=tuple(args),
        kwargs=dict(kwargs),
        queue=queue,
        priority=priority,
        description=values.get("description"),
        line=mark.line + 1,
        column=mark.column + 1,
        value_positions={
            name: (node.start_mark.line + 1, node.start_mark.column + 1)
            for name, node in nodes.items()
        },
    )


def _read_schedule(
    reader: NodeReader,
    key: str,
    key_node: yaml.Node,
    values: dict[str, Any],
    nodes: dict[str, yaml.Node],
    default_timezone: str,
) -> Schedule | None:
    if "schedule" not in values:
        reader.problem(key_node, f"task {key!r} has no `schedule`", kind="schedule")
        return None
    try:
        return parse_schedule(str(values["schedule"]), default_timezone)
    except ScheduleError as error:
        reader.problem(nodes["schedule"], error.reason, kind="schedule")
        return None
