"""JOB501-JOB505 and JOB507 beyond their pages: a table per rule with a case per framework
where the rule applies, the safe forms each must leave alone, the cases where it cannot
tell and stays silent, the handler analysis on its own, and JOB502's fix.

A case is one module, ``proj/case.py``, written beside the framework apps in ``APPS``; a
line expected to be flagged ends in its annotation (``# JOB501``), as on the rule pages,
and only that module's findings of the rule under test are compared."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from lint_support import lint_tree, write_tree

from joblint.analysis.handlers import body_handlers, ends_job, escalates, swallows
from joblint.parse.parsing import ParsedModule, parse
from joblint.parse.source import SourceFile
from joblint.report.pages import Example

APPS = {
    "proj/apps.py": (
        "import procrastinate\n"
        "from celery import Celery\n"
        "from huey import SqliteHuey\n\n"
        'app = Celery("proj")\n'
        'huey = SqliteHuey("proj")\n'
        "documents = procrastinate.App(connector=procrastinate.PsycopgConnector())\n"
    ),
    "proj/base.py": (
        "from celery import Task\n\n\n"
        "class AutoRetryTask(Task):\n"
        "    autoretry_for = (ConnectionError,)\n"
    ),
}
CELERY = "from proj.apps import app\n\n\ndef fetch(url: str) -> None: ...\n\n\n"
HUEY = "from proj.apps import huey\n\n\ndef fetch(url: str) -> None: ...\n\n\n"
PROCRASTINATE = (
    "import procrastinate\n\nfrom proj.apps import documents\n\n\n"
    "def fetch(url: str) -> None: ...\n\n\n"
)
DRAMATIQ = "import dramatiq\n\n\ndef fetch(url: str) -> None: ...\n\n\n"
RQ = (
    "from redis import Redis\nfrom rq import Queue, Retry\nfrom rq.decorators import job\n\n"
    "queue = Queue(connection=Redis())\n\n\ndef fetch(url: str) -> None: ...\n\n\n"
)
ARQ = "import asyncio\n\nfrom arq import Retry\n\n\nasync def fetch(url: str) -> None: ...\n\n\n"
DJANGO = "from django.tasks import task\n\n\ndef fetch(url: str) -> None: ...\n\n\n"
RUNTIME = (
    "from joblint.runtime import Job, polynomially_longer, retry_on, unlimited\n\n\n"
    "def fetch(url: str) -> None: ...\n\n\n"
)
ARQ_SETTINGS = "\n\nclass WorkerSettings:\n    functions = [fetch_page]\n"


def check(tmp_path: Path, code: str, source: str, filename: str = "proj/case.py") -> None:
    """The findings of ``code`` in the case module are exactly its annotated lines."""
    example = Example("flagged", source, filename)
    write_tree(tmp_path, {**APPS, filename: example.without_annotations()})
    target = tmp_path / filename
    found = {(d.line, d.code) for d in lint_tree(tmp_path) if d.path == target and d.code == code}
    expected = {(line, c) for line, c in example.expected() if c == code}
    assert found == expected


# --- JOB501 -----------------------------------------------------------------------------

SWALLOWED = [
    pytest.param(
        CELERY + "@app.task\ndef fetch_page(url: str) -> None:\n"
        "    try:\n        fetch(url)\n    except Exception:  # JOB501\n        pass\n",
        id="celery",
    ),
    pytest.param(
        CELERY + "from celery import Task\n\n\nclass FetchPage(Task):\n"
        "    def run(self, url: str) -> None:\n"
        "        try:\n            fetch(url)\n        except:  # JOB501\n            return\n",
        id="celery-class",
    ),
    pytest.param(
        HUEY + "@huey.task()\ndef fetch_page(url: str) -> None:\n"
        "    try:\n        fetch(url)\n    except (KeyError, BaseException):  # JOB501\n"
        "        print('failed')\n",
        id="huey",
    ),
    pytest.param(
        DRAMATIQ + "@dramatiq.actor\ndef fetch_page(url: str) -> None:\n"
        "    try:\n        fetch(url)\n    except Exception as error:  # JOB501\n"
        "        print(error)\n",
        id="dramatiq",
    ),
    pytest.param(
        RQ + "@job('default', connection=Redis())\ndef fetch_page(url: str) -> None:\n"
        "    if url:\n        try:\n            fetch(url)\n"
        "        except Exception:  # JOB501\n            pass\n",
        id="rq",
    ),
    pytest.param(
        PROCRASTINATE + "@documents.task\ndef fetch_page(url: str) -> None:\n"
        "    try:\n        fetch(url)\n    except Exception:  # JOB501\n        return\n"
        "    fetch(url)\n",
        id="procrastinate",
    ),
    pytest.param(
        ARQ + "async def fetch_page(ctx: dict, url: str) -> None:\n"
        "    try:\n        await fetch(url)\n    except Exception:  # JOB501\n        pass\n"
        + ARQ_SETTINGS,
        id="arq",
    ),
    pytest.param(
        DJANGO + "@task()\ndef fetch_page(url: str) -> None:\n"
        "    try:\n        fetch(url)\n    except Exception:  # JOB501\n        pass\n",
        id="django-tasks",
    ),
    pytest.param(
        "import builtins\n\n" + RUNTIME + "class FetchPageJob(Job):\n"
        "    def perform(self, url: str) -> None:\n"
        "        try:\n            fetch(url)\n"
        "        except builtins.Exception:  # JOB501\n            pass\n",
        id="runtime",
    ),
]


@pytest.mark.parametrize("source", SWALLOWED)
def test_swallowed_exception_per_framework(tmp_path: Path, source: str) -> None:
    filename = "proj/jobs/fetch_page_job.py" if "FetchPageJob" in source else "proj/case.py"
    check(tmp_path, "JOB501", source, filename)


SWALLOWED_CLEAN = [
    pytest.param("    except Exception:\n        print('x')\n        raise\n", id="bare-raise"),
    pytest.param(
        "    except Exception as error:\n        raise RuntimeError(url) from error\n",
        id="raise-from",
    ),
    pytest.param(
        "    except Exception as error:\n        if url:\n            raise\n", id="raise-on-a-path"
    ),
    pytest.param("    except ValueError:\n        pass\n", id="narrow"),
    pytest.param("    except Exception:\n        pass\n    fetch(url)\n", id="best-effort-step"),
    pytest.param(
        "    except Exception as error:\n        return {'error': str(error)}\n", id="result"
    ),
]


@pytest.mark.parametrize("handler", SWALLOWED_CLEAN)
def test_swallowed_exception_safe_forms(tmp_path: Path, handler: str) -> None:
    source = CELERY + "@app.task\ndef fetch_page(url: str) -> None:\n    try:\n        fetch(url)\n"
    check(tmp_path, "JOB501", source + handler)


# A handler that does something about the failure besides logging it handles it on
# purpose (the patterns real maintainers declined): only one that just logs swallows it.
HANDLED = [
    pytest.param(
        "    except Exception as error:\n"
        "        context = {'url': url, 'error': error}\n"
        "        mail_builder.import_error(url, context).send()\n"
        "        logger.error('import of %s failed', url, exc_info=sys.exc_info())\n",
        id="tells-the-user",
    ),
    pytest.param(
        "    except Exception:\n"
        "        logger.warning('refreshing %s failed', url, exc_info=1)\n"
        "        statsd_client.incr('refresh.error')\n",
        id="counts-a-metric",
    ),
    pytest.param("    except Exception:\n        page.status = 'failed'\n", id="marks-a-record"),
    pytest.param("    except Exception:\n        results[url] = None\n", id="writes-an-item"),
    pytest.param(
        "    except Exception:\n        report_failure.delay(url)\n", id="enqueues-a-follow-up"
    ),
    pytest.param(
        "    except Exception:\n        if url:\n            cleanup(url)\n"
        "        else:\n            logger.error('no url')\n",
        id="handles-on-one-branch",
    ),
    pytest.param(
        "    except Exception:\n        outcome = cleanup(url)\n", id="binds-for-no-report"
    ),
    pytest.param(
        "    except Exception:\n        with lock:\n            logger.error('x')\n",
        id="other-compound-statement",
    ),
    pytest.param("    except Exception:\n        return False\n", id="returns-a-value"),
]


@pytest.mark.parametrize("handler", HANDLED)
def test_swallowed_exception_silent_where_the_handler_handles_the_failure(
    tmp_path: Path, handler: str
) -> None:
    source = CELERY + "@app.task\ndef fetch_page(url: str) -> None:\n    try:\n        fetch(url)\n"
    check(tmp_path, "JOB501", source + handler)


# Handlers that do nothing with the failure but report it: still swallowed.
ONLY_REPORTS = [
    pytest.param(
        "    except Exception:  # JOB501\n        logger.exception('Failed sending message')\n",
        id="logger-exception",
    ),
    pytest.param(
        "    except Exception as error:  # JOB501\n        sentry_sdk.capture_exception(error)\n",
        id="error-tracker",
    ),
    pytest.param(
        "    except Exception as error:  # JOB501\n        capture_exception(error)\n"
        "        print(error)\n        warnings.warn(str(error))\n        return None\n",
        id="bare-reports",
    ),
    pytest.param(
        "    except Exception as error:  # JOB501\n"
        "        trace = traceback.format_exc()\n"
        "        message = f'{url}: {error} {trace}'\n"
        "        shown: str = message\n"
        "        logging.getLogger(__name__).error(shown)\n",
        id="assignments-feeding-a-report",
    ),
    pytest.param(
        '    except Exception:  # JOB501\n        """Nothing to do."""\n        ...\n'
        "        if url.startswith('https'):\n            current_app.logger.warning(url)\n"
        "        elif url:\n            task_logger.info(url)\n"
        "        else:\n            pass\n",
        id="docstring-and-branches-of-reports",
    ),
    pytest.param(
        "    except Exception:  # JOB501\n        LOG.error(url); log.msg(url)\n",
        id="logger-spellings",
    ),
]


@pytest.mark.parametrize("handler", ONLY_REPORTS)
def test_swallowed_exception_flags_handlers_that_only_report(tmp_path: Path, handler: str) -> None:
    source = (
        "import logging\nimport traceback\nimport warnings\n\nimport sentry_sdk\n"
        "from sentry_sdk import capture_exception\n\n"
        + CELERY
        + "@app.task\ndef fetch_page(url: str) -> None:\n    try:\n        fetch(url)\n"
    )
    check(tmp_path, "JOB501", source + handler)


@pytest.mark.parametrize(
    ("handler", "swallowed"),
    [
        ("pass", True),
        ("continue", True),
        ("logger.error('x'); return", True),
        ("rollbar.report_exc_info(); bugsnag.notify(e); traceback.print_exc()", True),
        ("msg = str(e); log.warning(msg)", True),
        ("a, *b = parts(e); log.warning(a, b)", True),
        ("msg = str(e)", False),  # bound, but for no report
        ("msg = str(e); other = msg", False),
        ("counter += 1", False),
        ("raise", False),
        ("self.retry(exc=e)", False),
        ("return {'error': str(e)}", False),
        ("messages.error(request, 'x')", False),  # a message shown to the user
        ("catalog.error(e)", False),
        ("logger.bind(job=1)", False),
        ("await logger.aerror('x')", False),
    ],
)
def test_swallows(handler: str, swallowed: bool) -> None:
    parsed = _parsed(
        f"async def job():\n    try:\n        a()\n    except Exception as e:\n        {handler}\n"
    )
    function = parsed.module.body[0]
    assert isinstance(function, cst.FunctionDef)
    (found,) = body_handlers(function)
    assert swallows(found.node.body) is swallowed


def test_swallowed_exception_safe_retries(tmp_path: Path) -> None:
    check(
        tmp_path,
        "JOB501",
        CELERY + "@app.task(bind=True)\ndef fetch_page(self, url: str) -> None:\n"
        "    try:\n        fetch(url)\n    except Exception as error:\n"
        "        self.retry(exc=error)\n\n\n"
        + "@app.task\ndef fetch_pages(urls: list[str]) -> None:\n"
        "    for url in urls:\n        try:\n            fetch(url)\n"
        "        except Exception:\n            continue\n",
    )


def test_swallowed_exception_silent_outside_the_job_body(tmp_path: Path) -> None:
    """A helper's handler, a nested function's, and a shadowed `Exception` are not the
    job's own broad handlers."""
    check(
        tmp_path,
        "JOB501",
        CELERY + "class Exception(ValueError):\n    pass\n\n\n"
        "def fetch_quietly(url: str) -> None:\n"
        "    try:\n        fetch(url)\n    except BaseException:\n        pass\n\n\n"
        "@app.task\ndef fetch_page(url: str) -> None:\n"
        "    def inner() -> None:\n"
        "        try:\n            fetch(url)\n        except BaseException:\n            pass\n\n"
        "    try:\n        inner()\n    except Exception:\n        pass\n",
    )


