"""Speed and memory of joblint beside ruff and flake8 on the same tree.

    python benchmarks/run.py [FOLDER ...] [--runs N]

Without a folder it measures the installed Django package (`pip install django` first),
a large codebase where few files touch jobs. Each tool runs as its own process, several
times; the script prints the median wall time, files per second and peak memory (the
child's maximum resident set size). Nothing here is asserted: the numbers go in the README.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def python_files(root: Path) -> int:
    return sum(1 for _ in root.rglob("*.py"))


def measure(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS in MiB of one run."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, _, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss // 1024


def tools(root: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {
        "joblint": [str(BIN / "joblint"), "check", "--exit-zero", "--quiet", str(root)],
    }
    ruff = shutil.which("ruff", path=str(BIN)) or shutil.which("ruff")
    if ruff:
        found["ruff"] = [ruff, "check", "--no-cache", "--exit-zero", "--quiet", str(root)]
    if importlib.util.find_spec("flake8") is not None:
        found["flake8"] = [sys.executable, "-m", "flake8", "--exit-zero", str(root)]
    return found


def default_tree() -> Path:
    spec = importlib.util.find_spec("django")
    if spec is None or spec.origin is None:
        sys.exit("Django is not installed: `pip install django`, or name a folder to measure.")
    return Path(spec.origin).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    folders = options.folders or [default_tree()]
    for root in folders:
        files = python_files(root)
        print(f"\n{root} ({files} Python files), median of {options.runs} runs")
        print(f"{'tool':<10} {'wall s':>8} {'files/s':>10} {'peak MiB':>9}")
        for name, command in tools(root).items():
            runs = [measure(command, root) for _ in range(options.runs)]
            wall = statistics.median(r[0] for r in runs)
            peak = max(r[1] for r in runs)
            print(f"{name:<10} {wall:>8.2f} {files / wall:>10.0f} {peak:>9}")


if __name__ == "__main__":
    main()
