"""joblint on real applications, beside the findings a person has judged on each.

    python benchmarks/real_apps.py --apps-dir ~/joblint-apps --fetch   # clone what is missing
    python benchmarks/real_apps.py --apps-dir ~/joblint-apps            # the default run
    python benchmarks/real_apps.py --apps-dir ~/joblint-apps --preset conventions
    python benchmarks/real_apps.py --apps-dir ~/joblint-apps --app saleor --app polar

Why. A rule that is right on its own fixtures can still cry wolf on code nobody here
wrote, and a linter that cries wolf is uninstalled after its first run. So every change to
a rule is tried on the applications of ``real_apps.toml`` before it lands: public projects
across the frameworks joblint knows, each pinned to a commit, and every finding joblint
makes on them judged by hand, once, after reading the code around it: ``right`` (a
maintainer would act on it) or ``noise`` (accepted, with the reason). The file is the
record of those judgements; this script compares a run with it.

Trees. The applications are never part of this repository. ``--fetch`` clones each missing
one into ``--apps-dir/<name>`` and checks out its pinned commit (git and network needed);
without it, a missing application is skipped with the commands that fetch it. A tree at
another commit is run all the same, with a warning: its lines will not match.

What it runs. ``python -m joblint check --no-cache --output-format json .`` from each
application's root, as a new user would, with the defaults. ``--preset conventions`` adds
that preset, and compares with the findings recorded for it beside the default run's. The
application's own ``[tool.joblint]``, if it had one, would count; none of these has one.

Output. Per application: the findings per rule, how many were judged right and how many
noise, the share of findings a maintainer would act on, and every finding that is new
(not judged yet: read it, then record it) or gone (judged, no longer found: say why in
the commit). The exit status is 0 when every finding is judged and none is gone, and
every application's share of right findings is at least ``--min-right`` (80%); else 1;
2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

EXPECTATIONS = Path(__file__).with_name("real_apps.toml")
VERDICTS = ("right", "noise")
DEFAULT_RUN = "default"


@dataclass(frozen=True)
class Finding:
    """One finding, as the expectation file and a run both name it."""

    path: str
    line: int
    code: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.code}"


@dataclass(frozen=True)
class Judged:
    finding: Finding
    verdict: str
    reason: str


@dataclass(frozen=True)
class App:
    name: str
    repository: str
    commit: str
    frameworks: tuple[str, ...]
    judged: tuple[tuple[str, Judged], ...]  # (run, judgement)

    def expected(self, run: str) -> dict[Finding, Judged]:
        """The judged findings of a run: a preset's run makes the default run's findings
        too, so it is compared with both."""
        runs = {DEFAULT_RUN, run}
        return {judged.finding: judged for each_run, judged in self.judged if each_run in runs}


def load_apps(path: Path = EXPECTATIONS) -> list[App]:
    """The applications and their judged findings; a malformed entry is a usage error
    that names it, since the file is edited by hand."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    apps: list[App] = []
    for entry in data.get("app", []):
        name = entry["name"]
        judged: list[tuple[str, Judged]] = []
        for raw in entry.get("finding", []):
            verdict = raw["verdict"]
            if verdict not in VERDICTS:
                raise ValueError(f"{name}: verdict {verdict!r} is not one of {VERDICTS}")
            if not raw.get("reason", "").strip():
                raise ValueError(f"{name}: {raw['path']}:{raw['line']} has no reason")
            finding = Finding(raw["path"], int(raw["line"]), raw["code"])
            judged.append((raw.get("run", DEFAULT_RUN), Judged(finding, verdict, raw["reason"])))
        apps.append(
            App(
                name=name,
                repository=entry["repository"],
                commit=entry["commit"],
                frameworks=tuple(entry["frameworks"]),
                judged=tuple(judged),
            )
        )
    return apps


def fetch(app: App, root: Path) -> bool:
    """Clone the application at its pinned commit; False (with git's words) on failure."""
    if shutil.which("git") is None:
        print(f"  {app.name}: git is not installed; cannot fetch", file=sys.stderr)
        return False
    commands = [
        ["git", "clone", "--quiet", "--filter=blob:none", app.repository, str(root)],
        ["git", "-C", str(root), "checkout", "--quiet", app.commit],
    ]
    for command in commands:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"  {app.name}: {' '.join(command)} failed: {done.stderr.strip()}")
            return False
    return True


def tree_commit(root: Path) -> str | None:
    """The commit a clone is at, or None for a tree that is not the root of a git work
    tree (an exported tree, or one kept inside some other repository)."""
    if shutil.which("git") is None:
        return None
    done = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--show-toplevel", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.split()
    if done.returncode != 0 or len(lines) != 2 or Path(lines[0]).resolve() != root.resolve():
        return None
    return lines[1]


