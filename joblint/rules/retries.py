"""JOB501-JOB507: failures the queue never hears of, and retries that cannot work.

A job's failure is the queue's business: it retries, records, alerts. These rules flag job
bodies that hide a failure from the queue (JOB501, JOB507), Celery retries that do not stop
the task (JOB502), and retry settings that do nothing (JOB503), never stop (JOB504) or
retry at once (JOB505). Each framework fact below was read in the framework's source:

- Celery: ``retry_backoff``, ``retry_backoff_max`` and ``retry_jitter`` are read only by
  the ``autoretry_for`` wrapper (``celery/app/autoretry.py``); ``max_retries=None`` retries
  for ever; ``Task.retry`` raises ``Retry`` itself unless ``throw=False``.
- Dramatiq's ``Retries`` middleware: when ``retry_when`` is set it alone decides, and
  ``max_retries`` is never read; ``max_retries=None`` (without ``retry_when``) never gives up.
- Huey: ``retry_delay`` defaults to 0, and ``retry_backoff`` multiplies it: ``retries=3``
  alone re-runs the task at once, three times.
- Procrastinate: ``retry=True`` is ``RetryStrategy()``, whose ``max_attempts=None`` never
  gives up; ``retry=5`` is ``RetryStrategy(max_attempts=5)``, with every wait at 0.
- RQ: ``Retry(max=3)`` has ``interval=0``.
- Dramatiq: an actor's ``min_backoff`` (or ``max_backoff``) of 0 makes every backoff 0
  (``compute_backoff`` multiplies ``min_backoff`` by ``2**retries``, capped at
  ``max_backoff``).
- joblint's runtime: ``retry_on(..., attempts=unlimited)`` never gives up; ``wait=0``
  re-enqueues at once (the jitter is a share of the wait, so it is 0 too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from joblint.analysis.context import ModuleContext
from joblint.analysis.handlers import (
    BodyHandler,
    body_handlers,
    broad_expression,
    ends_job,
    escalates,
    swallows,
)
from joblint.analysis.index import ProjectIndex
from joblint.analysis.model import UNKNOWN, JobDefinition, Literal
from joblint.analysis.own_code import OwnCodeVisitor
from joblint.analysis.summaries import READ_TASK_OPTIONS
from joblint.diagnostics import Applicability, Diagnostic, Fix, Position, Span
from joblint.parse import walk
from joblint.parse.parsing import ParsedModule
from joblint.rules.base import FixAvailability, ModuleRule

RUNTIME_RETRY_ON = frozenset({"joblint.runtime.retry_on", "joblint.runtime.policies.retry_on"})
RUNTIME_UNLIMITED = frozenset({"joblint.runtime.unlimited", "joblint.runtime.policies.unlimited"})
PROCRASTINATE_STRATEGIES = frozenset(
    {"procrastinate.RetryStrategy", "procrastinate.retry.RetryStrategy"}
)
RQ_RETRY = frozenset({"rq.Retry", "rq.job.Retry", "rq.retry.Retry"})
CELERY_TASK_BASES = frozenset({"celery.Task", "celery.app.task.Task", "celery.task.Task"})

# Exceptions that exist to tell the worker what to do are each framework's
# `control_exceptions`; asyncio's cancellation is one for every framework that runs
# coroutines. Catching one without re-raising breaks what it asks for.
ASYNCIO_CANCELLED = (
    "the cancellation (a timeout, a shutdown, an abort) is lost: the job keeps running"
)
LANGUAGE_CONTROL_EXCEPTIONS: Mapping[str, str] = {
    "asyncio.CancelledError": ASYNCIO_CANCELLED,
    "asyncio.exceptions.CancelledError": ASYNCIO_CANCELLED,
}


def control_exceptions(index: ProjectIndex) -> Mapping[str, str]:
    """Every control exception the run's frameworks describe, by qualified name, with
    what catching it without re-raising loses."""
    found = {
        exception.name: exception.lost
        for framework in index.frameworks.values()
        for exception in framework.control_exceptions
    }
    return {**found, **LANGUAGE_CONTROL_EXCEPTIONS}


def _job_bodies(module: ModuleContext) -> Iterator[tuple[JobDefinition, cst.FunctionDef]]:
    """Each job body once (a function registered as two jobs is one body)."""
    seen: set[int] = set()
    for job in module.facts.jobs:
        if job.perform is not None and id(job.perform) not in seen:
            seen.add(id(job.perform))
            yield job, job.perform


def _kind(job: JobDefinition) -> str:
    return "job" if job.is_class else "task"


def _except_span(parsed: ParsedModule, handler: BodyHandler) -> Span:
    """From ``except`` to the end of what it catches: the clause, not its body."""
    start = parsed.span(handler.node).start
    if handler.caught:
        kind = handler.node.type
        assert kind is not None
        return Span(start, parsed.span(kind).end)
    return Span(start, Position(start.line, start.column + len("except")))


def _in_cleanup(parsed: ParsedModule, handler: cst.CSTNode, body: cst.FunctionDef) -> bool:
    """The handler guards cleanup in a ``finally`` block (a best-effort log or metric
    written whatever happened): the job's own failure, if any, is raised by the ``try``
    the ``finally`` belongs to, and a failing cleanup must not replace it."""
    for ancestor in parsed.ancestors(handler):
        if ancestor is body:
            return False
        if isinstance(ancestor, cst.Finally):
            return True
    return False


class SwallowedException(ModuleRule):
    """A broad handler the job ends in, that does nothing with the failure but log it.

    Re-raising, retrying, returning a result, telling the user, counting a metric, marking
    a record failed: every other statement is handling, and which handling is right is the
    application's business (``joblint.analysis.handlers.swallows`` holds the one definition)."""

    code = "JOB501"
    name = "swallowed-exception"
    summary = "A broad `except` in a job body that neither re-raises nor retries."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        parsed = module.parsed
        for job, body in _job_bodies(module):
            for handler in body_handlers(body):
                if (
                    handler.in_loop
                    or not swallows(handler.node.body)
                    or not ends_job(parsed, handler, body)
                    or _in_cleanup(parsed, handler.node, body)
                ):
                    continue
                if handler.bare:
                    caught = "a bare `except:`"
                else:
                    broad = [broad_expression(parsed, e) for e in handler.caught]
                    names = [name for name in broad if name is not None]
                    if not names:
                        continue
                    caught = f"`except {names[0]}`"
                yield self.diagnostic(
                    job.path,
                    _except_span(parsed, handler),
                    f"{caught} in {_kind(job)} `{job.name}` swallows every failure: the queue "
                    "records success and never retries; re-raise (`raise`) after logging, or "
                    "catch only the exceptions this job can handle",
                )


