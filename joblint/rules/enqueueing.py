"""JOB6xx: where jobs are enqueued.

A job is a message to another process, sent at a moment the code chooses. Sent inside a
database transaction, a worker can run it before the commit (and find nothing) or after a
rollback (and act on what never happened). Sent from a view, from a model's ``save()``,
once per loop iteration, or run in the caller instead of a worker, it escapes the
structure that keeps jobs testable and cheap. Every rule here reads the enqueue site's
context, which ``joblint.analysis.placement`` fills in for every framework alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from joblint.analysis import orm
from joblint.analysis.context import ModuleContext, ProjectContext
from joblint.analysis.model import EnqueueSite, SendingCall
from joblint.analysis.model_signals import SAVE_SIGNALS, received_signals
from joblint.analysis.placement import ATOMIC, ATOMIC_REQUESTS, ON_COMMIT
from joblint.analysis.sending import BULK_METHODS, code, sending_call, sends
from joblint.analysis.symbols import single_name
from joblint.diagnostics import Applicability, Diagnostic, Fix, Span
from joblint.fix.fixes import with_imports
from joblint.parse import walk
from joblint.parse.parsing import ParsedModule
from joblint.parse.source import split_lines
from joblint.rules.base import FixAvailability, ModuleRule, ProjectRule
from joblint.rules.retries import control_exceptions

# Which calls send a job, and the call that does (`sends`, `sending_call`), are
# joblint.analysis.sending's: the enqueue sites keep them as facts too (`site.sending`).
# Methods whose result is None: Celery's `DjangoTask` defers through `on_commit`.
RETURNS_NONE = frozenset({"delay_on_commit", "apply_async_on_commit"})
PARTIAL = "functools.partial"
TRANSACTION = "django.db.transaction"

# JOB606 suggests a framework's `bulk_enqueue`, where it has one that saves round trips.
# Celery has none: `group(...).apply_async()` publishes one message per signature
# (canvas.py's `_apply_tasks`), as a loop of `.delay` does over the same pooled connection.
# Words that say a loop already goes through its collection in batches, each job taking a
# chunk: one enqueue per chunk is the batching (`for chunk in chunked(ids, 1000)`).
BATCH_WORDS = re.compile(r"chunk|batch|page|pagin|slice|partition", re.IGNORECASE)


def shares_transaction(module: ModuleContext, site: EnqueueSite) -> bool | None:
    """Whether the job is written with the caller's transaction, so workers see it only
    after the commit (``JobDefinition.joins_callers_transaction``, which the Procrastinate
    frontend sets). None when that cannot be told, or when the task of a site whose
    framework's jobs may join the transaction is not known."""
    if not module.index.framework(site.framework).may_join_callers_transaction:
        return False
    job = module.index.jobs.resolve(site.target) if site.target else None
    if job is None:
        return None
    return job.joins_callers_transaction


# -- fixes ------------------------------------------------------------------------------


def _bound_to(
    parsed: ParsedModule, name: str, qualified: str, where: cst.CSTNode | None = None
) -> bool | None:
    """True when ``name``, read at ``where`` (by default at module level), is bound to
    ``qualified`` (an import), None when nothing binds it there, False when something
    else does: a parameter or a local of an enclosing function (`transaction: str`,
    `partial: bool`) hides the module's import from the code a fix writes there."""
    module_scope = parsed.scopes.get(parsed.module)
    scope = (parsed.scopes.get(where) if where is not None else None) or module_scope
    if scope is None or name not in scope:
        return None
    names = {q.name for q in scope.get_qualified_names_for(name)}
    return names == {qualified}


def name_for(
    parsed: ParsedModule, module: str, name: str, where: cst.CSTNode | None = None
) -> tuple[str, tuple[str, str] | None]:
    """How to write ``module.name`` at ``where`` in this module, and the import to add
    (``(module, name)``) when one is needed; raises LookupError when the name is taken
    there or at module level."""
    bound = _bound_to(parsed, name, f"{module}.{name}", where)
    if bound is True:
        return name, None
    if bound is None and _bound_to(parsed, name, f"{module}.{name}") is None:
        return name, (module, name)
    raise LookupError(name)


