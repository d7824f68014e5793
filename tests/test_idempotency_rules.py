"""JOB401-JOB406 beyond their pages: the same body in every framework, the guard forms
that must keep JOB401 quiet, and the cases where each rule cannot tell and says nothing."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst
import pytest
from lint_support import lint_tree, write_tree

MODELS = (
    "from django.db import models\n\n\n"
    "class Order(models.Model):\n"
    "    paid = models.BooleanField(default=False)\n"
)

# One job per framework, its body left open: (file name, source before the body, indent,
# source after it). Every template defines a job named after a verb, in a module a worker
# can import, so only the rule under test speaks; and every one but Django's (which has no
# retries) can run twice: Celery's task acknowledges late, RQ's, Huey's and Procrastinate's
# are retried.
FRAMEWORKS: dict[str, tuple[str, str, str, str]] = {
    "runtime": (
        "shop/jobs/charge_order_job.py",
        "from joblint.runtime import Job\n{imports}\n\n"
        "class ChargeOrderJob(Job):\n"
        "    queue_as = 'default'\n\n"
        "    def perform(self, order_id: int) -> None:\n",
        " " * 8,
        "",
    ),
    "celery": (
        "shop/tasks.py",
        "from celery import shared_task\n{imports}\n\n"
        "@shared_task(queue='default', acks_late=True)\n"
        "def charge_order(order_id: int) -> None:\n",
        " " * 4,
        "",
    ),
    "rq": (
        "shop/tasks.py",
        "from redis import Redis\nfrom rq import Queue, Retry\n{imports}\n"
        "queue = Queue('default', connection=Redis())\n\n\n"
        "def charge_order(order_id: int) -> None:\n",
        " " * 4,
        "\n\nqueue.enqueue(charge_order, 1, retry=Retry(max=2, interval=60))\n",
    ),
    "dramatiq": (
        "shop/tasks.py",
        "import dramatiq\n{imports}\n\n"
        "@dramatiq.actor(queue_name='default')\ndef charge_order(order_id: int) -> None:\n",
        " " * 4,
        "",
    ),
    "huey": (
        "shop/tasks.py",
        "from huey import SqliteHuey\n{imports}\n"
        "huey = SqliteHuey('shop')\n\n\n"
        "@huey.task(retries=2, retry_delay=60)\ndef charge_order(order_id: int) -> None:\n",
        " " * 4,
        "",
    ),
    "django-tasks": (
        "shop/tasks.py",
        "from django.tasks import task\n{imports}\n\n"
        "@task(queue_name='default')\ndef charge_order(order_id: int) -> None:\n",
        " " * 4,
        "",
    ),
    "procrastinate": (
        "shop/tasks.py",
        "import procrastinate\n{imports}\n"
        "app = procrastinate.App(connector=procrastinate.PsycopgConnector())\n\n\n"
        "@app.task(retry=3, queue='default')\ndef charge_order(order_id: int) -> None:\n",
        " " * 4,
        "",
    ),
    "arq": (
        "shop/tasks.py",
        "{imports}\n\nasync def charge_order(ctx, order_id: int) -> None:\n",
        " " * 4,
        "\n\nclass WorkerSettings:\n    functions = [charge_order]\n",
    ),
}

IMPORTS = (
    "import redis\nimport stripe\nfrom django.core.mail import send_mail\n"
    "from django.db import transaction\nfrom shop.models import Order\n"
)


def lint_body(
    root: Path, framework: str, body: str, code: str, *, extra: dict[str, str] | None = None
) -> list[tuple[int, str]]:
    """Lint ``body`` as the job body of ``framework``; (line within the body, message) of
    each ``code`` finding."""
    filename, head, indent, tail = FRAMEWORKS[framework]
    prefix = head.format(imports=IMPORTS)
    source = prefix + textwrap.indent(textwrap.dedent(body).strip("\n") + "\n", indent) + tail
    cst.parse_module(source)
    write_tree(root, {"shop/models.py": MODELS, filename: source, **(extra or {})})
    first = prefix.count("\n")
    return [
        (d.line - first, d.message)
        for d in lint_tree(root)
        if d.code == code and d.path == root / filename
    ]


def lines(found: list[tuple[int, str]]) -> list[int]:
    return [line for line, _ in found]


UNGUARDED = """
order = Order.objects.get(id=order_id)
stripe.Charge.create(amount=100, currency="eur")
order.paid = True
order.save()
"""
GUARDED = """
order = Order.objects.get(id=order_id)
if order.paid:
    return
