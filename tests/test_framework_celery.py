"""The Celery frontend: the fixture app's inventory, exactly; the look-alikes, never; and
the details rules read (registered names, options, normalised arguments)."""

from __future__ import annotations

import re
from pathlib import Path

import libcst as cst
from lint_support import REPO, brief, inventory_of, write_tree

from joblint.analysis.celery_settings import Route
from joblint.analysis.model import UNKNOWN, EnqueueSite, JobDefinition, QueueDeclaration, QueueKind
from joblint.config import Settings
from joblint.engine.linter import Analysis, Linter
from joblint.frameworks.celery import OPAQUE_ROUTE, Routing

FIXTURES = REPO / "tests" / "fixtures" / "frameworks"
APP = FIXTURES / "celery"
NEGATIVE = FIXTURES / "celery_negative"


def analyse(root: Path, settings: Settings | None = None) -> Analysis:
    analysis, problems = Linter(settings or Settings(project_root=root)).analyse_paths([root])
    assert problems == []
    return analysis


def celery_jobs(analysis: Analysis) -> dict[str, JobDefinition]:
    return {job.name: job for job in analysis.jobs if job.framework == "celery"}


def sites_at(analysis: Analysis, root: Path, where: str) -> list[EnqueueSite]:
    """The Celery sites at ``file:line``, in column order."""
    filename, line = where.split(":")
    return sorted(
        (
            site
            for site in analysis.enqueue_sites
            if site.framework == "celery"
            and site.path == root / filename
            and site.span.start.line == int(line)
        ),
        key=lambda site: site.span.start.column,
    )


def code(arguments: tuple[cst.Arg, ...]) -> list[str]:
    return [cst.Module([]).code_for_node(arg).rstrip(", ") for arg in arguments]


def options(site: EnqueueSite) -> dict[str, str]:
    return {key: cst.Module([]).code_for_node(value) for key, value in site.options}


def test_fixture_inventory() -> None:
    assert brief(inventory_of(APP)) == [
        ("celery", "ChargeCardTask", "payments", "proj/billing/tasks.py:14",
         ["proj/views.py:50", "proj/views.py:56"]),
        ("celery", "RefundOrderTask", None, "proj/billing/tasks.py:22", ["proj/views.py:51"]),
        ("celery", "ArchiveInvoicesTask", "low", "proj/billing/tasks.py:27", []),
        ("celery", "capture_payment", "payments", "proj/billing/tasks.py:39",
         ["proj/checkout.py:5"]),  # re-exported by the billing package
        ("celery", "ExportLedgerTask", "low", "proj/billing/tasks.py:47",
         ["proj/billing/tasks.py:54"]),
        ("celery", "reconcile_ledger", "low", "proj/billing/tasks.py:53", []),
        ("celery", "debug_task", None, "proj/celery.py:13", []),
        ("celery", "send_digest", "emails", "proj/digest.py:5", []),
        ("celery", "fetch_feed", "feeds", "proj/feeds.py:6", ["proj/feeds.py:17"]),
        ("celery", "prune_feeds", "low", "proj/feeds.py:11", []),
        ("celery", "poll_feeds", "beats", "proj/feeds.py:16", []),
        ("celery", "build_report", "reports", "proj/reports/jobs.py:6",
         ["proj/reports/api.py:5"]),
        ("celery", "add", "math", "proj/tasks.py:9",
         ["proj/views.py:29", "proj/views.py:30", "proj/views.py:31", "proj/views.py:32",
          "proj/views.py:32", "proj/views.py:32", "proj/views.py:33", "proj/views.py:34",
          "proj/views.py:35", "proj/views.py:37", "proj/views.py:38", "proj/views.py:39"]),
        ("celery", "tsum", "math", "proj/tasks.py:14", ["proj/views.py:34", "proj/views.py:58"]),
        ("celery", "send_welcome_email", "emails", "proj/tasks.py:25",
         ["proj/views.py:14", "proj/views.py:15", "proj/views.py:23", "proj/views.py:24",
          "proj/views.py:25", "proj/views.py:55"]),
        ("celery", "refresh_feed", "dynamic", "proj/tasks.py:33", ["proj/views.py:44"]),
        ("celery", "sync_inventory", None, "proj/tasks.py:43", ["proj/views.py:46"]),
    ]  # fmt: skip


def test_negative_fixture_has_no_jobs() -> None:
    assert inventory_of(NEGATIVE) == []
    analysis = analyse(NEGATIVE)
    assert [site for site in analysis.enqueue_sites if site.framework == "celery"] == []