def locator(
    tree: cst.Module, span: Span, original: str, from_end: int
) -> Callable[[cst.CSTNode], bool]:
    """Whether a node of ``tree`` is the one a fix was made for: it reads ``original``,
    starts at ``span``'s column, and has as many lines after it as it had. Counting from
    the end keeps the target found after another fix has added imports above it."""
    positions = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)
    total = len(tree.code.splitlines())

    def at(node: cst.CSTNode) -> bool:
        where = positions.get(node)
        return (
            where is not None
            and where.start.column + 1 == span.start.column
            and total - where.start.line == from_end
            and tree.code_for_node(node) == original
        )

    return at


def lines_after(parsed: ParsedModule, span: Span) -> int:
    return parsed.line_count - span.start.line


def rewrite_call(
    span: Span,
    original: str,
    build: Callable[[cst.Call], cst.BaseExpression],
    from_end: int,
    imports: tuple[tuple[str, str], ...] = (),
) -> Callable[[cst.Module], cst.Module]:
    """Replace the call at ``span`` that reads ``original`` with what ``build`` makes of
    it, adding ``imports`` (``from module import name``) when it was replaced."""

    def transform(tree: cst.Module) -> cst.Module:
        at = locator(tree, span, original, from_end)

        class Replace(cst.CSTTransformer):
            done = False

            def leave_Call(
                self, original_node: cst.Call, updated_node: cst.Call
            ) -> cst.BaseExpression:
                if self.done or not at(original_node):
                    return updated_node
                self.done = True
                return build(updated_node)

        replacer = Replace()
        fixed = tree.visit(replacer)
        return with_imports(fixed, imports) if replacer.done else fixed

    return transform


def on_commit_method(module: ModuleContext, site: EnqueueSite) -> str | None:
    """The ``_on_commit`` form of the site's method (``delay_on_commit``), when the job is
    known to have it: Celery's ``DjangoTask`` does, a plain ``celery.Task`` (a project's
    ``task_cls``, an older Celery) does not, and calling it there raises AttributeError."""
    if site.method not in ("delay", "apply_async") or site.target is None:
        return None
    job = module.index.jobs.resolve(site.target)
    return f"{site.method}_on_commit" if job is not None and job.defers_on_commit else None


def on_commit_fix(module: ModuleContext, site: EnqueueSite, what: str) -> Fix | None:
    """``X.perform_later(a)`` as a statement becomes ``transaction.on_commit(partial(
    X.perform_later, a))``; Celery's ``.delay``/``.apply_async`` become their
    ``_on_commit`` forms where the task is known to have them."""
    parsed = module.parsed
    node = site.node
    if site.method in BULK_METHODS or not isinstance(parsed.parents.get(node), cst.Expr):
        return None
    if not isinstance(node.func, cst.Attribute):
        return None
    original = parsed.module.code_for_node(node)
    span = parsed.span(node)
    renamed = on_commit_method(module, site)
    if renamed is not None:

        def rename(call: cst.Call) -> cst.BaseExpression:
            assert isinstance(call.func, cst.Attribute)
            return call.with_changes(func=call.func.with_changes(attr=cst.Name(renamed)))

        return Fix(
            f"Use `.{renamed}(...)` (unsafe: the job is sent only if the transaction commits)",
            Applicability.UNSAFE,
            rewrite_call(span, original, rename, lines_after(parsed, span)),
        )
    try:
        transaction, transaction_import = name_for(parsed, "django.db", "transaction", node)
        partial, partial_import = name_for(parsed, "functools", "partial", node)
    except LookupError:
        return None
    imports = tuple(i for i in (transaction_import, partial_import) if i is not None)

    def wrap(call: cst.Call) -> cst.BaseExpression:
        return cst.Call(
            func=cst.Attribute(cst.Name(transaction), cst.Name("on_commit")),
            args=[
                cst.Arg(
                    cst.Call(
                        func=cst.Name(partial),
                        args=[cst.Arg(call.func), *_with_commas(call.args)],
                    )
                )
            ],
        )

    return Fix(
        f"Enqueue in `{transaction}.on_commit({partial}({what}, ...))` (unsafe: the job is "
        "sent only if the transaction commits)",
        Applicability.UNSAFE,
        rewrite_call(span, original, wrap, lines_after(parsed, span), imports),
    )