class SwallowedControlException(ModuleRule):
    code = "JOB507"
    name = "swallowed-control-exception"
    summary = "A job body catches its framework's control-flow exception without re-raising."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        parsed = module.parsed
        control = control_exceptions(module.index)
        for job, body in _job_bodies(module):
            for handler in body_handlers(body):
                if escalates(handler.node):
                    continue
                for expression in handler.caught:
                    names = sorted(parsed.names_of(expression) & control.keys())
                    if len(names) != 1:
                        continue
                    written = parsed.module.code_for_node(expression)
                    yield self.diagnostic(
                        job.path,
                        parsed.span(expression),
                        f"{_kind(job)} `{job.name}` catches `{written}` and does not re-raise "
                        f"it: {control[names[0]]}; re-raise it (`except {written}: "
                        "raise`) before any broader handler",
                    )
                    break


# --- options as written ------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenOption:
    """An option where it is written: the keyword argument or the class attribute."""

    anchor: cst.CSTNode
    value: cst.BaseExpression


@dataclass(frozen=True)
class JobOptions:
    """A job's options: their values from the job model, where each is written from its
    decorator or class body (an option the model has from elsewhere, a project wrapper or a
    base class, is anchored at the decorator or the job's name)."""

    job: JobDefinition
    written: dict[str, WrittenOption]
    # The decorator passes ``**options``: what it sets cannot be listed.
    open: bool

    def has(self, key: str) -> bool:
        return any(name == key for name, _ in self.job.options) or key in self.written

    def value(self, key: str, default: Literal = UNKNOWN) -> Literal:
        """The option's literal value; ``default`` when the job does not set it."""
        for name, value in self.job.options:
            if name == key:
                return value
        return default

    def span(self, parsed: ParsedModule, key: str) -> Span:
        option = self.written.get(key)
        if option is not None:
            return parsed.span(option.anchor)
        if self.job.decorator is not None:
            return parsed.span(self.job.decorator.decorator)
        return self.job.name_span


