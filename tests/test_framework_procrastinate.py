"""The Procrastinate frontend, through ``joblint inventory`` on a fixture app written the
way procrastinate's documentation writes it, and on look-alikes that must not count."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from lint_support import REPO, brief, inventory_of, lint_tree, write_tree

from joblint.analysis.model import UNKNOWN, EnqueueSite, QueueKind
from joblint.config import Settings
from joblint.engine.linter import Analysis, Linter

FIXTURE = REPO / "tests" / "fixtures" / "frameworks" / "procrastinate"
NEGATIVE = REPO / "tests" / "fixtures" / "frameworks" / "procrastinate_negative"
SETTINGS = Settings(
    project_root=FIXTURE, task_decorators=(("shop.wrappers.tracked_task", "procrastinate"),)
)


def analysis_of(root: Path, settings: Settings | None = None) -> Analysis:
    analysis, problems = Linter(settings or Settings(project_root=root)).analyse_paths([root])
    assert problems == []
    return analysis


def code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def arguments(site: EnqueueSite) -> str:
    return ", ".join(code(arg).strip().rstrip(",") for arg in site.arguments)


def sites_at(analysis: Analysis, filename: str) -> dict[int, EnqueueSite]:
    return {
        site.span.start.line: site
        for site in analysis.enqueue_sites
        if site.path.name == filename and site.framework == "procrastinate"
    }


def test_inventory_of_the_fixture_app() -> None:
    assert brief(inventory_of(FIXTURE, SETTINGS)) == [
        # Wrappers: a function applying `app.task`, a `functools.partial` of it, and a
        # decorator named in the `task-decorators` setting; the Django contrib's app.
        ("procrastinate", "cleanup_exports", "exports", "shop/maintenance.py:7",
         ["shop/services/reporting.py:10"]),
        ("procrastinate", "reindex_catalog", "low", "shop/maintenance.py:12",
         ["shop/services/reporting.py:11"]),
        ("procrastinate", "record_audit", None, "shop/maintenance.py:17",
         ["shop/services/reporting.py:12"]),
        ("procrastinate", "sync_inventory", "django", "shop/maintenance.py:22",
         ["shop/services/reporting.py:13"]),
        # A blueprint task: deferred directly, by namespaced name, and by alias.
        ("procrastinate", "build_report", "reports", "shop/reports.py:7",
         ["shop/services/reporting.py:7", "shop/services/reporting.py:8",
          "shop/services/reporting.py:9"]),
        ("procrastinate", "send_welcome_email", "emails", "shop/tasks.py:9",
         ["shop/services/orders.py:12", "shop/services/orders.py:14",
          "shop/services/orders.py:28", "shop/services/orders.py:29",
          "shop/services/orders.py:34", "shop/services/orders.py:35"]),
        ("procrastinate", "refresh_caches", None, "shop/tasks.py:14",
         ["shop/services/orders.py:13"]),
        ("procrastinate", "charge_order", "payments", "shop/tasks.py:19",
         ["shop/services/orders.py:18", "shop/services/orders.py:19",
          "shop/services/orders.py:22", "shop/services/orders.py:33"]),
        ("procrastinate", "purge_sessions", "maintenance", "shop/tasks.py:25", []),
        # `queue=EMAIL_QUEUE`: a module constant bound once to a literal.
        ("procrastinate", "send_digest", "emails", "shop/tasks.py:30",
         ["shop/services/orders.py:31", "shop/services/orders.py:36"]),
    ]  # fmt: skip


def test_the_task_decorators_setting_is_what_makes_an_opaque_wrapper_count() -> None:
    names = [row[1] for row in brief(inventory_of(FIXTURE))]
    assert "record_audit" not in names
    assert "cleanup_exports" in names


def test_negative_fixture_has_no_jobs_and_no_enqueue_sites() -> None:
    assert inventory_of(NEGATIVE) == []
    assert analysis_of(NEGATIVE).enqueue_sites == []


def test_look_alike_calls_in_the_fixture_are_not_enqueue_sites() -> None:
    assert sites_at(analysis_of(FIXTURE, SETTINGS), "lookalikes.py") == {}


def test_job_details() -> None:
    jobs = {job.name: job for job in analysis_of(FIXTURE, SETTINGS).jobs}
    charge = jobs["charge_order"]
    assert charge.registered_name == "shop.charge"
    assert charge.qualified_name == "shop.tasks.charge_order"
    assert charge.perform is charge.node
    assert dict(charge.options)["queueing_lock"] == "charge"
    assert jobs["send_welcome_email"].registered_name == "shop.tasks.send_welcome_email"
    assert dict(jobs["send_welcome_email"].options) == {"queue": "emails", "retry": 5}
    purge = jobs["purge_sessions"]
    assert dict(purge.options) == {
        "queue": "maintenance",
        "pass_context": True,
        "cron": "0 3 * * *",
        "periodic_id": "nightly",
    }
    assert purge.decorator is not None
    assert code(purge.decorator.decorator) == 'app.task(queue="maintenance", pass_context=True)'
    assert purge.queue.span is not None and purge.queue.span.start.line == 24
    # A wrapper's keywords, and the defaults its body sets, come with the job.
    assert dict(jobs["cleanup_exports"].options) == {"retry": 3, "queue": "exports"}
    reindex = jobs["reindex_catalog"]
    assert reindex.registered_name == "shop.reindex"
    assert dict(reindex.options) == {"queue": "low", "priority": -5, "name": "shop.reindex"}
    # The queue comes from the wrapper: its span is the decorator's, in this file.
    assert reindex.queue.span is not None and reindex.queue.span.start.line == 11
    assert jobs["build_report"].options == (
        ("queue", "reports"),
        ("aliases", ("shop.legacy.build_report",)),
    )
    assert jobs["refresh_caches"].queue.kind is QueueKind.NONE


def test_enqueue_site_details() -> None:
    sites = sites_at(analysis_of(FIXTURE, SETTINGS), "orders.py")
    configured = sites[19]
    assert configured.method == "defer"
    assert {key: code(value) for key, value in configured.options} == {
        "queue": '"priority"',
        "schedule_in": '{"minutes": 5}',
    }
    assert arguments(configured) == "order_id=order_id, amount=amount"
    by_name = sites[22]
    assert by_name.target == "shop.tasks.charge_order"
    assert by_name.target_registered_name == "shop.charge"
    assert [key for key, _ in by_name.options] == ["lock"]
    # `batch_defer(*[...])`: one site, arguments unknown.
    assert sites[28].method == "batch_defer" and not sites[28].arguments_known
    # A deferrer stored in a local, then deferred.
    assert sites[31].target == "shop.tasks.send_digest"
    assert {key: code(value) for key, value in sites[31].options} == {"priority": "20"}
    # `**params` of a local dict literal, spelled out.
    assert arguments(sites[33]) == "order_id=3, amount=4" and sites[33].arguments_known
    # Positional arguments are kept as written: procrastinate drops them (JOB205).
    assert arguments(sites[34]) == "5"
    assert sites[35].synchronous and sites[35].method == "__call__"
    assert not any(site.synchronous for line, site in sites.items() if line != 35)
    # `functools.partial(task.defer_async, ...)`, as `on_commit` is given it.
    assert sites[36].method == "defer_async" and arguments(sites[36]) == "user_id=7"
    assert sites[14].method == "defer" and arguments(sites[14]) == "user_id=user_id"
    # An unknown registered name is still procrastinate's API: a site with no target.
    assert sites[40].target is None
    assert sites[40].target_registered_name == "somewhere.else.task"


def test_batch_defer_and_task_kwargs() -> None:
    sites = sites_at(analysis_of(FIXTURE, SETTINGS), "reporting.py")
    assert arguments(sites[13]) == 'sku="a"' and sites[13].arguments_known
    assert sites[11].arguments == () and sites[11].arguments_known  # task_kwargs={}
    assert sites[8].target_registered_name == "reports:shop.reports.build_report"
    assert sites[9].target == "shop.reports.build_report"  # by alias


def test_apps_wrappers_and_names_in_other_modules_reach_the_prefilter(tmp_path: Path) -> None:
    """No module but `queue_setup.py` says "procrastinate": the app's name, the wrapper's
    and the task's bring in the modules that define and defer the tasks."""
    write_tree(
        tmp_path,
        {
            "proj/queue_setup.py": (
                "import procrastinate\n"
                "class ShopApp(procrastinate.App):\n    pass\n"
                "base_app = ShopApp(connector=procrastinate.PsycopgConnector())\n"
                "worker_app = base_app.with_connector(procrastinate.PsycopgConnector())\n"
            ),
            "proj/deco.py": (
                "from proj.queue_setup import worker_app\n"
                "def background(**options):\n"
                "    return worker_app.task(queue='background', **options)\n"
            ),
            "proj/jobs.py": (
                "from proj.deco import background\n"
                "@background(name='proj.rebuild')\n"
                "def rebuild_index(shard: int) -> None:\n    print(shard)\n"
            ),
            "proj/views.py": (
                "from proj.jobs import rebuild_index\n"
                "def view() -> None:\n    rebuild_index.defer(shard=1)\n"
            ),
            "proj/admin.py": (
                "from proj import queue_setup\n"
                "def act() -> None:\n"
                "    queue_setup.worker_app.configure_task('proj.rebuild').defer(shard=2)\n"
            ),
        },
    )
    assert brief(inventory_of(tmp_path)) == [
        ("procrastinate", "rebuild_index", "background", "proj/jobs.py:3",
         ["proj/admin.py:3", "proj/views.py:3"]),
    ]  # fmt: skip