def _with_commas(args: Sequence[cst.Arg]) -> list[cst.Arg]:
    """Arguments moved after a new first one, their commas left to libcst."""
    return [arg.with_changes(comma=cst.MaybeSentinel.DEFAULT) for arg in args]


def describe_transaction(transaction: str) -> str:
    if transaction == ATOMIC:
        return "`transaction.atomic()`"
    if transaction == ATOMIC_REQUESTS:
        return "the request's transaction (`ATOMIC_REQUESTS` is on in the settings)"
    if transaction.startswith("sqlalchemy."):
        return f"`session.{transaction.rpartition('.')[2]}()`"
    if transaction == "peewee.atomic":
        return "`db.atomic()`"
    return f"`{transaction}` (a transaction)"


# -- rules ------------------------------------------------------------------------------


class EnqueueInTransaction(ModuleRule):
    code = "JOB601"
    name = "enqueue-in-transaction"
    summary = "A job enqueued inside a database transaction instead of after the commit."
    fix_availability = FixAvailability.SOMETIMES
    codemod = "EnqueueOnCommit"
    codemod_description = "enqueue after the transaction commits (unsafe)."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        parsed = module.parsed
        reported: set[int] = set()
        tests = None
        for site in module.facts.enqueue_sites:
            transaction = site.context.transaction
            if transaction is None or site.context.on_commit or not sends(site, parsed):
                continue
            if shares_transaction(module, site) is not False:
                continue
            if transaction == ATOMIC_REQUESTS:
                tests = module.in_tests if tests is None else tests
                if tests:
                    continue
            call = sending_call(parsed, site)
            if id(call) in reported:
                continue
            reported.add(id(call))
            what = code(parsed, call.func)
            renamed = on_commit_method(module, site)
            instead = (
                f"`.{renamed}(...)`"
                if renamed is not None
                else "`transaction.on_commit(partial(...))`"
            )
            message = (
                f"`{what}(...)` runs inside {describe_transaction(transaction)}: a worker can "
                "run the job before the commit, or after a rollback, and not find its data; "
                f"enqueue after the commit with {instead}"
            )
            fix = None
            if transaction in (ATOMIC, ATOMIC_REQUESTS):
                fix = on_commit_fix(module, site, what)
            yield self.diagnostic(site.path, parsed.span(call), message, fix=fix)


class EnqueueFromView(ProjectRule):
    """A project rule because an enqueue in a view means something only beside the
    project's other enqueues: where most of them are in views, enqueueing from views is
    the project's design, reported once; where most go through services, each one in a
    view is the convention broken, reported where it is."""

    code = "JOB603"
    name = "enqueue-from-view"
    summary = "A job enqueued directly in a view, controller or API handler."
    default_enabled = False
    preset = "conventions"
    checks_tests = False

    def check_project(self, project: ProjectContext) -> Iterator[Diagnostic]:
        in_views: list[Diagnostic] = []
        total = 0
        for module in project.modules:
            if module.in_tests:
                continue
            calls = _sending_calls(module)
            total += len(calls)
            in_views.extend(self._in_views(module, calls))
        if len(in_views) >= CONVENTION_MINIMUM and 2 * len(in_views) > total:
            first = min(in_views, key=lambda found: (str(found.path), found.line, found.column))
            yield self.diagnostic(
                first.path,
                first.span,
                f"{len(in_views)} of the project's {total} enqueues are in views, so the "
                "project enqueues from its views by design: to adopt the convention, move "
                "each enqueue into a service function or a model callback, and call that; to "
                'keep the project\'s design, turn the rule off with `ignore = ["JOB603"]` in '
                "[tool.joblint] (reported once, not once per enqueue)",
            )
            return
        yield from in_views

    def _in_views(
        self, module: ModuleContext, calls: list[tuple[EnqueueSite, SendingCall]]
    ) -> Iterator[Diagnostic]:
        view_module = module.in_views
        for site, call in calls:
            if not (view_module or site.context.view):
                continue
            where = (
                f"`{site.context.function.rpartition('.')[2]}`, which handles a request"
                if site.context.view and site.context.function
                else "a view module"
            )
            yield self.diagnostic(
                site.path,
                call.span,
                f"`{call.callee}(...)` enqueues a job from {where}; move the "
                "enqueue into a service function or a model callback, and call that",
            )


