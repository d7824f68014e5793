"""Reading job bodies: what a ``perform`` or task function does, in source order.

The idempotency rules (and later the retry and placement rules) ask the same questions of
a body: what is its first side effect, is there a guard before it, which ``with`` blocks
are locks, which locals hold the result of an enqueue. The answers live here, once, and
each answer is conservative: a call is a side effect only when its receiver proves it,
and anything that might be a guard counts as one, so the rules built on them stay silent
when they cannot tell.

Side effects, by receiver:

- writes: ``save``/``delete``/``update``... on a proven ORM instance or query
  (``joblint.analysis.orm``), any method in ``WRITE_METHODS`` on a Django manager chain
  (``X.objects...``) or on a model class (``Order.create(...)``), and ``add``/``commit``/
  ``delete``/``merge``/``execute``/``bulk_save_objects`` on a receiver named ``session``;
- sends: the functions in ``SEND_FUNCTIONS`` (mail, HTTP POST/PUT/PATCH/DELETE through
  requests or httpx, Stripe charges), and ``.send()`` on a Django email message;
- enqueues: an enqueue site the frontends found (not a signature, not a synchronous run).

A write that leaves the same state when repeated (a delete, a ``bulk_update``, an update to
plain values, a ``save()`` of a loaded record with no field moved, a session ``commit()``)
is marked ``repeatable``: it needs no guard of its own.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import libcst as cst

from joblint.analysis.context import ModuleContext
from joblint.analysis.orm import Prover, model_class
from joblint.analysis.symbols import single_name
from joblint.parse import walk

WRITE_METHODS = frozenset(
    {
        "save", "delete", "update", "create", "bulk_create", "bulk_update",
        "insert", "insert_many", "replace", "update_from_dict",
        "asave", "adelete", "aupdate", "acreate", "abulk_create", "abulk_update",
    }
)  # fmt: skip
INSTANCE_WRITE_METHODS = frozenset(
    {"save", "delete", "update", "update_from_dict", "asave", "adelete"}
)
SESSION_WRITE_METHODS = frozenset(
    {"add", "add_all", "commit", "delete", "merge", "bulk_save_objects", "bulk_insert_mappings"}
)
REPEATABLE_WRITES = frozenset({"delete", "adelete", "bulk_update", "abulk_update", "commit"})
IDEMPOTENT_WRITES = frozenset(
    {"get_or_create", "update_or_create", "aget_or_create", "aupdate_or_create"}
)
SEND_FUNCTIONS: dict[str, str] = {
    "django.core.mail.send_mail": "sends mail",
    "django.core.mail.send_mass_mail": "sends mail",
    "django.core.mail.mail_admins": "sends mail",
    "django.core.mail.mail_managers": "sends mail",
    "requests.post": "sends an HTTP POST",
    "requests.put": "sends an HTTP PUT",
    "requests.patch": "sends an HTTP PATCH",
    "requests.delete": "sends an HTTP DELETE",
    "httpx.post": "sends an HTTP POST",
    "httpx.put": "sends an HTTP PUT",
    "httpx.patch": "sends an HTTP PATCH",
    "httpx.delete": "sends an HTTP DELETE",
    "stripe.Charge.create": "charges a payment",
    "stripe.PaymentIntent.create": "charges a payment",
    "stripe.PaymentIntent.confirm": "charges a payment",
    "stripe.Refund.create": "refunds a payment",
    "stripe.Transfer.create": "moves money",
    "stripe.Payout.create": "moves money",
}
EMAIL_MESSAGES = frozenset(
    {
        "django.core.mail.EmailMessage",
        "django.core.mail.EmailMultiAlternatives",
        "django.core.mail.message.EmailMessage",
        "django.core.mail.message.EmailMultiAlternatives",
    }
)
# Enqueue-site methods that build a signature or run the job here: not an enqueue.
NOT_ENQUEUES = frozenset({"s", "si", "signature", "map", "starmap", "chunks"})
LOCK_METHODS = frozenset({"lock", "with_lock", "lock_task", "advisory_lock", "acquire_lock"})
ATOMIC = frozenset({"django.db.transaction.atomic"})
NESTED_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


class EffectKind(enum.Enum):
    WRITE = "write"
    SEND = "send"
    ENQUEUE = "enqueue"


@dataclass(frozen=True)
class SideEffect:
    call: cst.Call
    kind: EffectKind
    # What it does, for a message: "changes state", "sends mail", "enqueues a job".
    verb: str
    # Doing it twice leaves what doing it once left: a delete, an update to plain values
    # (`filter(...).update(status="done")`), a `bulk_update` of fields already set.
    repeatable: bool = False


def own_nodes(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node under ``root`` in source order, not entering nested functions, classes
    or lambdas: code there does not run when the body runs."""
    for child in walk.children(root):
        yield child
        if not isinstance(child, NESTED_SCOPES):
            yield from own_nodes(child)


