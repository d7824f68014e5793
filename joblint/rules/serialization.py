"""JOB203: an argument the job's serializer does not carry across intact.

A job's arguments are serialized when it is enqueued and rebuilt in a worker. What the
serializer cannot encode fails at enqueue (or, worse, in the worker); what it encodes
lossily arrives as something else (a tuple as a list, a datetime as a string) and breaks
the job far from the cause. What survives depends on the serializer: the framework's
description names its serializers, the encoding each writes (``Encoding``) and the
default; what each encoding does to each kind of value is the table ``ENCODINGS`` here.

Precision before recall: a value is judged only when the code shows what it is (a literal,
a known constructor, a parameter's annotation, or a local whose every assignment in its
scope shows the same thing). A name whose value cannot be shown is never flagged.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from joblint.analysis.context import ModuleContext
from joblint.analysis.frameworks import Encoding, SerializerDescription
from joblint.analysis.index import ProjectIndex
from joblint.analysis.model import EnqueueSite, JobDefinition
from joblint.analysis.symbols import literal, single_name
from joblint.diagnostics import Applicability, Diagnostic, Fix, Span
from joblint.parse import walk
from joblint.rules.base import FixAvailability, ModuleRule
from joblint.rules.signatures import node_span, received_arguments, target_job


class Kind(enum.Enum):
    """What a value is, as far as a serializer cares."""

    TUPLE = "tuple"
    SET = "set"
    BYTES = "bytes"
    DATETIME = "datetime"
    NAIVE_DATETIME = "naive datetime"  # also a DATETIME
    DATE = "date"
    TIME = "time"
    TIMEDELTA = "timedelta"
    DECIMAL = "Decimal"
    UUID = "UUID"
    CLASS = "class"
    FUNCTION = "function"
    NESTED_FUNCTION = "nested function"  # also a FUNCTION
    LAMBDA = "lambda"  # also a FUNCTION
    SELF = "self"
    DATACLASS = "dataclass"
    ATTRS = "attrs"
    PYDANTIC = "pydantic"


@dataclass(frozen=True)
class Serializer:
    """How a serializer treats the kinds of value joblint can recognise: ``outcomes``
    says what it does to each kind it does not carry across intact; a kind it leaves out
    survives."""

    name: str
    outcomes: Mapping[Kind, str]
    # Offers the fixes that turn a value into its JSON form (tuple literal to list).
    json: bool
    # Methods that make an instance encodable after all (kombu's `__json__`, the runtime's
    # `to_global_id`), and base classes, by dotted prefix, that provide one.
    object_hooks: frozenset[str] = frozenset()
    hook_bases: tuple[str, ...] = ()
    # What to pass instead, where it differs from `ADVICE`.
    advice: Mapping[Kind, str] = field(default_factory=dict)


ENCODE_FAILS = "cannot encode it"
TURNS_INTO_LIST = "turns it into a list"
# What the standard library's `json` refuses or changes: Dramatiq, Django Tasks and
# Procrastinate serialize job arguments with it, with no encoder of their own.
# (A nested function is a function to JSON: no need to say more.)
PLAIN_JSON: Mapping[Kind, str] = {
    Kind.TUPLE: TURNS_INTO_LIST,
    **{
        kind: ENCODE_FAILS
        for kind in Kind
        if kind not in (Kind.TUPLE, Kind.NAIVE_DATETIME, Kind.NESTED_FUNCTION)
    },
}
# Kombu's JSON encoder (5.3 and later, which Celery 5.3+ requires) tags and restores
# datetime, date, time, Decimal, UUID and bytes; the rest is as with plain JSON.
KOMBU_JSON: Mapping[Kind, str] = {
    kind: outcome
    for kind, outcome in PLAIN_JSON.items()
    if kind not in (Kind.DATETIME, Kind.DATE, Kind.TIME, Kind.DECIMAL, Kind.UUID, Kind.BYTES)
}
# joblint.runtime.serialization: JSON plus tagged aware datetimes, dates, timedeltas,
# Decimals and UUIDs; everything else is a SerializationError raised in the caller.
RUNTIME_JSON: Mapping[Kind, str] = {
    **{
        kind: "refuses it at enqueue"
        for kind in PLAIN_JSON
        if kind not in (Kind.DATETIME, Kind.DATE, Kind.TIMEDELTA, Kind.DECIMAL, Kind.UUID)
    },
    Kind.NAIVE_DATETIME: "refuses naive datetimes at enqueue",
}
# Pickle takes nearly anything importable; what it cannot take is a function without an
# importable name.
PICKLE: Mapping[Kind, str] = {
    Kind.LAMBDA: "cannot pickle it",
    Kind.NESTED_FUNCTION: "cannot pickle it",
}
PICKLE_ADVICE: Mapping[Kind, str] = {Kind.LAMBDA: "define a module-level function instead"}

# What each encoding refuses or changes, and what to pass instead where that differs from
# `ADVICE`.
ENCODINGS: Mapping[Encoding, tuple[Mapping[Kind, str], Mapping[Kind, str]]] = {
    Encoding.JSON: (PLAIN_JSON, {}),
    Encoding.KOMBU_JSON: (KOMBU_JSON, {}),
    Encoding.TAGGED_JSON: (RUNTIME_JSON, {}),
    Encoding.PICKLE: (PICKLE, PICKLE_ADVICE),
}


def _serializer(description: SerializerDescription) -> Serializer:
    outcomes, advice = ENCODINGS[description.encoding]
    return Serializer(
        description.label,
        outcomes,
        json=description.encoding is not Encoding.PICKLE,
        object_hooks=description.object_hooks,
        hook_bases=description.hook_bases,
        advice=advice,
    )


# The job or enqueue option that picks another serializer (Celery's `serializer=`).
SERIALIZER_OPTION = "serializer"

ADVICE: Mapping[Kind, str] = {
    Kind.TUPLE: "pass a list",
    Kind.SET: "pass a list (`sorted(...)`)",
    Kind.BYTES: "pass a `str` (decode it, or base64-encode binary data)",
    Kind.DATETIME: "pass `.isoformat()` and parse it in the job",
    Kind.NAIVE_DATETIME: "pass an aware datetime (`datetime.now(UTC)`)",
    Kind.DATE: "pass `.isoformat()` and parse it in the job",
    Kind.TIME: "pass `.isoformat()` and parse it in the job",
    Kind.TIMEDELTA: "pass `.total_seconds()`",
    Kind.DECIMAL: "pass `str(...)` and rebuild the `Decimal` in the job",
    Kind.UUID: "pass `str(...)`",
    Kind.CLASS: "pass its dotted path as a string and import it in the job",
    Kind.FUNCTION: "pass its dotted path as a string, or enqueue it as a job of its own",
    Kind.NESTED_FUNCTION: "define it at module level",
    Kind.LAMBDA: "pass the values it needs and do the work in the job",
    Kind.SELF: "pass the IDs or values the job needs",
    Kind.DATACLASS: "pass `dataclasses.asdict(...)` and rebuild it in the job",
    Kind.ATTRS: "pass `attrs.asdict(...)` and rebuild it in the job",
    Kind.PYDANTIC: 'pass `.model_dump(mode="json")` and `model_validate` it in the job',
}
ISOFORMAT_KINDS = frozenset({Kind.DATETIME, Kind.DATE, Kind.TIME})

# Calls whose result is known, by qualified name.
SIMPLE_CONSTRUCTORS: Mapping[str, Kind] = {
    "datetime.date": Kind.DATE,
    "datetime.date.today": Kind.DATE,
    "datetime.date.fromisoformat": Kind.DATE,
    "datetime.date.fromtimestamp": Kind.DATE,
    "datetime.date.fromordinal": Kind.DATE,
    "django.utils.timezone.localdate": Kind.DATE,
    "datetime.time": Kind.TIME,
    "datetime.time.fromisoformat": Kind.TIME,
    "datetime.timedelta": Kind.TIMEDELTA,
    "decimal.Decimal": Kind.DECIMAL,
    "uuid.UUID": Kind.UUID,
    "uuid.uuid1": Kind.UUID,
    "uuid.uuid3": Kind.UUID,
    "uuid.uuid4": Kind.UUID,
    "uuid.uuid5": Kind.UUID,
    "uuid.uuid6": Kind.UUID,
    "uuid.uuid7": Kind.UUID,
    "uuid.uuid8": Kind.UUID,
    "builtins.set": Kind.SET,
    "builtins.frozenset": Kind.SET,
    "builtins.bytes": Kind.BYTES,
    "builtins.bytearray": Kind.BYTES,
    "builtins.tuple": Kind.TUPLE,
}
# Datetime constructors, with whether the result is naive: True, False, or None (unknown
# or depending on the arguments, see `_datetime`).
DATETIME_CONSTRUCTORS: Mapping[str, bool | None] = {
    "datetime.datetime": None,
    "datetime.datetime.now": None,
    "datetime.datetime.fromtimestamp": None,
    "datetime.datetime.today": True,
    "datetime.datetime.utcnow": True,
    "datetime.datetime.utcfromtimestamp": True,
    "datetime.datetime.fromisoformat": None,
    "datetime.datetime.strptime": None,
    "datetime.datetime.combine": None,
    "django.utils.timezone.now": None,  # aware only with USE_TZ
    "django.utils.timezone.localtime": False,
    "django.utils.timezone.make_aware": False,
    "django.utils.timezone.make_naive": True,
}
# The positional index of the time zone argument, for constructors that take one.
TZ_POSITION: Mapping[str, int] = {
    "datetime.datetime": 7,
    "datetime.datetime.now": 0,
    "datetime.datetime.fromtimestamp": 1,
}
ANNOTATIONS: Mapping[str, Kind] = {
    "datetime.datetime": Kind.DATETIME,
    "datetime.date": Kind.DATE,
    "datetime.time": Kind.TIME,
    "datetime.timedelta": Kind.TIMEDELTA,
    "decimal.Decimal": Kind.DECIMAL,
    "uuid.UUID": Kind.UUID,
    "builtins.bytes": Kind.BYTES,
    "builtins.bytearray": Kind.BYTES,
    "builtins.set": Kind.SET,
    "builtins.frozenset": Kind.SET,
    "builtins.tuple": Kind.TUPLE,
    "typing.Set": Kind.SET,
    "typing.FrozenSet": Kind.SET,
    "typing.Tuple": Kind.TUPLE,
}
DATACLASS_DECORATORS = frozenset({"dataclasses.dataclass", "pydantic.dataclasses.dataclass"})
ATTRS_DECORATORS = frozenset(
    {
        "attr.s",
        "attr.attrs",
        "attr.define",
        "attr.frozen",
        "attr.mutable",
        "attr.dataclass",
        "attrs.define",
        "attrs.frozen",
        "attrs.mutable",
    }
)
PYDANTIC_ROOTS = frozenset(
    {"pydantic.BaseModel", "pydantic.main.BaseModel", "pydantic.v1.BaseModel", "sqlmodel.SQLModel"}
)

_ARTICLE_AN = frozenset({Kind.UUID})


@dataclass(frozen=True)
class Value:
    """What an expression is shown to be: its kinds, most specific first (a naive
    datetime is also a datetime), and how a message names it."""

    kinds: tuple[Kind, ...]
    description: str  # "a `datetime`", "the class `Order`"
    evidence: str = ""  # " (assigned from `datetime.now()` on line 12)"
    owner: str | None = None  # the class of an instance, by qualified name

    @property
    def base(self) -> Kind:
        return self.kinds[-1]


def _simple(kind: Kind) -> Value:
    if kind in (Kind.TUPLE, Kind.SET):
        return Value((kind,), f"a {kind.value}")
    if kind is Kind.BYTES:
        return Value((kind,), "a `bytes` value")
    article = "an" if kind in _ARTICLE_AN else "a"
    return Value((kind,), f"{article} `{kind.value}`")


def _datetime_value(naive: bool | None) -> Value:
    if naive:
        return Value((Kind.NAIVE_DATETIME, Kind.DATETIME), "a naive `datetime`")
    return Value((Kind.DATETIME,), "a `datetime`")


class Values:
    """What the expressions of one module are shown to be."""

    def __init__(self, module: ModuleContext) -> None:
        self.module = module
        self.parsed = module.parsed
        self.index = module.index

    def of(self, node: cst.BaseExpression, depth: int = 0) -> Value | None:
        if depth > 5:
            return None
        if isinstance(node, cst.Tuple):
            return _simple(Kind.TUPLE)
        if isinstance(node, cst.Set | cst.SetComp):
            return _simple(Kind.SET)
        if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
            return _simple(Kind.BYTES) if isinstance(node.evaluated_value, bytes) else None
        if isinstance(node, cst.Lambda):
            return Value((Kind.LAMBDA, Kind.FUNCTION), "a lambda")
        if isinstance(node, cst.Name):
            return self._name(node, depth)
        if isinstance(node, cst.Attribute):
            return self._reference(node)
        if isinstance(node, cst.Call):
            return self._call(node, depth)
        if isinstance(node, cst.BinaryOperation):
            return self._arithmetic(node, depth)
        return None

    # -- names -------------------------------------------------------------------------

    def _name(self, node: cst.Name, depth: int) -> Value | None:
        if node.value in ("True", "False", "None"):
            return None
        scope = self.parsed.scopes.get(node)
        if scope is None:
            return None
        assignments = list(scope[node.value])
        if not assignments:
            return None
        values: list[Value] = []
        for assignment in assignments:
            value = self._binding(node, getattr(assignment, "node", None), depth)
            if value is None:
                return None
            values.append(value)
        return _agreed(values)

    def _binding(self, name: cst.Name, target: cst.CSTNode | None, depth: int) -> Value | None:
        """What one binding of ``name`` shows it holds."""
        if isinstance(target, cst.FunctionDef):
            return self._function(target, self._line(target.name))
        if isinstance(target, cst.ClassDef):
            return Value((Kind.CLASS,), f"the class `{target.name.value}`")
        if isinstance(target, cst.Import | cst.ImportFrom):
            return self._reference(name)
        if isinstance(target, cst.Param):
            return self._parameter(target)
        if not isinstance(target, cst.Name):
            return None
        for ancestor in self.parsed.ancestors(target)[:3]:
            value_node: cst.BaseExpression | None = None
            if isinstance(ancestor, cst.Assign):
                if len(ancestor.targets) != 1 or ancestor.targets[0].target is not target:
                    return None
                value_node = ancestor.value
            elif isinstance(ancestor, cst.AnnAssign) and ancestor.target is target:
                value_node = ancestor.value
            elif isinstance(ancestor, cst.BaseSmallStatement | cst.BaseCompoundStatement):
                return None
            if value_node is not None:
                value = self.of(value_node, depth + 1)
                if value is None:
                    return None
                shown = _shown(self.module, value_node)
                return _with_evidence(
                    value, f" (assigned from `{shown}` on line {self._line(target)})"
                )
        return None

    def _function(self, node: cst.FunctionDef, line: int) -> Value:
        nested = any(
            isinstance(a, cst.FunctionDef | cst.Lambda) for a in self.parsed.ancestors(node)
        )
        if nested:
            return Value(
                (Kind.NESTED_FUNCTION, Kind.FUNCTION),
                f"the nested function `{node.name.value}` (line {line})",
            )
        return Value((Kind.FUNCTION,), f"the function `{node.name.value}`")

    def _parameter(self, param: cst.Param) -> Value | None:
        method = self._method_of(param)
        if method is not None:
            class_node, is_first = method
            if is_first and param.name.value == "self":
                qualified = sorted(self.parsed.names_of(class_node))
                return Value(
                    (Kind.SELF,),
                    f"the `{class_node.name.value}` instance itself",
                    owner=qualified[0] if qualified else None,
                )
        if param.annotation is None:
            return None
        value = self._annotation(param.annotation.annotation)
        if value is None:
            return None
        shown = _shown(self.module, param.annotation.annotation)
        return _with_evidence(value, f" (annotated `{shown}` on line {self._line(param)})")

    def _method_of(self, param: cst.Param) -> tuple[cst.ClassDef, bool] | None:
        """The class whose method ``param`` belongs to, and whether it is the method's
        first parameter; None for functions, static and class methods."""
        ancestors = self.parsed.ancestors(param)
        function = next((a for a in ancestors if isinstance(a, cst.FunctionDef)), None)
        if function is None:
            return None
        parent = self.parsed.parents.get(function)
        owner = self.parsed.parents.get(parent) if parent is not None else None
        if not isinstance(owner, cst.ClassDef):
            return None
        if any(
            isinstance(d.decorator, cst.Name)
            and d.decorator.value in ("staticmethod", "classmethod")
            for d in function.decorators
        ):
            return None
        positional = [*function.params.posonly_params, *function.params.params]
        return owner, bool(positional) and positional[0] is param

    def _annotation(self, node: cst.BaseExpression) -> Value | None:
        if isinstance(node, cst.Subscript):
            node = node.value
        name = (
            single_name(self.parsed, node) if isinstance(node, cst.Name | cst.Attribute) else None
        )
        if name is None:
            return None
        kind = ANNOTATIONS.get(name)
        if kind is Kind.DATETIME:
            return _datetime_value(None)
        if kind is not None:
            return _simple(kind)
        return self._instance_of(name)

    def _reference(self, node: cst.Name | cst.Attribute) -> Value | None:
        """A project class or function, named rather than called."""
        name = self._project_name(node)
        if name is None:
            return None
        info = self.index.classes.resolve(name)
        if info is not None:
            return Value((Kind.CLASS,), f"the class `{info.name}`")
        function = self.index.functions.resolve(name)
        if function is not None and not function.is_method:
            if function.nested_in_function:
                return Value(
                    (Kind.NESTED_FUNCTION, Kind.FUNCTION),
                    f"the nested function `{function.name}`",
                )
            return Value((Kind.FUNCTION,), f"the function `{function.name}`")
        return None

    def _project_name(self, node: cst.BaseExpression) -> str | None:
        """The qualified name of a name or of an attribute chain that starts at an import
        (``models.Order``), the only forms whose target the index can tell; an attribute
        of a local (``order.notify``) names nothing the index knows."""
        name = single_name(self.parsed, node)
        if name is None or "<locals>" in name:
            return None
        base = node
        while isinstance(base, cst.Attribute):
            base = base.value
        if base is node:
            return name
        if not isinstance(base, cst.Name):
            return None
        scope = self.parsed.scopes.get(base)
        bindings = list(scope[base.value]) if scope is not None else []
        imported = bool(bindings) and all(
            isinstance(getattr(b, "node", None), cst.Import | cst.ImportFrom) for b in bindings
        )
        return name if imported else None

    # -- calls -------------------------------------------------------------------------

    def _call(self, node: cst.Call, depth: int) -> Value | None:
        name = single_name(self.parsed, node.func)
        if name is not None:
            if name in DATETIME_CONSTRUCTORS:
                return _datetime_value(_naive(name, node))
            kind = SIMPLE_CONSTRUCTORS.get(name)
            if kind is not None:
                return _simple(kind)
            project_name = self._project_name(node.func)
            instance = self._instance_of(project_name) if project_name else None
            if instance is not None:
                return instance
        if isinstance(node.func, cst.Attribute):
            return self._datetime_method(node, node.func, depth)
        return None

    def _datetime_method(self, node: cst.Call, func: cst.Attribute, depth: int) -> Value | None:
        """``moment.date()``, ``moment.astimezone(tz)``, ``moment.replace(...)``."""
        method = func.attr.value
        if method not in ("date", "time", "timetz", "astimezone", "replace"):
            return None
        receiver = self.of(func.value, depth + 1)
        if receiver is None or receiver.base is not Kind.DATETIME:
            return None
        if method == "date":
            return _simple(Kind.DATE)
        if method in ("time", "timetz"):
            return _simple(Kind.TIME)
        if method == "astimezone":
            return _datetime_value(False)
        tzinfo = next((a for a in node.args if a.keyword and a.keyword.value == "tzinfo"), None)
        if tzinfo is None:
            return _datetime_value(Kind.NAIVE_DATETIME in receiver.kinds)
        return _datetime_value(literal(tzinfo.value) is None)

    def _arithmetic(self, node: cst.BinaryOperation, depth: int) -> Value | None:
        """A datetime or date moved by a timedelta stays what it was."""
        if not isinstance(node.operator, cst.Add | cst.Subtract):
            return None
        left = self.of(node.left, depth + 1)
        right = self.of(node.right, depth + 1)
        if left is None or right is None:
            return None
        moved = (Kind.DATETIME, Kind.DATE)
        if left.base in moved and right.base is Kind.TIMEDELTA:
            return Value(left.kinds, left.description)
        if (
            isinstance(node.operator, cst.Add)
            and left.base is Kind.TIMEDELTA
            and right.base in moved
        ):
            return Value(right.kinds, right.description)
        return None

    def _instance_of(self, class_name: str) -> Value | None:
        """An instance of a project dataclass, attrs class or pydantic model."""
        info = self.index.classes.resolve(class_name)
        if info is None:
            return None
        ancestors = self.index.project_ancestors(info.qualified_name)
        if any(dict(a.keywords).get("table") is True for a in ancestors):
            return None  # an SQLModel table: a database model (JOB201)
        owner = info.qualified_name
        for ancestor in ancestors:
            names = {d.name for d in ancestor.decorators}
            if names & DATACLASS_DECORATORS:
                return Value(
                    (Kind.DATACLASS,), f"an instance of the dataclass `{info.name}`", owner=owner
                )
            if names & ATTRS_DECORATORS:
                return Value(
                    (Kind.ATTRS,), f"an instance of the attrs class `{info.name}`", owner=owner
                )
        if self.index.reaches(info.qualified_name, PYDANTIC_ROOTS.__contains__):
            return Value(
                (Kind.PYDANTIC,), f"an instance of the pydantic model `{info.name}`", owner=owner
            )
        return None

    def _line(self, node: cst.CSTNode) -> int:
        return self.parsed.span(node).start.line

    def encodable(self, class_name: str, serializer: Serializer) -> bool:
        """Whether the serializer takes instances of the class after all, through a method
        of its own (`to_global_id`, `__json__`) or a base that provides one."""
        return any(
            serializer.object_hooks & info.method_names
            or any(base.startswith(serializer.hook_bases) for base in info.base_names if base)
            for info in self.index.project_ancestors(class_name)
        )


def _naive(name: str, node: cst.Call) -> bool | None:
    """Whether a datetime constructor's result is naive, as far as its arguments show."""
    fixed = DATETIME_CONSTRUCTORS[name]
    if fixed is not None or name not in TZ_POSITION:
        return fixed
    if any(arg.star for arg in node.args):
        return None
    positional = [arg for arg in node.args if arg.keyword is None]
    keywords = {arg.keyword.value: arg for arg in node.args if arg.keyword is not None}
    zone = keywords.get("tzinfo") or keywords.get("tz")
    position = TZ_POSITION[name]
    if zone is None and len(positional) > position:
        zone = positional[position]
    if zone is None:
        return True
    return literal(zone.value) is None