# --- JOB507 -----------------------------------------------------------------------------

CONTROL = [
    pytest.param(
        "from celery.exceptions import Retry\n" + CELERY + "@app.task(bind=True)\n"
        "def fetch_page(self, url: str) -> None:\n"
        "    try:\n        raise self.retry()\n    except Retry:  # JOB507\n        pass\n",
        id="celery-retry",
    ),
    pytest.param(
        "from celery import exceptions\n" + CELERY + "@app.task\n"
        "def fetch_page(url: str) -> None:\n"
        "    try:\n        fetch(url)\n    except (ValueError, exceptions.Ignore):  # JOB507\n"
        "        pass\n    fetch(url)\n",
        id="celery-ignore-in-tuple",
    ),
    pytest.param(
        DRAMATIQ + "@dramatiq.actor\ndef fetch_page(url: str) -> None:\n"
        "    for _ in range(3):\n        try:\n            fetch(url)\n"
        "        except dramatiq.Retry:  # JOB507\n            continue\n",
        id="dramatiq-in-loop",
    ),
    pytest.param(
        "from huey import CancelExecution\n" + HUEY + "@huey.task()\n"
        "def fetch_page(url: str) -> None:\n"
        "    try:\n        fetch(url)\n    except CancelExecution:  # JOB507\n        pass\n",
        id="huey-cancel",
    ),
    pytest.param(
        ARQ + "async def fetch_page(ctx: dict, url: str) -> None:\n"
        "    try:\n        await fetch(url)\n    except Retry:  # JOB507\n        pass\n"
        "    except asyncio.CancelledError:  # JOB507\n        pass\n" + ARQ_SETTINGS,
        id="arq",
    ),
    pytest.param(
        "import asyncio\n\n" + PROCRASTINATE + "@documents.task\n"
        "async def fetch_page(url: str) -> None:\n"
        "    try:\n        fetch(url)\n    except asyncio.CancelledError:  # JOB507\n"
        "        pass\n",
        id="procrastinate-async",
    ),
]


