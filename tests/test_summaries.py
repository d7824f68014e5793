"""The plain facts a module's summary, a job's signature and an enqueue site's options
give the rules of other modules (issue 17): what each says of the code it was read from."""

from __future__ import annotations

import pickle
from pathlib import Path

import libcst as cst
from lint_support import write_tree

from joblint.analysis.model import (
    UNKNOWN,
    ContextManagerInfo,
    DecoratorNames,
    OptionValue,
    ParameterFact,
    ParameterKind,
    SendingCall,
)
from joblint.analysis.summaries import summarise_module
from joblint.config import Settings
from joblint.diagnostics import Position, Span
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


def _span(line: int, column: int, end_line: int, end_column: int) -> Span:
    return Span(Position(line, column), Position(end_line, end_column))


DATABASE_HELPERS = """\
from contextlib import contextmanager

import contextlib
from django.db import transaction
from app.legacy import session_scope


@contextmanager
def unit_of_work():
    with transaction.atomic():
        yield


@contextlib.contextmanager
def replica():
    with transaction.atomic(using="replica"):
        yield


@contextmanager
def legacy():
    with session_scope() as session, open("log"):
        yield session


@contextmanager
def quiet():
    yield


def not_a_manager():
    with transaction.atomic():
        pass
"""


def test_a_modules_context_managers() -> None:
    """What placing another module's sites needs: which context managers open a
    transaction, and what the others enter (the setting may name it)."""
    summary = summarise_module(_parsed(DATABASE_HELPERS, "app.db"))
    # `replica` enters `atomic` on another database only: no transaction of the jobs'.
    assert summary.context_managers == (
        ContextManagerInfo(frozenset({"app.db.unit_of_work"}), True, frozenset()),
        ContextManagerInfo(
            frozenset({"app.db.legacy"}),
            False,
            frozenset({"app.legacy.session_scope", "builtins.open"}),
        ),
    )
    assert summary.turns_on_atomic_requests is False
    assert summary.names_django_tasks is False
    assert pickle.loads(pickle.dumps(summary)) == summary  # plain data, for other processes


def test_settings_turning_on_atomic_requests_and_naming_django_tasks() -> None:
    on = summarise_module(
        _parsed(
            'TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}\n'
            'DATABASES = {"default": {"ENGINE": "x"}}\n'
            "if DEBUG:\n"
            '    DATABASES["default"]["ATOMIC_REQUESTS"] = True\n',
            "app.settings",
        )
    )
    assert on.turns_on_atomic_requests is True and on.names_django_tasks is True
    off = summarise_module(
        _parsed('DATABASES = {"default": {"ATOMIC_REQUESTS": False}}\n', "app.settings")
    )
    assert off.turns_on_atomic_requests is False and off.names_django_tasks is False


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
    assert site.option_value("countdown") == OptionValue(10, "10", _span(5, 49, 5, 51))
    assert site.option_value("queue") == OptionValue(UNKNOWN, "pick( 'x' )", _span(5, 59, 5, 70))
    assert site.option_value("eta") is None
    assert isinstance(dict(site.options)["countdown"], cst.Integer)
    assert site.sending == SendingCall(_span(5, 5, 5, 71), "charge.apply_async")


def test_a_tasks_decorator_and_its_sites_as_facts(tmp_path: Path) -> None:
    """Where a task's decorator and its backend are written, whether its options may be
    unpacked, and what each enqueue sends: facts for rules that read no tree."""
    analysis = _analysis(
        tmp_path,
        {
            "app/tasks.py": (
                "from django.tasks import task\n\n\n"
                '@task(backend="fast", priority=2)\n'
                "def send(order_id):\n    pass\n\n\n"
                "@task(**OPTIONS)\n"
                "def charge(order_id):\n    pass\n"
            ),
            "app/views.py": (
                "from app.tasks import charge, send\n\n\n"
                "def view(order):\n"
                '    send.using(queue_name="lo" "w").enqueue(order.id)\n'
                '    charge.using(queue_name="low").enqueue(order.id)\n'
                "    charge.call(order.id)\n"
            ),
        },
    )
    jobs = {job.name: job for job in analysis.jobs}
    send, charge = jobs["send"], jobs["charge"]
    assert send.decorator_span == _span(4, 1, 4, 34)
    assert send.decorator_keyword_spans == (("backend", _span(4, 15, 4, 21)),)
    assert not send.decorator_unpacks
    assert charge.decorator_span == _span(9, 1, 9, 17)
    assert charge.decorator_keyword_spans == ()
    assert charge.decorator_unpacks
    sites = sorted(analysis.enqueue_sites, key=lambda site: site.span.start.line)
    concatenated, literal, synchronous = sites
    assert concatenated.option_value("queue_name") == OptionValue(
        "low", '"lo" "w"', _span(5, 27, 5, 35), string_literal=False
    )
    assert literal.option_value("queue_name") == OptionValue(
        "low", '"low"', _span(6, 29, 6, 34), string_literal=True
    )
    assert concatenated.sending == SendingCall(
        _span(5, 5, 5, 54), 'send.using(queue_name="lo" "w").enqueue'
    )
    assert synchronous.sending is None


def test_what_a_site_sends(tmp_path: Path) -> None:
    """A signature sends nothing unless it is sent on the spot; an element of a bulk
    enqueue is sent by the bulk call around it."""
    analysis = _analysis(
        tmp_path,
        {
            "app/tasks.py": (
                "from celery import shared_task\n\n\n@shared_task\ndef ping(n):\n    pass\n"
            ),
            "app/jobs/ping_job.py": (
                "from joblint.runtime import Job\n\n\n"
                "class PingJob(Job):\n    def perform(self, n):\n        pass\n"
            ),
            "app/service.py": (
                "from celery import group\n"
                "from joblint.runtime import perform_all_later\n"
                "from app.jobs.ping_job import PingJob\n"
                "from app.tasks import ping\n\n\n"
                "def run():\n"
                "    group(ping.s(1), ping.s(2))\n"
                "    ping.s(3).delay()\n"
                "    perform_all_later([PingJob(4), PingJob(5)])\n"
            ),
        },
    )
    sending = {
        (site.span.start.line, site.span.start.column): site.sending
        for site in analysis.enqueue_sites
        if site.path.name == "service.py"
    }
    bulk = SendingCall(_span(10, 5, 10, 48), "perform_all_later")
    assert sending == {
        (8, 11): None,
        (8, 22): None,
        (9, 5): SendingCall(_span(9, 5, 9, 14), "ping.s"),
        (10, 24): bulk,
        (10, 36): bulk,
    }
