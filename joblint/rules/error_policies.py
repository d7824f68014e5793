"""JOB5xx: the runtime's error policies (``retry_on``, ``discard_on``, ``rescue_from``).

Which handler takes an error is defined once, in ``joblint/runtime/policies.py``: one list
of declarations per class (class decorators top to bottom, then ``@rescue_from`` methods),
bases before subclasses along the reversed MRO, searched newest first. These rules build
that list from source with the runtime's own ``declaration_order`` and ``search_order``, so
the linter and the runtime cannot disagree on precedence.

What is read: a job's own decorators and ``@rescue_from`` methods from its tree; its
project bases' class decorators from the index (``ClassInfo.decorators``). A base's
``@rescue_from`` methods are left out of the list: a base's declarations are searched after
all of the job's, so they can only shadow other base declarations, and a conflict between
two declarations of one base job is reported on that base (between two bases neither of
which is the job, say a mixin and ``ApplicationJob``, it is not reported). A job with a base
the index cannot place (a library class other than the runtime's ``Job``) is skipped: its
handlers and MRO are unknown.
"""

from __future__ import annotations

import builtins
import importlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import libcst as cst

from joblint.analysis.context import ModuleContext
from joblint.analysis.handlers import swallows
from joblint.analysis.index import ProjectIndex
from joblint.analysis.model import JobDefinition
from joblint.analysis.own_code import OwnCodeVisitor
from joblint.analysis.runtime_api import RUNTIME_PACKAGE, is_runtime_job_base
from joblint.analysis.symbols import single_name
from joblint.diagnostics import Diagnostic, Span
from joblint.parse import walk
from joblint.parse.parsing import ParsedModule
from joblint.rules.base import ModuleRule
from joblint.runtime.policies import HandlerKind, declaration_order, search_order

BROAD_EXCEPTIONS = frozenset({"builtins.Exception", "builtins.BaseException"})


@dataclass(frozen=True)
class PolicyDeclaration:
    """One ``retry_on``/``discard_on``/``rescue_from`` as written: its exceptions by
    qualified name (None where an argument is not a name that resolves), and where."""

    kind: HandlerKind
    exceptions: tuple[str | None, ...]
    declared_in: str
    path: Path
    line: int
    # The spans of the exception arguments, when declared in the module being checked.
    argument_spans: tuple[Span, ...] = ()
    # For a `@rescue_from` method read from the tree: the method.
    method: cst.FunctionDef | None = field(default=None, compare=False, repr=False)

    def swallows_broadly(self) -> bool:
        """A broad rescue that does nothing with the error but log it
        (``joblint.analysis.handlers.swallows``, JOB501's meaning too): JOB511's finding, which
        already says every policy behind it is dead."""
        return (
            self.kind is HandlerKind.RESCUE
            and self.method is not None
            and any(name in BROAD_EXCEPTIONS for name in self.exceptions)
            and swallows(self.method.body)
        )

    @property
    def label(self) -> str:
        names = ", ".join(_short(name) if name else "..." for name in self.exceptions)
        return f"{self.kind.value}({names})"


def _policy_kind(name: str | None) -> HandlerKind | None:
    if name is None or not name.startswith(RUNTIME_PACKAGE + "."):
        return None
    for kind in HandlerKind:
        if name.endswith("." + kind.value):
            return kind
    return None


def _short(qualified: str) -> str:
    return qualified.rsplit(".", 1)[-1]


def _own_declarations(
    parsed: ParsedModule, node: cst.ClassDef, declared_in: str
) -> list[PolicyDeclaration]:
    """The class's own declarations from its tree, in the runtime's declaration order."""
    decorators = [
        declaration
        for decorator in node.decorators
        if (declaration := _from_call(parsed, decorator.decorator, declared_in, class_level=True))
    ]
    methods = [
        replace(declaration, method=statement)
        for statement in node.body.body
        if isinstance(statement, cst.FunctionDef)
        for decorator in statement.decorators
        if (declaration := _from_call(parsed, decorator.decorator, declared_in, class_level=False))
    ]
    return declaration_order(decorators, methods)