def job_options(job: JobDefinition) -> JobOptions:
    written: dict[str, WrittenOption] = {}
    open_ = False
    if isinstance(job.node, cst.ClassDef):
        for statement in job.node.body.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1:
                    target = small.targets[0].target
                    if isinstance(target, cst.Name):
                        written[target.value] = WrittenOption(small, small.value)
    else:
        decorators = [job.decorator] if job.decorator is not None else list(job.node.decorators)
        for decorator in decorators:
            call = decorator.decorator
            if not isinstance(call, cst.Call):
                continue
            for arg in call.args:
                if arg.star == "**":
                    open_ = True
                elif arg.keyword is not None:
                    written.setdefault(arg.keyword.value, WrittenOption(arg, arg.value))
    return JobOptions(job, written, open_)


def _is_zero(value: Literal) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and value == 0


def _positive_int(value: Literal) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and value > 0


def _keyword(call: cst.Call, name: str) -> cst.Arg | None:
    return next((a for a in call.args if a.keyword is not None and a.keyword.value == name), None)


def _literal_number(node: cst.BaseExpression | None) -> int | float | None:
    if isinstance(node, cst.Integer | cst.Float):
        return node.evaluated_value
    return None


def _celery_bases_known(module: ModuleContext, options: JobOptions) -> bool:
    """Whether every option a Celery task can inherit is in the model: no ``base=`` for a
    task function (Celery's and project bases alike), only ``celery.Task`` and project
    classes under a task class, and no ``**options``."""
    if options.open:
        return False
    job = options.job
    if job.is_class:
        return all(
            name in CELERY_TASK_BASES or module.index.classes.get(name) is not None
            for name in job.base_names
        )
    return not options.has("base")


def _retry_on_calls(
    module: ModuleContext, job: JobDefinition
) -> Iterator[tuple[cst.Decorator, cst.Call]]:
    """The runtime's ``@retry_on(...)`` declarations on a job class (of a framework that
    declares Active Job's error policies). The runtime frontend does not record policies
    in the model; they are read here, by qualified name."""
    parsed = module.parsed
    if not module.index.framework(job.framework).declared_error_policies:
        return
    if not isinstance(job.node, cst.ClassDef):
        return
    for decorator in job.node.decorators:
        call = decorator.decorator
        if isinstance(call, cst.Call) and parsed.names_of(call.func) & RUNTIME_RETRY_ON:
            yield decorator, call


# --- JOB502 ------------------------------------------------------------------------------


