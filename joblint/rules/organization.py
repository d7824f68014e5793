"""JOB106 and JOB109: a job must be somewhere a worker can find it, under a name that is
its own. Both failures surface only in production: the worker cannot import the job, or
runs another job registered under the same name."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import libcst as cst
import libcst.matchers as m

from joblint.context import ModuleContext, ProjectContext
from joblint.diagnostics import Diagnostic
from joblint.model import JobDefinition
from joblint.rules.base import ModuleRule, ProjectRule

MAIN_GUARD = m.If(
    test=m.Comparison(
        left=m.Name("__name__"),
        comparisons=[m.ComparisonTarget(operator=m.Equal(), comparator=m.SimpleString())],
    )
)


def _kind(job: JobDefinition) -> str:
    return "job" if job.is_class else "task"


class JobNotImportable(ModuleRule):
    code = "JOB106"
    name = "job-not-importable"
    summary = (
        "A job defined where a worker cannot import it: in a function, a method or `__main__`."
    )

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        for job in module.facts.jobs:
            reason = self.reason(module, job)
            if reason is not None:
                yield self.diagnostic(
                    job.path,
                    job.name_span,
                    f"{_kind(job)} `{job.name}` is defined {reason}, where a worker cannot "
                    "import it by name; define it at the top level of an importable module",
                )

    @staticmethod
    def reason(module: ModuleContext, job: JobDefinition) -> str | None:
        if module.path.name == "__main__.py" or module.parsed.module_name == "__main__":
            return "in `__main__`"
        for ancestor in module.parsed.ancestors(job.node):
            if isinstance(ancestor, cst.FunctionDef | cst.Lambda):
                name = ancestor.name.value if isinstance(ancestor, cst.FunctionDef) else "lambda"
                return f"inside the function `{name}`"
            if isinstance(ancestor, cst.ClassDef) and not job.is_class:
                return f"as a method of `{ancestor.name.value}`"
            if isinstance(ancestor, cst.If) and _is_main_guard(ancestor):
                return 'under `if __name__ == "__main__":`'
        return None


def _is_main_guard(node: cst.If) -> bool:
    if not m.matches(node, MAIN_GUARD):
        return False
    assert isinstance(node.test, cst.Comparison)
    comparator = node.test.comparisons[0].comparator
    return isinstance(comparator, cst.SimpleString) and comparator.evaluated_value == "__main__"


class DuplicateJobName(ProjectRule):
    code = "JOB109"
    name = "duplicate-job-name"
    summary = "Two jobs registered under the same name."

    def check_project(self, project: ProjectContext) -> Iterator[Diagnostic]:
        registered: dict[tuple[str, str], list[JobDefinition]] = defaultdict(list)
        for job in project.index.jobs.all:
            if job.registered_name and not job.is_abstract:
                registered[(job.framework, job.registered_name)].append(job)
        for (_, name), jobs in registered.items():
            # One job defined on two branches (if/else, try/except) is one definition.
            distinct: dict[tuple[str, str], JobDefinition] = {}
            for job in sorted(jobs, key=lambda j: (str(j.path), j.name_span.start)):
                distinct.setdefault((str(job.path), job.qualified_name), job)
            definitions = list(distinct.values())
            if len(definitions) < 2:
                continue
            first = definitions[0]
            for job in definitions[1:]:
                yield self.diagnostic(
                    job.path,
                    job.name_span,
                    f"{_kind(job)} `{job.name}` is registered as `{name}`, like `{first.name}` "
                    f"({first.path.name}:{first.name_span.start.line}); the worker runs only one "
                    "of them: give each a unique name",
                )
