"""A module's cost grows linearly with its size (issue 17).

A generated module of Celery tasks can be megabytes long. A step that scans the whole
module for each task or each enqueue is invisible on hand-written files and dominates on
those: a 5 MB module was killed after ten minutes. Timing it would be slow and flaky, so
this counts work instead, for the module of ``benchmarks/module_scaling.py`` with N tasks
and with 2N: the lines each function of joblint runs, and the calls of each function of
joblint and of libcst (whose code generation for the whole module was the costliest such
step). Twice the tasks may take twice the work, and a little more for sorting; a step
quadratic in the module's size takes four times as much. The collector is paused while
counting, so nothing it runs (another library's callback, a finalizer) is counted.
``python benchmarks/module_scaling.py`` shows the time per size.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import sys
from collections import Counter
from pathlib import Path
from types import CodeType, FrameType, ModuleType
from typing import Any

import libcst
from lint_support import REPO, lint_tree

import joblint
from joblint.diagnostics import Diagnostic

JOBLINT = str(Path(joblint.__file__).parent) + os.sep
LIBCST = str(Path(libcst.__file__).parent) + os.sep
TASKS = 24  # N: a multiple of twelve, the period of the module's shapes and routes
GROWTH = 2.5  # the most work twice the tasks may take, as a multiple
LEAST = 100  # counts smaller than this at 2N are fixed costs, not growth

Work = Counter[tuple[CodeType, str]]


def load_benchmark() -> ModuleType:
    """benchmarks/ is a folder of scripts, not a package."""
    path = REPO / "benchmarks" / "module_scaling.py"
    spec = importlib.util.spec_from_file_location("module_scaling", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


module_scaling = load_benchmark()


def counted_run(root: Path, tasks: int) -> tuple[Work, list[Diagnostic]]:
    """Lint the project of ``tasks`` tasks with every rule, counting the calls of
    joblint's and libcst's functions and the lines joblint's run."""
    module_scaling.write_project(root, tasks)
    work: Work = Counter()

    def lines(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            work[frame.f_code, "lines"] += 1
        return lines

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        filename = frame.f_code.co_filename
        if filename.startswith(JOBLINT):
            work[frame.f_code, "calls"] += 1
            return lines
        if filename.startswith(LIBCST):
            work[frame.f_code, "calls"] += 1
        return None

    collecting = gc.isenabled()
    gc.disable()
    sys.settrace(calls)
    try:
        findings = lint_tree(root)
    finally:
        sys.settrace(None)
        if collecting:
            gc.enable()
    return work, findings


def describe(key: tuple[CodeType, str]) -> str:
    code, kind = key
    where = code.co_filename.removeprefix(JOBLINT)
    return f"{where}:{code.co_firstlineno} {code.co_qualname} ({kind})"


def test_no_step_grows_faster_than_the_module(tmp_path: Path) -> None:
    counted_run(tmp_path / "warm-up", 12)  # imports and first-use caches, paid once
    small, _ = counted_run(tmp_path / "small", TASKS)
    large, findings = counted_run(tmp_path / "large", 2 * TASKS)
    # The module takes the paths issue 17 found quadratic: fixes offered for enqueues in
    # a transaction (JOB601), routes by task name, helpers beside the tasks, fallbacks.
    assert any(finding.code == "JOB601" and finding.fix for finding in findings)
    grown = sorted(
        f"{describe(key)}: {small[key]} -> {count}"
        for key, count in large.items()
        if count >= LEAST and count > GROWTH * small[key]
    )
    assert grown == [], "\n".join(grown)


def test_the_module_is_the_same_every_time_and_compiles() -> None:
    source = module_scaling.module_source(TASKS)
    assert source == module_scaling.module_source(TASKS)
    compile(source, "tasks.py", "exec")


def test_a_size_gives_a_module_at_least_that_large() -> None:
    for size in (10_000, 64 * 1024):
        tasks = module_scaling.tasks_for(size)
        assert len(module_scaling.module_source(tasks)) >= size
        assert len(module_scaling.module_source(tasks - 1)) < size
