"""JOB108 beyond its page: the statement and branch counts on their own, a case per
framework for both shapes of the rule, the look-alikes it must leave alone, the cases
where it cannot tell and stays silent, and the configuration of its limits.

A case is one module, ``proj/case.py``, written beside the apps and models in ``APPS``; a
line expected to be flagged ends in ``# JOB108``, as on the rule pages, and only that
module's JOB108 findings are compared."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst
import pytest
from lint_support import lint_tree, write_tree
from test_cli import run

from joblint.config import Settings
from joblint.report.pages import Example
from joblint.rules import RULES_BY_CODE
from joblint.rules.job_size import Size, size_of

APPS = {
    "proj/apps.py": (
        "import procrastinate\n"
        "from celery import Celery\n"
        "from flask_sqlalchemy import SQLAlchemy\n"
        "from huey import SqliteHuey\n\n"
        'app = Celery("proj")\n'
        'huey = SqliteHuey("proj")\n'
        "db = SQLAlchemy()\n"
        "documents = procrastinate.App(connector=procrastinate.PsycopgConnector())\n"
    ),
    "proj/models.py": (
        "import peewee\n"
        "from django.db import models\n"
        "from sqlalchemy.orm import DeclarativeBase\n"
        "from tortoise.models import Model\n\n"
        "from proj.apps import db\n\n\n"
        "class Account(models.Model):\n    pass\n\n\n"
        "class Base(DeclarativeBase):\n    pass\n\n\n"
        "class Invoice(Base):\n    pass\n\n\n"
        "class Customer(db.Model):\n    pass\n\n\n"
        "class Tag(peewee.Model):\n    pass\n\n\n"
        "class Event(Model):\n    pass\n"
    ),
    "proj/plain.py": "class Catalog:\n    objects = None\n\n    def all(self) -> list[str]:\n"
    "        return []\n",
}
HEAD = (
    "import dramatiq\n"
    "from django.tasks import task\n"
    "from joblint.runtime import Job\n"
    "from redis import Redis\n"
    "from rq.decorators import job\n"
    "from sqlalchemy import select\n\n"
    "from proj.apps import app, documents, huey\n"
    "from proj.models import Account, Customer, Event, Invoice, Tag\n"
    "from proj.plain import Catalog\n\n\n"
    "def push(row: object) -> None: ...\n\n\n"
)


def check(tmp_path: Path, source: str, settings: Settings | None = None) -> None:
    """The JOB108 findings in the case module are exactly its annotated lines."""
    example = Example("flagged", HEAD + textwrap.dedent(source), "proj/case.py")
    write_tree(tmp_path, {**APPS, "proj/case.py": example.without_annotations()})
    target = tmp_path / "proj/case.py"
    findings = lint_tree(tmp_path, settings, enabled={"JOB108"})
    found = {(d.line, d.code) for d in findings if d.path == target}
    assert found == example.expected()


def messages(tmp_path: Path, source: str, settings: Settings | None = None) -> list[str]:
    write_tree(tmp_path, {**APPS, "proj/case.py": HEAD + textwrap.dedent(source)})
    return [d.message for d in lint_tree(tmp_path, settings, enabled={"JOB108"})]


def small(tmp_path: Path, statements: int = 3, branches: int = 2) -> Settings:
    return Settings(project_root=tmp_path, max_job_statements=statements, max_job_branches=branches)


# --- counting ---------------------------------------------------------------------------


def count(source: str) -> Size:
    module = cst.parse_module(textwrap.dedent(source))
    function = module.body[0]
    assert isinstance(function, cst.FunctionDef)
    return size_of(function)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("def f():\n    pass\n", Size(1, 0), id="pass"),
        pytest.param('def f():\n    """Doc."""\n    a = 1\n', Size(1, 0), id="docstring"),
        pytest.param("def f(): a = 1; b = 2\n", Size(2, 0), id="one-line"),
        pytest.param(
            "def f():\n    if a:\n        g()\n    else:\n        g()\n", Size(4, 2), id="if-else"
        ),
        pytest.param(
            "def f():\n    if a:\n        g()\n    elif b:\n        g()\n    elif c:\n"
            "        g()\n    else:\n        g()\n",
            Size(8, 4),
            id="if-elif-elif-else",
        ),
        pytest.param(
            "def f():\n    for x in y:\n        g()\n    else:\n        g()\n"
            "    while a:\n        g()\n",
            Size(6, 3),
            id="loops",
        ),
        pytest.param(
            "def f():\n    try:\n        g()\n    except ValueError:\n        g()\n"
            "    except Exception:\n        raise\n    else:\n        g()\n    finally:\n"
            "        g()\n",
            Size(10, 4),
            id="try",
        ),
        pytest.param(
            "def f():\n    with a:\n        if b: g()\n    match x:\n        case 1:\n"
            "            g()\n        case _:\n            pass\n",
            Size(8, 3),
            id="with-match",
        ),
        pytest.param(
            "def f():\n    def helper():\n        if a:\n            g()\n        g()\n"
            "    class Local:\n        x = 1\n    h = lambda: g() if a else 0\n"
            "    items = [x for x in y if x]\n",
            Size(4, 0),
            id="nested-code-is-not-counted",
        ),
    ],
)
def test_counts(source: str, expected: Size) -> None:
    assert count(source) == expected


# --- size, per framework ------------------------------------------------------------------

OVER = "    a = 1\n    b = 2\n    c = 3\n    push(a)\n"  # four statements
BRANCHY = "    if a:\n        pass\n    elif b:\n        pass\n    else:\n        pass\n"

SIZE_CASES = [
    pytest.param(
        "@app.task(queue='default')\ndef sync_all() -> None:  # JOB108\n" + OVER, id="celery"
    ),
    pytest.param(
        "@app.task(queue='default')\ndef sync_all(a: int, b: int) -> None:  # JOB108\n" + BRANCHY,
        id="celery-branches",
    ),
    pytest.param(
        "class SyncAll(app.Task):\n    def run(self) -> None:  # JOB108\n"
        + OVER.replace("    ", "        "),
        id="celery-class",
    ),
    pytest.param(
        "@job('default', connection=Redis())\ndef sync_all() -> None:  # JOB108\n" + OVER,
        id="rq",
    ),
    pytest.param(
        "@dramatiq.actor(queue_name='default')\ndef sync_all() -> None:  # JOB108\n" + OVER,
        id="dramatiq",
    ),
    pytest.param("@huey.task()\ndef sync_all() -> None:  # JOB108\n" + OVER, id="huey"),
    pytest.param("@task()\ndef sync_all() -> None:  # JOB108\n" + OVER, id="django-tasks"),
    pytest.param(
        "@documents.task(queue='default')\ndef sync_all() -> None:  # JOB108\n" + OVER,
        id="procrastinate",
    ),
    pytest.param(
        "class SyncAllJob(Job):\n    queue_as = 'default'\n\n"
        "    def perform(self) -> None:  # JOB108\n" + OVER.replace("    ", "        "),
        id="runtime",
    ),
]


@pytest.mark.parametrize("source", SIZE_CASES)
def test_size_flagged(tmp_path: Path, source: str) -> None:
    check(tmp_path, source, small(tmp_path))


def test_size_clean_at_the_limit(tmp_path: Path) -> None:
    check(
        tmp_path,
        "@app.task(queue='default')\ndef sync_all(a: int) -> None:\n"
        "    b = 2\n    c = 3\n    if a:\n        push(b)\n",
        small(tmp_path, statements=4, branches=1),
    )


def test_size_leaves_functions_that_are_not_jobs_alone(tmp_path: Path) -> None:
    check(tmp_path, "def sync_all() -> None:\n" + OVER, small(tmp_path))


def test_size_leaves_abstract_jobs_alone(tmp_path: Path) -> None:
    check(
        tmp_path,
        "class ApplicationJob(Job):\n    abstract = True\n\n    def perform(self) -> None:\n"
        + OVER.replace("    ", "        "),
        small(tmp_path),
    )


def test_size_default_limits(tmp_path: Path) -> None:
    long = "".join(f"    push({n})\n" for n in range(50))
    check(tmp_path, "@app.task(queue='default')\ndef sync_all() -> None:\n" + long)
    check(tmp_path, "@app.task(queue='default')\ndef sync_all() -> None:  # JOB108\n" + long * 2)


def test_size_messages(tmp_path: Path) -> None:
    source = (
        "class SyncAccountsJob(Job):\n    queue_as = 'default'\n\n"
        "    def perform(self, a: int, b: int) -> None:\n"
        + (OVER + BRANCHY).replace("    ", "        ")
    )
    assert messages(tmp_path, source, small(tmp_path)) == [
        "`perform` of `SyncAccountsJob` has 10 statements (limit 3) and 3 branches (limit 2); "
        "split the work into smaller jobs, e.g. one per record, enqueued by this one"
    ]
    source = "@app.task(queue='default')\ndef sync_all() -> None:\n" + OVER
    assert messages(tmp_path, source, small(tmp_path)) == [
        "`sync_all` has 4 statements (limit 3); split the work into smaller jobs, e.g. one per "
        "record, enqueued by this one"
    ]


# --- whole tables, per framework ----------------------------------------------------------

TABLE_CASES = [
    pytest.param(
        """\
        @app.task(queue="default")
        def sync_all() -> None:
            for account in Account.objects.all():  # JOB108
                push(account)
        """,
        id="celery",
    ),
    pytest.param(
        """\
        @job("default", connection=Redis())
        def sync_all() -> None:
            for account in Account.objects.iterator():  # JOB108
                push(account)
        """,
        id="rq",
    ),
    pytest.param(
        """\
        @dramatiq.actor(queue_name="default")
        def sync_all() -> None:
            for account in Account.objects.all().iterator(chunk_size=500):  # JOB108
                push(account)
        """,
        id="dramatiq",
    ),
    pytest.param(
        """\
        class SyncAllJob(Job):
            queue_as = "default"

            def perform(self) -> None:
                accounts = Account.objects.order_by("id")
                for account in accounts:  # JOB108
                    push(account)
        """,
        id="runtime-through-a-local",
    ),
    pytest.param(
        """\
        @huey.task()
        def sync_all(session: object) -> None:
            emails = [invoice.email for invoice in session.scalars(select(Invoice))]  # JOB108
            push(emails)
        """,
        id="huey-sqlalchemy-select",
    ),
    pytest.param(
        """\
        @task()
        def sync_all(session: object) -> None:
            for invoice in session.query(Invoice).all():  # JOB108
                push(invoice)
            for row in session.execute(select(Invoice).order_by(Invoice.id)).scalars():  # JOB108
                push(row)
        """,
        id="django-tasks-sqlalchemy-query",
    ),
    pytest.param(
        """\
        @documents.task(queue="default")
        def sync_all() -> None:
            for customer in Customer.query.all():  # JOB108
                push(customer)
        """,
        id="procrastinate-flask-sqlalchemy",
    ),
    pytest.param(
        """\
        @app.task(queue="default")
        def sync_all() -> None:
            for tag in Tag.select():  # JOB108
                push(tag)
        """,
        id="peewee",
    ),
    pytest.param(
        """\
        @app.task(queue="default")
        async def sync_all() -> None:
            async for event in Event.all():  # JOB108
                push(event)
            for event in await Event.all().order_by("id"):  # JOB108
                push(event)
        """,
        id="tortoise",
    ),
]


@pytest.mark.parametrize("source", TABLE_CASES)
def test_whole_table_flagged(tmp_path: Path, source: str) -> None:
    check(tmp_path, source)


CLEAN_TABLE_CASES = [
    pytest.param(
        """\
        @app.task(queue="default")
        def sync_all(ids: list[int]) -> None:
            for account in Account.objects.filter(id__in=ids):
                push(account)
            for account in Account.objects.all().exclude(active=False):
                push(account)
            for account in Account.objects.all()[:100]:
                push(account)
            for account in Account.objects.none():
                push(account)
        """,
        id="narrowed",
    ),
    pytest.param(
        """\
        @app.task(queue="default")
        def sync_all(session: object) -> None:
            for invoice in session.scalars(select(Invoice).where(Invoice.id > 3)):
                push(invoice)
            for invoice in session.query(Invoice).filter_by(paid=False).all():
                push(invoice)
            for invoice in session.query(Invoice).limit(10):
                push(invoice)
            for customer in Customer.query.filter_by(active=True):
                push(customer)
            for tag in Tag.select().where(Tag.id > 3):
                push(tag)
        """,
        id="narrowed-sqlalchemy-peewee",
    ),
    pytest.param(
        """\
        @app.task(queue="default")
        def fan_out(session: object) -> None:
            for account_id in Account.objects.values_list("id", flat=True):
                sync_one.delay(account_id)
            for account in Account.objects.only("pk"):
                push(account)
            for row in Account.objects.values("id"):
                push(row)
            for invoice_id in session.scalars(select(Invoice.id)):
                push(invoice_id)
            ids = [account.id for account in Account.objects.all()]
            for account in Account.objects.all():
                sync_one.delay(account.pk)
            jobs = [sync_one.s(account.pk) for account in Account.objects.iterator()]
            push((ids, jobs))


        @app.task(queue="default")
        def sync_one(account_id: int) -> None:
            push(account_id)
        """,
        id="keys-and-fan-out",
    ),
    pytest.param(
        """\
        @app.task(queue="default")
        def sync_all(catalog: Catalog) -> None:
            for name in catalog.all():
                push(name)
            for name in Catalog().all():
                push(name)
            for item in Catalog.objects.all():
                push(item)
        """,
        id="not-a-model",
    ),
    pytest.param(
        """\
        @app.task(queue="default")
        def sync_all(flag: bool, unknown: object) -> None:
            accounts = Account.objects.all()
            if flag:
                accounts = accounts.filter(active=True)
            for account in accounts:
                push(account)
            for row in unknown.objects.all():
                push(row)
            for account in list(Account.objects.all()):
                push(account)

            def later() -> None:
                for account in Account.objects.all():
                    push(account)

            push(later)
        """,
        id="unsure-or-elsewhere",
    ),
    pytest.param(
        """\
        def report() -> None:
            for account in Account.objects.all():
                push(account)
        """,
        id="not-a-job",
    ),
]


@pytest.mark.parametrize("source", CLEAN_TABLE_CASES)
def test_whole_table_clean(tmp_path: Path, source: str) -> None:
    check(tmp_path, source)


def test_whole_table_messages(tmp_path: Path) -> None:
    source = """\
    class SyncAccountsJob(Job):
        queue_as = "default"

        def perform(self) -> None:
            for account in Account.objects.all():
                push(account)
            accounts = Account.objects.iterator()
            for account in accounts:
                push(account)

    @app.task(queue="default")
    async def sync_events() -> None:
        for event in await Event.all():
            push(event)
    """
    assert messages(tmp_path, source) == [
        "`SyncAccountsJob` iterates every `Account` (`Account.objects.all()`); enqueue one job "
        "per batch of IDs instead, so a failure retries a batch and not the whole table",
        "`SyncAccountsJob` iterates every `Account` (`accounts`, assigned "
        "`Account.objects.iterator()` on line 22); enqueue one job per batch of IDs instead, "
        "so a failure retries a batch and not the whole table",
        "`sync_events` iterates every `Event` (`Event.all()`); enqueue one job per batch of "
        "IDs instead, so a failure retries a batch and not the whole table",
    ]


# --- default and configuration ------------------------------------------------------------


def test_opt_in() -> None:
    assert RULES_BY_CODE["JOB108"].default_enabled is False


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("max-job-statements = -1", "`max-job-statements` in [tool.joblint] must be a "
         "positive integer, got -1"),
        ("max-job-branches = 0", "`max-job-branches` in [tool.joblint] must be a positive "
         "integer, got 0"),
        ("max-job-statements = '50'", "`max-job-statements` in [tool.joblint] must be an "
         "integer, got a string ('50')"),
        ("max-job-branches = 12.5", "`max-job-branches` in [tool.joblint] must be an "
         "integer, got a float"),
        ("max-job-branches = true", "`max-job-branches` in [tool.joblint] must be an "
         "integer, got a boolean (True)"),
    ],
)  # fmt: skip
def test_limit_config_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, error: str
) -> None:
    write_tree(tmp_path, {"pyproject.toml": f"[tool.joblint]\nqueues = ['a']\n{line}\n"})
    monkeypatch.chdir(tmp_path)
    code, out, err = run("check")
    assert (code, out) == (2, "")
    assert err == f"joblint: error: {tmp_path / 'pyproject.toml'}:3: {error}\n"


def test_limits_from_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(
        tmp_path,
        {
            **APPS,
            "pyproject.toml": "[tool.joblint]\nselect = ['JOB108']\nmax-job-statements = 3\n",
            "proj/case.py": HEAD + "@app.task(queue='default')\ndef sync_all() -> None:\n" + OVER,
        },
    )
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("check", "--output-format", "concise")
    assert code == 1
    assert "JOB108 `sync_all` has 4 statements (limit 3)" in out
