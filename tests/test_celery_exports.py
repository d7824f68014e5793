"""What a module tells the Celery frontend of itself (``celery.export``), and the project
the frontend puts together from those exports alone (issue 17): wrappers of the task
decorator, base task classes and task routes found in a module other than the task's."""

from __future__ import annotations

import fnmatch
import pickle
import re
from pathlib import Path

from lint_support import brief, inventory_of, write_tree

from joblint.analysis.celery_settings import Route
from joblint.analysis.model import NO_QUEUE, UNKNOWN, QueueDeclaration, QueueKind
from joblint.config import Settings
from joblint.frameworks import celery
from joblint.frameworks.celery import (
    CeleryModuleExport,
    DecoratorCall,
    KeywordValue,
    PlainValue,
    RouteSetting,
)
from joblint.parse.parsing import ParsedModule, parse
from joblint.parse.source import SourceFile


def parsed_module(path: str, code: str) -> ParsedModule:
    """``code`` parsed as the module at ``path`` (``proj/deco.py`` is ``proj.deco``)."""
    module_name = path.removesuffix(".py").replace("/", ".")
    parsed = parse(
        SourceFile(Path(path), code.encode(), code, "utf-8"),
        (module_name, module_name.rpartition(".")[0]),
    )
    assert isinstance(parsed, ParsedModule)
    return parsed


def exported(path: str, code: str) -> CeleryModuleExport:
    found = celery.export(parsed_module(path, code))
    assert found is not None
    return found


def static(name: str) -> QueueDeclaration:
    return QueueDeclaration(QueueKind.STATIC, name)


DECO = (
    "import functools\n"
    "from celery import shared_task\n"
    "from proj.celery import app\n"
    "from proj.celery import app as worker\n\n"
    "task = app.task\n"
    'low_task = app.task(queue="low", max_retries=3)\n'
    'email_task = functools.partial(shared_task, queue="emails")\n\n'
    "def background(**options):\n"
    '    options.setdefault("queue", "background")\n'
    '    return app.task(serializer="json", **options)\n\n'
    "@functools.cache\n"
    "def cached():\n    return 1\n"
)


def test_an_export_pickles_and_comes_back_equal() -> None:
    """An export crosses processes: plain data, no node of the tree it came from."""
    export = exported("proj/deco.py", DECO)
    assert pickle.loads(pickle.dumps(export)) == export
    routes = exported(
        "proj/celeryconfig.py",
        'import re\ntask_routes = {"proj.a": "q", re.compile(r"proj\\.b.*"): {"queue": "b"}}\n',
    )
    assert pickle.loads(pickle.dumps(routes)) == routes


def test_the_export_holds_wrappers_aliases_and_partials_resolved_in_their_module() -> None:
    export = exported("proj/deco.py", DECO)
    assert export.path == Path("proj/deco.py")
    assert export.re_exports == (
        ("proj.deco.shared_task", "celery.shared_task"),
        ("proj.deco.app", "proj.celery.app"),
        ("proj.deco.worker", "proj.celery.app"),
    )
    values = dict(export.values)
    assert values["proj.deco.task"] == PlainValue(reference="proj.celery.app.task")
    assert values["proj.deco.low_task"].call == DecoratorCall(
        "proj.celery.app.task",
        (("queue", KeywordValue("low")), ("max_retries", KeywordValue(3))),
    )
    # The partial applies its first argument, with the keywords that follow it.
    assert values["proj.deco.email_task"].call == DecoratorCall(
        "celery.shared_task", (("queue", KeywordValue("emails")),)
    )
    functions = dict(export.functions)
    # Every call of a module-level function's body, in order: which one is a task
    # decorator is for the project to say.
    assert functions["background"] == (
        DecoratorCall("proj.deco.background.<locals>.options.setdefault"),
        DecoratorCall("proj.celery.app.task", (("serializer", KeywordValue("json")),)),
    )
    assert functions["cached"] == ()
    assert export.undecorated == ("proj.deco.background",)


def test_a_base_keyword_names_its_class_where_it_is_written() -> None:
    export = exported(
        "proj/deco.py",
        "from celery import shared_task\nfrom proj.bases import DbTask\n\n"
        "db_task = shared_task(base=DbTask, bind=True)\n",
    )
    call = dict(export.values)["proj.deco.db_task"].call
    assert call == DecoratorCall(
        "celery.shared_task",
        (("base", KeywordValue(UNKNOWN, "proj.bases.DbTask")), ("bind", KeywordValue(True))),
    )


