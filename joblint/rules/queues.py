"""JOB302 and JOB702: queue names that nothing declares, and queues no worker serves.

A job on a queue nobody declared, or that no worker polls, is accepted at enqueue and then
never runs: the failure is silence, found in production. Both rules compare literal names
only (a job's static queue, each literal a ``queue_as`` method returns, a literal
``queue=`` at an enqueue site) against
``joblint.analysis.queues.known_queues``, and stay silent when the project declares no queues.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass

from joblint.analysis.context import ModuleContext, ProjectContext
from joblint.analysis.index import ProjectIndex
from joblint.analysis.model import EnqueueSite, OptionValue, QueueKind
from joblint.analysis.queues import KnownQueues, known_queues
from joblint.diagnostics import Applicability, Diagnostic, Fix, Span
from joblint.fix.fixes import replace_string
from joblint.rules.base import FixAvailability, ProjectRule

QUEUE_OPTIONS = frozenset({"queue", "queue_name"})


@dataclass(frozen=True)
class QueueUse:
    name: str
    span: Span
    where: str  # "job" or "site", for the message


def queue_uses(module: ModuleContext) -> list[QueueUse]:
    """Every literal queue name this module writes, where it is written. Read from its
    jobs' and sites' facts: the project rules calling it have no tree at hand."""
    uses: list[QueueUse] = []
    for job in module.facts.jobs:
        declared = job.queue
        if declared.kind is QueueKind.STATIC and declared.name and declared.span is not None:
            uses.append(QueueUse(declared.name, declared.span, "job"))
        uses.extend(QueueUse(name, span, "job") for name, span in declared.returned_names)
    for site in module.facts.enqueue_sites:
        for keyword, option in site.option_values:
            name = option.value
            if keyword in QUEUE_OPTIONS and option.string_literal and isinstance(name, str):
                uses.append(QueueUse(name, option_span(option, site), "site"))
    return uses


def option_span(option: OptionValue, site: EnqueueSite) -> Span:
    """Where an enqueue option is written (the site, for one the engine did not place)."""
    return option.span if option.span is not None else site.span


def project_frameworks(project: ProjectContext) -> frozenset[str]:
    """The frameworks the project's jobs use: which settings ``known_queues`` reads."""
    return frozenset(job.framework for job in project.index.jobs.all)


# Keyed weakly on the run's index: JOB302, JOB702, JOB705 and JOB707 read the project's
# queue sources (settings modules, Celery configuration found on disk) once per run.
_KNOWN: weakref.WeakKeyDictionary[ProjectIndex, KnownQueues] = weakref.WeakKeyDictionary()


def project_known_queues(project: ProjectContext) -> KnownQueues:
    found = _KNOWN.get(project.index)
    if found is None:
        found = _KNOWN[project.index] = known_queues(
            project.settings, project_frameworks(project), project.index.settings_in_code
        )
    return found


class UnknownQueue(ProjectRule):
    """A project rule so the queue files are read once per run, not once per module."""

    code = "JOB302"
    name = "unknown-queue"
    summary = "A queue name that is not among the project's queues; says which one was meant."
    fix_availability = FixAvailability.UNSAFE
    codemod = "CorrectQueueNames"
    codemod_description = "replace an unknown queue with the known one meant (unsafe)."

    def check_project(self, project: ProjectContext) -> Iterator[Diagnostic]:
        known = project_known_queues(project)
        if not known.exists:
            return
        for module in project.modules:
            for use in queue_uses(module):
                if not known.knows(use.name):
                    yield self._finding(module, use, known)

    def _finding(self, module: ModuleContext, use: QueueUse, known: KnownQueues) -> Diagnostic:
        nearest = known.nearest(use.name)
        hint = f"did you mean `{nearest}`? " if nearest else ""
        sources = " and ".join(source.description for source in known.sources)
        message = (
            f"queue `{use.name}` is not among the project's queues ({sources}); {hint}"
            "use a known queue, or declare this one where the project's queues are listed"
        )
        fix = None
        if nearest is not None:
            fix = Fix(
                f"Replace `{use.name}` with `{nearest}`",
                Applicability.UNSAFE,
                replace_string(use.span, use.name, nearest),
            )
        return self.diagnostic(module.path, use.span, message, fix)


class QueueWithoutWorker(ProjectRule):
    code = "JOB702"
    name = "queue-without-worker"
    summary = "A queue used by a job that no worker in the queue file serves."

    def check_project(self, project: ProjectContext) -> Iterator[Diagnostic]:
        known = project_known_queues(project)
        if known.queue_file is None or known.worker_selections is None:
            return
        for module in project.modules:
            yield from self._findings(module, known)

    def _findings(self, module: ModuleContext, known: KnownQueues) -> Iterator[Diagnostic]:
        for use in queue_uses(module):
            if known.served(use.name):
                continue
            if not known.knows(use.name):
                continue  # not a queue of the project at all: JOB302 says so
            yield self.diagnostic(
                module.path,
                use.span,
                f"no worker in {module.settings.queue_config} serves queue `{use.name}`, so "
                "its jobs wait forever; add the queue (or a `prefix*` that matches it) to a worker",
            )
