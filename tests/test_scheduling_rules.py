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
from test_cli import run

from joblint.diagnostics import Applicability, Diagnostic
from joblint.report.pages import Example

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
# JOB301 advises a Django task only a queue its backend accepts: without QUEUES there is
# none besides "default".
DJANGO_TASKS_SETTINGS = """\
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.database.DatabaseBackend",
        "QUEUES": ["default", "invoices"],
    }
}
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
    later = timedelta(hours=1)
    sync_price.configure(schedule_at=datetime.now(timezone.utc) + later).defer(item_id=1)  # JOB306
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
    await pool.enqueue_job(
        "fetch_rates", "x", _defer_until=datetime.now(timezone.utc) + timedelta(seconds=9)  # JOB306
    )
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
        pytest.param(
            {"proj/settings.py": DJANGO_TASKS_SETTINGS, TARGET: DJANGO_TASKS},
            TARGET,
            id="django-tasks",
        ),
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


# -- the safe forms each rule leaves alone ------------------------------------------------

CLEAN_RUNTIME = [
    # JOB301: a queue of its own, inherited from the project's base job, or computed.
    _runtime(
        "send_email_job.py",
        """\
from proj.jobs.application_job import ApplicationJob


class SendEmailJob(ApplicationJob):
    queue_as = "mailers"

    def perform(self, user_id: int) -> None:
        pass
""",
    ),
    _runtime(
        "send_email_job.py",
        """\
from proj.jobs.application_job import ApplicationJob


class SendEmailJob(ApplicationJob):
    def perform(self, user_id: int) -> None:
        pass
""",
        base=QUEUED_APPLICATION_JOB,
    ),
    _runtime(
        "send_email_job.py",
        """\
from proj.jobs.application_job import ApplicationJob


class SendEmailJob(ApplicationJob):
    def queue_as(self) -> str:
        return "mailers"

    def perform(self, user_id: int) -> None:
        pass
""",
    ),
    # JOB304, JOB305, JOB306: aware moments, one delay, relative options; JOB312, JOB314:
    # an int priority and no adapter of its own.
    _runtime(
        "send_email_job.py",
        """\
from datetime import UTC, datetime, timedelta, timezone

from django.utils import timezone as django_timezone

from proj.jobs.application_job import ApplicationJob


class SendEmailJob(ApplicationJob):
    queue_as = "mailers"
    priority = -10
    queue_adapter = None

    def perform(self, user_id: int) -> None:
        pass


def enqueue(user_id: int) -> None:
    SendEmailJob.set(wait_until=datetime.now(UTC)).perform_later(user_id)
    SendEmailJob.set(wait_until=datetime.now(tz=timezone.utc)).perform_later(user_id)
    SendEmailJob.set(wait_until=django_timezone.now()).perform_later(user_id)
    SendEmailJob.set(wait=timedelta(minutes=5)).perform_later(user_id)
    SendEmailJob.set(wait=300, priority=5, queue="mailers").perform_later(user_id)
    start = datetime(2030, 1, 1, 9, tzinfo=UTC)
    SendEmailJob.set(wait_until=start + timedelta(days=1)).perform_later(user_id)
""",
    ),
]


@pytest.mark.parametrize("files", CLEAN_RUNTIME)
def test_runtime_safe_forms(tmp_path: Path, files: dict[str, str]) -> None:
    _check(tmp_path, files, "proj/jobs/send_email_job.py")


CLEAN_TASKS = [
    # JOB301: a Celery task routed by `task_routes`, by queue=, or a class with `queue`.
    """\
from celery import Celery

app = Celery("proj", task_routes={"proj.target.send_digest": {"queue": "digests"}})


@app.task
def send_digest(user_id: int) -> None:
    pass
""",
    """\
from celery import Celery

app = Celery("proj")
app.conf.task_routes = {"proj.target.*": {"queue": "digests"}}


@app.task
def send_digest(user_id: int) -> None:
    pass
""",
    # JOB301: a Dramatiq GenericActor's Meta, a Celery task class whose base names the
    # queue, a Procrastinate task with queue=.
    """\
import dramatiq
from celery import Celery, Task
from procrastinate import App, PsycopgConnector

app = Celery("proj")
tasks_app = App(connector=PsycopgConnector())


class SyncStock(dramatiq.GenericActor):
    class Meta:
        queue_name = "stock"

    def perform(self, item_id: int) -> None:
        pass


class LowTask(Task):
    abstract = True
    queue = "low"


