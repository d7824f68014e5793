"""Frontends read the tree of the module they are looking at, and nothing else (issue 17,
"facts, once per module"): another module is known to them by its symbols, its
``Frontend.export`` and its jobs' plain facts, so that modules can be analysed in
separate processes and their facts cached file by file.

The harness asks every frontend for each module's jobs and enqueue sites twice: through
the run's own index, and through a copy in which no other module's tree can be reached
(the parsed modules are out of reach; other modules' jobs carry stand-ins for their
nodes that fail on any use). The answers must be the same, on the fixture trees, the
example app and every rule page's examples."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from test_rule_pages import _pages
from test_tree_locality import (
    SEND_JOB,
    TREES,
    ForeignTreeRead,
    _foreign_job,
    _settings,
    analysed,
    example_trees,
)

from joblint.analysis.index import JobRegistry, ProjectIndex
from joblint.config import Settings
from joblint.engine.linter import Analysis, Linter
from joblint.frameworks import FRONTENDS, Frontend
from joblint.parse import walk
from joblint.parse.discovery import discover
from joblint.parse.parsing import ParsedModule
from joblint.parse.source import SourceFile, read_source
from joblint.report.pages import RulePage


def _local_index(index: ProjectIndex, own: ParsedModule, jobs: JobRegistry) -> ProjectIndex:
    """A fresh copy of ``index`` (so no frontend finds what it worked out from the real
    one) holding ``jobs``: the index holds no tree (``test_the_index_holds_no_tree``), so
    only ``own``'s can be reached, given the jobs of the other modules as facts."""
    local: ProjectIndex = copy.copy(index)
    local.jobs = jobs
    return local


def frontend_answers(
    root: Path, settings: Settings, local: bool
) -> dict[str, list[tuple[str, str, str]] | str]:
    """Each frontend's jobs and enqueue sites for each module the run parsed, as text, by
    framework; through a local index for each module when ``local``. A frontend that
    reached another module's tree answers with what it read."""
    files = discover([root], settings).files
    sources = [source for source in map(read_source, files) if isinstance(source, SourceFile)]
    answers: dict[str, list[tuple[str, str, str]] | str] = {}
    with walk.remembering_children():
        analysis = Linter(settings).analyse(sources)
        for frontend in FRONTENDS:
            try:
                answers[frontend.FRAMEWORK] = sorted(_answers(frontend, analysis, local))
            except ForeignTreeRead as read:
                answers[frontend.FRAMEWORK] = str(read)
    return answers


def _answers(frontend: Frontend, analysis: Analysis, local: bool) -> list[tuple[str, str, str]]:
    index = analysis.index
    found: list[tuple[str, str, str]] = []
    for module in analysis.modules:
        own = module.parsed
        if not own.has_tree:
            continue  # parsed for its models alone: no frontend looks at it
        if local:
            defining = _local_index(index, own, JobRegistry(()))
        else:
            defining = copy.copy(index)
            defining.jobs = JobRegistry(())
        found.extend(
            (str(own.path), "job", repr(job)) for job in frontend.define_jobs(own, defining)
        )
        registry = JobRegistry(
            job if job.path == own.path or not local else _foreign_job(job)
            for job in index.jobs.all
        )
        if local:
            finding = _local_index(index, own, registry)
        else:
            finding = copy.copy(index)
            finding.jobs = registry
        found.extend(
            (str(own.path), "site", repr(site))
            for site in frontend.find_enqueue_sites(own, finding)
        )
    return found


def assert_local(root: Path, settings: Settings) -> int:
    """Each frontend's answers are the same through local indexes; returns how many
    answers there were."""
    normal = frontend_answers(root, settings, local=False)
    local = frontend_answers(root, settings, local=True)
    differing = {
        framework: local[framework]
        if isinstance(local[framework], str)
        else "other jobs or enqueue sites than through the run's index"
        for framework in normal
        if local[framework] != normal[framework]
    }
    assert not differing, differing
    return sum(len(found) for found in normal.values() if not isinstance(found, str))


@pytest.mark.parametrize("root", TREES, ids=lambda root: f"{root.parent.name}/{root.name}")
def test_frontends_read_one_module_of_each_fixture_tree(root: Path) -> None:
    answers = assert_local(root, _settings(root))
    if root.parent.name == "frameworks" and not root.name.endswith("_negative"):
        assert answers, "each framework's tree has jobs, so the comparison is worth something"


@pytest.mark.parametrize("page", _pages(), ids=lambda page: page.code)
def test_frontends_read_one_module_of_each_rule_page_example(
    tmp_path: Path, page: RulePage
) -> None:
    for root in example_trees(tmp_path, page):
        assert_local(root, _settings(root))


def test_the_local_index_stops_a_frontend_reading_another_modules_tree(tmp_path: Path) -> None:
    """The harness can fail: a frontend that looked at another module's job's nodes
    would stop with ForeignTreeRead."""
    analysis = analysed(
        tmp_path,
        {
            "app/jobs.py": SEND_JOB,
            "app/views.py": "from app.jobs import SendJob\n\n\ndef view(order):\n"
            "    SendJob.perform_later(order.id)\n",
        },
    )
    views = next(module.parsed for module in analysis.modules if module.path.name == "views.py")
    registry = JobRegistry(_foreign_job(job) for job in analysis.index.jobs.all)
    local = _local_index(analysis.index, views, registry)
    job = local.jobs.resolve("app.jobs.SendJob")
    assert job is not None
    with pytest.raises(ForeignTreeRead):
        _ = job.perform.params  # type: ignore[union-attr]
