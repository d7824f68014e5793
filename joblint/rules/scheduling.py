"""JOB304, JOB305, JOB306, JOB309: when a job runs.

A job's start time is given either as a moment (`wait_until`, `eta`, `run_after`...) or
as a delay (`wait`, `countdown`, `delay`...). A naive moment is read in a zone the caller
did not choose; two delays at once mean one is silently dropped or the enqueue fails; a
moment computed as "now plus a delay" is a delay written the long way, off by however
long the message takes to reach the broker's clock; and a job that sleeps holds a worker
to do nothing. Each option is read from the enqueue sites' options the frontends fill.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from joblint.analysis.context import ModuleContext
from joblint.analysis.frameworks import DelayForm, MomentOption
from joblint.analysis.model import EnqueueSite
from joblint.analysis.own_code import OwnCodeVisitor
from joblint.analysis.symbols import literal, single_name
from joblint.diagnostics import Applicability, Diagnostic, Fix, Span
from joblint.fix.fixes import with_imports
from joblint.parse import walk
from joblint.rules.base import FixAvailability, ModuleRule
from joblint.rules.serialization import Kind, Values

UTCNOW = "datetime.datetime.utcnow"


def _moment_options(
    module: ModuleContext, site: EnqueueSite
) -> Iterator[tuple[MomentOption, cst.BaseExpression]]:
    """The options of ``site`` that take a moment, as its framework describes them."""
    framework = module.index.framework(site.framework)
    for key, value in site.options:
        option = framework.moment_option(key)
        if option is not None:
            yield option, value


def _shown(module: ModuleContext, node: cst.CSTNode) -> str:
    text = module.parsed.module.code_for_node(node)
    return text if len(text) <= 50 else text[:47] + "..."


class NaiveDatetimeSchedule(ModuleRule):
    code = "JOB304"
    name = "naive-datetime-schedule"
    summary = "A naive datetime given as the time a job should run."
    fix_availability = FixAvailability.SOMETIMES
    codemod = "AwareUtcNow"
    codemod_description = "`datetime.utcnow()` to `datetime.now(timezone.utc)`."
    checks_tests = False

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        values = Values(module)
        for site in module.facts.enqueue_sites:
            for moment, node in _moment_options(module, site):
                span = module.parsed.written_span(node)
                value = values.of(node)
                if span is None or value is None:
                    continue
                if Kind.NAIVE_DATETIME in value.kinds:
                    what = f"a naive datetime{value.evidence}"
                elif value.base is Kind.DATE:
                    what = f"a date, with neither a time nor a zone{value.evidence}"
                else:
                    continue
                outcome = module.index.framework(site.framework).naive_moment_outcome
                message = (
                    f"{moment.shown} is {what}: {outcome}; pass an aware "
                    "datetime (`datetime.now(timezone.utc)`, `django.utils.timezone.now()`)"
                )
                yield self.diagnostic(site.path, span, message, fix=self._fix(module, node))

    def _fix(self, module: ModuleContext, node: cst.BaseExpression) -> Fix | None:
        """``datetime.utcnow()`` written in the option itself (alone or moved by a
        timedelta) becomes ``datetime.now(timezone.utc)``: the same instant, now aware."""
        calls = [
            call
            for call in _operands(node)
            if isinstance(call, cst.Call) and _is_utcnow(module, call)
        ]
        if len(calls) != 1:
            return None
        call = calls[0]
        if not isinstance(call.func, cst.Attribute):
            return None
        receiver = call.func.value
        zone = _utc_spelling(module, call, receiver)
        if zone is None:
            return None
        spelling, needs_import = zone
        receiver_text = module.parsed.module.code_for_node(receiver)
        replacement = f"{receiver_text}.now({spelling})"
        span = module.parsed.span(call)
        original = module.parsed.module.code_for_node(call)
        return Fix(
            message=f"Use `{replacement}`",
            applicability=Applicability.SAFE,
            transform=_replace_call(span, original, replacement, needs_import),
        )


def _operands(node: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """The expression, the terms of a `+`/`-` chain, and what `.replace(...)` (without
    `tzinfo`, which keeps the zone) is called on."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add | cst.Subtract):
        yield from _operands(node.left)
        yield from _operands(node.right)
    elif (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "replace"
        and all(arg.keyword is not None and arg.keyword.value != "tzinfo" for arg in node.args)
    ):
        yield from _operands(node.func.value)
    else:
        yield node


