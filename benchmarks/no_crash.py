"""Run joblint over whole large codebases and check that it never crashes.

    python benchmarks/no_crash.py                 # the standard library + what is installed
    python benchmarks/no_crash.py PATH [PATH ...] # any folders

For each tree: ``joblint check`` in a subprocess with every rule enabled, then the verdict.
A tree passes when joblint exits 0 or 1 (clean, or findings), prints no traceback and
reports no internal error of a rule or frontend; files it cannot read or parse are fine
(JOB001, JOB002 are findings, not crashes). Exit status 1 when any tree fails.

The trees by default: the standard library, and the installed packages among Django,
SQLAlchemy, Celery, kombu, RQ, Dramatiq, Huey, Procrastinate, arq, libcst and pip (install
them in the environment first to include them). This is a script rather than a test
because the trees are large and what is installed differs between machines.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

PACKAGES = (
    "django",
    "sqlalchemy",
    "celery",
    "kombu",
    "rq",
    "dramatiq",
    "huey",
    "procrastinate",
    "arq",
    "libcst",
    "pip",
)


def default_trees() -> list[Path]:
    trees = [Path(sysconfig.get_paths()["stdlib"])]
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            trees.append(Path(next(iter(spec.submodule_search_locations))))
    return trees


def count_files(tree: Path) -> int | str:
    """How many files joblint checks under ``tree`` (its own discovery, when importable)."""
    try:
        from joblint.config import Settings
        from joblint.parse.discovery import discover
    except ImportError:
        return "?"
    return len(discover([tree], Settings(project_root=Path.cwd())).files)


def check(tree: Path, timeout: float, keep: Path | None = None) -> tuple[bool, str]:
    """Run joblint on ``tree``; return whether it passed and a one-line account."""
    command = [
        sys.executable,
        "-m",
        "joblint",
        "check",
        str(tree),
        "--select",
        "ALL",
        "--output-format",
        "json",
        "--no-cache",
    ]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout:.0f} s"
    if done.returncode == 2 and "--no-cache" in done.stderr:
        # A joblint without the cache flag: run again without it, and time that run.
        command.remove("--no-cache")
        started = time.perf_counter()
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return False, f"timed out after {timeout:.0f} s"
    seconds = time.perf_counter() - started
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        (keep / f"{tree.name}.json").write_text(done.stdout)
        (keep / f"{tree.name}.stderr").write_text(done.stderr)
    internal = [line for line in done.stderr.splitlines() if "internal error" in line]
    if "Traceback (most recent call last)" in done.stderr + done.stdout:
        return False, f"traceback (exit {done.returncode}):\n{done.stderr[-2000:]}"
    if done.returncode not in (0, 1):
        return False, f"exit {done.returncode}: {done.stderr.strip()[:500]}"
    if internal:
        return False, f"{len(internal)} internal errors, first: {internal[0]}"
    try:
        findings = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        return False, "output is not JSON"
    unreadable = sum(1 for f in findings if f.get("code") in ("JOB001", "JOB002"))
    return True, (
        f"ok in {seconds:.1f} s: {count_files(tree)} files, {len(findings)} findings "
        f"({unreadable} unparseable or unreadable files), "
        f"{len(done.stderr.splitlines())} messages"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="trees to check")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per tree")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="save each tree's findings (JSON) and messages in DIR, to review them",
    )
    arguments = parser.parse_args()
    trees = arguments.paths or default_trees()
    failed = 0
    for tree in trees:
        passed, account = check(tree, arguments.timeout, arguments.keep)
        failed += not passed
        print(f"{'PASS' if passed else 'FAIL'} {tree}: {account}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
