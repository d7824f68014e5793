"""JOB511 and JOB512: the linter's reading of error policies, checked against the runtime.

The agreement table defines real job classes, runs them once with ``Job.execute`` (the
runtime's own policy handling, no queue), and asserts that the linter flags a declaration
exactly when the runtime does not do what that declaration says."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

from joblint.runtime import Job
from tests.lint_support import lint_tree, write_tree

CODES = ("JOB511", "JOB512")


def findings(root: Path, files: dict[str, str]) -> list[tuple[str, int, str]]:
    write_tree(root, {name: textwrap.dedent(text) for name, text in files.items()})
    return sorted(
        (d.path.relative_to(root).as_posix(), d.span.start.line, d.code)
        for d in lint_tree(root)
        if d.code in CODES
    )


HEADER = """\
import logging

from joblint.runtime import DeserializationError, Job, discard_on, rescue_from, retry_on


class ServiceError(Exception):
    pass


class TimeoutServiceError(ServiceError):
    pass

"""

# (policies written above and inside the class, the error `perform` raises, the line
#  (within the class text) of the declaration in question, what the runtime does)
AGREEMENT = [
    # a lower decorator wins over a higher one
    ("@retry_on(KeyError)\n@discard_on(KeyError)\n", "", "KeyError", 1, "discarded"),
    ("@discard_on(KeyError)\n@retry_on(KeyError)\n", "", "KeyError", 1, "retried"),
    # a superclass handler declared later shadows a subclass one declared earlier
    ("@retry_on(ConnectionError)\n@discard_on(OSError)\n", "", "ConnectionError", 1, "discarded"),
    ("@discard_on(OSError)\n@retry_on(ConnectionError)\n", "", "ConnectionError", 2, "retried"),
    # project exception classes, through their bases
    (
        "@retry_on(TimeoutServiceError)\n@discard_on(ServiceError)\n",
        "",
        "TimeoutServiceError",
        1,
        "discarded",
    ),
    (
        "@retry_on(ServiceError)\n@discard_on(TimeoutServiceError)\n",
        "",
        "ServiceError",
        1,
        "retried",
    ),
    # rescue_from methods come after every class decorator
    (
        "@retry_on(ValueError)\n",
        "    @rescue_from(ValueError)\n    def note(self, error):\n        raise error\n",
        "ValueError",
        1,
        "failed",
    ),
    (
        "@retry_on(ValueError)\n",
        "    @rescue_from(LookupError)\n    def note(self, error):\n        raise error\n",
        "ValueError",
        1,
        "retried",
    ),
    # a broad rescue that swallows: retries never happen
    (
        "@retry_on(ValueError)\n",
        "    @rescue_from(Exception)\n"
        "    def note(self, error):\n"
        "        logging.error('%s', error)\n",
        "ValueError",
        1,
        "rescued",
    ),
    # the same broad rescue re-raising or retrying hands the error on
    (
        "",
        "    @rescue_from(Exception)\n    def note(self, error):\n        raise error\n",
        "ValueError",
        None,
        "failed",
    ),
    (
        "",
        "    @rescue_from(Exception)\n    def note(self, error):\n        self.retry_job(wait=5)\n",
        "ValueError",
        None,
        "retried",
    ),
]

OUTCOME_OF = {"@retry_on": "retried", "@discard_on": "discarded"}


def run_in_runtime(path: Path, module_name: str, error: str) -> str:
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
        job = module.CheckPolicyJob()
        assert isinstance(job, Job)
        try:
            return str(job.execute().status)
        except BaseException as raised:
            assert type(raised).__name__ == error
            return "failed"
    finally:
        del sys.modules[module_name]


@pytest.mark.parametrize(("decorators", "methods", "error", "line", "expected"), AGREEMENT)
def test_linter_agrees_with_runtime(
    tmp_path: Path,
    decorators: str,
    methods: str,
    error: str,
    line: int | None,
    expected: str,
) -> None:
    class_text = (
        decorators
        + "class CheckPolicyJob(Job):\n"
        + f"    def perform(self) -> None:\n        raise {error}('boom')\n\n"
        + methods
    )
    offset = HEADER.count("\n")
    found = findings(tmp_path, {"app/jobs/check_policy_job.py": HEADER + class_text})
    observed = run_in_runtime(
        tmp_path / "app/jobs/check_policy_job.py", f"check_policy_{id(tmp_path)}", error
    )
    assert observed == expected
    flagged = {code for _, _, code in found}
    if "rescue_from(Exception)" in methods:
        # JOB511: flagged exactly when the broad rescue keeps the job from failing or retrying
        assert ("JOB511" in flagged) == (observed == "rescued")
    if line is not None:
        declaration = class_text.splitlines()[line - 1]
        assert declaration.split("(")[0] in OUTCOME_OF
        claimed = OUTCOME_OF[declaration.split("(")[0]]
        # JOB511 says every policy behind a swallowing broad rescue is dead; JOB512 leaves
        # such declarations to it rather than report them twice.
        flagged_here = "JOB511" in flagged or any(
            code == "JOB512" and at == offset + line for _, at, code in found
        )
        assert flagged_here == (observed != claimed), (found, observed)


BASE = {
    "app/jobs/application_job.py": """\
        from joblint.runtime import DeserializationError, Job, discard_on, retry_on


        class ServiceError(Exception):
            pass


        @retry_on(ServiceError)
        @discard_on(DeserializationError)
        class ApplicationJob(Job):
            pass
        """,
}


def test_a_jobs_handler_that_takes_what_its_base_retries_is_reported_at_the_handler(
    tmp_path: Path,
) -> None:
    files = dict(BASE)
    files["app/jobs/import_rows_job.py"] = """\
        from joblint.runtime import discard_on

        from app.jobs.application_job import ApplicationJob


        @discard_on(Exception)
        class ImportRowsJob(ApplicationJob):
            def perform(self) -> None:
                pass
        """
    assert findings(tmp_path, files) == [
        ("app/jobs/import_rows_job.py", 6, "JOB512"),
    ]


def test_conflicts_inside_a_base_are_reported_on_the_base_once(tmp_path: Path) -> None:
    files = {
        "app/jobs/application_job.py": """\
            from joblint.runtime import Job, discard_on, retry_on


            @retry_on(TimeoutError)
            @discard_on(OSError)
            class ApplicationJob(Job):
                pass
            """,
        "app/jobs/import_rows_job.py": """\
            from app.jobs.application_job import ApplicationJob


            class ImportRowsJob(ApplicationJob):
                def perform(self) -> None:
                    pass
            """,
    }
    assert findings(tmp_path, files) == [("app/jobs/application_job.py", 4, "JOB512")]


CLEAN_512 = {
    "specific below general": """\
        @discard_on(LookupError)
        @retry_on(KeyError, attempts=3)
        class ImportRowsJob(ApplicationJob):
            def perform(self) -> None:
                pass
        """,
    "unrelated exceptions": """\
        @retry_on(ConnectionError)
        @discard_on(KeyError)
        class ImportRowsJob(ApplicationJob):
            @rescue_from(ValueError)
            def report(self, error: ValueError) -> None:
                raise error

            def perform(self) -> None:
                pass
        """,
    "a subclass overriding its base's retry": """\
        @retry_on(ServiceError, attempts=10)
        class ImportRowsJob(ApplicationJob):
            def perform(self) -> None:
                pass
        """,
    "one declaration naming several exceptions": """\
        @retry_on(ConnectionError, TimeoutError, attempts=5)
        class ImportRowsJob(ApplicationJob):
            def perform(self) -> None:
                pass
        """,
}

CLEAN_511 = {
    "re-raises": """\
        class ImportRowsJob(ApplicationJob):
            def perform(self) -> None:
                pass

            @rescue_from(Exception)
            def report(self, error: Exception) -> None:
                logging.exception("import failed")
                raise
        """,
    "retries": """\
        class ImportRowsJob(ApplicationJob):
            def perform(self) -> None:
                pass

            @rescue_from(Exception)
            def again(self, error: Exception) -> None:
                if self.executions < 3:
                    self.retry_job(wait=10)
                    return
                raise error
        """,
    "a specific exception": """\
        class ImportRowsJob(ApplicationJob):
            def perform(self) -> None:
                pass

            @rescue_from(KeyError)
            def skip(self, error: KeyError) -> None:
                logging.warning("skipped: %s", error)
        """,
    # handled on purpose, in JOB501's sense (joblint.analysis.handlers.swallows): someone is told,
    # the run is marked failed where the application shows it
    "tells the owner": """\
        class ImportRowsJob(ApplicationJob):
            def perform(self) -> None:
                pass

            @rescue_from(Exception)
            def report(self, error: Exception) -> None:
                logging.error("import failed")
                self.notify_owner()

            def notify_owner(self) -> None:
                pass
        """,
    "marks the run failed": """\
        class ImportRowsJob(ApplicationJob):
            status = "pending"

            def perform(self) -> None:
                pass

            @rescue_from(Exception)
            def report(self, error: Exception) -> None:
                self.status = "failed"
        """,
}

HEADER_IMPORTS = """\
import logging

