"""JOB707: the contract between Django Tasks code and the ``TASKS`` setting.

Django checks it late: ``@task`` and ``.using()`` raise ``InvalidTaskError`` at import or
at enqueue when the queue is not in the backend's ``QUEUES`` or the backend cannot take
``run_after``, a backend alias missing from ``TASKS`` raises ``InvalidTaskBackendError``,
and a ``BACKEND`` path that names nothing fails on first use. The immediate and dummy
backends run nothing in a worker, which production settings never want.

Settings are read by ``joblint.analysis.tasks_settings`` (literals only), across every settings
module: a queue or alias is wrong only when no settings module allows it, and a module
whose ``TASKS`` is not one literal dict silences the checks that depend on it.

Who reports what: a queue name that is not among the project's queues at all is JOB302's
(it says "did you mean" and offers a fix); JOB707 reports a queue the project knows but
the task's own backend does not list, and a task that takes the implicit ``"default"``
queue its backend does not list.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass

from joblint.analysis.context import ModuleContext, ProjectContext
from joblint.analysis.model import EnqueueSite, JobDefinition, OptionValue, QueueKind
from joblint.analysis.queues import KnownQueues
from joblint.analysis.tasks_settings import (
    BACKEND_DEFERS,
    BACKEND_PACKAGES,
    DEFAULT_ALIAS,
    DEFAULT_QUEUE,
    FRAMEWORK,
    NON_PRODUCTION_BACKENDS,
    TasksSettings,
    job_backend,
)
from joblint.diagnostics import Diagnostic, Span
from joblint.rules.base import ProjectRule
from joblint.rules.queues import option_span, project_frameworks, project_known_queues

# The option, and the decorator's keyword, naming a task's backend alias.
BACKEND = "backend"


@dataclass(frozen=True)
class _Tasks:
    """``TASKS`` across the settings modules: an alias's queues and backends are the
    union of what every module that defines it says."""

    modules: tuple[TasksSettings, ...]

    @property
    def readable(self) -> bool:
        return bool(self.modules) and all(module.complete for module in self.modules)

    def aliases(self) -> list[str]:
        return list(dict.fromkeys(b.alias for m in self.modules for b in m.backends))

    def where(self, alias: str | None = None) -> str:
        """The modules that define ``alias`` (all of them without one)."""
        return ", ".join(
            module.relative
            for module in self.modules
            if alias is None or module.backend(alias) is not None
        )

    def accepts(self, alias: str, queue: str) -> bool:
        found = [b for m in self.modules for b in m.backends if b.alias == alias]
        return not found or any(backend.accepts(queue) for backend in found)

    def cannot_defer(self, alias: str) -> str | None:
        """The backend path when every module gives ``alias`` a backend that cannot defer."""
        found = [b.backend for m in self.modules for b in m.backends if b.alias == alias]
        paths = {backend.value for backend in found if backend is not None}
        if not found or None in found or len(paths) != 1:
            return None
        (path,) = paths
        return path if BACKEND_DEFERS.get(path) is False else None


class InvalidDjangoTasksSettings(ProjectRule):
    code = "JOB707"
    name = "invalid-django-tasks-settings"
    summary = (
        "Django `TASKS`: a queue or backend alias it does not allow, an unknown backend, "
        "`run_after` on a backend that cannot defer, the immediate or dummy backend in "
        "production settings."
    )

    def check_project(self, project: ProjectContext) -> Iterator[Diagnostic]:
        if not _uses_django_tasks(project):
            return
        tasks = _Tasks(project.index.settings_in_code.tasks)
        for module in tasks.modules:
            yield from self._settings(module)
        if not tasks.readable:
            return
        known = project_known_queues(project)
        for context in project.modules:
            for job in context.facts.jobs:
                if job.framework == FRAMEWORK:
                    yield from self._job(context, job, tasks, known)
            for site in context.facts.enqueue_sites:
                if site.framework == FRAMEWORK and not site.synchronous:
                    yield from self._site(context, site, tasks, known)

    # -- the settings modules ----------------------------------------------------------

    def _settings(self, module: TasksSettings) -> Iterator[Diagnostic]:
        for backend in module.backends:
            written = backend.backend
            if written is None:
                continue
            path = written.value
            if path.startswith(BACKEND_PACKAGES) and path not in BACKEND_DEFERS:
                nearest = difflib.get_close_matches(path, list(BACKEND_DEFERS), n=1, cutoff=0.8)
                hint = f"did you mean `{nearest[0]}`?" if nearest else "use a backend it ships"
                package = "django.tasks" if path.startswith("django.") else "django_tasks"
                yield self.diagnostic(
                    module.path,
                    written.span,
                    f"`{path}` (backend `{backend.alias}`) is not a backend `{package}` "
                    f"ships, so Django cannot import it; {hint}",
                )
            elif (
                module.production
                and module.complete
                and backend.alias == DEFAULT_ALIAS
                and path in NON_PRODUCTION_BACKENDS
            ):
                what = (
                    "runs every task inside the request that enqueues it"
                    if path.endswith("ImmediateBackend")
                    else "stores tasks in memory and never runs them"
                )
                yield self.diagnostic(
                    module.path,
                    written.span,
                    f"the default task backend of these production settings is "
                    f"`{path.rpartition('.')[2]}`, which {what}; configure a backend that "
                    "hands tasks to workers (a database or broker backend)",
                )

    # -- the code ----------------------------------------------------------------------

    def _job(
        self, module: ModuleContext, job: JobDefinition, tasks: _Tasks, known: KnownQueues
    ) -> Iterator[Diagnostic]:
        alias = job_backend(job)
        if alias is None:
            return
        backend_span = next((at for key, at in job.decorator_keyword_spans if key == BACKEND), None)
        decorator_span = job.decorator_span if job.decorator_span is not None else job.name_span
        if alias not in tasks.aliases():
            span = backend_span if backend_span is not None else decorator_span
            yield self._unknown_alias(module, span, alias, tasks)
            return
        if job.queue.kind is QueueKind.STATIC and job.queue.name and job.queue.span:
            queue, span, implicit = job.queue.name, job.queue.span, False
        elif job.queue.kind is QueueKind.NONE:
            queue, span, implicit = DEFAULT_QUEUE, decorator_span, True
        else:
            return
        if not tasks.accepts(alias, queue) and (implicit or known.knows(queue)):
            yield self._queue_not_allowed(module, span, job.name, queue, alias, implicit, tasks)

    def _site(
        self, module: ModuleContext, site: EnqueueSite, tasks: _Tasks, known: KnownQueues
    ) -> Iterator[Diagnostic]:
        job = module.index.jobs.resolve(site.target) if site.target else None
        if job is None:
            return
        # `.using()` options, the last one written wins (as `option_value` reads them).
        alias = job_backend(job)
        backend = site.option_value(BACKEND)
        if backend is not None:
            alias = backend.value if isinstance(backend.value, str) else None
            if alias is not None and alias not in tasks.aliases():
                yield self._unknown_alias(module, option_span(backend, site), alias, tasks)
                return
        if alias is None or alias not in tasks.aliases():
            return  # the definition is reported, or the backend cannot be told
        queue = site.option_value("queue_name")
        if queue is not None or backend is not None:
            yield from self._site_queue(module, site, job, alias, queue, backend, tasks, known)
        run_after = site.option_value("run_after")
        if run_after is not None and run_after.value is not None:
            path = tasks.cannot_defer(alias)
            if path is not None:
                yield self.diagnostic(
                    module.path,
                    option_span(run_after, site),
                    f"backend `{alias}` is `{path.rpartition('.')[2]}`, which cannot defer "
                    "a task: `run_after` raises `InvalidTaskError`; use a backend with "
                    "`supports_defer` (a database or broker backend) for this task, or "
                    "enqueue it without `run_after`",
                )

    def _site_queue(
        self,
        module: ModuleContext,
        site: EnqueueSite,
        job: JobDefinition,
        alias: str,
        queue_option: OptionValue | None,
        backend: OptionValue | None,
        tasks: _Tasks,
        known: KnownQueues,
    ) -> Iterator[Diagnostic]:
        at: OptionValue | None
        if queue_option is not None:
            written = queue_option.value
            if not isinstance(written, str):
                return
            queue, at, implicit = written, queue_option, False
        elif job.queue.kind is QueueKind.STATIC and job.queue.name:
            queue, at, implicit = job.queue.name, backend, False
        elif job.queue.kind is QueueKind.NONE:
            queue, at, implicit = DEFAULT_QUEUE, backend, True
        else:
            return
        if tasks.accepts(alias, queue) or not (implicit or known.knows(queue)):
            return
        assert at is not None
        span = option_span(at, site)
        yield self._queue_not_allowed(module, span, job.name, queue, alias, implicit, tasks)

    def _unknown_alias(
        self, module: ModuleContext, span: Span, alias: str, tasks: _Tasks
    ) -> Diagnostic:
        aliases = ", ".join(f"`{name}`" for name in tasks.aliases())
        return self.diagnostic(
            module.path,
            span,
            f"backend `{alias}` is not in TASKS ({tasks.where()} define {aliases}), so "
            "Django raises `InvalidTaskBackendError`; add it to TASKS or use a defined alias",
        )

    def _queue_not_allowed(
        self,
        module: ModuleContext,
        span: Span,
        task: str,
        queue: str,
        alias: str,
        implicit: bool,
        tasks: _Tasks,
    ) -> Diagnostic:
        how = "has no `queue_name`, so it goes to" if implicit else "is put on"
        return self.diagnostic(
            module.path,
            span,
            f"task `{task}` {how} queue `{queue}`, which the QUEUES of backend `{alias}` "
            f"({tasks.where(alias)}) do not list, so Django raises `InvalidTaskError`; add "
            f"`{queue}` to that backend's QUEUES or use one of its queues",
        )


def _uses_django_tasks(project: ProjectContext) -> bool:
    """Django Tasks jobs, or a module that names Django Tasks (a settings module with a
    ``django.tasks`` backend is parsed for that reason), as its summary says."""
    if FRAMEWORK in project_frameworks(project):
        return True
    summaries = project.index.summaries
    return any(
        (summary := summaries.get(module.path)) is not None and summary.names_django_tasks
        for module in project.modules
    )