def _agreed(values: list[Value]) -> Value | None:
    """What every binding of a name agrees on, or None."""
    first = values[0]
    if all(v.kinds == first.kinds and v.description == first.description for v in values):
        return first
    if len({v.base for v in values}) != 1:
        return None
    common = tuple(k for k in first.kinds if all(k in v.kinds for v in values))
    if first.base is Kind.DATETIME:
        return _with_evidence(_datetime_value(Kind.NAIVE_DATETIME in common), "")
    if first.base is Kind.FUNCTION or len({v.owner for v in values}) != 1:
        return None  # different functions or classes: nothing useful to say about it
    return Value(common, first.description, "", first.owner)


def _with_evidence(value: Value, evidence: str) -> Value:
    return Value(value.kinds, value.description, evidence, value.owner)


def _shown(module: ModuleContext, node: cst.CSTNode) -> str:
    text = " ".join(module.parsed.module.code_for_node(node).split())
    return text if len(text) <= 40 else text[:37] + "..."


def serializer_for(
    site: EnqueueSite, job: JobDefinition | None, index: ProjectIndex
) -> Serializer | None:
    """The serializer the site's arguments go through: the enqueue's option, else the
    job's, else the project's configuration, else the framework's default; None when it
    cannot be told (a serializer chosen by a variable or an object, or one joblint has no
    table for, such as a project's own)."""
    framework = index.framework(job.framework if job is not None else site.framework)
    app = job.app if job is not None else None
    project = index.serializers.for_job(framework.name, app)
    chosen: object = framework.default_serializer if project is None else project
    for key, expression in site.options:
        if key == SERIALIZER_OPTION:
            chosen = literal(expression)
            break
    else:
        if job is not None:
            for key, value in job.options:
                if key == SERIALIZER_OPTION:
                    chosen = value
    if not isinstance(chosen, str):
        return None
    described = framework.serializer(chosen)
    return _serializer(described) if described is not None else None