def _is_utcnow(module: ModuleContext, node: cst.Call) -> bool:
    return (
        not node.args
        and isinstance(node.func, cst.Attribute)
        and single_name(module.parsed, node.func) == UTCNOW
    )


def _utc_spelling(
    module: ModuleContext, call: cst.Call, receiver: cst.BaseExpression
) -> tuple[str, bool] | None:
    """How to write UTC beside ``receiver``: through the same module (``datetime.datetime``
    gives ``datetime.timezone.utc``), or the name ``timezone`` when it is unbound (then
    imported) or already ``datetime.timezone``. None when ``timezone`` means something else
    (Django's ``django.utils.timezone``, say)."""
    if isinstance(receiver, cst.Attribute):
        module_text = module.parsed.module.code_for_node(receiver.value)
        if single_name(module.parsed, receiver.value) == "datetime":
            return f"{module_text}.timezone.utc", False
        return None
    scope = module.parsed.scopes.get(call)
    if scope is None:
        return None
    bindings = list(scope["timezone"])
    if not bindings:
        return "timezone.utc", True
    for binding in bindings:
        statement = getattr(binding, "node", None)
        if not (
            isinstance(statement, cst.ImportFrom)
            and isinstance(statement.module, cst.Name)
            and statement.module.value == "datetime"
            and not isinstance(statement.names, cst.ImportStar)
            and any(
                alias.evaluated_name == "timezone" and alias.evaluated_alias in (None, "timezone")
                for alias in statement.names
            )
        ):
            return None
    return "timezone.utc", False


def _replace_call(
    span: Span, original: str, replacement: str, needs_import: bool
) -> Callable[[cst.Module], cst.Module]:
    new_node = cst.parse_expression(replacement)

    def transform(tree: cst.Module) -> cst.Module:
        positions = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)

        class Replace(cst.CSTTransformer):
            done = False

            def leave_Call(
                self, original_node: cst.Call, updated_node: cst.Call
            ) -> cst.BaseExpression:
                where = positions.get(original_node)
                if (
                    self.done
                    or where is None
                    or (where.start.line, where.start.column + 1)
                    != (span.start.line, span.start.column)
                    or tree.code_for_node(original_node) != original
                ):
                    return updated_node
                self.done = True
                return new_node

        replacer = Replace()
        fixed = tree.visit(replacer)
        if replacer.done and needs_import:
            fixed = _import_timezone(fixed)
        return fixed

    return transform


def _import_timezone(tree: cst.Module) -> cst.Module:
    """Add ``timezone`` to the module's ``from datetime import ...`` (at its end, as one
    would write it), or let libcst add the import where it adds imports."""
    body = list(tree.body)
    for position, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            continue
        found = statement.body[0]
        if not (
            isinstance(found, cst.ImportFrom)
            and not found.relative
            and isinstance(found.module, cst.Name)
            and found.module.value == "datetime"
            and isinstance(found.names, Sequence)
            and found.lpar is None
            and found.names
        ):
            continue
        if any(
            alias.evaluated_name == "timezone" and alias.asname is None for alias in found.names
        ):
            return tree  # another fix in this module added it already
        *rest, last = found.names
        names = [
            *rest,
            last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
            cst.ImportAlias(name=cst.Name("timezone")),
        ]
        body[position] = statement.with_changes(body=[found.with_changes(names=names)])
        return tree.with_changes(body=body)
    return with_imports(tree, [("datetime", "timezone")])


# -- JOB305 ------------------------------------------------------------------------------


class ConflictingDelay(ModuleRule):
    code = "JOB305"
    name = "conflicting-delay"
    summary = "Two delay options at once (`wait` with `wait_until`, `countdown` with `eta`)."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        for site in module.facts.enqueue_sites:
            conflict = module.index.framework(site.framework).delay_conflict
            options = dict(site.options)
            if conflict is None or conflict.delay not in options:
                continue
            delay = options[conflict.delay]
            if conflict.moment in options:
                if conflict.at_delay:
                    span = module.parsed.written_span(delay)
                else:
                    span = _later(module, delay, options[conflict.moment])
                if span is not None:
                    yield self.diagnostic(
                        site.path,
                        span,
                        f"`{conflict.delay}` and `{conflict.moment}` together: "
                        f"{conflict.outcome}; keep one of them",
                    )
            elif (
                conflict.zero_delay_ignored is not None
                and literal(delay) in (0, 0.0)
                and literal(delay) is not False
            ):
                span = module.parsed.written_span(delay)
                if span is not None:
                    yield self.diagnostic(
                        site.path,
                        span,
                        f"`{conflict.delay}=0` delays nothing ({conflict.zero_delay_ignored}); "
                        "remove it",
                    )