# A project-wide design of its own (most enqueues in views): reported once when at least
# this many enqueues, and more than half of the project's, follow it.
CONVENTION_MINIMUM = 3


def _sending_calls(module: ModuleContext) -> list[tuple[EnqueueSite, SendingCall]]:
    """Each call that sends a job, once (two sites can share one call: a chain), read
    from the sites' facts: two calls of one module are one when they span the same code,
    as one call never spans exactly what another does."""
    found: dict[Span, tuple[EnqueueSite, SendingCall]] = {}
    for site in module.facts.enqueue_sites:
        if site.sending is not None:
            found.setdefault(site.sending.span, (site, site.sending))
    return list(found.values())


# How to send the job instead of running it is the framework's `synchronous_calls`: a
# method to rename to, or to append to the callee (`form`: ("rename" | "append", method)).
# Celery's `apply` keywords `apply_async` takes the same way.
APPLY_KEYWORDS = frozenset({"args", "kwargs", "task_id", "link", "link_error", "headers"})


# Words that say a job is run in the caller on purpose, in the name of the function that
# runs it (`_deliver_sync`, `run_inline`) or in a comment or docstring beside the call.
INLINE_NAME_WORDS = frozenset(
    {"sync", "synchronous", "synchronously", "inline", "eager", "eagerly", "blocking", "now",
     "immediately", "foreground"}
)  # fmt: skip
# "sync" alone is also the verb of jobs that synchronise data (`sync_orders`, "sync the
# stock"): it counts in a function's name only after the first word (`deliver_sync`).
VERB_SENSE = frozenset({"sync"})
INLINE_COMMENT = re.compile(
    r"\b(?:synchronous(?:ly)?|inline|in[- ]process|eager(?:ly)?|on purpose|manually|by hand|"
    r"deliberate(?:ly)?|intentional(?:ly)?|in the foreground)\b",
    re.IGNORECASE,
)
# Django management commands run from a shell or cron, where waiting for the job is the
# point of the command.
MANAGEMENT_COMMAND = ("management", "commands")


def deliberately_inline(module: ModuleContext, site: EnqueueSite) -> bool:
    """Whether the code around a synchronous call shows it runs the job in the caller on
    purpose, so that neither the finding nor an enqueue in its place is wanted: a
    management command; a function whose name says it runs synchronously; a comment on or
    just above the call, or the enclosing function's docstring, that says so; an ``except``
    for the framework's control exception around it (``except Retry``: only an inline run
    raises it there, and an enqueue would leave the handler dead); a lambda argument, which
    no queue can carry; the body of another job, which already runs in a worker and uses
    the job as a function (ActiveJob's ``perform_now`` inside a job, a Celery task calling
    another's function); a call whose result the caller uses, which an enqueue could not
    give it."""
    parts = module.relative_path.parts
    if any(parts[i : i + 2] == MANAGEMENT_COMMAND for i in range(len(parts) - 1)):
        return True
    parsed = module.parsed
    if any(isinstance(arg.value, cst.Lambda) for arg in site.node.args):
        return True
    if not isinstance(parsed.parents.get(site.node), cst.Expr):
        return True  # the caller uses the job's result (an API returning it): it needs it now
    bodies = {id(job.perform) for job in module.facts.jobs if job.perform is not None}
    for ancestor in parsed.ancestors(site.node):
        if id(ancestor) in bodies:
            return True
        if isinstance(ancestor, cst.FunctionDef):
            words = [word.lower() for word in ancestor.name.value.split("_") if word]
            if (
                set(words[:1]) & INLINE_NAME_WORDS - VERB_SENSE
                or set(words[1:]) & INLINE_NAME_WORDS
            ):
                return True
            docstring = ancestor.get_docstring()
            if docstring and INLINE_COMMENT.search(docstring):
                return True
        if isinstance(ancestor, cst.Try) and _catches_control_exception(module, ancestor):
            return True
    return _inline_comment_near(parsed, site.node)


def _catches_control_exception(module: ModuleContext, block: cst.Try) -> bool:
    parsed = module.parsed
    control = control_exceptions(module.index).keys()
    for handler in block.handlers:
        caught = handler.type
        if caught is None:
            continue
        elements = (
            [element.value for element in caught.elements]
            if isinstance(caught, cst.Tuple)
            else [caught]
        )
        if any(parsed.names_of(element) & control for element in elements):
            return True
    return False


