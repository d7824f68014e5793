"""Placing a module's enqueue sites needs that module's tree and the other modules'
summaries only (issue 17): the transaction wrappers a module defines and whether it turns
``ATOMIC_REQUESTS`` on are worked out from its own tree, once, into its summary, which
crosses processes as plain data. Each site is placed again here from its own module's
tree and the summaries alone, after a pickle round trip, and must sit where the run put
it."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from lint_support import write_tree
from test_tree_locality import TREES, _settings

from joblint.analysis import placement
from joblint.analysis.model import ModuleSummary
from joblint.config import Settings
from joblint.engine.linter import Analysis, Linter
from joblint.parse.discovery import discover
from joblint.parse.source import SourceFile, read_source

JOB = (
    "from joblint.runtime import Job\n\n\n"
    "class SendJob(Job):\n    def perform(self, user_id):\n        pass\n"
)
DB = """\
from contextlib import contextmanager

from django.db import transaction
from app.legacy import session_scope


@contextmanager
def atomic_block():
    with transaction.atomic():
        yield


@contextmanager
def legacy_block():
    with session_scope():
        yield


@contextmanager
def logged_block():
    with open("log"):
        yield
"""
LEGACY = "def session_scope():\n    pass\n"
VIEWS = """\
from app.db import atomic_block, legacy_block, logged_block
from app.jobs.send_job import SendJob


def service(user_id):
    with atomic_block():
        SendJob.perform_later(user_id)
    with legacy_block():
        SendJob.perform_later(user_id)
    with logged_block():
        SendJob.perform_later(user_id)


def view(request, user_id):
    SendJob.perform_later(user_id)
"""
SETTINGS = (
    "DATABASES = {'default': {'ENGINE': 'x'}}\nDATABASES['default']['ATOMIC_REQUESTS'] = True\n"
)


def _analysis(root: Path, settings: Settings) -> Analysis:
    files = discover([root], settings).files
    sources = [source for source in map(read_source, files) if isinstance(source, SourceFile)]
    return Linter(settings).analyse(sources)


def _placed_from_summaries(analysis: Analysis, settings: Settings) -> None:
    """Every site placed again from its module's tree and the pickled summaries sits
    where the run placed it."""
    summaries: list[ModuleSummary] = pickle.loads(
        pickle.dumps(list(analysis.index.summaries.values()))
    )
    wrappers = placement.transaction_wrappers(summaries, settings.transaction_wrappers)
    atomic_views = placement.atomic_requests(summaries)
    for module in analysis.modules:
        for site in module.facts.enqueue_sites:
            again = placement.place(module.parsed, site, wrappers, atomic_views)
            assert (again.context, again.sending) == (site.context, site.sending)


def test_wrappers_and_atomic_requests_defined_in_other_modules(tmp_path: Path) -> None:
    """A wrapper that enters a transaction, one that enters what the setting names, and
    settings turning ``ATOMIC_REQUESTS`` on, each in a module of its own."""
    write_tree(
        tmp_path,
        {
            "app/jobs/send_job.py": JOB,
            "app/db.py": DB,
            "app/legacy.py": LEGACY,
            "app/views.py": VIEWS,
            "proj/settings.py": SETTINGS,
        },
    )
    settings = Settings(project_root=tmp_path, transaction_wrappers=("app.legacy.session_scope",))
    analysis = _analysis(tmp_path, settings)
    placed = {
        site.span.start.line: site.context.transaction
        for site in analysis.enqueue_sites
        if site.path.name == "views.py"
    }
    assert placed == {
        7: "app.db.atomic_block",
        9: "app.db.legacy_block",
        11: None,
        15: placement.ATOMIC_REQUESTS,
    }
    _placed_from_summaries(analysis, settings)


@pytest.mark.parametrize("root", TREES, ids=lambda root: f"{root.parent.name}/{root.name}")
def test_the_fixture_trees_sites_are_placed_from_summaries(root: Path) -> None:
    settings = _settings(root)
    _placed_from_summaries(_analysis(root, settings), settings)