def test_registered_names_and_options() -> None:
    jobs = celery_jobs(analyse(APP))
    assert jobs["send_welcome_email"].registered_name == "proj.send_welcome_email"
    assert jobs["add"].registered_name == "proj.tasks.add"
    assert jobs["ChargeCardTask"].registered_name == "billing.charge_card"
    assert jobs["RefundOrderTask"].registered_name == "proj.billing.tasks.RefundOrderTask"
    assert dict(jobs["send_welcome_email"].options) == {
        "bind": True,
        "queue": "emails",
        "name": "proj.send_welcome_email",
        "max_retries": 3,
        "acks_late": True,
    }
    assert dict(jobs["sync_inventory"].options) == {
        "autoretry_for": (UNKNOWN,),
        "retry_backoff": True,
        "time_limit": 60,
        "soft_time_limit": 50,
    }
    # A preset decorator's options, and a base class's queue, count as the task's own.
    assert dict(jobs["send_digest"].options) == {"queue": "emails", "acks_late": True}
    assert dict(jobs["reconcile_ledger"].options)["queue"] == "low"
    assert jobs["LoggedTask"].is_abstract and not jobs["ChargeCardTask"].is_abstract
    # The task body is what body rules read; the class's `run` for class-based tasks.
    assert jobs["add"].perform is jobs["add"].node
    perform = jobs["ChargeCardTask"].perform
    assert perform is not None and perform.name.value == "run"
    # Where the queue is declared, in the task's own file.
    span = jobs["send_welcome_email"].queue.span
    assert span is not None and span.start.line == 20
    assert jobs["refresh_feed"].queue.span is not None


def test_arguments_are_normalised() -> None:
    analysis = analyse(APP)
    (site,) = sites_at(analysis, APP, "proj/views.py:15")
    assert site.method == "apply_async"
    assert code(site.arguments) == ["user.id", 'locale="fr"']
    assert set(options(site)) == {"queue", "eta", "priority"}
    (site,) = sites_at(analysis, APP, "proj/views.py:23")  # **params of a local dict
    assert code(site.arguments) == ["user.id", 'locale="de"'] and site.arguments_known
    (site,) = sites_at(analysis, APP, "proj/views.py:25")
    assert site.method == "apply_async_on_commit"
    assert code(site.arguments) == ["user.id"] and options(site) == {"countdown": "3"}
    (site,) = sites_at(analysis, APP, "proj/views.py:55")
    assert (site.method, site.target_registered_name) == ("send_task", "proj.send_welcome_email")
    assert site.target == "proj.tasks.send_welcome_email"
    assert code(site.arguments) == ["user.id", 'locale="en"']
    (site,) = sites_at(analysis, APP, "proj/views.py:56")  # positional `args`
    assert code(site.arguments) == ["user.id"] and options(site) == {"countdown": "30"}
    (site,) = sites_at(analysis, APP, "proj/views.py:57")  # no task by that name
    assert site.target is None and site.target_registered_name == "reports.build_report"
    (site,) = sites_at(analysis, APP, "proj/views.py:58")
    assert site.target == "proj.tasks.tsum" and code(site.arguments) == ["[1, 2]"]


def test_synchronous_calls() -> None:
    analysis = analyse(APP)
    (call,) = sites_at(analysis, APP, "proj/views.py:30")
    (apply,) = sites_at(analysis, APP, "proj/views.py:31")
    (delay,) = sites_at(analysis, APP, "proj/views.py:14")
    assert (call.method, call.synchronous, code(call.arguments)) == ("__call__", True, ["1", "2"])
    assert (apply.method, apply.synchronous, code(apply.arguments)) == ("apply", True, ["1", "2"])
    assert not delay.synchronous


def test_signatures() -> None:
    analysis = analyse(APP)
    first, second, third = sites_at(analysis, APP, "proj/views.py:32")  # chain(a, b, c)()
    assert [s.method for s in (first, second, third)] == ["s", "s", "s"]
    # Later links receive the previous result: their arguments are not all written.
    assert [s.arguments_known for s in (first, second, third)] == [True, False, False]
    (member,) = sites_at(analysis, APP, "proj/views.py:33")  # group members
    assert member.arguments_known
    header, body = sites_at(analysis, APP, "proj/views.py:34")  # chord(header)(body)
    assert header.arguments_known and not body.arguments_known
    (immutable,) = sites_at(analysis, APP, "proj/views.py:35")  # stored, but immutable
    assert immutable.method == "si" and immutable.arguments_known
    (chained,) = sites_at(analysis, APP, "proj/views.py:37")  # .s(...).set(...).delay()
    assert code(chained.arguments) == ["1", "1"] and options(chained) == {"countdown": "5"}
    assert chained.arguments_known
    (signature,) = sites_at(analysis, APP, "proj/views.py:38")
    assert code(signature.arguments) == ["2", "2"] and options(signature) == {"countdown": "10"}
    (by_name,) = sites_at(analysis, APP, "proj/views.py:39")
    assert by_name.target_registered_name == "proj.tasks.add"
    assert by_name.target == "proj.tasks.add" and code(by_name.arguments) == ["3", "3"]