def _later(module: ModuleContext, first: cst.CSTNode, second: cst.CSTNode) -> Span | None:
    spans = [module.parsed.written_span(first), module.parsed.written_span(second)]
    known = [span for span in spans if span is not None]
    return max(known) if len(known) == 2 else None


# -- JOB306 ------------------------------------------------------------------------------

NOW_FUNCTIONS = frozenset(
    {
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "django.utils.timezone.now",
    }
)
TIMEDELTA = "datetime.timedelta"
TIMEDELTA_SECONDS = {
    "weeks": 604800,
    "days": 86400,
    "hours": 3600,
    "minutes": 60,
    "seconds": 1,
    "milliseconds": 0.001,
    "microseconds": 0.000001,
}
TIMEDELTA_POSITIONAL = ("days", "seconds", "microseconds", "milliseconds", "minutes", "hours")


def _now_call(module: ModuleContext, node: cst.BaseExpression) -> cst.Call | None:
    if isinstance(node, cst.Call) and single_name(module.parsed, node.func) in NOW_FUNCTIONS:
        return node
    return None


def _aware_now(module: ModuleContext, call: cst.Call) -> bool:
    """``datetime.now(tz)`` with a zone that is not ``None``: the one "now" whose
    awareness does not depend on settings."""
    if single_name(module.parsed, call.func) != "datetime.datetime.now" or len(call.args) != 1:
        return False
    arg = call.args[0]
    if arg.star or (arg.keyword is not None and arg.keyword.value != "tz"):
        return False
    return literal(arg.value) is not None


def _seconds(module: ModuleContext, delta: cst.BaseExpression) -> int | float | None:
    """The seconds a literal ``timedelta(...)`` call stands for."""
    if not isinstance(delta, cst.Call) or single_name(module.parsed, delta.func) != TIMEDELTA:
        return None
    total: float = 0
    for index, arg in enumerate(delta.args):
        if arg.star:
            return None
        if arg.keyword is not None:
            unit = arg.keyword.value
        elif index < len(TIMEDELTA_POSITIONAL):
            unit = TIMEDELTA_POSITIONAL[index]
        else:
            return None
        value = literal(arg.value)
        if unit not in TIMEDELTA_SECONDS or isinstance(value, bool):
            return None
        if not isinstance(value, int | float) or TIMEDELTA_SECONDS[unit] < 1:
            return None
        total += value * TIMEDELTA_SECONDS[unit]
    return int(total) if float(total).is_integer() else None