def _inline_comment_near(parsed: ParsedModule, node: cst.CSTNode) -> bool:
    """A comment on the call's lines, or one heading the paragraph of statements that
    holds it (the lines above it up to a blank line or the start of its block), that says
    the call runs inline on purpose: a comment over two calls speaks for both."""
    statement = next((a for a in parsed.ancestors(node) if isinstance(a, cst.BaseStatement)), node)
    lines = split_lines(parsed.source.text)
    call = parsed.span(node)
    start = parsed.span(statement).start.line
    for number in range(call.start.line, call.end.line + 1):
        text = lines[number - 1] if number <= len(lines) else ""
        if "#" in text and INLINE_COMMENT.search(text[text.index("#") :]):
            return True
    indent = _indentation(lines[start - 1])
    number = start - 1
    while number >= 1 and lines[number - 1].strip():
        line = lines[number - 1]
        if line.lstrip().startswith("#"):
            if INLINE_COMMENT.search(line):
                return True
        elif _indentation(line) < indent:
            break  # the block's header: the paragraph starts below it
        number -= 1
    return False


def _indentation(line: str) -> int:
    return len(line.expandtabs(8)) - len(line.expandtabs(8).lstrip())


class SynchronousJobCall(ModuleRule):
    code = "JOB605"
    name = "synchronous-job-call"
    summary = "A job run synchronously in the caller (`perform_now`, `task()`) outside tests."
    fix_availability = FixAvailability.SOMETIMES
    codemod = "EnqueueInsteadOfRunning"
    codemod_description = "enqueue the job instead of running it in the caller (unsafe)."
    checks_tests = False

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        sites = [site for site in module.facts.enqueue_sites if site.synchronous]
        if not sites:
            return
        parsed = module.parsed
        around_queued: dict[str, set[cst.CSTNode]] = {}
        for queued in module.facts.enqueue_sites:
            if not queued.synchronous and queued.target is not None:
                around_queued.setdefault(queued.target, set()).update(parsed.ancestors(queued.node))
        for site in sites:
            if _fallback_for_queued(parsed, site, around_queued) or deliberately_inline(
                module, site
            ):
                continue
            described = module.index.framework(site.framework).synchronous_call(site.method)
            form = None
            if described is not None and described.enqueue is not None:
                form = (described.rewrite, described.enqueue)
            what = code(parsed, site.node.func)
            if form is not None:
                instead = f"enqueue it with `.{form[1]}(...)`"
            elif described is not None and described.advice is not None:
                instead = described.advice
            else:
                instead = "enqueue it"
            message = (
                f"`{what}(...)` runs the job here, in the caller: no queue, no retries, and "
                f"the caller waits; {instead} (running jobs inline is for tests)"
            )
            yield self.diagnostic(
                site.path, parsed.span(site.node), message, fix=self._fix(parsed, site, form)
            )

    @staticmethod
    def _fix(parsed: ParsedModule, site: EnqueueSite, form: tuple[str, str] | None) -> Fix | None:
        """Offered only for a call written as a statement: ``deliberately_inline`` leaves a
        call whose result is used unreported, since an enqueue would hand the caller a job
        handle in place of the job's return value."""
        if form is None:
            return None
        kind, method = form
        node = site.node
        if kind == "rename" and not isinstance(node.func, cst.Attribute):
            return None
        if site.method == "apply" and any(
            arg.star or (arg.keyword is not None and arg.keyword.value not in APPLY_KEYWORDS)
            for arg in node.args
        ):
            return None

        span = parsed.span(node)

        def build(call: cst.Call) -> cst.BaseExpression:
            if kind == "rename":
                assert isinstance(call.func, cst.Attribute)
                return call.with_changes(func=call.func.with_changes(attr=cst.Name(method)))
            return call.with_changes(func=cst.Attribute(call.func, cst.Name(method)))

        return Fix(
            f"Enqueue with `.{method}(...)` (unsafe: the job runs later, in a worker, and the "
            "call returns a handle instead of the result)",
            Applicability.UNSAFE,
            rewrite_call(span, parsed.module.code_for_node(node), build, lines_after(parsed, span)),
        )


