"""Speed and memory of joblint beside ruff, flake8 and Fixit on the same tree.

    pip install ruff flake8 fixit django    # beside joblint; any missing tool is skipped
    python benchmarks/run.py                 # the installed Django package
    python benchmarks/run.py --jobs-tree     # a generated 600-file project full of jobs
    python benchmarks/run.py FOLDER ...      # folders of your own: an application's checkout
    python benchmarks/run.py --django --jobs-tree FOLDER --runs 5
    python benchmarks/run.py ~/apps/saleor ~/apps/polar --changed-file saleor/core/tasks.py

Trees. With no folder and no ``--jobs-tree``, the installed Django package: a large
codebase where few files touch jobs, so it measures how fast joblint gets out of the way.
``--jobs-tree`` writes the project of ``generate_tree.py`` (``--jobs-tree-files N``, default
600) into a temporary folder: most of its job-related files must go through libcst, the
other half of the story. ``--django`` adds Django when folders or ``--jobs-tree`` are given.
A folder is any application tree, measured from its root as its developers would run the
tools (saleor's checkout, polar's with its code under ``server/``).

Every tree is measured from a copy in a temporary folder, holding its ``.py`` files, its
``pyproject.toml`` files and its YAML files (joblint reads queue configuration from them),
without the folders any of the tools skips by default (hidden folders, ``__pycache__``,
``build``, ``site-packages``, virtual environments...). The copy is needed: a tool that
excludes ``site-packages`` by default may skip the whole tree when it sits under one
(joblint does when run from a folder above it), joblint's cache must not be written
into an installed package, and the one-file row edits a file. So every tool sees the same
files, and "files" below is the number of ``.py`` files in the copy. A folder's
configuration outside it is not copied.

Rows. Each tool runs as its own process, from the copy's root, ``--runs`` times (default
3), with its default parallelism (joblint, flake8 and ruff use every core; Fixit too on
large trees). The table shows the median wall time, files per second from it, and two
peaks of memory over the runs, sampled every 50 ms from /proc (Linux): "peak MiB", the
largest total resident memory of the tool's processes together (pages forked workers share
count once per process), and "1-proc MiB", the largest resident memory of any one of them.
Each is at least the largest single process's ``ru_maxrss``, which catches what the
sampling misses in runs shorter than a sample or where there is no /proc. The line above
the table gives the machine's one-minute load average before and after the tree: other work
on the machine slows every row, and not evenly, so compare figures from quiet runs.

- ``joblint (cold)``: ``joblint check --no-cache --exit-zero --quiet .``
- ``ruff``: ``ruff check --isolated --no-cache --exit-zero --quiet .`` (ruff's default rules)
- ``flake8``: ``flake8 --isolated --exit-zero .`` with only flake8's bundled checkers
  (pyflakes, pycodestyle, mccabe) loaded: flake8 runs every installed plugin on every
  file whatever ``--select`` says, and joblint's own plugin is installed beside it. The
  filter uses a private flake8 function; if a flake8 release renames it, the row fails
  with the error rather than measuring something else.
- ``flake8 + joblint plugin``: the same with joblint's flake8 plugin loaded too (its
  ``JOB`` codes are on by default), as a project that runs joblint through flake8 would.
- ``fixit``: ``fixit --config-file EMPTY lint .`` (Fixit's default rules; it exits 1 when
  it reports something, which is not a failure here). Its own count of files checked is
  compared with ours, so a Fixit that skipped files cannot look fast.
- ``joblint (warm)``: ``joblint check --exit-zero --quiet .``, after one unmeasured run has
  filled the cache and with nothing changed since. Shown only when ``joblint check --help``
  offers ``--no-cache``; without a cache, the cold row runs without that flag.
- ``joblint (one file changed)``: the pre-commit shape, ``joblint check --exit-zero --quiet
  FILE`` with FILE's path relative to the tree's root, after the warm runs and one
  unmeasured run of the same command (the run the previous commit's hook made: FILE's
  project is not the tree's root when its ``pyproject.toml`` is in a folder below, as
  polar's ``server/``); before each measured run a line ``# benchmark edit N`` is appended
  to FILE, N new each time, so each run sees content no run has seen. FILE is
  ``--changed-file`` when the tree has that path, else
  the first file in path order (sorted by path components) that defines a job with a
  decorator (``@app.task``, ``@shared_task``, ``@dramatiq.actor``, ``@actor``, ``@job``,
  ``@huey.task``, ``@db_task``...: a decorator whose last name is one of ``JOB_DECORATORS``),
  is not a test (no ``test``/``tests`` folder, no ``test_*.py``, ``*_test.py`` or
  ``conftest.py``) and is named ``tasks.py``, ``jobs.py``, ``actors.py`` or ``workers.py``;
  else the first such file of any name; else the first Python file. After the measured
  runs, one more edit, then ``joblint check --exit-zero --output-format json FILE`` and, on
  the same content, a cold full run (``--no-cache --output-format json .``): the line under
  the table says whether the two agree on FILE's findings, or how they differ.

``--timeout SECONDS`` stops a run that takes longer (Fixit parses every file with libcst,
and joblint's flake8 plugin used to analyse the project in each of flake8's workers: on a
tree of thousands of files either could take most of an hour); its row then shows the memory so far
and says where it stopped, and a target it cannot meet even so is marked not met.

``--isolated`` and the empty Fixit configuration keep a tree's own ``[tool.ruff]``,
``setup.cfg`` or ``[tool.fixit]`` from changing the rules measured. Under the table, the
targets the speed issues set, each marked met or not met: on every tree, joblint cold no
slower than plain flake8, no joblint process above 400 MB, one changed file checked in
under a second, and joblint's flake8 plugin adding no more than joblint's own cold time to
flake8's; the files-per-second ratios to flake8 and Fixit and the warm-to-ruff ratio on the
trees they were set for. Nothing is asserted: the numbers go in the README.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import importlib.util
import itertools
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import generate_tree

BIN = Path(sys.executable).parent
MIB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_SECONDS = 0.05
# The folders some tool skips by default: ruff's and joblint's default exclusions, flake8's.
SKIPPED_FOLDERS = frozenset(
    {
        "__pycache__", "__pypackages__", "_build", "buck-out", "build", "dist",
        "node_modules", "site-packages", "venv", "CVS",
    }
)  # fmt: skip
COPIED_SUFFIXES = (".py", ".yml", ".yaml")
CACHE_DIR_NAME = ".joblint_cache"
# flake8 runs every installed plugin on every file, whatever --select says, and joblint is
# one: only the distributions named in the first argument are loaded (flake8's defaults are
# pyflakes, pycodestyle and mccabe).
FLAKE8_WITH_ONLY = """
import sys
from flake8.main.cli import main
from flake8.plugins import finder

