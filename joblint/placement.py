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
  in the ``transaction-wrappers`` setting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import libcst as cst

from joblint.model import EnqueueContext, EnqueueSite
from joblint.parsing import ParsedModule
from joblint.symbols import single_name

ATOMIC = "django.db.transaction.atomic"
ON_COMMIT = "django.db.transaction.on_commit"
CONTEXTMANAGER = "contextlib.contextmanager"
# Wrapper modules must be parsed even when they mention no job: the prefilter keeps files
# that define context managers (enqueue sites themselves mention their job).
NEEDLES: tuple[bytes, ...] = (b"contextmanager",)
LOOPS = (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


def _transaction_call(
    parsed: ParsedModule, call: cst.BaseExpression, known: frozenset[str]
) -> str | None:
    """The transaction API ``call`` enters, if any: ``atomic()``, ``atomic``, a wrapper."""
    target = call.func if isinstance(call, cst.Call) else call
    name = single_name(parsed, target)
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


def transaction_wrappers(
    modules: Iterable[ParsedModule], configured: Sequence[str]
) -> frozenset[str]:
    """Project context managers that open a transaction (one level deep)."""
    found = set(configured)
    for parsed in modules:
        if b"contextmanager" not in parsed.source.data:
            continue
        for statement in parsed.module.body:
            if not isinstance(statement, cst.FunctionDef):
                continue
            decorators = {single_name(parsed, d.decorator) for d in statement.decorators}
            if CONTEXTMANAGER not in decorators:
                continue
            if _enters_transaction(parsed, statement, frozenset(configured)):
                names = parsed.names_of(statement)
                found.update(names)
    return frozenset(found)


def _enters_transaction(
    parsed: ParsedModule, function: cst.FunctionDef, known: frozenset[str]
) -> bool:
    entered = False

    class Finder(cst.CSTVisitor):
        def visit_With(self, node: cst.With) -> None:
            nonlocal entered
            if any(_transaction_call(parsed, item.item, known) for item in node.items):
                entered = True

    function.body.visit(Finder())
    return entered


def place(parsed: ParsedModule, site: EnqueueSite, wrappers: frozenset[str]) -> EnqueueSite:
    transaction: str | None = None
    on_commit = False
    in_loop = False
    function: str | None = None
    child: cst.CSTNode = site.node
    for ancestor in parsed.ancestors(site.node):
        if isinstance(ancestor, LOOPS) and not in_loop:
            in_loop = _loop_body_holds(ancestor, child)
        if isinstance(ancestor, cst.Call) and single_name(parsed, ancestor.func) == ON_COMMIT:
            on_commit = True
        if isinstance(ancestor, cst.With) and transaction is None and not on_commit:
            for item in ancestor.items:
                transaction = transaction or _transaction_call(parsed, item.item, wrappers)
        if isinstance(ancestor, cst.FunctionDef):
            if function is None:
                names = sorted(parsed.names_of(ancestor))
                function = names[0] if names else ancestor.name.value
            if transaction is None and not on_commit:
                for decorator in ancestor.decorators:
                    transaction = transaction or _transaction_call(
                        parsed, decorator.decorator, wrappers
                    )
        if isinstance(ancestor, cst.Lambda | cst.FunctionDef) and on_commit:
            break  # a callback deferred to commit: the transaction outside does not hold it
        child = ancestor
    context = EnqueueContext(
        transaction=None if on_commit else transaction,
        on_commit=on_commit,
        in_loop=in_loop,
        function=function,
    )
    return replace(site, context=context)


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
