"""config/queue.yml and config/recurring.yml: defaults, environments, anchors, marks."""

from __future__ import annotations

from pathlib import Path

import pytest

from joblint.runtime.config_nodes import ConfigError
from joblint.runtime.loader import candidate_locations, resolve_job_class, snake_case
from joblint.runtime.queue_config import (
    DispatcherConfig,
    QueueConfig,
    WorkerConfig,
    check_queue_config,
    load_queue_config,
)
from joblint.runtime.queue_selection import QueueSelection
from joblint.runtime.recurring_config import check_recurring_config

QUEUE_YML = """\
default: &default
  dispatchers:
    - polling_interval: 1
      batch_size: 500
  workers:
    - queues: [real_time, background]
      threads: 3
      processes: 2
      polling_interval: 0.1
    - queues: "staging*"
      threads: 1

development:
  <<: *default

production:
  <<: *default
  workers:
    - queues: "*"
      threads: 5
"""


def test_environment_and_anchors() -> None:
    [development] = check_queue_config(QUEUE_YML, env="development").configs
    assert development.workers == (
        WorkerConfig(("real_time", "background"), 3, 2, 0.1),
        WorkerConfig(("staging*",), 1, 1, 0.1),
    )
    assert development.dispatchers == (DispatcherConfig(1.0, 500),)
    [production] = check_queue_config(QUEUE_YML, env="production").configs
    assert production.workers == (WorkerConfig(("*",), 5),)
    assert production.dispatchers == development.dispatchers


def test_missing_environment_falls_back_to_defaults() -> None:
    [config] = check_queue_config(QUEUE_YML, env="test").configs
    assert config.workers == QueueConfig().workers
    assert config.dispatchers == QueueConfig().dispatchers


def test_only_workers_means_no_dispatcher() -> None:
    [config] = check_queue_config("workers:\n  - queues: a\n", env="x").configs
    assert config.dispatchers == ()
    assert config.workers == (WorkerConfig(("a",)),)


def test_problems_carry_line_and_column() -> None:
    text = "workers:\n  - queues: [a, '*_low']\n    threads: 0\n    colour: red\n"
    report = check_queue_config(text, path="config/queue.yml", env="x")
    found = [(p.line, p.column, p.severity, p.kind) for p in report.problems]
    assert found == [
        (2, 17, "warning", "ignored-wildcard"),
        (3, 14, "error", "invalid"),
        (4, 5, "error", "unknown-key"),
    ]
    assert str(report.problems[1]).startswith("config/queue.yml:3:14: `threads` must be")


def test_problems_in_an_anchor_point_at_the_anchor_once() -> None:
    text = "base: &base\n  workers:\n    - threads: -1\na:\n  <<: *base\nb:\n  <<: *base\n"
    report = check_queue_config(text)
    assert [(p.line, p.column) for p in report.problems] == [(3, 16)]


def test_syntax_error_has_a_position() -> None:
    [problem] = check_queue_config("workers: [a\n").problems
    assert problem.kind == "syntax" and problem.line == 2


def test_load_raises_config_error(tmp_path: Path) -> None:
    path = tmp_path / "queue.yml"
    path.write_text("workers:\n  - processes: zero\n")
    with pytest.raises(ConfigError, match=r"queue.yml:2:16: `processes` must be"):
        load_queue_config(path, env="x")
    with pytest.raises(ConfigError, match="not found"):
        load_queue_config(tmp_path / "missing.yml")


def test_queue_selection() -> None:
    selection = QueueSelection.from_entries(["real_time", "staging*", "a*b", "background"])
    assert selection.ordered_queues(["staging_b", "other", "staging_a", "background"]) == [
        "real_time",
        "background",
        "staging_a",
        "staging_b",
    ]
    assert QueueSelection.from_entries(["x", "*"]).all_queues
    assert QueueSelection.from_entries(["*_low"]).all_queues  # as Solid Queue falls back


RECURRING_YML = """\
production:
  cleanup:
    class: users.CleanupInactiveJob
    args: [1000]
    kwargs: {batch_size: 500}
    queue: background
    priority: 2
    schedule: every day at 3am
  twice:
    class: ReportJob
    schedule: every day at 16:15 and 18:30
  shell:
    command: "Thing.cleanup"
    schedule: every hour
"""


def test_recurring_tasks_and_problems() -> None:
    report = check_recurring_config(RECURRING_YML, path="config/recurring.yml", env="production")
    [task] = report.tasks
    assert (task.key, task.class_name, task.args, task.kwargs) == (
        "cleanup",
        "users.CleanupInactiveJob",
        (1000,),
        {"batch_size": 500},
    )
    assert (task.queue, task.priority, task.schedule.cron) == ("background", 2, "0 3 * * *")
    assert [(p.line, p.column, p.kind) for p in report.problems] == [
        (11, 15, "schedule"),
        (13, 5, "invalid"),
    ]


def test_naming_convention() -> None:
    assert snake_case("CleanupInactiveJob") == "cleanup_inactive_job"
    assert snake_case("HTTPPingJob") == "http_ping_job"
    assert candidate_locations("users.CleanupInactiveJob") == [
        ("jobs.users.cleanup_inactive_job", "CleanupInactiveJob"),
        ("users", "CleanupInactiveJob"),
    ]


def test_resolve_job_class_by_convention_and_by_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "jl_conv_jobs" / "users"
    package.mkdir(parents=True)
    (tmp_path / "jl_conv_jobs" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "cleanup_inactive_job.py").write_text(
        "from joblint.runtime import Job\nclass CleanupInactiveJob(Job):\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    by_convention = resolve_job_class("users.CleanupInactiveJob", ["jl_conv_jobs"])
    by_path = resolve_job_class("jl_conv_jobs.users.cleanup_inactive_job.CleanupInactiveJob")
    assert by_convention is by_path
    from joblint.runtime.errors import JobClassNotFoundError

    with pytest.raises(JobClassNotFoundError, match="not found"):
        resolve_job_class("users.MissingJob", ["jl_conv_jobs"])