everything = finder._find_importlib_plugins
loaded = set(sys.argv.pop(1).split(","))
finder._find_importlib_plugins = lambda: (p for p in everything() if p.package in loaded)
sys.exit(main())
"""
FLAKE8_BUNDLED = ("flake8", "pyflakes", "pycodestyle", "mccabe")
# The last name of a decorator that makes a job: Celery, Dramatiq, RQ, Huey, Procrastinate,
# arq, Django Tasks.
JOB_DECORATORS = ("task", "shared_task", "periodic_task", "db_task", "db_periodic_task",
                  "actor", "job")  # fmt: skip
JOB_DEFINITION = re.compile(
    rf"^[ \t]*@(?:\w+\.)*(?:{'|'.join(JOB_DECORATORS)})\b", re.MULTILINE | re.ASCII
)
TEST_FOLDERS = frozenset({"test", "tests"})
JOB_MODULES = frozenset({"tasks.py", "jobs.py", "actors.py", "workers.py"})
ONE_FILE_LIMIT = 1.0  # seconds
PROCESS_LIMIT = 400e6  # bytes: the issue says 400 MB


@dataclass(frozen=True)
class Tree:
    label: str
    root: Path  # the copy every tool runs on
    kind: str  # "django", "jobs" or "folder": which of the targets apply
    files: int
    changed_file: str  # relative to root: the file the one-file row edits


@dataclass(frozen=True)
class Run:
    wall: float
    peak_mib: float  # all the tool's processes together
    largest_mib: float  # the largest one of them
    returncode: int
    output: str
    stopped: bool = False  # killed at --timeout


@dataclass(frozen=True)
class Row:
    tool: str
    wall: float | None = None  # median seconds; None when the tool could not be measured
    files_per_second: float | None = None  # None too for the one-file row
    peak_mib: float | None = None
    largest_mib: float | None = None
    note: str = ""
    stopped_after: float | None = None  # a run hit --timeout: the wall is at least this


@dataclass(frozen=True)
class Measurement:
    rows: list[Row]
    # Whether a one-file check agrees with a cold full run on that file; None if not run.
    agreement: str | None = None
    # The one-minute load average before and after: other work on the machine slows every
    # row, and not evenly.
    load: tuple[float, float] | None = None


def find_tool(name: str) -> str | None:
    return shutil.which(name, path=str(BIN)) or shutil.which(name)


def group_rss(group: int) -> tuple[int, int]:
    """Bytes resident in every process of a process group together, and in the largest
    one, read from /proc (Linux); zeros where there is no /proc."""
    total = largest = 0
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            if int(fields[2]) != group:
                continue
            with open(f"/proc/{entry.name}/statm", "rb") as statm:
                resident = int(statm.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
        total += resident
        largest = max(largest, resident)
    return total, largest


def measure(command: list[str], cwd: Path, timeout: float | None = None) -> Run:
    """One run: wall seconds, peak memory in MiB and what the tool printed. A run still
    going after ``timeout`` seconds is killed with its processes.

    The peaks are sampled from another thread, so the wall time is not rounded to the
    sampling interval, and are at least the biggest single process's ``ru_maxrss``
    (counting the tool's children), which catches what falls between samples."""
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        done = threading.Event()
        sampled = [0, 0]
        stopped = [False]

        def sample() -> None:
            while not done.wait(SAMPLE_SECONDS):
                if timeout is not None and time.perf_counter() - start > timeout:
                    stopped[0] = True
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    return
                total, largest = group_rss(process.pid)
                sampled[0] = max(sampled[0], total)
                sampled[1] = max(sampled[1], largest)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode("utf-8", errors="replace")
    largest = max(usage.ru_maxrss * 1024, sampled[1])
    peak = max(largest, sampled[0])
    return Run(elapsed, peak / MIB, largest / MIB, process.returncode, text, stopped[0])


def skipped(folder: Path) -> bool:
    name = folder.name
    return (
        name.startswith(".")
        or name in SKIPPED_FOLDERS
        or name.endswith(".egg")
        or (folder / "pyvenv.cfg").exists()
    )


def copy_tree(source: Path, destination: Path) -> None:
    """Copy what the tools read."""
    for directory, folders, names in os.walk(source):
        here = Path(directory)
        folders[:] = sorted(f for f in folders if not skipped(here / f))
        target = destination / here.relative_to(source)
        for name in names:
            if name.endswith(COPIED_SUFFIXES) or name == "pyproject.toml":
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(here / name, target / name)


def python_files(root: Path) -> int:
    return sum(1 for _ in root.rglob("*.py"))


def is_test(relative: Path) -> bool:
    name = relative.name
    return (
        not TEST_FOLDERS.isdisjoint(relative.parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def default_changed_file(root: Path) -> str:
    """The file the one-file row edits when none is named: a project's job module, as the
    file a developer changes is most often one joblint must parse. The first file in path
    order named like a job module (``JOB_MODULES``) that defines a job with a decorator and
    is not a test; else the first such file of any name (a decorator named ``task`` is not
    always a job's: locust has one); else the first Python file."""
    paths = sorted((path.relative_to(root) for path in root.rglob("*.py")), key=lambda p: p.parts)
    if not paths:
        raise ValueError(f"no Python file in {root}")
    defining = [
        relative
        for relative in paths
        if not is_test(relative)
        and JOB_DEFINITION.search((root / relative).read_text(encoding="utf-8", errors="replace"))
    ]
    named = [relative for relative in defining if relative.name in JOB_MODULES]
    return (named or defining or paths)[0].as_posix()


def append_edit(path: Path, number: int) -> None:
    """A change no run has seen, which changes no finding: a comment line at the end."""
    content = path.read_bytes()
    newline = b"\n" if content and not content.endswith(b"\n") else b""
    path.write_bytes(content + newline + f"# benchmark edit {number}\n".encode())


def remove_caches(root: Path) -> None:
    """joblint writes its cache at the project root, which for a file below another
    ``pyproject.toml`` (polar's ``server/``) is not the tree's root."""
    for cache in list(root.rglob(CACHE_DIR_NAME)):
        shutil.rmtree(cache, ignore_errors=True)


def joblint_has_cache(joblint: str) -> bool:
    result = subprocess.run(
        [joblint, "check", "--help"], capture_output=True, text=True, check=False
    )
    return "--no-cache" in result.stdout


def joblint_flake8_plugin() -> str | None:
    """The distribution that provides joblint's flake8 plugin, if it is installed."""
    for entry_point in importlib.metadata.entry_points(group="flake8.extension"):
        if entry_point.name == "JOB" and entry_point.dist is not None:
            return str(entry_point.dist.name)
    return None


def fixit_files_checked(output: str) -> int | None:
    """Fixit's own count, from its last line: "45 files checked, ..." or "20 files clean"."""
    found = re.findall(r"(\d+) files? (?:checked|clean)", output)
    return int(found[-1]) if found else None


def timed(
    tool: str,
    command: list[str],
    tree: Tree,
    runs: int,
    ok: tuple[int, ...],
    timeout: float | None = None,
    before_each: Callable[[], object] | None = None,
) -> Row:
    results: list[Run] = []
    for _ in range(runs):
        if before_each is not None:
            before_each()
        run = measure(command, tree.root, timeout)
        if run.stopped and timeout is not None:
            return Row(
                tool,
                peak_mib=max(r.peak_mib for r in [*results, run]),
                largest_mib=max(r.largest_mib for r in [*results, run]),
                note=f"stopped after {timeout:g} s (--timeout)",
                stopped_after=timeout,
            )
        if run.returncode not in ok:
            tail = " | ".join(run.output.strip().splitlines()[-3:])
            return Row(tool, note=f"failed (exit {run.returncode}): {tail}")
        results.append(run)
    wall = statistics.median(run.wall for run in results)
    note = ""
    if tool == "fixit":
        checked = fixit_files_checked(results[-1].output)
        if checked != tree.files:
            note = f"Fixit says it checked {checked} files, not {tree.files}"
    return Row(
        tool,
        wall,
        tree.files / wall if before_each is None else None,
        max(run.peak_mib for run in results),
        max(run.largest_mib for run in results),
        note,
    )


def flake8_row(
    tool: str, packages: tuple[str, ...], tree: Tree, runs: int, timeout: float | None
) -> Row:
    # -P: the tree's own packages (Django's `http`, `test`...) must not shadow the
    # standard library's.
    command = [sys.executable, "-P", "-c", FLAKE8_WITH_ONLY, ",".join(packages)]
    return timed(tool, [*command, "--isolated", "--exit-zero", "."], tree, runs, (0,), timeout)


def json_findings(command: list[str], cwd: Path, file: Path) -> Counter[str]:
    """The findings a ``--output-format json`` run reports on ``file``, each as its JSON."""
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = " | ".join(result.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"`{' '.join(command[1:])}` failed (exit {result.returncode}): {tail}")
    target = file.resolve()
    return Counter(
        json.dumps(finding, sort_keys=True)
        for finding in json.loads(result.stdout)
        if Path(finding["filename"]).resolve() == target
    )


def describe(findings: Counter[str]) -> str:
    shown = []
    for text in sorted(findings.elements()):
        finding = json.loads(text)
        location = finding.get("location") or {}
        shown.append(f"{finding['code']} {location.get('row')}:{location.get('column')}")
    return ", ".join(shown)


def agreement(joblint: str, tree: Tree, edit: Callable[[], object]) -> str:
    """Whether checking the changed file alone, as pre-commit does after an edit, reports
    what a cold run over the whole tree reports on that file."""
    file = tree.changed_file
    edit()
    one_file = [joblint, "check", "--exit-zero", "--output-format", "json", file]
    full = [joblint, "check", "--no-cache", "--exit-zero", "--output-format", "json", "."]
    try:
        alone = json_findings(one_file, tree.root, tree.root / file)
        whole = json_findings(full, tree.root, tree.root / file)
    except (RuntimeError, ValueError, KeyError) as error:
        return f"one file changed ({file}) vs a cold full run: could not compare: {error}"
    label = f"one file changed ({file}) vs a cold full run"
    if alone == whole:
        return f"{label}: same findings ({sum(alone.values())})"
    only_alone, only_whole = alone - whole, whole - alone
    return (
        f"{label}: different findings: only in the one-file run: "
        f"{describe(only_alone) or 'none'}; only in the full run: {describe(only_whole) or 'none'}"
    )


def measure_tree(tree: Tree, runs: int, timeout: float | None, config_dir: Path) -> Measurement:
    load_before = os.getloadavg()[0]
    rows: list[Row] = []
    joblint = find_tool("joblint")
    if joblint is None:
        sys.exit("joblint is not installed: `pip install .` from the repository first.")
    cached = joblint_has_cache(joblint)
    check = [joblint, "check", "--exit-zero", "--quiet", "."]
    cold = [*check[:2], "--no-cache", *check[2:]] if cached else check
    rows.append(timed("joblint (cold)", cold, tree, runs, (0,), timeout))

    ruff = find_tool("ruff")
    if ruff:
        ruff_command = [ruff, "check", "--isolated", "--no-cache", "--exit-zero", "--quiet", "."]
        rows.append(timed("ruff", ruff_command, tree, runs, (0,), timeout))
    else:
        rows.append(Row("ruff", note="not installed: `pip install ruff`"))

    plugin = joblint_flake8_plugin()
    if importlib.util.find_spec("flake8") is None:
        rows.append(Row("flake8", note="not installed: `pip install flake8`"))
        rows.append(Row("flake8 + joblint plugin", note="flake8 is not installed"))
    else:
        rows.append(flake8_row("flake8", FLAKE8_BUNDLED, tree, runs, timeout))
        if plugin is None:
            note = "joblint's flake8 plugin is not installed"
            rows.append(Row("flake8 + joblint plugin", note=note))
        else:
            packages = (*FLAKE8_BUNDLED, plugin)
            rows.append(flake8_row("flake8 + joblint plugin", packages, tree, runs, timeout))

    fixit = find_tool("fixit")
    if fixit:
        empty_config = config_dir / "fixit.toml"
        empty_config.touch()
        command = [fixit, "--config-file", str(empty_config), "lint", "."]
        rows.append(timed("fixit", command, tree, runs, (0, 1), timeout))
    else:
        rows.append(Row("fixit", note="not installed: `pip install fixit`"))

    # Last, so the cache folder is not in the tree while the other tools run, and the
    # edited file is the same for every tool.
    measure(check, tree.root, timeout)  # fills the cache, if there is one
    if cached:
        rows.append(timed("joblint (warm)", check, tree, runs, (0,), timeout))
    else:
        rows.append(Row("joblint (warm)", note="unavailable: this joblint has no cache"))
    edits = itertools.count(1)
    changed = tree.root / tree.changed_file

    def edit() -> None:
        append_edit(changed, next(edits))

    one_file = [joblint, "check", "--exit-zero", "--quiet", tree.changed_file]
    # The previous run pre-commit leaves is its own: FILE's project (which may be a folder
    # below the tree's root, polar's `server/`) checked once, unmeasured, as the last
    # commit's hook did.
    measure(one_file, tree.root, timeout)
    row = timed("joblint (one file changed)", one_file, tree, runs, (0,), timeout, edit)
    rows.append(row if row.wall is None else replace(row, note=tree.changed_file))
    if row.wall is None or rows[0].wall is None:
        same = f"one file changed ({tree.changed_file}): not compared, a joblint row failed"
    else:
        same = agreement(joblint, tree, edit)
    remove_caches(tree.root)
    return Measurement(rows, same, (load_before, os.getloadavg()[0]))


def verdict(met: bool) -> str:
    return "met" if met else "not met"


def seconds(row: Row) -> tuple[float, bool] | None:
    """A row's wall time, and whether it is only a lower bound (a run hit --timeout)."""
    if row.wall is not None:
        return row.wall, False
    if row.stopped_after is not None:
        return row.stopped_after, True
    return None


def at_most(
    label: str, value: float, lower_bound: bool, limit: float, unit: str, limit_name: str = ""
) -> str:
    """The line for a target "``value`` ≤ ``limit``"; a lower bound can still miss it."""
    number = f"{value:.2f}{unit}"
    target = f"target ≤ {limit_name}{limit:.3g}{unit}"
    if not lower_bound:
        return f"{label}: {number} ({target}): {verdict(value <= limit)}"
    return f"{label}: more than {number} ({target}): {'not met' if value > limit else 'unknown'}"


def ratio_lines(tree: Tree, rows: list[Row]) -> Iterator[str]:
    """The issues' targets: which hold for this tree, and by how much."""
    by_tool = {row.tool: row for row in rows}
    cold = by_tool["joblint (cold)"]
    warm = by_tool["joblint (warm)"]
    changed = by_tool["joblint (one file changed)"]
    flake8 = by_tool["flake8"]
    with_plugin = by_tool["flake8 + joblint plugin"]

    def speed(other: str, target: float | None) -> str:
        theirs = by_tool[other]
        label = f"joblint (cold) files/s ÷ {other} files/s"
        if cold.files_per_second is None:
            return f"{label}: unavailable"
        if theirs.files_per_second is not None:
            ratio = cold.files_per_second / theirs.files_per_second
            if target is None:
                return f"{label}: {ratio:.2f}x (no target on this tree)"
            return f"{label}: {ratio:.2f}x (target ≥ {target:g}x): {verdict(ratio >= target)}"
        if theirs.stopped_after is None:
            return f"{label}: unavailable"
        # The other tool was stopped: it checked fewer files per second than this.
        ratio = cold.files_per_second / (tree.files / theirs.stopped_after)
        if target is None:
            return f"{label}: more than {ratio:.2f}x (no target on this tree)"
        outcome = "met" if ratio >= target else "unknown"
        return f"{label}: more than {ratio:.2f}x (target ≥ {target:g}x): {outcome}"

    flake8_target = {"django": 10.0, "jobs": 2.0}.get(tree.kind)
    fixit_target = {"jobs": 20.0}.get(tree.kind)
    yield speed("flake8", flake8_target)
    yield speed("fixit", fixit_target)

    cold_s, warm_s, changed_s = seconds(cold), seconds(warm), seconds(changed)
    plugin_s, ruff_wall = seconds(with_plugin), by_tool["ruff"].wall

    label = "joblint (cold) wall ÷ flake8 wall"
    if cold_s is None or flake8.wall is None:
        yield f"{label}: unavailable"
    else:
        yield at_most(label, cold_s[0] / flake8.wall, cold_s[1], 1, "x")

    label = "joblint (warm) wall ÷ ruff wall"
    if warm_s is None or ruff_wall is None:
        yield f"{label}: unavailable"
    else:
        yield at_most(label, warm_s[0] / ruff_wall, warm_s[1], 3, "x")

    label = "joblint (one file changed) wall"
    if changed_s is None:
        yield f"{label}: unavailable"
    else:
        yield at_most(label, changed_s[0], changed_s[1], ONE_FILE_LIMIT, " s")

    label = "flake8 + joblint plugin wall - flake8 wall"
    if plugin_s is None or flake8.wall is None or cold.wall is None:
        yield f"{label}: unavailable"
    else:
        extra = plugin_s[0] - flake8.wall
        yield at_most(label, extra, plugin_s[1], cold.wall, " s", "joblint (cold) wall, ")

    joblint_rows = [row for row in (cold, warm, changed) if row.largest_mib is not None]
    if not joblint_rows:
        yield "joblint largest single process: unavailable"
    else:
        largest = max(joblint_rows, key=lambda row: row.largest_mib or 0.0)
        limit = PROCESS_LIMIT / MIB
        yield (
            f"joblint largest single process: {largest.largest_mib:.0f} MiB, in "
            f"{largest.tool} (target ≤ 400 MB = {limit:.0f} MiB): "
            f"{verdict((largest.largest_mib or 0.0) <= limit)}"
        )

    peaks = [row.peak_mib for row in (cold, warm) if row.peak_mib is not None]
    if not peaks:
        yield "joblint peak memory: unavailable"
    elif tree.kind == "django":
        limit = 300e6 / MIB  # the issue says 300 MB
        peak = max(peaks)
        yield (
            f"joblint peak memory: {peak:.0f} MiB (target < 300 MB = {limit:.0f} MiB): "
            f"{verdict(peak < limit)}"
        )
    else:
        yield f"joblint peak memory: {max(peaks):.0f} MiB (no target on this tree)"


def print_table(tree: Tree, measurement: Measurement, runs: int) -> None:
    print(f"\n{tree.label}: {tree.files} Python files, median of {runs} run(s)")
    if measurement.load is not None:
        before, after = measurement.load
        print(f"load average: {before:.2f} before, {after:.2f} after, on {os.cpu_count()} CPUs")
    print(f"{'tool':<26} {'wall s':>8} {'files/s':>8} {'peak MiB':>9} {'1-proc MiB':>11}")
    for row in measurement.rows:
        if row.peak_mib is None or row.largest_mib is None:
            print(f"{row.tool:<26} {row.note}")
            continue
        wall = "-" if row.wall is None else f"{row.wall:.2f}"
        rate = "-" if row.files_per_second is None else f"{row.files_per_second:.1f}"
        line = f"{row.tool:<26} {wall:>8} {rate:>8} {row.peak_mib:>9.0f} {row.largest_mib:>11.0f}"
        print(f"{line}  {row.note}".rstrip())
    for line in ratio_lines(tree, measurement.rows):
        print(f"  {line}")
    if measurement.agreement is not None:
        print(f"  {measurement.agreement}")


def django_source() -> tuple[str, Path]:
    spec = importlib.util.find_spec("django")
    if spec is None or spec.origin is None:
        sys.exit("Django is not installed: `pip install django`, or name a folder to measure.")
    version = importlib.metadata.version("django")
    return f"Django {version}", Path(spec.origin).parent


def changed_file(root: Path, named: list[str]) -> str:
    for relative in named:
        if (root / relative).is_file():
            return relative
    return default_changed_file(root)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folders", nargs="*", type=Path, help="folders to measure as well")
    parser.add_argument("--runs", type=int, default=3, help="runs per tool (median; default 3)")
    parser.add_argument(
        "--jobs-tree",
        action="store_true",
        help="measure a generated project where many files define or enqueue jobs",
    )
    parser.add_argument(
        "--jobs-tree-files",
        type=int,
        default=generate_tree.DEFAULT_FILES,
        metavar="N",
        help=f"Python files in the generated project (default {generate_tree.DEFAULT_FILES})",
    )
    parser.add_argument(
        "--django", action="store_true", help="measure Django too when other trees are named"
    )
    parser.add_argument(
        "--changed-file",
        action="append",
        default=[],
        metavar="RELATIVE/PATH",
        help=(
            "the Python file the one-file row edits, relative to a tree's root; repeat it "
            "for several trees: each tree uses the first that it has (default: the first "
            "file in path order that defines a job)"
        ),
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="stop a tool's run after this long; its row says so (default: no limit)",
    )
    options = parser.parse_args()
    if options.runs < 1:
        parser.error("--runs must be at least 1")
    if options.timeout is not None and options.timeout <= 0:
        parser.error("--timeout must be positive")
    for folder in options.folders:
        if not folder.is_dir():
            parser.error(f"not a folder: {folder}")
    for relative in options.changed_file:
        if Path(relative).is_absolute() or not relative.endswith(".py"):
            parser.error(f"--changed-file {relative}: not a relative path to a .py file")

    sources: list[tuple[str, Path, str]] = []
    if options.django or not (options.folders or options.jobs_tree):
        label, path = django_source()
        sources.append((label, path, "django"))
    sources += [(str(folder), folder, "folder") for folder in options.folders]

    with tempfile.TemporaryDirectory(prefix="joblint-bench-") as scratch:
        work = Path(scratch)
        copies: list[tuple[str, Path, str]] = []
        for number, (label, path, kind) in enumerate(sources):
            copy = work / f"tree{number}"
            copy_tree(path, copy)
            copies.append((f"{label} ({path})", copy, kind))
        if options.jobs_tree:
            copy = generate_tree.generate(work / "jobs-tree", options.jobs_tree_files)
            label = f"generated jobs tree (generate_tree.py, {options.jobs_tree_files} files)"
            copies.append((label, copy, "jobs"))
        for relative in options.changed_file:
            if not any((copy / relative).is_file() for _, copy, _ in copies):
                parser.error(f"--changed-file {relative}: no measured tree has this file")
        trees: list[Tree] = []
        for label, copy, kind in copies:
            files = python_files(copy)
            if files == 0:
                parser.error(f"no Python files in {label}")
            trees.append(Tree(label, copy, kind, files, changed_file(copy, options.changed_file)))
        for tree in trees:
            measurement = measure_tree(tree, options.runs, options.timeout, work)
            print_table(tree, measurement, options.runs)


if __name__ == "__main__":
    main()