@pytest.mark.parametrize("source", CONTROL)
def test_swallowed_control_exception_per_framework(tmp_path: Path, source: str) -> None:
    check(tmp_path, "JOB507", source)


def test_swallowed_control_exception_safe_forms(tmp_path: Path) -> None:
    check(
        tmp_path,
        "JOB507",
        "from celery.exceptions import Retry, SoftTimeLimitExceeded\n"
        "from huey.exceptions import RetryTask\n" + CELERY + "@app.task(bind=True)\n"
        "def fetch_page(self, url: str) -> None:\n"
        "    try:\n        fetch(url)\n    except Retry:\n        raise\n"
        "    except SoftTimeLimitExceeded:\n        pass\n\n\n"
        "@app.task\ndef fetch_icon(url: str) -> None:\n"
        "    try:\n        fetch(url)\n    except RetryTask as error:\n"
        "        raise RuntimeError(url) from error\n\n\n"
        "def fetch_quietly(url: str) -> None:\n"
        "    try:\n        fetch(url)\n    except Retry:\n        pass\n",
    )


def test_swallowed_control_exception_silent_when_unknown(tmp_path: Path) -> None:
    """A `Retry` that is not a framework's (a local class, an unresolved star import) and a
    broad handler (JOB501's) are not this rule's."""
    check(
        tmp_path,
        "JOB507",
        "from somewhere import *\n" + CELERY + "class Retry(Exception):\n    pass\n\n\n"
        "@app.task\ndef fetch_page(url: str) -> None:\n"
        "    try:\n        fetch(url)\n    except Retry:\n        pass\n"
        "    except CancelledError:\n        pass\n    except Exception:\n        pass\n",
    )


