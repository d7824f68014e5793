"""JOB401-JOB406: a job that can run twice must be safe to run twice.

Whether a job can run twice is the framework's business, and the job's: joblint's runtime,
Dramatiq and arq deliver every job at least once (a worker that dies after the side effect
and before the acknowledgement runs the job again), while Celery (by default), RQ, Huey
and Procrastinate run a job at most once unless it, or the project, asks for retries or
late acknowledgement (``rerun_cause``). These rules look inside job bodies
(``joblint.analysis.bodies``) for the guards that make a second run harmless, the locks that keep
two runs apart, and the settings that cannot work. Each stays silent when it cannot show
the problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import libcst as cst

from joblint.analysis.bodies import (
    IDEMPOTENT_WRITES,
    NOT_ENQUEUES,
    PYTHON_REDIS_LOCK,
    REDIS_LOCK_CLASSES,
    SEND_FUNCTIONS,
    EffectFinder,
    EffectKind,
    SideEffect,
    assigned_values,
    callee_method,
    declares_uniqueness,
    exits_early,
    has_lock_decorator,
    is_django_cache,
    is_redis_client,
    is_state_guard,
    lock_of,
    own_calls,
    own_nodes,
)
from joblint.analysis.context import ModuleContext
from joblint.analysis.frameworks import WaitsWhen
from joblint.analysis.index import ProjectIndex
from joblint.analysis.model import UNKNOWN, EnqueueSite, JobDefinition, Literal
from joblint.analysis.symbols import class_attribute, single_name
from joblint.diagnostics import Applicability, Diagnostic, Fix
from joblint.rules.base import FixAvailability, ModuleRule


def _bodies(module: ModuleContext) -> Iterator[tuple[JobDefinition, cst.FunctionDef]]:
    for job in module.facts.jobs:
        if job.perform is not None and not job.is_abstract:
            yield job, job.perform


def _code(module: ModuleContext, node: cst.CSTNode, limit: int = 50) -> str:
    text = " ".join(module.parsed.module.code_for_node(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _receiver_root(call: cst.Call) -> str | None:
    node: cst.BaseExpression = call.func
    while isinstance(node, cst.Attribute | cst.Call):
        node = node.value if isinstance(node, cst.Attribute) else node.func
    return node.value if isinstance(node, cst.Name) else None


# -- JOB401 ---------------------------------------------------------------------------


FILTERS = frozenset({"filter", "exclude", "where", "filter_by"})
KEYED_SENDS = frozenset(name for name in SEND_FUNCTIONS if name.startswith("stripe."))


def rerun_cause(job: JobDefinition, index: ProjectIndex) -> str | None:
    """Why ``job`` can run a second time, worded to follow "and" in a message; None when
    it runs at most once, or when that cannot be told.

    A guard against a second run is only worth asking for when there can be one, and
    frameworks differ. Celery acknowledges a task just before running it, so a worker that
    dies mid-task loses it, unless the task or the app acknowledges late, or the task is
    retried (``autoretry_for``, ``self.retry()``). RQ moves a failed job, or one whose
    worker died, to the FailedJobRegistry unless it carries a ``Retry`` (from its
    decorator or an enqueue). Huey removes a task from the queue when it runs it and
    repeats it only for ``retries`` (or a ``RetryTask`` raised); Procrastinate leaves a
    failed or stalled job alone unless the task has ``retry`` or the project retries
    stalled jobs. Django's Tasks have no retries. A setting that cannot be read proves
    nothing, so the rule stays quiet on it."""
    framework = index.framework(job.framework)
    if framework.delivers_at_least_once:
        # joblint's runtime releases a dead worker's claimed jobs to run again; Dramatiq
        # acknowledges a message after processing it and retries by default; arq
        # documents that a job may run more than once.
        return f"{framework.display_name} delivers a job at least once"
    options = dict(job.options)
    if job.framework == "celery":
        return _celery_rerun(job, options, index)
    if job.framework == "rq":
        if options.get("retry") is not None and options.get("retry.max") != 0:
            return _retried(_written_option(job, "retry"))
        # The sites are mostly in other modules: their options' facts, not their nodes.
        for site in index.enqueue_sites_of(job.qualified_name):
            value = site.option_value("retry")
            if value is not None and value.value is not None:
                written = _shortened(value.written)
                return f"an enqueue retries it (`retry={written}`), so it can run twice"
        return None
    if job.framework == "huey":
        if _may_retry(options.get("retries")):
            return _retried(_written_option(job, "retries"))
        raised = _raises_retry_task(job)
        return _retried(raised) if raised is not None else None
    if job.framework == "procrastinate":
        if _may_retry(options.get("retry")):
            return _retried(_written_option(job, "retry"))
        if index.delivery.retries_stalled_jobs:
            return "the project retries stalled jobs (`get_stalled_jobs()`), so it can run twice"
    return None


def _celery_rerun(
    job: JobDefinition, options: dict[str, Literal], index: ProjectIndex
) -> str | None:
    if options.get("max_retries") != 0:
        if options.get("autoretry_for") not in (None, ()):
            return _retried(_written_option(job, "autoretry_for"))
        retry = _own_retry_call(job, options)
        if retry is not None:
            return _retried(_written(retry))
    if "acks_late" in options:  # the task's own choice wins over the app's
        if options["acks_late"] is True:
            written = _written_option(job, "acks_late")
            return f"the task acknowledges late (`{written}`), so it can run twice"
        return None  # False, or a value that cannot be read
    if index.delivery.celery_acks_late(job.app):
        return "the project acknowledges tasks late (`task_acks_late`), so it can run twice"
    return None


def _retried(written: str) -> str:
    return f"it is retried (`{written}`), so it can run twice"


def _may_retry(value: Literal) -> bool:
    """A count, flag or strategy that asks for retries: a positive number, True, or a
    value that is not a literal (a ``RetryStrategy``, a setting read at run time)."""
    if value is UNKNOWN or value is True:
        return True
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _own_retry_call(job: JobDefinition, options: dict[str, Literal]) -> cst.Call | None:
    """A Celery task body's ``self.retry(...)`` (the bound task, or a task class's
    ``self``) or ``<task>.retry(...)``."""
    if job.perform is None:
        return None
    receivers = {job.name}
    parameters = job.perform.params.params
    if parameters and (job.is_class or options.get("bind") is True):
        receivers.add(parameters[0].name.value)
    for call in own_calls(job.perform.body):
        func = call.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "retry"
            and isinstance(func.value, cst.Name)
            and func.value.value in receivers
        ):
            return call
    return None


def _raises_retry_task(job: JobDefinition) -> str | None:
    """Huey's ``raise RetryTask(...)``, which retries a task even without ``retries``."""
    if job.perform is None:
        return None
    for node in own_nodes(job.perform.body):
        if not isinstance(node, cst.Raise) or node.exc is None:
            continue
        raised = node.exc.func if isinstance(node.exc, cst.Call) else node.exc
        if isinstance(raised, cst.Attribute):
            raised = raised.attr
        if isinstance(raised, cst.Name) and raised.value == "RetryTask":
            return _written(node)
    return None


