"""RQ and Huey read other modules through their exports (issue 17): what a module tells
the frontend of itself is plain data, picklable, worked out from its own tree; a queue
object, a wrapper of the decorator, a Huey instance or a re-export in another module is
still followed, and the answers are the same through an index where no other module's
tree can be reached."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import libcst as cst
from lint_support import REPO, brief, inventory_of, write_tree
from test_frontend_locality import frontend_answers

from joblint.config import Settings
from joblint.engine.linter import Linter
from joblint.frameworks import huey, rq, shared
from joblint.frameworks.shared import Invocation, Reference, Text
from joblint.parse.parsing import ParsedModule, parse
from joblint.parse.source import SourceFile

RQ_FIXTURE = REPO / "tests" / "fixtures" / "frameworks" / "rq"
HUEY_FIXTURE = REPO / "tests" / "fixtures" / "frameworks" / "huey"


def parsed_module(path: str, module_name: str, code: str) -> ParsedModule:
    found = parse(
        SourceFile(Path(path), code.encode(), code, "utf-8"),
        (module_name, module_name.rpartition(".")[0]),
    )
    assert isinstance(found, ParsedModule)
    return found


def plain_parts(value: object) -> list[object]:
    """Every part of ``value``, through dataclasses, tuples and frozensets."""
    found = [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            found.extend(plain_parts(getattr(value, item.name)))
    elif isinstance(value, tuple | frozenset):
        for item in value:
            found.extend(plain_parts(item))
    return found


def assert_read_locally(root: Path, framework: str) -> None:
    """The frontend finds the same jobs and sites in each module through an index where no
    other module's tree can be reached (``tests/test_frontend_locality.py``)."""
    settings = Settings(project_root=root)
    normal = frontend_answers(root, settings, local=False)[framework]
    assert normal and not isinstance(normal, str)
    assert frontend_answers(root, settings, local=True)[framework] == normal


def exports_of(root: Path, framework: str, kind: type[object]) -> list[object]:
    analysis, problems = Linter(Settings(project_root=root)).analyse_paths([root])
    assert problems == []
    return analysis.index.exports_of(framework, kind)  # type: ignore[no-any-return]


def test_exports_are_plain_data_that_pickles() -> None:
    for root, framework, kind in (
        (RQ_FIXTURE, "rq", rq.RqExport),
        (HUEY_FIXTURE, "huey", huey.HueyExport),
    ):
        exports = exports_of(root, framework, kind)
        assert exports
        for exported in exports:
            assert pickle.loads(pickle.dumps(exported)) == exported
            leaves = [
                part
                for part in plain_parts(exported)
                if not dataclasses.is_dataclass(part) and not isinstance(part, tuple | frozenset)
            ]
            assert all(isinstance(leaf, str | int | bool | Path | None) for leaf in leaves), [
                type(leaf) for leaf in leaves
            ]


def test_the_rq_fixture_exports_its_queues_calls_and_wrappers() -> None:
    exports = {
        export.bindings.module_name: export
        for export in exports_of(RQ_FIXTURE, "rq", rq.RqExport)
        if isinstance(export, rq.RqExport)
    }
    queues = dict(exports["shop.queues"].bindings.values)
    [low] = queues["shop.queues.low"]
    assert isinstance(low, Invocation)
    assert low.callee.name == "rq.Queue"
    assert low.arguments[0].value == Text(None, "low")
    calls = exports["shop.services.checkout"].calls
    assert ("enqueue", "shop.queues.low") in {
        (call.method, call.receiver.name) for call in calls if call.receiver is not None
    }
    assert Text(None, "shop.tasks.rebuild_search_index") in {call.target for call in calls}
    wrappers = exports["shop.wrappers"]
    assert ("background", "shop.wrappers.background") in wrappers.wrappers
    assert [name for name, _ in wrappers.bindings.functions] == ["shop.wrappers.background"]
    # A module that only defines enqueued functions tells nothing but where it is.
    tasks = exports["shop.tasks"]
    assert (tasks.calls, tasks.wrappers, tasks.bindings.values) == ((), (), ())


def test_a_module_naming_neither_framework_is_not_walked_for_its_export() -> None:
    parsed = parsed_module(
        "/project/app/helpers.py",
        "app.helpers",
        "from app.tasks import send as send_now\n\nlimit = compute()\n\n"
        "def later():\n    window = compute()\n    return window\n",
    )
    for exported in (rq.export(parsed), huey.export(parsed)):
        assert exported.bindings.imports == (("app.helpers.send_now", "app.tasks.send"),)
        assert (exported.bindings.values, exported.bindings.functions) == ((), ())
    assert parsed not in shared._BINDINGS  # no walk for the bindings


def test_a_queue_only_its_own_function_binds_is_exported_with_the_call() -> None:
    parsed = parsed_module(
        "/project/app/work.py",
        "app.work",
        "from app.connection import Queue\n\n"
        "def run():\n"
        '    queue = Queue("low")\n'
        "    queue.enqueue(crunch)\n"
        "    crunch.delay()\n",
    )
    exported = rq.export(parsed)
    assert [call.method for call in exported.calls] == ["enqueue", "delay"]
    [(name, [value])] = exported.bindings.values
    assert name == "app.work.run.<locals>.queue"
    assert isinstance(value, Invocation)
    assert value.callee == Reference("app.connection.Queue", identifier="Queue")