# --- JOB502 -----------------------------------------------------------------------------


def test_retry_not_raised_cases(tmp_path: Path) -> None:
    check(
        tmp_path,
        "JOB502",
        "from celery import Task, shared_task\n" + CELERY + "@app.task(bind=True)\n"
        "def fetch_page(self, url: str) -> None:\n"
        "    try:\n        fetch(url)\n    except ConnectionError as error:\n"
        "        self.retry(exc=error)  # JOB502\n\n\n"
        "@shared_task\ndef fetch_icon(url: str) -> None:\n"
        "    raise self.retry()  # JOB502\n\n\n"
        "@app.task(bind=False)\ndef fetch_robots(self, url: str) -> None:\n"
        "    raise self.retry()  # JOB502\n\n\n"
        "class FetchSitemap(Task):\n    def run(self, url: str) -> None:\n"
        "        self.retry(countdown=5)  # JOB502\n",
    )


def test_retry_not_raised_safe_forms_and_silence(tmp_path: Path) -> None:
    check(
        tmp_path,
        "JOB502",
        CELERY + "OPTIONS = {'bind': True}\n\n\n"
        "@app.task(bind=True)\ndef fetch_page(self, url: str) -> None:\n"
        "    raise self.retry()\n\n\n"
        "@app.task(bind=True)\ndef fetch_icon(self, url: str) -> None:\n"
        "    self.retry(throw=False)\n    result = self.retry()\n\n\n"
        "@app.task(**OPTIONS)\ndef fetch_robots(self, url: str) -> None:\n"
        "    self.retry()\n\n\n"
        "@app.task(bind=True)\ndef fetch_sitemap(self, url: str) -> None:\n"
        "    def later() -> None:\n        self.retry()\n",
    )