def _fallback_for_queued(
    parsed: ParsedModule, site: EnqueueSite, around_queued: Mapping[str, set[cst.CSTNode]]
) -> bool:
    """``if settings.CELERY_ENABLED: task.delay(x) else: task(x)``: running the job in the
    caller is the deliberate fallback of a branch whose sibling enqueues the same job, a
    common switch for development setups without a broker. The innermost ``if`` around
    the call decides. ``around_queued``: per job, the nodes enclosing a site that queues
    it, gathered once per module; comparing each call with every queued site of the
    module cost time quadratic in a generated module's size (issue 17)."""
    if site.target is None:
        return False
    for ancestor in parsed.ancestors(site.node):
        if isinstance(ancestor, cst.FunctionDef | cst.Lambda | cst.ClassDef):
            return False
        if not isinstance(ancestor, cst.If):
            continue
        branches: list[cst.CSTNode] = [ancestor.body]
        if ancestor.orelse is not None:
            branches.append(ancestor.orelse)
        own = next(
            (b for b in branches if b is site.node or b in parsed.ancestors(site.node)), None
        )
        enclosing = around_queued.get(site.target, set())
        return any(b in enclosing for b in branches if b is not own)
    return False


class EnqueueInLoop(ModuleRule):
    code = "JOB606"
    name = "enqueue-in-loop"
    summary = "One enqueue per loop iteration where the framework has a bulk API."
    # A loop of enqueues is correct; whether the round trips matter depends on how long
    # the loop runs, which the code rarely shows (a periodic job over a few dozen data
    # sources): a throughput suggestion, not a bug, so it is opt-in.
    default_enabled = False
    checks_tests = False

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        parsed = module.parsed
        for site in module.facts.enqueue_sites:
            framework = module.index.framework(site.framework)
            bulk = framework.bulk_enqueue
            if bulk is None or not site.context.in_loop or not sends(site, parsed):
                continue
            if site.method in BULK_METHODS or site.method in ("enqueue_at", "enqueue_in"):
                continue
            if not framework.bulk_enqueue_takes_options and site.options:
                continue  # `set(...)` per job: perform_all_later takes job instances
            if not _in_for_loop(parsed, site.node) or _loops_over_batches(parsed, site.node):
                continue
            yield self.diagnostic(
                site.path,
                parsed.span(site.node),
                f"`{code(parsed, site.node.func)}(...)` enqueues one job per loop "
                f"iteration, one round trip each; build the jobs in the loop and send them "
                f"at once with {bulk}",
            )


def _in_for_loop(parsed: ParsedModule, node: cst.CSTNode) -> bool:
    """The nearest loop is a ``for`` or a comprehension: a ``while`` loop is usually a
    consumer or a retry, with nothing to gather."""
    for ancestor in parsed.ancestors(node):
        if isinstance(ancestor, cst.While):
            return False
        if isinstance(
            ancestor, cst.For | cst.ListComp | cst.SetComp | cst.DictComp | cst.GeneratorExp
        ):
            return True
    return False


def _loops_over_batches(parsed: ParsedModule, node: cst.CSTNode) -> bool:
    """The nearest ``for`` goes through chunks of the collection (its target or what it
    iterates is named for them): each job already takes many records."""
    for ancestor in parsed.ancestors(node):
        if isinstance(ancestor, cst.For):
            written = parsed.module.code_for_node(ancestor.target) + parsed.module.code_for_node(
                ancestor.iter
            )
            return BATCH_WORDS.search(written) is not None
        if isinstance(ancestor, cst.FunctionDef | cst.Lambda):
            return False
    return False


class OnCommitResultUsed(ModuleRule):
    code = "JOB607"
    name = "on-commit-result-used"
    summary = "The return value of `delay_on_commit` or `on_commit` used; it is always None."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        parsed = module.parsed
        if b"on_commit" not in parsed.source.data:
            return
        for site in module.facts.enqueue_sites:
            if site.method in RETURNS_NONE and _result_used(parsed, site.node):
                yield self.diagnostic(
                    site.path,
                    parsed.span(site.node),
                    f"`.{site.method}(...)` returns None, not an `AsyncResult`: the task is "
                    "only sent at the commit; drop the use of the result, or call "
                    f"`.{site.method.removesuffix('_on_commit')}(...)` in a callback given "
                    "to `transaction.on_commit(...)` and use its result there",
                )
        for call in on_commit_calls(parsed):
            if _result_used(parsed, call):
                yield self.diagnostic(
                    module.path,
                    parsed.span(call),
                    "`transaction.on_commit(...)` returns None: it registers the callback "
                    "and returns at once; drop the use of its result",
                )


