"""The Huey frontend: tasks of Huey instances (in any module, under any name), djhuey's
decorators and project wrappers, and the calls that enqueue or run them."""

from __future__ import annotations

import shutil
from pathlib import Path

import libcst as cst
from lint_support import REPO, brief, inventory_of, write_tree

from joblint.config import Settings
from joblint.engine.linter import Analysis, Linter

FIXTURE = REPO / "tests" / "fixtures" / "frameworks" / "huey"
NEGATIVE = REPO / "tests" / "fixtures" / "frameworks" / "huey_negative"


def analysis_of(root: Path, settings: Settings | None = None) -> Analysis:
    analysis, problems = Linter(settings or Settings(project_root=root)).analyse_paths([root])
    assert problems == []
    return analysis


def code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def test_inventory_of_the_huey_fixture() -> None:
    orders = "app/services/orders.py:"
    assert brief(inventory_of(FIXTURE)) == [
        ("huey", "charge_card", None, "app/djtasks.py:9", [orders + "15"]),
        ("huey", "expire_carts", None, "app/djtasks.py:14", []),
        ("huey", "notify_warehouse", None, "app/djtasks.py:19", []),
        ("huey", "refresh_rates", None, "app/djtasks.py:24", []),
        ("huey", "index_order", None, "app/djtasks.py:29", ["app/services/indexing.py:9"]),
        ("huey", "rebuild_index", None, "app/local.py:5", ["app/services/admin.py:6"]),
        (
            "huey", "send_receipt", "shop", "app/tasks.py:7",
            [orders + "12", orders + "13", orders + "14"],
        ),
        ("huey", "backup_database", "shop", "app/tasks.py:12", [orders + "32"]),
        (
            "huey", "generate_report", "shop", "app/tasks.py:18",
            [orders + "23", orders + "28", orders + "33"],
        ),
        ("huey", "make_thumbnail", "shop", "app/tasks.py:23", [orders + "19"]),
        ("huey", "resize_image", "shop", "app/tasks.py:28", [orders + "23"]),
        ("huey", "notify_admins", "shop", "app/wrapped.py:5", ["app/services/admin.py:7"]),
        ("huey", "fetch_exchange_rates", "shop", "app/wrapped.py:10", ["app/services/admin.py:8"]),
    ]  # fmt: skip


def test_enqueue_sites_normalise_arguments_and_options() -> None:
    analysis = analysis_of(FIXTURE)
    rows = []
    for site in sorted(analysis.enqueue_sites, key=lambda s: (str(s.path), s.span.start)):
        arguments = ", ".join(
            (f"{arg.keyword.value}=" if arg.keyword else "") + code(arg.value)
            for arg in site.arguments
        )
        rows.append(
            (
                f"{site.path.name}:{site.span.start.line}",
                site.method,
                site.target.rpartition(".")[2] if site.target else None,
                arguments,
                site.arguments_known,
                site.synchronous,
                [(name, code(value)) for name, value in site.options],
            )
        )
    assert rows == [
        ("admin.py:6", "call", "rebuild_index", "", True, False, []),
        ("admin.py:7", "call", "notify_admins", '"reindexed"', True, False, []),
        ("admin.py:8", "call", "fetch_exchange_rates", "", True, False, []),
        # djhuey's on_commit_task: the call enqueues when the transaction commits
        ("indexing.py:9", "call_on_commit", "index_order", "order.id", True, False, []),
        ("orders.py:12", "call", "send_receipt", "order.id, email=order.email", True, False, []),
        ("orders.py:13", "schedule", "send_receipt", "order.id", True, False, [("delay", "60")]),
        (
            "orders.py:14", "schedule", "send_receipt", "order.id, email=order.email", True,
            False, [("eta", "order.ship_at")],
        ),
        ("orders.py:15", "call", "charge_card", "order.id", True, False, []),
        ("orders.py:19", "s", "make_thumbnail", "image_id, 64", True, False, []),
        # `.then(task)`: the pipeline adds the parent's result to the arguments
        ("orders.py:23", "then", "generate_report", "", False, False, []),
        ("orders.py:23", "s", "resize_image", "image_id, 128", True, False, []),
        ("orders.py:28", "call_local", "generate_report", "report_id", True, True, []),
        (
            "orders.py:32", "schedule", "backup_database", "", True, False,
            [("delay", "timedelta(minutes=5)")],
        ),
        ("orders.py:33", "s", "generate_report", "report_id", True, False, [("priority", "10")]),
    ]  # fmt: skip


