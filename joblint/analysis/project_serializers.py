"""The serializer a project configures for a framework as a whole, which decides what a
job's arguments turn into (JOB203) wherever the job or the enqueue does not choose one.

A framework's default is only a default: a Celery app configured with ``task_serializer =
"pickle"`` (``app.conf.update(...)``, a ``celeryconfig`` module, ``CELERY_TASK_SERIALIZER``
in Django settings) sends tuples as tuples, and one that registers a serializer of its own
(``"signed-pickle"``) sends whatever that serializer takes. The other frameworks choose
their serializer with an object (Dramatiq's ``set_encoder``, Huey's and RQ's
``serializer=``, arq's ``job_serializer``), which joblint does not evaluate: a project that
sets one gets no serializer findings for that framework.

Settings are read from every file of the project the engine read, not only the modules
with jobs: Django settings modules rarely mention a job. Only files that mention the
setting are parsed, once per run, and the result rides on the project index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from joblint.analysis.celery_settings import settings_in
from joblint.analysis.model import UNKNOWN, Literal
from joblint.analysis.symbols import literal, single_name
from joblint.parse import walk
from joblint.parse.source import SourceFile

if TYPE_CHECKING:
    from joblint.parse.parsing import ParsedModule

# What makes a file worth reading for a configured serializer.
SERIALIZER_NEEDLE = re.compile(rb"serializer|SERIALIZER|set_encoder")
# A framework whose serializer is an object the project passes in: its presence anywhere
# (as a keyword or a call) means the project chose one joblint cannot evaluate.
CHOSEN_BY_OBJECT: Mapping[str, re.Pattern[bytes]] = {
    "dramatiq": re.compile(rb"\bset_encoder\s*\("),
    "huey": re.compile(rb"\bserializer\s*="),
    "rq": re.compile(rb"\bserializer\s*="),
    "arq": re.compile(rb"\bjob_serializer\s*="),
}
CELERY_KEY = "task_serializer"
# Celery's setting as a module-level name: the old `CELERY_TASK_SERIALIZER`, and Django
# settings under any namespace (`CELERY_TASK_SERIALIZER` with `namespace="CELERY"`); the
# lowercase `task_serializer` of a `celeryconfig` module.
CELERY_MODULE_LEVEL = re.compile(r"\b(?:[A-Z][A-Z0-9]*_)?TASK_SERIALIZER\b|\btask_serializer\b")


@dataclass(frozen=True)
class ConfiguredSerializers:
    """What the project sets: for Celery, per app (by the app's qualified name) and in
    configuration modules any app may load; for the other frameworks, whether the
    project chose a serializer object (UNKNOWN)."""

    celery_apps: Mapping[str, Literal] = field(default_factory=dict)
    celery_modules: tuple[Literal, ...] = ()
    chosen_by_object: frozenset[str] = frozenset()

    def for_job(self, framework: str, app: str | None) -> Literal | None:
        """The serializer configured for a job of ``framework`` on ``app`` (None: the
        app or task is not known); None when the project configures none, UNKNOWN when
        it configures one that cannot be read or that differs between the apps the job
        may run on."""
        if framework in self.chosen_by_object:
            return UNKNOWN
        if framework != "celery":
            return None
        if app is not None and app in self.celery_apps:
            return self.celery_apps[app]
        modules = set(map(repr, self.celery_modules))
        if app is None and self.celery_apps:
            # A shared task runs on every app: one answer only if all agree with the
            # configuration modules (and there are some).
            modules |= set(map(repr, self.celery_apps.values()))
            if not self.celery_modules:
                return UNKNOWN
        if not modules:
            return None
        if len(modules) > 1:
            return UNKNOWN
        return self.celery_modules[0] if self.celery_modules else UNKNOWN


def configured_serializers(sources: Iterable[SourceFile]) -> ConfiguredSerializers:
    """What the project's files (all of them, as the engine read them) configure."""
    from joblint.parse.parsing import ParsedModule, parse

    chosen: set[str] = set()
    apps: dict[str, Literal] = {}
    modules: list[Literal] = []
    for source in sources:
        if not SERIALIZER_NEEDLE.search(source.data):
            continue
        chosen.update(f for f, pattern in CHOSEN_BY_OBJECT.items() if pattern.search(source.data))
        if b"ask_serializer" not in source.data and b"ASK_SERIALIZER" not in source.data:
            continue
        parsed = parse(source)
        if not isinstance(parsed, ParsedModule):
            continue
        for app, value in celery_app_settings(parsed, CELERY_KEY):
            apps[app] = value if apps.get(app, value) == value else UNKNOWN
        names = {match.group() for match in CELERY_MODULE_LEVEL.finditer(source.text)}
        # The lowercase name is a common word: it counts only in a module about Celery.
        about_celery = "celery" in source.path.name.lower() or b"celery" in source.data.lower()
        level = frozenset(n for n in names if about_celery or n.isupper())
        modules.extend(literal(value) for _, value in settings_in(parsed, level, _no_app))
    return ConfiguredSerializers(apps, tuple(modules), frozenset(chosen))


def _no_app(node: cst.BaseExpression) -> bool:
    """Apps' settings are read by ``celery_app_settings``, which knows which app they are."""
    return False


def celery_app_settings(parsed: ParsedModule, key: str) -> list[tuple[str, Literal]]:
    """``<app>.conf.<key> = v``, ``<app>.conf["<key>"] = v`` and
    ``<app>.conf.update(<key>=v)`` (or a dict of them): the app's qualified name and the
    value. An app that cannot be named is kept under its written name."""
    found: list[tuple[str, Literal]] = []

    def app_of(node: cst.BaseExpression) -> str | None:
        if not (isinstance(node, cst.Attribute) and node.attr.value == "conf"):
            return None
        return single_name(parsed, node.value) or parsed.module.code_for_node(node.value)

    class Finder(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            for target in node.targets:
                setting = target.target
                if isinstance(setting, cst.Attribute) and setting.attr.value == key:
                    app = app_of(setting.value)
                elif isinstance(setting, cst.Subscript) and len(setting.slice) == 1:
                    index = setting.slice[0].slice
                    is_key = isinstance(index, cst.Index) and literal(index.value) == key
                    app = app_of(setting.value) if is_key else None
                else:
                    app = None
                if app is not None:
                    found.append((app, literal(node.value)))

        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            if not (isinstance(func, cst.Attribute) and func.attr.value == "update"):
                return
            app = app_of(func.value)
            if app is None:
                return
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value == key:
                    found.append((app, literal(arg.value)))
                elif arg.keyword is None and isinstance(arg.value, cst.Dict):
                    for element in arg.value.elements:
                        if isinstance(element, cst.DictElement) and literal(element.key) == key:
                            found.append((app, literal(element.value)))

    walk.walk(parsed.module, Finder())
    return found