def _option_value(job: JobDefinition, key: str) -> tuple[str, cst.BaseExpression] | None:
    """The value of option ``key`` as the job's decorator (``"="``) or class body
    (``" = "``) writes it; None when it comes from elsewhere (a wrapper, a base class)."""
    call = job.decorator.decorator if job.decorator is not None else None
    if isinstance(call, cst.Call):
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == key:
                return "=", arg.value
    if isinstance(job.node, cst.ClassDef):
        value = class_attribute(job.node, key)
        if value is not None:
            return " = ", value
    return None


def _written_option(job: JobDefinition, key: str) -> str:
    """``key=<value>`` as the job's decorator or class body writes it; the bare key when
    the option comes from elsewhere (a project wrapper, a base class)."""
    found = _option_value(job, key)
    return key if found is None else f"{key}{found[0]}{_written(found[1])}"


def _written(node: cst.CSTNode, limit: int = 40) -> str:
    """A node's code on one line."""
    return _shortened(" ".join(cst.Module([]).code_for_node(node).split()), limit)


def _shortened(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# The exceptions a send raises when it did not complete (a connection refused, a timeout,
# an error status), by their last name: requests', httpx's, urllib3's, smtplib's, the
# builtins'.
TRANSPORT_ERRORS = frozenset(
    {
        "ConnectError",
        "ConnectTimeout",
        "ConnectionError",
        "HTTPError",
        "HTTPStatusError",
        "NetworkError",
        "ProtocolError",
        "ReadTimeout",
        "RequestError",
        "RequestException",
        "SMTPException",
        "Timeout",
        "TimeoutError",
        "TimeoutException",
        "TransportError",
    }
)


def _retries_only_its_failed_send(
    job: JobDefinition, effects: Sequence[SideEffect], index: ProjectIndex
) -> bool:
    """A Celery task whose only second run is ``autoretry_for`` a send's own transport
    errors (``autoretry_for=(requests.RequestException,)``), whose first side effect is
    that send and which sends nothing else: it runs again only when the send failed,
    before anything else happened, so retrying the send is the point of the task, and no
    guard can tell whether the remote end got a request that timed out (a webhook's
    receiver dedupes by delivery)."""
    if job.framework != "celery" or effects[0].kind is not EffectKind.SEND:
        return False
    if sum(1 for effect in effects if effect.kind is EffectKind.SEND) > 1:
        return False
    options = dict(job.options)
    if options.get("max_retries") == 0 or "autoretry_for" not in options:
        return False
    found = _option_value(job, "autoretry_for")
    value = found[1] if found is not None else None
    if not isinstance(value, cst.Tuple | cst.List) or not value.elements:
        return False
    for element in value.elements:
        name = element.value
        if isinstance(name, cst.Attribute):
            last = name.attr.value
        elif isinstance(name, cst.Name):
            last = name.value
        else:
            return False
        if last not in TRANSPORT_ERRORS:
            return False
    late = options.get("acks_late") is True or (
        "acks_late" not in options and index.delivery.celery_acks_late(job.app)
    )
    return not late and _own_retry_call(job, options) is None


class MissingIdempotencyGuard(ModuleRule):
    code = "JOB401"
    name = "missing-idempotency-guard"
    summary = "A job that changes state, sends or enqueues with no guard against running twice."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        finder = EffectFinder(module)
        for job, body in _bodies(module):
            if declares_uniqueness(job.options) or has_lock_decorator(body.decorators):
                continue
            if isinstance(job.node, cst.ClassDef) and has_lock_decorator(job.node.decorators):
                continue
            cause = rerun_cause(job, module.index)
            if cause is None:
                continue
            effects = [effect for effect in finder.effects(body.body) if not effect.repeatable]
            if not effects or _guarded(module, body, effects[0]):
                continue
            if _retries_only_its_failed_send(job, effects, module.index):
                continue
            yield self._finding(module, job, effects[0], cause)

    def _finding(
        self, module: ModuleContext, job: JobDefinition, effect: SideEffect, cause: str
    ) -> Diagnostic:
        span = module.parsed.span(effect.call)
        root = _receiver_root(effect.call)
        example = (
            f"`if {root}.<done>: return`"
            if effect.kind is EffectKind.WRITE and root and root.islower() and root != "session"
            else "`if <work already done>: return`"
        )
        also = (
            "pass an `idempotency_key=`"
            if single_name(module.parsed, effect.call.func) in KEYED_SENDS
            else "declare the job unique"
        )
        message = (
            f"`{_code(module, effect.call)}` on line {span.start.line} {effect.verb} with no "
            f"guard before it, and {cause}; return early when the work is already done, "
            f"e.g. {example}, or {also}"
        )
        return self.diagnostic(job.path, span, message)


def _guarded(module: ModuleContext, body: cst.FunctionDef, effect: SideEffect) -> bool:
    """Whether anything that may be a guard comes before ``effect`` or wraps it."""
    call = effect.call
    if any(arg.keyword is not None and "idempotency" in arg.keyword.value for arg in call.args):
        return True
    if any(arg.star == "**" for arg in call.args):
        return True
    if _checked_update(module, call):
        return True
    start = module.parsed.span(call).start
    for node in own_nodes(body.body):
        if module.parsed.span(node).start >= start:
            break
        if is_state_guard(node):
            return True
        if isinstance(node, cst.Call) and callee_method(node) in IDEMPOTENT_WRITES:
            return True
    for ancestor in module.parsed.ancestors(call):
        if ancestor is body:
            break
        if isinstance(ancestor, cst.If | cst.While) and not _within(call, ancestor.test):
            return True
        if isinstance(ancestor, cst.With) and lock_of(module, ancestor) is not None:
            return True
        if isinstance(ancestor, cst.For) and _filtered(module, ancestor.iter):
            return True
        # `try: X.objects.create(...) except IntegrityError: return`: a unique constraint.
        if isinstance(ancestor, cst.Try) and any(
            "Integrity" in _code(module, handler.type, 200)
            or "Unique" in _code(module, handler.type, 200)
            for handler in ancestor.handlers
            if handler.type is not None
        ):
            return True
    return False


def _filtered(module: ModuleContext, node: cst.BaseExpression) -> bool:
    """Rows chosen by their state: ``Order.objects.filter(...)``, or a name (sliced or
    not) every assignment of which is such a query."""
    if isinstance(node, cst.Subscript):
        node = node.value
    if isinstance(node, cst.Name):
        values = assigned_values(module, node) or []
        return bool(values) and all(_filtered(module, value) for value in values)
    return any(callee_method(inner) in FILTERS for inner in own_calls(node))


def _within(node: cst.CSTNode, root: cst.CSTNode) -> bool:
    return node is root or any(inner is node for inner in own_nodes(root))


def _checked_update(module: ModuleContext, call: cst.Call) -> bool:
    """``if X.objects.filter(..., status="pending").update(...)``, or its count kept in a
    name the body tests later: only one run wins the update."""
    if callee_method(call) not in ("update", "aupdate"):
        return False
    assert isinstance(call.func, cst.Attribute)
    if not any(callee_method(inner) in FILTERS for inner in own_calls(call.func.value)):
        return False
    for ancestor in module.parsed.ancestors(call):
        if isinstance(ancestor, cst.If | cst.While) and _within(call, ancestor.test):
            return True
        if isinstance(ancestor, cst.Assign | cst.AnnAssign):
            return True  # a count kept is a count used, or it would not be kept
        if isinstance(ancestor, cst.Return):
            return True
        if isinstance(ancestor, cst.BaseSmallStatement | cst.BaseCompoundStatement):
            return False
    return False


# -- JOB402 ---------------------------------------------------------------------------


class UncheckedLock(ModuleRule):
    code = "JOB402"
    name = "unchecked-lock"
    summary = "A guard checked before a lock but not again inside it."
    fix_availability = FixAvailability.UNSAFE
    codemod = "RecheckGuardInLock"
    codemod_description = "check the guard again inside the lock (unsafe)."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        finder = EffectFinder(module)
        for job, body in _bodies(module):
            for block in _blocks(body):
                yield from self._check_block(module, finder, job, block)

    def _check_block(
        self,
        module: ModuleContext,
        finder: EffectFinder,
        job: JobDefinition,
        statements: Sequence[cst.BaseStatement],
    ) -> Iterator[Diagnostic]:
        guards: list[cst.If] = []  # state guards, pure reads or not (see CLAIMING_GUARDS)
        for statement in statements:
            if is_state_guard(statement):
                assert isinstance(statement, cst.If)
                if _reads_state(statement.test):
                    guards.append(statement)
                continue
            if not guards or not isinstance(statement, cst.With):
                continue
            lock = lock_of(module, statement)
            if lock is None:
                continue
            # Work that is harmless twice (JOB401's repeatable writes) needs no second look.
            effects = [e for e in finder.effects(statement.body) if not e.repeatable]
            if not effects or _rechecked(module, statement, effects[0]):
                continue
            # The guard must be about what the lock protects: a feature flag checked
            # before it (`if not settings.BILLING: return`) needs no second look.
            related = [g for g in guards if _names_read(g.test) & _names_read(statement)]
            if related and all(_pure_read(g.test) for g in related):
                yield self._finding(module, job, statement, lock, related[-1])

    def _finding(
        self,
        module: ModuleContext,
        job: JobDefinition,
        statement: cst.With,
        lock: cst.Call,
        guard: cst.If,
    ) -> Diagnostic:
        guard_line = module.parsed.span(guard).start.line
        test = _code(module, guard.test)
        message = (
            f"`if {test}` on line {guard_line} is checked before `{_code(module, lock)}` "
            "but not inside it: another run may finish the work while this one waits for "
            f"the lock; check `{test}` again as the first thing inside the lock"
        )
        original = module.parsed.module.code_for_node(statement)
        fix = Fix(
            message=f"Check `{test}` again inside the lock (unsafe: adds a check)",
            applicability=Applicability.UNSAFE,
            transform=_copy_guard_into(
                original,
                _occurrence(module, statement, original),
                guard,
                _names_read(guard.test),
            ),
        )
        return self.diagnostic(job.path, module.parsed.span(lock), message, fix=fix)


def _blocks(body: cst.FunctionDef) -> Iterator[Sequence[cst.BaseStatement]]:
    """Every statement list of the body (its own, and those of its compound statements)."""
    if isinstance(body.body, cst.IndentedBlock):
        yield body.body.body
    for node in own_nodes(body.body):
        if isinstance(node, cst.IndentedBlock) and node is not body.body:
            yield node.body


def _rechecked(module: ModuleContext, statement: cst.With, effect: SideEffect) -> bool:
    """Any early exit before the first side effect inside the lock, or any ``if`` around
    it, counts as the check done again."""
    start = module.parsed.span(effect.call).start
    for node in own_nodes(statement.body):
        if module.parsed.span(node).start >= start:
            break
        if exits_early(node):
            return True
        # Rows locked by their state (`select_for_update().filter(paid=False)`) are
        # checked in the same read that locks them.
        if (
            isinstance(node, cst.Call)
            and callee_method(node) in FILTERS
            and any(callee_method(inner) == "select_for_update" for inner in own_calls(node))
        ):
            return True
    for ancestor in module.parsed.ancestors(effect.call):
        if ancestor is statement:
            break
        if isinstance(ancestor, cst.If | cst.While):
            return True
    return False


def _reads_state(test: cst.BaseExpression) -> bool:
    """A test that reads something another run can change (``order.paid``,
    ``Report.find_by(...)``), not only locals (``if not ids:``), which a second look
    inside the lock would find unchanged."""
    return any(
        isinstance(node, cst.Attribute | cst.Call | cst.Subscript)
        for node in [test, *own_nodes(test)]
    )


# CLAIMING_GUARDS: a guard whose test may write (`if not client.set(key, "1", nx=True):`,
# `setnx`, `add`, `incr`, `get_or_create`, or any call not known to read) is not a check
# that can be made again: it may be a claim, which, run a second time inside the lock,
# finds its own claim and gives up on the work. Nor can the rule tell what a lock after
# it still needs: the claim may be what keeps two runs apart. So a lock after such a
# guard about the same names is not reported, and the guard is never copied.
# Functions and methods whose calls only read: builtins, Django querysets and caches,
# redis-py's reads, mappings and strings.
READ_FUNCTIONS = frozenset(
    {"len", "isinstance", "issubclass", "getattr", "hasattr", "bool", "callable", "any", "all"}
    | {"min", "max", "sum", "abs", "int", "float", "str"}
)
READ_METHODS = frozenset(
    {"all", "count", "exists", "filter", "exclude", "first", "last", "get", "find", "find_by"}
    | {"where", "filter_by", "values", "values_list", "only", "order_by", "latest", "earliest"}
    | {"has_key", "get_many", "mget", "hget", "hmget", "hexists", "hlen", "hgetall", "ttl"}
    | {"pttl", "sismember", "smembers", "scard", "llen", "lrange", "zscore", "zcard", "strlen"}
    | {"keys", "items", "startswith", "endswith", "lower", "upper", "strip", "isdigit"}
)


def _pure_read(test: cst.BaseExpression) -> bool:
    """Whether evaluating ``test`` only reads: it assigns nothing (no ``:=``), holds no
    code that a call could run (a lambda), and every call it makes is one of
    ``READ_FUNCTIONS`` or ``READ_METHODS``. See CLAIMING_GUARDS."""
    for node in [test, *own_nodes(test)]:
        if isinstance(node, cst.NamedExpr | cst.Yield | cst.Lambda):
            return False
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Name):
                if func.value not in READ_FUNCTIONS:
                    return False
            elif not (isinstance(func, cst.Attribute) and func.attr.value in READ_METHODS):
                return False
    return True