def test_tasks_carry_options_and_registered_names() -> None:
    jobs = {job.name: job for job in analysis_of(FIXTURE).jobs}
    assert jobs["send_receipt"].options == (("retries", 3), ("retry_delay", 10), ("priority", 5))
    assert jobs["send_receipt"].registered_name == "app.tasks.send_receipt"
    assert jobs["make_thumbnail"].registered_name == "app.tasks.thumbnails.make"
    assert ("lock_task", "reports-lock") in jobs["generate_report"].options
    assert jobs["charge_card"].options == (("retries", 2),)
    assert jobs["index_order"].options == (("on_commit", True),)
    assert all(job.perform is job.node and not job.is_class for job in jobs.values())
    # the decorator that makes the task, for the decorator-order rule
    report = jobs["generate_report"]
    assert report.decorator is not None
    assert code(report.decorator.decorator) == "huey.task()"
    assert code(jobs["notify_admins"].decorator.decorator) == "task()"  # type: ignore[union-attr]


def test_negative_fixture_is_read_and_yields_nothing() -> None:
    analysis = analysis_of(NEGATIVE)
    parsed = {module.path.name for module in analysis.modules}
    assert {"loadtest.py", "calendar.py"} <= parsed  # read, not skipped
    assert inventory_of(NEGATIVE) == []
    assert [site for site in analysis.enqueue_sites if site.framework == "huey"] == []


def test_lookalikes_stay_silent_beside_a_real_task(tmp_path: Path) -> None:
    """With a Huey task in the project, the look-alikes' `schedule`, `s`, `call_local` and
    calls of local functions are still no enqueue sites."""
    shutil.copytree(NEGATIVE, tmp_path, dirs_exist_ok=True)
    write_tree(
        tmp_path,
        {
            "lookalikes/real.py": (
                "from huey import MemoryHuey\n\n"
                'huey_app = MemoryHuey("real")\n\n'
                "@huey_app.task()\ndef rotate_keys():\n    return None\n\n"
                "def run():\n    rotate_keys()\n"
            ),
        },
    )
    assert brief(inventory_of(tmp_path)) == [
        ("huey", "rotate_keys", "real", "lookalikes/real.py:6", ["lookalikes/real.py:10"]),
    ]
    sites = analysis_of(tmp_path).enqueue_sites
    assert [site.path.name for site in sites if site.framework == "huey"] == ["real.py"]


def test_computed_instance_name_is_no_queue_and_setting_decorators_count(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "proj/settings.py": 'NAME = "proj"\n',
            "proj/broker.py": (
                "from huey import PriorityRedisHuey\nfrom proj import settings\n\n"
                "broker = PriorityRedisHuey(settings.NAME)\n"
            ),
            "proj/deco.py": "def job(fn):\n    return fn\n",
            "proj/work.py": (
                "from proj.broker import broker\nfrom proj.deco import job\n\n"
                "@broker.task(priority=9)\ndef crunch_numbers(n):\n    return n\n\n"
                "@job\ndef tidy_files():\n    return None\n\n"
                "@broker.task\ndef not_called():\n    return None\n"
            ),
        },
    )
    assert brief(inventory_of(tmp_path)) == [
        ("huey", "crunch_numbers", None, "proj/work.py:5", []),
    ]
    settings = Settings(project_root=tmp_path, task_decorators=(("proj.deco.job", "huey"),))
    names = [job.name for job in analysis_of(tmp_path, settings).jobs]
    assert names == ["crunch_numbers", "tidy_files"]
