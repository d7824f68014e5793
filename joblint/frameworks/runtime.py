"""Frontend for joblint's own runtime (``joblint.runtime``), ActiveJob's shape in Python.

A job is a class whose bases reach ``joblint.runtime.Job``, directly or through project
classes defined anywhere in the checked tree (``ApplicationJob`` in one module, the jobs in
others): the cross-file index decides that. Enqueue sites are ``X.perform_later(...)``,
``X.set(...).perform_later(...)``, ``X.perform_now(...)`` and
``perform_all_later([X(...), ...])`` where ``X`` resolves to a job class; anything that
cannot be shown to be one is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import libcst as cst

from joblint.analysis.frameworks import (
    DelayConflict,
    DelayForm,
    Encoding,
    FrameworkDescription,
    MomentOption,
    PriorityRange,
    SerializerDescription,
    SynchronousCall,
)
from joblint.analysis.model import (
    NO_QUEUE,
    EnqueueSite,
    JobDefinition,
    Literal,
    QueueDeclaration,
    QueueKind,
)
from joblint.analysis.own_code import OwnCodeVisitor
from joblint.analysis.runtime_api import RUNTIME_PACKAGE
from joblint.analysis.symbols import class_attribute, literal, method, single_name
from joblint.parse import walk

if TYPE_CHECKING:
    from joblint.analysis.index import ProjectIndex
    from joblint.parse.parsing import ParsedModule

FRAMEWORK = "runtime"
NEEDLES: tuple[bytes, ...] = (b"joblint",)
WORDS: tuple[bytes, ...] = ()

DESCRIPTION = FrameworkDescription(
    name=FRAMEWORK,
    display_name="joblint's runtime",
    queue_declaration="`queue_as = ...`",
    queue_attribute="queue_as",
    queue_options=frozenset({"queue"}),
    queue_name_pattern=r"(?s).+",
    queue_name_problem="the runtime refuses an empty queue name at enqueue (`EnqueueError`)",
    workers_read_queue_config=True,
    adapter_attribute="queue_adapter",
    # Stored in an SQLite INTEGER column and ordered by it (lower runs first).
    priority=PriorityRange(-(2**63), 2**63 - 1, "the runtime stores it as a 64-bit integer"),
    moment_options=(
        MomentOption("wait_until", relative="wait", relative_form=DelayForm.TIMEDELTA),
    ),
    naive_moment_outcome="the runtime refuses it at enqueue (`EnqueueError`)",
    delay_conflict=DelayConflict(
        "wait", "wait_until", "the runtime refuses the enqueue (`EnqueueError`)"
    ),
    # joblint.runtime.serialization: JSON plus tagged aware datetimes, dates, timedeltas,
    # Decimals and UUIDs, and records by global id.
    serializers=(
        SerializerDescription(
            "json",
            "joblint's runtime",
            Encoding.TAGGED_JSON,
            object_hooks=frozenset({"to_global_id"}),
            hook_bases=("joblint.runtime.",),
        ),
    ),
    default_serializer="json",
    job_class_conventions=True,
    delivers_at_least_once=True,
    declared_error_policies=True,
    unique_modes=("until_executed", "while_executing"),
    discard_declaration="discard_on",
    bulk_enqueue="`perform_all_later([Job(...), ...])`",
    bulk_enqueue_takes_options=False,
    synchronous_calls=(SynchronousCall("perform_now", "perform_later"),),
)

ENQUEUE_METHODS = frozenset({"perform_later", "perform_now"})
BULK_ENQUEUE = "perform_all_later"

# Names that mark a class as a base for other jobs rather than a job itself.
ABSTRACT_PREFIXES = ("Base", "Abstract")
ABSTRACT_SUFFIXES = ("Base", "Mixin")


def is_abstract_name(name: str) -> bool:
    bare = name.lstrip("_")
    return bare.startswith(ABSTRACT_PREFIXES) or bare.endswith(ABSTRACT_SUFFIXES)


def is_abstract_job(index: ProjectIndex, qualified_name: str) -> bool:
    """A base for other jobs, never enqueued itself: the project's base job, a class
    marked ``abstract = True`` or named like a base (``BaseImportJob``, ``NotifyMixin``),
    or one with no ``perform`` of its own or inherited from a project class. Such classes
    are left alone by the naming and layout rules."""
    info = index.classes.get(qualified_name)
    if info is None:
        return True
    if qualified_name == index.base_job or info.marked_abstract or is_abstract_name(info.name):
        return True
    return not any(a.defines_perform for a in index.project_ancestors(qualified_name))


def export(parsed: ParsedModule) -> object | None:
    """Nothing: this frontend learns of other modules from the index's symbols and
    jobs alone."""
    return None


def learned_needles(index: ProjectIndex) -> Iterable[bytes]:
    """Job class names: a file that subclasses or enqueues a job must mention one."""
    return (info.name.encode() for info in index.job_classes())


class _Definitions(cst.CSTVisitor):
    def __init__(self, parsed: ParsedModule, index: ProjectIndex) -> None:
        self.parsed = parsed
        self.index = index
        self.jobs: list[JobDefinition] = []

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
                name_span=self.parsed.recorded_span(node.name),
                node=node,
                is_class=True,
                base_names=info.base_names,
                base_spans=tuple(self.parsed.span(base.value) for base in node.bases),
                queue=_queue_declaration(self.parsed, node),
                perform=method(node, "perform"),
                is_abstract=is_abstract_job(self.index, info.qualified_name),
                registered_name=info.qualified_name,
                options=_options(node),
            )
        )


def define_jobs(parsed: ParsedModule, index: ProjectIndex) -> list[JobDefinition]:
    visitor = _Definitions(parsed, index)
    for node in parsed.definitions:  # its only callback, in a walk's order
        if isinstance(node, cst.ClassDef):
            visitor.visit_ClassDef(node)
    return visitor.jobs


class _EnqueueSites(cst.CSTVisitor):
    def __init__(self, parsed: ParsedModule, index: ProjectIndex) -> None:
        self.parsed = parsed
        self.index = index
        self.sites: list[EnqueueSite] = []

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            if single_name(self.parsed, func) == RUNTIME_PACKAGE + "." + BULK_ENQUEUE:
                self.sites.extend(self._bulk_sites(node))
            return
        method_name = func.attr.value
        if method_name not in ENQUEUE_METHODS:
            return
        receiver = func.value
        options: Sequence[cst.Arg] = ()
        if (
            isinstance(receiver, cst.Call)
            and isinstance(receiver.func, cst.Attribute)
            and receiver.func.attr.value == "set"
        ):
            options = receiver.args
            receiver = receiver.func.value
        target = self._job_named_by(receiver)
        if target is None:
            return
        self.sites.append(
            EnqueueSite(
                framework=FRAMEWORK,
                method=method_name,
                path=self.parsed.path,
                span=self.parsed.span(node),
                node=node,
                target=target,
                arguments=tuple(node.args),
                options=tuple(
                    (arg.keyword.value, arg.value) for arg in options if arg.keyword is not None
                ),
                synchronous=method_name == "perform_now",
            )
        )

    def _bulk_sites(self, node: cst.Call) -> Iterator[EnqueueSite]:
        if not node.args or not isinstance(node.args[0].value, cst.List | cst.Tuple):
            return
        for element in node.args[0].value.elements:
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
        name = single_name(self.parsed, expression)
        if name is None:
            return None
        job = self.index.jobs.resolve(name)
        if job is None or job.framework != FRAMEWORK:
            return None
        return job.qualified_name


def find_enqueue_sites(parsed: ParsedModule, index: ProjectIndex) -> list[EnqueueSite]:
    visitor = _EnqueueSites(parsed, index)
    for call in parsed.calls:  # its only callback: the module's calls, as a walk meets them
        visitor.visit_Call(call)
    return visitor.sites


JOB_OPTIONS = ("priority", "queue_adapter", "unique")


def _options(node: cst.ClassDef) -> tuple[tuple[str, Literal], ...]:
    """The class settings the runtime reads, as literals, where the class body sets them."""
    found: list[tuple[str, Literal]] = []
    for name in JOB_OPTIONS:
        value = class_attribute(node, name)
        if value is not None:
            found.append((name, literal(value)))
    return tuple(found)


def _returned_strings(function: cst.FunctionDef) -> list[cst.SimpleString]:
    """The string literals ``function`` returns (``return "low"``, ``return "a" if x else
    "b"``), not those of functions nested in it."""

    class Returns(OwnCodeVisitor):
        def __init__(self) -> None:
            super().__init__(function)
            self.found: list[cst.SimpleString] = []

        def visit_Return(self, node: cst.Return) -> None:
            pending = [node.value]
            while pending:
                value = pending.pop()
                if isinstance(value, cst.SimpleString):
                    self.found.append(value)
                elif isinstance(value, cst.IfExp):
                    pending.extend((value.body, value.orelse))

    visitor = Returns()
    walk.walk(function, visitor)
    return visitor.found


def _queue_declaration(parsed: ParsedModule, node: cst.ClassDef) -> QueueDeclaration:
    queue_method = method(node, "queue_as")
    if queue_method is not None:
        returned = tuple(
            (literal.evaluated_value, parsed.span(literal))
            for literal in _returned_strings(queue_method)
            if isinstance(literal.evaluated_value, str)
        )
        return QueueDeclaration(QueueKind.DYNAMIC, None, parsed.span(queue_method.name), returned)
    value = class_attribute(node, "queue_as")
    if value is None:
        return NO_QUEUE
    if isinstance(value, cst.SimpleString) and isinstance(value.evaluated_value, str):
        return QueueDeclaration(QueueKind.STATIC, value.evaluated_value, parsed.span(value))
    return QueueDeclaration(QueueKind.DYNAMIC, None, parsed.span(value))
