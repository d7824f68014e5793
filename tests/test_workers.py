"""Worker processes that own modules (``joblint.engine.workers``, issue 17): a run whose
modules are parsed and analysed in several processes answers exactly what a run in one
process does, the engine keeps no tree of a module a worker owns, and what crosses
between processes is plain facts. A worker that fails ends the run with one line."""

from __future__ import annotations

import copy
import multiprocessing
import os
import pickle
import signal
from pathlib import Path

import pytest
from lint_support import write_tree
from test_cli import run
from test_tree_locality import TREES, _settings

from joblint.analysis.model import UNKNOWN
from joblint.config import Settings
from joblint.engine import linter, workers
from joblint.engine.linter import Linter, Problem
from joblint.engine.owners import IndexInputs, OwnedModules, parse_module, plain_dumps
from joblint.engine.workers import ProcessModules, WorkerFailed
from joblint.frameworks import runtime
from joblint.parse import walk
from joblint.parse.discovery import discover
from joblint.parse.parsing import ParsedModule
from joblint.parse.source import SourceFile, read_source

JOBS = {
    "app/jobs.py": (
        "from joblint.runtime import Job\n\n\n"
        "class SendReceiptJob(Job):\n"
        "    queue_as = 'mailers'\n\n"
        "    def perform(self, order_id, copies):\n"
        "        pass\n"
    ),
    "app/views.py": (
        "from app.jobs import SendReceiptJob\n"
        "from app.models import Order\n\n\n"
        "def checkout(request, order_id):\n"
        "    order = Order.objects.get(pk=order_id)\n"
        "    SendReceiptJob.perform_later(order)\n"
    ),
    "app/models.py": ("from django.db import models\n\n\nclass Order(models.Model):\n    pass\n"),
}