def _names_read(node: cst.CSTNode) -> frozenset[str]:
    """The plain names ``node`` mentions (``order`` in ``order.paid``), constants aside."""
    names = [node, *own_nodes(node)]
    return frozenset(
        n.value
        for n in names
        if isinstance(n, cst.Name) and n.value not in ("None", "True", "False", "self")
    )


def _assigns(statement: cst.BaseStatement, names: frozenset[str]) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        targets: list[cst.BaseExpression] = []
        if isinstance(small, cst.Assign):
            targets = [target.target for target in small.targets]
        elif isinstance(small, cst.AnnAssign | cst.AugAssign):
            targets = [small.target]
        for target in targets:
            if isinstance(target, cst.Name) and target.value in names:
                return True
    return False


def _copy_guard_into(
    original: str, occurrence: int, guard: cst.If, names: frozenset[str]
) -> Callable[[cst.Module], cst.Module]:
    """Insert a copy of ``guard`` at the top of the ``occurrence``-th ``with`` that reads
    ``original``, after the statements that assign what the guard reads (a row fetched
    again under the lock). Found by its text, not its position, so that another fix
    above it does not lose it, and a fixed ``with`` no longer matches."""
    copy = guard.with_changes(leading_lines=())

    def transform(tree: cst.Module) -> cst.Module:
        class Insert(cst.CSTTransformer):
            seen = 0

            def leave_With(self, original_node: cst.With, updated_node: cst.With) -> cst.With:
                if tree.code_for_node(original_node) != original:
                    return updated_node
                self.seen += 1
                if self.seen - 1 != occurrence or not isinstance(
                    updated_node.body, cst.IndentedBlock
                ):
                    return updated_node
                statements = list(updated_node.body.body)
                at = 0
                for index, statement in enumerate(statements):
                    if _assigns(statement, names):
                        at = index + 1
                statements.insert(at, copy)
                return updated_node.with_changes(
                    body=updated_node.body.with_changes(body=statements)
                )

        return tree.visit(Insert())

    return transform


