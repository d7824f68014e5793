"""The cross-file view: every class, function and module-level call the first pass
collected, and (once the frontends have spoken) every job, by qualified and registered name.
It holds plain facts only, no module's tree (issue 17): a frontend or a rule reads the tree
of the module it looks at, and learns of the others from here.

Built in a first pass over the candidate files, so that a module defining
``class ProcessPaymentJob(ApplicationJob)`` knows it defines a job even though
``ApplicationJob`` (the class that reaches ``joblint.runtime.Job``) lives in another file,
and ``send_email.delay(...)`` in a view knows ``send_email`` is a Celery task.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, TypeVar

from joblint.analysis.frameworks import FrameworkDescription, unknown_framework
from joblint.analysis.model import (
    AssignmentInfo,
    ClassInfo,
    EnqueueSite,
    FunctionInfo,
    JobDefinition,
    ModuleSummary,
    ModuleSymbols,
)
from joblint.analysis.project_delivery import ConfiguredDelivery
from joblint.analysis.project_serializers import ConfiguredSerializers
from joblint.analysis.queues import SettingsInCode
from joblint.analysis.runtime_api import is_runtime_job_base

if TYPE_CHECKING:
    from pathlib import Path

T = TypeVar("T")


class _NameTable(Mapping[str, T]):
    """Symbols by qualified name, with resolution by dotted suffix.

    Exact names first; then a unique match on a dotted suffix, both ways, because a project
    using namespace packages or a ``src`` layout imports ``app.jobs.x.XJob`` while the file
    on disk only shows ``jobs.x.XJob`` (or the reverse)."""

    def __init__(self, items: Iterable[tuple[str, T]]) -> None:
        self._items: dict[str, T] = {}
        for name, item in items:
            self._items.setdefault(name, item)
        self._by_suffix: dict[str, list[str]] = defaultdict(list)
        for name in self._items:
            parts = name.split(".")
            for start in range(1, len(parts)):
                self._by_suffix[".".join(parts[start:])].append(name)

    def __getitem__(self, name: str) -> T:
        return self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def with_suffix(self, suffix: str) -> list[T]:
        """Every item whose qualified name ends in ``suffix`` (``Customer``: every class
        named ``Customer``, in any module)."""
        return [self._items[name] for name in self._by_suffix.get(suffix, [])]

    def resolve(self, name: str) -> T | None:
        item = self._items.get(name)
        if item is not None:
            return item
        candidates = self._by_suffix.get(name, [])
        if len(candidates) == 1:
            return self._items[candidates[0]]
        parts = name.split(".")
        for start in range(1, len(parts) - 1):
            item = self._items.get(".".join(parts[start:]))
            if item is not None:
                return item
        return None


class ProjectIndex:
    def __init__(
        self,
        symbols: Iterable[ModuleSymbols],
        base_job: str | None = None,
        task_decorators: Mapping[str, str] | None = None,
        serializers: ConfiguredSerializers | None = None,
        delivery: ConfiguredDelivery | None = None,
        frameworks: Iterable[FrameworkDescription] = (),
    ) -> None:
        symbols = list(symbols)
        # What differs between frameworks, by name: each frontend's description, which
        # the engine registers so that rules never import a frontend.
        self.frameworks: Mapping[str, FrameworkDescription] = {
            description.name: description for description in frameworks
        }
        # What rules need of each module's code, by path: a rule reads the tree of its own
        # module only, and learns of the others from their summaries (issue 17).
        self.summaries: Mapping[Path, ModuleSummary] = {
            module.summary.path: module.summary for module in symbols if module.summary is not None
        }
        # What each module tells each frontend of itself (``Frontend.export``), by
        # framework, in the order of the modules.
        self._exports: dict[str, list[object]] = defaultdict(list)
        for module in symbols:
            for framework, exported in module.exports:
                self._exports[framework].append(exported)
        # Project decorators standing for a framework's task decorator, from the
        # `task-decorators` setting: dotted name -> framework name.
        self.task_decorators: Mapping[str, str] = dict(task_decorators or {})
        self.classes: _NameTable[ClassInfo] = _NameTable(
            (info.qualified_name, info) for module in symbols for info in module.classes
        )
        self.functions: _NameTable[FunctionInfo] = _NameTable(
            (info.qualified_name, info) for module in symbols for info in module.functions
        )
        self.assignments: _NameTable[AssignmentInfo] = _NameTable(
            (info.qualified_name, info) for module in symbols for info in module.assignments
        )
        self._memo: dict[tuple[str, int], bool] = {}
        self.configured_base_job = base_job
        # Filled in by the engine once the frontends have defined the project's jobs.
        self.jobs: JobRegistry = JobRegistry(())
        # What the project's configuration sets as each framework's serializer.
        self.serializers = serializers or ConfiguredSerializers()
        # What the project's configuration sets that lets a job run a second time.
        self.delivery = delivery or ConfiguredDelivery()
        # The job settings written in code (Django's TASKS, Celery's queues), read from
        # the run's files when a rule asks: set by the engine.
        self.settings_in_code = SettingsInCode()
        # Filled in by the engine once the frontends have found every module's enqueue
        # sites: a job's sites in other modules can decide its findings (an RQ job
        # enqueued with `retry=`).
        self._sites_by_target: dict[str, tuple[EnqueueSite, ...]] = {}
        # The base job as the index names it (for matching classes), and as code imports
        # it (for fixes): they differ in namespace packages, where the index only sees the
        # folders that have an __init__.py.
        self.base_job = self._find_base_job(base_job)
        self.base_job_import = base_job or self.base_job

    def framework(self, name: str) -> FrameworkDescription:
        """The description of the framework called ``name`` (a job's or an enqueue site's
        ``framework``); an empty one for a framework no frontend described."""
        found = self.frameworks.get(name)
        return found if found is not None else unknown_framework(name)

    def exports_of(self, framework: str, kind: type[T]) -> list[T]:
        """What every module told ``framework``'s frontend of itself, in module order: the
        frontend's only view of the modules it is not looking at."""
        return [found for found in self._exports.get(framework, ()) if isinstance(found, kind)]

    def record_enqueue_sites(self, sites: Iterable[EnqueueSite]) -> None:
        by_target: dict[str, list[EnqueueSite]] = defaultdict(list)
        for site in sites:
            if site.target is not None:
                by_target[site.target].append(site)
        self._sites_by_target = {target: tuple(found) for target, found in by_target.items()}

    def enqueue_sites_of(self, qualified_name: str) -> tuple[EnqueueSite, ...]:
        """The enqueue sites, in every module the run recognised, that target the job."""
        return self._sites_by_target.get(qualified_name, ())

    def resolve_class(self, qualified_name: str) -> ClassInfo | None:
        return self.classes.resolve(qualified_name)

    def reaches(self, qualified_name: str, is_root: Callable[[str], bool]) -> bool:
        """Whether the class's bases reach a class ``is_root`` accepts (a framework's base
        job class), through project classes in any file."""
        return self._reaches(qualified_name, is_root, frozenset())

    def _reaches(
        self, qualified_name: str, is_root: Callable[[str], bool], seen: frozenset[str]
    ) -> bool:
        key = (qualified_name, id(is_root))
        memo = self._memo.get(key)
        if memo is not None:
            return memo
        info = self.classes.get(qualified_name)
        if info is None or qualified_name in seen:
            return False
        seen = seen | {qualified_name}
        result = False
        for base in info.base_names:
            if base and is_root(base):
                result = True
                break
            resolved = self.resolve_class(base) if base else None
            if resolved is not None and self._reaches(resolved.qualified_name, is_root, seen):
                result = True
                break
        self._memo[key] = result
        return result

    def is_job_class(self, qualified_name: str) -> bool:
        """Whether the class's bases reach ``joblint.runtime.Job``."""
        return self.reaches(qualified_name, is_runtime_job_base)

    def job_classes(self) -> list[ClassInfo]:
        return [info for name, info in self.classes.items() if self.is_job_class(name)]

    def project_ancestors(self, qualified_name: str) -> list[ClassInfo]:
        """The class and its project ancestors, nearest first, each once."""
        order: list[ClassInfo] = []
        pending = [qualified_name]
        seen: set[str] = set()
        while pending:
            name = pending.pop(0)
            info = self.resolve_class(name)
            if info is None or info.qualified_name in seen:
                continue
            seen.add(info.qualified_name)
            order.append(info)
            pending.extend(base for base in info.base_names if base)
        return order

    def _find_base_job(self, configured: str | None) -> str | None:
        """The project's base job: the configured ``base-job``, else a unique job class
        named ``ApplicationJob`` (Rails' name, which the conventions carry over)."""
        if configured:
            resolved = self.resolve_class(configured)
            if resolved is None or not self.is_job_class(resolved.qualified_name):
                return None  # reported by the engine; JOB105 cannot tell what to ask for
            return resolved.qualified_name
        named = [
            name
            for name, info in self.classes.items()
            if info.name == "ApplicationJob" and self.is_job_class(name)
        ]
        return named[0] if len(named) == 1 else None


class JobRegistry:
    """Every job the frontends defined, for enqueue sites in any file to find their job:
    by qualified name (through imports) or by registered name (``send_task("name")``)."""

    def __init__(self, jobs: Iterable[JobDefinition]) -> None:
        self.all = tuple(jobs)
        # Each frontend's learned needles for the index holding this registry (the engine
        # asks several times per round; a registry belongs to one index).
        self.learned: dict[str, frozenset[bytes]] = {}
        self.by_qualified_name: _NameTable[JobDefinition] = _NameTable(
            (job.qualified_name, job) for job in self.all
        )
        registered: dict[str, list[JobDefinition]] = defaultdict(list)
        for job in self.all:
            if job.registered_name:
                registered[job.registered_name].append(job)
        self._by_registered_name = dict(registered)

    def resolve(self, qualified_name: str) -> JobDefinition | None:
        return self.by_qualified_name.resolve(qualified_name)

    def by_registered_name(self, name: str) -> list[JobDefinition]:
        return list(self._by_registered_name.get(name, ()))
