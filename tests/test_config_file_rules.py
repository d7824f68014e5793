"""JOB701, JOB704, JOB705 beyond their pages: one parser for the linter and the runtime,
findings located in YAML files, and how suppressions, selection, the reporters and the
flake8 plugin treat them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lint_support import REPO, write_tree

from joblint.config import Settings
from joblint.diagnostics import Diagnostic
from joblint.engine.linter import Linter
from joblint.engine.selection import enabled_from_settings
from joblint.rules import ALL_RULES
from joblint.runtime.config_nodes import ConfigError
from joblint.runtime.queue_config import load_queue_config
from joblint.runtime.recurring_config import load_recurring_config
from joblint.runtime.schedule import ScheduleError, parse_schedule


def _lint_tree(root: Path, settings: Settings | None = None) -> list[Diagnostic]:
    """Every rule, and no rule may fail: an internal error would otherwise pass unseen."""
    settings = settings or Settings(project_root=root)
    linter = Linter(settings, enabled=frozenset(rule.code for rule in ALL_RULES))
    results = list(linter.lint_paths([root]))
    assert [r for r in results if not isinstance(r, Diagnostic)] == []
    return [r for r in results if isinstance(r, Diagnostic)]


CONFIG_CODES = ("JOB701", "JOB703", "JOB704", "JOB705")

VALID_SCHEDULES = [
    "every day at 3am",
    "every 15 minutes",
    "every hour",
    "at 5pm every weekday",
    "every monday and friday at 9:30",
    "every day at 9am and 5pm",
    "0 4 * * *",
    "*/5 * * * *",
    "30 0 4 * * *",
    "@daily",
    "every day at noon Europe/Paris",
]
INVALID_SCHEDULES = [
    "every 7 minutes",
    "every day at 16:15 and 18:30",
    "sometimes",
    "every day at 25pm",
    "0 4 * *",
    "61 * * * *",
    "every day at 3am Mars/Olympus",
    "",
]

VALID_QUEUE_FILES = [
    "workers:\n  - queues: [billing, mailers]\n    threads: 3\n",
    "dispatchers:\n  - polling_interval: 1\n",
    "workers:\n  - queues: '*'\n    polling_interval: 0.5\n",
    "default: &default\n  workers:\n    - queues: low*\nproduction:\n  <<: *default\n",
    "workers:\n  - queues: [critical, '*_low']\n",  # ignored wildcard: JOB704, a warning
    "",
]
INVALID_QUEUE_FILES = [
    "workers:\n  - queues: [billing]\n    threads: 0\n",
    "workers:\n  - queues: [billing]\n    thread: 2\n",
    "workers:\n  - queues: []\n",
    "workers: [billing\n",
    "workers:\n  - processes: -1\n",
    "dispatchers:\n  - batch_size: many\n",
    "workers:\n  - queues: [a]\n  - queues: [b]\nworkers: []\n",
    "unknown: 1\n",
]


def _lint(root: Path, files: dict[str, str | bytes]) -> list[Diagnostic]:
    write_tree(root, files)
    return [d for d in _lint_tree(root) if d.code in CONFIG_CODES]


def _runtime_accepts_schedule(schedule: str) -> bool:
    try:
        parse_schedule(schedule)
    except ScheduleError:
        return False
    return True


def _recurring_file(schedule: str) -> str:
    return f"nightly:\n  class: jobs.charge_card_job.ChargeCardJob\n  schedule: {schedule!r}\n"


@pytest.mark.parametrize("schedule", VALID_SCHEDULES + INVALID_SCHEDULES)
def test_linter_and_runtime_agree_on_schedules(tmp_path: Path, schedule: str) -> None:
    expected_valid = schedule in VALID_SCHEDULES
    assert _runtime_accepts_schedule(schedule) is expected_valid
    path = tmp_path / "config/recurring.yml"
    findings = _lint(tmp_path, {"config/recurring.yml": _recurring_file(schedule)})
    try:
        load_recurring_config(path, env="production")
        runtime_valid = True
    except ConfigError:
        runtime_valid = False
    assert runtime_valid is expected_valid
    assert (not [d for d in findings if d.code == "JOB705"]) is expected_valid
    if not expected_valid:
        assert [(d.line, d.column) for d in findings] == [(3, 13)]


@pytest.mark.parametrize("text", VALID_QUEUE_FILES + INVALID_QUEUE_FILES)
def test_linter_and_runtime_agree_on_queue_files(tmp_path: Path, text: str) -> None:
    expected_valid = text in VALID_QUEUE_FILES
    findings = _lint(tmp_path, {"config/queue.yml": text})
    for env in ("production",):
        try:
            load_queue_config(tmp_path / "config/queue.yml", env=env)
            runtime_valid = True
        except ConfigError:
            runtime_valid = False
        assert runtime_valid is expected_valid, env
    assert (not [d for d in findings if d.code == "JOB701"]) is expected_valid


def test_broken_yaml_is_a_finding_at_the_error_not_a_traceback(tmp_path: Path) -> None:
    findings = _lint(
        tmp_path,
        {
            "config/queue.yml": "workers:\n  - queues: [billing\n",
            "config/recurring.yml": "nightly:\n  class: X\n   schedule: every hour\n",
        },
    )
    assert [(d.path.name, d.code, d.line) for d in findings] == [
        ("queue.yml", "JOB701", 3),
        ("recurring.yml", "JOB705", 3),
    ]
    assert all(d.message.startswith("YAML syntax") for d in findings)


def test_undecodable_or_missing_files_are_not_findings(tmp_path: Path) -> None:
    assert _lint(tmp_path, {"example.py": "x = 1\n"}) == []
    assert _lint(tmp_path, {"config/queue.yml": b"\xff\xfe\x00"}) == []


def test_duplicate_keys_and_unknown_queue_in_recurring_tasks(tmp_path: Path) -> None:
    findings = _lint(
        tmp_path,
        {
            "pyproject.toml": "",
            "config/queue.yml": "workers:\n  - queues: [billing, low]\n",
            "config/recurring.yml": (
                "purge:\n  class: jobs.purge_job.PurgeJob\n  queue: loww\n"
                "  schedule: every hour\n"
                "purge:\n  class: jobs.purge_job.PurgeJob\n  queue: lo\n"
                "  schedule: every hour\n"
            ),
        },
    )
    assert [(d.code, d.line, d.column) for d in findings] == [
        ("JOB705", 5, 1),
        ("JOB705", 7, 10),
    ]
    assert "did you mean `low`?" in findings[1].message


def test_class_resolution_follows_the_runtime(tmp_path: Path) -> None:
    job = (
        "from joblint.runtime import Job\n\n\nclass CleanupInactiveJob(Job):\n"
        "    def perform(self, days: int, *, dry_run: bool = False) -> None:\n        ...\n"
    )
    findings = _lint(
        tmp_path,
        {
            "jobs/users/cleanup_inactive_job.py": job,
            "config/recurring.yml": (
                "by_convention:\n  class: users.CleanupInactiveJob\n  args: [30]\n"
                "  schedule: every hour\n"
                "by_path:\n  class: jobs.users.cleanup_inactive_job.CleanupInactiveJob\n"
                "  args: 30\n  kwargs: {dry_run: true}\n  schedule: every hour\n"
                "library:\n  class: somelib.jobs.VacuumJob\n  schedule: every hour\n"
                "missing:\n  class: users.CleanupJob\n  schedule: every hour\n"
                "bad_args:\n  class: users.CleanupInactiveJob\n  kwargs: {dryrun: true}\n"
                "  schedule: every hour\n"
            ),
        },
    )
    assert [(d.line, d.column) for d in findings] == [(14, 10), (18, 11)]
    assert "looked for jobs.users.cleanup_job.CleanupJob" in findings[0].message
    assert "misses `days`" in findings[1].message
    assert "`dryrun`" in findings[1].message


def test_noqa_per_file_ignores_and_select_in_yaml(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "config/queue.yml": (
            "workers:\n"
            "  - threads: 0  # noqa: JOB701\n"
            "  - threads: -1\n"
            "  - queues: ['*_low']  # noqa: JOB999\n"
        ),
        "config/recurring.yml": "a:\n  class: X\n  schedule: every 7 minutes\n",
    }
    write_tree(tmp_path, files)
    everything = Linter(Settings(project_root=tmp_path)).lint_paths([tmp_path])
    found = sorted((d.path.name, d.line, d.code) for d in everything if isinstance(d, Diagnostic))
    assert found == [
        ("queue.yml", 3, "JOB701"),
        ("queue.yml", 4, "JOB003"),
        ("queue.yml", 4, "JOB704"),
        ("recurring.yml", 3, "JOB705"),
    ]
    settings = Settings(
        project_root=tmp_path, per_file_ignores=(("config/recurring.yml", ("JOB705",)),)
    )
    ignored = [d for d in Linter(settings).lint_paths([tmp_path]) if isinstance(d, Diagnostic)]
    assert "JOB705" not in {d.code for d in ignored}
    only = Settings(project_root=tmp_path, select=("JOB704",))
    selected = Linter(only, enabled=enabled_from_settings(only))
    assert [d.code for d in selected.lint_paths([tmp_path]) if isinstance(d, Diagnostic)] == [
        "JOB704"
    ]


def test_yaml_findings_only_when_the_checked_paths_include_the_file(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"config/queue.yml": "workers:\n  - threads: 0\n", "app/views.py": "x = 1\n"},
    )
    linter = Linter(Settings(project_root=tmp_path))
    assert [d for d in linter.lint_paths([tmp_path / "app"]) if isinstance(d, Diagnostic)] == []
    assert [d for d in linter.lint_paths([tmp_path / "config"]) if isinstance(d, Diagnostic)]
    assert list(linter.lint_source(tmp_path / "app/views.py", b"x = 1\n")) == []


@pytest.mark.parametrize("output_format", ["text", "concise", "json"])
def test_reporters_show_yaml_findings(tmp_path: Path, output_format: str) -> None:
    write_tree(tmp_path, {"pyproject.toml": "", "config/queue.yml": "workers:\n  - threads: 0\n"})
    result = subprocess.run(
        [sys.executable, "-m", "joblint", "check", ".", "--output-format", output_format],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    if output_format == "json":
        (finding,) = json.loads(result.stdout)
        assert finding["code"] == "JOB701"
        assert finding["filename"].endswith("config/queue.yml")
        assert finding["location"] == {"row": 2, "column": 14}
    else:
        assert "config/queue.yml:2:14: JOB701" in result.stdout
    if output_format == "text":
        assert "  - threads: 0" in result.stdout


def test_flake8_never_reports_yaml_findings(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "",
            "config/queue.yml": "workers:\n  - threads: 0\n",
            "jobs/charge_card_job.py": (
                "from joblint.runtime import Job\n\n\nclass ChargeCardJob(Job):\n"
                "    queue_as = 'default'\n\n"
                "    def perform(self) -> None:\n        ...\n"
            ),
        },
    )
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "JOB", "."],
        cwd=tmp_path, capture_output=True, text=True, check=False,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.stderr == ""
    assert "JOB701" not in result.stdout
    assert result.returncode == 0


def test_a_config_file_named_on_the_command_line_is_not_read_as_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pre-commit passes a changed `config/queue.yml` by name: the JOB7xx rules check it,
    and it is never parsed as Python (no JOB001)."""
    from test_cli import run

    write_tree(tmp_path, {"pyproject.toml": "", "config/queue.yml": "workers:\n  - threads: 0\n"})
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("check", "config/queue.yml", "--output-format", "concise")
    assert code == 1
    assert [line.split(" ")[1] for line in out.splitlines() if "JOB" in line] == ["JOB701"]