stripe.Charge.create(amount=100, currency="eur")
order.paid = True
order.save()
"""


# -- JOB401 ---------------------------------------------------------------------------


RERUN = sorted(set(FRAMEWORKS) - {"django-tasks"})


@pytest.mark.parametrize("framework", RERUN)
def test_job401_in_every_framework(tmp_path: Path, framework: str) -> None:
    found = lint_body(tmp_path, framework, UNGUARDED, "JOB401")
    assert lines(found) == [2]
    assert found[0][1].startswith('`stripe.Charge.create(amount=100, currency="eur")` on line'), (
        found
    )
    assert "pass an `idempotency_key=`" in found[0][1]


@pytest.mark.parametrize("framework", sorted(FRAMEWORKS))
def test_job401_guard_in_every_framework(tmp_path: Path, framework: str) -> None:
    assert lint_body(tmp_path / "a", framework, GUARDED, "JOB401") == []


def test_job401_names_the_write_and_suggests_a_guard_on_the_record(tmp_path: Path) -> None:
    body = "order = Order.objects.get(id=order_id)\norder.total += 1\norder.save()\n"
    [(line, message)] = lint_body(tmp_path, "celery", body, "JOB401")
    assert line == 3
    assert message == (
        "`order.save()` on line 13 changes state with no guard before it, and the task "
        "acknowledges late (`acks_late=True`), so it can run twice; return early when the "
        "work is already done, e.g. `if order.<done>: return`, or declare the job unique"
    )


@pytest.mark.parametrize(
    "body",
    [
        # a state check that ends the job
        "order = Order.objects.get(id=order_id)\nif order.paid:\n    raise ValueError\n"
        "order.save()",
        # the side effect inside the state check
        "order = Order.objects.get(id=order_id)\nif not order.paid:\n    order.save()",
        # get_or_create
        "order, created = Order.objects.get_or_create(id=order_id)\norder.save()",
        # an idempotency key on the charge
        'stripe.PaymentIntent.create(amount=1, idempotency_key=f"o-{order_id}")',
        # a conditional update whose result is checked
        "if Order.objects.filter(id=order_id, paid=False).update(paid=True):\n"
        "    send_mail('Paid', 'Thanks', None, ['a@example.com'])",
        # ... or kept
        "updated = Order.objects.filter(id=order_id, paid=False).update(paid=True)",
        # under a lock
        "with transaction.atomic():\n"
        "    order = Order.objects.select_for_update().get(id=order_id)\n"
        "    order.save()",
        "with redis.Redis().lock('o', timeout=5):\n    Order.objects.create(id=order_id)",
        # a unique constraint caught
        "try:\n    Order.objects.create(id=order_id)\nexcept IntegrityError:\n    return",
        # a loop over rows filtered by their state
        "for order in Order.objects.filter(paid=False):\n    order.save()",
        "orders = Order.objects.filter(paid=False)\nfor order in orders[:10]:\n    order.save()",
        # reads only, pure computation
        "order = Order.objects.get(id=order_id)\ntotal = order.paid and 1\nprint(total)",
        "Order.objects.filter(paid=True).count()",
        # unknown receivers are not writes
        "client.contacts.create(name='x')\nthing.save()\nqueryset.update(paid=True)",
        "requests.get('https://example.com')",
    ],
)
def test_job401_clean_forms(tmp_path: Path, body: str) -> None:
    assert lint_body(tmp_path, "celery", body, "JOB401") == []


@pytest.mark.parametrize(
    ("body", "line"),
    [
        # the send runs before the test decides anything
        ("if send_mail('s', 'b', None, ['a@example.com']):\n    print('sent')", 1),
        # an update kept in a name is a checked update only on a filtered query
        ("order = Order.objects.get(id=order_id)\ncount = order.update(n=order.n + 1)", 2),
    ],
)
def test_job401_look_alike_guards(tmp_path: Path, body: str, line: int) -> None:
    assert lines(lint_body(tmp_path, "celery", body, "JOB401")) == [line]


@pytest.mark.parametrize(
    ("body", "flagged"),
    [
        # a loaded record saved with plain values: the same row, written alike
        ("order = Order.objects.get(id=order_id)\norder.paid = True\norder.save()", []),
        ("session.commit()", []),
        # a record built here: an insert
        ("order = Order(id=order_id)\norder.save()", [2]),
        # a field moved
        ("order = Order.objects.get(id=order_id)\norder.total += 5\norder.save()", [3]),
        (
            "order = Order.objects.get(id=order_id)\n"
            "order.total = order.total + 5\norder.save(update_fields=['total'])",
            [3],
        ),
    ],
)
def test_job401_saves(tmp_path: Path, body: str, flagged: list[int]) -> None:
    assert lines(lint_body(tmp_path, "celery", body, "JOB401")) == flagged


def test_job401_an_empty_batch_is_a_guard(tmp_path: Path) -> None:
    body = (
        "ids = list(Order.objects.filter(paid=False).values_list('id', flat=True))\n"
        "if not ids:\n    return\nOrder.objects.create(id=order_id)\n"
    )
    assert lint_body(tmp_path, "celery", body, "JOB401") == []


def test_job401_repeatable_writes_alone_are_clean(tmp_path: Path) -> None:
    body = (
        "Order.objects.filter(id=order_id).delete()\n"
        "Order.objects.filter(id=order_id).update(paid=True)\n"
        "Order.objects.bulk_update([], ['paid'])\n"
    )
    assert lint_body(tmp_path, "celery", body, "JOB401") == []
    body = "from django.db.models import F\nOrder.objects.filter(id=order_id).update(n=F('n') + 1)"
    assert lines(lint_body(tmp_path / "b", "celery", body, "JOB401")) == [2]


def test_job401_an_existence_check_is_not_a_guard(tmp_path: Path) -> None:
    body = (
        "order = Order.objects.filter(id=order_id).first()\n"
        "if order is None:\n    return\n"
        "Order.objects.create(id=order_id)\n"
    )
    assert lines(lint_body(tmp_path, "celery", body, "JOB401")) == [4]


@pytest.mark.parametrize(
    ("body", "verb"),
    [
        ("Order.objects.create(id=order_id)", "changes state"),
        ("Order.objects.bulk_create([Order(id=order_id)])", "changes state"),
        ("session.add(Order(id=order_id))", "changes state"),
        ("send_mail('s', 'b', None, ['a@example.com'])", "sends mail"),
        (
            "from django.core.mail import EmailMessage\n"
            "message = EmailMessage('s', 'b', None, ['a@example.com'])\nmessage.send()",
            "sends mail",
        ),
        ("import requests\nrequests.post('https://example.com/hook')", "sends an HTTP POST"),
        ("import httpx\nhttpx.delete('https://example.com/x')", "sends an HTTP DELETE"),
    ],
)
def test_job401_side_effects(tmp_path: Path, body: str, verb: str) -> None:
    [(_, message)] = lint_body(tmp_path, "celery", body, "JOB401")
    assert f" {verb} with no guard" in message


@pytest.mark.parametrize(
    ("framework", "declaration"),
    [
        ("runtime", "    unique = 'until_executed'\n"),
        ("procrastinate", "queueing_lock"),
        ("huey", "lock_task"),
    ],
)
def test_job401_declared_uniqueness(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, framework: str, declaration: str
) -> None:
    filename, head, indent, tail = FRAMEWORKS[framework]
    if framework == "runtime":
        head = head.replace("    queue_as", declaration + "    queue_as")
    elif framework == "procrastinate":
        head = head.replace("queue='default')", "queue='default', queueing_lock='orders')")
    else:
        head = head.replace("60)\n", "60)\n@huey.lock_task('orders')\n")
    monkeypatch.setitem(FRAMEWORKS, framework, (filename, head, indent, tail))
    assert lint_body(tmp_path, framework, UNGUARDED, "JOB401") == []


@pytest.mark.parametrize(
    "decorator",
    [
        "@shared_task(base=QueueOnce, acks_late=True)",
        "@shared_task(queue='default', acks_late=True)\n@single_instance(key='orders')",
    ],
)
def test_job401_lock_decorators(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, decorator: str
) -> None:
    filename, head, indent, tail = FRAMEWORKS["celery"]
    head = head.replace("@shared_task(queue='default', acks_late=True)", decorator)
    monkeypatch.setitem(FRAMEWORKS, "celery", (filename, head, indent, tail))
    assert lint_body(tmp_path, "celery", UNGUARDED, "JOB401") == []


def test_job401_async_writes(tmp_path: Path) -> None:
    body = "order = Order(id=order_id)\nawait order.asave()"
    assert lines(lint_body(tmp_path, "arq", body, "JOB401")) == [2]
    body = "await Order.objects.aupdate_or_create(id=order_id)\nawait Order.objects.acreate()"
    assert lint_body(tmp_path / "b", "arq", body, "JOB401") == []


def test_job401_enqueue_is_a_side_effect(tmp_path: Path) -> None:
    extra = {
        "shop/mail.py": (
            "from celery import shared_task\n\n\n"
            "@shared_task(queue='default')\ndef send_receipt(order_id: int) -> None:\n"
            "    pass\n"
        )
    }
    body = "from shop.mail import send_receipt\nsend_receipt.delay(order_id)\nsend_receipt.s(1)"
    found = lint_body(tmp_path, "celery", body, "JOB401", extra=extra)
    assert lines(found) == [2]
    assert "enqueues a job" in found[0][1]


def test_job401_abstract_and_nested_code_is_not_the_body(tmp_path: Path) -> None:
    body = "def later() -> None:\n    Order.objects.create(id=order_id)\nreturn None"
    assert lint_body(tmp_path, "celery", body, "JOB401") == []


# -- JOB401: only where the job can run twice --------------------------------------------


def job401_lines(root: Path, files: dict[str, str], path: str) -> list[int]:
    write_tree(root, {name: textwrap.dedent(code) for name, code in files.items()})
    return [d.line for d in lint_tree(root, enabled={"JOB401"}) if d.path == root / path]


def job401_messages(root: Path, files: dict[str, str], path: str) -> list[str]:
    write_tree(root, {name: textwrap.dedent(code) for name, code in files.items()})
    return [d.message for d in lint_tree(root, enabled={"JOB401"}) if d.path == root / path]


def test_job401_django_tasks_have_no_retries(tmp_path: Path) -> None:
    assert lint_body(tmp_path, "django-tasks", UNGUARDED, "JOB401") == []


RQ_WEBHOOK = """
    import requests
    from redis import Redis
    from rq import Queue, Retry
    from rq.decorators import job

    redis = Redis()


    @job("default", connection=redis{retry})
    def post_webhook(url: str, payload: dict) -> None:
        requests.post(url, json=payload)
