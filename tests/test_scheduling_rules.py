"""JOB301, JOB303, JOB304, JOB305, JOB306, JOB309, JOB312, JOB314 beyond their pages: a
table of cases per framework, the safe forms each rule must leave alone, the cases where
it cannot tell and stays silent, and the fixes' output.

A case is a tree of files; the lines of its ``target`` expected to be flagged end in their
annotation (``# JOB304``), as on the rule pages, and only the findings of these rules in
that file are compared."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from lint_support import lint_tree, write_tree

from joblint.diagnostics import Applicability, Diagnostic
from joblint.pages import Example

CODES = frozenset({"JOB301", "JOB303", "JOB304", "JOB305", "JOB306", "JOB309", "JOB312", "JOB314"})
TARGET = "proj/target.py"

APPLICATION_JOB = """\
from joblint.runtime import Job


class ApplicationJob(Job):
    pass
"""
QUEUED_APPLICATION_JOB = """\
from joblint.runtime import Job


class ApplicationJob(Job):
    queue_as = "default"
"""
APPS = """\
from celery import Celery
from huey import SqliteHuey
from procrastinate import App, PsycopgConnector

app = Celery("proj")
huey = SqliteHuey("proj")
tasks_app = App(connector=PsycopgConnector())
"""


def _findings(tmp_path: Path, files: dict[str, str], target: str) -> list[Diagnostic]:
    write_tree(
        tmp_path,
        {name: Example("flagged", code).without_annotations() for name, code in files.items()},
    )
    return [d for d in lint_tree(tmp_path) if d.code in CODES and d.path == tmp_path / target]


def _check(tmp_path: Path, files: dict[str, str], target: str = TARGET) -> None:
    found = {(d.line, d.code) for d in _findings(tmp_path, files, target)}
    assert found == Example("flagged", files[target]).expected()


def _runtime(target_name: str, code: str, base: str = APPLICATION_JOB) -> dict[str, str]:
    return {"proj/jobs/application_job.py": base, f"proj/jobs/{target_name}": code}


# -- per-framework tables ---------------------------------------------------------------

RUNTIME_JOB = """\
import asyncio
import time
from datetime import date, datetime, timedelta, timezone

from proj.jobs.application_job import ApplicationJob


class SendEmailJob(ApplicationJob):  # JOB301
    priority = "high"  # JOB312
    queue_adapter = "inline"  # JOB314

    def perform(self, user_id: int) -> None:
        time.sleep(5)  # JOB309
        time.sleep(0)
        self.later()

    def later(self) -> None:
        time.sleep(5)


def enqueue(user_id: int, delay: timedelta, moment: datetime) -> None:
    SendEmailJob.set(wait_until=datetime.utcnow()).perform_later(user_id)  # JOB304
    SendEmailJob.set(wait_until=date.today()).perform_later(user_id)  # JOB304
    SendEmailJob.set(wait_until=datetime(2030, 1, 1)).perform_later(user_id)  # JOB304
    SendEmailJob.set(wait_until=datetime(2030, 1, 1, tzinfo=timezone.utc)).perform_later(user_id)
    SendEmailJob.set(wait_until=moment).perform_later(user_id)
    SendEmailJob.set(wait=5, wait_until=moment).perform_later(user_id)  # JOB305
    SendEmailJob.set(wait_until=datetime.now(timezone.utc) + delay).perform_later(user_id)  # JOB306
    SendEmailJob.set(wait=delay).perform_later(user_id)
    SendEmailJob.set(queue="").perform_later(user_id)  # JOB303
    SendEmailJob.set(queue="low", priority=10).perform_later(user_id)
"""
CELERY_TASKS = """\
import asyncio
import datetime as dt
from datetime import timedelta

from django.utils import timezone

from proj.apps import app


@app.task(priority=300)  # JOB312
def send_digest(user_id: int) -> None:  # JOB301
    pass


@app.task(queue="reports", priority=9)
async def build_report(report_id: int) -> None:
    await asyncio.sleep(30)  # JOB309
    await asyncio.sleep(0)


def enqueue(delay: timedelta) -> None:
    build_report.apply_async((1,), eta=dt.datetime.utcnow())  # JOB304
    build_report.apply_async((1,), eta=timezone.now())
    build_report.apply_async((1,), eta=timezone.now() + delay)  # JOB306
    build_report.apply_async((1,), eta=timezone.now(), countdown=5)  # JOB305
    build_report.apply_async((1,), countdown=0)  # JOB305
    build_report.apply_async((1,), countdown=10)
    build_report.apply_async((1,), priority=-1)  # JOB312
    build_report.apply_async((1,), priority=0, queue="any name")
