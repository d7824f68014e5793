"""JOB207: a secret passed to a job.

Job arguments are data at rest: they sit in plain text in the broker or the jobs table,
are copied into retries and dead-letter queues, and show up in dashboards, logs and error
reports. A password or an API token handed to a job leaks to everyone who can read any of
those. The job should receive something it can look the secret up by.

The evidence is a name: the keyword the argument is passed as, the job's parameter it
lands in, or the variable, attribute or key it is read from. Names are matched as words
(``reset_token``, ``accessToken``, ``STRIPE_API_KEY``); an ID (``token_id``) or a flag
(``has_token``) is never a secret. Personal data is opt-in, through the patterns of
``sensitive-argument-names``, which replace the built-in ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

import libcst as cst

from joblint.analysis.context import ModuleContext
from joblint.analysis.model import EnqueueSite
from joblint.analysis.symbols import literal
from joblint.analysis.words import snake_case
from joblint.diagnostics import Diagnostic
from joblint.rules.base import ModuleRule
from joblint.rules.signatures import (
    bind,
    job_signature,
    listed_arguments,
    node_span,
    received_arguments,
    target_job,
)

# Matched (``re.search``) against a name in snake_case: the last word names what it holds
# (a page token is a cursor, not a credential).
BUILTIN_SENSITIVE_NAMES: tuple[str, ...] = (
    r"(?:^|_)(?:password|passwd|passphrase|secret|apikey|credentials?|otp)$",
    r"(?:^|(?<!page)_)token$",
    r"(?:^|_)(?:api|private|access|secret|signing)_key$",
)
# Never secrets, whatever the patterns: an identifier of a secret (`token_id`), and a
# flag about one (`has_token`, `is_secret`).
NOT_SECRET = re.compile(r"(?:^|_)(?:id|ids|pk|pks)$|^(?:has|is|needs|should|uses?|requires?)_")
# A parameter that receives an identifier: whatever the value is read from
# (`token_id=exporter.token`, a unique export token), the job looks a record up by it.
_IDENTIFIER = re.compile(r"(?:^|_)(?:id|ids|pk|pks)$")


def normalized(name: str) -> str:
    """``accessToken`` -> ``access_token``; ``STRIPE_API_KEY`` -> ``stripe_api_key``."""
    return re.sub(r"_+", "_", snake_case(name)).strip("_")


class SensitiveArgument(ModuleRule):
    code = "JOB207"
    name = "sensitive-argument"
    summary = "An argument named like a secret (password, token, API key) passed to a job."

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        configured = module.settings.sensitive_argument_names
        patterns = [
            re.compile(pattern)
            for pattern in (BUILTIN_SENSITIVE_NAMES if configured is None else configured)
        ]
        if not patterns:
            return

        def sensitive(name: str) -> bool:
            words = normalized(name)
            return not NOT_SECRET.search(words) and any(p.search(words) for p in patterns)

        for site in module.facts.enqueue_sites:
            if site.synchronous:
                continue  # run in the caller: nothing is stored
            parameters = self._parameters(module, site)
            for arg in received_arguments(module, site):
                if arg.star or not _may_hold_secret(arg.value):
                    continue
                label = self._label(module, arg, parameters.get(id(arg)), sensitive)
                if label is None:
                    continue
                yield self.diagnostic(
                    site.path,
                    node_span(module, arg, site),
                    f"{label} is named like a secret; job arguments are stored in plain text "
                    "in the queue and show up in logs and dashboards: pass something the job "
                    "can look it up by (an ID, a settings key) instead",
                )

    @staticmethod
    def _parameters(module: ModuleContext, site: EnqueueSite) -> dict[int, str]:
        """The job's parameter each positional argument lands in, when the job's
        signature shows it."""
        arguments: Sequence[cst.Arg] | None = listed_arguments(module, site)
        job = target_job(module, site)
        if arguments is None or job is None:
            return {}
        signature = job_signature(module, job)
        if signature is None:
            return {}
        binding = bind(signature, arguments, partial=True)
        return {id(arg): name for arg, name in binding.landed if name is not None}

    @staticmethod
    def _label(
        module: ModuleContext, arg: cst.Arg, parameter: str | None, sensitive: Callable[[str], bool]
    ) -> str | None:
        text = _code(module, arg.value)
        receiving = arg.keyword.value if arg.keyword is not None else parameter
        if receiving is not None and _IDENTIFIER.search(normalized(receiving)):
            return None  # the job takes it as a key to look something up by (`token_id=`)
        if arg.keyword is not None:
            if sensitive(arg.keyword.value):
                return f"`{arg.keyword.value}={text}`"
        elif parameter is not None and sensitive(parameter):
            return f"`{text}` (the job's `{parameter}` parameter)"
        own = _own_name(arg.value)
        if own is not None and sensitive(own):
            return f"`{text}`"
        return None


def _own_name(node: cst.BaseExpression) -> str | None:
    """The name a value is read from: ``password``, ``user.password``,
    ``data["password"]``."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index):
            key = literal(index.value)
            return key if isinstance(key, str) else None
    return None


def _may_hold_secret(node: cst.BaseExpression) -> bool:
    """False for values that cannot be a secret: None, booleans, numbers, empty strings,
    IDs (``user.id``, ``token_id``) and flags (``has_token``)."""
    value = literal(node)
    if value is None or isinstance(value, bool | int | float) or value == "":
        return False
    own = _own_name(node) if isinstance(node, cst.Name | cst.Attribute) else None
    return own is None or not NOT_SECRET.search(normalized(own))


def _code(module: ModuleContext, node: cst.CSTNode) -> str:
    text = " ".join(module.parsed.module.code_for_node(node).split())
    return text if len(text) <= 40 else text[:37] + "..."