"""


@pytest.mark.parametrize(
    ("retry", "flagged"),
    [
        ("", []),
        (", retry=None", []),
        (", retry=Retry(max=0)", []),
        (", retry=Retry(max=3)", [12]),
        (", retry=Retry(max=3, interval=[10, 60])", [12]),
        (", retry=RETRY", [12]),  # not a literal: some retry, all the same
    ],
)
def test_job401_rq_decorated_job_runs_twice_only_with_retry(
    tmp_path: Path, retry: str, flagged: list[int]
) -> None:
    source = RQ_WEBHOOK.format(retry=retry)
    assert job401_lines(tmp_path, {"app/tasks.py": source}, "app/tasks.py") == flagged


def test_job401_rq_retry_is_named(tmp_path: Path) -> None:
    source = RQ_WEBHOOK.format(retry=", retry=Retry(max=3)")
    [message] = job401_messages(tmp_path, {"app/tasks.py": source}, "app/tasks.py")
    assert "and it is retried (`retry=Retry(max=3)`), so it can run twice;" in message


@pytest.mark.parametrize(
    ("enqueue", "flagged"),
    [
        ("queue.enqueue(post_webhook, 'https://example.com', {})", []),
        ("queue.enqueue(post_webhook, 'https://example.com', {}, retry=None)", []),
        ("queue.enqueue(post_webhook, 'https://example.com', {}, retry=Retry(max=2))", [5]),
        ("queue.enqueue_call(post_webhook, args=('u', {}), retry=Retry(max=2))", [5]),
    ],
)
def test_job401_rq_enqueue_with_retry_makes_the_job_run_twice(
    tmp_path: Path, enqueue: str, flagged: list[int]
) -> None:
    files = {
        "app/hooks.py": (
            "import requests\n\n\n"
            "def post_webhook(url: str, payload: dict) -> None:\n"
            "    requests.post(url, json=payload)\n"
        ),
        "app/views.py": (
            "from redis import Redis\nfrom rq import Queue, Retry\n\n"
            "from app.hooks import post_webhook\n\n"
            "queue = Queue('default', connection=Redis())\n\n\n"
            f"def save(request) -> None:\n    {enqueue}\n"
        ),
    }
    assert job401_lines(tmp_path, files, "app/hooks.py") == flagged


def test_job401_rq_enqueue_retry_is_named(tmp_path: Path) -> None:
    source = textwrap.dedent(RQ_WEBHOOK.format(retry="")) + (
        "\n\nqueue = Queue(connection=redis)\n"
        "queue.enqueue(post_webhook, 'u', {}, retry=Retry(max=2, interval=60))\n"
    )
    [message] = job401_messages(tmp_path, {"app/tasks.py": source}, "app/tasks.py")
    assert "an enqueue retries it (`retry=Retry(max=2, interval=60)`)" in message


CELERY_WEBHOOK = """
    import requests
    from celery import shared_task


    @shared_task({options})
    def post_webhook({bound}url):
        {body}
        requests.post(url)