def test_rq_follows_queues_wrappers_aliases_and_re_exports_into_other_modules(
    tmp_path: Path,
) -> None:
    write_tree(
        tmp_path,
        {
            "proj/base.py": (
                "from rq import Queue as RQueue\n\n"
                "class AppQueue(RQueue):\n    pass\n\n"
                "Queue = AppQueue\n"
                'low = Queue("low")\n'
            ),
            "proj/wrappers.py": (
                "import functools\n\nfrom rq.decorators import job\n\n"
                "from proj.base import Queue\n\n"
                'urgent = functools.partial(job, "urgent")\n\n\n'
                'def background(queue="default", **options):\n'
                "    return job(queue, **options)\n\n\n"
                "def nightly(**options):\n"
                '    batch = Queue("nightly")\n'
                "    return job(batch, **options)\n"
            ),
            "proj/reports.py": (
                "def build(report_id):\n    return report_id\n\n\ndef count(n):\n    return n\n"
            ),
            "proj/__init__.py": "from proj.reports import build as build\n",
            "proj/jobs.py": (
                "from proj.wrappers import background, nightly, urgent\n\n\n"
                '@background("slow")\ndef crunch(n):\n    return n\n\n\n'
                "@background()\ndef tidy():\n    return None\n\n\n"
                "@urgent()\ndef page(user_id):\n    return user_id\n\n\n"
                "@nightly()\ndef archive():\n    return None\n"
            ),
            "proj/work.py": (
                "from proj import build\n"
                "from proj.base import Queue, low\n"
                "from proj.jobs import crunch, page\n"
                "from proj.reports import count\n\n\n"
                "def run(report_id):\n"
                "    low.enqueue(build, report_id)\n"
                '    Queue("counts").enqueue(count, 1)\n'
                "    crunch.delay(1)\n"
                "    page.delay(2)\n"
            ),
        },
    )
    assert brief(inventory_of(tmp_path)) == [
        ("rq", "crunch", "slow", "proj/jobs.py:5", ["proj/work.py:10"]),
        ("rq", "tidy", "default", "proj/jobs.py:10", []),
        ("rq", "page", "urgent", "proj/jobs.py:15", ["proj/work.py:11"]),
        ("rq", "archive", "nightly", "proj/jobs.py:20", []),
        ("rq", "build", "low", "proj/reports.py:1", ["proj/work.py:8"]),
        ("rq", "count", "counts", "proj/reports.py:5", ["proj/work.py:9"]),
    ]
    assert_read_locally(tmp_path, "rq")


def test_huey_follows_instances_aliases_and_wrappers_into_other_modules(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "proj/config.py": 'from huey import RedisHuey\n\nhuey = RedisHuey("shop")\n',
            "proj/queueing.py": "from proj.config import huey\n\nqueue_app = huey\n",
            "proj/wrappers.py": (
                "import functools\n\nfrom huey import SqliteHuey\n\n"
                "from proj.config import huey\n\n"
                "retrying = functools.partial(huey.task, retries=3)\n\n\n"
                "def task(**options):\n    return huey.task(**options)\n\n\n"
                "def local_task(**options):\n"
                '    local = SqliteHuey("local")\n'
                "    return local.task(**options)\n"
            ),
            "proj/tasks.py": (
                "from proj.queueing import queue_app\n"
                "from proj.wrappers import local_task, retrying, task\n\n\n"
                "@queue_app.task()\ndef send(order_id):\n    return order_id\n\n\n"
                "@retrying()\ndef charge(order_id):\n    return order_id\n\n\n"
                "@task()\ndef notify(order_id):\n    return order_id\n\n\n"
                "@local_task()\ndef index(order_id):\n    return order_id\n"
            ),
            "proj/views.py": (
                "from proj.tasks import charge, index, notify, send\n\n\n"
                "def checkout(order):\n"
                "    send(order.id)\n"
                "    charge.schedule((order.id,), delay=60)\n"
                "    notify.s(order.id)\n"
                "    index(order.id)\n"
            ),
        },
    )
    assert brief(inventory_of(tmp_path)) == [
        ("huey", "send", "shop", "proj/tasks.py:6", ["proj/views.py:5"]),
        ("huey", "charge", "shop", "proj/tasks.py:11", ["proj/views.py:6"]),
        ("huey", "notify", "shop", "proj/tasks.py:16", ["proj/views.py:7"]),
        ("huey", "index", "local", "proj/tasks.py:21", ["proj/views.py:8"]),
    ]
    assert_read_locally(tmp_path, "huey")


def test_a_site_keeps_its_queue_option_where_the_queue_is_written(tmp_path: Path) -> None:
    """The queue named in the module of the site is its ``queue`` option, as written
    there; one named in another module is not (its node is another module's)."""
    write_tree(
        tmp_path,
        {
            "proj/queues.py": 'from rq import Queue\n\nshared = Queue("shared")\n',
            "proj/work.py": (
                "from rq import Queue\n\nfrom proj.queues import shared\n\n\n"
                "def crunch(n):\n    return n\n\n\n"
                "def run():\n"
                '    queue = Queue("own")\n'
                "    queue.enqueue(crunch, 1)\n"
                "    shared.enqueue(crunch, 2)\n"
            ),
        },
    )
    analysis, _ = Linter(Settings(project_root=tmp_path)).analyse_paths([tmp_path])
    options = [
        [(name, cst.Module([]).code_for_node(value)) for name, value in site.options]
        for site in analysis.enqueue_sites
    ]
    assert options == [[("queue", '"own"')], []]