def inventory(root: Path, files: dict[str, str], **settings: object) -> list[tuple[object, ...]]:
    write_tree(root, files)
    return brief(inventory_of(root, Settings(project_root=root, **settings)))  # type: ignore[arg-type]


def test_apps_under_other_names_and_through_re_exports(tmp_path: Path) -> None:
    rows = inventory(
        tmp_path,
        {
            "proj/core/queueing.py": (
                "from celery import Celery as Broker\n\n"
                "class ProjectCelery(Broker):\n    pass\n\n"
                'jobs_app = ProjectCelery("proj")\n'
            ),
            "proj/core/__init__.py": "from .queueing import jobs_app as worker\n",
            # Neither file names Celery, nor the app's own name.
            "proj/mail.py": (
                "from proj.core import worker\n\n"
                '@worker.task(queue="mail")\n'
                "def send_receipt(order_id):\n    return order_id\n"
            ),
            "proj/checkout.py": (
                "from proj import mail\n\n"
                "def finish(order):\n    mail.send_receipt.delay(order.id)\n"
            ),
        },
    )
    assert rows == [
        ("celery", "send_receipt", "mail", "proj/mail.py:4", ["proj/checkout.py:4"]),
    ]


def test_current_app_legacy_decorators_and_configured_wrappers(tmp_path: Path) -> None:
    rows = inventory(
        tmp_path,
        {
            "proj/tasks.py": (
                "from celery import current_app\n"
                "from celery.task import task as old_task\n"
                "from proj.deco import job\n\n"
                "@current_app.task\ndef sync_users():\n    pass\n\n"
                "@old_task()\ndef purge_cache():\n    pass\n\n"
                '@job(queue="slow")\ndef rebuild_index():\n    pass\n\n'
                "@current_app.task\ndef notify_admins():\n"
                '    current_app.send_task("proj.tasks.sync_users")\n'
            ),
            # A wrapper joblint cannot see through: the setting names it.
            "proj/deco.py": "from registry import make\n\njob = make('celery')\n",
        },
        task_decorators=(("proj.deco.job", "celery"),),
    )
    assert rows == [
        ("celery", "sync_users", None, "proj/tasks.py:6", ["proj/tasks.py:19"]),
        ("celery", "purge_cache", None, "proj/tasks.py:10", []),
        ("celery", "rebuild_index", "slow", "proj/tasks.py:14", []),
        ("celery", "notify_admins", None, "proj/tasks.py:18", []),
    ]


def test_routes_set_in_code(tmp_path: Path) -> None:
    rows = inventory(
        tmp_path,
        {
            "proj/celery.py": (
                "import re\nfrom celery import Celery\n\n"
                'ROUTES = {"proj.tasks.resize": "images"}\n'
                'app = Celery("proj", task_routes=ROUTES)\n'
                "app.conf.update(task_routes=[ROUTES, {\n"
                '    re.compile(r"proj\\.tasks\\.report_.*"): {"queue": "reports"},\n'
                '    "proj.tasks.*": {"exchange": "default"},\n'
                "}])\n"
            ),
            "proj/tasks.py": (
                "from proj.celery import app\n\n"
                "@app.task\ndef resize(image_id):\n    pass\n\n"
                "@app.task\ndef report_sales():\n    pass\n\n"
                '@app.task(queue="own")\ndef report_stock():\n    pass\n\n'
                "@app.task\ndef ping():\n    pass\n"
            ),
        },
    )
    assert [(row[1], row[2]) for row in rows] == [
        ("resize", "images"),
        ("report_sales", "reports"),
        ("report_stock", "own"),  # its own queue wins
        ("ping", None),  # routed by exchange only: no queue named
    ]


def test_a_router_that_cannot_be_read_makes_queues_dynamic(tmp_path: Path) -> None:
    rows = inventory(
        tmp_path,
        {
            "proj/celeryconfig.py": (
                'task_routes = ({"proj.tasks.a": "q"}, "proj.routers.route_task", {"*": "c"})\n'
            ),
            "proj/tasks.py": (
                "from celery import shared_task\n\n"
                "@shared_task\ndef a():\n    pass\n\n"
                "@shared_task\ndef b():\n    pass\n"
            ),
        },
    )
    # Routers are tried in order: the one that cannot be read comes before `"*"`.
    assert [(row[1], row[2]) for row in rows] == [("a", "q"), ("b", "dynamic")]


