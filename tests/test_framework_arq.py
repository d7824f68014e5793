"""The arq frontend: coroutines listed by worker settings classes in any module, and
``enqueue_job("name", ...)`` resolved by registered name."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
from lint_support import REPO, brief, inventory_of, write_tree

from joblint.config import Settings
from joblint.engine.linter import Analysis, Linter

FIXTURE = REPO / "tests" / "fixtures" / "frameworks" / "arq"
NEGATIVE = REPO / "tests" / "fixtures" / "frameworks" / "arq_negative"


def analysis_of(root: Path) -> Analysis:
    analysis, problems = Linter(Settings(project_root=root)).analyse_paths([root])
    assert problems == []
    return analysis


def code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def site_rows(analysis: Analysis) -> list[tuple[object, ...]]:
    rows = []
    for site in sorted(analysis.enqueue_sites, key=lambda s: (str(s.path), s.span.start)):
        if site.framework != "arq":
            continue
        arguments = ", ".join(
            (f"{arg.keyword.value}=" if arg.keyword else "") + code(arg.value)
            for arg in site.arguments
        )
        rows.append(
            (
                f"{site.path.name}:{site.span.start.line}",
                site.target.rpartition(".")[2] if site.target else None,
                site.target_registered_name,
                arguments,
                site.arguments_known,
                [(name, code(value)) for name, value in site.options],
            )
        )
    return rows


def test_inventory_of_the_arq_fixture() -> None:
    api = "app/api.py:"
    assert brief(inventory_of(FIXTURE)) == [
        ("arq", "charge_customer", "arq:high", "app/jobs/billing.py:1", [api + "17", api + "19"]),
        ("arq", "send_invoice", "dynamic", "app/jobs/billing.py:5", [api + "27"]),
        ("arq", "download_content", "arq:high", "app/jobs/content.py:7", [api + "11"]),
        (
            "arq", "resize_avatar", "arq:high", "app/jobs/content.py:14",
            [api + "12", "app/jobs/content.py:10"],
        ),
        ("arq", "fan_out", "arq:high", "app/jobs/content.py:22", []),
        ("arq", "build_daily_report", "arq:high", "app/jobs/reports.py:1", []),
        ("arq", "archive_reports", "arq:high", "app/jobs/reports.py:5", [api + "20"]),
    ]  # fmt: skip


def test_registered_names_and_options() -> None:
    jobs = {job.name: job for job in analysis_of(FIXTURE).jobs}
    assert {name: job.registered_name for name, job in jobs.items()} == {
        "charge_customer": "charge",
        "send_invoice": "send_invoice",
        "download_content": "download_content",
        "resize_avatar": "resize_avatar",
        "fan_out": "fan_out",
        "build_daily_report": "cron:build_daily_report",
        "archive_reports": "app.jobs.reports.archive_reports",
    }
    assert dict(jobs["charge_customer"].options) == {
        "name": "charge",
        "max_tries": 3,
        "timeout": 30,
    }
    assert dict(jobs["build_daily_report"].options) == {"hour": (3,), "minute": 0}
    assert all(job.perform is job.node for job in jobs.values())
    assert "helper_not_listed" not in jobs


def test_enqueue_sites_split_options_from_arguments() -> None:
    assert site_rows(analysis_of(FIXTURE)) == [
        (
            "api.py:11", "download_content", "download_content", "url", True,
            [("_defer_by", "timedelta(seconds=10)")],
        ),
        (
            "api.py:12", "resize_avatar", "resize_avatar", "user.id, size=256", True,
            [("_queue_name", '"arq:high"')],
        ),
        # An ArqRedis from create_pool: a site even though the name matches no job.
        ("api.py:13", None, "unknown_job", "user.id", True, []),
        (
            "api.py:17", "charge_customer", "charge", "customer.id, amount", True,
            [("_job_id", 'f"charge-{customer.id}"')],
        ),
        (
            "api.py:19", "charge_customer", "charge", "customer.id, amount=amount", True,
            [("_defer_until", "datetime.now(UTC)")],
        ),
        (
            "api.py:20", "archive_reports", "app.jobs.reports.archive_reports", "days=30", True,
            [("_expires", "timedelta(days=1)")],
        ),
        ("api.py:27", "send_invoice", "send_invoice", "invoice_id", True, []),
        # A parameter annotated ArqRedis, with a computed name and unknown arguments.
        ("api.py:31", None, None, "", False, []),
        ("content.py:10", "resize_avatar", "resize_avatar", "1, size=64", True, []),
        # ctx["redis"] inside a job is the worker's ArqRedis.
        ("content.py:24", None, None, "", True, []),
    ]  # fmt: skip


def test_nothing_in_the_negative_fixture() -> None:
    assert inventory_of(NEGATIVE) == []
    assert site_rows(analysis_of(NEGATIVE)) == []


def test_workers_that_disagree_on_the_queue_make_it_dynamic(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "svc/jobs.py": "async def reindex_catalog(ctx):\n    ...\n",
            "svc/workers.py": (
                "from svc.jobs import reindex_catalog\n"
                "class FastWorkerSettings:\n"
                "    functions = [reindex_catalog]\n"
                "    queue_name = 'fast'\n"
                "class SlowWorkerSettings:\n"
                "    functions = [reindex_catalog]\n"
                "    queue_name = 'slow'\n"
            ),
        },
    )
    assert brief(inventory_of(tmp_path)) == [
        ("arq", "reindex_catalog", "dynamic", "svc/jobs.py:1", []),
    ]


def test_a_queue_declared_beside_the_job_keeps_its_span(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "svc/worker.py": (
                "from arq.connections import RedisSettings\n"
                "async def reindex_catalog(ctx):\n"
                "    ...\n"
                "class Settings:\n"
                "    functions = [reindex_catalog]\n"
                "    queue_name = 'catalog'\n"
                "    redis_settings = RedisSettings()\n"
            ),
        },
    )
    [job] = analysis_of(tmp_path).jobs
    assert job.queue.name == "catalog"
    assert job.queue.span is not None and job.queue.span.start.line == 6


def test_a_name_two_worker_apps_register_means_the_one_in_the_same_module(
    tmp_path: Path,
) -> None:
    """arq registers by ``__qualname__`` per worker, so two small services in one tree may
    both have ``the_task``: the one defined beside the enqueue is the one meant; from a
    third module the name stays ambiguous and the site has no target."""
    service = (
        "from arq import create_pool\n\n"
        "async def the_task(ctx):\n    pass\n\n"
        "async def main():\n    redis = await create_pool()\n"
        "    await redis.enqueue_job('the_task')\n\n"
        "class WorkerSettings:\n    functions = [the_task]\n"
    )
    client = (
        "from arq import create_pool\n\n"
        "async def main():\n    redis = await create_pool()\n"
        "    await redis.enqueue_job('the_task')\n"
    )
    write_tree(tmp_path, {"one.py": service, "two.py": service, "client.py": client})
    targets = {(site.path.name, site.target) for site in analysis_of(tmp_path).enqueue_sites}
    assert targets == {
        ("one.py", "one.the_task"),
        ("two.py", "two.the_task"),
        ("client.py", None),
    }