def own_calls(root: cst.CSTNode) -> list[cst.Call]:
    """The calls ``root`` makes itself (``root`` included), in the order they start in the
    source."""
    found = [root] if isinstance(root, cst.Call) else []
    return found + [node for node in own_nodes(root) if isinstance(node, cst.Call)]


def callee_method(call: cst.Call) -> str | None:
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else None


def assigned_values(module: ModuleContext, name: cst.Name) -> list[cst.BaseExpression] | None:
    """What every assignment of ``name`` in its scope assigns, when each is a plain
    ``name = value``; None when any is something else (a parameter, a loop, a tuple)."""
    scope = module.parsed.scopes.get(name)
    if scope is None:
        return None
    # `scope[name]` looks through to the enclosing scopes when the name is not local.
    assignments = list(scope[name.value])
    if not assignments:
        return None
    values: list[cst.BaseExpression] = []
    for assignment in assignments:
        target = getattr(assignment, "node", None)
        parent = module.parsed.parents.get(target) if target is not None else None
        statement = module.parsed.parents.get(parent) if parent is not None else None
        if (
            isinstance(parent, cst.AssignTarget)
            and isinstance(statement, cst.Assign)
            and len(statement.targets) == 1
            and parent.target is target
        ):
            values.append(statement.value)
        elif isinstance(parent, cst.AnnAssign) and parent.value is not None:
            values.append(parent.value)
        else:
            return None
    return values


def _proven(module: ModuleContext, node: cst.BaseExpression) -> list[cst.BaseExpression]:
    """``node`` itself, or every value a local name was assigned."""
    if isinstance(node, cst.Name):
        values = assigned_values(module, node)
        return values or []
    return [node]


def is_email_message(module: ModuleContext, node: cst.BaseExpression) -> bool:
    values = _proven(module, node)
    return bool(values) and all(
        isinstance(value, cst.Call) and single_name(module.parsed, value.func) in EMAIL_MESSAGES
        for value in values
    )


def _is_manager_chain(node: cst.BaseExpression) -> bool:
    """``X.objects`` or a call chain starting from it (``X.objects.filter(...)``)."""
    while True:
        if isinstance(node, cst.Attribute):
            if node.attr.value == "objects":
                return True
            node = node.value
        elif isinstance(node, cst.Call):
            node = node.func
        else:
            return False


def _relative_value(value: cst.BaseExpression) -> bool:
    return any(isinstance(node, cst.BinaryOperation) for node in (value, *own_nodes(value)))


def _relative(call: cst.Call) -> bool:
    """An update that moves a value (``F("stock") - 1``, ``count + 1``): applied twice, it
    moves twice. A value computed afresh (``Now()``, ``Coalesce(Subquery(...))``) is the
    same the second time."""
    return any(_relative_value(arg.value) for arg in call.args)


def _is_session(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Name):
        return node.value in ("session", "db_session")
    if isinstance(node, cst.Attribute):
        return node.attr.value in ("session", "db_session")
    return False


