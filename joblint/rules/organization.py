"""JOB106 and JOB109: a job must be somewhere a worker can find it, under a name that is
its own. Both failures surface only in production: the worker cannot import the job, or
runs another job registered under the same name."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import libcst as cst

from joblint.analysis.context import ModuleContext, ProjectContext
from joblint.analysis.model import JobDefinition
from joblint.analysis.symbols import single_name
from joblint.diagnostics import Applicability, Diagnostic, Fix
from joblint.rules.base import FixAvailability, ModuleRule, ProjectRule


def _kind(job: JobDefinition) -> str:
    return "job" if job.is_class else "task"


class JobNotImportable(ModuleRule):
    code = "JOB106"
    name = "job-not-importable"
    summary = (
        "A job defined where a worker cannot import it: in a function, a method or `__main__`."
    )
    checks_tests = False

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
    test = node.test
    if not (
        isinstance(test, cst.Comparison)
        and isinstance(test.left, cst.Name)
        and test.left.value == "__name__"
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, cst.Equal)
    ):
        return False
    comparator = test.comparisons[0].comparator
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
            for number, job in enumerate(definitions):
                # Only a job of the same registry clashes: two arq scripts, each with its
                # own worker settings, or two Celery apps, may both have a `send_email`.
                first = next(
                    (
                        earlier
                        for earlier in definitions[:number]
                        if earlier.app is None or job.app is None or earlier.app == job.app
                    ),
                    None,
                )
                if first is None:
                    continue
                yield self.diagnostic(
                    job.path,
                    job.name_span,
                    f"{_kind(job)} `{job.name}` is registered as `{name}`, like `{first.name}` "
                    f"({first.path.name}:{first.name_span.start.line}); the worker runs only one "
                    "of them: give each a unique name",
                )


# Where each framework wants its task decorator is its description's `decorator_order`,
# from its documentation (Celery's `@app.task` applied last, Huey's `lock_task` under the
# task decorator, Procrastinate's `periodic` over `task`).


def _task_decorator(module: ModuleContext, job: JobDefinition) -> cst.Decorator | None:
    if job.decorator is not None or not isinstance(job.node, cst.FunctionDef):
        return job.decorator
    names = module.index.framework(job.framework).task_decorators
    found = [d for d in job.node.decorators if _method_name(d) in names]
    return found[0] if len(found) == 1 else None


class DecoratorOrder(ModuleRule):
    code = "JOB107"
    name = "decorator-order"
    summary = "A task decorator in the wrong place among a task's decorators."
    fix_availability = FixAvailability.UNSAFE
    codemod = "ReorderTaskDecorators"
    codemod_description = "put the framework's task decorator where it works (unsafe)."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        for job in module.facts.jobs:
            order = module.index.framework(job.framework).decorator_order
            task_decorator = _task_decorator(module, job)
            if order is None or task_decorator is None or not isinstance(job.node, cst.FunctionDef):
                continue
            decorators = list(job.node.decorators)
            position = next((i for i, d in enumerate(decorators) if d is task_decorator), None)
            if position is None:
                continue
            outermost, below, above = order.task_outermost, order.below_task, order.above_task
            task = module.parsed.module.code_for_node(task_decorator.decorator)
            # See PASS_THROUGH: what returns the task object unchanged is no wrapper.
            wrappers = [d for d in decorators[:position] if not _passes_through(module, d)]
            if outermost and wrappers:
                yield self._finding(
                    module, job, wrappers[0],
                    f"`@{task}` must be the outermost decorator of `{job.name}` (first in the "
                    "list): a decorator above it wraps the task object, not the function, and "
                    "is skipped when a worker runs the task",
                    _move(job.name, task, 0) if len(wrappers) == position else None,
                )  # fmt: skip
            for index, other in enumerate(decorators):
                method = _method_name(other)
                if index < position and method in below:
                    yield self._finding(
                        module, job, other,
                        f"`@{module.parsed.module.code_for_node(other.decorator)}` must come "
                        f"below `@{task}`: the task decorator has to see the locked function",
                        _move(job.name, task, index),
                    )  # fmt: skip
                if index > position and method in above:
                    yield self._finding(
                        module, job, other,
                        f"`@{module.parsed.module.code_for_node(other.decorator)}` must come "
                        f"above `@{task}`: it schedules the task, so the task must exist first",
                        _move(
                            job.name, module.parsed.module.code_for_node(other.decorator), position
                        ),
                    )  # fmt: skip

    def _finding(
        self,
        module: ModuleContext,
        job: JobDefinition,
        at: cst.Decorator,
        message: str,
        fix: Fix | None,
    ) -> Diagnostic:
        return self.diagnostic(job.path, module.parsed.span(at.decorator), message, fix=fix)


# PASS_THROUGH: a project decorator above the task decorator that returns what it is given
# (`def register(task): HANDLERS[event] = task; return task`, or a factory returning such a
# function) wraps nothing: the worker skips nothing of it, and it is above the task on
# purpose, to get the task object (a registry that later calls `HANDLERS[event].delay()`).
# Moved under the task decorator it would get the bare function, and the code using what
# it kept would fail. So it is no finding; and with one above the task, a wrapper beside
# it is still reported, but not moved (the move would take the registry's task away).
# A decorator that cannot be read (defined in a module joblint does not parse, a method,
# a class, a decorated or async function) is taken for a wrapper, as before.


def _passes_through(module: ModuleContext, decorator: cst.Decorator) -> bool:
    """``@name`` whose function returns its parameter unchanged, or ``@name(...)`` whose
    function returns a function nested in it that does. The function is a module-level
    one of a module the run parsed, often another: its module's summary says it."""
    expression = decorator.decorator
    factory = isinstance(expression, cst.Call)
    if isinstance(expression, cst.Call):
        expression = expression.func
    name = single_name(module.parsed, expression)
    info = module.index.functions.resolve(name) if name else None
    if info is None or info.nested_in_function or info.is_method:
        return False
    summary = module.index.summaries.get(info.path)
    if summary is None:
        return False
    if factory:
        return info.name in summary.pass_through_factories
    return info.name in summary.pass_through_decorators


def _method_name(decorator_node: cst.Decorator) -> str | None:
    """``lock_task`` for ``@huey.lock_task("x")``, ``shared_task`` for ``@shared_task``."""
    expression = decorator_node.decorator
    if isinstance(expression, cst.Call):
        expression = expression.func
    if isinstance(expression, cst.Attribute):
        return expression.attr.value
    return expression.value if isinstance(expression, cst.Name) else None


def _move(function: str, task: str, target: int) -> Fix:
    """Move the decorator written ``task`` to position ``target`` among the decorators of
    the function of that name; a no-op once it is there, or when it cannot be found."""

    class Reorder(cst.CSTTransformer):
        def leave_FunctionDef(
            self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
        ) -> cst.FunctionDef:
            if updated_node.name.value != function:
                return updated_node
            decorators = list(updated_node.decorators)
            codes = [cst.Module([]).code_for_node(d.decorator) for d in decorators]
            if codes.count(task) != 1:
                return updated_node
            moving = decorators.pop(codes.index(task))
            decorators.insert(min(target, len(decorators)), moving)
            return updated_node.with_changes(decorators=decorators)

    def transform(tree: cst.Module) -> cst.Module:
        return tree.visit(Reorder())

    return Fix(
        message="Reorder the decorators (unsafe: decorators run in a different order)",
        applicability=Applicability.UNSAFE,
        transform=transform,
    )
