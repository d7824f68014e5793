"""The Dramatiq frontend: actors (decorated functions, project wrappers followed one level,
``GenericActor`` classes) and the calls that send, build or run them."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
from lint_support import REPO, brief, inventory_of, write_tree

from joblint.config import Settings
from joblint.engine.linter import Analysis, Linter

FIXTURE = REPO / "tests" / "fixtures" / "frameworks" / "dramatiq"
NEGATIVE = REPO / "tests" / "fixtures" / "frameworks" / "dramatiq_negative"


def analysis_of(root: Path, settings: Settings | None = None) -> Analysis:
    analysis, problems = Linter(settings or Settings(project_root=root)).analyse_paths([root])
    assert problems == []
    return analysis


def code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def site_rows(analysis: Analysis) -> list[tuple[object, ...]]:
    rows = []
    for site in sorted(analysis.enqueue_sites, key=lambda s: (str(s.path), s.span.start)):
        if site.framework != "dramatiq":
            continue
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
    return rows


def test_inventory_of_the_dramatiq_fixture() -> None:
    orders = "shop/services/orders.py:"
    inline = "shop/services/inline.py:"
    assert brief(inventory_of(FIXTURE)) == [
        (
            "dramatiq", "count_words", None, "shop/actors.py:13",
            [inline + "8", orders + "26", orders + "29"],
        ),
        (
            "dramatiq", "send_welcome_email", "emails", "shop/actors.py:18",
            [orders + "14", orders + "15", orders + "30", orders + "40"],
        ),
        (
            "dramatiq", "resize_image", "dynamic", "shop/actors.py:23",
            [orders + "16", orders + "18", orders + "37"],
        ),
        ("dramatiq", "sync_inventory", None, "shop/actors.py:28", [inline + "12"]),
        ("dramatiq", "charge_card", "payments", "shop/actors.py:36", [orders + "19"]),
        (
            "dramatiq", "notify_followers", "notifications", "shop/notifications.py:7",
            [orders + "20"],
        ),
        ("dramatiq", "refresh_feed", None, "shop/notifications.py:12", [inline + "9"]),
        ("dramatiq", "ping_partner", "fast", "shop/notifications.py:17", [inline + "10"]),
        ("dramatiq", "send_digest", "mail", "shop/notifications.py:22", [inline + "11"]),
        ("dramatiq", "BuildSalesReport", "reports", "shop/reports/builders.py:6", [orders + "21"]),
        (
            "dramatiq", "ExportLedger", "exports", "shop/reports/builders.py:11",
            [orders + "22", orders + "38"],
        ),
    ]  # fmt: skip


def test_registered_names_options_and_abstract_bases() -> None:
    jobs = {job.name: job for job in analysis_of(FIXTURE).jobs}
    assert {name: job.registered_name for name, job in jobs.items()} == {
        "count_words": "count_words",
        "send_welcome_email": "send_welcome_email",
        "resize_image": "shop.resize",
        "sync_inventory": "sync_inventory",
        "charge_card": "charge_card_now",  # Dramatiq registers the function's name
        "notify_followers": "notify_followers",
        "refresh_feed": "refresh_feed",
        "ping_partner": "ping_partner",
        "send_digest": "send_digest",
        "BaseReport": "BaseReport",
        "BuildSalesReport": "BuildSalesReport",
        "ExportLedger": "ledger.export",
    }
    assert jobs["BaseReport"].is_abstract
    assert not jobs["BuildSalesReport"].is_abstract
    assert dict(jobs["send_welcome_email"].options) == {
        "queue_name": "emails",
        "max_retries": 3,
        "min_backoff": 1000,
        "time_limit": 60_000,
    }
    # The wrapper's partial adds its options; the inherited Meta gives the base's.
    assert dict(jobs["send_digest"].options) == {"queue_name": "mail", "max_retries": 1}
    assert dict(jobs["BuildSalesReport"].options) == {"queue_name": "reports", "max_retries": 20}
    assert jobs["ExportLedger"].perform is not None
    assert jobs["BuildSalesReport"].perform is None  # inherited from the base
    assert jobs["charge_card"].perform is not None
    assert jobs["charge_card"].perform.name.value == "charge_card_now"
    # A queue declared in this file has a span there; one inherited from another file not.
    assert jobs["send_welcome_email"].queue.span is not None
    assert jobs["BuildSalesReport"].queue.span is None


def test_enqueue_sites_normalise_arguments_and_options() -> None:
    assert site_rows(analysis_of(FIXTURE)) == [
        ("inline.py:8", "__call__", "count_words", '"one two"', True, True, []),
        ("inline.py:9", "fn", "refresh_feed", "user.id", True, True, []),
        ("inline.py:10", "send", "ping_partner", "user.partner_id", True, False, []),
        ("inline.py:11", "send", "send_digest", "user.id, weekly=False", True, False, []),
        ("inline.py:12", "send", "sync_inventory", "3", True, False, []),
        ("orders.py:14", "send", "send_welcome_email", "user.id", True, False, []),
        (
            "orders.py:15", "send_with_options", "send_welcome_email", 'user.id, locale="fr"',
            True, False, [("delay", "60_000")],
        ),
        (
            "orders.py:16", "send", "resize_image", "order.image_id, 200, height=100", True,
            False, [],
        ),
        (
            "orders.py:18", "send", "resize_image", "order.image_id, width=640, height=480",
            True, False, [],
        ),
        (
            "orders.py:19", "send_with_options", "charge_card", "order.id, order.total", True,
            False, [("max_retries", "0")],
        ),
        ("orders.py:20", "send", "notify_followers", "user.id, post_id=order.id", True, False, []),
        (
            "orders.py:21", "send_with_options", "BuildSalesReport", "order.report_id", True,
            False, [("delay", "timedelta(minutes=5)")],
        ),
        ("orders.py:22", "send", "ExportLedger", 'order.ledger_id, fmt="xlsx"', True, False, []),
        ("orders.py:26", "message", "count_words", "url", True, False, []),
        ("orders.py:29", "message", "count_words", '"https://example.com"', True, False, []),
        (
            "orders.py:30", "message_with_options", "send_welcome_email", "1", True, False,
            [("on_success", "count_words")],
        ),
        ("orders.py:37", "send", "resize_image", "1, 2, 3", True, False, []),
        ("orders.py:38", "send", "ExportLedger", "7", True, False, []),
        (
            "orders.py:40", "Message", "send_welcome_email", "5", True, False,
            [("queue_name", '"emails"'), ("options", "{}")],
        ),
    ]  # fmt: skip


def test_sites_by_name_keep_the_name_written() -> None:
    sites = [s for s in analysis_of(FIXTURE).enqueue_sites if s.target_registered_name]
    assert sorted(s.target_registered_name or "" for s in sites) == [
        "ledger.export",
        "send_welcome_email",
        "shop.resize",
    ]


def test_nothing_in_the_negative_fixture() -> None:
    assert inventory_of(NEGATIVE) == []
    assert site_rows(analysis_of(NEGATIVE)) == []


def test_the_task_decorators_setting_names_more_wrappers(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "proj/background.py": (
                "from proj.registry import register\n"
                "def background(fn=None, **options):\n"
                "    return register(fn, **options)\n"
            ),
            "proj/registry.py": "import dramatiq\n\ndef register(fn, **options):\n    ...\n",
            "proj/tasks.py": (
                "from proj.background import background\n"
                "@background(queue_name='slow')\n"
                "def rebuild_search_index(batch):\n"
                "    ...\n"
            ),
        },
    )
    assert inventory_of(tmp_path) == []  # nothing shows the wrapper applies dramatiq.actor
    settings = Settings(
        project_root=tmp_path, task_decorators=(("proj.background.background", "dramatiq"),)
    )
    assert brief(inventory_of(tmp_path, settings)) == [
        ("dramatiq", "rebuild_search_index", "slow", "proj/tasks.py:3", []),
    ]


def test_wrappers_are_followed_one_level_only(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "proj/actors.py": (
                "import dramatiq\n"
                "def actor(fn):\n"
                "    return dramatiq.actor(fn, queue_name='work')\n"
                "def traced_actor(fn):\n"
                "    return actor(fn)\n"
            ),
            "proj/jobs.py": (
                "from proj.actors import actor, traced_actor\n"
                "@actor\n"
                "def import_orders(day):\n"
                "    ...\n"
                "@traced_actor\n"
                "def export_orders(day):\n"
                "    ...\n"
            ),
        },
    )
    assert brief(inventory_of(tmp_path)) == [
        ("dramatiq", "import_orders", "work", "proj/jobs.py:3", []),
    ]


def test_arguments_of_a_changed_local_are_unknown(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "proj/jobs.py": (
                "import dramatiq\n@dramatiq.actor\ndef sync_user(user_id, full=False):\n    ...\n"
            ),
            "proj/views.py": (
                "from proj.jobs import sync_user\n"
                "def once(user):\n"
                "    options = {'full': True}\n"
                "    sync_user.send(user.id, **options)\n"
                "def changed(user):\n"
                "    options = {'full': True}\n"
                "    options['extra'] = 1\n"
                "    sync_user.send(user.id, **options)\n"
                "def given(user, args):\n"
                "    sync_user.send_with_options(args=args, delay=10)\n"
            ),
        },
    )
    assert site_rows(analysis_of(tmp_path)) == [
        ("views.py:4", "send", "sync_user", "user.id, full=True", True, False, []),
        ("views.py:8", "send", "sync_user", "user.id", False, False, []),
        ("views.py:10", "send_with_options", "sync_user", "", False, False, [("delay", "10")]),
    ]


def test_a_star_options_splat_makes_the_queue_dynamic(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "proj/jobs.py": (
                "import dramatiq\n"
                "OPTIONS = {'queue_name': 'low'}\n"
                "@dramatiq.actor(**OPTIONS)\n"
                "def prune_sessions():\n"
                "    ...\n"
            ),
        },
    )
    assert brief(inventory_of(tmp_path)) == [
        ("dramatiq", "prune_sessions", "dynamic", "proj/jobs.py:4", []),
    ]