def _outcome(
    root: Path, settings: Settings, jobs: int, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """Every finding (with its fix's description) and problem of a run, in order."""
    monkeypatch.setattr(linter, "SHARE_FROM", 0 if jobs > 1 else 10**9)
    seen = []
    for result in Linter(settings, jobs=jobs).lint_paths([root]):
        if isinstance(result, Problem):
            seen.append(f"problem {result.path}: {result.message}")
        else:
            fix = result.fix
            described = None if fix is None else (fix.applicability.value, fix.message)
            seen.append(repr((result, described)))
    return seen


@pytest.mark.parametrize("root", TREES, ids=lambda root: f"{root.parent.name}/{root.name}")
def test_workers_find_what_one_process_finds(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(root)
    assert _outcome(root, settings, 2, monkeypatch) == _outcome(root, settings, 1, monkeypatch)


def test_workers_find_what_one_process_finds_across_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job, the model and the site that passes the job a record and leaves out an
    argument are in modules the workers share out."""
    write_tree(tmp_path, JOBS)
    settings = Settings(project_root=tmp_path)
    serial = _outcome(tmp_path, settings, 1, monkeypatch)
    assert any("JOB201" in line for line in serial), serial
    assert any("JOB206" in line for line in serial), serial
    assert _outcome(tmp_path, settings, 2, monkeypatch) == serial


def _numbered(root: Path, settings: Settings) -> list[tuple[int, SourceFile, tuple[str, str]]]:
    files = discover([root], settings).files
    sources = [source for source in map(read_source, files) if isinstance(source, SourceFile)]
    return [
        (number, source, ("app." + source.path.stem, "app"))
        for number, source in enumerate(sources)
    ]


def test_the_engine_keeps_no_tree_of_a_module_a_worker_owns(tmp_path: Path) -> None:
    write_tree(tmp_path, JOBS)
    settings = Settings(project_root=tmp_path)
    numbered = _numbered(tmp_path, settings)
    with ProcessModules(settings, 2) as owner:
        answers = owner.parse(numbered)
        assert [number for number, _ in answers] == [number for number, _, _ in numbered]
        assert all(owner.tree(number) is None for number, _ in answers)
    elsewhere = ParsedModule.elsewhere(numbered[0][1], numbered[0][2])
    assert elsewhere.path == numbered[0][1].path
    with pytest.raises(RuntimeError, match="in the process that owns it"):
        _ = elsewhere.module.body


def test_jobs_cross_processes_as_facts_without_their_nodes(tmp_path: Path) -> None:
    write_tree(tmp_path, JOBS)
    settings = Settings(project_root=tmp_path)
    sources = [
        s
        for s in map(read_source, discover([tmp_path], settings).files)
        if isinstance(s, SourceFile)
    ]
    with walk.remembering_children():
        analysis = Linter(settings).analyse(sources)
    job = analysis.index.jobs.all[0]
    site = analysis.enqueue_sites[0]
    assert job.node is not None and job.perform is not None and site.arguments
    crossed_job, crossed_site = pickle.loads(plain_dumps((job, site)))
    assert crossed_job == job and crossed_site == site  # every fact, compared
    assert crossed_job.node is None and crossed_job.perform is None
    assert crossed_site.node is None and crossed_site.arguments == ()
    # Only what crosses loses its nodes: copying keeps them.
    assert copy.copy(job).node is job.node
    # A value that is no literal is still the one UNKNOWN on the other side.
    assert pickle.loads(plain_dumps((UNKNOWN,)))[0] is UNKNOWN


@pytest.fixture
def shared_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``JOBS`` as a configured project, the working folder, with any run that may share
    its modules sharing them."""
    write_tree(tmp_path, {"pyproject.toml": "[tool.joblint]\n", **JOBS})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(linter, "SHARE_FROM", 0)
    return tmp_path


def test_a_worker_that_fails_ends_the_run_with_one_line(
    shared_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    def broken(*_: object) -> list[object]:
        raise ValueError("a bug in a frontend")

    # Workers forked from this process (not from the fork server, which imports joblint
    # afresh) have the broken frontend too.
    monkeypatch.setattr(runtime, "define_jobs", broken)
    monkeypatch.setattr(workers, "_context", lambda: multiprocessing.get_context("fork"))
    code, out, err = run("check", "--no-cache", "--jobs", "2")
    assert code == 2
    assert err.count("\n") == 1, err
    assert "a worker process failed in define_jobs: ValueError: a bug in a frontend" in err
    assert "All checks passed" not in out


def test_a_worker_that_dies_is_an_error_not_a_hang(tmp_path: Path) -> None:
    write_tree(tmp_path, JOBS)
    settings = Settings(project_root=tmp_path)
    with ProcessModules(settings, 2) as owner:
        answers = owner.parse(_numbered(tmp_path, settings))
        os.kill(owner._processes[0].pid, signal.SIGKILL)
        symbols = tuple(found for _, found in answers)
        numbers = tuple(number for number, _ in answers)
        with pytest.raises(WorkerFailed, match="ended during index"):
            owner.index(IndexInputs(symbols, None, (), None, None, numbers))  # type: ignore[arg-type]


def test_fix_edits_in_json_output_are_the_same_from_workers(shared_project: Path) -> None:
    """JSON output shows each fix's edits; a fix made in a worker comes back as the text
    it makes, so they are those of one process."""
    one = run("check", "--no-cache", "--jobs", "1", "--output-format", "json")
    two = run("check", "--no-cache", "--jobs", "2", "--output-format", "json")
    assert two == one
    assert '"content": ".pk"' in one[1]


def test_fixing_with_several_jobs_fixes_in_one_process(shared_project: Path) -> None:
    _, _, err = run("check", "--no-cache", "--jobs", "2", "--fix", "--unsafe-fixes")
    assert "internal error" not in err
    assert "order.pk" in (shared_project / "app" / "views.py").read_text()


@pytest.mark.parametrize(("job_files", "started"), [(3, False), (60, True)])
def test_the_fork_server_starts_only_for_a_run_that_will_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, job_files: int, started: bool
) -> None:
    """Sixty modules either way; the workers (and the fork server they come from) are
    wanted only when the prefilter's first round keeps ``SHARE_FROM`` of them."""
    files = {
        f"app/m{number}.py": (
            "from celery import shared_task\n\n\n@shared_task\ndef work(n):\n    return n\n"
            if number < job_files
            else "def helper(n):\n    return n\n"
        )
        for number in range(60)
    }
    write_tree(tmp_path, files)
    calls: list[None] = []
    monkeypatch.setattr(linter, "start_early", lambda: calls.append(None))
    monkeypatch.setattr(linter, "ProcessModules", _InProcess)
    found = list(Linter(Settings(project_root=tmp_path), jobs=2).lint_paths([tmp_path]))
    assert not [result for result in found if isinstance(result, Problem)]
    assert bool(calls) is started


class _InProcess:
    """Stands for the workers: the test asks only whether the engine wanted them."""

    def __init__(self, settings: Settings, count: int) -> None:
        self._owner = OwnedModules(settings, parse_module)

    def __enter__(self) -> object:
        return self._owner

    def __exit__(self, *_: object) -> None:
        return None
