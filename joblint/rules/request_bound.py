"""JOB204: an object bound to this process or this request, passed to a job.

A job runs later, in another process, often on another machine. The request being served,
a form bound to it, an uploaded file (a temporary file or a buffer in memory), a web
session, a database session or connection, a socket and a lock all belong to the process
that enqueues: pickled, they fail or arrive as dead copies; JSON cannot carry them at all.
RQ's documentation lists them among the things never to pass to a job.

Evidence, as for JOB201, is only what the code shows within the module:

- a request: a parameter annotated with a request class (Django's ``HttpRequest``, DRF's
  and Starlette's ``Request``...), Flask's ``request`` proxy, Django's conventions (the
  first parameter ``request`` of a function, the second of a method, ``self.request``) in
  a module that imports Django;
- what hangs off a request: ``request.FILES[...]`` and ``request.files[...]`` (uploads),
  ``request.session``;
- a form: ``form`` in Django's ``form_valid``/``form_invalid``, an instance of a class
  whose bases reach Django's or WTForms' form classes, a parameter annotated with one;
- sessions, connections and locks built by a known call (``sqlite3.connect``,
  ``redis.Redis``, ``sessionmaker``'s product, ``threading.Lock``...), Django's
  ``connection``, Flask's ``session``, Flask-SQLAlchemy's ``db.session``, or a parameter
  annotated with their class;
- a local name whose every assignment in its scope is one of these.

A name alone (``session``, ``lock``, ``conn``) is never evidence. Calls that run the job in
the caller (``perform_now``, ``task.apply()``) are left alone: nothing crosses a process.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from joblint.analysis.context import ModuleContext
from joblint.analysis.symbols import single_name
from joblint.diagnostics import Diagnostic
from joblint.rules.base import ModuleRule
from joblint.rules.signatures import node_span, received_arguments

REQUEST = "a request"
UPLOAD = "an uploaded file"
FORM = "a form"
WEB_SESSION = "the web session"
DB_SESSION = "a database session"
CONNECTION = "a connection"
CLIENT = "an HTTP client session"
LOCK = "a lock"

ADVICE = {
    REQUEST: "pass the values the job needs (IDs, strings) instead",
    UPLOAD: "save the upload first (to storage or a model) and pass its path or ID",
    FORM: "pass the `cleaned_data` values the job needs, or the saved object's ID",
    WEB_SESSION: "pass the values the job needs from it instead",
    DB_SESSION: "open a session inside the job instead",
    CONNECTION: "open the connection inside the job instead",
    CLIENT: "create the client inside the job instead",
    LOCK: "take a lock inside the job (one all workers share, in the cache or database)",
}

REQUEST_CLASSES = frozenset(
    {
        "django.http.HttpRequest",
        "django.http.request.HttpRequest",
        "django.core.handlers.wsgi.WSGIRequest",
        "django.core.handlers.asgi.ASGIRequest",
        "rest_framework.request.Request",
        "starlette.requests.Request",
        "fastapi.Request",
        "fastapi.requests.Request",
        "flask.Request",
        "werkzeug.wrappers.Request",
        "werkzeug.wrappers.request.Request",
        "aiohttp.web.Request",
        "aiohttp.web_request.Request",
        "sanic.Request",
        "sanic.request.Request",
    }
)
REQUEST_PROXIES = frozenset({"flask.request", "quart.request"})
UPLOAD_CLASSES = frozenset(
    {
        "django.core.files.uploadedfile.UploadedFile",
        "django.core.files.uploadedfile.InMemoryUploadedFile",
        "django.core.files.uploadedfile.TemporaryUploadedFile",
        "fastapi.UploadFile",
        "starlette.datastructures.UploadFile",
        "werkzeug.datastructures.FileStorage",
    }
)
FORM_BASES = frozenset(
    {
        "django.forms.Form",
        "django.forms.ModelForm",
        "django.forms.BaseForm",
        "django.forms.BaseModelForm",
        "django.forms.forms.Form",
        "django.forms.forms.BaseForm",
        "django.forms.models.ModelForm",
        "django.forms.models.BaseModelForm",
        "flask_wtf.FlaskForm",
        "flask_wtf.form.FlaskForm",
        "wtforms.Form",
        "wtforms.form.Form",
    }
)
# Calls (and annotations, for the classes among them) that make each kind of object.
MADE_BY: dict[str, str] = {
    **{
        name: DB_SESSION
        for name in (
            "sqlalchemy.orm.Session",
            "sqlalchemy.orm.session.Session",
            "sqlalchemy.ext.asyncio.AsyncSession",
            "sqlmodel.Session",
        )
    },
    **{
        name: CONNECTION
        for name in (
            "sqlite3.connect",
            "sqlite3.Connection",
            "psycopg.connect",
            "psycopg.Connection",
            "psycopg2.connect",
            "pymysql.connect",
            "MySQLdb.connect",
            "asyncpg.connect",
            "redis.Redis",
            "redis.StrictRedis",
            "redis.from_url",
            "redis.Redis.from_url",
            "redis.asyncio.Redis",
            "redis.asyncio.from_url",
            "pika.BlockingConnection",
            "socket.socket",
            "socket.create_connection",
            "sqlalchemy.create_engine",
            "sqlalchemy.engine.Engine",
            "sqlalchemy.engine.Connection",
        )
    },
    **{
        name: CLIENT
        for name in (
            "requests.Session",
            "requests.session",
            "httpx.Client",
            "httpx.AsyncClient",
            "aiohttp.ClientSession",
        )
    },
    **{
        name: LOCK
        for name in (
            "threading.Lock",
            "threading.RLock",
            "threading.Semaphore",
            "threading.BoundedSemaphore",
            "threading.Condition",
            "multiprocessing.Lock",
            "multiprocessing.RLock",
            "multiprocessing.Semaphore",
            "asyncio.Lock",
            "asyncio.Semaphore",
            "asyncio.Condition",
            "filelock.FileLock",
            "redis.lock.Lock",
        )
    },
}
SESSION_FACTORIES = frozenset(
    {"sqlalchemy.orm.sessionmaker", "sqlalchemy.ext.asyncio.async_sessionmaker"}
)
FLASK_SQLALCHEMY = frozenset({"flask_sqlalchemy.SQLAlchemy"})
DJANGO_CONNECTIONS = frozenset({"django.db.connection", "django.db.connections"})
WEB_SESSION_PROXIES = frozenset({"flask.session", "quart.session"})
FORM_HOOKS = frozenset({"form_valid", "form_invalid"})
UPLOAD_CONTAINERS = frozenset({"FILES", "files"})
LOOKUPS = frozenset({"get", "getlist"})


@dataclass(frozen=True)
class Bound:
    """What an expression is shown to hold, and how it is shown."""

    kind: str
    how: str


class RequestBoundArgument(ModuleRule):
    code = "JOB204"
    name = "request-bound-argument"
    summary = "A request, form, uploaded file, session, connection or lock passed to a job."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        prover = _Prover(module)
        for site in module.facts.enqueue_sites:
            if site.synchronous:
                continue
            for arg in received_arguments(module, site):
                if arg.star:
                    continue
                bound = prover.of(arg.value)
                if bound is None:
                    continue
                text = prover.code(arg.value)
                yield self.diagnostic(
                    site.path,
                    node_span(module, arg.value, site),
                    f"`{text}` is {bound.kind} ({bound.how}); it belongs to the process "
                    f"that enqueues and cannot travel to a worker: {ADVICE[bound.kind]}",
                )


class _Prover:
    def __init__(self, module: ModuleContext) -> None:
        self.module = module
        self.parsed = module.parsed
        data = module.parsed.source.data
        self.django = b"django" in data or b"rest_framework" in data

    def code(self, node: cst.CSTNode) -> str:
        text = " ".join(self.parsed.module.code_for_node(node).split())
        return text if len(text) <= 40 else text[:37] + "..."

    def of(self, node: cst.BaseExpression, depth: int = 0) -> Bound | None:
        if depth > 4:
            return None
        if isinstance(node, cst.Await):
            return self.of(node.expression, depth + 1)
        if isinstance(node, cst.Name):
            return self._name(node, depth)
        if isinstance(node, cst.Attribute):
            return self._attribute(node, depth)
        if isinstance(node, cst.Subscript):
            return self._subscript(node, depth)
        if isinstance(node, cst.Call):
            return self._call(node, depth)
        return None

    # -- what is written ---------------------------------------------------------------

    def _qualified(self, node: cst.BaseExpression) -> str | None:
        return single_name(self.parsed, node)

    def _global(self, node: cst.Name | cst.Attribute) -> Bound | None:
        """A module-level object of a framework: Flask's ``request`` and ``session``
        proxies, Django's ``connection``, whether imported or reached as an attribute."""
        qualified = self._qualified(node)
        if qualified in REQUEST_PROXIES:
            return Bound(REQUEST, f"`{qualified}`")
        if qualified in WEB_SESSION_PROXIES:
            return Bound(WEB_SESSION, f"`{qualified}`")
        if qualified == "django.db.connection":
            return Bound(CONNECTION, "Django's `connection`")
        return None

    def _name(self, node: cst.Name, depth: int) -> Bound | None:
        known = self._global(node)
        if known is not None:
            return known
        scope = self.parsed.scopes.get(node)
        if scope is None:
            return None
        assignments = list(scope[node.value])  # a module-level name read in a function too
        if not assignments:
            return None
        proofs = [self._binding(getattr(a, "node", None), depth) for a in assignments]
        kinds = {proof.kind for proof in proofs if proof is not None}
        if None in proofs or len(kinds) != 1:
            return None
        return proofs[0]

    def _attribute(self, node: cst.Attribute, depth: int) -> Bound | None:
        known = self._global(node)
        if known is not None:
            return known
        attribute = node.attr.value
        if attribute == "request" and self.django and _is_self(node.value):
            return Bound(REQUEST, "the view's `self.request`")
        if attribute == "session":
            if self._is_request(node.value, depth):
                return Bound(WEB_SESSION, "the request's `session`")
            owner = self._qualified(node.value)
            assignment = self.module.index.assignments.resolve(owner) if owner else None
            if assignment is not None and assignment.value.function in FLASK_SQLALCHEMY:
                return Bound(DB_SESSION, "Flask-SQLAlchemy's `session`")
        if attribute in UPLOAD_CONTAINERS and self._is_request(node.value, depth):
            return Bound(UPLOAD, f"the request's `{attribute}`")
        return None

    def _subscript(self, node: cst.Subscript, depth: int) -> Bound | None:
        value = node.value
        if self._qualified(value) == "django.db.connections":
            return Bound(CONNECTION, "from Django's `connections`")
        if (
            isinstance(value, cst.Attribute)
            and value.attr.value in UPLOAD_CONTAINERS
            and self._is_request(value.value, depth)
        ):
            return Bound(UPLOAD, f"from the request's `{value.attr.value}`")
        return None

    def _call(self, node: cst.Call, depth: int) -> Bound | None:
        func = node.func
        qualified = self._qualified(func)
        shape = f"from `{self.code(func)}(...)`"
        if qualified is not None:
            kind = MADE_BY.get(qualified)
            if kind is not None:
                return Bound(kind, shape)
            if self._is_form_class(qualified):
                return Bound(FORM, shape)
            assignment = self.module.index.assignments.resolve(qualified)
            if assignment is not None and assignment.value.function in SESSION_FACTORIES:
                return Bound(DB_SESSION, f"{shape}, a `sessionmaker`")
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        receiver = func.value
        if (
            method in LOOKUPS
            and isinstance(receiver, cst.Attribute)
            and receiver.attr.value in UPLOAD_CONTAINERS
            and self._is_request(receiver.value, depth)
        ):
            return Bound(UPLOAD, f"from the request's `{receiver.attr.value}`")
        if method == "lock":
            owner = self.of(receiver, depth + 1)
            if owner is not None and owner.kind == CONNECTION:
                return Bound(LOCK, shape)
        if method == "connect":
            owner = self.of(receiver, depth + 1)
            if owner is not None and owner.kind == CONNECTION:
                return Bound(CONNECTION, shape)
        return None

    # -- bindings ----------------------------------------------------------------------

    def _binding(self, target: cst.CSTNode | None, depth: int) -> Bound | None:
        if isinstance(target, cst.Param):
            return self._parameter(target)
        if not isinstance(target, cst.Name):
            return None
        line = self.parsed.span(target).start.line
        for ancestor in self.parsed.ancestors(target)[:3]:
            value: cst.BaseExpression | None = None
            if isinstance(ancestor, cst.Assign) and len(ancestor.targets) == 1:
                if ancestor.targets[0].target is not target:
                    return None
                value = ancestor.value
            elif isinstance(ancestor, cst.AnnAssign):
                value = ancestor.value
            elif isinstance(ancestor, cst.WithItem) and ancestor.asname is not None:
                if ancestor.asname.name is not target:
                    return None
                value = ancestor.item
            if value is not None:
                proof = self.of(value, depth + 1)
                if proof is None or (isinstance(ancestor, cst.WithItem) and proof.kind == LOCK):
                    return None  # `with Lock() as held`: `held` is True, not the lock
                return Bound(proof.kind, f"assigned {proof.how} on line {line}")
        return None

    def _parameter(self, param: cst.Param) -> Bound | None:
        name = param.name.value
        if param.annotation is not None:
            for candidate in _annotation_names(param.annotation.annotation):
                qualified = self._qualified(candidate)
                if qualified is None:
                    continue
                how = f"the parameter `{name}` is annotated `{self.code(candidate)}`"
                if qualified in REQUEST_CLASSES:
                    return Bound(REQUEST, how)
                if qualified in UPLOAD_CLASSES:
                    return Bound(UPLOAD, how)
                if qualified in MADE_BY:
                    return Bound(MADE_BY[qualified], how)
                if self._is_form_class(qualified):
                    return Bound(FORM, how)
            return None
        if not self.django:
            return None
        function = self._function_of(param)
        if function is None:
            return None
        params = list(function.params.posonly_params) + list(function.params.params)
        method = self._is_method(function)
        position = next((i for i, p in enumerate(params) if p is param), None)
        expected = 1 if method else 0
        if name == "request" and position == expected:
            return Bound(REQUEST, "the view's `request` parameter")
        if name == "form" and method and position == 1 and function.name.value in FORM_HOOKS:
            return Bound(FORM, f"the form `{function.name.value}` receives")
        return None

    # -- helpers -----------------------------------------------------------------------

    def _is_request(self, node: cst.BaseExpression, depth: int) -> bool:
        proof = self.of(node, depth + 1)
        return proof is not None and proof.kind == REQUEST

    def _is_form_class(self, qualified: str) -> bool:
        if qualified in FORM_BASES:
            return True
        ancestors = self.module.index.project_ancestors(qualified)
        return any(base in FORM_BASES for info in ancestors for base in info.base_names)

    def _function_of(self, param: cst.Param) -> cst.FunctionDef | None:
        for ancestor in self.parsed.ancestors(param)[:3]:
            if isinstance(ancestor, cst.FunctionDef):
                return ancestor
            if isinstance(ancestor, cst.Lambda):
                return None
        return None

    def _is_method(self, function: cst.FunctionDef) -> bool:
        parent = self.parsed.parents.get(function)
        body = self.parsed.parents.get(parent) if parent is not None else None
        return isinstance(body, cst.ClassDef)


def _is_self(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "self"


def _annotation_names(annotation: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """``T``, ``T | None``, ``Optional[T]``, ``Annotated[T, ...]``: the candidate classes."""
    if isinstance(annotation, cst.Name | cst.Attribute):
        yield annotation
    elif isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        yield from _annotation_names(annotation.left)
        yield from _annotation_names(annotation.right)
    elif isinstance(annotation, cst.Subscript) and annotation.slice:
        first = annotation.slice[0].slice
        if isinstance(first, cst.Index):
            yield from _annotation_names(first.value)
