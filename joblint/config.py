"""``[tool.joblint]`` in ``pyproject.toml``: found, read, validated, turned into a value.

The settings are one frozen value passed down the pipeline (no global state), computed once
per run rather than once per file. Every key is declared once in ``KEYS`` with its type, so
an unknown key or a value of the wrong type is reported with the file, the line and the
nearest valid key instead of being silently ignored.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joblint.errors import ConfigError, UserError

TABLE = "tool.joblint"


@dataclass(frozen=True)
class KeySpec:
    """One configuration key: its TOML type, for validation and for the docs."""

    kind: str  # "str", "bool", "int", "list[str]", "dict[str, str]" or "dict[str, list[str]]"
    help: str


KEYS: Mapping[str, KeySpec] = {
    "select": KeySpec("list[str]", "rule codes or prefixes to enable instead of the defaults"),
    "extend-select": KeySpec("list[str]", "rule codes or prefixes to enable on top"),
    "ignore": KeySpec("list[str]", "rule codes or prefixes to disable"),
    "presets": KeySpec("list[str]", "rule presets to turn on with the defaults (conventions)"),
    "per-file-ignores": KeySpec("dict[str, list[str]]", "glob to rule codes to disable there"),
    "exclude": KeySpec("list[str]", "gitignore-style globs replacing the default exclusions"),
    "extend-exclude": KeySpec("list[str]", "gitignore-style globs excluded on top"),
    "queues": KeySpec("list[str]", "the queue names the project uses"),
    "queue-config": KeySpec("str", "the queue file, from the project root (config/queue.yml)"),
    "recurring-config": KeySpec(
        "str", "the recurring tasks file, from the project root (config/recurring.yml)"
    ),
    "extra-verbs": KeySpec("list[str]", "verbs accepted at the start of job names"),
    "job-packages": KeySpec("list[str]", "package names (or dotted paths) that hold jobs"),
    "base-job": KeySpec("str", "dotted name of the project's base job class"),
    "transaction-wrappers": KeySpec(
        "list[str]", "project context managers or decorators that open a transaction"
    ),
    "view-paths": KeySpec(
        "list[str]",
        "gitignore-style globs of view, controller and API modules, as paths inside their "
        "package (JOB603)",
    ),
    "test-paths": KeySpec(
        "list[str]", "gitignore-style globs of test code, where jobs may run inline (JOB605)"
    ),
    "allow-model-arguments": KeySpec("bool", "JOB201 off for teams that serialize models"),
    "model-bases": KeySpec("list[str]", "more base classes that make a class an ORM model"),
    "sensitive-argument-names": KeySpec(
        "list[str]", "argument names (regular expressions) JOB207 treats as secrets"
    ),
    "task-decorators": KeySpec(
        "dict[str, str]", "project decorators that make tasks: dotted name = framework"
    ),
    "max-job-statements": KeySpec("int", "statements a job's body may have (JOB108; 50)"),
    "max-job-branches": KeySpec("int", "branches a job's body may have (JOB108; 12)"),
}

# Each preset, with what it is for (the errors name them). Kept
# here, with no rule imported, so reading a configuration stays cheap for a cached run.
PRESETS: Mapping[str, str] = {
    "conventions": "house style: job names and layout, an explicit queue on every job, "
    "enqueueing from services rather than views",
}


def check_presets(names: Iterable[str], where: str) -> None:
    """A preset that does not exist is an error naming the ones that do."""
    for name in names:
        if name not in PRESETS:
            hint = difflib.get_close_matches(name, list(PRESETS), n=1)
            suggestion = f" (did you mean `{hint[0]}`?)" if hint else ""
            valid = ", ".join(f"`{preset}`" for preset in PRESETS)
            raise UserError(
                f"{where}: unknown preset `{name}`{suggestion}; the presets are: {valid}"
            )


DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
    ".mypy_cache", ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache",
    ".svn", ".tox", ".venv", ".vscode", "__pypackages__", "__pycache__", "_build", "buck-out",
    "build", "dist", "node_modules", "site-packages", "venv", ".joblint_cache",
)  # fmt: skip


DEFAULT_VIEW_PATHS: tuple[str, ...] = (
    "**/views.py", "**/views/**", "**/controllers/**", "**/api/**", "**/viewsets.py",
)  # fmt: skip
DEFAULT_TEST_PATHS: tuple[str, ...] = (
    "tests/**", "**/tests/**", "**/test_*.py", "**/*_test.py", "conftest.py", "**/conftest.py",
)  # fmt: skip
# pylint's too-many-statements and too-many-branches defaults (R0915, R0912).
DEFAULT_MAX_JOB_STATEMENTS = 50
DEFAULT_MAX_JOB_BRANCHES = 12


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know from configuration, resolved once."""

    project_root: Path
    config_path: Path | None = None
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    presets: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()
    queue_config: str = "config/queue.yml"
    recurring_config: str = "config/recurring.yml"
    extra_verbs: frozenset[str] = frozenset()
    job_packages: tuple[str, ...] = ("jobs",)
    base_job: str | None = None
    # Project decorators that wrap a framework's task decorator, by dotted name, with the
    # framework they stand for ("myproj.tasks.task" = "celery").
    task_decorators: tuple[tuple[str, str], ...] = ()
    transaction_wrappers: tuple[str, ...] = ()
    view_paths: tuple[str, ...] = DEFAULT_VIEW_PATHS
    test_paths: tuple[str, ...] = DEFAULT_TEST_PATHS
    allow_model_arguments: bool = False
    model_bases: tuple[str, ...] = ()
    # None: JOB207's built-in names; otherwise these replace them.
    sensitive_argument_names: tuple[str, ...] | None = None
    max_job_statements: int = DEFAULT_MAX_JOB_STATEMENTS
    max_job_branches: int = DEFAULT_MAX_JOB_BRANCHES
    key_lines: Mapping[str, int] = field(default_factory=dict, compare=False)

    def where(self, key: str) -> str:
        """``pyproject.toml:12`` for messages about a key, as precise as we know."""
        if self.config_path is None:
            return "configuration"
        line = self.key_lines.get(key)
        return f"{self.config_path}:{line}" if line else str(self.config_path)