class NonSerializableArgument(ModuleRule):
    code = "JOB203"
    name = "non-serializable-argument"
    summary = "An argument the job's serializer refuses or changes: a tuple, a set, a function..."
    fix_availability = FixAvailability.SOMETIMES
    codemod = "TuplesToLists"
    codemod_description = "pass lists, not tuples, to JSON-serialized jobs."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        values = Values(module)
        for site in module.facts.enqueue_sites:
            if site.synchronous:
                continue  # run in the caller: nothing is serialized
            job = target_job(module, site)
            serializer = serializer_for(site, job, module.index)
            if serializer is None:
                continue
            for arg in received_arguments(module, site):
                if not arg.star:
                    yield from self._check(module, values, site, job, serializer, arg.value)

    def _check(
        self,
        module: ModuleContext,
        values: Values,
        site: EnqueueSite,
        job: JobDefinition | None,
        serializer: Serializer,
        node: cst.BaseExpression,
        covered: bool = False,
    ) -> Iterator[Diagnostic]:
        """``node`` and, inside list, tuple and dict literals, its elements. ``covered``:
        a tuple directly inside a flagged tuple, which that tuple's fix converts too."""
        value = values.of(node)
        judged = self._judgement(values, serializer, job, value) if value is not None else None
        flagged_tuple = False
        if value is not None and judged is not None:
            kind, outcome = judged
            flagged_tuple = kind is Kind.TUPLE and isinstance(node, cst.Tuple)
            if not (covered and flagged_tuple):
                yield self._finding(module, site, serializer, node, value, kind, outcome)
        if isinstance(node, cst.Tuple | cst.List):
            inside = isinstance(node, cst.Tuple) and (flagged_tuple or covered)
            for element in node.elements:
                if isinstance(element, cst.Element):
                    yield from self._check(
                        module, values, site, job, serializer, element.value, covered=inside
                    )
        elif isinstance(node, cst.Dict):
            for item in node.elements:
                if isinstance(item, cst.DictElement):
                    yield from self._check(module, values, site, job, serializer, item.value)

    @staticmethod
    def _judgement(
        values: Values, serializer: Serializer, job: JobDefinition | None, value: Value
    ) -> tuple[Kind, str] | None:
        if value.owner is not None and values.encodable(value.owner, serializer):
            return None
        if value.base is Kind.PYDANTIC and job is not None and ("pydantic", True) in job.options:
            return None  # Celery's `pydantic=True` tasks take and rebuild models
        for kind in value.kinds:
            outcome = serializer.outcomes.get(kind)
            if outcome is not None:
                return kind, outcome
        return None

    def _finding(
        self,
        module: ModuleContext,
        site: EnqueueSite,
        serializer: Serializer,
        node: cst.BaseExpression,
        value: Value,
        kind: Kind,
        outcome: str,
    ) -> Diagnostic:
        text = _shown(module, node)
        span = node_span(module, node, site)
        original = module.parsed.module.code_for_node(node)
        fix = None
        written = module.parsed.owns(node)  # else built by a frontend: not rewritable
        json_fix = written and serializer.json
        if json_fix and kind is Kind.TUPLE and isinstance(node, cst.Tuple) and node.lpar:
            fix = Fix(
                "Pass a list literal",
                Applicability.SAFE,
                rewrite_value(span, original, tuple_to_list),
            )
        elif json_fix and kind in ISOFORMAT_KINDS:
            fix = Fix(
                f"Pass `{text}.isoformat()` (unsafe: the job receives a string to parse)",
                Applicability.UNSAFE,
                rewrite_value(span, original, with_isoformat),
            )
        return self.diagnostic(
            site.path,
            span,
            f"`{text}` is {value.description}{value.evidence}; {serializer.name} {outcome}: "
            f"{serializer.advice.get(kind, ADVICE[kind])}",
            fix=fix,
        )