class EffectFinder:
    """Classifies the calls of one module's job bodies."""

    def __init__(self, module: ModuleContext) -> None:
        self.module = module
        self.prover = Prover(module)
        self.enqueues = {
            id(site.node): site
            for site in module.facts.enqueue_sites
            if not site.synchronous and site.method not in NOT_ENQUEUES
        }

    def effect(self, call: cst.Call) -> SideEffect | None:
        site = self.enqueues.get(id(call))
        if site is not None:
            return SideEffect(call, EffectKind.ENQUEUE, "enqueues a job")
        name = single_name(self.module.parsed, call.func)
        if name in SEND_FUNCTIONS:
            return SideEffect(call, EffectKind.SEND, SEND_FUNCTIONS[name])
        method = callee_method(call)
        if method is None:
            return None
        assert isinstance(call.func, cst.Attribute)
        receiver = call.func.value
        if method == "send" and is_email_message(self.module, receiver):
            return SideEffect(call, EffectKind.SEND, "sends mail")
        if method in SESSION_WRITE_METHODS and _is_session(receiver):
            return self._write(call, method)
        if method not in WRITE_METHODS:
            return None
        if _is_manager_chain(receiver):
            return self._write(call, method)
        if method in INSTANCE_WRITE_METHODS and self.prover.instance(receiver) is not None:
            return self._write(call, method)
        if method in ("update", "delete", "aupdate", "adelete") and (
            self.prover.queryset(receiver) is not None
        ):
            return self._write(call, method)
        if model_class(self.module, single_name(self.module.parsed, receiver)) is not None:
            return self._write(call, method)
        return None

    def _write(self, call: cst.Call, method: str) -> SideEffect:
        repeatable = (
            method in REPEATABLE_WRITES
            or (method in ("update", "aupdate") and not _relative(call))
            or (method in ("save", "asave") and self._saves_plain_values(call))
        )
        return SideEffect(call, EffectKind.WRITE, "changes state", repeatable=repeatable)

    def _saves_plain_values(self, call: cst.Call) -> bool:
        """``order.status = "paid"; order.save()`` on a record loaded from the database
        writes the same row twice alike. Not so for a record built here (``Order(...)``,
        an insert) or one whose fields were moved (``order.count += 1``)."""
        assert isinstance(call.func, cst.Attribute)
        receiver = call.func.value
        if not isinstance(receiver, cst.Name):
            return True
        for value in assigned_values(self.module, receiver) or []:
            if isinstance(value, cst.Await):
                value = value.expression
            if isinstance(value, cst.Call) and model_class(
                self.module, single_name(self.module.parsed, value.func)
            ):
                return False
        function = next(
            (a for a in self.module.parsed.ancestors(call) if isinstance(a, cst.FunctionDef)),
            None,
        )
        for node in own_nodes(function) if function is not None else ():
            target = None
            if isinstance(node, cst.AugAssign):
                target = node.target
            elif isinstance(node, cst.Assign) and _relative_value(node.value):
                target = node.targets[0].target
            if (
                isinstance(target, cst.Attribute)
                and isinstance(target.value, cst.Name)
                and target.value.value == receiver.value
            ):
                return False
        return True

    def effects(self, root: cst.CSTNode) -> list[SideEffect]:
        found = []
        for call in own_calls(root):
            effect = self.effect(call)
            if effect is not None:
                found.append(effect)
        return found


# -- locks ------------------------------------------------------------------------------

REDIS_CLIENTS = frozenset(
    {
        "redis.Redis", "redis.StrictRedis", "redis.from_url", "redis.Redis.from_url",
        "redis.StrictRedis.from_url", "redis.client.Redis", "redis.client.StrictRedis",
        "redis.asyncio.Redis", "redis.asyncio.from_url", "redis.asyncio.Redis.from_url",
        "django_redis.get_redis_connection",
    }
)  # fmt: skip
DJANGO_CACHES = frozenset({"django.core.cache.cache"})
DJANGO_CACHES_MAPPING = frozenset({"django.core.cache.caches"})
REDIS_LOCK_CLASSES = frozenset({"redis.lock.Lock", "redis.asyncio.lock.Lock"})
PYTHON_REDIS_LOCK = frozenset({"redis_lock.Lock"})


def is_redis_client(module: ModuleContext, node: cst.BaseExpression, depth: int = 0) -> bool:
    if isinstance(node, cst.Call):
        return single_name(module.parsed, node.func) in REDIS_CLIENTS
    if isinstance(node, cst.Name) and depth < 3:
        values = assigned_values(module, node) or []
        return bool(values) and all(is_redis_client(module, v, depth + 1) for v in values)
    return False


