"""Frontend for joblint's own runtime (``joblint.runtime``), ActiveJob's shape in Python.

A job is a class whose bases reach ``joblint.runtime.Job``, directly or through project
classes defined anywhere in the checked tree (``ApplicationJob`` in one module, the jobs in
others): the cross-file index decides that, this module only reports each class's resolved
bases. Enqueue sites are ``X.perform_later(...)``, ``X.set(...).perform_later(...)``,
``X.perform_now(...)`` and ``perform_all_later([X(...), ...])`` where ``X`` resolves to a
job class; anything that cannot be shown to be one is left out.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import libcst as cst
import libcst.matchers as m

from joblint.model import (
    NO_QUEUE,
    ClassInfo,
    EnqueueSite,
    JobDefinition,
    ModuleFacts,
    QueueDeclaration,
    QueueKind,
)

if TYPE_CHECKING:
    from joblint.index import ProjectIndex
    from joblint.parsing import ParsedModule

FRAMEWORK = "runtime"
RUNTIME_PACKAGE = "joblint.runtime"
JOB_BASE = "joblint.runtime.Job"
NEEDLES: tuple[bytes, ...] = (b"joblint",)

ENQUEUE_METHODS = frozenset({"perform_later", "perform_now"})
BULK_ENQUEUE = "perform_all_later"

# Names that mark a class as a base for other jobs rather than a job itself.
ABSTRACT_PREFIXES = ("Base", "Abstract")
ABSTRACT_SUFFIXES = ("Base", "Mixin")


def is_runtime_job_base(qualified_name: str) -> bool:
    """``joblint.runtime.Job`` however the runtime re-exports it (``joblint.runtime.job.Job``)."""
    return qualified_name == JOB_BASE or (
        qualified_name.startswith(RUNTIME_PACKAGE + ".") and qualified_name.endswith(".Job")
    )


class _ClassCollector(cst.CSTVisitor):
    def __init__(self, parsed: ParsedModule) -> None:
        self.parsed = parsed
        self.classes: list[ClassInfo] = []
        self._function_depth = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._function_depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._function_depth -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        qualified = sorted(self.parsed.names_of(node))
        if not qualified:
            return
        base_names = tuple(_single_name(self.parsed, base.value) or "" for base in node.bases)
        self.classes.append(
            ClassInfo(
                name=node.name.value,
                qualified_name=qualified[0],
                base_names=base_names,
                path=self.parsed.path,
                module_name=self.parsed.module_name,
                name_span=self.parsed.span(node.name),
                defines_perform=_method(node, "perform") is not None,
                marked_abstract=_marked_abstract(node),
                nested_in_function=self._function_depth > 0,
            )
        )


def collect_classes(parsed: ParsedModule) -> list[ClassInfo]:
    collector = _ClassCollector(parsed)
    parsed.module.visit(collector)
    return collector.classes


def _single_name(parsed: ParsedModule, node: cst.CSTNode) -> str | None:
    """The one qualified name ``node`` refers to, or None when it is ambiguous or unknown
    (a name bound differently on two branches proves nothing)."""
    names = parsed.names_of(node)
    return next(iter(names)) if len(names) == 1 else None


def _method(node: cst.ClassDef, name: str) -> cst.FunctionDef | None:
    for statement in node.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
            return statement
    return None


def _class_assignment(node: cst.ClassDef, name: str) -> cst.BaseExpression | None:
    for statement in node.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    if m.matches(target.target, m.Name(name)):
                        return small.value
            elif (
                isinstance(small, cst.AnnAssign)
                and small.value is not None
                and m.matches(small.target, m.Name(name))
            ):
                return small.value
    return None


def _marked_abstract(node: cst.ClassDef) -> bool:
    value = _class_assignment(node, "abstract")
    return isinstance(value, cst.Name) and value.value == "True"


def is_abstract_name(name: str) -> bool:
    bare = name.lstrip("_")
    return bare.startswith(ABSTRACT_PREFIXES) or bare.endswith(ABSTRACT_SUFFIXES)


class _Recogniser(cst.CSTVisitor):
    def __init__(self, parsed: ParsedModule, index: ProjectIndex) -> None:
        self.parsed = parsed
        self.index = index
        self.jobs: list[JobDefinition] = []
        self.sites: list[EnqueueSite] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        qualified = sorted(self.parsed.names_of(node))
        if not qualified or not self.index.is_job_class(qualified[0]):
            return
        info = self.index.classes[qualified[0]]
        self.jobs.append(
            JobDefinition(
                framework=FRAMEWORK,
                name=info.name,
                qualified_name=info.qualified_name,
                path=self.parsed.path,
                module_name=self.parsed.module_name,
                name_span=self.parsed.span(node.name),
                node=node,
                is_class=True,
                base_names=info.base_names,
                base_spans=tuple(self.parsed.span(base.value) for base in node.bases),
                queue=_queue_declaration(self.parsed, node),
                perform=_method(node, "perform"),
                is_abstract=self.index.is_abstract_job(info.qualified_name),
            )
        )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            if _single_name(self.parsed, func) == RUNTIME_PACKAGE + "." + BULK_ENQUEUE:
                self.sites.extend(self._bulk_sites(node))
            return
        method = func.attr.value
        if method not in ENQUEUE_METHODS:
            return
        receiver = func.value
        options: Sequence[cst.Arg] = ()
        if m.matches(receiver, m.Call(func=m.Attribute(attr=m.Name("set")))):
            assert isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute)
            options = receiver.args
            receiver = receiver.func.value
        target = self._job_named_by(receiver)
        if target is None:
            return
        self.sites.append(
            EnqueueSite(
                framework=FRAMEWORK,
                method=method,
                path=self.parsed.path,
                span=self.parsed.span(node),
                node=node,
                target=target,
                arguments=tuple(node.args),
                options=tuple(
                    (arg.keyword.value, arg.value) for arg in options if arg.keyword is not None
                ),
            )
        )

    def _bulk_sites(self, node: cst.Call) -> Iterator[EnqueueSite]:
        if not node.args or not isinstance(node.args[0].value, cst.List | cst.Tuple):
            return
        elements = node.args[0].value.elements
        for element in elements:
            value = element.value
            if not isinstance(value, cst.Call):
                continue
            target = self._job_named_by(value.func)
            if target is not None:
                yield EnqueueSite(
                    framework=FRAMEWORK,
                    method=BULK_ENQUEUE,
                    path=self.parsed.path,
                    span=self.parsed.span(value),
                    node=value,
                    target=target,
                    arguments=tuple(value.args),
                )

    def _job_named_by(self, expression: cst.BaseExpression) -> str | None:
        name = _single_name(self.parsed, expression)
        if name is None:
            return None
        resolved = self.index.resolve_class(name)
        if resolved is None or not self.index.is_job_class(resolved.qualified_name):
            return None
        return resolved.qualified_name


def _queue_declaration(parsed: ParsedModule, node: cst.ClassDef) -> QueueDeclaration:
    method = _method(node, "queue_as")
    if method is not None:
        return QueueDeclaration(QueueKind.DYNAMIC, None, parsed.span(method.name))
    value = _class_assignment(node, "queue_as")
    if value is None:
        return NO_QUEUE
    if isinstance(value, cst.SimpleString) and isinstance(value.evaluated_value, str):
        return QueueDeclaration(QueueKind.STATIC, value.evaluated_value, parsed.span(value))
    return QueueDeclaration(QueueKind.DYNAMIC, None, parsed.span(value))


def recognise(parsed: ParsedModule, index: ProjectIndex) -> ModuleFacts:
    recogniser = _Recogniser(parsed, index)
    parsed.module.visit(recogniser)
    return ModuleFacts(jobs=tuple(recogniser.jobs), enqueue_sites=tuple(recogniser.sites))
