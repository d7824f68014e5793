"""The first pass's symbols: what the cross-file index keeps of each module."""

from __future__ import annotations

from pathlib import Path

from joblint.analysis.symbols import collect_symbols
from joblint.parse.parsing import ParsedModule, parse
from joblint.parse.source import SourceFile

MODULE = """\
from celery import shared_task


def wrapper(**options):
    return shared_task(**options)


def factory():
    class Local:
        def method(self):
            return shared_task(queue="low")

    return Local


class Service:
    def method(self):
        shared_task(queue="low")

        def inner():
            shared_task()

        return inner
"""


def _parsed(text: str) -> ParsedModule:
    source = SourceFile(Path("/project/app/tasks.py"), text.encode(), text, "utf-8")
    parsed = parse(source, ("app.tasks", "app"))
    assert isinstance(parsed, ParsedModule)
    return parsed


def test_calls_are_kept_where_they_can_show_a_wrapper() -> None:
    """A function's calls tell whether it wraps a framework's decorator: kept for every
    function, passed on to enclosing functions (a method's too, when a function encloses
    its class), and not kept for a method no function encloses, which no one reads."""
    symbols = collect_symbols(_parsed(MODULE))
    calls = {info.qualified_name: {c.function for c in info.calls} for info in symbols.functions}
    assert calls["app.tasks.wrapper"] == {"celery.shared_task"}
    assert calls["app.tasks.factory"] == {"celery.shared_task"}
    assert calls["app.tasks.factory.<locals>.Local.method"] == {"celery.shared_task"}
    assert calls["app.tasks.Service.method"] == set()
    assert calls["app.tasks.Service.method.<locals>.inner"] == {"celery.shared_task"}