def _occurrence(module: ModuleContext, statement: cst.With, original: str) -> int:
    """How many ``with`` statements with the same text come before ``statement``."""
    code = module.parsed.module.code_for_node
    before = 0
    for node in own_nodes(module.parsed.module):
        if node is statement:
            return before
        if isinstance(node, cst.With) and code(node) == original:
            before += 1
    return before


# -- JOB403 ---------------------------------------------------------------------------


def _lacks(call: cst.Call, keyword: str, positional_limit: int) -> bool:
    """No ``keyword=``, no ``**options``, and no more than ``positional_limit``
    positional arguments (one more could be the timeout itself)."""
    if any(arg.star for arg in call.args):
        return False
    if any(arg.keyword is not None and arg.keyword.value == keyword for arg in call.args):
        return False
    return sum(1 for arg in call.args if arg.keyword is None) <= positional_limit


class LockWithoutExpiry(ModuleRule):
    code = "JOB403"
    name = "lock-without-expiry"
    summary = "A Redis or cache lock taken with no timeout: a crashed worker holds it forever."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        for job, body in _bodies(module):
            for call in own_calls(body.body):
                found = self._unbounded(module, call)
                if found is not None:
                    what, keyword = found
                    yield self.diagnostic(
                        job.path,
                        module.parsed.span(call),
                        f"`{_code(module, call)}` takes {what} with no `{keyword}=`: if the "
                        "worker dies holding it, the lock is never released and every later "
                        f"run waits or skips forever; pass `{keyword}=` longer than the job "
                        "can take",
                    )

    def _unbounded(self, module: ModuleContext, call: cst.Call) -> tuple[str, str] | None:
        name = single_name(module.parsed, call.func)
        if name in REDIS_LOCK_CLASSES and _lacks(call, "timeout", 2):
            return "a Redis lock", "timeout"
        if name in PYTHON_REDIS_LOCK and _lacks(call, "expire", 2):
            return "a Redis lock", "expire"
        if callee_method(call) != "lock":
            return None
        assert isinstance(call.func, cst.Attribute)
        receiver = call.func.value
        # redis-py: `Redis.lock(name, timeout=None, ...)`.
        if is_redis_client(module, receiver) and _lacks(call, "timeout", 1):
            return "a Redis lock", "timeout"
        # django-redis: `cache.lock(key, version=None, timeout=None, ...)`.
        if is_django_cache(module, receiver) and _lacks(call, "timeout", 2):
            return "a cache lock", "timeout"
        return None


