"""JOB205: positional arguments to Procrastinate's ``defer``.

Procrastinate passes a task its arguments by keyword only: ``Task.defer(*_, **kwargs)``
collects positional arguments in ``_`` and drops them, so ``send_email.defer(user_id)``
queues a job with no ``user_id`` that fails (or worse, runs with a default) in the worker;
a deferrer from ``configure(...)`` raises ``TypeError`` instead. Type checkers catch it only
where the task's ``ParamSpec`` survives, which project wrappers often lose.

The fix names each positional argument after the parameter it was meant for, which needs
the task's signature (in any file): it is then safe, since it makes the call do what it
says. Without the signature there is no fix, and the message says so.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from joblint.analysis.context import ModuleContext
from joblint.analysis.model import EnqueueSite, ParameterKind
from joblint.diagnostics import Applicability, Diagnostic, Fix
from joblint.fix.fixes import name_arguments
from joblint.rules.base import FixAvailability, ModuleRule
from joblint.rules.signatures import job_signature, target_job


class DeferPositionalArguments(ModuleRule):
    code = "JOB205"
    name = "defer-positional-arguments"
    summary = "Positional arguments to Procrastinate's `defer()`, which drops them."
    fix_availability = FixAvailability.SOMETIMES
    codemod = "PassDeferArgumentsByKeyword"
    codemod_description = "pass Procrastinate defer() arguments by keyword."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        for site in module.facts.enqueue_sites:
            framework = module.index.framework(site.framework)
            if site.method not in framework.keyword_only_enqueue:
                continue
            call = site.node
            func = call.func
            if not (isinstance(func, cst.Attribute) and func.attr.value == site.method):
                continue  # `partial(task.defer, ...)`: the call written is not `defer`
            positional = [
                (i, arg) for i, arg in enumerate(call.args) if arg.keyword is None and not arg.star
            ]
            if not positional:
                continue
            names = self._parameter_names(module, site, len(positional))
            first = positional[0][1]
            written = ", ".join(module.parsed.module.code_for_node(a.value) for _, a in positional)
            if names is None:
                advice = "pass each one by keyword (`defer(name=value)`)"
                fix = None
            else:
                named = ", ".join(
                    f"{name}={code}" for name, code in _pairs(module, positional, names)
                )
                advice = f"pass them by keyword: `{named}`"
                fix = Fix(
                    message="Pass the arguments by keyword",
                    applicability=Applicability.SAFE,
                    transform=name_arguments(
                        module.parsed.span(call),
                        module.parsed.module.code_for_node(call),
                        {i: name for (i, _), name in zip(positional, names, strict=True)},
                    ),
                )
            noun = "argument" if len(positional) == 1 else "arguments"
            yield self.diagnostic(
                site.path,
                module.parsed.span(first),
                f"Procrastinate's `{site.method}` takes keyword arguments only: the positional "
                f"{noun} `{written}` never reach the task; {advice}",
                fix=fix,
            )

    @staticmethod
    def _parameter_names(module: ModuleContext, site: EnqueueSite, count: int) -> list[str] | None:
        """The task parameters the positional arguments were written for, in order, when
        the signature shows them all and none is also passed by keyword (here, or preset
        by ``configure(task_kwargs=...)``)."""
        job = target_job(module, site)
        signature = job_signature(module, job) if job is not None else None
        if signature is None:
            return None
        usable = [p for p in signature.parameters if p.kind is ParameterKind.POSITIONAL_OR_KEYWORD]
        leading = [p for p in signature.parameters if p.kind is not ParameterKind.KEYWORD_ONLY]
        if usable != leading or count > len(usable):
            return None  # positional-only parameters, or more arguments than names
        names = [p.name for p in usable[:count]]
        given = {arg.keyword.value for arg in site.arguments if arg.keyword is not None}
        return None if given & set(names) else names


def _pairs(
    module: ModuleContext, positional: list[tuple[int, cst.Arg]], names: list[str]
) -> Iterator[tuple[str, str]]:
    for (_, arg), name in zip(positional, names, strict=True):
        yield name, module.parsed.module.code_for_node(arg.value)