def test_periodic_below_task_is_reported_by_job107(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "proj/tasks.py": (
                "from procrastinate.contrib.django import app\n"
                "@app.task(queue='maintenance')\n"
                "@app.periodic(cron='0 * * * *')\n"
                "def purge_sessions(timestamp: int) -> None:\n"
                "    print(timestamp)\n"
            ),
        },
    )
    assert [d.code for d in lint_tree(tmp_path) if d.code == "JOB107"] == ["JOB107"]


def test_computed_and_splatted_options(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "proj/tasks.py": (
                "import os\n"
                "import procrastinate\n"
                "app = procrastinate.App(connector=procrastinate.PsycopgConnector())\n"
                "bp = procrastinate.Blueprint()\n"
                "DEFAULTS = {'queue': 'x'}\n"
                "@app.task(queue=os.environ['QUEUE'])\n"
                "def send_a() -> None: ...\n"
                "@bp.task(**DEFAULTS)\n"
                "def send_b() -> None: ...\n"
                "@app.task(name=os.environ['NAME'])\n"
                "def send_c() -> None: ...\n"
            ),
        },
    )
    jobs = {job.name: job for job in analysis_of(tmp_path).jobs}
    assert jobs["send_a"].queue.kind is QueueKind.DYNAMIC
    assert jobs["send_b"].queue.kind is QueueKind.DYNAMIC
    assert jobs["send_c"].registered_name is None
    assert dict(jobs["send_c"].options)["name"] is UNKNOWN


