"""Fix safety (issue 15): an unsafe fix may change behaviour, but it must never leave code
that fails where the original ran, and never apply where the surrounding code shows the
behaviour is intended.

The corpus (tests/fixtures/fix_safety/projects) is small projects written for this test,
one shape per module, run against stand-ins for the frameworks they use
(tests/fixtures/fix_safety/standins) and joblint's own runtime. Each project is copied,
run (every module imported, its ``exercise()`` called, what it enqueued delivered as
workers would, its ``verify()`` called), fixed as ``joblint check --fix --unsafe-fixes``
fixes it, and run again: what ran before must run after. A module's first lines say what
the fixes must do with it: ``# fix-safety: expect-fix JOB601`` (that rule's fix is applied
there) or ``# fix-safety: expect-unchanged`` (no fix may touch it: the code around the
finding shows the behaviour is meant).

The stand-ins are on ``PYTHONPATH`` only in the subprocess that runs a project, one
subprocess before the fixes and one after, so they never shadow anything in this process.
"""

from __future__ import annotations

import ast
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import libcst as cst
import pytest

from joblint.config import settings_for_paths
from joblint.engine.linter import FixRun, Linter
from joblint.rules import ALL_RULES
from joblint.rules.base import FixAvailability

CORPUS = Path(__file__).resolve().parent / "fixtures" / "fix_safety"
STANDINS = CORPUS / "standins"
PROJECTS = CORPUS / "projects"
HARNESS = CORPUS / "harness" / "exercise_project.py"

ALL_CODES = frozenset(rule.code for rule in ALL_RULES)
FIXABLE = sorted(
    rule.code for rule in ALL_RULES if rule.fix_availability is not FixAvailability.NONE
)
EXPECTATION = re.compile(
    r"^# fix-safety: (?:expect-fix (?P<codes>JOB\d{3}(?: JOB\d{3})*)"
    r"|(?P<unchanged>expect-unchanged))$",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Shape:
    """One corpus module, and what the fixes must do with it."""

    project: str
    module: str
    path: Path  # relative to the project
    fixed_by: frozenset[str]
    unchanged: bool

    @property
    def id(self) -> str:
        return f"{self.project}/{self.module}"


def module_name(relative: Path) -> str:
    parts = relative.with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def find_shapes() -> list[Shape]:
    shapes = []
    for project in sorted(p for p in PROJECTS.iterdir() if (p / "pyproject.toml").is_file()):
        for path in sorted(project.rglob("*.py")):
            relative = path.relative_to(project)
            found = EXPECTATION.search(path.read_text(encoding="utf-8"))
            codes = found["codes"] if found and found["codes"] else ""
            shapes.append(
                Shape(
                    project.name,
                    module_name(relative),
                    relative,
                    frozenset(codes.split()),
                    bool(found and found["unchanged"]),
                )
            )
    return shapes


SHAPES = find_shapes()
PROJECT_NAMES = sorted({shape.project for shape in SHAPES})

# Shapes that broke real code before, and what the fixes must do with them (issue 15).
REQUIRED: dict[str, str] = {
    # JOB601: an app whose task_cls is the project's own celery.Task, whose tasks have no
    # apply_async_on_commit/delay_on_commit; a DjangoTask (base=) that has them.
    "billing/billing.checkout": "expect-fix JOB601",
    "billing/billing.notifications": "expect-fix JOB601",
    # JOB605: the caller needs the job run here.
    "storefront/storefront.webhooks": "expect-unchanged",  # (a) named *_sync
    "storefront/storefront.exports": "expect-unchanged",  # (b) a comment says so
    "storefront/storefront.management.commands.recompute_totals": "expect-unchanged",  # (c)
    "storefront/storefront.feeds": "expect-unchanged",  # (d) except Retry
    "storefront/storefront.totals": "expect-unchanged",  # (e) the result is used
    "storefront/storefront.discounts": "expect-unchanged",  # (f) a lambda argument
    # JOB201: a parameter named *_id whose task uses the argument as the object.
    "ids/accounts.statements": "expect-unchanged",
}


@dataclass(frozen=True)
class ProjectRun:
    """A project's copy, how its modules ran before and after the fixes, and the fixes."""

    root: Path
    before: dict[str, dict[str, Any]]
    after: dict[str, dict[str, Any]]
    originals: dict[Path, bytes]
    fix_run: FixRun
    second_fix_run: FixRun

    def applied(self, relative: Path) -> list[str]:
        fix = self.fix_run.fixes.get(self.root / relative)
        return [] if fix is None else [diagnostic.code for diagnostic in fix.applied]


def fix_project(root: Path) -> FixRun:
    """What ``joblint check --fix --unsafe-fixes`` does, every rule enabled, written."""
    linter = Linter(settings_for_paths([root], None), enabled=ALL_CODES)
    run = linter.fix_paths([root], unsafe=True)
    for path, fix in run.fixes.items():
        path.write_bytes(fix.fixed)
    return run


def exercise_project(root: Path, label: str) -> dict[str, dict[str, Any]]:
    """Run every module of the project in one subprocess, with the stand-ins."""
    names = sorted(module_name(path.relative_to(root)) for path in root.rglob("*.py"))
    result = root.parent / f"{label}.json"
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(STANDINS), str(root)]),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    finished = subprocess.run(
        [sys.executable, str(HARNESS), str(result), *names],
        cwd=root.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    outcome: dict[str, dict[str, Any]] = json.loads(result.read_text(encoding="utf-8"))
    return outcome


def run_project(project: str, workspace: Path) -> ProjectRun:
    root = workspace / project
    shutil.copytree(PROJECTS / project, root, ignore=shutil.ignore_patterns("__pycache__"))
    originals = {path: path.read_bytes() for path in root.rglob("*.py")}
    before = exercise_project(root, "before")
    fix_run = fix_project(root)
    after = exercise_project(root, "after")
    second = fix_project(root)
    return ProjectRun(root, before, after, originals, fix_run, second)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], ProjectRun]:
    """Each project is copied, run, fixed and run again once, for all the tests."""
    runs: dict[str, ProjectRun] = {}

    def get(project: str) -> ProjectRun:
        if project not in runs:
            runs[project] = run_project(project, tmp_path_factory.mktemp(project))
        return runs[project]

    return get