class ChargeCard(LowTask):
    name = "charge"

    def run(self, card_id: int) -> None:
        pass


charge_card = app.register_task(ChargeCard())


@tasks_app.task(queue="stock")
def sync_price(item_id: int) -> None:
    pass
""",
    # JOB301 does not apply where a job has no queue of its own (Huey, RQ, arq).
    """\
from huey import SqliteHuey
from redis import Redis
from rq import Queue

huey = SqliteHuey("proj")
queue = Queue(connection=Redis())


@huey.task()
def clean_cache(key: str) -> None:
    pass


def fetch_rates(day: str) -> None:
    pass


def enqueue() -> None:
    queue.enqueue(fetch_rates, "x")
""",
    # JOB309: sleeping in a helper, in a nested function, or yielding with sleep(0).
    """\
import asyncio
import time

from celery import Celery

app = Celery("proj")


def wait_a_bit() -> None:
    time.sleep(1)


@app.task(queue="polling")
def poll(url: str) -> None:
    def backoff() -> None:
        time.sleep(1)

    wait_a_bit()


@app.task(queue="polling")
async def poll_async(url: str) -> None:
    await asyncio.sleep(0)
""",
    # JOB305, JOB306, JOB312 at Celery sites: one delay, a relative one, a priority in range.
    """\
from datetime import UTC, datetime, timedelta

from celery import Celery

app = Celery("proj")


@app.task(queue="digests", priority=255)
def send_digest(user_id: int) -> None:
    pass


def enqueue(moment: datetime) -> None:
    send_digest.apply_async((1,), countdown=60)
    send_digest.apply_async((1,), eta=moment)
    send_digest.apply_async((1,), eta=datetime(2030, 1, 1, tzinfo=UTC), priority=0)
    send_digest.apply_async((1,), eta=moment + timedelta(hours=1))
""",
]


@pytest.mark.parametrize("code", CLEAN_TASKS)
def test_task_safe_forms(tmp_path: Path, code: str) -> None:
    _check(tmp_path, {TARGET: code})


# -- silent when it cannot tell ------------------------------------------------------------

UNSURE = [
    # Queue names, priorities and moments that are not literals or not shown.
    """\
import os
from datetime import datetime, timedelta

import dramatiq
from celery import Celery

app = Celery("proj")
QUEUE = os.environ["QUEUE"]
PRIORITY = int(os.environ["PRIORITY"])


@dramatiq.actor(queue_name=QUEUE, priority=PRIORITY)
def charge_card(card_id: int) -> None:
    pass


@app.task(queue="digests", priority=PRIORITY * 100)
def send_digest(user_id: int) -> None:
    pass


def enqueue(moment: datetime, delay: timedelta, make: object) -> None:
    charge_card.send_with_options(args=(1,), queue_name=os.environ["Q"])
    send_digest.apply_async((1,), eta=moment)
    send_digest.apply_async((1,), eta=make())
    send_digest.apply_async((1,), eta=moment + delay)
    if delay:
        when = datetime.now()
    else:
        when = moment
    send_digest.apply_async((1,), eta=when)
""",
    # A Celery app whose routes cannot be read: any task may be routed.
    """\
from celery import Celery

from proj import routing

app = Celery("proj", task_routes=routing.route_task)


@app.task
def send_digest(user_id: int) -> None:
    pass
""",
    # `sleep` that is not the standard library's.
    """\
from celery import Celery

from proj.clock import sleep

app = Celery("proj")


@app.task(queue="polling")
def poll(url: str) -> None:
    sleep(5)
""",
]


@pytest.mark.parametrize("code", UNSURE)
def test_silent_when_it_cannot_tell(tmp_path: Path, code: str) -> None:
    _check(tmp_path, {TARGET: code, "proj/clock.py": "def sleep(n): pass\n"})


# -- fixes --------------------------------------------------------------------------------


def _fixed(tmp_path: Path, files: dict[str, str], code: str, target: str = TARGET) -> str:
    """The target after applying every fix of ``code``, checked to parse."""
    findings = [d for d in _findings(tmp_path, files, target) if d.code == code]
    assert findings
    module = cst.parse_module(files[target])
    for finding in findings:
        assert finding.fix is not None
        module = finding.fix.transform(module)
    return cst.parse_module(module.code).code


CELERY_HEAD = """\
from celery import Celery

app = Celery("proj")


@app.task(queue="digests")
def send_digest(user_id: int) -> None:
    pass


