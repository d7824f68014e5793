"""Speed and memory of joblint beside ruff, flake8 and Fixit on the same tree.

    pip install ruff flake8 fixit django    # beside joblint; any missing tool is skipped
    python benchmarks/run.py                 # the installed Django package
    python benchmarks/run.py --jobs-tree     # a generated 600-file project full of jobs
    python benchmarks/run.py FOLDER ...      # folders of your own
    python benchmarks/run.py --django --jobs-tree FOLDER --runs 5

Trees. With no folder and no ``--jobs-tree``, the installed Django package: a large
codebase where few files touch jobs, so it measures how fast joblint gets out of the way.
``--jobs-tree`` writes the project of ``generate_tree.py`` (``--jobs-tree-files N``, default
600) into a temporary folder: most of its job-related files must go through libcst, the
other half of the story. ``--django`` adds Django when folders or ``--jobs-tree`` are given.

Every tree is measured from a copy in a temporary folder, holding its ``.py`` files, its
``pyproject.toml`` files and its YAML files (joblint reads queue configuration from them),
without the folders any of the tools skips by default (hidden folders, ``__pycache__``,
``build``, ``site-packages``, virtual environments...). The copy is needed: a tool that
excludes ``site-packages`` by default may skip the whole tree when it sits under one
(joblint does when run from a folder above it), and joblint's cache must not be written
into an installed package. So every tool sees the same files, and "files" below is the
number of ``.py`` files in the copy. A folder's configuration outside it is not copied.

Rows. Each tool runs as its own process, from the copy's root, ``--runs`` times (default
3), with its default parallelism (joblint, flake8 and ruff use every core; Fixit too on
large trees). The table shows the median wall time, files per second from it, and the peak
memory over the runs: the largest total resident memory of the tool's processes together,
sampled every 50 ms from /proc (Linux; pages forked workers share count once per
process), or the largest single process's (``ru_maxrss``) when that is more, as it is for
runs shorter than a sample or where there is no /proc.

- ``joblint (cold)``: ``joblint check --no-cache --exit-zero --quiet .``
- ``joblint (warm)``: the same without ``--no-cache``, after one unmeasured run has filled
  the cache and with nothing changed since. Shown only when ``joblint check --help``
  offers ``--no-cache``; without a cache, the cold row runs without that flag.
- ``ruff``: ``ruff check --isolated --no-cache --exit-zero --quiet .`` (ruff's default rules)
- ``flake8``: ``flake8 --isolated --exit-zero .`` with only flake8's bundled checkers
  (pyflakes, pycodestyle, mccabe) loaded: flake8 runs every installed plugin on every
  file whatever ``--select`` says, and joblint's own plugin is installed beside it. The
  filter uses a private flake8 function; if a flake8 release renames it, the row fails
  with the error rather than measuring something else.
- ``fixit``: ``fixit --config-file EMPTY lint .`` (Fixit's default rules; it exits 1 when
  it reports something, which is not a failure here). Its own count of files checked is
  compared with ours, so a Fixit that skipped files cannot look fast.

``--isolated`` and the empty Fixit configuration keep a tree's own ``[tool.ruff]``,
``setup.cfg`` or ``[tool.fixit]`` from changing the rules measured. Under the table, the
ratios the speed issue sets targets for, each marked met or not met. Nothing is asserted:
the numbers go in the README.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
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
# flake8 runs every installed plugin on every file, whatever --select says, and joblint is
# one: its defaults are pyflakes, pycodestyle and mccabe, so only those are loaded.
FLAKE8_DEFAULTS_ONLY = """
import sys
from flake8.main.cli import main
from flake8.plugins import finder