"""


@pytest.mark.parametrize(
    ("options", "body", "flagged", "cause"),
    [
        ("", "pass", [], None),
        ("queue='hooks'", "pass", [], None),
        ("acks_late=False", "pass", [], None),
        ("acks_late=ACKS_LATE", "pass", [], None),  # cannot be read: quiet
        ("acks_late=True", "pass", [9], "the task acknowledges late (`acks_late=True`)"),
        ("autoretry_for=(IOError,)", "pass", [9], "it is retried (`autoretry_for=(IOError,)`)"),
        ("autoretry_for=(IOError,), max_retries=0", "pass", [], None),
        ("bind=True", "raise task.retry()", [9], "it is retried (`task.retry()`)"),
        ("", "raise task.retry()", [], None),  # not bound: `task` is an argument
        ("", "raise post_webhook.retry()", [9], "it is retried (`post_webhook.retry()`)"),
        # a method that happens to be called retry, on something else
        ("", "session.retry()", [], None),
    ],
)
def test_job401_celery_runs_twice_only_when_acked_late_or_retried(
    tmp_path: Path, options: str, body: str, flagged: list[int], cause: str | None
) -> None:
    bound = "task, " if "task." in body else ""
    source = CELERY_WEBHOOK.format(options=options, body=body, bound=bound)
    files = {"app/tasks.py": source}
    assert job401_lines(tmp_path, files, "app/tasks.py") == flagged
    if cause is not None:
        [message] = job401_messages(tmp_path, files, "app/tasks.py")
        assert f"and {cause}, so it can run twice;" in message


@pytest.mark.parametrize(
    ("options", "body", "flagged"),
    [
        # retried only when the send itself failed: retrying it is the point
        ("autoretry_for=(requests.RequestException,)", "pass", []),
        ("autoretry_for=(requests.ConnectionError, requests.Timeout)", "pass", []),
        # another cause of a second run, or a retry on any error, keeps the finding
        ("autoretry_for=(requests.RequestException,), acks_late=True", "pass", [9]),
        ("autoretry_for=(Exception,)", "pass", [9]),
        ("autoretry_for=(requests.RequestException,)", "requests.post(url + '/audit')", [8]),
    ],
)
def test_job401_celery_retrying_a_failed_send_is_the_point(
    tmp_path: Path, options: str, body: str, flagged: list[int]
) -> None:
    """plane's webhook task: `autoretry_for=(requests.RequestException,)` re-runs it only
    when its one send raised, before anything else happened; no guard can tell whether
    the receiver got a request that timed out."""
    source = CELERY_WEBHOOK.format(options=options, body=body, bound="")
    assert job401_lines(tmp_path, {"app/tasks.py": source}, "app/tasks.py") == flagged


def test_job401_celery_task_class_acks_late(tmp_path: Path) -> None:
    source = """
        import requests
        from celery import Task


        class PostWebhook(Task):
            acks_late = True

            def run(self, url):
                requests.post(url)
    """
    assert job401_lines(tmp_path, {"app/tasks.py": source}, "app/tasks.py") == [10]


@pytest.mark.parametrize(
    ("path", "settings", "flagged"),
    [
        ("app/settings.py", "CELERY_TASK_ACKS_LATE = True\n", [9]),
        ("app/settings.py", "WORKER_TASK_ACKS_LATE = True\n", [9]),  # another namespace
        ("app/settings.py", "CELERY_ACKS_LATE = True\n", [9]),  # Celery 3's name
        ("app/settings.py", "CELERY_TASK_ACKS_LATE = False\n", []),
        ("app/settings.py", "CELERY_TASK_ACKS_LATE = env.bool('ACKS_LATE')\n", []),
        ("app/celeryconfig.py", "task_acks_late = True\n", [9]),
        # the lowercase name only counts in a module about Celery
        ("app/options.py", "task_acks_late = True\n", []),
        (
            "app/worker.py",
            "from celery import Celery\n\napp = Celery('app')\napp.conf.task_acks_late = True\n",
            [9],
        ),
        (
            "app/worker.py",
            "from celery import Celery\n\napp = Celery('app')\n"
            "app.conf.update(task_acks_late=True)\n",
            [9],
        ),
        (
            "app/worker.py",
            "from celery import Celery\n\napp = Celery('app')\n"
            "app.conf.update({'task_acks_late': True})\n",
            [9],
        ),
        (
            "app/worker.py",
            "from celery import Celery\n\napp = Celery('app', task_acks_late=True)\n",
            [9],
        ),
        (
            "app/worker.py",
            "import os\nfrom celery import Celery\n\napp = Celery('app')\n"
            "app.conf.task_acks_late = os.environ['ACKS_LATE']\n",
            [],
        ),
    ],
)
def test_job401_celery_project_wide_late_acks(
    tmp_path: Path, path: str, settings: str, flagged: list[int]
) -> None:
    files = {
        "app/tasks.py": CELERY_WEBHOOK.format(options="", body="pass", bound=""),
        path: settings,
    }
    assert job401_lines(tmp_path, files, "app/tasks.py") == flagged


def test_job401_celery_project_setting_is_named_and_a_task_can_opt_out(tmp_path: Path) -> None:
    files = {
        "app/tasks.py": CELERY_WEBHOOK.format(options="", body="pass", bound=""),
        "app/settings.py": "CELERY_TASK_ACKS_LATE = True\n",
    }
    [message] = job401_messages(tmp_path, files, "app/tasks.py")
    assert "and the project acknowledges tasks late (`task_acks_late`)" in message
    files["app/tasks.py"] = CELERY_WEBHOOK.format(options="acks_late=False", body="pass", bound="")
    assert job401_lines(tmp_path / "b", files, "app/tasks.py") == []


def test_job401_celery_app_setting_applies_to_its_own_tasks(tmp_path: Path) -> None:
    files = {
        "app/worker.py": (
            "from celery import Celery\n\n"
            "app = Celery('app')\napp.conf.task_acks_late = True\n"
            "other = Celery('other')\n"
        ),
        "app/tasks.py": (
            "import requests\n\nfrom app.worker import app, other\n\n\n"
            "@app.task\ndef late(url):\n    requests.post(url)\n\n\n"
            "@other.task\ndef early(url):\n    requests.post(url)\n"
        ),
    }
    assert job401_lines(tmp_path, files, "app/tasks.py") == [8]


HUEY_WEBHOOK = """
    import requests
    from huey import RedisHuey
    from huey.exceptions import RetryTask

    huey = RedisHuey("app")


    @huey.task({options})
    def post_webhook(url):
        {body}
        requests.post(url)