def _from_call(
    parsed: ParsedModule, expression: cst.BaseExpression, declared_in: str, *, class_level: bool
) -> PolicyDeclaration | None:
    if not isinstance(expression, cst.Call):
        return None
    kind = _policy_kind(single_name(parsed, expression.func))
    if kind is None or (kind is HandlerKind.RESCUE) == class_level:
        return None
    positional = [arg for arg in expression.args if arg.keyword is None]
    return PolicyDeclaration(
        kind=kind,
        exceptions=tuple(
            None if arg.star else single_name(parsed, arg.value) for arg in positional
        ),
        declared_in=declared_in,
        path=parsed.path,
        line=parsed.span(expression).start.line,
        argument_spans=tuple(parsed.span(arg.value) for arg in positional),
    )


def _indexed_declarations(index: ProjectIndex, qualified_name: str) -> list[PolicyDeclaration]:
    """A base class's decorator declarations, from the index."""
    info = index.classes[qualified_name]
    found: list[PolicyDeclaration] = []
    for decorator in info.decorators:
        call = decorator.call
        kind = _policy_kind(call.function if call else None)
        if call is None or kind is None or kind is HandlerKind.RESCUE:
            continue
        found.append(
            PolicyDeclaration(
                kind=kind,
                exceptions=tuple(call.references),
                declared_in=qualified_name,
                path=info.path,
                line=info.name_span.start.line,
            )
        )
    return found


def _linearization(index: ProjectIndex, qualified_name: str) -> list[str] | None:
    """The project classes of the MRO (C3), job class first; None when a base is a class
    the index does not know (its handlers and place in the MRO are unknown)."""
    memo: dict[str, list[str] | None] = {}

    def linearize(name: str, seen: frozenset[str]) -> list[str] | None:
        if name in memo:
            return memo[name]
        info = index.classes.get(name)
        if info is None or name in seen:
            return None
        parents: list[list[str]] = []
        for base in info.base_names:
            if base == "builtins.object" or is_runtime_job_base(base):
                continue
            resolved = index.resolve_class(base) if base else None
            if resolved is None:
                return None
            parent = linearize(resolved.qualified_name, seen | {name})
            if parent is None:
                return None
            parents.append(parent)
        merged = _c3_merge([*parents, [p[0] for p in parents]])
        result = None if merged is None else [name, *merged]
        memo[name] = result
        return result

    return linearize(qualified_name, frozenset())


def _c3_merge(sequences: list[list[str]]) -> list[str] | None:
    pending = [list(sequence) for sequence in sequences if sequence]
    merged: list[str] = []
    while pending:
        for sequence in pending:
            head = sequence[0]
            if not any(head in other[1:] for other in pending):
                break
        else:
            return None  # no consistent MRO: Python itself rejects the class
        merged.append(head)
        pending = [[n for n in sequence if n != head] for sequence in pending]
        pending = [sequence for sequence in pending if sequence]
    return merged


def searched_declarations(
    module: ModuleContext, job: JobDefinition
) -> list[PolicyDeclaration] | None:
    """The job's declarations in the order the runtime searches them (newest first), or
    None when the job's bases cannot all be placed."""
    if not isinstance(job.node, cst.ClassDef):
        return None
    mro = _linearization(module.index, job.qualified_name)
    if mro is None:
        return None
    own_by_class: list[list[PolicyDeclaration]] = []
    for name in reversed(mro):
        if name == job.qualified_name:
            own_by_class.append(_own_declarations(module.parsed, job.node, name))
        else:
            own_by_class.append(_indexed_declarations(module.index, name))
    return search_order(own_by_class)