"""


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "from datetime import datetime\n\n\ndef go() -> None:\n"
            "    send_digest.apply_async((1,), eta=datetime.utcnow())\n",
            "from datetime import datetime, timezone\n\n\ndef go() -> None:\n"
            "    send_digest.apply_async((1,), eta=datetime.now(timezone.utc))\n",
        ),
        (
            "import datetime\n\nONE_DAY = datetime.timedelta(1)\n\n\ndef go() -> None:\n"
            "    send_digest.apply_async((1,), eta=datetime.datetime.utcnow() + ONE_DAY)\n",
            "import datetime\n\nONE_DAY = datetime.timedelta(1)\n\n\ndef go() -> None:\n"
            "    send_digest.apply_async((1,), eta=datetime.datetime.now(datetime.timezone.utc) "
            "+ ONE_DAY)\n",
        ),
        (
            "from datetime import datetime, timezone\n\n\ndef go() -> None:\n"
            "    send_digest.apply_async((1,), eta=datetime.utcnow())\n",
            "from datetime import datetime, timezone\n\n\ndef go() -> None:\n"
            "    send_digest.apply_async((1,), eta=datetime.now(timezone.utc))\n",
        ),
    ],
)
def test_job304_fix_makes_utcnow_aware(tmp_path: Path, before: str, after: str) -> None:
    imports, _, body = before.partition("\n\n\n")
    fixed = _fixed(tmp_path, {TARGET: f"{imports}\n{CELERY_HEAD}{body}"}, "JOB304")
    imports, _, body = after.partition("\n\n\n")
    assert fixed == f"{imports}\n{CELERY_HEAD}{body}"


def test_job304_offers_no_fix_where_it_cannot_be_exact(tmp_path: Path) -> None:
    code = CELERY_HEAD + (
        "from datetime import datetime\n\nfrom django.utils import timezone\n\n\n"
        "def go() -> None:\n"
        "    send_digest.apply_async((1,), eta=datetime.utcnow())\n"  # `timezone` is Django's
        "    send_digest.apply_async((1,), eta=datetime.now())\n"  # local time: no exact twin
        "    later = datetime.utcnow()\n"
        "    send_digest.apply_async((1,), eta=later)\n"  # the local may be used elsewhere
    )
    findings = [d for d in _findings(tmp_path, {TARGET: code}, TARGET) if d.code == "JOB304"]
    assert len(findings) == 3
    assert all(d.fix is None for d in findings)
    assert "assigned from `datetime.utcnow()`" in findings[2].message


@pytest.mark.parametrize(
    ("option", "replacement"),
    [
        ("eta=datetime.now(UTC) + timedelta(hours=1)", "countdown=3600"),
        ("eta=datetime.now(UTC) + timedelta(minutes=1, seconds=30)", "countdown=90"),
        ("eta=datetime.now(UTC) + delay", "countdown=delay.total_seconds()"),
        ("eta=delay + datetime.now(UTC)", "countdown=delay.total_seconds()"),
    ],
)
def test_job306_fix_gives_celery_the_seconds(tmp_path: Path, option: str, replacement: str) -> None:
    head = CELERY_HEAD + "from datetime import UTC, datetime, timedelta\n\n\n"
    before = (
        head + f"def go(delay: timedelta) -> None:\n    send_digest.apply_async((1,), {option})\n"
    )
    after = (
        head
        + f"def go(delay: timedelta) -> None:\n    send_digest.apply_async((1,), {replacement})\n"
    )
    assert _fixed(tmp_path, {TARGET: before}, "JOB306") == after
    findings = [d for d in _findings(tmp_path, {TARGET: before}, TARGET) if d.code == "JOB306"]
    assert findings[0].fix is not None
    assert findings[0].fix.applicability is Applicability.SAFE


def test_job306_offers_no_fix_where_it_is_not_exact(tmp_path: Path) -> None:
    code = CELERY_HEAD + (
        "from datetime import UTC, datetime, timedelta\n\n\n"
        "def go(delay: timedelta) -> None:\n"
        "    send_digest.apply_async((1,), eta=datetime.now(UTC) + timedelta(milliseconds=5))\n"
        "    send_digest.apply_async((1,), eta=datetime.now() + timedelta(hours=1))\n"
    )
    findings = [d for d in _findings(tmp_path, {TARGET: code}, TARGET) if d.code == "JOB306"]
    assert [d.line for d in findings] == [15, 16]
    assert all(d.fix is None for d in findings)


def test_job306_is_quiet_in_tests(tmp_path: Path) -> None:
    """A test passes the option it means to test: rewriting `eta=` to `countdown=` there
    would test something else."""
    code = CELERY_HEAD + (
        "from datetime import UTC, datetime, timedelta\n\n\n"
        "def test_eta() -> None:\n"
        "    send_digest.apply_async((1,), eta=datetime.now(UTC) + timedelta(hours=1))\n"
    )
    assert [d for d in _findings(tmp_path, {TARGET: code}, TARGET) if d.code == "JOB306"]
    test = "tests/test_target.py"
    assert not [d for d in _findings(tmp_path, {test: code}, test) if d.code == "JOB306"]


def test_job306_fix_for_runtime_and_arq_keeps_the_timedelta(tmp_path: Path) -> None:
    code = """\
