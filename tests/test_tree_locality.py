"""Module rules read the trees of their own module only, and project rules read no tree
at all (issue 17, "facts, once per module"): each module's rules are to run in the worker
process that owns its tree, where other modules are known by their plain facts alone, and
the project rules in the parent process, where every tree stays in its worker.

The harness runs every module rule on each module through a view of the project in which
the other modules' nodes cannot be reached: their jobs' and enqueue sites' node fields
are stand-ins that fail on any use, and the index's parsed modules are out of reach. The
findings (and what their fixes make of the module) must be exactly those of a normal run.
It runs every project rule on a view in which no module's tree can be reached: each
module is its path and names, its jobs and sites are facts, the index's parsed modules
are out of reach. The findings must be those of a normal run (a fix compared by its
message: the fixer applies it to a tree it parses itself). Both on the fixture trees, the
example app and every rule page's examples."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import libcst as cst
import pytest
from lint_support import REPO, write_tree
from test_rule_pages import _pages, _rules_for

from joblint.analysis.context import ModuleContext, ProjectContext
from joblint.analysis.index import JobRegistry, ProjectIndex
from joblint.analysis.model import EnqueueSite, JobDefinition, ModuleFacts
from joblint.config import Settings, load_settings
from joblint.diagnostics import Diagnostic
from joblint.engine.linter import Analysis, Linter
from joblint.parse import walk
from joblint.parse.discovery import discover
from joblint.parse.parsing import ParsedModule
from joblint.parse.source import SourceFile, read_source
from joblint.report.pages import RulePage
from joblint.rules import ALL_RULES, ModuleRule, ProjectRule


class ForeignTreeRead(BaseException):
    """A rule reached into another module's tree. A BaseException, so that no rule's
    ``except Exception`` can take it for a problem of its own and carry on."""


class Unreachable:
    """Stands for another module's node (or nodes): any use of it fails, naming what was
    read."""

    __slots__ = ("_what",)

    def __init__(self, what: str) -> None:
        object.__setattr__(self, "_what", what)

    def _fail(self, *_: object) -> NoReturn:
        raise ForeignTreeRead(f"read {object.__getattribute__(self, '_what')}")

    def __getattribute__(self, name: str) -> Any:
        object.__getattribute__(self, "_fail")()

    __iter__ = __len__ = __bool__ = __getitem__ = __contains__ = __call__ = _fail


def _foreign_job(job: JobDefinition) -> JobDefinition:
    """``job`` as a module other than its own sees it: facts, no nodes. A node field that
    is None stays None (that is the plain fact that there is no such node)."""
    where = f"the {{}} of {job.qualified_name} ({job.path.name})"
    return dataclasses.replace(
        job,
        node=Unreachable(where.format("node")),  # type: ignore[arg-type]
        perform=None if job.perform is None else Unreachable(where.format("perform")),  # type: ignore[arg-type]
        decorator=None if job.decorator is None else Unreachable(where.format("decorator")),  # type: ignore[arg-type]
    )


def _foreign_site(site: EnqueueSite) -> EnqueueSite:
    where = f"the {{}} of the enqueue site at {site.path.name}:{site.span.start.line}"
    return dataclasses.replace(
        site,
        node=Unreachable(where.format("node")),  # type: ignore[arg-type]
        arguments=Unreachable(where.format("arguments")),  # type: ignore[arg-type]
        options=Unreachable(where.format("options")),  # type: ignore[arg-type]
    )


def local_view(module: ModuleContext, analysis: Analysis) -> ModuleContext:
    """``module`` with an index through which no other module's node can be reached."""
    own = module.parsed
    index: ProjectIndex = copy.copy(module.index)
    index.jobs = JobRegistry(
        job if job.path == own.path else _foreign_job(job) for job in module.index.jobs.all
    )
    index.record_enqueue_sites(
        site if site.path == own.path else _foreign_site(site) for site in analysis.enqueue_sites
    )
    return dataclasses.replace(module, index=index)


Finding = tuple[str, str, int, int, int, int, str, str | None, str | None]


def _finding(diagnostic: Diagnostic, parsed: ParsedModule) -> Finding:
    """A finding as compared between the runs: where, what, and what its fix (applied
    here, while the view's stand-ins are in place) makes of the module."""
    fix = diagnostic.fix
    return (
        *_project_finding(diagnostic),
        None if fix is None else fix.transform(parsed.module).code,
    )


def analyse(root: Path, settings: Settings, codes: frozenset[str]) -> Analysis:
    files = discover([root], settings).files
    sources = [source for source in map(read_source, files) if isinstance(source, SourceFile)]
    return Linter(settings, enabled=codes).analyse(sources)


