"""JOB701, JOB703, JOB704, JOB705: the job configuration files, read by the runtime's parsers.

The linter does not parse ``config/queue.yml`` or ``config/recurring.yml`` itself: it asks
``joblint.runtime.queue_config`` and ``joblint.runtime.recurring_config`` for their problems,
so a file the linter accepts is one ``joblint jobs start`` runs, and the reverse. Findings
are located in the YAML file, at the line and column of the offending value. A missing file
is not a finding (Solid Queue's defaults apply); a broken one is, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import libcst as cst

from joblint.analysis.context import ProjectContext
from joblint.analysis.model import JobDefinition, QueueKind
from joblint.analysis.queues import read_queue_file, read_recurring_file
from joblint.diagnostics import Diagnostic, Span
from joblint.rules.base import ProjectRule
from joblint.rules.queues import QUEUE_OPTIONS, project_known_queues, queue_uses
from joblint.rules.signatures import bind, job_signature
from joblint.runtime.config_nodes import ConfigProblem
from joblint.runtime.job import DEFAULT_QUEUE
from joblint.runtime.loader import candidate_locations
from joblint.runtime.queue_selection import EntryKind, classify_queue_entry
from joblint.runtime.recurring_config import RecurringTask


def _at(rule: ProjectRule, path: Path, line: int, column: int, message: str) -> Diagnostic:
    return rule.diagnostic(path, Span.point(line, column), message)


def _problem(rule: ProjectRule, path: Path, problem: ConfigProblem) -> Diagnostic:
    return _at(rule, path, problem.line, problem.column, problem.message)


class InvalidQueueConfig(ProjectRule):
    code = "JOB701"
    name = "invalid-queue-config"
    summary = "The queue file does not parse, or has unknown keys or bad values."

    def check_project(self, project: ProjectContext) -> Iterator[Diagnostic]:
        read = read_queue_file(project.settings)
        if read is None:
            return
        path, report = read
        for problem in report.problems:
            if problem.kind != "ignored-wildcard":
                yield _problem(self, path, problem)


class InvalidQueueWildcard(ProjectRule):
    code = "JOB704"
    name = "invalid-queue-wildcard"
    summary = "A queue wildcard Solid Queue ignores (`*_low`, `a*b`)."

    def check_project(self, project: ProjectContext) -> Iterator[Diagnostic]:
        read = read_queue_file(project.settings)
        if read is None:
            return
        path, report = read
        for problem in report.problems:
            if problem.kind == "ignored-wildcard":
                yield _problem(self, path, problem)


class UnusedWorkerQueue(ProjectRule):
    code = "JOB703"
    name = "unused-worker-queue"
    summary = "A queue a worker serves that no job uses."

    def check_project(self, project: ProjectContext) -> Iterator[Diagnostic]:
        read = read_queue_file(project.settings)
        if read is None or any(p.kind == "syntax" for p in read[1].problems):
            return
        path, report = read
        used = _used_queues(project)
        if not used:
            return  # a queue computed at run time, or no job at all: cannot tell
        recurring = read_recurring_file(project.settings)
        if recurring is not None:
            used.update(task.queue for task in recurring[1].tasks if task.queue)
        reported: set[tuple[int, int]] = set()
        for config in report.configs:
            for worker in config.workers:
                for name, position in zip(worker.queues, worker.queue_positions, strict=False):
                    kind = classify_queue_entry(name)
                    if position in reported or kind is not EntryKind.EXACT or name in used:
                        continue
                    reported.add(position)
                    yield _at(
                        self,
                        path,
                        *position,
                        f"a worker serves queue `{name}`, which no job uses; remove it from "
                        "the worker, or put a job on it",
                    )


def _used_queues(project: ProjectContext) -> set[str]:
    """Every queue the project's jobs and enqueue sites name; empty when one of them is
    computed at run time or the job's framework default is not the runtime's."""
    used: set[str] = set()
    for module in project.modules:
        for job in module.facts.jobs:
            if job.queue.kind is QueueKind.DYNAMIC:
                return set()
            if job.queue.kind is QueueKind.NONE:
                if not project.index.framework(job.framework).workers_read_queue_config:
                    return set()
                used.add(DEFAULT_QUEUE)
        for site in module.facts.enqueue_sites:
            for key, option in site.option_values:
                if key in QUEUE_OPTIONS and not option.string_literal:
                    return set()
        used.update(use.name for use in queue_uses(module))
    return used


class InvalidRecurringTask(ProjectRule):
    code = "JOB705"
    name = "invalid-recurring-task"
    summary = "A recurring task with a bad schedule, class, arguments, queue or key."

    def check_project(self, project: ProjectContext) -> Iterator[Diagnostic]:
        read = read_recurring_file(project.settings)
        if read is None:
            return
        path, report = read
        for problem in report.problems:
            yield _problem(self, path, problem)
        known = project_known_queues(project)
        for task in report.tasks:
            line, column = task.value_positions.get("queue", (task.line, task.column))
            if task.queue and known.exists and not known.knows(task.queue):
                nearest = known.nearest(task.queue)
                hint = f"; did you mean `{nearest}`?" if nearest else ""
                yield _at(
                    self,
                    path,
                    line,
                    column,
                    f"task `{task.key}` uses queue `{task.queue}`, which is not among the "
                    f"project's queues{hint}",
                )
            job = _resolve(project, task.class_name)
            line, column = task.value_positions.get("class", (task.line, task.column))
            if job is None:
                if _owned_by_project(project, task.class_name):
                    tried = ", ".join(
                        f"{module}.{name}"
                        for module, name in candidate_locations(
                            task.class_name, project.settings.job_packages
                        )
                    )
                    yield _at(
                        self,
                        path,
                        line,
                        column,
                        f"task `{task.key}`: no job class `{task.class_name}` in this project "
                        f"(looked for {tried}); give the class's dotted import path",
                    )
                continue
            yield from self._arguments(project, path, task, job)

    def _arguments(
        self, project: ProjectContext, path: Path, task: RecurringTask, job: JobDefinition
    ) -> Iterator[Diagnostic]:
        module = next((m for m in project.modules if m.path == job.path), None)
        if module is None:
            return
        signature = job_signature(module, job)
        arguments = _as_arguments(task)
        if signature is None or arguments is None:
            return
        binding = bind(signature, arguments)
        problems: list[str] = []
        if binding.missing:
            problems.append("misses " + ", ".join(f"`{p.name}`" for p in binding.missing))
        if binding.too_many:
            given = len(signature.positional) + len(binding.too_many)
            problems.append(f"passes {given} positional arguments")
        for arg in [*binding.unknown, *binding.positional_only, *binding.twice]:
            assert arg.keyword is not None
            problems.append(f"cannot pass `{arg.keyword.value}` by keyword")
        if not problems:
            return
        by_keyword = binding.unknown or binding.positional_only or binding.twice
        key = "kwargs" if by_keyword and "kwargs" in task.value_positions else "args"
        line, column = task.value_positions.get(
            key, task.value_positions.get("class", (task.line, task.column))
        )
        yield _at(
            self,
            path,
            line,
            column,
            f"task `{task.key}` {'; '.join(problems)}: its arguments must fit "
            f"`{signature.text}` ({signature.where})",
        )


def _as_arguments(task: RecurringTask) -> list[cst.Arg] | None:
    """The task's ``args`` and ``kwargs`` as the call the scheduler makes; None when a
    value is not one Python can write as a literal."""
    try:
        arguments = [cst.Arg(cst.parse_expression(repr(value))) for value in task.args]
        arguments += [
            cst.Arg(cst.parse_expression(repr(value)), keyword=cst.Name(name))
            for name, value in task.kwargs.items()
            if name.isidentifier()
        ]
    except cst.ParserSyntaxError:
        return None
    return arguments


def _owned_by_project(project: ProjectContext, class_name: str) -> bool:
    """Whether a missing class is the project's to define: a bare name (looked up in the
    job packages) in a project that has jobs, or a dotted path into one of the project's
    own packages (the class is missing from it). A path into a library is not ours to judge."""
    if not project.index.jobs.all:
        return False
    if "." not in class_name.strip():
        return True
    job_modules = {job.module_name for job in project.index.jobs.all}
    for module, _ in candidate_locations(class_name, project.settings.job_packages):
        package = module.rpartition(".")[0]
        if any(
            name == module or name.startswith(f"{module}.") or name.startswith(f"{package}.")
            for name in job_modules
        ):
            return True
    return False


def _resolve(project: ProjectContext, class_name: str) -> JobDefinition | None:
    """The job a task names, tried in the runtime's order (``candidate_locations``)."""
    for module, name in candidate_locations(class_name, project.settings.job_packages):
        found = project.index.jobs.resolve(f"{module}.{name}")
        if found is not None:
            return found
    return None