def on_commit_calls(parsed: ParsedModule) -> list[cst.Call]:
    """Every call of Django's ``transaction.on_commit`` in the module."""
    found: list[cst.Call] = []

    class Finder(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if single_name(parsed, node.func) == ON_COMMIT:
                found.append(node)

    walk.walk(parsed.module, Finder())
    return found


def _result_used(parsed: ParsedModule, node: cst.Call) -> bool:
    parent = parsed.parents.get(node)
    if isinstance(parent, cst.Await):
        parent = parsed.parents.get(parent)
    return not isinstance(parent, cst.Expr | cst.Lambda)


class EnqueueInSaveHook(ModuleRule):
    code = "JOB604"
    name = "enqueue-in-save-hook"
    summary = "A job enqueued in a model's `save()` or a `pre_save`/`post_save` handler."
    fix_availability = FixAvailability.SOMETIMES
    codemod = "EnqueueOnCommit"
    codemod_description = "enqueue after the transaction commits (unsafe)."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        parsed = module.parsed
        for site in module.facts.enqueue_sites:
            if site.context.on_commit or site.context.function is None or not sends(site, parsed):
                continue
            if shares_transaction(module, site) is not False:
                continue
            hook = self._hook(module, site)
            if hook is None:
                continue
            description, django = hook
            call = sending_call(parsed, site)
            what = code(parsed, call.func)
            message = (
                f"`{what}(...)` runs in {description}, which may be inside a transaction "
                "that has not committed: a worker can run the job before the row is saved, "
                "or after a rollback; enqueue in `transaction.on_commit(...)`"
            )
            fix = on_commit_fix(module, site, what) if django else None
            yield self.diagnostic(site.path, parsed.span(call), message, fix=fix)

    @staticmethod
    def _hook(module: ModuleContext, site: EnqueueSite) -> tuple[str, bool] | None:
        """What save hook holds the site, and whether it is Django's."""
        parsed = module.parsed
        function = next(
            (
                node
                for node in parsed.ancestors(site.node)
                if isinstance(node, cst.FunctionDef | cst.Lambda)
            ),
            None,
        )
        if not isinstance(function, cst.FunctionDef):
            return None  # a lambda runs whenever it is called
        signals = sorted(received_signals(parsed, function, module.index) & SAVE_SIGNALS)
        if signals:
            return f"a `{signals[0]}` handler", True
        if function.name.value != "save":
            return None
        owner = parsed.parents.get(parsed.parents.get(function) or function)
        if not isinstance(owner, cst.ClassDef):
            return None
        model = next(
            (
                found
                for name in sorted(parsed.names_of(owner))
                if (found := orm.model_class(module, name)) is not None
            ),
            None,
        )
        if model is None:
            return None
        return f"`{model.name}.save()`", model.family == orm.DJANGO


class OnCommitLateBinding(ModuleRule):
    code = "JOB608"
    name = "on-commit-late-binding"
    summary = "An `on_commit(lambda: ...)` that enqueues with a loop variable bound late."
    fix_availability = FixAvailability.SOMETIMES
    codemod = "BindLoopVariables"
    codemod_description = "`on_commit(lambda: ...)` to `on_commit(partial(...))`."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        parsed = module.parsed
        lambdas: dict[int, cst.Lambda] = {}
        for site in module.facts.enqueue_sites:
            if not site.context.on_commit:
                continue
            for ancestor in parsed.ancestors(site.node):
                if isinstance(ancestor, cst.Lambda):
                    lambdas.setdefault(id(ancestor), ancestor)
                    break
        for callback in lambdas.values():
            captured = _captured_loop_variables(parsed, callback)
            if not captured:
                continue
            names = ", ".join(f"`{name}`" for name in captured)
            yield self.diagnostic(
                module.path,
                parsed.span(callback),
                f"this callback runs at the commit, after the loop has moved on: it reads "
                f"{names} then, so every job gets the last value; bind the value now with "
                "`functools.partial(...)`",
                fix=_partial_fix(parsed, callback),
            )


def _captured_loop_variables(parsed: ParsedModule, callback: cst.Lambda) -> list[str]:
    """Names the lambda reads that a ``for`` loop around it (in the same function)
    rebinds, and that are not the lambda's own parameters."""
    targets: set[str] = set()
    for ancestor in parsed.ancestors(callback):
        if isinstance(ancestor, cst.FunctionDef | cst.Lambda | cst.ClassDef):
            break
        if isinstance(ancestor, cst.For):
            targets |= _bound_names(ancestor.target)
        elif isinstance(ancestor, cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp):
            comp: cst.CompFor | None = ancestor.for_in
            while comp is not None:
                targets |= _bound_names(comp.target)
                comp = comp.inner_for_in
    if not targets:
        return []
    own = {param.name.value for param in callback.params.params}
    own |= {param.name.value for param in callback.params.kwonly_params}
    read: list[str] = []

    class Reads(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            if node.value in targets and node.value not in own and node.value not in read:
                read.append(node.value)

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            walk.walk(node.value, self)
            return False

    walk.walk(callback.body, Reads())
    return read


def _bound_names(target: cst.BaseExpression) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, cst.Tuple | cst.List):
        names: set[str] = set()
        for element in target.elements:
            names |= _bound_names(element.value)
        return names
    return set()


def _simple(node: cst.BaseExpression) -> bool:
    """A value that evaluating now rather than at the commit cannot change: a name, an
    attribute of one, a literal."""
    if isinstance(node, cst.Name | cst.SimpleString | cst.Integer | cst.Float):
        return True
    return isinstance(node, cst.Attribute) and _simple(node.value)


def _reads_attribute_of(node: cst.BaseExpression, names: set[str]) -> bool:
    """``user.pk`` for a loop variable ``user``: ``partial`` would read the attribute when
    the callback is registered, not at the commit, and the loop body may still change it
    (a ``user.save()`` after the ``on_commit`` gives the row its pk)."""
    if not isinstance(node, cst.Attribute):
        return False
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name) and node.value in names