def test_retry_not_raised_fix(tmp_path: Path) -> None:
    source = (
        CELERY + "@app.task(bind=True)\ndef fetch_page(self, url: str) -> None:\n"
        "    if url:\n        self.retry(countdown=5); fetch(url)\n"
    )
    write_tree(tmp_path, {**APPS, "proj/case.py": source})
    fixes = [d.fix for d in lint_tree(tmp_path) if d.code == "JOB502"]
    assert len(fixes) == 1 and fixes[0] is not None
    fixed = fixes[0].transform(cst.parse_module(source))
    assert fixed.code == source.replace(
        "self.retry(countdown=5);", "raise self.retry(countdown=5);"
    )
    assert fixes[0].transform(fixed).code == fixed.code


# --- JOB503 -----------------------------------------------------------------------------


def test_ineffective_retry_option_per_framework(tmp_path: Path) -> None:
    check(
        tmp_path,
        "JOB503",
        "import dramatiq\nfrom celery import Task\n"
        + CELERY
        + "@app.task(bind=True, retry_backoff=True, retry_jitter=False)  # JOB503\n"
        "def fetch_page(self, url: str) -> None:\n    raise self.retry()\n\n\n"
        "class FetchIcon(Task):\n    retry_backoff_max = 600  # JOB503\n\n"
        "    def run(self, url: str) -> None:\n        fetch(url)\n\n\n"
        "@dramatiq.actor(retry_when=print, max_retries=3)  # JOB503\n"
        "def fetch_robots(url: str) -> None:\n    fetch(url)\n",
    )