"""
DRAMATIQ_ACTORS = """\
import dramatiq


@dramatiq.actor(queue_name="1st-queue", priority="high")  # JOB303, JOB312
def charge_card(card_id: int) -> None:
    pass


@dramatiq.actor(queue_name="billing.cards-v2", priority=-5)
def refund_card(card_id: int) -> None:
    pass


@dramatiq.actor
def notify_user(user_id: int) -> None:  # JOB301
    pass


def enqueue() -> None:
    charge_card.send_with_options(args=(1,), queue_name="a b")  # JOB303
"""
DJANGO_TASKS = """\
from datetime import datetime, timedelta

from django.tasks import task
from django.utils import timezone


@task(priority=101)  # JOB312
def build_invoice(invoice_id: int) -> None:  # JOB301
    pass


@task(queue_name="invoices", priority=-100)
def send_invoice(invoice_id: int) -> None:
    pass


def enqueue() -> None:
    send_invoice.using(run_after=datetime.now()).enqueue(1)  # JOB304
    send_invoice.using(run_after=timezone.now() + timedelta(hours=1)).enqueue(1)
    send_invoice.using(priority=-101).enqueue(1)  # JOB312
"""
PROCRASTINATE_TASKS = """\
from datetime import datetime, timedelta, timezone

from proj.apps import tasks_app


@tasks_app.task(priority=2**40)
def sync_stock(item_id: int) -> None:  # JOB301
    pass


@tasks_app.task(queue="stock", priority=3_000_000_000)  # JOB312
def sync_price(item_id: int) -> None:
    pass


def enqueue() -> None:
    sync_price.configure(schedule_at=datetime.utcnow()).defer(item_id=1)  # JOB304
    sync_price.configure(schedule_at=datetime.now(timezone.utc) + timedelta(hours=1)).defer(item_id=1)  # JOB306
    sync_price.configure(schedule_in={"hours": 1}).defer(item_id=1)
"""
HUEY_TASKS = """\
import time
from datetime import datetime, timedelta

from proj.apps import huey


@huey.task(priority=1000)
def clean_cache(key: str) -> None:
    time.sleep(2)  # JOB309


def enqueue() -> None:
    soon = datetime.now() + timedelta(minutes=5)
    clean_cache.schedule(args=("k",), eta=soon)  # JOB304
    clean_cache.schedule(args=("k",), delay=300)
"""
RQ_JOBS = """\
from datetime import datetime, timedelta, timezone

from redis import Redis
from rq import Queue

queue = Queue("low", connection=Redis())


def fetch_rates(day: str) -> None:
    pass


def enqueue() -> None:
    queue.enqueue_at(datetime.now(), fetch_rates, "x")  # JOB304
    queue.enqueue_at(datetime.now(timezone.utc) + timedelta(hours=1), fetch_rates, "x")  # JOB306
    queue.enqueue_in(timedelta(hours=1), fetch_rates, "x")
"""
ARQ_JOBS = """\
from datetime import datetime, timedelta, timezone

from arq import create_pool


async def fetch_rates(ctx: dict[str, object], day: str) -> None:
    pass


async def enqueue() -> None:
    pool = await create_pool()
    await pool.enqueue_job("fetch_rates", "x", _defer_until=datetime.today())  # JOB304
    await pool.enqueue_job("fetch_rates", "x", _defer_until=datetime.now(timezone.utc) + timedelta(seconds=9))  # JOB306
    await pool.enqueue_job("fetch_rates", "x", _defer_by=timedelta(seconds=9))


class WorkerSettings:
    functions = [fetch_rates]
"""


@pytest.mark.parametrize(
    ("files", "target"),
    [
        pytest.param(
            _runtime("send_email_job.py", RUNTIME_JOB), "proj/jobs/send_email_job.py", id="runtime"
        ),
        pytest.param({"proj/apps.py": APPS, TARGET: CELERY_TASKS}, TARGET, id="celery"),
        pytest.param({TARGET: DRAMATIQ_ACTORS}, TARGET, id="dramatiq"),
        pytest.param({TARGET: DJANGO_TASKS}, TARGET, id="django-tasks"),
        pytest.param(
            {"proj/apps.py": APPS, TARGET: PROCRASTINATE_TASKS}, TARGET, id="procrastinate"
        ),
        pytest.param({"proj/apps.py": APPS, TARGET: HUEY_TASKS}, TARGET, id="huey"),
        pytest.param({TARGET: RQ_JOBS}, TARGET, id="rq"),
        pytest.param({TARGET: ARQ_JOBS}, TARGET, id="arq"),
    ],
)
def test_framework_table(tmp_path: Path, files: dict[str, str], target: str) -> None:
    _check(tmp_path, files, target)
