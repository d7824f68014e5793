"""Which classes are ORM models, and how code proves a value is one of their instances.

Precision before recall: a value is a model instance only when the code shows it (the
catalogue's "How to decide an argument is a model instance"). A name alone (``user``,
``order``) is never evidence. Every proof carries a description of its evidence, so a
message can say why joblint believes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from joblint.analysis.context import ModuleContext
from joblint.analysis.index import ProjectIndex
from joblint.analysis.model import UNKNOWN, CallInfo
from joblint.analysis.symbols import single_name

# Families and their root classes, by qualified name.
DJANGO = "django"
SQLALCHEMY = "sqlalchemy"
PEEWEE = "peewee"
TORTOISE = "tortoise"
SQLMODEL = "sqlmodel"
RUNTIME = "runtime"

ROOTS: dict[str, str] = {
    "django.db.models.Model": DJANGO,
    "django.db.models.base.Model": DJANGO,
    "django.contrib.auth.models.AbstractUser": DJANGO,
    "django.contrib.auth.models.AbstractBaseUser": DJANGO,
    "django.contrib.auth.base_user.AbstractBaseUser": DJANGO,
    "django.contrib.auth.models.User": DJANGO,
    "django.contrib.auth.models.Group": DJANGO,
    "sqlalchemy.orm.DeclarativeBase": SQLALCHEMY,
    "sqlalchemy.orm.DeclarativeBaseNoMeta": SQLALCHEMY,
    "sqlalchemy.orm.decl_api.DeclarativeBase": SQLALCHEMY,
    "peewee.Model": PEEWEE,
    "tortoise.models.Model": TORTOISE,
    "tortoise.Model": TORTOISE,
    "sqlmodel.SQLModel": SQLMODEL,
    "joblint.runtime.Record": RUNTIME,
    "joblint.runtime.globalid.Record": RUNTIME,
}
DECLARATIVE_FACTORIES = {
    "sqlalchemy.orm.declarative_base",
    "sqlalchemy.ext.declarative.declarative_base",
    "sqlalchemy.orm.decl_api.declarative_base",
}
FLASK_SQLALCHEMY = {"flask_sqlalchemy.SQLAlchemy"}
# Classes that are models themselves, not only bases of models.
CONCRETE_ROOTS = {"django.contrib.auth.models.User", "django.contrib.auth.models.Group"}

# Django queryset methods that return a queryset, and those that return one instance.
QUERYSET_METHODS = frozenset(
    [
        "all",
        "filter",
        "exclude",
        "order_by",
        "select_related",
        "prefetch_related",
        "annotate",
        "alias",
        "only",
        "defer",
        "using",
        "distinct",
        "select_for_update",
        "reverse",
        "none",
        "union",
        "intersection",
        "difference",
    ]
)
INSTANCE_METHODS = frozenset(
    ["get", "first", "last", "earliest", "latest", "create", "aget", "afirst", "alast", "acreate"]
)
PAIR_METHODS = frozenset(
    ["get_or_create", "update_or_create", "aget_or_create", "aupdate_or_create"]
)
MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
# Django fields whose attribute on an instance is one related instance.
RELATION_FIELDS = frozenset(
    {
        "django.db.models.ForeignKey",
        "django.db.models.OneToOneField",
        "django.db.models.fields.related.ForeignKey",
        "django.db.models.fields.related.OneToOneField",
    }
)
CLASSMETHOD_GETTERS = {
    PEEWEE: frozenset({"get", "get_or_none", "get_by_id", "create"}),
    TORTOISE: frozenset({"get", "get_or_none", "create", "first"}),
    RUNTIME: frozenset({"get", "find", "create"}),
}
SELECT_FUNCTIONS = frozenset(
    {"sqlalchemy.select", "sqlalchemy.sql.select", "sqlalchemy.future.select", "sqlmodel.select"}
)
# SQLAlchemy calls that run the query and return rows, not a query.
SQLALCHEMY_RESULTS = frozenset(
    [
        "first",
        "one",
        "one_or_none",
        "scalar",
        "scalar_one",
        "scalar_one_or_none",
        "all",
        "count",
        "get",
        "first_or_404",
        "get_or_404",
        "one_or_404",
        "paginate",
        "exists",
        "fetchall",
        "fetchone",
    ]
)
QUERY_TERMINALS = frozenset({"first", "one", "one_or_none", "first_or_404", "get_or_404"})


@dataclass(frozen=True)
class ModelClass:
    qualified_name: str
    name: str
    family: str

    @property
    def id_attribute(self) -> str:
        return "pk" if self.family == DJANGO else "id"


@dataclass(frozen=True)
class Evidence:
    """What shows that an expression is a model instance (or a query of one)."""

    model: ModelClass
    how: str  # "assigned from `Order.objects.get(...)` on line 12"


def model_class(module: ModuleContext, qualified_name: str | None) -> ModelClass | None:
    """The model a qualified class name names, if it is one."""
    if qualified_name is None:
        return None
    index = module.index
    extra = set(module.settings.model_bases)
    if qualified_name in CONCRETE_ROOTS:
        return ModelClass(qualified_name, qualified_name.rsplit(".", 1)[-1], DJANGO)
    info = index.resolve_class(qualified_name)
    if info is None:
        return None
    if info.qualified_name in ROOTS or info.qualified_name in extra:
        return None  # a base, not a model
    family = _family(index, info.qualified_name, extra)
    if family is None:
        return None
    return ModelClass(info.qualified_name, info.name, family)


def _family(index: ProjectIndex, qualified_name: str, extra: set[str]) -> str | None:
    for ancestor in index.project_ancestors(qualified_name):
        for base in ancestor.base_names:
            if base in ROOTS:
                if ROOTS[base] == SQLMODEL and dict(ancestor.keywords).get("table") is not True:
                    continue
                return ROOTS[base]
            if base in extra:
                return "custom"
            assignment = index.assignments.resolve(base) if base else None
            if assignment is not None and assignment.value.function in DECLARATIVE_FACTORIES:
                return SQLALCHEMY
            owner, _, attribute = base.rpartition(".")
            if attribute == "Model" and owner:
                app = index.assignments.resolve(owner)
                if app is not None and app.value.function in FLASK_SQLALCHEMY:
                    return SQLALCHEMY
    return None


def _is_name(node: cst.CSTNode, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


def _code(module: ModuleContext, node: cst.CSTNode) -> str:
    text = module.parsed.module.code_for_node(node)
    return text if len(text) <= 40 else text[:37] + "..."


def _call_shape(module: ModuleContext, node: cst.Call) -> str:
    return f"`{_code(module, node.func)}(...)`"


class Prover:
    """Proofs of what an expression holds, within one module."""

    def __init__(self, module: ModuleContext) -> None:
        self.module = module
        self.parsed = module.parsed
        self.mentions_django = b"django" in module.parsed.source.data

    # -- instances ---------------------------------------------------------------------

    def instance(self, node: cst.BaseExpression, depth: int = 0) -> Evidence | None:
        if depth > 4:
            return None
        if isinstance(node, cst.Await):
            return self.instance(node.expression, depth + 1)
        if isinstance(node, cst.Name):
            return self._name(node, "instance", depth)
        if isinstance(node, cst.Attribute):
            return self._request_user(node) or self._relation(node, depth)
        if isinstance(node, cst.Subscript):
            return self._pair_first(node)
        if isinstance(node, cst.Call):
            return self._instance_call(node)
        return None

    def _instance_call(self, node: cst.Call) -> Evidence | None:
        shape = _call_shape(self.module, node)
        model = model_class(self.module, single_name(self.parsed, node.func))
        if model is not None:
            return Evidence(model, f"from {shape}")
        name = single_name(self.parsed, node.func)
        if name == "django.shortcuts.get_object_or_404" and node.args:
            model = model_class(self.module, single_name(self.parsed, node.args[0].value))
            if model is not None:
                return Evidence(model, f"from {shape}")
        if not isinstance(node.func, cst.Attribute):
            return None
        method = node.func.attr.value
        receiver = node.func.value
        if method in INSTANCE_METHODS:
            query = self._django_queryset(receiver)
            if query is not None:
                return Evidence(query, f"from {shape}")
        if method in QUERY_TERMINALS:
            query = self._sqlalchemy_query(receiver)
            if query is not None:
                return Evidence(query, f"from {shape}")
        if method == "get" and len(node.args) >= 2 and node.args[0].keyword is None:
            # session.get(Model, id): SQLAlchemy 2.x
            model = model_class(self.module, single_name(self.parsed, node.args[0].value))
            if model is not None and model.family in (SQLALCHEMY, SQLMODEL):
                return Evidence(model, f"from {shape}")
        model = model_class(self.module, single_name(self.parsed, receiver))
        if model is not None and method in CLASSMETHOD_GETTERS.get(model.family, ()):
            return Evidence(model, f"from {shape}")
        return None

    def _pair_first(self, node: cst.Subscript) -> Evidence | None:
        """``Model.objects.get_or_create(...)[0]``."""
        value = node.value
        index = node.slice[0].slice if len(node.slice) == 1 else None
        if not (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Attribute)
            and value.func.attr.value in PAIR_METHODS
            and isinstance(index, cst.Index)
            and isinstance(index.value, cst.Integer)
            and index.value.value == "0"
        ):
            return None
        query = self._django_queryset(value.func.value)
        return Evidence(query, f"from `{_code(self.module, node)}`") if query else None

    def _request_user(self, node: cst.Attribute) -> Evidence | None:
        """``request.user`` (and ``self.request.user``) in Django code."""
        if node.attr.value != "user" or not self.mentions_django:
            return None
        owner = node.value
        is_request = _is_name(owner, "request") or (
            isinstance(owner, cst.Attribute)
            and _is_name(owner.value, "self")
            and owner.attr.value == "request"
        )
        if not is_request:
            return None
        user = ModelClass("django.contrib.auth.models.User", "User", DJANGO)
        return Evidence(user, "the signed-in user")

    def _relation(self, node: cst.Attribute, depth: int) -> Evidence | None:
        """``order.customer`` where ``order`` is shown to be an ``Order`` and ``customer``
        is a Django ``ForeignKey`` or ``OneToOneField`` on it (or a model it inherits
        from): the related row. Reverse and many-valued relations are managers, not
        instances, and SQLAlchemy's ``relationship()`` may be a list: neither is claimed."""
        owner = self.instance(node.value, depth + 1)
        if owner is None:
            return None
        field = node.attr.value
        for ancestor in self.module.index.project_ancestors(owner.model.qualified_name):
            value = ancestor.attribute(field)
            if value is None:
                continue
            call = value.call
            if call is None or call.function not in RELATION_FIELDS:
                return None
            related = self._related_model(call, owner.model)
            if related is None:
                return None
            shown = _code(self.module, node.value)
            return Evidence(
                related, f"`{field}` is a relation to `{related.name}` on `{shown}`, {owner.how}"
            )
        return None

    def _related_model(self, call: CallInfo, owner: ModelClass) -> ModelClass | None:
        """The model a relation field points to: a class, ``"self"``, ``"Model"`` or
        ``"app_label.Model"`` (resolved by class name when one project model has it)."""
        reference = call.references[0] if call.references else None
        if reference is not None:
            return model_class(self.module, reference)
        target = call.positional[0] if call.positional else call.keyword("to", UNKNOWN)
        if not isinstance(target, str):
            return None
        if target == "self":
            return owner
        name = target.rpartition(".")[2]
        candidates = {
            found.qualified_name: found
            for info in self.module.index.classes.with_suffix(name)
            if (found := model_class(self.module, info.qualified_name)) is not None
        }
        return next(iter(candidates.values())) if len(candidates) == 1 else None

    # -- querysets ---------------------------------------------------------------------

    def queryset(self, node: cst.BaseExpression, depth: int = 0) -> Evidence | None:
        if depth > 4:
            return None
        if isinstance(node, cst.Name):
            return self._name(node, "queryset", depth)
        shape = f"`{_code(self.module, node)}`"
        model = self._django_queryset(node, allow_manager=True)
        if model is None and not _ends_in(node, SQLALCHEMY_RESULTS):
            model = self._sqlalchemy_query(node)
        return Evidence(model, f"from {shape}") if model else None

    def _django_queryset(
        self, node: cst.BaseExpression, allow_manager: bool = True
    ) -> ModelClass | None:
        """``Model.objects`` followed by queryset methods."""
        while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            if node.func.attr.value not in QUERYSET_METHODS:
                return None
            node = node.func.value
        if isinstance(node, cst.Attribute) and node.attr.value in MANAGERS and allow_manager:
            model = model_class(self.module, single_name(self.parsed, node.value))
            return model if model is not None and model.family == DJANGO else None
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            return None
        return None

    def _sqlalchemy_query(self, node: cst.BaseExpression) -> ModelClass | None:
        """``session.scalars(select(M)...)``, ``session.query(M)...``, ``M.query...``."""
        while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            method = node.func.attr.value
            if method in ("scalars", "query", "execute") and node.args:
                inner = node.args[0].value
                target = inner
                while isinstance(target, cst.Call) and isinstance(target.func, cst.Attribute):
                    target = target.func.value
                if (
                    isinstance(target, cst.Call)
                    and single_name(self.parsed, target.func) in SELECT_FUNCTIONS
                    and target.args
                ):
                    return self._alchemy_model(target.args[0].value)
                if method == "query":
                    return self._alchemy_model(inner)
                return None
            node = node.func.value
        if isinstance(node, cst.Attribute) and node.attr.value == "query":
            return self._alchemy_model(node.value)
        return None

    def _alchemy_model(self, node: cst.BaseExpression) -> ModelClass | None:
        model = model_class(self.module, single_name(self.parsed, node))
        return model if model is not None and model.family in (SQLALCHEMY, SQLMODEL) else None

    # -- names -------------------------------------------------------------------------

    def _name(self, node: cst.Name, kind: str, depth: int) -> Evidence | None:
        """Every assignment of the name in its scope must prove the same thing."""
        scope = self.parsed.scopes.get(node)
        if scope is None:
            return None
        assignments = list(scope.assignments[node.value])
        if not assignments:
            return None
        proofs: list[Evidence] = []
        for assignment in assignments:
            proof = self._assignment(getattr(assignment, "node", None), kind, depth)
            if proof is None:
                return None
            proofs.append(proof)
        if len({proof.model.qualified_name for proof in proofs}) != 1:
            return None
        return proofs[0]

    def _assignment(self, target: cst.CSTNode | None, kind: str, depth: int) -> Evidence | None:
        if isinstance(target, cst.Param):
            return self._annotation(target) if kind == "instance" else None
        if not isinstance(target, cst.Name):
            return None
        line = self.parsed.span(target).start.line
        for ancestor in self.parsed.ancestors(target)[:3]:
            if isinstance(ancestor, cst.Assign) and len(ancestor.targets) == 1:
                if ancestor.targets[0].target is not target:
                    return None
                proof = self._prove(ancestor.value, kind, depth + 1)
                return _at_line(proof, line, "assigned")
            if isinstance(ancestor, cst.AnnAssign) and ancestor.value is not None:
                proof = self._prove(ancestor.value, kind, depth + 1)
                return _at_line(proof, line, "assigned")
            if isinstance(ancestor, cst.For) and ancestor.target is target and kind == "instance":
                query = self.queryset(ancestor.iter, depth + 1)
                if query is None:
                    return None
                return Evidence(
                    query.model, f"a row of `{_code(self.module, ancestor.iter)}` on line {line}"
                )
        return None

    def _prove(self, node: cst.BaseExpression, kind: str, depth: int) -> Evidence | None:
        return self.instance(node, depth) if kind == "instance" else self.queryset(node, depth)

    def _annotation(self, param: cst.Param) -> Evidence | None:
        if param.annotation is None:
            return None
        annotation = param.annotation.annotation
        candidates: list[cst.BaseExpression] = [annotation]
        if isinstance(annotation, cst.BinaryOperation) and isinstance(
            annotation.operator, cst.BitOr
        ):
            candidates = [annotation.left, annotation.right]
        elif isinstance(annotation, cst.Subscript) and single_name(
            self.parsed, annotation.value
        ) in ("typing.Optional",):
            candidates = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
        models = [
            model_class(self.module, single_name(self.parsed, c))
            for c in candidates
            if not _is_name(c, "None")
        ]
        if len(models) != 1 or models[0] is None:
            return None
        model = models[0]
        return Evidence(model, f"the parameter `{param.name.value}` is annotated `{model.name}`")


def _ends_in(node: cst.BaseExpression, methods: frozenset[str]) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in methods
    )


def _at_line(proof: Evidence | None, line: int, verb: str) -> Evidence | None:
    """``from `X(...)` `` becomes ``assigned from `X(...)` on line 12``."""
    if proof is None:
        return None
    return Evidence(proof.model, f"{verb} {proof.how} on line {line}")