def test_ineffective_retry_option_safe_forms_and_silence(tmp_path: Path) -> None:
    """`autoretry_for` on the task, on a project base, on an unreadable base, and a
    decorator given `**options` all keep the rule quiet."""
    check(
        tmp_path,
        "JOB503",
        "import dramatiq\nfrom somewhere import ThirdPartyTask\n\nfrom proj.base import "
        "AutoRetryTask\n" + CELERY + "OPTIONS = {'autoretry_for': (ConnectionError,)}\n\n\n"
        "@app.task(autoretry_for=(ConnectionError,), retry_backoff=True)\n"
        "def fetch_page(url: str) -> None:\n    fetch(url)\n\n\n"
        "class FetchIcon(AutoRetryTask):\n    retry_backoff = True\n\n"
        "    def run(self, url: str) -> None:\n        fetch(url)\n\n\n"
        "class FetchSitemap(ThirdPartyTask):\n    retry_backoff = True\n\n"
        "    def run(self, url: str) -> None:\n        fetch(url)\n\n\n"
        "@app.task(retry_backoff=True, **OPTIONS)\n"
        "def fetch_robots(url: str) -> None:\n    fetch(url)\n\n\n"
        "@dramatiq.actor(max_retries=3, min_backoff=100)\n"
        "def fetch_feed(url: str) -> None:\n    fetch(url)\n",
    )


def test_an_option_the_project_reads_itself_is_not_ineffective(tmp_path: Path) -> None:
    """`self.retry_backoff * 2 ** retries`, in the task or in a helper handed the task:
    the project implements the backoff with the option's value."""
    check(
        tmp_path,
        "JOB503",
        CELERY + "@app.task(bind=True, retry_backoff=30)\n"
        "def fetch_page(self, url: str) -> None:\n"
        "    countdown = self.retry_backoff * 2 ** self.request.retries\n"
        "    raise self.retry(countdown=countdown)\n\n\n"
        "@app.task(bind=True, retry_jitter=True)  # JOB503\n"
        "def fetch_icon(self, url: str) -> None:\n    raise self.retry()\n",
    )
    write_tree(
        tmp_path,
        {
            "proj/retrying.py": "from celery import Task\n\n\n"
            "def later(task: Task) -> int:\n"
            "    return task.retry_jitter and 5\n",
        },
    )
    check(
        tmp_path,
        "JOB503",
        CELERY + "from proj.retrying import later\n\n\n"
        "@app.task(bind=True, retry_jitter=True)\n"
        "def fetch_icon(self, url: str) -> None:\n    raise self.retry(countdown=later(self))\n",
    )


# --- JOB504 -----------------------------------------------------------------------------

UNBOUNDED = [
    pytest.param(
        CELERY + "@app.task(autoretry_for=(ConnectionError,), max_retries=None)  # JOB504\n"
        "def fetch_page(url: str) -> None:\n    fetch(url)\n\n\n"
        "@app.task(bind=True, max_retries=None)  # JOB504\n"
        "def fetch_icon(self, url: str) -> None:\n    raise self.retry()\n",
        id="celery",
    ),
    pytest.param(
        "from celery import Task\n" + CELERY + "class FetchPage(Task):\n"
        "    autoretry_for = (ConnectionError,)\n    max_retries = None  # JOB504\n\n"
        "    def run(self, url: str) -> None:\n        fetch(url)\n",
        id="celery-class",
    ),
    pytest.param(
        DRAMATIQ + "@dramatiq.actor(queue_name='low', max_retries=None)  # JOB504\n"
        "def fetch_page(url: str) -> None:\n    fetch(url)\n",
        id="dramatiq",
    ),
    pytest.param(
        PROCRASTINATE + "@documents.task(retry=True)  # JOB504\n"
        "def fetch_page(url: str) -> None:\n    fetch(url)\n\n\n"
        "@documents.task(retry=procrastinate.RetryStrategy(wait=5))  # JOB504\n"
        "def fetch_icon(url: str) -> None:\n    fetch(url)\n\n\n"
        "@documents.task(retry=procrastinate.RetryStrategy(max_attempts=0, wait=5))  # JOB504\n"
        "def fetch_robots(url: str) -> None:\n    fetch(url)\n",
        id="procrastinate",
    ),
]