def find_config(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.joblint]`` table, walking up from
    ``start``; failing that the nearest ``pyproject.toml`` at all, which marks the project
    root even when it configures nothing."""
    start = start.resolve()
    directory = start if start.is_dir() else start.parent
    nearest: Path | None = None
    for candidate_dir in (directory, *directory.parents):
        candidate = candidate_dir / "pyproject.toml"
        if not candidate.is_file():
            continue
        if nearest is None:
            nearest = candidate
        try:
            text = candidate.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return candidate  # reported properly when loaded
        if re.search(r"^\s*\[\s*tool\s*\.\s*joblint\s*[.\]]", text, re.MULTILINE):
            return candidate
    return nearest


def load_settings(config_path: Path | None, fallback_root: Path) -> Settings:
    """Read and validate ``config_path``; no path means the defaults, rooted at
    ``fallback_root``."""
    if config_path is None:
        return Settings(project_root=fallback_root.resolve())
    config_path = config_path.resolve()
    try:
        text = config_path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{config_path}: config file not found") from None
    except OSError as error:
        raise ConfigError(f"{config_path}: cannot read config file: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{config_path}: config file is not valid UTF-8") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line, column, message = _toml_error_place(text, str(error))
        raise ConfigError(f"{config_path}:{line}:{column}: invalid TOML: {message}") from None
    table: Any = document.get("tool", {}).get("joblint", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{config_path}: [{TABLE}] must be a table")
    key_lines = _key_lines(text)
    return _settings_from_table(table, config_path, key_lines)


_TOML_PLACE = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)$")


def _toml_error_place(text: str, message: str) -> tuple[int, int, str]:
    """Line, column and message of a tomllib error, which writes its place into the text
    ("... (at line 2, column 6)", "... (at end of document)"): the place goes where every
    other config error has it, after the file name."""
    found = _TOML_PLACE.search(message)
    if found is None:
        return 1, 1, message
    if found.group(1) is not None:
        return int(found.group(1)), int(found.group(2)), message[: found.start()]
    end = len(text.rstrip())  # the end of the last line with something on it
    return text.count("\n", 0, end) + 1, end - text.rfind("\n", 0, end), message[: found.start()]


def _settings_from_table(
    table: Mapping[str, Any], config_path: Path, key_lines: Mapping[str, int]
) -> Settings:
    def where(key: str) -> str:
        line = key_lines.get(key)
        return f"{config_path}:{line}" if line else str(config_path)

    values: dict[str, Any] = {}
    for key, value in table.items():
        spec = KEYS.get(key)
        if spec is None:
            hint = difflib.get_close_matches(key, KEYS, n=1)
            suggestion = f"; did you mean `{hint[0]}`?" if hint else ""
            raise ConfigError(f"{where(key)}: unknown key `{key}` in [{TABLE}]{suggestion}")
        _check_type(key, value, spec.kind, where(key))
        values[key] = value
    _check_selection(values, where)
    _check_dotted_names(values, where)
    _check_patterns(values, where)
    _check_limits(values, where)

    def strings(key: str) -> tuple[str, ...] | None:
        value = values.get(key)
        return None if value is None else tuple(value)

    per_file = values.get("per-file-ignores", {})
    exclude = strings("exclude")
    job_packages = strings("job-packages")
    return Settings(
        project_root=config_path.parent,
        config_path=config_path,
        select=strings("select"),
        extend_select=strings("extend-select") or (),
        ignore=strings("ignore") or (),
        presets=strings("presets") or (),
        per_file_ignores=tuple((glob, tuple(codes)) for glob, codes in per_file.items()),
        exclude=DEFAULT_EXCLUDE if exclude is None else exclude,
        extend_exclude=strings("extend-exclude") or (),
        queues=strings("queues") or (),
        queue_config=values.get("queue-config", "config/queue.yml"),
        recurring_config=values.get("recurring-config", "config/recurring.yml"),
        extra_verbs=frozenset(verb.lower() for verb in values.get("extra-verbs", ())),
        job_packages=("jobs",) if job_packages is None else job_packages,
        base_job=values.get("base-job"),
        task_decorators=tuple(values.get("task-decorators", {}).items()),
        transaction_wrappers=strings("transaction-wrappers") or (),
        view_paths=_or_default(strings("view-paths"), DEFAULT_VIEW_PATHS),
        test_paths=_or_default(strings("test-paths"), DEFAULT_TEST_PATHS),
        allow_model_arguments=bool(values.get("allow-model-arguments", False)),
        model_bases=strings("model-bases") or (),
        sensitive_argument_names=strings("sensitive-argument-names"),
        max_job_statements=values.get("max-job-statements", DEFAULT_MAX_JOB_STATEMENTS),
        max_job_branches=values.get("max-job-branches", DEFAULT_MAX_JOB_BRANCHES),
        key_lines=key_lines,
    )


def _or_default(value: tuple[str, ...] | None, default: tuple[str, ...]) -> tuple[str, ...]:
    return default if value is None else value


FRAMEWORKS = ("runtime", "celery", "rq", "dramatiq", "huey", "django-tasks", "procrastinate", "arq")
DOTTED_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def _check_selection(values: Mapping[str, Any], where: Callable[[str], str]) -> None:
    """``select = []`` turns every rule off, and joblint would pass whatever the code says:
    a slip, not a policy (an empty `extend-select` or `ignore` changes nothing)."""
    try:
        check_presets(values.get("presets", ()), where("presets"))
    except UserError as error:
        raise ConfigError(str(error)) from None
    if values.get("select") == []:
        raise ConfigError(
            f"{where('select')}: `select` in [{TABLE}] must name at least one rule code or "
            "prefix (e.g. JOB1, ALL); remove it for the defaults"
        )


def _check_dotted_names(values: Mapping[str, Any], where: Callable[[str], str]) -> None:
    """Values that name Python packages or classes must be dotted names: `app/jobs` would
    never match anything, silently."""
    packages = values.get("job-packages")
    if packages is not None:
        if not packages:
            raise ConfigError(
                f"{where('job-packages')}: `job-packages` in [{TABLE}] must name at least one "
                "package"
            )
        for package in packages:
            if not DOTTED_NAME.fullmatch(package):
                raise ConfigError(
                    f"{where('job-packages')}: `{package}` in `job-packages` is not a package "
                    "name; write a name (`jobs`) or a dotted path (`app.jobs`)"
                )
    for name, framework in values.get("task-decorators", {}).items():
        if framework not in FRAMEWORKS or not DOTTED_NAME.fullmatch(name):
            raise ConfigError(
                f"{where('task-decorators')}: `{name} = {framework!r}` in `task-decorators` "
                f"must map a dotted name to one of {', '.join(FRAMEWORKS)}"
            )
    base_job = values.get("base-job")
    if base_job is not None and (not DOTTED_NAME.fullmatch(base_job) or "." not in base_job):
        raise ConfigError(
            f"{where('base-job')}: `base-job` in [{TABLE}] must be the dotted path of a class, "
            "such as `app.jobs.application_job.ApplicationJob`"
        )


def _check_patterns(values: Mapping[str, Any], where: Callable[[str], str]) -> None:
    """Regular expressions must compile here, where the user can be told which one, rather
    than fail inside a rule."""
    for pattern in values.get("sensitive-argument-names", ()):
        try:
            re.compile(pattern)
        except re.error as error:
            raise ConfigError(
                f"{where('sensitive-argument-names')}: `{pattern}` in "
                f"`sensitive-argument-names` is not a valid regular expression: {error}"
            ) from None


def _check_limits(values: Mapping[str, Any], where: Callable[[str], str]) -> None:
    """A limit of zero or less would flag every job, which is a typo, not a policy."""
    for key in ("max-job-statements", "max-job-branches"):
        limit = values.get(key)
        if limit is not None and limit < 1:
            raise ConfigError(
                f"{where(key)}: `{key}` in [{TABLE}] must be a positive integer, got {limit}"
            )


def _check_type(key: str, value: Any, kind: str, where: str) -> None:
    def is_string_list(candidate: Any) -> bool:
        return isinstance(candidate, list) and all(isinstance(item, str) for item in candidate)

    if kind == "str":
        valid = isinstance(value, str)
        expected = "a string"
    elif kind == "bool":
        valid = isinstance(value, bool)
        expected = "true or false"
    elif kind == "int":
        valid = isinstance(value, int) and not isinstance(value, bool)
        expected = "an integer"
    elif kind == "list[str]":
        valid = is_string_list(value)
        expected = "a list of strings"
    elif kind == "dict[str, str]":
        valid = isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
        expected = "a table of name = string"
    else:
        valid = isinstance(value, dict) and all(is_string_list(v) for v in value.values())
        expected = "a table of glob = [codes]"
    if not valid:
        raise ConfigError(
            f"{where}: `{key}` in [{TABLE}] must be {expected}, got {_describe(value)}"
        )


def _describe(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
    names.update({list: "a list", dict: "a table"})
    for python_type, description in names.items():
        if type(value) is python_type:
            return f"{description} ({value!r})" if python_type in (bool, int, str) else description
    return type(value).__name__


def _key_lines(text: str) -> dict[str, int]:
    """Line numbers of the keys of ``[tool.joblint]``: tomllib keeps no positions, and a
    message that names the line saves the user a search. Best effort: dotted-key forms
    written outside the table simply get no line."""
    lines: dict[str, int] = {}
    in_table = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            header = stripped.strip("[] \t").replace(" ", "")
            in_table = header == TABLE or header.startswith(TABLE + ".")
            if in_table and header.startswith(TABLE + "."):
                lines.setdefault(header[len(TABLE) + 1 :].split(".")[0].strip('"'), number)
            continue
        if in_table:
            match = re.match(r"""\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))\s*=""", line)
            if match:
                key = next(group for group in match.groups() if group)
                lines.setdefault(key, number)
    return lines


def settings_for_paths(paths: Sequence[Path], explicit_config: Path | None) -> Settings:
    """The settings for a run: ``--config`` when given, else found by walking up from the
    first path (ruff's rule for a single project)."""
    if explicit_config is not None:
        return load_settings(explicit_config, explicit_config.parent)
    start = paths[0] if paths else Path.cwd()
    if not start.exists():
        start = Path.cwd()
    config = find_config(start)
    if config is None:
        # Like ruff: with no pyproject.toml, paths are relative to the working directory,
        # so `cd app/jobs && joblint check .` still sees the `jobs` folder it is in.
        cwd = Path.cwd().resolve()
        resolved = start.resolve()
        inside = resolved == cwd or cwd in resolved.parents
        root = cwd if inside else (resolved if resolved.is_dir() else resolved.parent)
        return load_settings(None, root)
    return load_settings(config, config.parent)