"""


@pytest.mark.parametrize(
    ("options", "body", "flagged"),
    [
        ("", "pass", []),
        ("retries=0", "pass", []),
        ("retries=3, retry_delay=10", "pass", [12]),
        ("retries=RETRIES", "pass", [12]),
        (
            "",
            "try:\n            check(url)\n        except IOError:\n"
            "            raise RetryTask(delay=60)",
            [15],
        ),
    ],
)
def test_job401_huey_runs_twice_only_when_retried(
    tmp_path: Path, options: str, body: str, flagged: list[int]
) -> None:
    source = HUEY_WEBHOOK.format(options=options, body=body)
    assert job401_lines(tmp_path, {"app/tasks.py": source}, "app/tasks.py") == flagged


PROCRASTINATE_WEBHOOK = """
    import procrastinate
    import requests

    app = procrastinate.App(connector=procrastinate.PsycopgConnector())


    @app.task({options})
    def post_webhook(url):
        requests.post(url)
"""


@pytest.mark.parametrize(
    ("options", "flagged"),
    [
        ("", []),
        ("retry=0", []),
        ("retry=False", []),
        ("retry=5", [10]),
        ("retry=True", [10]),
        ("retry=procrastinate.RetryStrategy(max_attempts=3, wait=5)", [10]),
    ],
)
def test_job401_procrastinate_runs_twice_only_when_retried(
    tmp_path: Path, options: str, flagged: list[int]
) -> None:
    source = PROCRASTINATE_WEBHOOK.format(options=options)
    assert job401_lines(tmp_path, {"app/tasks.py": source}, "app/tasks.py") == flagged


def test_job401_procrastinate_project_retrying_stalled_jobs(tmp_path: Path) -> None:
    files = {
        "app/tasks.py": PROCRASTINATE_WEBHOOK.format(options=""),
        "app/maintenance.py": """
            from app.tasks import app


            @app.periodic(cron="*/10 * * * *")
            @app.task(queueing_lock="retry_stalled_jobs", pass_context=True)
            async def retry_stalled_jobs(context, timestamp):
                for job in await app.job_manager.get_stalled_jobs():
                    await app.job_manager.retry_job(job)
        """,
    }
    [message] = job401_messages(tmp_path, files, "app/tasks.py")
    assert "and the project retries stalled jobs (`get_stalled_jobs()`)" in message


@pytest.mark.parametrize(
    ("framework", "cause"),
    [
        ("runtime", "joblint's runtime delivers a job at least once"),
        ("dramatiq", "Dramatiq delivers a job at least once"),
        ("arq", "arq delivers a job at least once"),
    ],
)
def test_job401_at_least_once_frameworks(tmp_path: Path, framework: str, cause: str) -> None:
    [(_, message)] = lint_body(tmp_path, framework, UNGUARDED, "JOB401")
    assert f"with no guard before it, and {cause}; return early" in message


# -- JOB402 ---------------------------------------------------------------------------

LOCKED = """
order = Order.objects.get(id=order_id)
if order.paid:
    return