def test_the_first_route_that_matches_decides_however_routes_are_looked_up() -> None:
    """A route by name is found by its name (a generated module may route thousands of
    tasks), yet Celery's order still holds: a pattern or a router that cannot be read,
    written before a task's own route, decides for it; of two routes for one name, the
    first does."""

    def static(name: str) -> QueueDeclaration:
        return QueueDeclaration(QueueKind.STATIC, name)

    routing = Routing()
    routing.add(Route("proj.a", static("first")))
    routing.add(Route(re.compile(r"proj\.[ab]"), static("pattern")))
    routing.add(Route("proj.a", static("second")))
    routing.add(Route("proj.b", static("late")))
    routing.add(Route("proj.c", static("own")))
    routing.add(OPAQUE_ROUTE)
    routing.add(Route("proj.d", static("after the router")))
    assert routing.queue_for("proj.a") == static("first")
    assert routing.queue_for("proj.b") == static("pattern")
    assert routing.queue_for("proj.c") == static("own")
    assert routing.queue_for("proj.d") == OPAQUE_ROUTE.queue
    assert routing.queue_for(None) == OPAQUE_ROUTE.queue
    assert Routing().queue_for("proj.a") is None


def test_wrapper_functions_are_followed_one_level_only(tmp_path: Path) -> None:
    rows = inventory(
        tmp_path,
        {
            "proj/celery.py": 'from celery import Celery\n\napp = Celery("proj")\n',
            "proj/deco.py": (
                "from proj.celery import app\n\n"
                "def background(**options):\n"
                '    options.setdefault("queue", "background")\n'
                "    return app.task(**options)\n\n"
                "def twice_removed(**options):\n    return background(**options)\n"
            ),
            "proj/work.py": (
                "from proj.deco import background, twice_removed\n\n"
                "@background()\ndef crunch_numbers():\n    pass\n\n"
                "@twice_removed()\ndef not_followed():\n    pass\n"
            ),
        },
    )
    assert rows == [("celery", "crunch_numbers", None, "proj/work.py:4", [])]


def test_chains_written_as_lists_and_pipes(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "proj/tasks.py": (
                "from celery import chain, shared_task\n\n"
                "@shared_task\ndef add(x, y):\n    return x + y\n\n"
                "def run():\n"
                "    chain([add.s(1, 2), add.s(3)]).delay()\n"
                "    (add.s(1, 2) | add.s(3)).delay()\n"
                "    add.s(1).delay(2)\n"
                "    add.s(1, 2).apply_async(link=add.s(5))\n"
                "    kwargs = {'y': 2}\n"
                "    kwargs['y'] = 3\n"
                "    add.delay(1, **kwargs)\n"
                "    add.apply_async(args, {'y': 1})\n"
            ),
        },
    )
    analysis = analyse(tmp_path)
    found = {
        (site.span.start.line, site.span.start.column): site.arguments_known
        for site in analysis.enqueue_sites
    }
    assert found == {
        (8, 12): True, (8, 25): False,  # chain([first, second])
        (9, 6): True, (9, 20): False,  # first | second
        (10, 5): False,  # the applied arguments come first
        (11, 5): True, (11, 34): False,  # link callback gets the result
        (14, 5): False,  # the dict is changed after it is written
        (15, 5): False,  # `args` is not a literal
    }  # fmt: skip


def test_a_folder_without_init_inside_a_package_is_part_of_the_name(tmp_path: Path) -> None:
    """Python imports ``proj/importers/asana/tasks.py`` as ``proj.importers.asana.tasks``
    even with no ``__init__.py`` in ``asana``: two such tasks are not the same task."""
    task = "from celery import shared_task\n\n@shared_task\ndef import_project(pk):\n    pass\n"
    write_tree(tmp_path, {"proj/importers/api.py": ""})
    for name in ("asana", "jira"):
        (tmp_path / "proj" / "importers" / name).mkdir()
        (tmp_path / "proj" / "importers" / name / "tasks.py").write_text(task)
    (tmp_path / "proj" / "importers" / "api.py").write_text(
        "from .asana import tasks\n\ndef start(pk):\n    tasks.import_project.delay(pk)\n"
    )
    jobs = sorted(
        (job.registered_name, job.qualified_name)
        for job in analyse(tmp_path).jobs
        if job.framework == "celery"
    )
    assert jobs == [
        ("proj.importers.asana.tasks.import_project", "proj.importers.asana.tasks.import_project"),
        ("proj.importers.jira.tasks.import_project", "proj.importers.jira.tasks.import_project"),
    ]
    assert [row[4] for row in brief(inventory_of(tmp_path))] == [["proj/importers/api.py:4"], []]
