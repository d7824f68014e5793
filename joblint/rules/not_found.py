"""JOB510: a job that loads a record by the id it was given, with no plan for it being gone.

Jobs receive ids, not records, so the record is loaded again when the job runs; by then it
may have been deleted. A lookup that raises (Django's ``.get``, Peewee's ``get_by_id``,
SQLAlchemy's ``.one()``, ``get_object_or_404``) then fails the job, and its retries, with
an error no retry can fix; one that returns ``None`` (SQLAlchemy's ``session.get``) fails
a line later. Opt-in: many projects let such jobs fail on purpose.

Handled means: a ``try`` around the lookup catching the not-found error (or anything
broader), a ``None`` check of the value a ``None``-returning lookup was assigned to, or for
the runtime's jobs a policy (``discard_on``, ``retry_on``, ``rescue_from``, on the job or
its bases) naming the not-found error, ``DeserializationError`` or anything broader.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from joblint.analysis.context import ModuleContext
from joblint.analysis.model import JobDefinition
from joblint.analysis.orm import DJANGO, PEEWEE, SQLALCHEMY, SQLMODEL, Prover
from joblint.analysis.own_code import OwnCodeVisitor
from joblint.analysis.symbols import single_name
from joblint.diagnostics import Diagnostic
from joblint.parse import walk
from joblint.rules.base import ModuleRule
from joblint.rules.error_policies import searched_declarations
from joblint.runtime.policies import HandlerKind

# Exception names (last dotted part) that cover a missing record.
NOT_FOUND_NAMES = frozenset(
    {
        "DoesNotExist",
        "ObjectDoesNotExist",
        "NoResultFound",
        "Http404",
        "DeserializationError",
        "Exception",
        "BaseException",
    }
)


@dataclass(frozen=True)
class Lookup:
    call: cst.Call
    raises: str | None  # the error it raises, or None when it returns None instead


class MissingNotFoundHandling(ModuleRule):
    code = "JOB510"
    name = "missing-not-found-handling"
    summary = "A job that loads a record by id with no handling for the record being gone."
    default_enabled = False

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        prover = Prover(module)
        for job in module.facts.jobs:
            if job.perform is None or job.is_abstract:
                continue
            lookups = _unprotected_lookups(module, prover, job.perform)
            if not lookups:
                continue
            declared = module.index.framework(job.framework).declared_error_policies
            if declared and _policy_handles(module, job):
                continue
            for lookup in lookups:
                yield self._report(module, job, lookup)

    def _report(self, module: ModuleContext, job: JobDefinition, lookup: Lookup) -> Diagnostic:
        code = module.parsed.module.code_for_node(lookup.call)
        shown = code if len(code) <= 50 else code[:47] + "..."
        discard = module.index.framework(job.framework).discard_declaration
        policy = f"`{discard}` it, " if discard is not None else ""
        if lookup.raises is None:
            message = (
                f"`{shown}` returns None when the record was deleted after the job was "
                f"enqueued, and `{job.name}` then fails; return early when it is None"
            )
        else:
            message = (
                f"`{shown}` raises `{lookup.raises}` when the record was deleted after the job "
                f"was enqueued, failing `{job.name}` (and every retry) for good; {policy}"
                "catch it and return, or load with `.filter(...).first()` and return when it "
                "is None"
            )
        return self.diagnostic(job.path, module.parsed.span(lookup.call), message)


def _policy_handles(module: ModuleContext, job: JobDefinition) -> bool:
    """A runtime job's policies, own and inherited, cover a missing record (or cannot be
    read, which counts as covered: silent when unsure)."""
    searched = searched_declarations(module, job)
    if searched is None:
        return True
    names = [name for declaration in searched for name in declaration.exceptions]
    if any(name is None or name.rsplit(".", 1)[-1] in NOT_FOUND_NAMES for name in names):
        return True
    # Inherited `@rescue_from` methods are not in the search list; read them from the index.
    for ancestor in module.index.project_ancestors(job.qualified_name)[1:]:
        for function in module.index.functions.values():
            if not function.qualified_name.startswith(ancestor.qualified_name + "."):
                continue
            for decorator in function.decorators:
                call = decorator.call
                if call is None or not (call.function or "").endswith("." + HandlerKind.RESCUE):
                    continue
                if any(
                    r is None or r.rsplit(".", 1)[-1] in NOT_FOUND_NAMES for r in call.references
                ):
                    return True
    return False


def _lookup(module: ModuleContext, prover: Prover, call: cst.Call) -> Lookup | None:
    evidence = prover.instance(call)
    if evidence is None:
        return None
    family = evidence.model.family
    model = evidence.model.name
    name = single_name(module.parsed, call.func)
    if name == "django.shortcuts.get_object_or_404":
        return Lookup(call, "Http404")
    if not isinstance(call.func, cst.Attribute):
        return None
    method = call.func.attr.value
    if family == DJANGO and method in ("get", "aget"):
        return Lookup(call, f"{model}.DoesNotExist")
    if family == PEEWEE and method in ("get", "get_by_id"):
        return Lookup(call, f"{model}.DoesNotExist")
    if family in (SQLALCHEMY, SQLMODEL):
        if method in ("one", "scalar_one"):
            return Lookup(call, "NoResultFound")
        if method == "get" and len(call.args) >= 2:
            return Lookup(call, None)
    return None


def _unprotected_lookups(
    module: ModuleContext, prover: Prover, perform: cst.FunctionDef
) -> list[Lookup]:
    params = {
        p.name.value
        for p in (
            *perform.params.posonly_params,
            *perform.params.params,
            *perform.params.kwonly_params,
        )
    } - {"self", "cls"}
    tested = _tested_names(perform)
    found: list[Lookup] = []
    protected_depth = 0

    class Finder(OwnCodeVisitor):
        def visit_Try_body(self, node: cst.Try) -> None:
            nonlocal protected_depth
            if _catches_not_found(module, node):
                protected_depth += 1

        def leave_Try_body(self, node: cst.Try) -> None:
            nonlocal protected_depth
            if _catches_not_found(module, node):
                protected_depth -= 1

        def visit_Call(self, node: cst.Call) -> None:
            if protected_depth:
                return
            lookup = _lookup(module, prover, node)
            if lookup is None or not _uses(node, params):
                return
            if lookup.raises is None and _assigned_and_tested(module, node, tested):
                return
            found.append(lookup)

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return True  # a class body runs where it is defined: part of this code

    walk.walk(perform, Finder(perform))
    return found


def _uses(call: cst.Call, params: set[str]) -> bool:
    """The lookup is keyed by a job argument: it reads one of the parameters."""
    return any(name in params for name in _walk_names(call))


def _catches_not_found(module: ModuleContext, node: cst.Try) -> bool:
    for handler in node.handlers:
        if handler.type is None:
            return True
        types = handler.type.elements if isinstance(handler.type, cst.Tuple) else None
        expressions = [e.value for e in types] if types is not None else [handler.type]
        for expression in expressions:
            if not isinstance(expression, cst.Name | cst.Attribute):
                return True  # computed: cannot tell, count it as handled
            text = module.parsed.module.code_for_node(expression)
            if text.rsplit(".", 1)[-1] in NOT_FOUND_NAMES:
                return True
    return False


def _tested_names(function: cst.FunctionDef) -> set[str]:
    """Names read in a condition (`if`, `while`, ternary, `assert`, boolean operands)."""
    names: set[str] = set()

    class Collect(cst.CSTVisitor):
        def _add(self, test: cst.BaseExpression) -> None:
            for node in _walk_names(test):
                names.add(node)

        def visit_If(self, node: cst.If) -> None:
            self._add(node.test)

        def visit_While(self, node: cst.While) -> None:
            self._add(node.test)

        def visit_IfExp(self, node: cst.IfExp) -> None:
            self._add(node.test)

        def visit_Assert(self, node: cst.Assert) -> None:
            self._add(node.test)

        def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
            self._add(node.left)

    walk.walk(function, Collect())
    return names


def _walk_names(expression: cst.BaseExpression) -> list[str]:
    found: list[str] = []

    class Collect(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            found.append(node.value)

    walk.walk(expression, Collect())
    return found


def _assigned_and_tested(module: ModuleContext, call: cst.Call, tested: set[str]) -> bool:
    parent = module.parsed.ancestors(call)[:1]
    if not parent:
        return False
    assign = parent[0]
    if isinstance(assign, cst.Assign) and len(assign.targets) == 1:
        target = assign.targets[0].target
    elif isinstance(assign, cst.AnnAssign):
        target = assign.target
    else:
        return False
    return isinstance(target, cst.Name) and target.value in tested