class ExceptionHierarchy:
    """Whether one exception class (by qualified name) is a subclass of another: builtins'
    and the runtime's from the live classes, project classes through the index's bases.
    ``None`` when it cannot be told (a library class)."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index

    def is_subclass(self, name: str, parent: str) -> bool | None:
        return self._is_subclass(name, parent, frozenset())

    def _is_subclass(self, name: str, parent: str, seen: frozenset[str]) -> bool | None:
        if name == parent:
            return True
        live, live_parent = _live_class(name), _live_class(parent)
        if live is not None:
            return issubclass(live, live_parent) if live_parent is not None else False
        info = self.index.resolve_class(name)
        if info is None or info.qualified_name in seen:
            return None
        if info.qualified_name == parent:
            return True
        answers = [
            self._is_subclass(base, parent, seen | {info.qualified_name})
            for base in info.base_names
        ]
        if any(answer is True for answer in answers):
            return True
        if answers and all(answer is False for answer in answers):
            return False
        return None


def _live_class(name: str) -> type | None:
    module_name, _, attribute = name.rpartition(".")
    if module_name == "builtins":
        value = getattr(builtins, attribute, None)
    elif module_name == RUNTIME_PACKAGE or module_name.startswith(RUNTIME_PACKAGE + "."):
        try:
            value = getattr(importlib.import_module(module_name), attribute, None)
        except ImportError:
            return None
    else:
        return None
    return value if isinstance(value, type) and issubclass(value, BaseException) else None


class ConflictingErrorPolicy(ModuleRule):
    code = "JOB512"
    name = "conflicting-error-policy"
    summary = (
        "An exception both retried and discarded, or a policy that never runs because a "
        "handler searched before it takes the same exception."
    )

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        hierarchy = ExceptionHierarchy(module.index)
        for job in module.facts.jobs:
            if not module.index.framework(job.framework).declared_error_policies:
                continue
            searched = searched_declarations(module, job)
            if searched is not None:
                yield from self._report(job, list(_dead_policies(searched, hierarchy)))

    def _report(self, job: JobDefinition, dead_policies: list[DeadPolicy]) -> Iterator[Diagnostic]:
        own = job.qualified_name
        # A job's own handler that takes what several base policies were for: one finding.
        overridden: dict[tuple[int, int], list[DeadPolicy]] = {}
        for found in dead_policies:
            dead, winner = found.dead, found.winner
            if dead.declared_in == own and dead.argument_spans:
                where = (
                    f"(line {winner.line})"
                    if winner.declared_in == own
                    else f"on `{_short(winner.declared_in)}`"
                )
                exception = _short(found.exception)
                yield self.diagnostic(
                    job.path,
                    dead.argument_spans[found.argument],
                    f"`{dead.kind.value}` never runs for `{exception}`: `{winner.label}` "
                    f"{where} is searched first and takes it (as a `{_short(found.taken_by)}`); "
                    f"keep one policy for `{exception}`, or declare the one meant to win last "
                    "(lower, or in the subclass)",
                )
            elif winner.declared_in == own and winner.argument_spans:
                key = (id(winner), winner.exceptions.index(found.taken_by))
                overridden.setdefault(key, []).append(found)
        for (_, argument), group in overridden.items():
            winner = group[0].winner
            lost = ", ".join(
                f"`{found.dead.label}` on `{_short(found.dead.declared_in)}`" for found in group
            )
            yield self.diagnostic(
                job.path,
                winner.argument_spans[argument],
                f"`{winner.label}` here is searched before {lost} and takes what "
                f"{'they are' if len(group) > 1 else 'it is'} for, so `{job.name}` never "
                f"{'uses them' if len(group) > 1 else 'uses it'}; narrow this handler, or say "
                "so in the base if those policies are not meant for every job",
            )


@dataclass(frozen=True)
class DeadPolicy:
    """An exception of ``dead`` that ``winner``, searched first, takes (as ``taken_by``)."""

    dead: PolicyDeclaration
    argument: int
    exception: str
    winner: PolicyDeclaration
    taken_by: str


def _dead_policies(
    searched: Sequence[PolicyDeclaration], hierarchy: ExceptionHierarchy
) -> Iterator[DeadPolicy]:
    """Retry and discard declarations, per exception, that a handler of another kind takes
    first. Same-kind shadowing (two ``retry_on``) is a choice of settings, not a conflict."""
    for position, dead in enumerate(searched):
        if dead.kind is HandlerKind.RESCUE:
            continue
        for argument, exception in enumerate(dead.exceptions):
            if exception is None:
                continue
            for winner in searched[:position]:
                if winner.kind is dead.kind or winner.swallows_broadly():
                    continue
                taken_by = next(
                    (
                        name
                        for name in winner.exceptions
                        if name and hierarchy.is_subclass(exception, name) is True
                    ),
                    None,
                )
                if taken_by is not None:
                    yield DeadPolicy(dead, argument, exception, winner, taken_by)
                    break


class RescueHandlerSwallows(ModuleRule):
    code = "JOB511"
    name = "rescue-handler-swallows"
    summary = "A `rescue_from` handler for a broad exception that neither re-raises nor retries."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        for job in module.facts.jobs:
            if not module.index.framework(job.framework).declared_error_policies:
                continue
            if not isinstance(job.node, cst.ClassDef):
                continue
            for statement in job.node.body.body:
                if isinstance(statement, cst.FunctionDef):
                    yield from self._check_handler(module.parsed, job, statement)

    def _check_handler(
        self, parsed: ParsedModule, job: JobDefinition, handler: cst.FunctionDef
    ) -> Iterator[Diagnostic]:
        for decorator in handler.decorators:
            call = decorator.decorator
            if not isinstance(call, cst.Call):
                continue
            if _policy_kind(single_name(parsed, call.func)) is not HandlerKind.RESCUE:
                continue
            broad = next(
                (
                    arg
                    for arg in call.args
                    if arg.keyword is None and single_name(parsed, arg.value) in BROAD_EXCEPTIONS
                ),
                None,
            )
            if broad is None or not swallows(handler.body):
                continue
            name = single_name(parsed, broad.value) or "Exception"
            yield self.diagnostic(
                job.path,
                parsed.span(broad.value),
                f"`{handler.name.value}` rescues every `{_short(name)}` and neither re-raises "
                f"nor calls `self.retry_job()`, so `{job.name}` never fails or retries: every "
                f"`retry_on` it has is dead; end the handler with `raise error` (or "
                f"`self.retry_job()`), or rescue only the exceptions it really handles",
            )


class MixedRetryMechanisms(ModuleRule):
    code = "JOB509"
    name = "mixed-retry-mechanisms"
    summary = "Two retry mechanisms on one job: a declared retry policy and explicit retries."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        for job in module.facts.jobs:
            if job.perform is None:
                continue
            if module.index.framework(job.framework).declared_error_policies:
                yield from self._runtime(module, job, job.perform)
            elif job.framework == "celery":
                yield from self._celery(module, job, job.perform)

    def _runtime(
        self, module: ModuleContext, job: JobDefinition, perform: cst.FunctionDef
    ) -> Iterator[Diagnostic]:
        searched = searched_declarations(module, job)
        retry = next((d for d in searched or () if d.kind is HandlerKind.RETRY), None)
        if retry is None:
            return
        where = (
            "" if retry.declared_in == job.qualified_name else f" on `{_short(retry.declared_in)}`"
        )
        for call in _method_calls(perform, _first_parameter(perform), "retry_job"):
            yield self.diagnostic(
                job.path,
                module.parsed.span(call),
                f"`{job.name}` retries two ways: `{retry.label}`{where} and "
                "`self.retry_job()` in `perform`, which no `attempts` limit bounds and which "
                "bypasses the policy's wait; raise the error and declare a `retry_on` for it "
                "instead",
            )

    def _celery(
        self, module: ModuleContext, job: JobDefinition, perform: cst.FunctionDef
    ) -> Iterator[Diagnostic]:
        options = dict(job.options)
        autoretry = options.get("autoretry_for")
        if autoretry is None or autoretry == ():
            return
        if not job.is_class and options.get("bind") is not True:
            return  # unbound: the first parameter is not the task
        for call in _method_calls(perform, _first_parameter(perform), "retry"):
            yield self.diagnostic(
                job.path,
                module.parsed.span(call),
                f"`{job.name}` retries two ways: `autoretry_for` and this explicit "
                "`retry()`, each with its own countdown and the same `max_retries`; keep one: "
                "add the exception to `autoretry_for` (with `retry_backoff`), or drop "
                "`autoretry_for` and retry explicitly",
            )


def _first_parameter(function: cst.FunctionDef) -> str | None:
    params = function.params.params
    return params[0].name.value if params else None


def _method_calls(function: cst.FunctionDef, receiver: str | None, name: str) -> list[cst.Call]:
    """``receiver.name(...)`` calls in the function's own body (not in nested functions,
    where ``receiver`` may be another object)."""
    if receiver is None:
        return []
    calls: list[cst.Call] = []

    class Finder(OwnCodeVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            if (
                isinstance(func, cst.Attribute)
                and func.attr.value == name
                and isinstance(func.value, cst.Name)
                and func.value.value == receiver
            ):
                calls.append(node)

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return True  # a class body runs where it is defined: part of this code

    walk.walk(function, Finder(function))
    return calls