@pytest.mark.parametrize("source", UNBOUNDED)
def test_unbounded_retry_per_framework(tmp_path: Path, source: str) -> None:
    check(tmp_path, "JOB504", source)


def test_unbounded_retry_runtime(tmp_path: Path) -> None:
    check(
        tmp_path,
        "JOB504",
        RUNTIME + "@retry_on(ConnectionError, attempts=unlimited)  # JOB504\n"
        "class FetchPageJob(Job):\n    def perform(self, url: str) -> None:\n        fetch(url)\n",
        "proj/jobs/fetch_page_job.py",
    )


def test_unbounded_retry_safe_forms_and_silence(tmp_path: Path) -> None:
    """Bounded retries, retrying on `Exception` with a bound (see the page), a Dramatiq
    `retry_when` (it decides), a strategy the rule cannot read, and `None` on a Celery task
    that never retries."""
    check(
        tmp_path,
        "JOB504",
        "import dramatiq\n" + PROCRASTINATE + "STRATEGY = procrastinate.RetryStrategy()\n\n\n"
        "@documents.task(retry=procrastinate.RetryStrategy(max_attempts=3, wait=5))\n"
        "def fetch_page(url: str) -> None:\n    fetch(url)\n\n\n"
        "@documents.task(retry=STRATEGY)\n"
        "def fetch_icon(url: str) -> None:\n    fetch(url)\n\n\n"
        "@dramatiq.actor(max_retries=None, retry_when=print)\n"
        "def fetch_robots(url: str) -> None:\n    fetch(url)\n",
    )
    check(
        tmp_path,
        "JOB504",
        CELERY + "@app.task(autoretry_for=(Exception,), max_retries=3)\n"
        "def fetch_page(url: str) -> None:\n    fetch(url)\n\n\n"
        "@app.task(max_retries=None)\ndef fetch_icon(url: str) -> None:\n    fetch(url)\n",
    )
    check(
        tmp_path,
        "JOB504",
        RUNTIME + "@retry_on(Exception, attempts=3)\n"
        "class FetchPageJob(Job):\n    def perform(self, url: str) -> None:\n        fetch(url)\n",
        "proj/jobs/fetch_page_job.py",
    )


# --- JOB505 -----------------------------------------------------------------------------

IMMEDIATE = [
    pytest.param(
        "from huey import crontab\n"
        + HUEY
        + "@huey.task(retries=3)  # JOB505\ndef fetch_page(url: str) -> None:\n"
        "    fetch(url)\n\n\n"
        "@huey.periodic_task(crontab(minute='0'), retries=2, retry_delay=0)  # JOB505\n"
        "def fetch_icon() -> None:\n    fetch('x')\n",
        id="huey",
    ),
    pytest.param(
        PROCRASTINATE + "@documents.task(retry=5)  # JOB505\n"
        "def fetch_page(url: str) -> None:\n    fetch(url)\n\n\n"
        "@documents.task(retry=procrastinate.RetryStrategy(max_attempts=5, wait=0))  # JOB505\n"
        "def fetch_icon(url: str) -> None:\n    fetch(url)\n",
        id="procrastinate",
    ),
    pytest.param(
        RQ + "@job('default', connection=Redis(), retry=Retry(3))  # JOB505\n"
        "def fetch_page(url: str) -> None:\n    fetch(url)\n\n\n"
        "queue.enqueue(fetch_page, 'x', retry=Retry(max=3, interval=0))  # JOB505\n"
        "queue.enqueue(fetch_page, 'x', retry=Retry(3, [5, 60]))\n",
        id="rq",
    ),
    pytest.param(
        DRAMATIQ + "@dramatiq.actor(min_backoff=0)  # JOB505\n"
        "def fetch_page(url: str) -> None:\n    fetch(url)\n\n\n"
        "@dramatiq.actor(max_retries=3, max_backoff=0)  # JOB505\n"
        "def fetch_icon(url: str) -> None:\n    fetch(url)\n\n\n"
        "@dramatiq.actor(max_retries=0, min_backoff=0)\n"
        "def fetch_robots(url: str) -> None:\n    fetch(url)\n\n\n"
        "@dramatiq.actor(min_backoff=1000)\n"
        "def fetch_feed(url: str) -> None:\n    fetch(url)\n",
        id="dramatiq",
    ),
    pytest.param(
        CELERY + "@app.task(autoretry_for=(OSError,), default_retry_delay=0)  # JOB505\n"
        "def fetch_page(url: str) -> None:\n    fetch(url)\n",
        id="celery",
    ),
]


