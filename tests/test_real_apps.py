"""The real-application suite's record and its comparison: every recorded finding judged
with a reason, the suite as wide as promised, and a run compared with it as the README
says (new and gone findings, the share judged right). The applications themselves are
not here: the script runs them, outside the test suite."""

from __future__ import annotations

import importlib.util
import re
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from lint_support import REPO


def load_script() -> ModuleType:
    """benchmarks/ is a folder of scripts, not a package."""
    path = REPO / "benchmarks" / "real_apps.py"
    spec = importlib.util.spec_from_file_location("real_apps", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["real_apps"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


real_apps = load_script()


def test_the_record_covers_six_apps_and_four_frameworks_each_pinned() -> None:
    apps = real_apps.load_apps()
    assert len(apps) >= 6
    assert len({framework for app in apps for framework in app.frameworks}) >= 4
    for app in apps:
        assert re.fullmatch(r"[0-9a-f]{40}", app.commit), app.name
        assert app.repository.startswith("https://github.com/"), app.name


def test_every_recorded_finding_is_judged_with_a_reason() -> None:
    for app in real_apps.load_apps():
        for run, judged in app.judged:
            assert run in ("default", "conventions"), (app.name, judged.finding)
            assert judged.verdict in ("right", "noise")
            assert len(judged.reason) > 20, (app.name, judged.finding)


def test_each_app_is_at_least_80_percent_right_as_recorded() -> None:
    """What the README promises, as recorded: a run that matches the record has this
    share; the script checks that the run matches."""
    for app in real_apps.load_apps():
        for run in ("default", "conventions"):
            expected = app.expected(run)
            found = list(expected)
            share = real_apps.Comparison(found, expected).right_share
            assert share >= 0.8, (app.name, run, share)


def test_a_malformed_record_is_refused(tmp_path: Path) -> None:
    record = tmp_path / "apps.toml"
    record.write_text(
        '[[app]]\nname = "x"\nrepository = "https://github.com/o/x"\ncommit = "0"\n'
        'frameworks = ["rq"]\n\n[[app.finding]]\ncode = "JOB501"\npath = "a.py"\nline = 3\n'
        'verdict = "maybe"\nreason = "unsure"\n'
    )
    with pytest.raises(ValueError, match="verdict 'maybe'"):
        real_apps.load_apps(record)


def test_a_run_is_compared_with_the_record() -> None:
    Finding, Judged = real_apps.Finding, real_apps.Judged
    right = Finding("a.py", 3, "JOB501")
    noise = Finding("b.py", 9, "JOB605")
    gone = Finding("c.py", 1, "JOB201")
    new = Finding("d.py", 2, "JOB202")
    expected = {
        right: Judged(right, "right", "logs and swallows"),
        noise: Judged(noise, "noise", "inline on purpose"),
        gone: Judged(gone, "right", "an instance"),
    }
    comparison = real_apps.Comparison([right, noise, new], expected)
    assert comparison.new == [new]
    assert comparison.gone == [gone]
    assert comparison.verdicts() == {"right": 1, "noise": 1}
    assert comparison.right_share == pytest.approx(1 / 3)
    assert real_apps.Comparison([], {}).right_share == 1.0


def test_a_preset_run_is_compared_with_the_default_run_too() -> None:
    Finding, Judged = real_apps.Finding, real_apps.Judged
    bug = Finding("a.py", 3, "JOB501")
    style = Finding("a.py", 1, "JOB101")
    app = real_apps.App(
        name="x",
        repository="https://github.com/o/x",
        commit="0" * 40,
        frameworks=("rq",),
        judged=(
            ("default", Judged(bug, "right", "swallowed")),
            ("conventions", Judged(style, "right", "noun first")),
        ),
    )
    assert set(app.expected("default")) == {bug}
    assert set(app.expected("conventions")) == {bug, style}


def test_a_recorded_entry_reads_back() -> None:
    text = real_apps.entry(real_apps.Finding("src/a.py", 12, "JOB601"), "default")
    parsed = tomllib.loads(text)["app"]["finding"][0]
    assert (parsed["path"], parsed["line"], parsed["code"], parsed["run"]) == (
        "src/a.py",
        12,
        "JOB601",
        "default",
    )
