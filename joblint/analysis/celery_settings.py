"""Celery's configuration as a project writes it in code, read without importing it:
``app.conf.<setting> = ...``, ``app.conf.update(...)``, or a module-level setting in a
config module or Django settings.

The one reader behind the Celery frontend's ``task_routes``, the queues a project
declares (``joblint.analysis.queues``), and the serializer and delivery settings the
index carries (``joblint.analysis.project_serializers``,
``joblint.analysis.project_delivery``); the frontend and the analysis mean the same thing
by a setting because they read it here.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from joblint.analysis.model import NO_QUEUE, QueueDeclaration, QueueKind
from joblint.analysis.symbols import literal, single_name
from joblint.parse import walk

if TYPE_CHECKING:
    from joblint.parse.parsing import ParsedModule

ROUTE_SETTINGS = frozenset({"task_routes", "CELERY_TASK_ROUTES", "CELERY_ROUTES"})


@dataclass(frozen=True)
class Route:
    """One ``task_routes`` entry: a task name (or a glob or regex over names) and the
    queue it sends to. A router that cannot be read (a function, a computed key) has no
    pattern: it may route any task, to a queue computed at run time."""

    pattern: str | re.Pattern[str] | None
    queue: QueueDeclaration

    def matches(self, name: str | None) -> bool:
        if self.pattern is None:
            return True
        if name is None:
            return False
        if isinstance(self.pattern, str):
            return self.pattern == name
        return self.pattern.match(name) is not None


def dotted_name(parsed: ParsedModule, node: cst.BaseExpression) -> str | None:
    """The qualified name a dotted name refers to. Never that of a call's result:
    libcst names ``chain(...)`` and ``chain(...)()`` alike."""
    inner: cst.BaseExpression = node
    while isinstance(inner, cst.Attribute):
        inner = inner.value
    return single_name(parsed, node) if isinstance(inner, cst.Name) else None


def settings_in(
    parsed: ParsedModule,
    names: frozenset[str],
    is_app: Callable[[cst.BaseExpression], bool],
    module_level_names: frozenset[str] | None = None,
) -> list[tuple[str, cst.BaseExpression]]:
    """Where a module sets one of the Celery settings ``names``, with the value written:
    ``app.conf.<name> = ...``, ``app.conf["<name>"] = ...``, ``app.conf.update(<name>=...)``
    (or a dict of them), for an ``app`` that ``is_app`` accepts, or a module-level
    ``<name> = ...`` for a name in ``module_level_names`` (all ``names`` by default)."""
    found: list[tuple[str, cst.BaseExpression]] = []
    plain = names if module_level_names is None else module_level_names

    def on_app_conf(node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Attribute) and node.attr.value == "conf" and is_app(node.value)

    module_level = {
        id(small)
        for statement in parsed.module.body
        if isinstance(statement, cst.SimpleStatementLine)
        for small in statement.body
    }

    class Finder(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            for target in node.targets:
                setting = target.target
                if isinstance(setting, cst.Name):
                    if setting.value in plain and id(node) in module_level:
                        found.append((setting.value, node.value))
                elif isinstance(setting, cst.Attribute):
                    if setting.attr.value in names and on_app_conf(setting.value):
                        found.append((setting.attr.value, node.value))
                elif (
                    isinstance(setting, cst.Subscript)
                    and on_app_conf(setting.value)
                    and len(setting.slice) == 1
                    and isinstance(setting.slice[0].slice, cst.Index)
                ):
                    key = literal(setting.slice[0].slice.value)
                    if isinstance(key, str) and key in names:
                        found.append((key, node.value))

        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            if not (
                isinstance(func, cst.Attribute)
                and func.attr.value == "update"
                and on_app_conf(func.value)
            ):
                return
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value in names:
                    found.append((arg.keyword.value, arg.value))
                elif arg.keyword is None and isinstance(arg.value, cst.Dict):
                    for element in arg.value.elements:
                        if isinstance(element, cst.DictElement):
                            key = literal(element.key)
                            if isinstance(key, str) and key in names:
                                found.append((key, element.value))

    walk.walk(parsed.module, Finder())
    return found


# -- the queues a project's Celery configuration declares ---------------------------------

QUEUE_SETTINGS = frozenset({"task_queues", "CELERY_TASK_QUEUES", "CELERY_QUEUES"})
DEFAULT_QUEUE_SETTINGS = frozenset(
    {"task_default_queue", "CELERY_TASK_DEFAULT_QUEUE", "CELERY_DEFAULT_QUEUE"}
)
QUEUE_CONFIG_SETTINGS = QUEUE_SETTINGS | DEFAULT_QUEUE_SETTINGS | ROUTE_SETTINGS
QUEUE_CONFIG_NEEDLES = (
    b"task_queues",
    b"task_default_queue",
    b"task_routes",
    b"CELERY_TASK_",
    b"CELERY_QUEUES",
    b"CELERY_DEFAULT_QUEUE",
    b"CELERY_ROUTES",
)
# The lowercase names are common words; at module level they count only in a module that
# is about Celery (``celeryconfig.py``, or one that mentions celery or kombu).
_UPPERCASE_SETTINGS = frozenset(name for name in QUEUE_CONFIG_SETTINGS if name.isupper())


@dataclass(frozen=True)
class ConfiguredQueues:
    """The queue names a module's Celery configuration writes: ``task_queues`` (``Queue``
    objects, or the names of a dict), ``task_default_queue`` and the queues of
    ``task_routes``. ``computed`` names the first setting that is not a literal, after
    which any name may be a queue of the project."""

    names: tuple[str, ...]
    computed: str | None = None


def configured_queues(parsed: ParsedModule) -> ConfiguredQueues | None:
    """The queues ``parsed`` configures for Celery; None when it configures none. Any
    ``<x>.conf`` counts as an app's configuration: the module may never see the app's
    class (``from proj.celery import app``), and ``.conf.task_queues`` is Celery's own."""
    data = parsed.source.data
    if not any(needle in data for needle in QUEUE_CONFIG_NEEDLES):
        return None
    about_celery = (
        "celery" in parsed.path.name.lower() or b"celery" in data.lower() or b"kombu" in data
    )
    module_level = QUEUE_CONFIG_SETTINGS if about_celery else _UPPERCASE_SETTINGS
    found = settings_in(parsed, QUEUE_CONFIG_SETTINGS, lambda _: True, module_level)
    if not found:
        return None
    names: list[str] = []
    computed: str | None = None
    values = _module_values(parsed)
    for setting, written in found:
        value = values.get(written.value, written) if isinstance(written, cst.Name) else written
        read = _queue_names(parsed, setting, value)
        if read is None:
            computed = computed or setting
        else:
            names.extend(read)
    return ConfiguredQueues(tuple(dict.fromkeys(names)), computed)