def failures(outcome: dict[str, Any]) -> dict[str, Any]:
    return {step: what for step, what in outcome.items() if what}


# -- the corpus is sound ------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.id)
def test_corpus_runs_before_the_fixes(corpus: Callable[[str], ProjectRun], shape: Shape) -> None:
    """A shape that fails unfixed proves nothing about the fixes: the corpus is wrong."""
    outcome = corpus(shape.project).before[shape.module]
    assert failures(outcome) == {}


# -- the fixes keep it running ------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.id)
def test_fixed_shape_still_runs(corpus: Callable[[str], ProjectRun], shape: Shape) -> None:
    """After every fix, the module parses, compiles, imports, and its exercise, the jobs it
    sends and its verify run as they did before."""
    run = corpus(shape.project)
    path = run.root / shape.path
    fixed = path.read_bytes()
    cst.parse_module(fixed)
    compile(fixed, str(path), "exec", dont_inherit=True)
    assert failures(run.before[shape.module]) == {}, "the corpus fails before any fix"
    assert failures(run.after[shape.module]) == {}, diff(run.originals[path], fixed)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.id)
def test_fixes_do_what_the_shape_expects(corpus: Callable[[str], ProjectRun], shape: Shape) -> None:
    """``expect-fix``: those rules' fixes were applied here (the shape is not vacuous);
    ``expect-unchanged``: no fix touched the module."""
    run = corpus(shape.project)
    path = run.root / shape.path
    applied = run.applied(shape.path)
    assert shape.fixed_by <= set(applied), applied
    if shape.unchanged:
        fixed = path.read_bytes()
        assert fixed == run.originals[path], diff(run.originals[path], fixed)


@pytest.mark.parametrize("project", PROJECT_NAMES)
def test_fixes_apply_cleanly_and_once(corpus: Callable[[str], ProjectRun], project: str) -> None:
    """No fix failed or was refused, and fixing the fixed project changes nothing."""
    run = corpus(project)
    assert run.fix_run.problems == []
    assert run.second_fix_run.problems == []
    again = {
        str(path.relative_to(run.root)): [d.code for d in fix.applied]
        for path, fix in run.second_fix_run.fixes.items()
    }
    assert again == {}


@pytest.mark.parametrize("project", PROJECT_NAMES)
def test_every_fixed_module_is_exercised(corpus: Callable[[str], ProjectRun], project: str) -> None:
    """A fixed module defines ``exercise()``, or a module that does imports from it: the
    run after the fixes goes through the fixed code."""
    run = corpus(project)
    exercised: set[str] = set()
    for path in run.root.rglob("*.py"):
        tree = ast.parse(path.read_bytes())
        if not any(isinstance(n, ast.FunctionDef) and n.name == "exercise" for n in tree.body):
            continue
        exercised.add(module_name(path.relative_to(run.root)))
        exercised |= {
            n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module
        }
    fixed = {module_name(path.relative_to(run.root)) for path in run.fix_run.fixes}
    assert fixed <= exercised


def test_every_fixable_rule_is_fixed_in_the_corpus(
    corpus: Callable[[str], ProjectRun],
) -> None:
    """The corpus cannot pass vacuously: every rule with a fix has a shape declaring it
    (``expect-fix``), and its fix was applied somewhere. A new fixable rule fails here
    until the corpus covers it."""
    declared = set().union(*(shape.fixed_by for shape in SHAPES))
    assert sorted(set(FIXABLE) - declared) == []
    applied = {
        code
        for project in PROJECT_NAMES
        for fix in corpus(project).fix_run.fixes.values()
        for code in (d.code for d in fix.applied)
    }
    assert sorted(set(FIXABLE) - applied) == []


@pytest.mark.parametrize("shape_id", sorted(REQUIRED))
def test_required_shapes_are_in_the_corpus(shape_id: str) -> None:
    """The shapes issue 15 names stay in the corpus with the expectation it gives them."""
    shape = next((shape for shape in SHAPES if shape.id == shape_id), None)
    assert shape is not None
    expectation = REQUIRED[shape_id]
    if expectation == "expect-unchanged":
        assert shape.unchanged
    else:
        assert set(expectation.split()[1:]) <= shape.fixed_by


@pytest.mark.parametrize(
    "path", sorted(STANDINS.rglob("*.py")), ids=lambda path: path.relative_to(STANDINS).as_posix()
)
def test_standins_name_the_api_they_mirror(path: Path) -> None:
    """Each stand-in says which real API it mirrors, so a reader can check it against that."""
    docstring = ast.get_docstring(ast.parse(path.read_bytes()))
    assert docstring and ("Stand-in for" in docstring or "Mirrors" in docstring)


def diff(original: bytes, fixed: bytes) -> str:
    return "".join(
        difflib.unified_diff(
            original.decode().splitlines(keepends=True),
            fixed.decode().splitlines(keepends=True),
            "before the fixes",
            "after the fixes",
        )
    )