def module_rule_findings(
    analysis: Analysis,
    codes: frozenset[str],
    view: Callable[[ModuleContext, Analysis], ModuleContext] | None,
) -> list[Finding]:
    """The module rules' findings, each module's rules run on ``view(module, analysis)``
    when a view is given."""
    rules = [rule for rule in ALL_RULES if isinstance(rule, ModuleRule) and rule.code in codes]
    findings: list[Finding] = []
    for module in analysis.modules:
        seen = module if view is None else view(module, analysis)
        for rule in rules:
            if rule.checks_tests or not module.in_tests:
                findings.extend(_finding(d, module.parsed) for d in rule.check(seen))
    return sorted(findings, key=repr)


class TreelessModule(Unreachable):
    """Stands for a module's ``ParsedModule`` where no tree is at hand: its path and
    names, plain facts a project rule may read (``ModuleContext.in_tests`` does), read
    as they were; its tree, source, metadata and anything else fail."""

    __slots__ = ("_names",)

    def __init__(self, parsed: ParsedModule) -> None:
        super().__init__(f"the tree of {parsed.path.name}")
        names = {name: getattr(parsed, name) for name in ("path", "module_name", "package")}
        object.__setattr__(self, "_names", names)

    def __getattribute__(self, name: str) -> Any:
        names = object.__getattribute__(self, "_names")
        if name in names:
            return names[name]
        return super().__getattribute__(name)


def treeless_view(analysis: Analysis, settings: Settings) -> ProjectContext:
    """The project as project rules are to see it in the parent process: every module
    its path and names with its jobs and enqueue sites as facts, and an index through
    which no tree can be reached."""
    index: ProjectIndex = copy.copy(analysis.index)
    index.jobs = JobRegistry(_foreign_job(job) for job in analysis.index.jobs.all)
    index.record_enqueue_sites(_foreign_site(site) for site in analysis.enqueue_sites)
    modules = tuple(
        dataclasses.replace(
            module,
            parsed=TreelessModule(module.parsed),
            facts=ModuleFacts(
                tuple(map(_foreign_job, module.facts.jobs)),
                tuple(map(_foreign_site, module.facts.enqueue_sites)),
            ),
            index=index,
        )
        for module in analysis.modules
    )
    return ProjectContext(modules, index, settings)


ProjectFinding = tuple[str, str, int, int, int, int, str, str | None]


def project_rule_findings(
    analysis: Analysis, settings: Settings, codes: frozenset[str], treeless: bool
) -> list[ProjectFinding]:
    """The project rules' findings, on ``treeless_view`` when ``treeless``."""
    rules = [rule for rule in ALL_RULES if isinstance(rule, ProjectRule) and rule.code in codes]
    project = (
        treeless_view(analysis, settings)
        if treeless
        else ProjectContext(analysis.modules, analysis.index, settings)
    )
    return sorted(
        (_project_finding(d) for rule in rules for d in rule.check_project(project)), key=repr
    )


def _project_finding(diagnostic: Diagnostic) -> ProjectFinding:
    fix = diagnostic.fix
    span = diagnostic.span
    return (
        str(diagnostic.path),
        diagnostic.code,
        span.start.line,
        span.start.column,
        span.end.line,
        span.end.column,
        diagnostic.message,
        None if fix is None else f"{fix.applicability.value}: {fix.message}",
    )


def assert_local(root: Path, settings: Settings, codes: frozenset[str]) -> list[Finding]:
    """Module rules find the same through ``local_view``, project rules through
    ``treeless_view``; returns the module rules' findings."""
    with walk.remembering_children():
        analysis = analyse(root, settings, codes)
        normal = module_rule_findings(analysis, codes, None)
        assert module_rule_findings(analysis, codes, local_view) == normal
        project = project_rule_findings(analysis, settings, codes, treeless=False)
        assert project_rule_findings(analysis, settings, codes, treeless=True) == project
    return normal


SEND_JOB = (
    "from joblint.runtime import Job\n\n\n"
    "class SendJob(Job):\n    def perform(self, order_id):\n        pass\n"
)


def analysed(
    root: Path, files: dict[str, str | bytes], settings: Settings | None = None
) -> Analysis:
    """What the engine understands of the tree of ``files``, written under ``root``."""
    write_tree(root, files)
    settings = settings or Settings(project_root=root)
    found = discover([root], settings).files
    sources = [source for source in map(read_source, found) if isinstance(source, SourceFile)]
    with walk.remembering_children():
        return Linter(settings).analyse(sources)


def _settings(root: Path) -> Settings:
    config = root / "pyproject.toml"
    return load_settings(config if config.is_file() else None, root)


EVERY_RULE = frozenset(rule.code for rule in ALL_RULES)
FIXTURES = REPO / "tests" / "fixtures"
TREES = sorted(
    [
        *(path for path in (FIXTURES / "frameworks").iterdir() if path.is_dir()),
        *(path for path in (FIXTURES / "fix_safety" / "projects").iterdir() if path.is_dir()),
        REPO / "examples" / "shop",
    ]
)