from joblint.runtime import DeserializationError, discard_on, rescue_from, retry_on

from app.jobs.application_job import ApplicationJob, ServiceError


"""

PLAIN_BASE = {
    "app/jobs/application_job.py": """\
        from joblint.runtime import Job


        class ServiceError(Exception):
            pass


        class ApplicationJob(Job):
            pass
        """,
}


@pytest.mark.parametrize(
    ("base", "text"),
    [
        *((BASE, text) for text in CLEAN_512.values()),
        *((PLAIN_BASE, t) for t in CLEAN_511.values()),
    ],
    ids=[*CLEAN_512, *CLEAN_511],
)
def test_safe_forms_are_clean(tmp_path: Path, base: dict[str, str], text: str) -> None:
    files = dict(base)
    files["app/jobs/import_rows_job.py"] = HEADER_IMPORTS + textwrap.dedent(text)
    assert findings(tmp_path, files) == []


def test_a_broad_rescue_that_only_reports_swallows_and_one_that_handles_is_left_to_job512(
    tmp_path: Path,
) -> None:
    """JOB511 and JOB501 share what "swallows" means: reports (a logger, an error tracker)
    and the names that feed them are not handling. A broad rescue that does handle the
    error still takes it before every `retry_on`: JOB512 says so at the dead policy."""
    files = dict(PLAIN_BASE)
    files["app/jobs/import_rows_job.py"] = HEADER_IMPORTS + textwrap.dedent(
        """\
        import sentry_sdk


        @retry_on(ConnectionError)
        class ImportRowsJob(ApplicationJob):
            def perform(self) -> None:
                pass

            @rescue_from(Exception)
            def report(self, error: Exception) -> None:
                message = f"import failed: {error}"
                logging.error(message)
                sentry_sdk.capture_exception(error)


        @retry_on(ConnectionError)
        class ExportRowsJob(ApplicationJob):
            status = "pending"

            def perform(self) -> None:
                pass

            @rescue_from(Exception)
            def report(self, error: Exception) -> None:
                self.status = "failed"
        """
    )
    assert findings(tmp_path, files) == [
        ("app/jobs/import_rows_job.py", 16, "JOB511"),
        ("app/jobs/import_rows_job.py", 23, "JOB512"),
    ]


UNSURE = {
    # a library exception: its hierarchy is unknown, so no claim about what it covers
    "library exception": """\
        from requests import RequestException
        from requests.exceptions import ConnectTimeout


        @retry_on(ConnectTimeout)
        @discard_on(RequestException)
        class ImportRowsJob(ApplicationJob):
            def perform(self) -> None:
                pass
        """,
    # a base class the index cannot see: its handlers and place in the MRO are unknown
    "library base": """\
        from vendor.jobs import VendorJob


        @retry_on(KeyError)
        @discard_on(LookupError)
        class ImportRowsJob(ApplicationJob, VendorJob):
            def perform(self) -> None:
                pass
        """,
    # the exceptions are not names
    "computed exceptions": """\
        TRANSIENT = (ConnectionError, TimeoutError)


        @retry_on(*TRANSIENT)
        @discard_on(OSError)
        class ImportRowsJob(ApplicationJob):
            def perform(self) -> None:
                pass
        """,
    # the handler hands the error to code that may re-raise it
    "delegating handler": """\
        def escalate(error: Exception) -> None:
            raise error


        class ImportRowsJob(ApplicationJob):
            def perform(self) -> None:
                pass

            @rescue_from(Exception)
            def report(self, error: Exception) -> None:
                escalate(error)
        """,
}


@pytest.mark.parametrize("text", UNSURE.values(), ids=UNSURE)
def test_silent_when_it_cannot_tell(tmp_path: Path, text: str) -> None:
    files = dict(PLAIN_BASE)
    files["app/jobs/import_rows_job.py"] = HEADER_IMPORTS + textwrap.dedent(text)
    assert findings(tmp_path, files) == []


def test_only_runtime_jobs_are_read(tmp_path: Path) -> None:
    """The policies are the runtime's; a Celery task with look-alike decorators is not
    read (JOB509 and JOB5xx rules for other frameworks read their own options)."""
    files = {
        "proj/tasks.py": """\
            from celery import shared_task


            def retry_on(*errors):
                return lambda f: f


            @retry_on(KeyError)
            @shared_task
            def import_rows() -> None:
                pass
            """,
    }
    assert findings(tmp_path, files) == []


def test_a_subclass_retrying_what_its_base_discards(tmp_path: Path) -> None:
    files = dict(BASE)
    files["app/jobs/import_rows_job.py"] = HEADER_IMPORTS + textwrap.dedent(
        """\
        @retry_on(DeserializationError)
        class ImportRowsJob(ApplicationJob):
            def perform(self) -> None:
                pass

            @rescue_from(Exception)
            def report(self, error: Exception) -> None:
                raise error
        """
    )
    write_tree(tmp_path, {name: textwrap.dedent(text) for name, text in files.items()})
    found = [
        (d.span.start.line, d.span.start.column, d.message)
        for d in lint_tree(tmp_path)
        if d.code in CODES
    ]
    # The rescue (searched first) takes everything: the decorator's retry and both of the
    # base's policies are dead, the latter reported once, at the rescue's argument.
    assert [(line, column) for line, column, _ in found] == [(8, 11), (13, 18)]
    assert "`retry_on` never runs for `DeserializationError`" in found[0][2]
    assert "`retry_on(ServiceError)` on `ApplicationJob`" in found[1][2]
    assert "`discard_on(DeserializationError)` on `ApplicationJob`" in found[1][2]


# --- JOB509 ---------------------------------------------------------------------------

CELERY_APP = {"proj/celery_app.py": 'from celery import Celery\n\napp = Celery("proj")\n'}

MIXED = {
    "runtime, own retry_on": (
        "app/jobs/sync_orders_job.py",
        """\
        from joblint.runtime import retry_on

        from app.jobs.application_job import ApplicationJob


        @retry_on(ConnectionError)
        class SyncOrdersJob(ApplicationJob):
            def perform(self, order_id: int) -> None:
                try:
                    pass
                except TimeoutError:
                    self.retry_job(wait=5)
        """,
        12,
    ),
    "runtime, base's retry_on": (
        "app/jobs/sync_orders_job.py",
        """\
        from app.jobs.application_job import ApplicationJob


        class SyncOrdersJob(ApplicationJob):
            def perform(self, order_id: int) -> None:
                if order_id < 0:
                    self.retry_job()
        """,
        7,
    ),
    "celery, bound task": (
        "proj/tasks.py",
        """\
        from proj.celery_app import app


        @app.task(bind=True, autoretry_for=(ConnectionError,))
        def send_receipt(task, order_id: int) -> None:
            raise task.retry(countdown=10)
        """,
        6,
    ),
    "celery, Task subclass": (
        "proj/tasks.py",
        """\
        from celery import Task


        class SendReceiptTask(Task):
            autoretry_for = (ConnectionError,)

            def run(self, order_id: int) -> None:
                raise self.retry(countdown=10)
        """,
        8,
    ),
}


@pytest.mark.parametrize(("name", "text", "line"), MIXED.values(), ids=MIXED)
def test_mixed_retry_mechanisms(tmp_path: Path, name: str, text: str, line: int) -> None:
    files = {**BASE, **CELERY_APP, name: text}
    assert [f for f in findings_509(tmp_path, files)] == [(name, line, "JOB509")]


def findings_509(root: Path, files: dict[str, str]) -> list[tuple[str, int, str]]:
    write_tree(root, {name: textwrap.dedent(text) for name, text in files.items()})
    return sorted(
        (d.path.relative_to(root).as_posix(), d.span.start.line, d.code)
        for d in lint_tree(root)
        if d.code == "JOB509"
    )


CLEAN_509 = {
    "runtime, one policy": """\
        from joblint.runtime import retry_on

        from app.jobs.application_job import ApplicationJob


        @retry_on(ConnectionError, TimeoutError)
        class SyncOrdersJob(ApplicationJob):
            def perform(self, order_id: int) -> None:
                pass
        """,
    "runtime, retry_job alone": """\
        from app.jobs.application_job import ApplicationJob


        class SyncOrdersJob(ApplicationJob):
            def perform(self, order_id: int) -> None:
                self.retry_job(wait=5)
        """,
    "celery, explicit retry alone": """\
        from proj.celery_app import app


        @app.task(bind=True, max_retries=3)
        def send_receipt(self, order_id: int) -> None:
            raise self.retry(countdown=10)
        """,
    "celery, autoretry alone": """\
        from proj.celery_app import app


        @app.task(autoretry_for=(ConnectionError,), retry_backoff=True)
        def send_receipt(order_id: int) -> None:
            pass
        """,
}

UNSURE_509 = {
    # `retry` on another object: an HTTP session, not the task
    "another object's retry": """\
        from proj.celery_app import app


        @app.task(bind=True, autoretry_for=(ConnectionError,))
        def send_receipt(self, order_id: int) -> None:
            client = make_client()
            client.retry(order_id)
        """,
    # not bound: `self` is not the task
    "unbound task": """\
        from proj.celery_app import app


        @app.task(autoretry_for=(ConnectionError,))
        def send_receipt(self, order_id: int) -> None:
            self.retry()
        """,
    # a nested function's `self` is some other object
    "nested function": """\
        from joblint.runtime import retry_on

        from app.jobs.application_job import ApplicationJob


        @retry_on(ConnectionError)
        class SyncOrdersJob(ApplicationJob):
            def perform(self, order_id: int) -> None:
                class Helper:
                    def run(self) -> None:
                        self.retry_job()
        """,
}


@pytest.mark.parametrize(
    "text", [*CLEAN_509.values(), *UNSURE_509.values()], ids=[*CLEAN_509, *UNSURE_509]
)
def test_mixed_retry_mechanisms_clean_and_unsure(tmp_path: Path, text: str) -> None:
    files = {**PLAIN_BASE, **CELERY_APP, "app/jobs/sync_orders_job.py": text}
    if "celery_app" in text:
        files = {**PLAIN_BASE, **CELERY_APP, "proj/tasks.py": text}
    assert findings_509(tmp_path, files) == []


# --- JOB510 ---------------------------------------------------------------------------

MODELS = {
    "shop/models.py": """\
        from django.db import models
        from peewee import Model
        from sqlalchemy.orm import DeclarativeBase


        class Order(models.Model):
            pass


        class Base(DeclarativeBase):
            pass


        class Invoice(Base):
            pass


        class Customer(Model):
            pass
        """,
    "shop/apps.py": """\
        import dramatiq
        from huey import SqliteHuey

        huey = SqliteHuey("shop")
        """,
}


def findings_510(root: Path, files: dict[str, str]) -> list[tuple[str, int]]:
    write_tree(root, {name: textwrap.dedent(text) for name, text in files.items()})
    return sorted(
        (d.path.relative_to(root).as_posix(), d.span.start.line)
        for d in lint_tree(root)
        if d.code == "JOB510"
    )


LOOKUPS = {
    "runtime, Django get": """\
        from app.jobs.application_job import ApplicationJob
        from shop.models import Order


        class ShipOrderJob(ApplicationJob):
            def perform(self, order_id: int) -> None:
                Order.objects.get(pk=order_id).save()  # here
        """,
    "celery, SQLAlchemy session.get": """\
        from celery import shared_task

        from shop.models import Invoice


        @shared_task
        def send_invoice(invoice_id: int) -> None:
            invoice = session.get(Invoice, invoice_id)  # here
            invoice.send()
        """,
    "dramatiq, Peewee get_by_id": """\
        import dramatiq

        from shop.models import Customer


        @dramatiq.actor
        def greet_customer(customer_id: int) -> None:
            Customer.get_by_id(customer_id).greet()  # here
        """,
    "huey, SQLAlchemy one()": """\
        from sqlalchemy import select

        from shop.apps import huey
        from shop.models import Invoice


        @huey.task()
        def void_invoice(invoice_id: int) -> None:
            session.scalars(select(Invoice).where(Invoice.id == invoice_id)).one()  # here
        """,
    "django tasks, get_object_or_404": """\
        from django.shortcuts import get_object_or_404
        from django.tasks import task

        from shop.models import Order


        @task()
        def refund_order(order_id: int) -> None:
            get_object_or_404(Order, pk=order_id).refund()  # here
        """,
    "rq, Django get": """\
        from redis import Redis
        from rq.decorators import job

        from shop.models import Order


        @job("default", connection=Redis())
        def pack_order(order_id: int) -> None:
            Order.objects.get(pk=order_id).pack()  # here
        """,
    "procrastinate, Peewee get": """\
        from procrastinate import App, PsycopgConnector

        from shop.models import Customer

        app = App(connector=PsycopgConnector())


        @app.task(queue="default")
        def bill_customer(customer_id: int) -> None:
            Customer.get(Customer.id == customer_id).bill()  # here
        """,
    "arq, SQLAlchemy session.get": """\
        from shop.models import Invoice


        async def archive_invoice(ctx, invoice_id: int) -> None:
            invoice = await ctx["session"].get(Invoice, invoice_id)  # here
            invoice.archive()


        class WorkerSettings:
            functions = [archive_invoice]
        """,
}


@pytest.mark.parametrize("text", LOOKUPS.values(), ids=LOOKUPS)
def test_lookup_by_id_without_handling(tmp_path: Path, text: str) -> None:
    text = textwrap.dedent(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.endswith("# here"))
    files = {**PLAIN_BASE, **MODELS, "shop/jobs/work.py": text}
    assert findings_510(tmp_path, files) == [("shop/jobs/work.py", line)]


def test_off_by_default(tmp_path: Path) -> None:
    from joblint.rules import RULES_BY_CODE

    assert RULES_BY_CODE["JOB510"].default_enabled is False


HANDLED_510 = {
    "runtime, discard_on on the base": (
        {
            "app/jobs/application_job.py": """\
                from joblint.runtime import DeserializationError, Job, discard_on


                @discard_on(DeserializationError)
                class ApplicationJob(Job):
                    pass
                """
        },
        """\
        from app.jobs.application_job import ApplicationJob
        from shop.models import Order


        class ShipOrderJob(ApplicationJob):
            def perform(self, order_id: int) -> None:
                Order.objects.get(pk=order_id).save()
        """,
    ),
    "runtime, rescue_from on the base": (
        {
            "app/jobs/application_job.py": """\
                from django.core.exceptions import ObjectDoesNotExist
                from joblint.runtime import Job, rescue_from


                class ApplicationJob(Job):
                    @rescue_from(ObjectDoesNotExist)
                    def gone(self, error: Exception) -> None:
                        pass
                """
        },
        """\
        from app.jobs.application_job import ApplicationJob
        from shop.models import Order


        class ShipOrderJob(ApplicationJob):
            def perform(self, order_id: int) -> None:
                Order.objects.get(pk=order_id).save()
        """,
    ),
    "try around the lookup": (
        PLAIN_BASE,
        """\
        from celery import shared_task

        from shop.models import Order


        @shared_task
        def ship_order(order_id: int) -> None:
            try:
                order = Order.objects.get(pk=order_id)
            except (Order.DoesNotExist, ValueError):
                return
            order.save()
        """,
    ),
    "filter().first() and a None check": (
        PLAIN_BASE,
        """\
        from celery import shared_task

        from shop.models import Order


        @shared_task
        def ship_order(order_id: int) -> None:
            order = Order.objects.filter(pk=order_id).first()
            if order is None:
                return
            order.save()
        """,
    ),
    "session.get and a None check": (
        PLAIN_BASE,
        """\
        from celery import shared_task

        from shop.models import Invoice


        @shared_task
        def send_invoice(invoice_id: int) -> None:
            invoice = session.get(Invoice, invoice_id)
            if not invoice:
                return
            invoice.send()
        """,
    ),
    # not keyed by a job argument: a fixed row, not a record that may have gone
    "lookup not by a job argument": (
        PLAIN_BASE,
        """\
        from celery import shared_task

        from shop.models import Order


        @shared_task
        def ship_first_order() -> None:
            Order.objects.get(pk=1).save()
        """,
    ),
    # silent when unsure: the policy names exceptions it cannot read, the class is unknown
    "runtime, computed policy": (
        PLAIN_BASE,
        """\
        from joblint.runtime import discard_on

        from app.jobs.application_job import ApplicationJob
        from shop.models import Order
        from shop.errors import GONE


        @discard_on(*GONE)
        class ShipOrderJob(ApplicationJob):
            def perform(self, order_id: int) -> None:
                Order.objects.get(pk=order_id).save()
        """,
    ),
    "not a known model": (
        PLAIN_BASE,
        """\
        from celery import shared_task

        from vendor.models import Order


        @shared_task
        def ship_order(order_id: int) -> None:
            Order.objects.get(pk=order_id).save()
        """,
    ),
}


@pytest.mark.parametrize(("base", "text"), HANDLED_510.values(), ids=HANDLED_510)
def test_handled_lookups_are_clean(tmp_path: Path, base: dict[str, str], text: str) -> None:
    files = {**base, **MODELS, "shop/jobs/work.py": text}
    assert findings_510(tmp_path, files) == []


SEARCH_ORDER_MODULE = """\
from joblint.runtime import DeserializationError, Job, discard_on, rescue_from, retry_on