def test_a_changed_dict_is_not_spelled_out(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "proj/tasks.py": (
                "from procrastinate.contrib.django import app\n"
                "@app.task\n"
                "def index_reports(report_ids: list[int], run_id: int = 0) -> None: ...\n"
                "def run(run_id: int | None) -> None:\n"
                "    deferrer = app.configure_task('proj.tasks.index_reports', priority=5)\n"
                "    kwargs = {'report_ids': [1]}\n"
                "    if run_id is not None:\n"
                "        kwargs['run_id'] = run_id\n"
                "    deferrer.defer(**kwargs)\n"
            ),
        },
    )
    [site] = analysis_of(tmp_path).enqueue_sites
    assert site.target == "proj.tasks.index_reports"
    assert not site.arguments_known


def test_annotated_app_and_constant(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "proj/worker.py": (
                "from typing import Final\n"
                "import procrastinate\n"
                "app: Final[procrastinate.App] = procrastinate.App(\n"
                "    connector=procrastinate.PsycopgConnector()\n"
                ")\n"
                "MAIL_QUEUE: Final = 'mail'\n"
                "@app.task(queue=MAIL_QUEUE)\n"
                "def send_receipt(order_id: int) -> None: ...\n"
            ),
        },
    )
    assert brief(inventory_of(tmp_path)) == [
        ("procrastinate", "send_receipt", "mail", "proj/worker.py:8", []),
    ]


@pytest.mark.parametrize("folder", ["proj", "projcopy", "my-proj"])
def test_a_constant_imported_by_the_package_name_is_found_in_a_renamed_folder(
    tmp_path: Path, folder: str
) -> None:
    """The package imports itself as `proj` whatever its folder is called, so
    `proj.settings` is the `settings.py` beside the task."""
    write_tree(
        tmp_path / folder,
        {
            "__init__.py": "",
            "settings.py": "EMAIL_QUEUE = 'emails'\n",
            "app.py": (
                "import procrastinate\n"
                "app = procrastinate.App(connector=procrastinate.PsycopgConnector())\n"
            ),
            "tasks.py": (
                "from proj.app import app\n"
                "from proj.settings import EMAIL_QUEUE\n"
                "@app.task(queue=EMAIL_QUEUE)\n"
                "def send_digest(user_id: int) -> None: ...\n"
            ),
        },
    )
    assert brief(inventory_of(tmp_path / folder)) == [
        ("procrastinate", "send_digest", "emails", "tasks.py:4", []),
    ]
