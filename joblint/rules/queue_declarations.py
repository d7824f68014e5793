"""JOB301, JOB303, JOB312, JOB314: how a job says where and how urgently it runs.

A job on no explicit queue lands on the framework's default, where it competes with
everything else nobody thought about; a queue name the framework rejects fails at import
or enqueue; a priority outside the framework's range is refused or silently clamped; an
adapter chosen per job hides the job from the workers the project runs. Each fact is read
from the job model (``JobDefinition.queue``, ``options``, the enqueue sites' options) and
judged only when it is a literal: a computed name or number is left alone. A missing queue
is judged beside the project's other jobs and declared queues (JOB301 is a project rule):
one queue for everything is a choice, reported once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from joblint.analysis.context import ModuleContext, ProjectContext
from joblint.analysis.frameworks import FrameworkDescription
from joblint.analysis.model import JobDefinition, Literal, QueueKind
from joblint.analysis.queues import KnownQueues
from joblint.analysis.symbols import class_attribute, is_docstring, literal
from joblint.analysis.tasks_settings import (
    TasksSettings,
    job_backend,
    queues_to_choose,
)
from joblint.diagnostics import Applicability, Diagnostic, Fix
from joblint.rules.base import FixAvailability, ModuleRule, ProjectRule
from joblint.rules.queues import project_known_queues
from joblint.runtime.queue_selection import EntryKind, classify_queue_entry

# JOB301 asks only where a job declares a queue of its own (its framework's
# `queue_declaration`). Huey has one queue per Huey instance, RQ puts a function on
# whatever `Queue` it is enqueued on, and arq's queue belongs to the worker
# (`WorkerSettings.queue_name`) and the enqueue call: none of them has a per-job
# declaration to ask for.
DEFAULT_QUEUE = "default"


def _insert_queue_attribute(class_name: str, attribute: str) -> Fix:
    def transform(tree: cst.Module) -> cst.Module:
        class Insert(cst.CSTTransformer):
            done = False

            def leave_ClassDef(
                self, original_node: cst.ClassDef, updated_node: cst.ClassDef
            ) -> cst.ClassDef:
                if self.done or original_node.name.value != class_name:
                    return updated_node
                body = updated_node.body
                if not isinstance(body, cst.IndentedBlock):
                    return updated_node
                if class_attribute(original_node, attribute) is not None:
                    return updated_node
                self.done = True
                statements = list(body.body)
                position = 0
                if statements and is_docstring(statements[0]):
                    position = 1
                line = cst.parse_statement(f'{attribute} = "{DEFAULT_QUEUE}"\n')
                statements.insert(position, line)
                if position + 1 < len(statements):
                    following = statements[position + 1]
                    if isinstance(following, cst.FunctionDef | cst.ClassDef) and not (
                        following.leading_lines
                    ):
                        statements[position + 1] = following.with_changes(
                            leading_lines=[cst.EmptyLine(indent=False)]
                        )
                return updated_node.with_changes(body=body.with_changes(body=statements))

        return tree.visit(Insert())

    return Fix(
        message=f'Add `{attribute} = "{DEFAULT_QUEUE}"` (unsafe: choose the queue it belongs on)',
        applicability=Applicability.UNSAFE,
        transform=transform,
    )


@dataclass(frozen=True)
class _Unplaced:
    """A job with no queue of its own, and how it could name one."""

    module: ModuleContext
    job: JobDefinition
    how: str

    @property
    def order(self) -> tuple[str, int, int]:
        start = self.job.name_span.start
        return (str(self.job.path), start.line, start.column)


class MissingQueue(ProjectRule):
    """A project rule because a job without a queue means something only beside the
    project's other jobs: where some name a queue, it is the convention half followed,
    reported per job; where none does and nothing routes them, the project runs one queue
    for everything, reported once."""

    code = "JOB301"
    name = "missing-queue"
    summary = "A job with no explicit queue (a Celery `task_routes` entry counts)."
    fix_availability = FixAvailability.SOMETIMES
    codemod = "DeclareDefaultQueue"
    codemod_description = 'give runtime jobs `queue_as = "default"` (unsafe).'
    default_enabled = False
    preset = "conventions"
    checks_tests = False

    def check_project(self, project: ProjectContext) -> Iterator[Diagnostic]:
        unplaced: list[_Unplaced] = []
        placed = False
        computed = 0
        django_tasks: list[TasksSettings] | None = None
        for module in project.modules:
            if module.in_tests:
                continue
            placed = placed or _names_a_queue_at_enqueue(module)
            for job in module.facts.jobs:
                framework = project.index.framework(job.framework)
                how = framework.queue_declaration
                if how is None or job.is_abstract:
                    continue
                if job.queue.kind is QueueKind.DYNAMIC:
                    # A queue computed at run time (`queue=settings.WEBHOOK_QUEUE`) is a
                    # knob for whoever deploys the project, often unset: it shows no
                    # second queue in the code.
                    computed += 1
                    continue
                if job.queue.kind is QueueKind.STATIC or _inherits_queue(project, job):
                    placed = True
                    continue
                if framework.queues_listed_by_backend:
                    if django_tasks is None:
                        django_tasks = list(project.index.settings_in_code.tasks)
                    how = _django_tasks_advice(job, django_tasks)
                    if how is None:
                        continue  # only "default" is accepted: no queue to name
                unplaced.append(_Unplaced(module, job, how))
        if not unplaced:
            return
        if not placed and len(unplaced) > 1 and _one_queue(project_known_queues(project)):
            yield self._one_queue_for_everything(unplaced, computed)
            return
        for each in unplaced:
            job = each.job
            kind = "job" if job.is_class else "task"
            message = (
                f"{kind} `{job.name}` declares no queue, so it runs on the default queue "
                f"beside every other unplaced job; name its queue with {each.how}"
            )
            fix = None
            attribute = project.index.framework(job.framework).queue_attribute
            if attribute is not None and job.is_class:
                fix = _insert_queue_attribute(job.name, attribute)
            yield self.diagnostic(job.path, job.name_span, message, fix=fix)

    def _one_queue_for_everything(self, unplaced: list[_Unplaced], computed: int) -> Diagnostic:
        """One finding for the project, at its first job in path order: the same finding
        whichever files a run checks (pre-commit's one file reports it only there)."""
        ordered = sorted(unplaced, key=lambda each: each.order)
        first = ordered[0]
        hows = "; ".join(dict.fromkeys(each.how for each in ordered))
        message = (
            f"{_none_of(len(unplaced), computed)}, so they run on the default queue: one "
            "queue for everything, it seems; to adopt the convention, "
            f"give each job its queue ({hows}); to keep one queue, turn the rule off with "
            '`ignore = ["JOB301"]` in [tool.joblint]'
        )
        return self.diagnostic(first.job.path, first.job.name_span, message)


def _inherits_queue(project: ProjectContext, job: JobDefinition) -> bool:
    """A job whose project base class declares its framework's queue attribute (the
    runtime's ``queue_as``) has a queue."""
    attribute = project.index.framework(job.framework).queue_attribute
    if attribute is None:
        return False
    for ancestor in project.index.project_ancestors(job.qualified_name):
        if attribute in ancestor.method_names or ancestor.attribute(attribute) is not None:
            return True
    return False


def _none_of(unplaced: int, computed: int) -> str:
    if not computed:
        return f"none of the project's {unplaced} jobs names a queue"
    return (
        f"{unplaced} of the project's {unplaced + computed} jobs name no queue, and the "
        f"other {computed} compute theirs at run time (a setting a deployment may leave unset)"
    )


def _names_a_queue_at_enqueue(module: ModuleContext) -> bool:
    """An enqueue that puts its job on a queue (``.set(queue=...)``,
    ``apply_async(queue=...)``): the project routes jobs where it sends them."""
    for site in module.facts.enqueue_sites:
        framework = module.index.framework(site.framework)
        if framework.queue_declaration is not None and any(
            key in framework.queue_options and isinstance(option.value, str)
            for key, option in site.option_values
        ):
            return True
    return False


def _one_queue(known: KnownQueues) -> bool:
    """Whether the project's declared queues, when it declares any, are one: a worker
    file, ``[tool.joblint] queues``, Celery's or Django's settings listing a second queue
    (or a ``prefix*`` of them) say the project has several."""
    entries = [classify_queue_entry(name) for source in known.sources for name in source.names]
    return EntryKind.PREFIX not in entries and len(known.exact_names) <= 1


def _django_tasks_advice(job: JobDefinition, modules: list[TasksSettings]) -> str | None:
    """How a Django task names its queue, or None when it can name none: Django accepts
    only the queues its backend's ``QUEUES`` lists, and only ``"default"`` without one, so
    advising any other name would make the enqueue raise ``InvalidTaskError``."""
    choices = queues_to_choose(modules, job_backend(job))
    if choices is None:
        return "`queue_name=...` on `@task`, a queue its backend's `QUEUES` accepts"
    if not choices:
        return None
    listed = ", ".join(f"`{name}`" for name in choices)
    return f"`queue_name=...` on `@task`, one of the backend's `QUEUES`: {listed}"


# -- JOB303 ------------------------------------------------------------------------------


def _queue_name_problem(framework: FrameworkDescription, name: str) -> str | None:
    pattern = framework.queue_name_pattern
    if pattern is not None and not re.fullmatch(pattern, name):
        return framework.queue_name_problem
    return None


class InvalidQueueName(ModuleRule):
    code = "JOB303"
    name = "invalid-queue-name"
    summary = "A queue name the framework rejects."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        for job in module.facts.jobs:
            declared = job.queue
            if declared.kind is not QueueKind.STATIC or declared.name is None:
                continue
            if declared.span is None or job.path != module.path:
                continue
            problem = _queue_name_problem(module.index.framework(job.framework), declared.name)
            if problem is not None:
                yield self.diagnostic(
                    job.path, declared.span, f"queue name {declared.name!r}: {problem}"
                )
        for site in module.facts.enqueue_sites:
            framework = module.index.framework(site.framework)
            if framework.queue_name_pattern is None:
                continue
            for key, value in site.options:
                if key not in framework.queue_options:
                    continue
                name = literal(value)
                span = module.parsed.written_span(value)
                if not isinstance(name, str) or span is None:
                    continue
                problem = _queue_name_problem(framework, name)
                if problem is not None:
                    yield self.diagnostic(site.path, span, f"queue name {name!r}: {problem}")


# -- JOB312 ------------------------------------------------------------------------------


PRIORITY_OPTION = "priority"


def _priority_problem(framework: FrameworkDescription, value: Literal) -> str | None:
    allowed = framework.priority
    if allowed is None or value is None:
        return None
    if isinstance(value, bool):
        return f"`{value}` is a bool; a priority is an int ({allowed.source})"
    if isinstance(value, str):
        return f"{value!r} is a string; a priority is an int ({allowed.source})"
    if isinstance(value, float):
        return f"`{value}` is a float; a priority is an int ({allowed.source})"
    if not isinstance(value, int):
        return None
    if (allowed.low is not None and value < allowed.low) or (
        allowed.high is not None and value > allowed.high
    ):
        return f"`{value}` is out of range: {allowed.source}"
    return None


def _job_priority_node(job: JobDefinition) -> cst.BaseExpression | None:
    """Where the job's priority is written: a class attribute, or the ``priority=`` keyword
    of one of its decorators that reads as the option the frontend found."""
    if isinstance(job.node, cst.ClassDef):
        return class_attribute(job.node, PRIORITY_OPTION)
    options = dict(job.options)
    if PRIORITY_OPTION not in options:
        return None
    for decorator in job.node.decorators:
        if not isinstance(decorator.decorator, cst.Call):
            continue
        for arg in decorator.decorator.args:
            if (
                arg.keyword is not None
                and arg.keyword.value == PRIORITY_OPTION
                and literal(arg.value) == options[PRIORITY_OPTION]
            ):
                return arg.value
    return None


class InvalidPriority(ModuleRule):
    code = "JOB312"
    name = "invalid-priority"
    summary = "A priority outside the range the framework accepts."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        for job in module.facts.jobs:
            node = _job_priority_node(job)
            if node is None or job.path != module.path:
                continue
            yield from self._judge(module, job.framework, node, f"job `{job.name}`")
        for site in module.facts.enqueue_sites:
            for key, value in site.options:
                if key == PRIORITY_OPTION:
                    yield from self._judge(module, site.framework, value, "this enqueue")

    def _judge(
        self, module: ModuleContext, framework: str, node: cst.BaseExpression, where: str
    ) -> Iterator[Diagnostic]:
        span = module.parsed.written_span(node)
        if span is None:
            return
        problem = _priority_problem(module.index.framework(framework), literal(node))
        if problem is not None:
            yield self.diagnostic(module.path, span, f"priority of {where}: {problem}")


# -- JOB314 ------------------------------------------------------------------------------


class PerJobAdapter(ModuleRule):
    code = "JOB314"
    name = "per-job-adapter"
    summary = "A job overriding the queue adapter (`queue_adapter = ...`)."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        for job in module.facts.jobs:
            attribute = module.index.framework(job.framework).adapter_attribute
            if attribute is None or job.is_abstract:
                continue
            if not isinstance(job.node, cst.ClassDef):
                continue
            value = class_attribute(job.node, attribute)
            if value is None or (isinstance(value, cst.Name) and value.value == "None"):
                continue
            span = module.parsed.written_span(value)
            if span is None:
                continue
            yield self.diagnostic(
                job.path,
                span,
                f"`{job.name}` sets its own `{attribute}`, so its jobs bypass the adapter "
                "the project's workers serve (`use_adapter`); remove it and configure the "
                "adapter once for the project",
            )
