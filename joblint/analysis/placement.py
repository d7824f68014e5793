"""Where an enqueue site sits: inside a transaction, inside an ``on_commit`` callback,
inside a loop, inside which function. Computed once here for every framework, so the
enqueue-placement rules read one model.

Transactions recognised:
- Django's ``transaction.atomic`` as a context manager or a decorator (with or without
  arguments);
- SQLAlchemy's ``session.begin()``/``begin_nested()`` and Peewee's ``db.atomic()`` as
  context managers, in modules that import those libraries (the receiver is a variable, so
  the import is the evidence);
- project wrappers: a function decorated with ``contextlib.contextmanager`` whose body
  enters one of the above (one level, used as ``with`` or as a decorator), and the names
  in the ``transaction-wrappers`` setting;
- Django's ``ATOMIC_REQUESTS``, only when a settings module of the project turns it on
  (``DATABASES = {"default": {..., "ATOMIC_REQUESTS": True}}`` or
  ``DATABASES["default"]["ATOMIC_REQUESTS"] = True``): then a view (a function whose first
  parameter is ``request``, a method whose second is) runs in a transaction, unless it is
  ``async`` (Django refuses those) or marked ``@transaction.non_atomic_requests``.

joblint's runtime has no transaction helper of its own to recognise: its models are the
project's.

What other modules contribute (their wrappers, their ``ATOMIC_REQUESTS``) is read from
their summaries (``context_managers`` and ``turns_on_atomic_requests``, worked out here
from each module's own tree, once): placing a module's sites needs that module's tree
alone (issue 17).

A transaction, or a loop, holds a site only within the innermost function: the body of a
nested ``def`` or ``lambda`` runs whenever it is called, not where it is written. The one
exception is the callback handed to ``on_commit``, which runs once per registration.
APIs that defer the enqueue themselves (Celery's ``delay_on_commit`` and
``apply_async_on_commit``, djhuey's ``on_commit_task``) count as ``on_commit``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import libcst as cst

from joblint.analysis.model import ContextManagerInfo, EnqueueContext, EnqueueSite, ModuleSummary
from joblint.analysis.sending import sending
from joblint.analysis.symbols import single_name
from joblint.parse import walk
from joblint.parse.parsing import ParsedModule

ATOMIC = "django.db.transaction.atomic"
ON_COMMIT = "django.db.transaction.on_commit"
NON_ATOMIC_REQUESTS = "django.db.transaction.non_atomic_requests"
CONTEXTMANAGER = "contextlib.contextmanager"
# The transaction a view runs in when the settings turn ATOMIC_REQUESTS on.
ATOMIC_REQUESTS = "ATOMIC_REQUESTS"
# Enqueue methods that wait for the commit themselves (the method as the frontends write it).
ON_COMMIT_METHODS = frozenset({"delay_on_commit", "apply_async_on_commit", "call_on_commit"})
LOOPS = (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


def _transaction_call(
    parsed: ParsedModule, call: cst.BaseExpression, known: frozenset[str]
) -> str | None:
    """The transaction API ``call`` enters, if any: ``atomic()``, ``atomic``, a wrapper."""
    target = call.func if isinstance(call, cst.Call) else call
    name = single_name(parsed, target)
    if name == ATOMIC and isinstance(call, cst.Call) and _other_database(call):
        return None
    if name is not None and (name == ATOMIC or name in known):
        return name
    if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute):
        method = call.func.attr.value
        data = parsed.source.data
        if method in ("begin", "begin_nested") and b"sqlalchemy" in data:
            return f"sqlalchemy.{method}"
        if method == "atomic" and b"peewee" in data:
            return "peewee.atomic"
    return None


def _other_database(atomic: cst.Call) -> bool:
    """``atomic(using=...)`` on a database other than ``"default"`` (a replica read in one
    snapshot, another app's database): whether the job's rows are written in that
    transaction cannot be told, and Django's ``on_commit`` without the same ``using``
    would not wait for it, so the rule and its fix stay out of it."""
    for position, arg in enumerate(atomic.args):
        named = arg.keyword.value if arg.keyword is not None else None
        if named == "using" or (named is None and position == 0 and not arg.star):
            value = arg.value
            if isinstance(value, cst.Name) and value.value == "None":
                return False  # Django's default database
            return not (isinstance(value, cst.SimpleString) and value.evaluated_value == "default")
    return False


def transaction_wrappers(
    summaries: Iterable[ModuleSummary], configured: Sequence[str]
) -> frozenset[str]:
    """Project context managers that open a transaction (one level deep): those whose
    body enters one joblint knows, or one the ``transaction-wrappers`` setting names."""
    found = set(configured)
    named = frozenset(configured)
    for summary in summaries:
        for manager in summary.context_managers:
            if manager.opens_transaction or manager.enters & named:
                found.update(manager.names)
    return frozenset(found)


def context_managers(parsed: ParsedModule) -> tuple[ContextManagerInfo, ...]:
    """The module-level ``@contextmanager`` functions of ``parsed`` that enter any
    context manager, with what they enter. Only a module mentioning ``contextmanager`` is
    looked at."""
    if b"contextmanager" not in parsed.source.data:
        return ()
    found: list[ContextManagerInfo] = []
    for statement in parsed.module.body:
        if not isinstance(statement, cst.FunctionDef):
            continue
        decorators = {single_name(parsed, d.decorator) for d in statement.decorators}
        if CONTEXTMANAGER not in decorators:
            continue
        opens, enters = _entered(parsed, statement)
        if opens or enters:
            found.append(ContextManagerInfo(parsed.names_of(statement), opens, enters))
    return tuple(found)


def _entered(parsed: ParsedModule, function: cst.FunctionDef) -> tuple[bool, frozenset[str]]:
    """Whether ``function``'s body enters a transaction joblint knows by itself, and the
    qualified names of the other context managers it enters (``_transaction_call`` takes
    them for transactions when the setting names them)."""
    opens = False
    enters: set[str] = set()

    class Finder(cst.CSTVisitor):
        def visit_With(self, node: cst.With) -> None:
            nonlocal opens
            for item in node.items:
                opens = opens or _transaction_call(parsed, item.item, frozenset()) is not None
                target = item.item.func if isinstance(item.item, cst.Call) else item.item
                name = single_name(parsed, target)
                if name is not None and name != ATOMIC:
                    enters.add(name)

    walk.walk(function.body, Finder())
    return opens, frozenset(enters)


def atomic_requests(summaries: Iterable[ModuleSummary]) -> bool:
    """Whether a settings module turns Django's ``ATOMIC_REQUESTS`` on (literally True)."""
    return any(summary.turns_on_atomic_requests for summary in summaries)


def turns_on_atomic_requests(parsed: ParsedModule) -> bool:
    """Whether ``parsed`` sets ``ATOMIC_REQUESTS`` to True in ``DATABASES``. Only a module
    mentioning ``ATOMIC_REQUESTS`` is looked at, and only its statements."""
    return b"ATOMIC_REQUESTS" in parsed.source.data and _turns_on_atomic_requests(parsed)


def _turns_on_atomic_requests(parsed: ParsedModule) -> bool:
    found = False

    def is_databases(node: cst.BaseExpression) -> bool:
        while isinstance(node, cst.Subscript):
            node = node.value
        return isinstance(node, cst.Name) and node.value == "DATABASES"

    def key_is_atomic(node: cst.BaseExpression | None) -> bool:
        return isinstance(node, cst.SimpleString) and node.evaluated_value == "ATOMIC_REQUESTS"

    def is_true(node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Name) and node.value == "True"

    for node in walk.statements(parsed.module):
        if not isinstance(node, cst.Assign):
            continue
        for target in node.targets:
            where = target.target
            if not is_databases(where):
                continue
            if isinstance(where, cst.Subscript):
                index = where.slice[-1].slice
                if isinstance(index, cst.Index) and key_is_atomic(index.value):
                    found = found or is_true(node.value)
            for element in _dict_elements(node.value):
                found = found or (key_is_atomic(element.key) and is_true(element.value))
    return found


def _dict_elements(node: cst.CSTNode) -> list[cst.DictElement]:
    found: list[cst.DictElement] = []

    class Finder(cst.CSTVisitor):
        def visit_DictElement(self, element: cst.DictElement) -> None:
            found.append(element)

    walk.walk(node, Finder())
    return found


def is_view(parsed: ParsedModule, function: cst.FunctionDef) -> bool:
    """A function that handles a request: its first parameter is ``request``, or a
    method's second is (``def get(self, request)``)."""
    params = [*function.params.posonly_params, *function.params.params]
    in_class = isinstance(_enclosing_scope(parsed, function), cst.ClassDef)
    position = 1 if in_class else 0
    return len(params) > position and params[position].name.value == "request"


def _enclosing_scope(parsed: ParsedModule, node: cst.CSTNode) -> cst.CSTNode | None:
    for ancestor in parsed.ancestors(node):
        if isinstance(ancestor, cst.ClassDef | cst.FunctionDef | cst.Lambda | cst.Module):
            return ancestor
    return None


def place(
    parsed: ParsedModule,
    site: EnqueueSite,
    wrappers: frozenset[str],
    atomic_views: bool = False,
) -> EnqueueSite:
    transaction: str | None = None
    on_commit = site.method in ON_COMMIT_METHODS
    in_loop = False
    function: str | None = None
    view = False
    # Past the innermost function, nothing outside says when its body runs.
    sealed = False
    child: cst.CSTNode = site.node
    for ancestor in parsed.ancestors(site.node):
        if isinstance(ancestor, LOOPS) and not in_loop and not sealed:
            in_loop = _loop_body_holds(ancestor, child)
        if isinstance(ancestor, cst.Call) and single_name(parsed, ancestor.func) == ON_COMMIT:
            on_commit = True
        if isinstance(ancestor, cst.With) and transaction is None and not on_commit and not sealed:
            for item in ancestor.items:
                transaction = transaction or _transaction_call(parsed, item.item, wrappers)
        if isinstance(ancestor, cst.FunctionDef) and function is None:
            names = sorted(parsed.names_of(ancestor))
            function = names[0] if names else ancestor.name.value
            view = is_view(parsed, ancestor)
        if isinstance(ancestor, cst.FunctionDef) and not sealed:
            decorators = [single_name(parsed, d.decorator) for d in ancestor.decorators]
            if transaction is None and not on_commit:
                for decorator in ancestor.decorators:
                    transaction = transaction or _transaction_call(
                        parsed, decorator.decorator, wrappers
                    )
            if (
                transaction is None
                and atomic_views
                and view
                and ancestor.asynchronous is None
                and NON_ATOMIC_REQUESTS not in decorators
            ):
                transaction = ATOMIC_REQUESTS
        if isinstance(ancestor, cst.Lambda | cst.FunctionDef) and on_commit:
            break  # a callback deferred to commit: the transaction outside does not hold it
        sealed = sealed or _runs_elsewhere(parsed, ancestor)
        child = ancestor
    context = EnqueueContext(
        transaction=None if on_commit else transaction,
        on_commit=on_commit,
        in_loop=in_loop,
        function=function,
        view=view,
    )
    return replace(site, context=context, sending=sending(parsed, site))


def _runs_elsewhere(parsed: ParsedModule, node: cst.CSTNode) -> bool:
    """A function body, or a lambda other than an ``on_commit`` callback."""
    if isinstance(node, cst.FunctionDef):
        return True
    return isinstance(node, cst.Lambda) and not _on_commit_callback(parsed, node)


def _on_commit_callback(parsed: ParsedModule, node: cst.Lambda) -> bool:
    arg = parsed.parents.get(node)
    call = parsed.parents.get(arg) if isinstance(arg, cst.Arg) else None
    return isinstance(call, cst.Call) and single_name(parsed, call.func) == ON_COMMIT


def _loop_body_holds(loop: cst.CSTNode, child: cst.CSTNode) -> bool:
    """The site runs once per iteration, not once in the loop's header or else-branch."""
    if isinstance(loop, cst.For):
        return child is loop.body
    if isinstance(loop, cst.While):
        return child is loop.body
    if isinstance(loop, cst.ListComp | cst.SetComp | cst.GeneratorExp):
        return child is loop.elt
    if isinstance(loop, cst.DictComp):
        return child is loop.key or child is loop.value
    return False