class _RetryCalls(OwnCodeVisitor):
    """``<name>.retry(...)`` calls of a body, nested functions excluded, and whether each
    is an expression statement of its own."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[cst.Call, str, bool]] = []
        self._statement_calls: set[int] = set()

    def visit_Expr(self, node: cst.Expr) -> None:
        self._statement_calls.add(id(node.value))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "retry"
            and isinstance(func.value, cst.Name)
        ):
            self.found.append((node, func.value.value, id(node) in self._statement_calls))


def _raise_call(span: Span, original: str) -> Callable[[cst.Module], cst.Module]:
    """Turn the expression statement whose call starts at ``span`` and reads ``original``
    into ``raise <call>``."""

    def transform(tree: cst.Module) -> cst.Module:
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        positions = wrapper.resolve(PositionProvider)

        class Raise(cst.CSTTransformer):
            done = False

            def leave_Expr(
                self, original_node: cst.Expr, updated_node: cst.Expr
            ) -> cst.BaseSmallStatement:
                where = positions.get(original_node.value)
                if (
                    self.done
                    or where is None
                    or (where.start.line, where.start.column + 1)
                    != (span.start.line, span.start.column)
                    or tree.code_for_node(original_node.value) != original
                ):
                    return updated_node
                self.done = True
                return cst.Raise(exc=updated_node.value, semicolon=updated_node.semicolon)

        return tree.visit(Raise())

    return transform


class RetryNotRaised(ModuleRule):
    code = "JOB502"
    name = "retry-not-raised"
    summary = "A Celery `self.retry()` that is not raised, or used in a task without `bind=True`."
    fix_availability = FixAvailability.SAFE
    codemod = "RaiseRetry"
    codemod_description = "`self.retry(...)` to `raise self.retry(...)`."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        parsed = module.parsed
        for job, body in _job_bodies(module):
            if job.framework != "celery":
                continue
            options = job_options(job)
            bind = options.value("bind")
            parameters = [p.name.value for p in body.params.params]
            # The name the task instance is bound to: the first parameter of a class's
            # `run` or of a task with `bind=True`.
            instance = parameters[0] if parameters and (job.is_class or bind is True) else None
            unbound = (
                not job.is_class and not options.open and (not options.has("bind") or bind is False)
            )
            finder = _RetryCalls()
            walk.walk(body.body, finder)
            for call, receiver, is_statement in finder.found:
                if receiver == "self" and unbound:
                    yield self.diagnostic(
                        job.path,
                        parsed.span(call),
                        f"`self.retry()` in task `{job.name}`, which is not bound: without "
                        "`bind=True` there is no task instance called `self`; add `bind=True` "
                        "to the task decorator and take `self` as the first parameter",
                    )
                elif (
                    receiver == instance
                    and is_statement
                    and _keyword(call, "throw") is None
                    # `**options` may hold `throw=False`: then not raising is the point.
                    and not any(arg.star == "**" for arg in call.args)
                ):
                    written = parsed.module.code_for_node(call)
                    span = parsed.span(call)
                    yield self.diagnostic(
                        job.path,
                        span,
                        f"`{written}` in {_kind(job)} `{job.name}` is not raised: it stops the "
                        "task by raising `Retry`, which the code does not show; write "
                        f"`raise {written}`, as Celery's documentation does",
                        fix=Fix(
                            message=f"Raise it: `raise {written}`",
                            applicability=Applicability.SAFE,
                            transform=_raise_call(span, written),
                        ),
                    )


# --- JOB503 ------------------------------------------------------------------------------

CELERY_AUTORETRY_ONLY = READ_TASK_OPTIONS


def _read_by_the_project(module: ModuleContext) -> frozenset[str]:
    """The options some parsed module of the project reads off a task (``self.retry_backoff
    * 2 ** retries`` in the task, or in a helper handed the task): the project implements
    them itself, and they are not ineffective. The modules' summaries say which."""
    return frozenset(
        option
        for summary in module.index.summaries.values()
        for option in summary.task_options_read
    )


class IneffectiveRetryOption(ModuleRule):
    code = "JOB503"
    name = "ineffective-retry-option"
    summary = "A retry option the framework ignores where it is written."
    checks_tests = False

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        parsed = module.parsed
        read: frozenset[str] | None = None  # worked out once, for a module that needs it
        for job in module.facts.jobs:
            options = job_options(job)
            if job.framework == "celery":
                if options.has("autoretry_for") or not _celery_bases_known(module, options):
                    continue
                for key in CELERY_AUTORETRY_ONLY:
                    if key not in options.written:
                        continue
                    if read is None:
                        read = _read_by_the_project(module)
                    if key not in read:
                        yield self.diagnostic(
                            job.path,
                            options.span(parsed, key),
                            f"`{key}` on {_kind(job)} `{job.name}` does nothing: Celery reads "
                            "it only for automatic retries, and the task has no "
                            "`autoretry_for`; add `autoretry_for=(...)` or pass `countdown=` "
                            "to `self.retry()`",
                        )
            elif (
                job.framework == "dramatiq"
                and options.has("max_retries")
                and options.has("retry_when")
            ):
                yield self.diagnostic(
                    job.path,
                    options.span(parsed, "max_retries"),
                    f"`max_retries` on actor `{job.name}` does nothing: Dramatiq's Retries "
                    "middleware lets `retry_when` decide alone when it is set; count the "
                    "retries inside the `retry_when` predicate (its first argument) "
                    "and drop `max_retries`",
                )