with {lock}:
    Order.objects.create(id=order.id)
"""


@pytest.mark.parametrize("framework", sorted(FRAMEWORKS))
def test_job402_in_every_framework(tmp_path: Path, framework: str) -> None:
    body = LOCKED.format(lock="redis.Redis().lock('o', timeout=5)")
    found = lint_body(tmp_path, framework, body, "JOB402")
    assert lines(found) == [4]
    assert "check `order.paid` again as the first thing inside the lock" in found[0][1]


@pytest.mark.parametrize(
    "lock",
    ["order.with_lock()", "cache.lock('o', timeout=5)", "huey.lock_task('o')", "RedLock('o')"],
)
def test_job402_lock_forms(tmp_path: Path, lock: str) -> None:
    assert lines(lint_body(tmp_path, "celery", LOCKED.format(lock=lock), "JOB402")) == [4]


@pytest.mark.parametrize(
    "body",
    [
        # checked again
        "if order.paid:\n    return\nwith order.with_lock():\n"
        "    if order.paid:\n        return\n    Order.objects.create(id=order.id)",
        # a different check inside still counts: the rule cannot compare meanings
        "if order.paid:\n    return\nwith order.with_lock():\n"
        "    if Order.objects.filter(id=order_id, paid=True).exists():\n        return\n"
        "    Order.objects.create(id=order.id)",
        # the write inside an `if`
        "if order.paid:\n    return\nwith order.with_lock():\n"
        "    if order.status == 'new':\n        Order.objects.create(id=order.id)",
        # no guard before the lock
        "with order.with_lock():\n    Order.objects.create(id=order.id)",
        # only an existence check before it
        "if order is None:\n    return\nwith order.with_lock():\n"
        "    Order.objects.create(id=order.id)",
        # a transaction that locks no row is not a lock
        "if order.paid:\n    return\nwith transaction.atomic():\n"
        "    Order.objects.create(id=order.id)",
        # a lock with no side effect in it
        "if order.paid:\n    return\nwith order.with_lock():\n    print(order.paid)",
        # a guard on a local only: a second look inside would see the same value
        "pending = [order]\nif not pending:\n    return\nwith order.with_lock():\n"
        "    Order.objects.create(id=order.id)",
        # rows locked by their state are checked by the read that locks them
        "if order.paid:\n    return\nwith transaction.atomic():\n"
        "    rows = Order.objects.select_for_update().filter(id=order_id, paid=False)\n"
        "    rows.update(paid=True)",
        # a guard about something else than what the lock protects
        "if not settings.BILLING:\n    return\nwith order.with_lock():\n"
        "    Order.objects.create(id=order.id)",
        # an unrelated context manager
        "if order.paid:\n    return\nwith open('x') as handle:\n"
        "    Order.objects.create(id=order.id)",
    ],
)
def test_job402_clean_forms(tmp_path: Path, body: str) -> None:
    body = "order = Order.objects.get(id=order_id)\n" + body
    assert lint_body(tmp_path, "celery", body, "JOB402") == []


def test_job402_fix_is_idempotent(tmp_path: Path) -> None:
    body = LOCKED.format(lock="order.with_lock()")
    write = lint_body(tmp_path, "celery", body, "JOB402")
    assert write
    [diagnostic] = [d for d in lint_tree(tmp_path) if d.code == "JOB402"]
    assert diagnostic.fix is not None
    source = diagnostic.path.read_text()
    once = diagnostic.fix.transform(cst.parse_module(source))
    assert once.code.count("if order.paid:") == 2
    assert "    with order.with_lock():\n        if order.paid:\n            return\n" in once.code
    assert diagnostic.fix.transform(once).code == once.code


CLAIMED = """
client = redis.Redis()
order = Order.objects.get(id=order_id)
if not {claim}:
    return