def _module_values(parsed: ParsedModule) -> dict[str, cst.BaseExpression]:
    values: dict[str, cst.BaseExpression] = {}
    for statement in parsed.module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if (
                    isinstance(small, cst.Assign)
                    and len(small.targets) == 1
                    and isinstance(small.targets[0].target, cst.Name)
                ):
                    values[small.targets[0].target.value] = small.value
    return values


def _queue_names(parsed: ParsedModule, setting: str, value: cst.BaseExpression) -> list[str] | None:
    """The queue names one setting's value writes; None when they cannot be read."""
    if setting in DEFAULT_QUEUE_SETTINGS:
        name = literal(value)
        return [name] if isinstance(name, str) else None
    if setting in QUEUE_SETTINGS:
        if isinstance(value, cst.Dict):  # Celery 3's {"name": {"exchange": ...}}
            keys = [
                literal(e.key) if isinstance(e, cst.DictElement) else None for e in value.elements
            ]
            return (
                [k for k in keys if isinstance(k, str)]
                if all(isinstance(k, str) for k in keys)
                else None
            )
        if not isinstance(value, cst.List | cst.Tuple | cst.Set):
            return None
        names: list[str] = []
        for item in value.elements:
            name = _kombu_queue_name(item.value) if isinstance(item, cst.Element) else None
            if name is None:
                return None
            names.append(name)
        return names
    routers = value.elements if isinstance(value, cst.List | cst.Tuple) else None
    names = []
    for router in [e.value for e in routers] if routers is not None else [value]:
        if not isinstance(router, cst.Dict):
            return None
        for entry in router.elements:
            route = read_route(parsed, entry)
            if route is None or route.queue.kind is QueueKind.DYNAMIC:
                return None
            if route.queue.name is not None:
                names.append(route.queue.name)
    return names


def _kombu_queue_name(node: cst.BaseExpression) -> str | None:
    """``Queue("billing", ...)`` or ``Queue(name="billing")`` (kombu's ``Queue``, however
    spelled: ``kombu.Queue``, ``Queue``, ``Broadcast``)."""
    if not isinstance(node, cst.Call):
        return None
    func = node.func
    called = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
    if called not in ("Queue", "Broadcast"):
        return None
    for arg in node.args:
        if arg.star:
            return None
        if arg.keyword is None or arg.keyword.value == "name":
            name = literal(arg.value)
            return name if isinstance(name, str) else None
    return None


def read_route(parsed: ParsedModule, element: cst.BaseDictElement) -> Route | None:
    """One ``"name": ...`` entry, with glob (``"feeds.*"``) and ``re.compile(...)`` keys;
    None when its key cannot be read."""
    if not isinstance(element, cst.DictElement):
        return None
    key = literal(element.key)
    pattern: str | re.Pattern[str]
    if isinstance(key, str):
        pattern = re.compile(fnmatch.translate(key)) if "*" in key else key
    elif (
        isinstance(element.key, cst.Call)
        and dotted_name(parsed, element.key.func) == "re.compile"
        and element.key.args
        and isinstance(literal(element.key.args[0].value), str)
    ):
        try:
            pattern = re.compile(str(literal(element.key.args[0].value)))
        except re.error:
            return None
    else:
        return None
    return Route(pattern, _route_queue(element.value))


def _route_queue(value: cst.BaseExpression) -> QueueDeclaration:
    """Where a route sends: ``"queue"`` or ``{"queue": "queue", ...}``; a route by
    exchange or routing key only names no queue (the task goes to the default one)."""
    if isinstance(value, cst.Dict):
        for item in value.elements:
            if not isinstance(item, cst.DictElement):
                return QueueDeclaration(QueueKind.DYNAMIC)  # `**more`
            if literal(item.key) == "queue":
                value = item.value
                break
        else:
            return NO_QUEUE
    queue = literal(value)
    if isinstance(queue, str):
        return QueueDeclaration(QueueKind.STATIC, queue)
    return QueueDeclaration(QueueKind.DYNAMIC)
