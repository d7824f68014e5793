"""The flake8 plugin, through flake8 itself, and its project run: ``joblint check`` in a
child process (with a shell script standing in for the interpreter where a test needs
the child to fail or to be counted)."""

from __future__ import annotations

import ast
import dataclasses
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from lint_support import REPO, write_tree

from joblint.analysis.context import ModuleContext
from joblint.config import Settings, settings_for_paths
from joblint.diagnostics import Diagnostic, Span
from joblint.engine import linter as engine
from joblint.engine.linter import Linter, Problem
from joblint.engine.selection import enabled_from_settings
from joblint.integrations import flake8_plugin
from joblint.integrations.flake8_plugin import JoblintChecker
from joblint.integrations.project_run import Finding, project_run
from joblint.rules import ALL_RULES, ModuleRule

# The interpreter, for a stand-in to hand over to.
_PYTHON = shlex.quote(sys.executable)


def _flake8(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def _joblint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "joblint", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_flake8_reports_what_joblint_reports_on_the_example_app() -> None:
    flake8 = _flake8("--select", "JOB", "examples/shop", cwd=REPO)
    assert flake8.stderr == ""
    joblint = _joblint("check", "examples/shop", "--output-format", "concise", "--quiet", cwd=REPO)
    assert sorted(flake8.stdout.splitlines()) == sorted(joblint.stdout.splitlines())
    assert flake8.returncode == 1
    assert len(flake8.stdout.splitlines()) == 7


def test_flake8_noqa_and_select(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.joblint]\npresets = ["conventions"]\n',
            "app/jobs/application_job.py": (
                "from joblint.runtime import Job\n\n\nclass ApplicationJob(Job):\n    pass\n"
            ),
            "app/jobs/report_job.py": (
                "from app.jobs.application_job import ApplicationJob\n\n\n"
                "class ReportJob(ApplicationJob):\n"
                "    def perform(self) -> None:\n"
                "        pass\n\n\n"
                "class DailyJob(ApplicationJob):  # noqa: JOB101\n"
                "    def perform(self) -> None:\n"
                "        pass\n"
            ),
        },
    )
    result = _flake8("--select", "JOB101", "app", cwd=tmp_path)
    assert (
        result.stdout.splitlines()
        == [
            "app/jobs/report_job.py:4:7: JOB101 `ReportJob` starts with `Report`, which is not a "
            "verb; name it `<Verb><Noun>Job` after what it does, or add `report` to `extra-verbs` "
            "if it is one"
        ]
        or "JOB101" in result.stdout
    )
    assert "DailyJob" not in result.stdout
    assert _flake8("--select", "JOB102", "app", cwd=tmp_path).stdout.count("JOB102") == 1


SHOP = {
    "pyproject.toml": '[tool.joblint]\npresets = ["conventions"]\n',
    "app/jobs/application_job.py": (
        "from joblint.runtime import Job\n\n\nclass ApplicationJob(Job):\n    pass\n"
    ),
    "app/jobs/charge_order_job.py": (
        "from app.jobs.application_job import ApplicationJob\n\n\n"
        "class ChargeOrderJob(ApplicationJob):\n"
        "    def perform(self, order) -> None:\n"
        "        pass\n"
    ),
    "app/models.py": ("from django.db import models\n\n\nclass Order(models.Model):\n    pass\n"),
    "app/services/orders.py": (
        "from app.jobs.charge_order_job import ChargeOrderJob\n"
        "from app.models import Order\n\n\n"
        "def checkout(order_id):\n"
        "    order = Order.objects.get(id=order_id)\n"
        "    ChargeOrderJob.perform_later(order)\n"
    ),
    "app/helpers.py": "def noop():\n    return None\n",
}


def _flake8_shows(root: Path, expected: str) -> None:
    """flake8 with two processes shows ``expected`` (joblint's concise output) over
    ``root``, from one project run stored in the cache folder."""
    result = _flake8("--select", "JOB", "-j", "2", ".", cwd=root)
    assert result.stderr == ""
    shown = sorted(line.removeprefix("./") for line in result.stdout.splitlines())
    assert shown == sorted(expected.splitlines())
    assert len(list((root / ".joblint_cache").glob("flake8-*.json"))) == 1