with client.lock(f"order-{{order_id}}", timeout=60):
    Order.objects.create(id=order.id)
"""


@pytest.mark.parametrize(
    "claim",
    [
        'client.set(f"claim-{order_id}", "1", nx=True, ex=3600)',
        'client.setnx(f"claim-{order_id}", "1")',
        'client.incr(f"claim-{order_id}") == 1',
        'cache.add(f"claim-{order_id}", True)',
        "Order.objects.get_or_create(id=order_id)[1]",
        "Order.objects.filter(id=order_id, paid=False).update(paid=True)",
        "claim_order(order_id)",
        "(claimed := client.set(f'claim-{order_id}', '1', nx=True))",
        "any(map(lambda o: o.claim(), [order]))",
    ],
)
def test_job402_a_guard_that_may_write_is_neither_reported_nor_copied(
    tmp_path: Path, claim: str
) -> None:
    """A claim run again inside the lock finds its own claim and gives up on the work (the
    fix broke the fix-safety corpus's billing/billing.claims)."""
    assert lint_body(tmp_path, "celery", CLAIMED.format(claim=claim), "JOB402") == []


@pytest.mark.parametrize(
    "read",
    [
        'client.get(f"done-{order_id}")',
        'client.exists(f"done-{order_id}")',
        "Order.objects.filter(id=order_id, paid=True).exists()",
        "order.paid and len(order.lines.all()) > 0",
        "isinstance(order.total, int) and getattr(order, 'paid', False)",
        'order.status.lower() in ("new", "open")',
    ],
)
def test_job402_a_guard_that_only_reads_is_reported_and_copied(tmp_path: Path, read: str) -> None:
    [(line, _)] = lint_body(tmp_path, "celery", CLAIMED.format(claim=read), "JOB402")
    assert line == 5
    [diagnostic] = [d for d in lint_tree(tmp_path) if d.code == "JOB402"]
    assert diagnostic.fix is not None
    fixed = diagnostic.fix.transform(cst.parse_module(diagnostic.path.read_text())).code
    assert fixed.count(f"if not {read}:") == 2


def test_job402_a_read_guard_is_copied_past_a_claim_about_other_names(tmp_path: Path) -> None:
    """Only a guard about what the lock protects decides: a rate limit taken on other
    names does not hide the missing second look."""
    body = CLAIMED.format(claim="order.paid").replace(
        "with client", "if not limiter.hit('billing'):\n    return\nwith client"
    )
    assert lines(lint_body(tmp_path, "celery", body, "JOB402")) == [7]


# -- JOB403 ---------------------------------------------------------------------------


@pytest.mark.parametrize("framework", sorted(FRAMEWORKS))
def test_job403_in_every_framework(tmp_path: Path, framework: str) -> None:
    body = "client = redis.Redis()\nwith client.lock('orders'):\n    pass"
    found = lint_body(tmp_path, framework, body, "JOB403")
    assert lines(found) == [2]
    assert "pass `timeout=` longer than the job can take" in found[0][1]


@pytest.mark.parametrize(
    ("body", "flagged"),
    [
        ("redis.StrictRedis.from_url('redis://').lock('o')", True),
        ("from django_redis import get_redis_connection\nget_redis_connection().lock('o')", True),
        ("from django.core.cache import caches\ncaches['default'].lock('o')", True),
        ("from redis.lock import Lock\nLock(redis.Redis(), 'o')", True),
        ("import redis_lock\nredis_lock.Lock(redis.Redis(), 'o')", True),
        ("import redis_lock\nredis_lock.Lock(redis.Redis(), 'o', expire=30)", False),
        ("from redis.lock import Lock\nLock(redis.Redis(), 'o', 30)", False),
        ("redis.Redis().lock('o', 30)", False),
        ("redis.Redis().lock('o', timeout=None if order_id else 5)", False),
        # django-redis: the second positional is the version, not the timeout
        ("from django.core.cache import cache\ncache.lock('o', 1)", True),
        ("from django.core.cache import cache\ncache.lock('o', 1, 30)", False),
        # unknown receivers, and a client that is not always a Redis client
        ("order = Order.objects.get(id=order_id)\norder.lock()", False),
        ("client = make_client()\nclient.lock('o')", False),
        (
            "client = redis.Redis()\nif order_id:\n    client = other()\nclient.lock('o')",
            False,
        ),
        ("options = {}\nredis.Redis().lock('o', **options)", False),
    ],
)
def test_job403_forms(tmp_path: Path, body: str, flagged: bool) -> None:
    assert bool(lint_body(tmp_path, "celery", body, "JOB403")) == flagged


# -- JOB405 ---------------------------------------------------------------------------

CELERY_OTHER = {
    "shop/images.py": (
        "from celery import shared_task\n\n\n"
        "@shared_task(queue='default')\ndef resize_image(image_id: int) -> int:\n"
        "    return image_id\n"
    )
}


@pytest.mark.parametrize(
    ("body", "flagged"),
    [
        ("result = resize_image.delay(1)\nresult.get()", [2]),
        ("resize_image.apply_async((1,)).wait()", [1]),
        ("from celery.result import allow_join_result\nwith allow_join_result():\n    pass", [2]),
        # .s() builds a signature; .apply() runs here and returns at once
        ("resize_image.s(1).get()", []),
        ("resize_image.apply((1,)).get()", []),
        # a local assigned from an enqueue on one branch only
        ("result = resize_image.delay(1)\nif order_id:\n    result = cached()\nresult.get()", []),
        # a dict's get
        ("options = {}\noptions.get('x')", []),
    ],
)
def test_job405_celery(tmp_path: Path, body: str, flagged: list[int]) -> None:
    body = "from shop.images import resize_image\n" + body
    found = lint_body(tmp_path, "celery", body, "JOB405", extra=CELERY_OTHER)
    assert [line - 1 for line in lines(found)] == flagged


@pytest.mark.parametrize(
    ("call", "flagged"),
    [
        ("result.get(blocking=True)", True),
        ("result.get(True)", True),
        ("result.get()", False),
        ("result.get(blocking=False)", False),
    ],
)
def test_job405_huey(tmp_path: Path, call: str, flagged: bool) -> None:
    body = f"if order_id < 0:\n    return\nresult = charge_order(order_id - 1)\n{call}"
    assert bool(lint_body(tmp_path, "huey", body, "JOB405")) == flagged


@pytest.mark.parametrize(
    ("call", "flagged"),
    [
        ("job.latest_result(timeout=30)", True),
        ("job.latest_result(5)", True),
        ("job.latest_result()", False),
        ("job.latest_result(timeout=0)", False),
    ],
)
def test_job405_rq(tmp_path: Path, call: str, flagged: bool) -> None:
    body = f"job = queue.enqueue(charge_order, order_id)\n{call}"
    assert bool(lint_body(tmp_path, "rq", body, "JOB405")) == flagged


@pytest.mark.parametrize("framework", ["dramatiq", "procrastinate", "arq", "django-tasks"])
def test_job405_frameworks_without_a_blocking_result_rule(tmp_path: Path, framework: str) -> None:
    body = "result = charge_order.send(1)\nresult.get()"
    assert lint_body(tmp_path, framework, body, "JOB405") == []


# -- JOB406 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "messages"),
    [
        ("unique=True", ["without `job_id=`"]),
        ("unique=True, job_id='a'", []),
        ("unique=True, job_id='a', depends_on=None", []),
        ("unique=True, job_id='a', depends_on=other", ["with `depends_on=`"]),
        ("unique=True, rate_limit=limit", ["without `job_id=`", "with `rate_limit=`"]),
        ("unique=False", []),
        ("unique=flag", []),
        ("unique=True, **options", []),
    ],
)
def test_job406_rq(tmp_path: Path, options: str, messages: list[str]) -> None:
    source = (
        "from redis import Redis\nfrom rq import Queue\n\n"
        "queue = Queue('default', connection=Redis())\n\n\n"
        "def send_invoice(invoice_id: int) -> None:\n    pass\n\n\n"
        "def bill(other, limit, flag, options) -> None:\n"
        f"    queue.enqueue(send_invoice, 1, {options})\n"
    )
    write_tree(tmp_path, {"shop/billing.py": source})
    found = [d for d in lint_tree(tmp_path) if d.code == "JOB406"]
    assert len(found) == len(messages)
    for diagnostic, text in zip(found, messages, strict=True):
        assert text in diagnostic.message
        assert diagnostic.line == 12
        assert source.splitlines()[11][diagnostic.column - 1 :].startswith("unique=True")


@pytest.mark.parametrize(
    ("value", "flagged"),
    [
        ("'until_executed'", False),
        ("'while_executing'", False),
        ("None", False),
        ("True", True),
        ("'always'", True),
        ("MODE", False),
    ],
)
def test_job406_runtime(tmp_path: Path, value: str, flagged: bool) -> None:
    source = (
        "from joblint.runtime import Job\n\nMODE = 'until_executed'\n\n\n"
        "class SyncLedgerJob(Job):\n"
        "    queue_as = 'default'\n"
        f"    unique = {value}\n\n"
        "    def perform(self, day: str) -> None:\n        pass\n"
    )
    write_tree(tmp_path, {"shop/jobs/sync_ledger_job.py": source})
    found = [d for d in lint_tree(tmp_path) if d.code == "JOB406"]
    assert bool(found) == flagged
    if flagged:
        assert found[0].line == 8
