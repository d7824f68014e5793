"""JOB201, JOB202: pass IDs, not objects.

An ORM instance handed to a job is serialized as a snapshot (or not at all), races with
the database between enqueue and perform, and bloats the message; a queryset is worse. The
convention every job guide states first is to pass the ID and load the record in the job.
Evidence comes from ``joblint.analysis.orm``: only what the code proves is flagged. Both rules read
only sites that enqueue: a job function called directly runs in the caller, and its
arguments are never serialized.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from joblint.analysis.context import ModuleContext
from joblint.analysis.model import EnqueueSite, JobDefinition, ParameterKind
from joblint.analysis.model_signals import DELETE_SIGNALS, received_signals
from joblint.analysis.orm import Evidence, Prover
from joblint.diagnostics import Applicability, Diagnostic, Fix
from joblint.fix.fixes import replace_expression
from joblint.rules.base import FixAvailability, ModuleRule
from joblint.rules.serialization import Serializer, serializer_for
from joblint.rules.signatures import target_job


def _parameter_for(job: JobDefinition | None, site: EnqueueSite, arg: cst.Arg) -> str | None:
    """The name of the job's parameter ``arg`` lands in, when the signature shows it."""
    signature = job.signature if job is not None else None
    if signature is None or site.method == "s":
        return None
    params = [p for p in signature.parameters if p.kind is ParameterKind.POSITIONAL_OR_KEYWORD]
    if params and params[0].name in ("self", "cls", "ctx", "context"):
        params = params[1:]
    if arg.keyword is not None:
        return arg.keyword.value
    positional = [a for a in site.arguments if a.keyword is None and not a.star]
    index = next((i for i, a in enumerate(positional) if a is arg), None)
    if index is None or index >= len(params):
        return None
    return params[index].name


def _described(module: ModuleContext, node: cst.BaseExpression) -> str:
    text = module.parsed.module.code_for_node(node)
    return text if len(text) <= 40 else text[:37] + "..."


class ModelInstanceArgument(ModuleRule):
    code = "JOB201"
    name = "model-instance-argument"
    summary = "An ORM model instance passed to a job; pass its ID."
    fix_availability = FixAvailability.SOMETIMES
    codemod = "PassModelIds"
    codemod_description = "pass `order.id` instead of the model instance (unsafe)."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        if module.settings.allow_model_arguments:
            return
        prover = Prover(module)
        for site in module.facts.enqueue_sites:
            if site.synchronous:
                continue  # run in the caller: nothing is serialized
            job = module.index.jobs.resolve(site.target) if site.target else None
            deleted = _being_deleted(module, site)
            for arg in site.arguments:
                if arg.star:
                    continue
                if isinstance(arg.value, cst.Name) and arg.value.value in deleted:
                    continue
                evidence = prover.instance(arg.value)
                if evidence is not None:
                    yield self._finding(module, site, job, arg, evidence)

    def _finding(
        self,
        module: ModuleContext,
        site: EnqueueSite,
        job: JobDefinition | None,
        arg: cst.Arg,
        evidence: Evidence,
    ) -> Diagnostic:
        text = _described(module, arg.value)
        attribute = evidence.model.id_attribute
        simple = isinstance(arg.value, cst.Name | cst.Attribute)
        why = f" ({evidence.how})" if simple else ""
        what = f"`{text}.{attribute}`" if simple else f"its `{attribute}`"
        message = (
            f"`{text}` is an instance of `{evidence.model.name}`{why}; "
            f"pass {what} and load the record in the job"
        )
        span = module.parsed.span(arg.value)
        fix = None
        parameter = _parameter_for(job, site, arg)
        if (
            parameter
            and parameter.endswith(("_id", "_pk"))
            and simple
            and not _used_as_a_record(job, parameter)
        ):
            fix = Fix(
                message=f"Pass `{text}.{attribute}` (unsafe: the job receives an ID)",
                applicability=Applicability.UNSAFE,
                transform=replace_expression(span, text, f"{text}.{attribute}"),
            )
        return self.diagnostic(site.path, span, message, fix=fix)


