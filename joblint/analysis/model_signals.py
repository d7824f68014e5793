"""Which Django model signal a function receives: ``@receiver(post_save, sender=Order)`` on
it, or ``post_save.connect(handler, ...)`` anywhere in the project.

Two rules need it, for opposite reasons: a ``pre_save``/``post_save`` handler may run
inside a transaction that has not committed (JOB604), and a ``pre_delete``/``post_delete``
handler holds a record whose row is, or is about to be, gone, so a job cannot load it by
its ID later (JOB201 leaves such an instance alone).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping

import libcst as cst

from joblint.analysis.index import ProjectIndex
from joblint.analysis.symbols import single_name
from joblint.parse import walk
from joblint.parse.parsing import ParsedModule

MODEL_SIGNAL_NAMES = ("pre_save", "post_save", "pre_delete", "post_delete")
SAVE_SIGNALS = frozenset({"pre_save", "post_save"})
DELETE_SIGNALS = frozenset({"pre_delete", "post_delete"})
# The signals by qualified name, to their short name.
_QUALIFIED = {
    f"{module}.{signal}": signal
    for module in ("django.db.models.signals", "django.db.models")
    for signal in MODEL_SIGNAL_NAMES
}
RECEIVER = frozenset({"django.dispatch.receiver", "django.dispatch.dispatcher.receiver"})

_CONNECTED: weakref.WeakKeyDictionary[ProjectIndex, Mapping[str, frozenset[str]]] = (
    weakref.WeakKeyDictionary()
)


def signal_connections(parsed: ParsedModule) -> tuple[tuple[str, str], ...]:
    """Each ``post_save.connect(handler, ...)`` of a model signal in ``parsed``, as
    (handler, signal short name), the handler fully qualified. Part of the module's
    summary: the handler may be defined, and checked, in another module. Only a module
    that mentions ``.connect`` and a signal's name is walked."""
    data = parsed.source.data
    if b".connect" not in data or not any(name.encode() in data for name in MODEL_SIGNAL_NAMES):
        return ()
    found: list[tuple[str, str]] = []

    class Finder(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            if not isinstance(func, cst.Attribute) or func.attr.value != "connect":
                return
            signal = _QUALIFIED.get(single_name(parsed, func.value) or "")
            if signal is None or not node.args or node.args[0].keyword:
                return
            handler = single_name(parsed, node.args[0].value)
            if handler is not None:
                found.append((handler, signal))

    walk.walk(parsed.module, Finder())
    return tuple(dict.fromkeys(found))


def connected_handlers(index: ProjectIndex) -> Mapping[str, frozenset[str]]:
    """Functions connected to a model signal anywhere in the project
    (``post_save.connect(handler, sender=Order)``): qualified name to signal names, from
    the modules' summaries, once per index."""
    found = _CONNECTED.get(index)
    if found is not None:
        return found
    handlers: dict[str, set[str]] = {}
    for summary in index.summaries.values():
        for handler, signal in summary.signal_connections:
            handlers.setdefault(handler, set()).add(signal)
    result = {name: frozenset(signals) for name, signals in handlers.items()}
    _CONNECTED[index] = result
    return result


def received_signals(
    parsed: ParsedModule, function: cst.FunctionDef, index: ProjectIndex
) -> frozenset[str]:
    """The model signals ``function`` receives, by decorator or by ``connect``."""
    found: set[str] = set()
    for decorator in function.decorators:
        call = decorator.decorator
        if not isinstance(call, cst.Call) or single_name(parsed, call.func) not in RECEIVER:
            continue
        if not call.args or call.args[0].keyword is not None:
            continue
        first = call.args[0].value
        signals = (
            [element.value for element in first.elements]
            if isinstance(first, cst.List | cst.Tuple)
            else [first]
        )
        for signal in signals:
            name = _QUALIFIED.get(single_name(parsed, signal) or "")
            if name is not None:
                found.add(name)
    connected = connected_handlers(index)
    for name in parsed.names_of(function):
        found.update(connected.get(name, ()))
    return frozenset(found)