def _partial_fix(parsed: ParsedModule, callback: cst.Lambda) -> Fix | None:
    """``lambda: job.enqueue(user.id)`` becomes ``partial(job.enqueue, user.id)`` when the
    lambda takes nothing and its body is one call of names and literals."""
    body = callback.body
    if callback.params.params or callback.params.kwonly_params:
        return None
    if callback.params.star_arg != cst.MaybeSentinel.DEFAULT or callback.params.star_kwarg:
        return None
    if not isinstance(body, cst.Call) or not _simple(body.func):
        return None
    if any(arg.star or not _simple(arg.value) for arg in body.args):
        return None
    captured = set(_captured_loop_variables(parsed, callback))
    if any(_reads_attribute_of(arg.value, captured) for arg in body.args):
        return None
    try:
        partial, partial_import = name_for(parsed, "functools", "partial", callback)
    except LookupError:
        return None
    imports = () if partial_import is None else (partial_import,)
    span = parsed.span(callback)
    original = parsed.module.code_for_node(callback)
    from_end = lines_after(parsed, span)

    def transform(tree: cst.Module) -> cst.Module:
        at = locator(tree, span, original, from_end)

        class Replace(cst.CSTTransformer):
            done = False

            def leave_Lambda(
                self, original_node: cst.Lambda, updated_node: cst.Lambda
            ) -> cst.BaseExpression:
                if (
                    self.done
                    or not at(original_node)
                    or not isinstance(updated_node.body, cst.Call)
                ):
                    return updated_node
                self.done = True
                call = updated_node.body
                return cst.Call(
                    func=cst.Name(partial),
                    args=[cst.Arg(call.func), *_with_commas(call.args)],
                )

        replacer = Replace()
        fixed = tree.visit(replacer)
        return with_imports(fixed, imports) if replacer.done else fixed

    return Fix(
        f"Bind the values now with `{partial}(...)`",
        Applicability.SAFE,
        transform,
    )