def _being_deleted(module: ModuleContext, site: EnqueueSite) -> frozenset[str]:
    """The names that hold a record being deleted where the site enqueues: the instance
    a ``pre_delete``/``post_delete`` handler receives, ``self`` in a ``delete()`` method.
    By the time the job runs its row is gone, so there is no ID to load it by: the
    instance, or the values the job needs, is what must travel."""
    parsed = module.parsed
    function = next(
        (node for node in parsed.ancestors(site.node) if isinstance(node, cst.FunctionDef)),
        None,
    )
    if function is None:
        return frozenset()
    if function.name.value == "delete":
        return frozenset({"self"})
    if not received_signals(parsed, function, module.index) & DELETE_SIGNALS:
        return frozenset()
    params = [*function.params.params, *function.params.kwonly_params]
    return frozenset(param.name.value for param in params if param.name.value == "instance")


# Annotations a parameter that receives an ID may carry.
ID_ANNOTATIONS = frozenset({"int", "str", "UUID", "uuid.UUID", "Any", "object"})


def _used_as_a_record(job: JobDefinition | None, parameter: str) -> bool:
    """Whether the job's body treats the parameter as the record despite its name
    (``order_id.total``, ``order_id: Order``): passing the ID would break the job, so the
    fix is not offered. Unknown bodies count as records. The job is often defined in
    another module: its signature's facts say it, not its tree."""
    signature = job.signature if job is not None else None
    if signature is None:
        return True
    annotations = [
        param.annotation
        for param in signature.parameters
        if param.kind in _NAMED_KINDS and param.name == parameter and param.annotation
    ]
    if any(written.strip("'\"") not in ID_ANNOTATIONS for written in annotations):
        return True
    return parameter in signature.attribute_owners


_NAMED_KINDS = frozenset(
    {ParameterKind.POSITIONAL_ONLY, ParameterKind.POSITIONAL_OR_KEYWORD, ParameterKind.KEYWORD_ONLY}
)


class QuerysetArgument(ModuleRule):
    """A query handed to a job that runs later, elsewhere. What goes wrong depends on the
    serializer, so the message names it: JSON cannot encode a query; pickle carries one,
    as the rows it held at enqueue (a Django queryset is evaluated to pickle it) or as a
    query the job runs again against whatever the tables hold by then. A job run in the
    caller (``EnqueueSite.synchronous``) gets the query itself, as any function would."""

    code = "JOB202"
    name = "queryset-argument"
    summary = "A queryset or query object passed to a job; pass IDs or filter values."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        prover = Prover(module)
        for site in module.facts.enqueue_sites:
            if site.synchronous:
                continue  # run in the caller: nothing is serialized
            queries = [
                (arg, evidence)
                for arg in site.arguments
                if not arg.star and (evidence := prover.queryset(arg.value)) is not None
            ]
            if not queries:
                continue
            gets = _what_the_job_gets(serializer_for(site, target_job(module, site), module.index))
            for arg, evidence in queries:
                text = _described(module, arg.value)
                why = f" ({evidence.how})" if isinstance(arg.value, cst.Name) else ""
                yield self.diagnostic(
                    site.path,
                    module.parsed.span(arg.value),
                    f"`{text}` is a query of `{evidence.model.name}`{why}; {gets}: pass a "
                    'list of IDs (`list(....values_list("pk", flat=True))`) or the filter '
                    "values",
                )


def _what_the_job_gets(serializer: Serializer | None) -> str:
    """What becomes of a query on its way to the job. The table's serializers that are
    not JSON are all pickle."""
    if serializer is None:
        return (
            "a query is not data: it fails to encode, or reaches the job as rows frozen at "
            "enqueue time or as a query re-run against other data"
        )
    if serializer.json:
        return f"{serializer.name} cannot encode a query"
    return (
        f"{serializer.name} carries it as rows frozen at enqueue time, or as a query "
        "re-run against other data in the job"
    )
