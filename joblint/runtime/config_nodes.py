"""Reading YAML config files as nodes, so every problem can point at its line and column.

Shared by ``queue_config`` and ``recurring_config`` (and through them by the linter's
JOB701, JOB704 and JOB705). Values are read from PyYAML's composed nodes rather than from
``safe_load`` output because only nodes keep marks; merge keys (``<<: *default``) are
expanded here, and a value inherited through an anchor points at where it is written.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from joblint.runtime.errors import JobsUserError

ENV_VARIABLE = "JOBLINT_ENV"
DEFAULT_ENV = "development"
MERGE_TAG = "tag:yaml.org,2002:merge"

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class ConfigProblem:
    """One problem in a config file, at a 1-based line and column."""

    message: str
    line: int
    column: int
    path: str | None = None
    severity: Severity = "error"
    kind: str = "invalid"
    """What is wrong, for callers that sort problems: ``"syntax"``, ``"invalid"``,
    ``"unknown-key"``, ``"ignored-wildcard"``, ``"schedule"``, ``"duplicate-key"``."""

    def __str__(self) -> str:
        return f"{self.path or '<config>'}:{self.line}:{self.column}: {self.message}"


def in_file_order(problems: Sequence[ConfigProblem]) -> tuple[ConfigProblem, ...]:
    """Each problem once (a section merged into several environments is read once per
    environment), in the order of the file."""
    return tuple(
        sorted(dict.fromkeys(problems), key=lambda problem: (problem.line, problem.column))
    )


class ConfigError(JobsUserError):
    """A config file with errors; the message is the first, the rest are in ``problems``."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        more = len(self.problems) - 1
        suffix = f" (and {more} more)" if more > 0 else ""
        super().__init__(f"{self.problems[0]}{suffix}")


def current_environment(explicit: str | None = None) -> str:
    return explicit or os.environ.get(ENV_VARIABLE) or DEFAULT_ENV


class NodeReader:
    """Helpers bound to one file: problems collect here as the caller walks the nodes."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.problems: list[ConfigProblem] = []
        self._constructor = yaml.SafeLoader("")

    def compose(self, text: str) -> yaml.Node | None:
        try:
            return yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
            problem = error.problem or str(error)
            self.problems.append(
                ConfigProblem(f"YAML syntax: {problem}", line, column, self.path, kind="syntax")
            )
        except yaml.YAMLError as error:
            self.problems.append(ConfigProblem(f"YAML: {error}", 1, 1, self.path, kind="syntax"))
        return None

    def problem(
        self,
        node: yaml.Node,
        message: str,
        severity: Severity = "error",
        kind: str = "invalid",
    ) -> None:
        mark = node.start_mark
        self.problems.append(
            ConfigProblem(message, mark.line + 1, mark.column + 1, self.path, severity, kind)
        )

    def value(self, node: yaml.Node) -> Any:
        return self._constructor.construct_object(node, deep=True)

    def items(
        self, node: yaml.MappingNode, check_duplicates: bool = False
    ) -> list[tuple[str, yaml.ScalarNode, yaml.Node]]:
        """(key, key node, value node) with merge keys expanded; own keys win over merged."""
        own: list[tuple[str, yaml.ScalarNode, yaml.Node]] = []
        merged: list[tuple[str, yaml.ScalarNode, yaml.Node]] = []
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for source in sources:
                    if isinstance(source, yaml.MappingNode):
                        merged.extend(self.items(source))
                    else:
                        self.problem(source, "a merge key (<<) needs a mapping")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, "keys must be plain strings")
                continue
            key = str(key_node.value)
            if key in seen and check_duplicates:
                self.problem(key_node, f"duplicate key {key!r}", kind="duplicate-key")
            seen.add(key)
            own.append((key, key_node, value_node))
        own_keys = {key for key, _, _ in own}
        inherited: dict[str, tuple[str, yaml.ScalarNode, yaml.Node]] = {}
        for entry in merged:
            if entry[0] not in own_keys and entry[0] not in inherited:
                inherited[entry[0]] = entry
        return [*inherited.values(), *own]

    def environment_sections(
        self, root: yaml.Node, env: str | None, section_keys: frozenset[str]
    ) -> list[tuple[str | None, yaml.Node]]:
        """The sections to read, as Solid Queue picks them: with ``env`` given, that
        environment's section if the file has one, else the whole file; with ``env`` None
        (the linter), every top-level mapping when the file is split by environment."""
        if not isinstance(root, yaml.MappingNode):
            return [(None, root)]
        entries = self.items(root)
        if env is not None:
            for key, _, value in entries:
                if key == env:
                    return [(env, value)]
            return [(None, root)]
        if any(key in section_keys for key, _, _ in entries) or any(
            not isinstance(value, yaml.MappingNode) and not _is_null(value)
            for _, _, value in entries
        ):
            return [(None, root)]  # not split by environment: the runtime reads it whole
        return [(key, value) for key, _, value in entries if isinstance(value, yaml.MappingNode)]


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null")