# -- JOB405 ---------------------------------------------------------------------------

ALLOW_JOIN = frozenset({"celery.result.allow_join_result"})


class BlockingOnJobResult(ModuleRule):
    code = "JOB405"
    name = "blocking-on-job-result"
    summary = "A job that waits for another job's result, tying up a worker (or deadlocking)."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        sites = {
            id(site.node): site
            for site in module.facts.enqueue_sites
            if not site.synchronous
            and site.method not in NOT_ENQUEUES
            and module.index.framework(site.framework).result_waits
        }
        for job, body in _bodies(module):
            for call in own_calls(body.body):
                if single_name(module.parsed, call.func) in ALLOW_JOIN:
                    yield self.diagnostic(
                        job.path,
                        module.parsed.span(call),
                        "`allow_join_result()` lets this task wait for another task's result; "
                        "a worker blocked on a task queued behind it can deadlock the pool: "
                        "chain the tasks (`chain`, `link=`) instead of waiting",
                    )
                    continue
                site = self._enqueued_receiver(module, call, sites)
                if site is not None and self._blocks(module, site, call):
                    yield self.diagnostic(
                        job.path,
                        module.parsed.span(call),
                        f"`{_code(module, call)}` waits in this job for the job enqueued by "
                        f"`{_code(module, site.node)}`; the worker sits idle, and deadlocks "
                        "when every worker waits: chain the second job after the first "
                        "(a callback, `link=`, `depends_on=`) instead of waiting",
                    )

    def _enqueued_receiver(
        self, module: ModuleContext, call: cst.Call, sites: dict[int, EnqueueSite]
    ) -> EnqueueSite | None:
        if not isinstance(call.func, cst.Attribute):
            return None
        receiver = call.func.value
        if isinstance(receiver, cst.Call):
            return sites.get(id(receiver))
        if isinstance(receiver, cst.Name):
            values = assigned_values(module, receiver)
            if not values:
                return None
            found = [
                sites.get(id(value)) if isinstance(value, cst.Call) else None for value in values
            ]
            if all(site is not None for site in found):
                return found[0]
        return None

    def _blocks(self, module: ModuleContext, site: EnqueueSite, call: cst.Call) -> bool:
        method = callee_method(call)
        wait = module.index.framework(site.framework).result_wait(method) if method else None
        if wait is None:
            return False
        if wait.waits is WaitsWhen.ALWAYS or wait.argument is None:
            return True
        keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
        positional = [arg.value for arg in call.args if arg.keyword is None]
        given = keywords.get(wait.argument, positional[0] if positional else None)
        if wait.waits is WaitsWhen.ARGUMENT_TRUE:
            return isinstance(given, cst.Name) and given.value == "True"
        return given is not None and not (
            isinstance(given, cst.Integer) and given.evaluated_value == 0
        )