@pytest.mark.parametrize("source", IMMEDIATE)
def test_retry_without_backoff_per_framework(tmp_path: Path, source: str) -> None:
    check(tmp_path, "JOB505", source)


def test_retry_without_backoff_runtime(tmp_path: Path) -> None:
    check(
        tmp_path,
        "JOB505",
        RUNTIME + "@retry_on(ConnectionError, wait=0.0, attempts=3)  # JOB505\n"
        "@retry_on(TimeoutError, wait=polynomially_longer, attempts=3)\n"
        "class FetchPageJob(Job):\n    def perform(self, url: str) -> None:\n        fetch(url)\n",
        "proj/jobs/fetch_page_job.py",
    )


def test_retry_without_backoff_safe_forms_and_silence(tmp_path: Path) -> None:
    """A delay, a backoff, Celery's default delay, a retry interval the rule cannot read,
    `**options`, and Procrastinate's unbounded `retry=True` (JOB504's)."""
    check(
        tmp_path,
        "JOB505",
        "from redis import Redis\nfrom rq import Retry\nfrom rq.decorators import job\n\n"
        "from proj.apps import app, documents, huey\n\nDELAYS = [5, 60]\nOPTIONS = "
        "{'retries': 3}\n\n\ndef fetch(url: str) -> None: ...\n\n\n"
        "@huey.task(retries=3, retry_delay=5)\ndef fetch_page(url: str) -> None:\n"
        "    fetch(url)\n\n\n"
        "@huey.task(**OPTIONS)\ndef fetch_icon(url: str) -> None:\n    fetch(url)\n\n\n"
        "@app.task(autoretry_for=(OSError,))\ndef fetch_robots(url: str) -> None:\n"
        "    fetch(url)\n\n\n"
        "@app.task(autoretry_for=(OSError,), default_retry_delay=0, retry_backoff=5)\n"
        "def fetch_feed(url: str) -> None:\n    fetch(url)\n\n\n"
        "@job('default', connection=Redis(), retry=Retry(max=3, interval=DELAYS))\n"
        "def fetch_sitemap(url: str) -> None:\n    fetch(url)\n\n\n"
        "@documents.task(retry=True)\ndef fetch_news(url: str) -> None:\n    fetch(url)\n",
    )


# --- the handler analysis ----------------------------------------------------------------


def _parsed(source: str) -> ParsedModule:
    parsed = parse(SourceFile(Path("/nowhere/m.py"), source.encode(), source, "utf-8"))
    assert isinstance(parsed, ParsedModule)
    return parsed


def test_handler_analysis() -> None:
    parsed = _parsed(
        "def job(items):\n"
        "    try:\n        a()\n    except A:\n        pass\n"  # followed by more work
        "    for item in items:\n"
        "        try:\n            b()\n        except* B:\n            pass\n"
        "    def helper():\n        try:\n            c()\n        except C:\n            raise\n"
        "    try:\n        d()\n    except (D, E):\n        def later():\n            raise\n"
        "    except F:\n        self.retry()\n"
    )
    function = parsed.module.body[0]
    assert isinstance(function, cst.FunctionDef)
    handlers = list(body_handlers(function))
    written = [[parsed.module.code_for_node(e) for e in h.caught] for h in handlers]
    assert written == [["A"], ["B"], ["D", "E"], ["F"]]
    assert [h.in_loop for h in handlers] == [False, True, False, False]
    assert [escalates(h.node) for h in handlers] == [False, False, False, True]
    assert [ends_job(parsed, h, function) for h in handlers] == [False, False, True, True]
