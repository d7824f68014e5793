"""The cross-file view: every class the frontends collected, and which of them are jobs.

Built in a first pass over the candidate files, so that a module defining
``class ProcessPaymentJob(ApplicationJob)`` knows it defines a job even though
``ApplicationJob`` (the class that reaches ``joblint.runtime.Job``) lives in another file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from joblint.frameworks.runtime import is_abstract_name, is_runtime_job_base
from joblint.model import ClassInfo


class ProjectIndex:
    def __init__(self, classes: Iterable[ClassInfo], base_job: str | None = None) -> None:
        self.classes: dict[str, ClassInfo] = {}
        self._by_suffix: dict[str, list[str]] = defaultdict(list)
        for info in classes:
            self.classes.setdefault(info.qualified_name, info)
        for qualified_name in self.classes:
            parts = qualified_name.split(".")
            for start in range(1, len(parts)):
                self._by_suffix[".".join(parts[start:])].append(qualified_name)
        self._job_memo: dict[str, bool] = {}
        self.configured_base_job = base_job
        # The base job as the index names it (for matching classes), and as code imports
        # it (for fixes): they differ in namespace packages, where the index only sees the
        # folders that have an __init__.py.
        self.base_job = self._find_base_job(base_job)
        self.base_job_import = base_job or self.base_job

    def resolve_class(self, qualified_name: str) -> ClassInfo | None:
        """The project class a resolved name refers to.

        Exact names first; then a unique match on a dotted suffix, both ways, because a
        project using namespace packages or a ``src`` layout imports ``app.jobs.x.XJob``
        while the file on disk only shows ``jobs.x.XJob`` (or the reverse)."""
        info = self.classes.get(qualified_name)
        if info is not None:
            return info
        candidates = self._by_suffix.get(qualified_name, [])
        if len(candidates) == 1:
            return self.classes[candidates[0]]
        parts = qualified_name.split(".")
        for start in range(1, len(parts) - 1):
            info = self.classes.get(".".join(parts[start:]))
            if info is not None:
                return info
        return None

    def is_job_class(self, qualified_name: str) -> bool:
        """Whether the class's bases reach ``joblint.runtime.Job``."""
        return self._reaches_job(qualified_name, frozenset())

    def _reaches_job(self, qualified_name: str, seen: frozenset[str]) -> bool:
        memo = self._job_memo.get(qualified_name)
        if memo is not None:
            return memo
        info = self.classes.get(qualified_name)
        if info is None or qualified_name in seen:
            return False
        seen = seen | {qualified_name}
        result = False
        for base in info.base_names:
            if is_runtime_job_base(base):
                result = True
                break
            resolved = self.resolve_class(base) if base else None
            if resolved is not None and self._reaches_job(resolved.qualified_name, seen):
                result = True
                break
        self._job_memo[qualified_name] = result
        return result

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

    def is_abstract_job(self, qualified_name: str) -> bool:
        """A base for other jobs, never enqueued itself: the project's base job, a class
        marked ``abstract = True`` or named like a base (``BaseImportJob``,
        ``NotifyMixin``), or one with no ``perform`` of its own or inherited from a project
        class. Such classes are left alone by the naming and layout rules."""
        info = self.classes.get(qualified_name)
        if info is None:
            return True
        if qualified_name == self.base_job or info.marked_abstract:
            return True
        if is_abstract_name(info.name):
            return True
        return not any(
            ancestor.defines_perform for ancestor in self.project_ancestors(qualified_name)
        )

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