def is_django_cache(module: ModuleContext, node: cst.BaseExpression) -> bool:
    if single_name(module.parsed, node) in DJANGO_CACHES:
        return True
    return isinstance(node, cst.Subscript) and (
        single_name(module.parsed, node.value) in DJANGO_CACHES_MAPPING
    )


# -- guards ---------------------------------------------------------------------------


def exits_early(statement: cst.CSTNode) -> bool:
    """An ``if`` whose body ends the job (``return``, ``raise``)."""
    if not isinstance(statement, cst.If):
        return False
    body = statement.body
    last: cst.CSTNode | None = None
    if isinstance(body, cst.IndentedBlock | cst.SimpleStatementSuite) and body.body:
        last = body.body[-1]
    if isinstance(last, cst.SimpleStatementLine) and last.body:
        last = last.body[-1]
    return isinstance(last, cst.Return | cst.Raise)


def is_existence_check(test: cst.BaseExpression) -> bool:
    """``order is None``: a record that is gone, not a piece of work already done. (``not
    pending`` may be either, an empty batch is work done, so it counts as a guard.)"""
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        return (
            isinstance(test.left, cst.Name)
            and isinstance(target.operator, cst.Is | cst.IsNot)
            and isinstance(target.comparator, cst.Name)
            and target.comparator.value == "None"
        )
    return False


def is_state_guard(statement: cst.CSTNode) -> bool:
    return (
        exits_early(statement)
        and isinstance(statement, cst.If)
        and not is_existence_check(statement.test)
    )


def is_lock_call(module: ModuleContext, node: cst.BaseExpression) -> bool:
    """A call that takes a lock: ``x.lock(...)``, ``with_lock()``, ``lock_task(...)``, a
    lock class (``Lock(...)``, ``RedLock(...)``), ``select_for_update()``."""
    if not isinstance(node, cst.Call):
        return False
    method = callee_method(node)
    if method in LOCK_METHODS or method == "select_for_update":
        return True
    func = node.func
    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
    return isinstance(name, str) and name.lower().endswith("lock")


def lock_of(module: ModuleContext, statement: cst.With) -> cst.Call | None:
    """The lock a ``with`` takes: a lock call among its items, or ``transaction.atomic()``
    when its body locks rows with ``select_for_update()``."""
    for item in statement.items:
        if is_lock_call(module, item.item):
            assert isinstance(item.item, cst.Call)
            return item.item
    for item in statement.items:
        value = item.item
        if (
            isinstance(value, cst.Call)
            and single_name(module.parsed, value.func) in ATOMIC
            and any(
                callee_method(call) == "select_for_update" for call in own_calls(statement.body)
            )
        ):
            return value
    return None


def declares_uniqueness(options: Sequence[tuple[str, object]]) -> bool:
    """A job-level declaration that keeps two runs apart: the runtime's ``unique``,
    Procrastinate's ``lock``/``queueing_lock``, Huey's ``lock_task``, Celery's ``once``."""
    keys = {key for key, value in options if value not in (None, False)}
    return bool(keys & {"unique", "lock", "queueing_lock", "lock_task", "once"})


LOCK_WORDS = ("lock", "once", "unique", "single_instance", "idempot")


def has_lock_decorator(decorators: Sequence[cst.Decorator]) -> bool:
    """A decorator that by its name serialises or deduplicates runs (``@lock_task(...)``,
    ``@single_instance``, ``@unique``), or a task decorator given such a base or option
    (Celery's ``@app.task(base=QueueOnce)``): trusted, since what it does cannot be read."""
    for decorator in decorators:
        node = decorator.decorator
        parts: list[cst.CSTNode] = [node]
        if isinstance(node, cst.Call):
            parts = [node.func, *(arg.value for arg in node.args if arg.keyword is not None)]
            parts += [arg.keyword for arg in node.args if arg.keyword is not None]
        for part in parts:
            text = cst.Module([]).code_for_node(part).lower()
            if any(word in text for word in LOCK_WORDS):
                return True
    return False