@pytest.mark.parametrize("root", TREES, ids=lambda root: f"{root.parent.name}/{root.name}")
def test_fixture_trees_are_checked_module_by_module(root: Path) -> None:
    findings = assert_local(root, _settings(root), EVERY_RULE)
    if root.name in ("shop", "celery", "rq"):
        assert findings, "a tree with findings makes the comparison worth something"


@pytest.mark.parametrize("page", _pages(), ids=lambda page: page.code)
def test_rule_page_examples_are_checked_module_by_module(tmp_path: Path, page: RulePage) -> None:
    """Each flagged and clean example, with the page's context files beside it."""
    for root in example_trees(tmp_path, page):
        assert_local(root, _settings(root), _rules_for(page))


def example_trees(tmp_path: Path, page: RulePage) -> Iterator[Path]:
    """Each flagged and clean example of a rule page written as a tree under
    ``tmp_path``, with the page's context files beside it."""
    contexts: dict[str, str | bytes] = {
        example.filename: example.code for example in page.examples if example.role == "context"
    }
    for number, example in enumerate(page.examples):
        if example.role not in ("flagged", "clean"):
            continue
        root = tmp_path / str(number)
        write_tree(root, {**contexts, example.filename: example.code.encode(example.encoding)})
        yield root


def test_the_view_stops_a_rule_reading_another_modules_tree(tmp_path: Path) -> None:
    """The harness can fail: through the view, another module's job is facts only."""
    analysis = analysed(
        tmp_path,
        {
            "app/jobs.py": SEND_JOB,
            "app/views.py": "from app.jobs import SendJob\n\n\ndef view(order):\n"
            "    SendJob.perform_later(order.id)\n",
        },
    )
    views = next(module for module in analysis.modules if module.path.name == "views.py")
    seen = local_view(views, analysis)
    job = seen.index.jobs.resolve("app.jobs.SendJob")
    assert job is not None and job.name == "SendJob"
    with pytest.raises(ForeignTreeRead):
        _ = job.perform.params  # type: ignore[union-attr]
    own = next(site for site in seen.index.enqueue_sites_of("app.jobs.SendJob"))
    assert isinstance(own.node, cst.Call)


def test_the_treeless_view_stops_a_project_rule_reading_any_tree(tmp_path: Path) -> None:
    """The harness can fail: through the project rules' view, a module is its path and
    names, and its jobs and sites are facts."""
    settings = Settings(project_root=tmp_path)
    files = {
        "app/jobs.py": SEND_JOB,
        "app/views.py": "from app.jobs import SendJob\n\n\ndef view(order):\n"
        "    SendJob.set(queue='low').perform_later(order.id)\n",
    }
    project = treeless_view(analysed(tmp_path, files, settings), settings)
    views = next(module for module in project.modules if module.path.name == "views.py")
    assert views.parsed.module_name == "app.views" and not views.in_tests
    with pytest.raises(ForeignTreeRead):
        _ = views.parsed.module
    with pytest.raises(ForeignTreeRead):
        _ = views.parsed.source
    (site,) = views.facts.enqueue_sites
    assert site.option_value("queue") is not None and site.sending is not None
    with pytest.raises(ForeignTreeRead):
        dict(site.options)
    job = project.index.jobs.resolve("app.jobs.SendJob")
    assert job is not None
    with pytest.raises(ForeignTreeRead):
        _ = job.node.name  # type: ignore[union-attr]


def _trees_in(value: object, seen: set[int]) -> list[str]:
    """Where ``value`` holds a libcst node or a parsed module, as attribute paths."""
    if id(value) in seen or isinstance(value, str | bytes | int | float | Path | type(None)):
        return []
    seen.add(id(value))
    if isinstance(value, cst.CSTNode | ParsedModule):
        return [type(value).__name__]
    if isinstance(value, dict):
        children = [(repr(key), item) for key, item in value.items()]
        children += [(f"key {key!r}", key) for key in value]
    elif isinstance(value, list | tuple | set | frozenset):
        children = [(f"[{number}]", item) for number, item in enumerate(value)]
    elif hasattr(value, "__dict__") and type(value).__module__.startswith("joblint"):
        children = list(vars(value).items())
    else:
        return []
    return [f"{name}.{found}" for name, item in children for found in _trees_in(item, seen)]


def test_the_index_holds_no_tree() -> None:
    """The project index is facts only: apart from the jobs and enqueue sites of the
    process's own modules (their nodes are read where the module is owned), nothing in it
    leads to a tree, so no frontend or rule can read another module's."""
    root = REPO / "examples" / "shop"
    settings = _settings(root)
    found = discover([root], settings).files
    sources = [source for source in map(read_source, found) if isinstance(source, SourceFile)]
    with walk.remembering_children():
        index = Linter(settings).analyse(sources).index
    assert index.jobs.all
    held = {
        name: value
        for name, value in vars(index).items()
        if name not in ("jobs", "_sites_by_target")
    }
    assert _trees_in(held, set()) == []
    assert _trees_in({"jobs": index.jobs}, set()), "the harness finds the jobs' own nodes"
