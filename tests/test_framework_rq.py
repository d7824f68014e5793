"""The RQ frontend: jobs made by `@job` (rq and django-rq, and project wrappers of it) or
by being enqueued on a proven queue, and their enqueue sites."""

from __future__ import annotations

import shutil
from pathlib import Path

import libcst as cst
from lint_support import REPO, brief, inventory_of, write_tree

from joblint.analysis.model import QueueKind
from joblint.config import Settings
from joblint.engine.linter import Analysis, Linter

FIXTURE = REPO / "tests" / "fixtures" / "frameworks" / "rq"
NEGATIVE = REPO / "tests" / "fixtures" / "frameworks" / "rq_negative"


def analysis_of(root: Path, settings: Settings | None = None) -> Analysis:
    analysis, problems = Linter(settings or Settings(project_root=root)).analyse_paths([root])
    assert problems == []
    return analysis


def code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def sites_of(root: Path) -> list[tuple[object, ...]]:
    """(file:line, method, target, arguments as written, arguments known, option names)."""
    analysis = analysis_of(root)
    rows = []
    for site in sorted(analysis.enqueue_sites, key=lambda s: (str(s.path), s.span.start)):
        if site.framework != "rq":
            continue
        arguments = ", ".join(
            (f"{arg.keyword.value}=" if arg.keyword else "") + code(arg.value)
            for arg in site.arguments
        )
        rows.append(
            (
                f"{site.path.relative_to(root).as_posix()}:{site.span.start.line}",
                site.method,
                site.target,
                arguments,
                site.arguments_known,
                [name for name, _ in site.options],
            )
        )
    return rows


def test_inventory_of_the_rq_fixture() -> None:
    assert brief(inventory_of(FIXTURE)) == [
        ("rq", "charge_card", "payments", "shop/django_jobs.py:8", ["shop/views.py:7"]),
        ("rq", "log_visit", None, "shop/django_jobs.py:13", ["shop/views.py:8"]),
        ("rq", "refund_order", None, "shop/django_jobs.py:17", ["shop/views.py:9"]),
        ("rq", "sync_inventory", "inventory", "shop/django_jobs.py:21", ["shop/views.py:11"]),
        ("rq", "send_welcome_email", "mail", "shop/mail.py:11", ["shop/services/checkout.py:31"]),
        ("rq", "send_password_reset", "high", "shop/mail.py:16", ["shop/services/checkout.py:32"]),
        (
            "rq", "clean_tmp_files", "maintenance", "shop/maintenance.py:9",
            ["shop/maintenance.py:19", "shop/maintenance.py:20"],
        ),
        ("rq", "import_row", "imports", "shop/maintenance.py:13", ["shop/maintenance.py:26"]),
        ("rq", "build_report", "reports", "shop/reports.py:5", ["shop/services/reporting.py:6"]),
        ("rq", "archive_report", "archive", "shop/reports.py:10", ["shop/services/reporting.py:7"]),
        ("rq", "export_orders", "exports", "shop/reports.py:15", ["shop/services/reporting.py:8"]),
        ("rq", "purge_caches", "default", "shop/reports.py:20", ["shop/services/reporting.py:9"]),
        (
            "rq", "count_words_at_url", None, "shop/tasks.py:6",
            ["shop/services/checkout.py:11"],
        ),
        (
            "rq", "send_report", "low", "shop/tasks.py:11",
            [
                "shop/services/checkout.py:15",
                "shop/services/checkout.py:16",
                "shop/services/checkout.py:18",
            ],
        ),
        (
            "rq", "resize_image", "dynamic", "shop/tasks.py:15",
            ["shop/maintenance.py:31", "shop/services/checkout.py:22"],
        ),
        (
            "rq", "rebuild_search_index", "low", "shop/tasks.py:19",
            ["shop/services/checkout.py:27"],
        ),
    ]  # fmt: skip