@discard_on(KeyError)
@retry_on(TimeoutError, ConnectionError)
class AuditMixin:
    pass


@retry_on(ValueError)
@discard_on(DeserializationError)
class PolicyBaseJob(Job):
    pass


@retry_on(LookupError)
@discard_on(IndexError)
class CheckPolicyJob(AuditMixin, PolicyBaseJob):
    @rescue_from(ArithmeticError)
    def first(self, error: Exception) -> None:
        raise error

    def perform(self) -> None:
        pass

    @rescue_from(ZeroDivisionError, OverflowError)
    def second(self, error: Exception) -> None:
        raise error
"""


def test_search_order_is_the_runtimes(tmp_path: Path) -> None:
    """The linter's search order, through multiple inheritance (C3), decorators and
    rescue methods, is the one the runtime builds from the live classes."""
    from joblint.config import Settings
    from joblint.engine.linter import Linter
    from joblint.rules.error_policies import searched_declarations
    from joblint.runtime.policies import handler_search_order

    write_tree(tmp_path, {"app/jobs/check_policy_job.py": SEARCH_ORDER_MODULE})
    analysis, _ = Linter(Settings(project_root=tmp_path)).analyse_paths([tmp_path])
    module = next(m for m in analysis.modules if m.path.name == "check_policy_job.py")
    job = next(j for j in module.facts.jobs if j.name == "CheckPolicyJob")
    searched = searched_declarations(module, job)
    assert searched is not None
    linted = [
        (
            str(d.kind),
            d.declared_in.rsplit(".", 1)[-1],
            tuple(name.rsplit(".", 1)[-1] for name in d.exceptions if name),
        )
        for d in searched
    ]

    path = tmp_path / "app/jobs/check_policy_job.py"
    spec = importlib.util.spec_from_file_location("check_policy_order", path)
    assert spec is not None and spec.loader is not None
    live = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(live)
    ran = [
        (
            str(h.kind),
            h.declared_in.rsplit(".", 1)[-1],
            tuple(e.__name__ for e in h.exceptions),
        )
        for h in handler_search_order(live.CheckPolicyJob)
    ]
    assert linted == ran
    assert ran[0] == ("rescue_from", "CheckPolicyJob", ("ZeroDivisionError", "OverflowError"))
    assert ran[-1] == ("retry_on", "PolicyBaseJob", ("ValueError",))