everything = finder._find_importlib_plugins
bundled = {"flake8", "pyflakes", "pycodestyle", "mccabe"}
finder._find_importlib_plugins = lambda: (p for p in everything() if p.package in bundled)
sys.exit(main())
"""


@dataclass(frozen=True)
class Tree:
    label: str
    root: Path  # the copy every tool runs on
    kind: str  # "django", "jobs" or "folder": which of the targets apply
    files: int


@dataclass(frozen=True)
class Run:
    wall: float
    peak_mib: float
    returncode: int
    output: str


@dataclass(frozen=True)
class Row:
    tool: str
    wall: float | None = None  # median seconds; None when the tool could not be measured
    files_per_second: float | None = None
    peak_mib: float | None = None
    note: str = ""


def find_tool(name: str) -> str | None:
    return shutil.which(name, path=str(BIN)) or shutil.which(name)


def group_rss(group: int) -> int:
    """Bytes resident in every process of a process group, read from /proc (Linux); 0
    where there is no /proc."""
    total = 0
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            if int(fields[2]) != group:
                continue
            with open(f"/proc/{entry.name}/statm", "rb") as statm:
                total += int(statm.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
    return total


def measure(command: list[str], cwd: Path) -> Run:
    """One run: wall seconds, peak memory in MiB and what the tool printed.

    The peak is the larger of the biggest single process (``ru_maxrss``, counting the
    tool's children) and the largest sum over all its processes, sampled from another
    thread so the wall time is not rounded to the sampling interval."""
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        done = threading.Event()
        sampled = [0]

        def sample() -> None:
            while not done.wait(SAMPLE_SECONDS):
                sampled[0] = max(sampled[0], group_rss(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode("utf-8", errors="replace")
    peak = max(usage.ru_maxrss * 1024, sampled[0])
    return Run(elapsed, peak / MIB, process.returncode, text)


def skipped(folder: Path) -> bool:
    name = folder.name
    return (
        name.startswith(".")
        or name in SKIPPED_FOLDERS
        or name.endswith(".egg")
        or (folder / "pyvenv.cfg").exists()
    )


def copy_tree(source: Path, destination: Path) -> int:
    """Copy what the tools read; return the number of ``.py`` files copied."""
    count = 0
    for directory, folders, names in os.walk(source):
        here = Path(directory)
        folders[:] = sorted(f for f in folders if not skipped(here / f))
        target = destination / here.relative_to(source)
        for name in names:
            if name.endswith(COPIED_SUFFIXES) or name == "pyproject.toml":
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(here / name, target / name)
                count += name.endswith(".py")
    return count


def python_files(root: Path) -> int:
    return sum(1 for _ in root.rglob("*.py"))


def joblint_has_cache(joblint: str) -> bool:
    result = subprocess.run(
        [joblint, "check", "--help"], capture_output=True, text=True, check=False
    )
    return "--no-cache" in result.stdout


def fixit_files_checked(output: str) -> int | None:
    """Fixit's own count, from its last line: "45 files checked, ..." or "20 files clean"."""
    found = re.findall(r"(\d+) files? (?:checked|clean)", output)
    return int(found[-1]) if found else None


def timed(tool: str, command: list[str], tree: Tree, runs: int, ok: tuple[int, ...]) -> Row:
    results = []
    for _ in range(runs):
        run = measure(command, tree.root)
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
    return Row(tool, wall, tree.files / wall, max(run.peak_mib for run in results), note)


def measure_tree(tree: Tree, runs: int, config_dir: Path) -> list[Row]:
    rows: list[Row] = []
    joblint = find_tool("joblint")
    if joblint is None:
        sys.exit("joblint is not installed: `pip install .` from the repository first.")
    cached = joblint_has_cache(joblint)
    check = [joblint, "check", "--exit-zero", "--quiet", "."]
    cold = [*check[:2], "--no-cache", *check[2:]] if cached else check
    rows.append(timed("joblint (cold)", cold, tree, runs, ok=(0,)))

    ruff = find_tool("ruff")
    if ruff:
        ruff_command = [ruff, "check", "--isolated", "--no-cache", "--exit-zero", "--quiet", "."]
        rows.append(timed("ruff", ruff_command, tree, runs, ok=(0,)))
    else:
        rows.append(Row("ruff", note="not installed: `pip install ruff`"))

    if importlib.util.find_spec("flake8") is not None:
        # -P: the tree's own packages (Django's `http`, `test`...) must not shadow the
        # standard library's.
        flake8 = [
            sys.executable,
            "-P",
            "-c",
            FLAKE8_DEFAULTS_ONLY,
            "--isolated",
            "--exit-zero",
            ".",
        ]
        rows.append(timed("flake8", flake8, tree, runs, ok=(0,)))
    else:
        rows.append(Row("flake8", note="not installed: `pip install flake8`"))

    fixit = find_tool("fixit")
    if fixit:
        empty_config = config_dir / "fixit.toml"
        empty_config.touch()
        command = [fixit, "--config-file", str(empty_config), "lint", "."]
        rows.append(timed("fixit", command, tree, runs, ok=(0, 1)))
    else:
        rows.append(Row("fixit", note="not installed: `pip install fixit`"))

    # Last, so the cache folder is not in the tree while the other tools run.
    if cached:
        measure(check, tree.root)  # fills the cache
        rows.append(timed("joblint (warm)", check, tree, runs, ok=(0,)))
        shutil.rmtree(tree.root / ".joblint_cache", ignore_errors=True)
    else:
        rows.append(Row("joblint (warm)", note="unavailable: this joblint has no cache"))
    return rows


def ratio_lines(tree: Tree, rows: list[Row]) -> Iterator[str]:
    """The issue's targets: which hold for this tree, and by how much."""
    by_tool = {row.tool: row for row in rows}
    cold = by_tool["joblint (cold)"]
    warm = by_tool["joblint (warm)"]

    def verdict(met: bool) -> str:
        return "met" if met else "not met"

    def speed(other: str, target: float | None) -> str:
        theirs = by_tool[other].files_per_second
        label = f"joblint (cold) files/s ÷ {other} files/s"
        if cold.files_per_second is None or theirs is None:
            return f"{label}: unavailable"
        ratio = cold.files_per_second / theirs
        if target is None:
            return f"{label}: {ratio:.2f}x (no target on this tree)"
        return f"{label}: {ratio:.2f}x (target ≥ {target:g}x): {verdict(ratio >= target)}"

    flake8_target = {"django": 10.0, "jobs": 2.0}.get(tree.kind)
    fixit_target = {"jobs": 20.0}.get(tree.kind)
    yield speed("flake8", flake8_target)
    yield speed("fixit", fixit_target)

    label = "joblint (warm) wall ÷ ruff wall"
    ruff_wall = by_tool["ruff"].wall
    if warm.wall is None or ruff_wall is None:
        yield f"{label}: unavailable"
    else:
        ratio = warm.wall / ruff_wall
        yield f"{label}: {ratio:.2f}x (target ≤ 3x): {verdict(ratio <= 3)}"

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


def print_table(tree: Tree, rows: list[Row], runs: int) -> None:
    print(f"\n{tree.label}: {tree.files} Python files, median of {runs} run(s)")
    print(f"{'tool':<16} {'wall s':>9} {'files/s':>9} {'peak MiB':>9}")
    for row in rows:
        if row.wall is None:
            print(f"{row.tool:<16} {row.note}")
            continue
        line = f"{row.tool:<16} {row.wall:>9.2f} {row.files_per_second:>9.1f} {row.peak_mib:>9.0f}"
        print(f"{line}  {row.note}".rstrip())
    for line in ratio_lines(tree, rows):
        print(f"  {line}")


def django_source() -> tuple[str, Path]:
    spec = importlib.util.find_spec("django")
    if spec is None or spec.origin is None:
        sys.exit("Django is not installed: `pip install django`, or name a folder to measure.")
    version = importlib.metadata.version("django")
    return f"Django {version}", Path(spec.origin).parent


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
    options = parser.parse_args()
    if options.runs < 1:
        parser.error("--runs must be at least 1")
    for folder in options.folders:
        if not folder.is_dir():
            parser.error(f"not a folder: {folder}")

    sources: list[tuple[str, Path, str]] = []
    if options.django or not (options.folders or options.jobs_tree):
        label, path = django_source()
        sources.append((label, path, "django"))
    sources += [(str(folder), folder, "folder") for folder in options.folders]

    with tempfile.TemporaryDirectory(prefix="joblint-bench-") as scratch:
        work = Path(scratch)
        trees: list[Tree] = []
        for number, (label, path, kind) in enumerate(sources):
            copy = work / f"tree{number}"
            files = copy_tree(path, copy)
            trees.append(Tree(f"{label} ({path})", copy, kind, files))
        if options.jobs_tree:
            copy = generate_tree.generate(work / "jobs-tree", options.jobs_tree_files)
            label = f"generated jobs tree (generate_tree.py, {options.jobs_tree_files} files)"
            trees.append(Tree(label, copy, "jobs", python_files(copy)))
        for tree in trees:
            rows = measure_tree(tree, options.runs, work)
            print_table(tree, rows, options.runs)


if __name__ == "__main__":
    main()