# -- JOB406 ---------------------------------------------------------------------------


class UniqueMisconfigured(ModuleRule):
    code = "JOB406"
    name = "unique-misconfigured"
    summary = "A uniqueness setting the framework rejects (RQ `unique=True` without `job_id`)."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        for site in module.facts.enqueue_sites:
            if site.framework == "rq":
                yield from self._rq(module, site)
        for job in module.facts.jobs:
            modes = module.index.framework(job.framework).unique_modes
            if modes and isinstance(job.node, cst.ClassDef):
                yield from self._unique_mode(module, job, job.node, modes)

    def _rq(self, module: ModuleContext, site: EnqueueSite) -> Iterator[Diagnostic]:
        options = dict(site.options)
        unique = options.get("unique")
        if not (isinstance(unique, cst.Name) and unique.value == "True"):
            return
        if any(arg.star == "**" for arg in site.node.args):
            return
        keyword = next(
            (arg for arg in site.node.args if arg.keyword and arg.keyword.value == "unique"),
            None,
        )
        span = module.parsed.span(keyword if keyword is not None else unique)
        if "job_id" not in options:
            yield self.diagnostic(
                site.path,
                span,
                "`unique=True` without `job_id=`: RQ raises `ValueError` at enqueue, since "
                "uniqueness is by job ID; pass a `job_id=` that names the work "
                '(`job_id=f"invoice-{invoice_id}"`)',
            )
        for option, why in (
            ("depends_on", "job dependencies"),
            ("rate_limit", "rate-limited jobs"),
        ):
            if option in options and not _is_none(options[option]):
                yield self.diagnostic(
                    site.path,
                    span,
                    f"`unique=True` with `{option}=`: RQ does not support uniqueness for "
                    f"{why} and raises `ValueError` at enqueue; drop one of the two",
                )

    def _unique_mode(
        self, module: ModuleContext, job: JobDefinition, node: cst.ClassDef, modes: Sequence[str]
    ) -> Iterator[Diagnostic]:
        """The runtime's ``unique = "..."``, checked against the modes it accepts."""
        value = dict(job.options).get("unique", UNKNOWN)
        if value is UNKNOWN or value is None or value in modes:
            return
        attribute = class_attribute(node, "unique")
        span = module.parsed.span(attribute) if attribute is not None else job.name_span
        yield self.diagnostic(
            job.path,
            span,
            f"`unique = {value!r}` is not a uniqueness mode: the class fails to import with "
            f"`TypeError`; use {' or '.join(repr(mode) for mode in modes)}",
        )


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"