class AbsoluteDelay(ModuleRule):
    code = "JOB306"
    name = "absolute-delay"
    summary = "`now() + delta` given as a moment where a relative delay option exists."
    fix_availability = FixAvailability.SOMETIMES
    codemod = "RelativeDelays"
    codemod_description = "`eta=now() + delta` to the framework's relative delay."
    checks_tests = False

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        values = Values(module)
        for site in module.facts.enqueue_sites:
            option_names = {key for key, _ in site.options}
            for moment, node in _moment_options(module, site):
                relative = moment.relative
                span = module.parsed.written_span(node)
                if relative is None or span is None:
                    continue
                if not isinstance(node, cst.BinaryOperation) or not isinstance(
                    node.operator, cst.Add
                ):
                    continue
                now, delta = _now_call(module, node.left), node.right
                if now is None:
                    now, delta = _now_call(module, node.right), node.left
                delta_value = values.of(delta)
                if now is None or delta_value is None or delta_value.base is not Kind.TIMEDELTA:
                    continue
                delta_text = module.parsed.module.code_for_node(delta)
                if moment.relative_form is DelayForm.METHOD:
                    advice = f"call `{relative}({_shown(module, delta)}, ...)` instead"
                elif moment.relative_form is DelayForm.UNITS:
                    advice = f'pass `{relative}=` with the delay in units (`{{"minutes": 5}}`)'
                else:
                    advice = f"pass `{relative}=` with the delay instead"
                message = (
                    f"{moment.shown} is now plus a delay, a delay written as a moment that depends "
                    f"on the caller's clock and zone; {advice}"
                )
                fix = None
                if relative not in option_names and _aware_now(module, now):
                    fix = self._fix(module, moment, node, delta, delta_text)
                yield self.diagnostic(site.path, span, message, fix=fix)

    def _fix(
        self,
        module: ModuleContext,
        moment: MomentOption,
        node: cst.BaseExpression,
        delta: cst.BaseExpression,
        delta_text: str,
    ) -> Fix | None:
        """Only where the relative option takes the very delta: the runtime's ``wait`` and
        arq's ``_defer_by`` take a timedelta; Celery's ``countdown`` takes seconds: a literal
        ``timedelta(...)`` of whole seconds becomes the number, a named delta becomes
        ``delta.total_seconds()``, anything else is left for the reader."""
        relative = moment.relative
        if relative is None:
            return None
        if moment.relative_form is DelayForm.TIMEDELTA:
            value = delta_text
        elif moment.relative_form is DelayForm.SECONDS:
            seconds = _seconds(module, delta)
            if seconds is not None:
                value = str(seconds)
            elif isinstance(delta, cst.Name | cst.Attribute):
                value = f"{delta_text}.total_seconds()"
            else:
                return None
        else:
            return None
        span = module.parsed.span(node)
        original = module.parsed.module.code_for_node(node)
        return Fix(
            message=f"Pass `{relative}={value}`",
            applicability=Applicability.SAFE,
            transform=_replace_keyword(span, moment.name, original, relative, value),
        )


def _replace_keyword(
    span: Span, keyword: str, original: str, new_keyword: str, new_value: str
) -> Callable[[cst.Module], cst.Module]:
    value_node = cst.parse_expression(new_value)

    def transform(tree: cst.Module) -> cst.Module:
        positions = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)

        class Replace(cst.CSTTransformer):
            done = False

            def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
                where = positions.get(original_node.value)
                if (
                    self.done
                    or original_node.keyword is None
                    or original_node.keyword.value != keyword
                    or where is None
                    or (where.start.line, where.start.column + 1)
                    != (span.start.line, span.start.column)
                    or tree.code_for_node(original_node.value) != original
                ):
                    return updated_node
                self.done = True
                return updated_node.with_changes(keyword=cst.Name(new_keyword), value=value_node)

        return tree.visit(Replace())

    return transform


# -- JOB309 ------------------------------------------------------------------------------

SLEEP_FUNCTIONS = frozenset(
    {"time.sleep", "asyncio.sleep", "asyncio.tasks.sleep", "anyio.sleep", "trio.sleep"}
)


class _Sleeps(OwnCodeVisitor):
    """Sleep calls in a function's own body (``joblint.analysis.own_code``)."""

    def __init__(self, module: ModuleContext, function: cst.FunctionDef) -> None:
        super().__init__(function)
        self.module = module
        self.found: list[tuple[cst.Call, str]] = []

    def visit_Call(self, node: cst.Call) -> None:
        name = single_name(self.module.parsed, node.func)
        if name not in SLEEP_FUNCTIONS:
            return
        first = node.args[0].value if node.args else None
        if first is not None and literal(first) in (0, 0.0):
            return  # `sleep(0)`: a yield to other threads or tasks, not a wait
        self.found.append((node, name))


class SleepInJob(ModuleRule):
    code = "JOB309"
    name = "sleep-in-job"
    summary = "`time.sleep` or `asyncio.sleep` in a job body; schedule a retry or a delayed job."
    # A sleep is sometimes the point (pacing a rate-limited API, a demo job standing in for
    # work), and it costs worker time rather than correctness: opt-in.
    default_enabled = False
    checks_tests = False

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        seen: set[int] = set()
        for job in module.facts.jobs:
            body = job.perform
            if body is None or id(body) in seen or not module.parsed.owns(body):
                continue
            seen.add(id(body))
            visitor = _Sleeps(module, body)
            walk.walk(body, visitor)
            for call, name in visitor.found:
                yield self.diagnostic(
                    job.path,
                    module.parsed.span(call),
                    f"`{name}` in the body of `{job.name}` holds a worker doing nothing; "
                    "re-enqueue the job with a delay or raise to retry with backoff instead",
                )
