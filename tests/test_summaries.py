"""The plain facts a module's summary, a job's signature and an enqueue site's options
give the rules of other modules (issue 17): what each says of the code it was read from."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
from lint_support import write_tree

from joblint.analysis.model import (
    UNKNOWN,
    DecoratorNames,
    OptionValue,
    ParameterFact,
    ParameterKind,
)
from joblint.analysis.summaries import summarise_module
from joblint.config import Settings
from joblint.engine.linter import Analysis, Linter
from joblint.parse.discovery import discover
from joblint.parse.parsing import ParsedModule, parse
from joblint.parse.source import SourceFile, read_source

HELPERS = """\
import json
from typing import TYPE_CHECKING

from django.db.models.signals import post_save
from . import models

if TYPE_CHECKING:
    from app.billing import Invoice


def registered(function):
    REGISTRY.append(function)
    return function


def register(name):
    def decorate(function):
        return function

    return decorate


def result(value):
    answer = value * 2
    return answer


def twice(function):
    return function


def twice(function):
    return function


def later():
    from app import jobs

    return jobs


def backoff(task):
    return task.retry_backoff * 2


post_save.connect(registered, sender=models.Order)
"""


def _parsed(text: str, name: str = "app.helpers") -> ParsedModule:
    path = Path("/project", *name.split(".")).with_suffix(".py")
    parsed = parse(SourceFile(path, text.encode(), text, "utf-8"), (name, "app"))
    assert isinstance(parsed, ParsedModule)
    return parsed


def test_a_module_summary() -> None:
    summary = summarise_module(_parsed(HELPERS))
    assert summary.module_name == "app.helpers"
    assert summary.imported_modules == (
        "json",
        "typing",
        "typing.TYPE_CHECKING",
        "django.db.models.signals",
        "django.db.models.signals.post_save",
        "app",
        "app.models",
        "app.billing",
        "app.billing.Invoice",
        "app.jobs",
    )
    # `twice` is defined twice: which one a decorator gets cannot be told.
    assert summary.pass_through_decorators == frozenset({"registered"})
    assert summary.pass_through_factories == frozenset({"register"})
    assert summary.signal_connections == (("app.helpers.registered", "post_save"),)
    assert summary.task_options_read == frozenset({"retry_backoff"})


def test_a_module_without_any() -> None:
    summary = summarise_module(_parsed("def f(x):\n    return x + 1\n"))
    assert summary.imported_modules == ()
    assert summary.pass_through_decorators == summary.pass_through_factories == frozenset()
    assert summary.signal_connections == ()
    assert summary.task_options_read == frozenset()


def _analysis(root: Path, files: dict[str, str | bytes]) -> Analysis:
    write_tree(root, files)
    settings = Settings(project_root=root)
    sources = [read_source(path) for path in discover([root], settings).files]
    return Linter(settings).analyse([s for s in sources if isinstance(s, SourceFile)])


def test_a_jobs_signature_and_an_enqueues_options(tmp_path: Path) -> None:
    analysis = _analysis(
        tmp_path,
        {
            "app/tasks.py": (
                "from celery import shared_task\n\n\n"
                "@shared_task(bind=True)\n"
                "def charge(self, order_id: int, /, amount, *rest, note='a  b', **extra):\n"
                "    return order_id.total\n"
            ),
            "app/views.py": (
                "from app.tasks import charge\n\n\n"
                "def view(order):\n"
                "    charge.apply_async((order.id, 1), countdown=10, queue=pick( 'x' ))\n"
            ),
        },
    )
    [job] = analysis.jobs
    signature = job.signature
    assert signature is not None
    assert signature.function == "charge"
    assert signature.name_span.start.line == 5
    assert signature.parameters == (
        ParameterFact("self", ParameterKind.POSITIONAL_ONLY),
        ParameterFact("order_id", ParameterKind.POSITIONAL_ONLY, annotation="int"),
        ParameterFact("amount", ParameterKind.POSITIONAL_OR_KEYWORD),
        ParameterFact("rest", ParameterKind.VAR_POSITIONAL),
        # On one line, as messages show it.
        ParameterFact("note", ParameterKind.KEYWORD_ONLY, default="'a b'"),
        ParameterFact("extra", ParameterKind.VAR_KEYWORD),
    )
    assert signature.decorators == (DecoratorNames("shared_task", "shared_task"),)
    assert signature.attribute_owners == frozenset({"order_id"})
    [site] = analysis.enqueue_sites
    assert site.option_value("countdown") == OptionValue(10, "10")
    assert site.option_value("queue") == OptionValue(UNKNOWN, "pick( 'x' )")
    assert site.option_value("eta") is None
    assert isinstance(dict(site.options)["countdown"], cst.Integer)