def run_joblint(root: Path, preset: str | None) -> list[Finding]:
    command = [sys.executable, "-m", "joblint", "check", "--no-cache", "--output-format", "json"]
    if preset:
        command += ["--preset", preset]
    done = subprocess.run([*command, "."], cwd=root, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"joblint exited {done.returncode}: {done.stderr.strip()}")
    findings = []
    for row in json.loads(done.stdout):
        path = Path(row["filename"]).resolve().relative_to(root.resolve()).as_posix()
        findings.append(Finding(path, int(row["location"]["row"]), row["code"]))
    return sorted(findings, key=lambda f: (f.path, f.line, f.code))


@dataclass(frozen=True)
class Comparison:
    found: list[Finding]
    expected: dict[Finding, Judged]

    @property
    def new(self) -> list[Finding]:
        return [finding for finding in self.found if finding not in self.expected]

    @property
    def gone(self) -> list[Finding]:
        found = set(self.found)
        return [finding for finding in self.expected if finding not in found]

    def verdicts(self) -> Counter[str]:
        return Counter(
            self.expected[finding].verdict for finding in self.found if finding in self.expected
        )

    @property
    def right_share(self) -> float:
        """The share of found findings judged right; 1.0 for a run with none."""
        return self.verdicts()["right"] / len(self.found) if self.found else 1.0


def report(app: App, comparison: Comparison, min_right: float) -> bool:
    """Print one application's table; True when the run matches its judgements."""
    found = comparison.found
    verdicts = comparison.verdicts()
    share = comparison.right_share
    print(
        f"{app.name} ({', '.join(app.frameworks)}) @ {app.commit[:10]}: {len(found)} "
        f"findings, {verdicts['right']} right, {verdicts['noise']} noise, "
        f"{len(comparison.new)} new, {len(comparison.gone)} gone; {share:.0%} right"
    )
    by_code = Counter(finding.code for finding in found)
    for code in sorted(by_code):
        right = sum(
            1
            for finding in found
            if finding.code == code
            and finding in comparison.expected
            and comparison.expected[finding].verdict == "right"
        )
        print(f"    {code}  {by_code[code]:4d}  ({right} right)")
    for finding in found:
        judged = comparison.expected.get(finding)
        if judged is not None and judged.verdict == "noise":
            print(f"    noise: {finding}: {judged.reason}")
    for finding in comparison.new:
        print(f"    NEW (not judged yet): {finding}")
    for finding in comparison.gone:
        judged = comparison.expected[finding]
        print(f"    GONE (judged {judged.verdict}): {finding}")
    return not comparison.new and not comparison.gone and share >= min_right


def entry(finding: Finding, run: str) -> str:
    """A finding to record under its application in ``real_apps.toml``, once judged."""
    return (
        f'\n[[app.finding]]\nrun = "{run}"\ncode = "{finding.code}"\n'
        f'path = "{finding.path}"\nline = {finding.line}\n'
        f'verdict = ""  # "right" (a maintainer would act on it) or "noise"\nreason = ""\n'
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps-dir", type=Path, required=True, help="where the trees live")
    parser.add_argument("--app", action="append", default=[], help="only this application")
    parser.add_argument("--preset", help="also turn on this preset (conventions)")
    parser.add_argument("--fetch", action="store_true", help="clone missing applications")
    parser.add_argument(
        "--record",
        action="store_true",
        help="print a [[app.finding]] entry for each new finding, to judge and paste in",
    )
    parser.add_argument(
        "--min-right", type=float, default=0.8, help="least share of right findings (0.8)"
    )
    args = parser.parse_args(argv)
    try:
        apps = load_apps()
    except (ValueError, KeyError, tomllib.TOMLDecodeError) as error:
        print(f"{EXPECTATIONS.name}: {error}", file=sys.stderr)
        return 2
    unknown = set(args.app) - {app.name for app in apps}
    if unknown:
        names = ", ".join(app.name for app in apps)
        print(f"unknown application {', '.join(sorted(unknown))}; known: {names}", file=sys.stderr)
        return 2
    run = args.preset or DEFAULT_RUN
    ok = True
    for app in apps:
        if args.app and app.name not in args.app:
            continue
        root = args.apps_dir / app.name
        if not root.is_dir() and not (args.fetch and fetch(app, root)):
            print(
                f"{app.name}: skipped, not in {args.apps_dir}; fetch it with\n"
                f"    git clone {app.repository} {root} && git -C {root} checkout {app.commit}"
            )
            ok = False
            continue
        at = tree_commit(root)
        if at is not None and at != app.commit:
            print(f"{app.name}: warning: the tree is at {at[:10]}, judged at {app.commit[:10]}")
        comparison = Comparison(run_joblint(root, args.preset), app.expected(run))
        ok = report(app, comparison, args.min_right) and ok
        if args.record:
            print("".join(entry(finding, run) for finding in comparison.new))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
