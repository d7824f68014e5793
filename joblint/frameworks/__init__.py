"""Framework frontends: each reads parsed modules and lowers what it finds into the job
model (``joblint.analysis.model``). Rules never look at framework APIs; frontends never judge.

A frontend is a module providing the ``Frontend`` protocol:

- ``FRAMEWORK``: its name in the job model and in ``joblint inventory``;
- ``DESCRIPTION``: what differs about the framework, as the rules need it (its priority
  range, queue-name rules, option names, serializers: ``joblint.analysis.frameworks``);
  the engine registers it into the project index, where rules read it;
- ``NEEDLES`` and ``WORDS``: what any file it cares about must contain, one of the
  ``NEEDLES`` anywhere in its bytes (``b"celery"``, ``b" rq"``) or one of the ``WORDS`` as
  a whole identifier (RQ's ``enqueue_at``: a project's own ``enqueue_job`` helper is not
  RQ's API, and a file that only names it needs no tree); the prefilter's fixed part;
- ``learned_needles(index)``: more such strings, learned from the files parsed so far
  (job names, app objects created in another module), so that a file that never names the
  framework but enqueues one of its jobs is still parsed;
- ``export(parsed)``: what the frontend needs to know of one module when it reads the
  others (an app object, a wrapper of a task decorator, a queue), as plain, picklable data
  worked out from that module's tree alone; None when there is nothing. The engine keeps
  it with the module's symbols, and the frontend finds every module's in
  ``index.exports_of``: a frontend reads the tree of the module it is looking at and
  nothing else (issue 17), so that modules can be analysed in separate processes and
  their facts cached file by file;
- ``define_jobs(parsed, index)``: the jobs one module defines, with the whole project's
  symbols at hand (``index``: classes, functions, module-level calls);
- ``find_enqueue_sites(parsed, index)``: the calls in one module that enqueue or run a
  job, resolved against every job of the project (``index.jobs``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from joblint.frameworks import (
    arq,
    celery,
    django_tasks,
    dramatiq,
    huey,
    procrastinate,
    rq,
    runtime,
)

if TYPE_CHECKING:
    from joblint.analysis.frameworks import FrameworkDescription
    from joblint.analysis.index import ProjectIndex
    from joblint.analysis.model import EnqueueSite, JobDefinition
    from joblint.parse.parsing import ParsedModule


class Frontend(Protocol):
    FRAMEWORK: str
    DESCRIPTION: FrameworkDescription
    NEEDLES: tuple[bytes, ...]
    WORDS: tuple[bytes, ...]

    def learned_needles(self, index: ProjectIndex) -> Iterable[bytes]: ...

    def export(self, parsed: ParsedModule) -> object | None: ...

    def define_jobs(self, parsed: ParsedModule, index: ProjectIndex) -> list[JobDefinition]: ...

    def find_enqueue_sites(
        self, parsed: ParsedModule, index: ProjectIndex
    ) -> list[EnqueueSite]: ...


FRONTENDS: tuple[Frontend, ...] = (
    runtime,
    celery,
    rq,
    dramatiq,
    huey,
    django_tasks,
    procrastinate,
    arq,
)
