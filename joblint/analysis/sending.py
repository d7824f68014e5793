"""Which call sends an enqueue site's job, if any: one definition for the enqueueing rules
that read a module's tree (JOB601, JOB606, JOB607) and for the facts a site keeps of it
(``EnqueueSite.sending``), which rules reading every module at once (JOB603) read instead
of trees they do not have (issue 17)."""

from __future__ import annotations

import libcst as cst

from joblint.analysis.model import EnqueueSite, SendingCall
from joblint.parse.parsing import ParsedModule

# Calls that build a signature or a message someone else sends (Celery's `.s()` in a
# `group`, Dramatiq's `.message()`): not a send at this point.
BUILDS_ONLY = frozenset(
    {"s", "si", "signature", "subtask", "map", "starmap", "chunks", "message",
     "message_with_options"}
)  # fmt: skip
# One call that sends many jobs: its sites are its elements.
BULK_METHODS = frozenset({"perform_all_later", "enqueue_many", "batch_defer", "batch_defer_async"})


def sends(site: EnqueueSite, parsed: ParsedModule) -> bool:
    """The site puts a job on a queue here and now (or at commit), rather than running it
    in the caller or building a signature sent elsewhere: a signature counts when it is
    sent on the spot (``task.s(x).delay()``)."""
    if site.synchronous:
        return False
    if site.method not in BUILDS_ONLY:
        return True
    parent = parsed.parents.get(site.node)
    grandparent = parsed.parents.get(parent) if parent is not None else None
    return (
        isinstance(parent, cst.Attribute)
        and parent.attr.value in ("delay", "apply_async")
        and isinstance(grandparent, cst.Call)
        and grandparent.func is parent
    )


def sending_call(parsed: ParsedModule, site: EnqueueSite) -> cst.Call:
    """The call that sends the job: the site itself, or for a bulk site (an element of
    ``perform_all_later([...])``) the bulk call around it."""
    if site.method not in BULK_METHODS:
        return site.node
    child: cst.CSTNode = site.node
    for ancestor in parsed.ancestors(site.node):
        if isinstance(ancestor, cst.Call) and isinstance(child, cst.Arg):
            return ancestor
        child = ancestor
    return site.node


def code(parsed: ParsedModule, node: cst.CSTNode, limit: int = 50) -> str:
    """``node`` as written, on one line and at most ``limit`` characters, for messages."""
    text = parsed.module.code_for_node(node)
    text = " ".join(text.split())
    if isinstance(node, cst.Call) and len(text) > limit:
        text = parsed.module.code_for_node(node.func) + "(...)"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def sending(parsed: ParsedModule, site: EnqueueSite) -> SendingCall | None:
    """The call that sends ``site``'s job, as plain data; None when the site sends none."""
    if not sends(site, parsed):
        return None
    call = sending_call(parsed, site)
    return SendingCall(span=parsed.span(call), callee=code(parsed, call.func))