def test_flake8_processes_share_one_project_run(tmp_path: Path) -> None:
    """With two processes, flake8 reports what joblint reports, from one run over the
    project stored in the cache folder; a second flake8 run reads it."""
    write_tree(tmp_path, SHOP)
    expected = _joblint("check", "--no-cache", "--output-format", "concise", "-q", cwd=tmp_path)
    assert expected.stdout.count("JOB") >= 2
    for _ in range(2):
        _flake8_shows(tmp_path, expected.stdout)


def test_project_run_is_analysed_once_and_then_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path / "shop", SHOP)
    settings = settings_for_paths([tmp_path / "shop"], None)
    linter = Linter(settings)
    children = tmp_path / "children.log"
    _log_children(monkeypatch, tmp_path, children)
    first = project_run(linter, settings)
    second = project_run(linter, settings)
    assert len(children.read_text().splitlines()) == 1
    assert first is not None and second is not None
    service = settings.project_root / "app/services/orders.py"
    data = service.read_bytes()
    assert first.findings_for(service, data) == second.findings_for(service, data)
    assert [code for _, _, code, _ in first.findings_for(service, data) or []] == ["JOB201"]
    # A file as flake8 hands it over differs from what the run read: checked on its own.
    assert first.findings_for(service, data + b"\n# edited\n") is None
    helpers = settings.project_root / "app/helpers.py"
    assert first.findings_for(helpers, helpers.read_bytes()) == []
    # A change to any file of the project is a new run.
    helpers.write_text("def noop():\n    return 1\n")
    assert project_run(linter, settings) is not None
    assert len(children.read_text().splitlines()) == 2


def test_no_project_run_without_a_configuration(tmp_path: Path) -> None:
    """Without a pyproject.toml there is no telling where the project ends: each file is
    checked on its own, as the command line checks it."""
    files = {name: text for name, text in SHOP.items() if name != "pyproject.toml"}
    write_tree(tmp_path, files)
    settings = settings_for_paths([tmp_path / "app"], None)
    assert project_run(Linter(settings), settings) is None


def _stand_in(monkeypatch: pytest.MonkeyPatch, folder: Path, script: str) -> None:
    """Start the project run's child with the shell ``script`` in place of the
    interpreter: the child is ``sys.executable`` with joblint's arguments, so ``exec
    {_PYTHON} "$@"`` in the script runs it as it would have run."""
    path = folder / "python-stand-in"
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(path))


def _log_children(monkeypatch: pytest.MonkeyPatch, folder: Path, log: Path) -> None:
    """Note each child the project run starts in ``log``, a line each."""
    _stand_in(monkeypatch, folder, f'echo "$*" >> {shlex.quote(str(log))}\nexec {_PYTHON} "$@"\n')


def _fresh_checker_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plugin as a new flake8 process has it: no settings, linter or run yet."""
    for name in ("_settings", "_linters", "_runs"):
        monkeypatch.setattr(JoblintChecker, name, {})


def _checker(path: Path) -> JoblintChecker:
    """The plugin as flake8 makes it for ``path``."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    return JoblintChecker(ast.parse("".join(lines)), lines, str(path))


def _in_process(linter: Linter) -> dict[Path, list[Finding]]:
    """What the project run found before it ran in a child: the linter's own run over
    the project, by file."""
    findings: dict[Path, list[Finding]] = {}
    for result in linter.lint_paths([linter.settings.project_root]):
        assert not isinstance(result, Problem), result
        found = (result.line, result.column, result.code, result.message)
        findings.setdefault(result.path, []).append(found)
    return findings