# --- JOB504 ------------------------------------------------------------------------------


class _CallsRetry(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "retry":
            self.found = True


def _body_retries(job: JobDefinition) -> bool:
    if job.perform is None:
        return False
    finder = _CallsRetry()
    walk.walk(job.perform.body, finder)
    return finder.found


def _procrastinate_strategy(parsed: ParsedModule, value: cst.BaseExpression) -> cst.Call | None:
    if (
        isinstance(value, cst.Call)
        and parsed.names_of(value.func) & PROCRASTINATE_STRATEGIES
        and all(arg.keyword is not None for arg in value.args)
    ):
        return value
    return None


class UnboundedRetry(ModuleRule):
    code = "JOB504"
    name = "unbounded-retry"
    summary = "A job retried without a bound on its attempts."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        parsed = module.parsed
        for job in module.facts.jobs:
            options = job_options(job)
            found = self._unbounded(module, job, options)
            if found is not None:
                span, what = found
                yield self.diagnostic(
                    job.path,
                    span,
                    f"{what}: {_kind(job)} `{job.name}` is retried for ever, so an error that "
                    "never heals (a bug, a deleted record) retries until someone notices; "
                    "set a bound",
                )
            for _, call in _retry_on_calls(module, job):
                attempts = _keyword(call, "attempts")
                if attempts is not None and parsed.names_of(attempts.value) & RUNTIME_UNLIMITED:
                    yield self.diagnostic(
                        job.path,
                        parsed.span(attempts),
                        f"`attempts=unlimited` in `@retry_on` of job `{job.name}`: it is "
                        "retried for ever, so an error that never heals retries until "
                        "someone notices; give `attempts` a number (it counts the first run)",
                    )

    @staticmethod
    def _unbounded(
        module: ModuleContext, job: JobDefinition, options: JobOptions
    ) -> tuple[Span, str] | None:
        parsed = module.parsed
        if job.framework == "celery":
            if (
                options.has("max_retries")
                and options.value("max_retries") is None
                and (options.has("autoretry_for") or _body_retries(job))
            ):
                return options.span(parsed, "max_retries"), "`max_retries=None`"
        elif job.framework == "dramatiq":
            if (
                options.has("max_retries")
                and options.value("max_retries") is None
                and not options.has("retry_when")
            ):
                return options.span(parsed, "max_retries"), "`max_retries=None`"
        elif job.framework == "procrastinate" and "retry" in options.written:
            value = options.written["retry"].value
            if isinstance(value, cst.Name) and value.value == "True":
                return options.span(parsed, "retry"), "`retry=True`"
            strategy = _procrastinate_strategy(parsed, value)
            if strategy is not None:
                bound = _keyword(strategy, "max_attempts")
                if (
                    bound is None
                    or _literal_number(bound.value) == 0
                    or (isinstance(bound.value, cst.Name) and bound.value.value == "None")
                ):
                    return options.span(parsed, "retry"), "a `RetryStrategy` without `max_attempts`"
        return None


# --- JOB505 ------------------------------------------------------------------------------


class RetryWithoutBackoff(ModuleRule):
    code = "JOB505"
    name = "retry-without-backoff"
    summary = "A job retried at once, with no wait or backoff between attempts."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        parsed = module.parsed
        for job in module.facts.jobs:
            options = job_options(job)
            found = self._immediate(module, job, options)
            if found is not None:
                span, what, remedy = found
                yield self._finding(job, span, what, remedy)
            for _, call in _retry_on_calls(module, job):
                wait = _keyword(call, "wait")
                if wait is not None and _literal_number(wait.value) == 0:
                    yield self._finding(
                        job,
                        parsed.span(wait),
                        "`wait=0` in `@retry_on`",
                        "use `wait=polynomially_longer` or a number of seconds",
                    )
        for site in module.facts.enqueue_sites:
            if site.framework != "rq":
                continue
            for key, value in site.options:
                if key == "retry" and self._rq_immediate(parsed, value):
                    yield self.diagnostic(
                        site.path,
                        parsed.span(value),
                        "`Retry(...)` without `interval` retries the job at once; a service "
                        "that just failed is hit again immediately; give "
                        "`Retry(max=..., interval=[10, 60, 300])`",
                    )

    def _finding(self, job: JobDefinition, span: Span, what: str, remedy: str) -> Diagnostic:
        return self.diagnostic(
            job.path,
            span,
            f"{what}: {_kind(job)} `{job.name}` is retried at once, so a service that just "
            f"failed is hit again immediately and the attempts run out within seconds; {remedy}",
        )

    @staticmethod
    def _rq_immediate(parsed: ParsedModule, value: cst.BaseExpression) -> bool:
        if not isinstance(value, cst.Call) or not parsed.names_of(value.func) & RQ_RETRY:
            return False
        if any(arg.star for arg in value.args):
            return False
        positional = [arg for arg in value.args if arg.keyword is None]
        interval = positional[1] if len(positional) > 1 else _keyword(value, "interval")
        return interval is None or _literal_number(interval.value) == 0

    @staticmethod
    def _immediate(
        module: ModuleContext, job: JobDefinition, options: JobOptions
    ) -> tuple[Span, str, str] | None:
        parsed = module.parsed
        if options.open:
            return None
        if job.framework == "huey":
            retries = options.value("retries")
            delay = options.value("retry_delay")
            if _positive_int(retries) and (not options.has("retry_delay") or _is_zero(delay)):
                return (
                    options.span(parsed, "retries"),
                    f"`retries={retries}` without `retry_delay`",
                    "add `retry_delay=` (seconds), and `retry_backoff=` to grow it",
                )
        elif job.framework == "rq":
            if _positive_int(options.value("retry.max")) and (
                not options.has("retry.interval") or _is_zero(options.value("retry.interval"))
            ):
                return (
                    options.span(parsed, "retry"),
                    "`Retry(...)` without `interval`",
                    "give `Retry(max=..., interval=[10, 60, 300])`",
                )
        elif job.framework == "dramatiq" and not _is_zero(options.value("max_retries")):
            for key in ("min_backoff", "max_backoff"):
                if _is_zero(options.value(key)):
                    return (
                        options.span(parsed, key),
                        f"`{key}=0`",
                        f"drop `{key}` (Dramatiq's default starts at 15 s) or give milliseconds",
                    )
        elif job.framework == "procrastinate" and "retry" in options.written:
            value = options.written["retry"].value
            if isinstance(value, cst.Integer) and value.evaluated_value > 0:
                return (
                    options.span(parsed, "retry"),
                    f"`retry={value.value}`",
                    f"use `RetryStrategy(max_attempts={value.value}, exponential_wait=2)`",
                )
            strategy = _procrastinate_strategy(parsed, value)
            if (
                strategy is not None
                and _keyword(strategy, "max_attempts") is not None
                and all(
                    (arg := _keyword(strategy, key)) is None or _literal_number(arg.value) == 0
                    for key in ("wait", "linear_wait", "exponential_wait")
                )
            ):
                return (
                    options.span(parsed, "retry"),
                    "a `RetryStrategy` without a wait",
                    "add `wait=`, `linear_wait=` or `exponential_wait=` (seconds)",
                )
        elif job.framework == "celery" and (
            options.has("autoretry_for")
            and _is_zero(options.value("default_retry_delay"))
            and options.value("retry_backoff", False) in (False, 0)
            and _celery_bases_known(module, options)
        ):
            return (
                options.span(parsed, "default_retry_delay"),
                "`default_retry_delay=0` with `autoretry_for` and no `retry_backoff`",
                "set `retry_backoff=True` (exponential, from 1 s) or a delay in seconds",
            )
        return None
