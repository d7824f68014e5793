"""JOB206: enqueue arguments that do not fit the job's signature.

A call that enqueues a job is checked by nothing: the framework takes ``*args,
**kwargs`` and the mismatch surfaces in a worker, after the caller has moved on (a
``TypeError`` in the failed-jobs list, retried until the attempts run out). The job's
``perform`` (or task function) is in the project, often in another file, so the call can be
bound against it the way Python would bind it.

Only what is shown is checked: a call whose arguments cannot all be listed (``*args``,
``args=some_list``), a job whose signature a decorator may change, or a framework option
that cannot be read leaves the site silent.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import libcst as cst

from joblint.analysis.context import ModuleContext
from joblint.analysis.model import (
    UNKNOWN,
    EnqueueSite,
    JobDefinition,
    Literal,
    ParameterFact,
    ParameterKind,
    PerformSignature,
)
from joblint.diagnostics import Diagnostic, Span
from joblint.rules.base import ModuleRule

# Decorators a task or ``perform`` may carry without changing what callers pass: the task
# decorators of the frameworks (by their last name, `@app.task`, `@dramatiq.actor`) and a
# few that only wrap the call. Any other decorator may add or remove parameters.
TRANSPARENT_DECORATORS = frozenset(
    {
        "task",
        "shared_task",
        "actor",
        "job",
        "periodic",
        "periodic_task",
        "db_task",
        "db_periodic_task",
        "lock_task",
        "atomic",
    }
)
# Celery's `.s()` builds a partial signature: a chain prepends the previous result, and
# the rest may be given when it is called.
PARTIAL_METHODS = frozenset({"s", "signature", "subtask"})


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: ParameterKind
    required: bool


@dataclass(frozen=True)
class Signature:
    """What a caller of the job must pass: the parameters left once the framework has
    supplied its own, and how the job is shown in messages."""

    job: str  # `SendInvoiceJob`, `send_invoice`
    parameters: tuple[Parameter, ...]
    var_positional: bool
    var_keyword: bool
    text: str  # `SendInvoiceJob.perform(self, invoice_id, *, resend=False)`
    where: str  # `jobs/send_invoice_job.py:7`

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    @property
    def positional(self) -> list[Parameter]:
        return [p for p in self.parameters if p.kind is not ParameterKind.KEYWORD_ONLY]


@dataclass
class Binding:
    """A call bound to a signature, as Python would bind it."""

    # Each argument with the parameter it lands in (None: `*args`/`**kwargs` or nowhere).
    landed: list[tuple[cst.Arg, str | None]] = field(default_factory=list)
    too_many: list[cst.Arg] = field(default_factory=list)
    unknown: list[cst.Arg] = field(default_factory=list)
    positional_only: list[cst.Arg] = field(default_factory=list)
    twice: list[cst.Arg] = field(default_factory=list)
    missing: list[Parameter] = field(default_factory=list)


def target_job(module: ModuleContext, site: EnqueueSite) -> JobDefinition | None:
    """The job a site enqueues, wherever it is defined: by qualified name, or by the
    registered name written at the site when exactly one job has it."""
    if site.target is not None:
        return module.index.jobs.resolve(site.target)
    if site.target_registered_name is not None:
        jobs = module.index.jobs.by_registered_name(site.target_registered_name)
        if len(jobs) == 1:
            return jobs[0]
    return None


def node_span(module: ModuleContext, node: cst.CSTNode, site: EnqueueSite) -> Span:
    """Where ``node`` is written. A frontend that normalises arguments builds new
    ``cst.Arg`` nodes around the values as written (``args=[a]`` becomes ``a``), so an
    argument may have no position of its own: then its value's, else the call's."""
    for candidate in (node, getattr(node, "value", None)):
        if candidate is not None and module.parsed.owns(candidate):
            return module.parsed.span(candidate)
    return site.span


def received_arguments(module: ModuleContext, site: EnqueueSite) -> tuple[cst.Arg, ...]:
    """The site's arguments the job receives: all of them, but for an API that drops
    positional ones (its framework's ``drops_positional``: the job never receives them,
    JOB205 says so, so they are bound, stored and judged as nothing)."""
    if site.method in module.index.framework(site.framework).drops_positional:
        return tuple(arg for arg in site.arguments if arg.keyword is not None or arg.star == "**")
    return site.arguments


def listed_arguments(module: ModuleContext, site: EnqueueSite) -> Sequence[cst.Arg] | None:
    """The arguments the job receives, when every one of them is shown, else None."""
    arguments = received_arguments(module, site)
    if not site.arguments_known or any(arg.star for arg in arguments):
        return None
    return arguments


def job_signature(module: ModuleContext, job: JobDefinition) -> Signature | None:
    """The signature callers of ``job`` must fit, or None when it cannot be shown. Read
    from the job's facts: it is often defined in another module than the site's."""
    function = job.signature
    if function is None or not _transparent(function, module, job):
        return None
    ordered = [
        p
        for p in function.parameters
        if p.kind in (ParameterKind.POSITIONAL_ONLY, ParameterKind.POSITIONAL_OR_KEYWORD)
    ]
    keyword: str | None = None
    if job.is_class:
        if _constructor_overridden(module, job):
            return None  # the arguments go to `__init__`, not to `perform`
        written = {decorator.written for decorator in function.decorators}
        skip = 0 if "staticmethod" in written else 1
    else:
        supplied = _supplied(module, job, ordered)
        if supplied is None:
            return None
        skip, keyword = supplied
    if len(ordered) < skip:
        return None  # the framework's own argument has nowhere to go: not ours to judge
    ordered = ordered[skip:]
    ordered += [p for p in function.parameters if p.kind is ParameterKind.KEYWORD_ONLY]
    parameters = tuple(
        Parameter(p.name, p.kind, p.default is None) for p in ordered if p.name != keyword
    )
    kinds = {p.kind for p in function.parameters}
    owner = f"{job.name}.{function.function}" if job.is_class else job.name
    return Signature(
        job=job.name,
        parameters=parameters,
        var_positional=ParameterKind.VAR_POSITIONAL in kinds,
        var_keyword=ParameterKind.VAR_KEYWORD in kinds,
        text=f"{owner}({render_parameters(function.parameters)})",
        where=_where(module, job, function),
    )


def bind(signature: Signature, arguments: Sequence[cst.Arg], partial: bool = False) -> Binding:
    """Bind ``arguments`` (none of them starred) as Python would; ``partial`` leaves
    missing parameters alone (a signature completed later)."""
    binding = Binding()
    bound: set[str] = set()
    positional = signature.positional
    at = 0
    for arg in arguments:
        if arg.keyword is not None:
            continue
        if at < len(positional):
            bound.add(positional[at].name)
            binding.landed.append((arg, positional[at].name))
        elif signature.var_positional:
            binding.landed.append((arg, None))
        else:
            binding.too_many.append(arg)
        at += 1
    for arg in arguments:
        if arg.keyword is None:
            continue
        name = arg.keyword.value
        parameter = signature.parameter(name)
        if parameter is None or parameter.kind is ParameterKind.POSITIONAL_ONLY:
            if signature.var_keyword:
                binding.landed.append((arg, None))
            elif parameter is None:
                binding.unknown.append(arg)
            else:
                binding.positional_only.append(arg)
        elif name in bound:
            binding.twice.append(arg)
        else:
            bound.add(name)
            binding.landed.append((arg, name))
    if not partial:
        binding.missing = [p for p in signature.parameters if p.required and p.name not in bound]
    return binding


class EnqueueSignatureMismatch(ModuleRule):
    code = "JOB206"
    name = "enqueue-signature-mismatch"
    summary = "Enqueue arguments that do not fit the job's `perform` or task signature."
    checks_tests = False

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        signatures: dict[str, Signature | None] = {}
        for site in module.facts.enqueue_sites:
            arguments = listed_arguments(module, site)
            job = target_job(module, site)
            if arguments is None or job is None:
                continue
            if job.qualified_name not in signatures:
                signatures[job.qualified_name] = job_signature(module, job)
            signature = signatures[job.qualified_name]
            if signature is None:
                continue
            # Positional arguments an API drops are JOB205's to report; the parameters
            # they were meant for are not reported missing a second time.
            dropped = len(arguments) < len(site.arguments)
            partial = site.method in PARTIAL_METHODS or dropped
            binding = bind(signature, arguments, partial=partial)
            yield from self._findings(module, site, signature, binding)

    def _findings(
        self, module: ModuleContext, site: EnqueueSite, signature: Signature, binding: Binding
    ) -> Iterator[Diagnostic]:
        shown = f"its signature is `{signature.text}` ({signature.where})"

        def span(node: cst.CSTNode) -> Span:
            return node_span(module, node, site)

        if binding.missing:
            names = ", ".join(f"`{p.name}`" for p in binding.missing)
            noun = "argument" if len(binding.missing) == 1 else "arguments"
            yield self.diagnostic(
                site.path,
                site.span,
                f"`{signature.job}` is enqueued without its required {noun} {names}; {shown}",
            )
        if binding.too_many:
            accepted = len(signature.positional)
            given = accepted + len(binding.too_many)
            yield self.diagnostic(
                site.path,
                _covering(span(binding.too_many[0]), span(binding.too_many[-1])),
                f"`{signature.job}` takes {accepted} positional "
                f"argument{'' if accepted == 1 else 's'} but is given {given}; {shown}",
            )
        for arg in binding.unknown:
            assert arg.keyword is not None
            name = arg.keyword.value
            close = difflib.get_close_matches(name, [p.name for p in signature.parameters], n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            yield self.diagnostic(
                site.path,
                span(arg),
                f"`{signature.job}` has no parameter `{name}`{hint}; {shown}",
            )
        for arg in binding.positional_only:
            assert arg.keyword is not None
            yield self.diagnostic(
                site.path,
                span(arg),
                f"`{arg.keyword.value}` is positional-only in `{signature.job}`: pass it by "
                f"position; {shown}",
            )
        for arg in binding.twice:
            assert arg.keyword is not None
            yield self.diagnostic(
                site.path,
                span(arg),
                f"`{signature.job}` is given `{arg.keyword.value}` twice, by position and by "
                f"keyword; {shown}",
            )


def render_parameters(parameters: Sequence[ParameterFact]) -> str:
    """The parameters as a reader wants them in a message: names, stars and defaults,
    without annotations, on one line."""

    def of(kind: ParameterKind) -> list[str]:
        shown = []
        for param in parameters:
            if param.kind is kind:
                text = _STARS.get(kind, "") + param.name
                if param.default is not None:
                    text += "=" + (param.default if len(param.default) <= 20 else "...")
                shown.append(text)
        return shown

    parts = of(ParameterKind.POSITIONAL_ONLY)
    if parts:
        parts.append("/")
    parts += of(ParameterKind.POSITIONAL_OR_KEYWORD)
    var_positional = of(ParameterKind.VAR_POSITIONAL)
    keyword_only = of(ParameterKind.KEYWORD_ONLY)
    parts += var_positional or (["*"] if keyword_only else [])
    parts += keyword_only + of(ParameterKind.VAR_KEYWORD)
    return ", ".join(parts)


_STARS = {ParameterKind.VAR_POSITIONAL: "*", ParameterKind.VAR_KEYWORD: "**"}


def _supplied(
    module: ModuleContext, job: JobDefinition, ordered: list[ParameterFact]
) -> tuple[int, str | None] | None:
    """How many leading parameters, and which keyword, the framework fills in itself;
    None when the option deciding it cannot be read."""
    supplied = module.index.framework(job.framework).supplied_arguments
    if supplied is None:
        return 0, None
    if supplied.option is None:
        return supplied.leading, supplied.keyword
    value = _option(job, supplied.option)
    if value is True:
        return supplied.leading, supplied.keyword
    if value is UNKNOWN:
        return None
    if value is None and ordered and ordered[0].name in supplied.names:
        return None  # named like the framework's argument: the option may be set elsewhere
    return 0, None


def _option(job: JobDefinition, name: str) -> Literal:
    """The option's literal value; None when the job does not set it."""
    found: Literal = None
    for key, value in job.options:
        if key == name:
            found = value
    return found


def _transparent(function: PerformSignature, module: ModuleContext, job: JobDefinition) -> bool:
    """Whether every decorator leaves the parameters callers pass as they are."""
    allowed = set(TRANSPARENT_DECORATORS)
    allowed |= {name.rsplit(".", 1)[-1] for name in module.index.task_decorators}
    if job.is_class:
        allowed = {"staticmethod", "classmethod", "atomic"}
    return all(
        {decorator.written, decorator.imported} & allowed for decorator in function.decorators
    )


def _constructor_overridden(module: ModuleContext, job: JobDefinition) -> bool:
    return any(
        {"__init__", "__new__"} & info.method_names
        for info in module.index.project_ancestors(job.qualified_name)
    )


def _where(module: ModuleContext, job: JobDefinition, function: PerformSignature) -> str:
    try:
        shown = job.path.relative_to(module.settings.project_root)
    except ValueError:
        shown = job.path
    return f"{shown.as_posix()}:{function.name_span.start.line}"


def _covering(first: Span, last: Span) -> Span:
    return Span(first.start, last.end)