# SHOP with findings of several kinds in several files: a job passed a model instance
# from another module (JOB201), a name that is no verb (JOB101, the conventions preset)
# and one suppressed, a file that does not parse (JOB001), a finding in the queue
# configuration rather than in Python (JOB701).
CROSS_FILE = {
    **SHOP,
    "app/jobs/report_job.py": (
        "from app.jobs.application_job import ApplicationJob\n\n\n"
        "class ReportJob(ApplicationJob):\n"
        "    def perform(self) -> None:\n"
        "        pass\n\n\n"
        "class DailyJob(ApplicationJob):  # noqa: JOB101\n"
        "    def perform(self) -> None:\n"
        "        pass\n"
    ),
    "app/broken.py": "def broken(:\n    pass\n",
    "config/queue.yml": "workers:\n  - queues: [default]\n    threads: 0\n",
}
SELECTIONS = {
    "the configuration's": None,
    "one rule": frozenset({"JOB201"}),
    "every rule, opt-in ones too": frozenset(rule.code for rule in ALL_RULES),
    "none": frozenset(),
}


@pytest.mark.parametrize("selection", SELECTIONS.values(), ids=SELECTIONS.keys())
def test_project_run_in_a_child_finds_what_the_linter_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, selection: frozenset[str] | None
) -> None:
    """The project run is ``joblint check`` in a child process, and it finds what the
    linter it stands for would find in this process, file by file, with the linter's
    own selection of rules."""
    write_tree(tmp_path / "shop", CROSS_FILE)
    settings = settings_for_paths([tmp_path / "shop"], None)
    enabled = enabled_from_settings(settings) if selection is None else selection
    expected = _in_process(Linter(settings, enabled=enabled))
    if selection is None:
        codes = {code for found in expected.values() for _, _, code, _ in found}
        assert {"JOB001", "JOB101", "JOB201", "JOB701"} <= codes, expected
    children = tmp_path / "children.log"
    _log_children(monkeypatch, tmp_path, children)
    run = project_run(Linter(settings, enabled=enabled), settings)
    assert run is not None
    assert run.findings == expected
    started = children.read_text().splitlines()
    assert len(started) == 1 and " check " in started[0]


FAILED_CHILDREN = {
    "exit code 2": "printf '[]'\nexit 2\n",
    "not the findings": "printf 'joblint: error: something'\nexit 0\n",
    "killed": "kill -9 $$\n",
}


@pytest.mark.parametrize("script", FAILED_CHILDREN.values(), ids=FAILED_CHILDREN.keys())
def test_a_failed_child_run_is_not_stored_and_each_file_is_checked_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str
) -> None:
    root = tmp_path / "shop"
    write_tree(root, SHOP)
    _stand_in(monkeypatch, tmp_path, script)
    settings = settings_for_paths([root], None)
    assert project_run(Linter(settings), settings) is None
    assert list((root / ".joblint_cache").glob("flake8-*.json")) == []
    _fresh_checker_state(monkeypatch)
    service = root / "app/services/orders.py"
    checker = _checker(service)
    # The job and the model are defined in other files: the file was checked in the
    # light of the project, on its own.
    assert [message.split()[0] for _, _, message, _ in checker.run()] == ["JOB201"]
    assert JoblintChecker._runs == {settings.project_root: None}