def test_a_module_that_never_says_task_exports_no_function_bodies() -> None:
    export = exported(
        "proj/utils.py",
        "from proj import job\n\nLIMIT = 3\n\ndef wrap(f):\n    return job(f)\n",
    )
    assert export.functions == () and export.undecorated == ()
    assert dict(export.values) == {"proj.utils.LIMIT": PlainValue()}
    assert celery.export(parsed_module("proj/empty.py", "def f():\n    return 1\n")) is None


def test_the_export_holds_the_routes_a_module_sets_and_on_which_object() -> None:
    export = exported(
        "proj/celery.py",
        "import re\nfrom celery import Celery\n"
        "from proj import settings\nfrom proj.routing import EXTRA\n\n"
        'ROUTES = {"proj.tasks.resize": "images"}\n'
        'app = Celery("proj", task_routes=ROUTES)\n'
        "app.conf.update(task_routes=[ROUTES, EXTRA, {\n"
        '    re.compile(r"proj\\.tasks\\.report_.*"): {"queue": "reports"},\n'
        '    "proj.tasks.*": {"exchange": "default"},\n'
        "}])\n"
        'settings.conf.task_routes = {"proj.tasks.ping": "other"}\n'
        'unknown().conf.task_routes = {"proj.tasks.pong": "other"}\n'
        'task_routes = {"proj.tasks.late": "late"}\n',
    )
    values = dict(export.values)
    assert values["proj.celery.ROUTES"] == PlainValue(
        routes=(Route("proj.tasks.resize", static("images")),)
    )
    assert values["proj.celery.app"].task_routes == PlainValue(reference="proj.celery.ROUTES")
    assert export.routes == (
        RouteSetting(
            PlainValue(
                elements=(
                    PlainValue(reference="proj.celery.ROUTES"),
                    PlainValue(reference="proj.routing.EXTRA"),
                    PlainValue(
                        routes=(
                            Route(re.compile(r"proj\.tasks\.report_.*"), static("reports")),
                            Route(re.compile(fnmatch.translate("proj.tasks.*")), NO_QUEUE),
                        )
                    ),
                )
            ),
            "proj.celery.app",
        ),
        RouteSetting(
            PlainValue(routes=(Route("proj.tasks.ping", static("other")),)), "proj.settings"
        ),
        # `unknown()` names nothing: it cannot be an app.
        RouteSetting(PlainValue(routes=(Route("proj.tasks.late", static("late")),))),
    )


def inventory(root: Path, files: dict[str, str]) -> list[tuple[object, ...]]:
    write_tree(root, files)
    return brief(inventory_of(root, Settings(project_root=root)))


def test_wrappers_in_another_module_bring_their_app_and_options(tmp_path: Path) -> None:
    rows = inventory(
        tmp_path,
        {
            "proj/celery.py": 'from celery import Celery\n\napp = Celery("proj")\n',
            "proj/deco.py": DECO,
            "proj/work.py": (
                "from proj import deco\nfrom proj.deco import background, low_task\n\n"
                "@low_task\ndef crunch():\n    pass\n\n"
                "@deco.email_task\ndef mail():\n    pass\n\n"
                "@background()\ndef sweep():\n    pass\n\n"
                "@deco.task\ndef plain():\n    pass\n\n"
                "@deco.cached\ndef not_a_task():\n    pass\n"
            ),
        },
    )
    assert rows == [
        ("celery", "crunch", "low", "proj/work.py:5", []),
        ("celery", "mail", "emails", "proj/work.py:9", []),
        # The wrapper's body sets its queue at run time: joblint does not follow that.
        ("celery", "sweep", None, "proj/work.py:13", []),
        ("celery", "plain", None, "proj/work.py:17", []),
    ]


def test_a_base_class_in_another_module_gives_its_queue(tmp_path: Path) -> None:
    rows = inventory(
        tmp_path,
        {
            "proj/celery.py": 'from celery import Celery\n\napp = Celery("proj")\n',
            "proj/bases.py": (
                "from proj.celery import app\n\n"
                'class Slow(app.Task):\n    queue = "slow"\n\n'
                "class Slower(Slow):\n    max_retries = 1\n"
            ),
            "proj/tasks.py": (
                "from proj.bases import Slower\nfrom proj.celery import app\n\n"
                "@app.task(base=Slower)\ndef resize():\n    pass\n\n"
                "class Report(Slower):\n    def run(self):\n        pass\n"
            ),
        },
    )
    assert [(row[1], row[2]) for row in rows] == [("resize", "slow"), ("Report", "slow")]