from datetime import UTC, datetime, timedelta

from proj.jobs.application_job import ApplicationJob


class SendEmailJob(ApplicationJob):
    queue_as = "mailers"

    def perform(self, user_id: int) -> None:
        pass


def enqueue(user_id: int) -> None:
    SendEmailJob.set(wait_until=datetime.now(UTC) + timedelta(hours=1)).perform_later(user_id)
"""
    files = _runtime("send_email_job.py", code)
    fixed = _fixed(tmp_path, files, "JOB306", "proj/jobs/send_email_job.py")
    assert fixed == code.replace(
        "wait_until=datetime.now(UTC) + timedelta(hours=1)", "wait=timedelta(hours=1)"
    )


def test_job301_fix_inserts_queue_as_after_the_docstring(tmp_path: Path) -> None:
    code = '''\
from proj.jobs.application_job import ApplicationJob


class SendEmailJob(ApplicationJob):
    """Welcome a user."""

    def perform(self, user_id: int) -> None:
        pass
'''
    files = _runtime("send_email_job.py", code)
    findings = [
        d for d in _findings(tmp_path, files, "proj/jobs/send_email_job.py") if d.code == "JOB301"
    ]
    assert findings[0].fix is not None
    assert findings[0].fix.applicability is Applicability.UNSAFE
    fixed = _fixed(tmp_path, files, "JOB301", "proj/jobs/send_email_job.py")
    assert fixed == code.replace(
        '"""Welcome a user."""\n', '"""Welcome a user."""\n    queue_as = "default"\n'
    )


def test_messages_say_what_is_wrong_and_what_to_do(tmp_path: Path) -> None:
    files = _runtime("send_email_job.py", RUNTIME_JOB)
    messages = {
        d.code: d.message for d in _findings(tmp_path, files, "proj/jobs/send_email_job.py")
    }
    assert "declares no queue" in messages["JOB301"] and "queue_as" in messages["JOB301"]
    assert "naive datetime" in messages["JOB304"] and "aware" in messages["JOB304"]
    assert "refuses the enqueue" in messages["JOB305"]
    assert "`wait=`" in messages["JOB306"]
    assert "time.sleep" in messages["JOB309"] and "retry" in messages["JOB309"]
    assert "'high' is a string" in messages["JOB312"]
    assert "use_adapter" in messages["JOB314"]


def test_job304_fix_spells_utc_through_the_module_alias(tmp_path: Path) -> None:
    code = CELERY_HEAD + (
        "def go() -> None:\n"
        "    import datetime as dt\n\n"
        "    send_digest.apply_async((1,), eta=dt.datetime.utcnow())\n"
    )
    fixed = _fixed(tmp_path, {TARGET: code}, "JOB304")
    assert "eta=dt.datetime.now(dt.timezone.utc)" in fixed


def test_job304_fixes_in_one_module_import_timezone_once(tmp_path: Path) -> None:
    code = (
        "from datetime import datetime, timedelta\n\n" + CELERY_HEAD + "def go() -> None:\n"
        "    send_digest.apply_async((1,), eta=datetime.utcnow())\n"
        "    send_digest.apply_async((2,), eta=datetime.utcnow() + timedelta(hours=1))\n"
    )
    write_tree(tmp_path, {TARGET: code})
    assert run("check", str(tmp_path), "--select", "JOB304", "--fix")[0] == 0
    fixed = (tmp_path / TARGET).read_text(encoding="utf-8")
    assert fixed.startswith("from datetime import datetime, timedelta, timezone\n")
    assert fixed.count("datetime.now(timezone.utc)") == 2