# -- fixes -------------------------------------------------------------------------------


def rewrite_value(
    span: Span, original: str, rewrite: Callable[[cst.BaseExpression], cst.BaseExpression]
) -> Callable[[cst.Module], cst.Module]:
    """A fix that rewrites one argument or element value: the one starting at ``span``
    whose code reads ``original``, or failing that (an earlier fix on the line moved it)
    the only such value on that line. Applied again, it finds nothing and changes
    nothing."""

    def transform(tree: cst.Module) -> cst.Module:
        positions = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)
        candidates: list[tuple[cst.BaseExpression, int]] = []

        class Find(cst.CSTVisitor):
            def _consider(self, value: cst.BaseExpression) -> None:
                where = positions.get(value)
                if (
                    where is not None
                    and where.start.line == span.start.line
                    and tree.code_for_node(value) == original
                ):
                    candidates.append((value, where.start.column + 1))

            def visit_Arg(self, node: cst.Arg) -> None:
                self._consider(node.value)

            def visit_Element(self, node: cst.Element) -> None:
                self._consider(node.value)

            def visit_DictElement(self, node: cst.DictElement) -> None:
                self._consider(node.value)

        walk.walk(tree, Find())
        exact = [value for value, column in candidates if column == span.start.column]
        chosen = exact[0] if exact else candidates[0][0] if len(candidates) == 1 else None
        if chosen is None:
            return tree
        replaced = tree.deep_replace(chosen, rewrite(chosen))
        return replaced if isinstance(replaced, cst.Module) else tree

    return transform