def test_enqueue_sites_normalise_arguments_and_options() -> None:
    tasks = "shop.tasks."
    checkout = "shop/services/checkout.py:"
    reporting = "shop/services/reporting.py:"
    assert sites_of(FIXTURE) == [
        (
            "shop/maintenance.py:19", "enqueue_in", "shop.maintenance.clean_tmp_files",
            '"/tmp"', True, ["queue", "enqueue_in"],
        ),
        (
            "shop/maintenance.py:20", "enqueue_at", "shop.maintenance.clean_tmp_files",
            'folder="/var/tmp"', True, ["queue", "enqueue_at"],
        ),
        (
            "shop/maintenance.py:26", "enqueue_many", "shop.maintenance.import_row",
            "row_id", True, ["queue", "job_id"],
        ),
        (
            "shop/maintenance.py:31", "enqueue", tasks + "resize_image",
            "image_id=image_id, width=100", True, ["queue"],
        ),
        (checkout + "11", "enqueue", tasks + "count_words_at_url", "url", True, []),
        (
            checkout + "15", "enqueue", tasks + "send_report",
            'report_id, fmt="csv"', True, ["job_timeout"],
        ),
        (
            checkout + "16", "enqueue_call", tasks + "send_report",
            'report_id, fmt="html"', True, ["timeout"],
        ),
        (
            checkout + "18", "enqueue", tasks + "send_report",
            'report_id=report_id, fmt="pdf"', True, [],
        ),
        (
            checkout + "22", "enqueue", tasks + "resize_image",
            "image_id, width=300", True, [],
        ),
        (
            checkout + "27", "enqueue", tasks + "rebuild_search_index",
            "", True, ["queue"],
        ),
        (checkout + "31", "delay", "shop.mail.send_welcome_email", "user.id", True, []),
        (
            checkout + "32", "enqueue", "shop.mail.send_password_reset",
            "user.id, 7", True, ["job_id"],
        ),
        (reporting + "6", "delay", "shop.reports.build_report", "report_id", True, []),
        (reporting + "7", "delay", "shop.reports.archive_report", "report_id", True, []),
        (reporting + "8", "delay", "shop.reports.export_orders", "since", True, []),
        (reporting + "9", "delay", "shop.reports.purge_caches", "", True, []),
        ("shop/views.py:7", "delay", "shop.django_jobs.charge_card", "order_id", True, []),
        ("shop/views.py:8", "delay", "shop.django_jobs.log_visit", "request.path", True, []),
        ("shop/views.py:9", "enqueue", "shop.django_jobs.refund_order", "order_id", True, []),
        (
            "shop/views.py:11", "enqueue", "shop.django_jobs.sync_inventory",
            '"SKU-1"', True, ["queue"],
        ),
    ]  # fmt: skip


def test_jobs_carry_options_registered_names_and_queue_spans() -> None:
    jobs = {job.name: job for job in analysis_of(FIXTURE).jobs}
    welcome = jobs["send_welcome_email"]
    assert welcome.registered_name == "shop.mail.send_welcome_email"
    assert welcome.perform is welcome.node
    assert ("retry.max", 3) in welcome.options
    assert ("retry.interval", (10, 30, 60)) in welcome.options
    # A decorator's queue is declared on the job (span set); an enqueued function's queue
    # belongs to its enqueue sites, possibly in other files (no span).
    assert welcome.queue.span is not None and welcome.queue.span.start.line == 10
    assert welcome.decorator is not None and code(welcome.decorator.decorator).startswith("job(")
    assert jobs["send_report"].decorator is None  # a job because it is enqueued
    assert jobs["send_report"].queue.kind is QueueKind.STATIC
    assert jobs["send_report"].queue.span is None
    assert jobs["resize_image"].queue.kind is QueueKind.DYNAMIC


def test_negative_fixture_is_read_and_yields_nothing() -> None:
    analysis = analysis_of(NEGATIVE)
    parsed = {module.path.name for module in analysis.modules}
    assert {"outbox.py", "pipelines.py", "scheduler.py"} <= parsed  # read, not skipped
    assert inventory_of(NEGATIVE) == []
    assert [site for site in analysis.enqueue_sites if site.framework == "rq"] == []