def test_routes_written_in_another_module_route_the_tasks(tmp_path: Path) -> None:
    rows = inventory(
        tmp_path,
        {
            "proj/routing.py": 'ROUTES = {"proj.tasks.resize": "images", "proj.tasks.*": "rest"}\n',
            "proj/celery.py": (
                "from celery import Celery\nfrom proj.routing import ROUTES\n\n"
                'app = Celery("proj")\n'
            ),
            "proj/config.py": "from proj.celery import app\nfrom proj import routing\n\n"
            "app.conf.task_routes = routing.ROUTES\n",
            "proj/tasks.py": (
                "from proj.celery import app\n\n"
                "@app.task\ndef resize():\n    pass\n\n"
                "@app.task\ndef ping():\n    pass\n"
            ),
        },
    )
    assert [(row[1], row[2]) for row in rows] == [("resize", "images"), ("ping", "rest")]


def test_routes_on_an_object_that_is_no_app_do_not_count(tmp_path: Path) -> None:
    rows = inventory(
        tmp_path,
        {
            "proj/celery.py": 'from celery import Celery\n\napp = Celery("proj")\n',
            "proj/config.py": (
                "from proj.settings import site\n\n"
                'site.conf.task_routes = {"proj.tasks.resize": "images"}\n'
            ),
            "proj/tasks.py": "from proj.celery import app\n\n@app.task\ndef resize():\n    pass\n",
        },
    )
    assert [(row[1], row[2]) for row in rows] == [("resize", None)]


def test_a_wrappers_base_class_is_the_one_its_own_module_names(tmp_path: Path) -> None:
    """``base=`` written in a wrapper's module names a class of that module's imports
    (before exports, it was looked up in the task's module, where it named nothing)."""
    rows = inventory(
        tmp_path,
        {
            "proj/celery.py": (
                'from celery import Celery\n\napp = Celery("proj")\n\n'
                'class Slow(app.Task):\n    queue = "slow"\n\n'
                "slow_task = app.task(base=Slow)\n"
            ),
            "proj/tasks.py": (
                "from proj.celery import Slow, app, slow_task\n\n"
                "local_slow = app.task(base=Slow)\n\n"
                "@slow_task\ndef far():\n    pass\n\n"
                "@local_slow\ndef near():\n    pass\n"
            ),
        },
    )
    assert [(row[1], row[2]) for row in rows] == [("far", "slow"), ("near", "slow")]


def test_routes_are_read_in_the_module_that_writes_them(tmp_path: Path) -> None:
    """A ``re.compile`` key, or a router named in a list, is resolved where it is
    written, whichever module's setting refers to it (before exports, they were looked
    up in the setting's module, and made every later route dynamic)."""
    rows = inventory(
        tmp_path,
        {
            "proj/routing.py": (
                "import re\n\n"
                'REPORTS = {re.compile(r"proj\\.tasks\\.report_.*"): "reports"}\n'
                'IMAGES = {"proj.tasks.resize": "images"}\n'
                'ROUTERS = [IMAGES, {"proj.tasks.ping": "pings"}]\n'
            ),
            "proj/celery.py": (
                "from celery import Celery\nfrom proj.routing import REPORTS\n\n"
                'app = Celery("proj")\napp.conf.task_routes = [REPORTS]\n'
            ),
            "proj/config.py": (
                "from proj.celery import app\nfrom proj.routing import ROUTERS\n\n"
                "app.conf.task_routes = ROUTERS\n"
            ),
            "proj/tasks.py": (
                "from proj.celery import app\n\n"
                "@app.task\ndef report_sales():\n    pass\n\n"
                "@app.task\ndef resize():\n    pass\n\n"
                "@app.task\ndef ping():\n    pass\n"
            ),
        },
    )
    assert [(row[1], row[2]) for row in rows] == [
        ("report_sales", "reports"),
        ("resize", "images"),
        ("ping", "pings"),
    ]