def tuple_to_list(node: cst.BaseExpression) -> cst.BaseExpression:
    """``(a, b)`` -> ``[a, b]``, tuples directly inside it too; ``(a,)`` -> ``[a]``."""
    if not isinstance(node, cst.Tuple) or not node.lpar:
        return node
    elements: list[cst.BaseElement] = []
    for element in node.elements:
        if isinstance(element, cst.Element) and isinstance(element.value, cst.Tuple):
            element = element.with_changes(value=tuple_to_list(element.value))
        elements.append(element)
    if len(elements) == 1 and isinstance(elements[0], cst.Element):
        comma = elements[0].comma
        if isinstance(comma, cst.Comma) and _no_whitespace(comma.whitespace_after):
            elements[0] = elements[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return cst.List(
        elements=elements,
        lbracket=cst.LeftSquareBracket(whitespace_after=node.lpar[-1].whitespace_after),
        rbracket=cst.RightSquareBracket(whitespace_before=node.rpar[0].whitespace_before),
        lpar=node.lpar[:-1],
        rpar=node.rpar[1:],
    )


def _no_whitespace(whitespace: cst.BaseParenthesizableWhitespace) -> bool:
    return isinstance(whitespace, cst.SimpleWhitespace) and whitespace.value == ""


def with_isoformat(node: cst.BaseExpression) -> cst.BaseExpression:
    """``moment`` -> ``moment.isoformat()``, parenthesized where the syntax needs it."""
    receiver = node
    if not isinstance(node, cst.Name | cst.Attribute | cst.Call | cst.Subscript) and not node.lpar:
        receiver = node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.Call(func=cst.Attribute(value=receiver, attr=cst.Name("isoformat")))