def test_a_run_during_which_a_file_changed_serves_the_others_and_is_not_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child reads the project again; a file saved meanwhile may have been read in
    either version, so the run is not kept for later flake8 runs, and the changed file is
    checked on its own. Every other file reads its findings from the run, rather than
    analysing the project around it once per file."""
    root = tmp_path / "shop"
    write_tree(root, SHOP)
    helpers = root / "app/helpers.py"
    saved = f'echo "# saved" >> {shlex.quote(str(helpers))}'
    _stand_in(monkeypatch, tmp_path, f'{_PYTHON} "$@"\nstatus=$?\n{saved}\nexit $status\n')
    settings = settings_for_paths([root], None)
    run = project_run(Linter(settings), settings)
    assert run is not None
    assert list((root / ".joblint_cache").glob("flake8-*.json")) == []
    assert run.findings_for(helpers, helpers.read_bytes()) is None
    service = root / "app/services/orders.py"
    found = run.findings_for(service, service.read_bytes())
    assert [code for _, _, code, _ in found or []] == ["JOB201"]


class FlagEveryModule(ModuleRule):
    """A rule only this test knows."""

    code = "JOB990"
    name = "flag-every-module"
    summary = "Every module is flagged."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        yield self.diagnostic(module.path, Span.point(1, 1), "flagged")


def _with_a_rule_of_its_own(settings: Settings) -> Linter:
    enabled = enabled_from_settings(settings) | {FlagEveryModule.code}
    return Linter(settings, enabled=enabled, rules=(*ALL_RULES, FlagEveryModule()))


def _with_settings_of_its_own(settings: Settings) -> Linter:
    changed = dataclasses.replace(settings, queue_config="elsewhere/queue.yml")
    return Linter(changed, enabled=enabled_from_settings(settings))


@pytest.mark.parametrize("make", [_with_a_rule_of_its_own, _with_settings_of_its_own])
def test_a_linter_a_child_would_not_reproduce_is_run_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: Callable[[Settings], Linter]
) -> None:
    """A child runs ``joblint check``: joblint's registered rules, the settings its
    configuration file gives. A linter with a rule of its own (a test's), or settings
    made in code, is run in this process, which knows them."""
    write_tree(tmp_path / "shop", CROSS_FILE)
    settings = settings_for_paths([tmp_path / "shop"], None)
    linter = make(settings)
    expected = _in_process(linter)
    # Each linter finds what `joblint check` would not: JOB990, or no JOB701 in a queue
    # configuration it does not read.
    assert expected != _in_process(Linter(settings, enabled=enabled_from_settings(settings)))
    _stand_in(monkeypatch, tmp_path, "exit 2\n")
    run = project_run(linter, linter.settings)
    assert run is not None
    assert run.findings == expected


def test_flake8_processes_start_a_child_that_shares_the_project_among_workers(
    tmp_path: Path,
) -> None:
    """flake8's pool workers are daemonic and may start no processes; the project run's
    child is no pool worker and shares the project's modules among joblint's own worker
    processes when there are enough job modules. Through flake8 with two processes, the
    findings are joblint's, from a run that succeeded (it is stored)."""
    files = dict(SHOP)
    for number in range(engine.SHARE_FROM + 10):
        files[f"app/jobs/send_mail_{number}_job.py"] = (
            "from joblint.runtime import Job\n\n\n"
            f"class SendMail{number}Job(Job):\n"
            "    def perform(self, user_id) -> None:\n"
            "        pass\n"
        )
    write_tree(tmp_path, files)
    expected = _joblint("check", "--no-cache", "--output-format", "concise", "-q", cwd=tmp_path)
    assert "JOB201" in expected.stdout
    _flake8_shows(tmp_path, expected.stdout)


def test_the_plugin_finds_the_settings_once_per_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every file of a folder has its folder's settings, found once; a folder with a
    configuration of its own below the project has that one."""
    write_tree(tmp_path, SHOP)
    write_tree(tmp_path / "tools", {"pyproject.toml": "[tool.joblint]\n", "make.py": "x = 1\n"})
    _fresh_checker_state(monkeypatch)
    found: list[Path] = []

    def finding(paths: Sequence[Path], explicit: Path | None) -> Settings:
        found.extend(paths)
        return settings_for_paths(paths, explicit)

    monkeypatch.setattr(flake8_plugin, "settings_for_paths", finding)
    jobs = tmp_path / "app/jobs"
    tool = tmp_path / "tools/make.py"
    for path in [jobs / "application_job.py", jobs / "charge_order_job.py", tool]:
        list(_checker(path).run())
    assert found == [jobs / "application_job.py", tool]
    roots = {linter.settings.project_root for linter in JoblintChecker._linters.values()}
    assert roots == {tmp_path.resolve(), (tmp_path / "tools").resolve()}