def test_lookalikes_stay_silent_beside_a_real_job(tmp_path: Path) -> None:
    """With an RQ job in the project, the look-alikes' `enqueue`, `delay` and
    `prepare_data` calls are still no enqueue sites, and define no job."""
    shutil.copytree(NEGATIVE, tmp_path, dirs_exist_ok=True)
    write_tree(
        tmp_path,
        {
            "lookalikes/real.py": (
                "from redis import Redis\nfrom rq import Queue\n\n"
                "def rotate_keys():\n    return None\n\n"
                'Queue("real", connection=Redis()).enqueue(rotate_keys)\n'
            ),
        },
    )
    assert brief(inventory_of(tmp_path)) == [
        ("rq", "rotate_keys", "real", "lookalikes/real.py:4", ["lookalikes/real.py:7"]),
    ]
    sites = analysis_of(tmp_path).enqueue_sites
    assert [site.path.name for site in sites if site.framework == "rq"] == ["real.py"]


def test_enqueue_by_unknown_name_is_a_site_without_target(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "proj/work.py": (
                "from rq import Queue\n"
                "from redis import Redis\n\n"
                "def run():\n"
                '    Queue("low", connection=Redis()).enqueue("vendor.tasks.crunch", 1)\n'
            ),
        },
    )
    sites = analysis_of(tmp_path).enqueue_sites
    assert [(s.method, s.target, s.target_registered_name) for s in sites] == [
        ("enqueue", None, "vendor.tasks.crunch")
    ]


def test_unproven_receiver_keeps_the_site_but_not_its_arguments(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "proj/tasks.py": "def crunch(n):\n    return n\n",
            "proj/queues.py": (
                "from rq import Queue\nfrom redis import Redis\n\n"
                'numbers = Queue("numbers", connection=Redis())\n'
            ),
            "proj/work.py": (
                "from proj.queues import numbers\nfrom proj.tasks import crunch\n\n"
                "def run(helper):\n"
                "    numbers.enqueue(crunch, 1)\n"
                "    helper.enqueue(crunch, 2)\n"
            ),
        },
    )
    analysis = analysis_of(tmp_path)
    assert [(job.name, job.queue.name) for job in analysis.jobs] == [("crunch", "numbers")]
    assert [(s.span.start.line, s.arguments_known) for s in analysis.enqueue_sites] == [
        (5, True),
        (6, False),
    ]


def test_task_decorators_setting_and_local_dict_splat(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "proj/deco.py": "def background(queue):\n    return lambda fn: fn\n",
            "proj/jobs.py": (
                "from proj.deco import background\n\n"
                '@background("slow")\n'
                "def crunch_numbers(n, scale=1):\n    return n * scale\n"
            ),
            "proj/use.py": (
                "from proj.jobs import crunch_numbers\n\n"
                "def run():\n"
                '    params = {"n": 1, "job_id": "x"}\n'
                "    crunch_numbers.delay(**params)\n"
                '    other = {"n": 2}\n'
                '    other["scale"] = 3\n'
                "    crunch_numbers.delay(**other)\n"
            ),
        },
    )
    assert inventory_of(tmp_path) == []  # a project decorator proves nothing by itself
    settings = Settings(project_root=tmp_path, task_decorators=(("proj.deco.background", "rq"),))
    analysis = analysis_of(tmp_path, settings)
    assert [(job.name, job.queue.name) for job in analysis.jobs] == [("crunch_numbers", "slow")]
    first, second = analysis.enqueue_sites
    assert [code(arg.value) for arg in first.arguments] == ["1"]
    assert [name for name, _ in first.options] == ["job_id"]
    assert first.arguments_known
    assert not second.arguments_known  # a dict changed after its literal


def test_queue_chosen_by_a_condition(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "proj/work.py": (
                "from rq import Queue\nfrom redis import Redis\n\n"
                "def crunch(n):\n    return n\n\n"
                "def tally(n):\n    return n\n\n"
                "def run(urgent):\n"
                '    queue = Queue("high") if urgent else Queue("low")\n'
                "    queue.enqueue(crunch, 1)\n"
                '    same = Queue("low", connection=Redis()) if urgent else Queue("low")\n'
                "    same.enqueue(tally, 2)\n"
            ),
        },
    )
    assert [row[:3] for row in brief(inventory_of(tmp_path))] == [
        ("rq", "crunch", "dynamic"),
        ("rq", "tally", "low"),
    ]
