"""libcst's scope analysis and positions for a module, computed by libcst's own
providers, without the work ``MetadataWrapper.resolve`` adds around them.

For each batch of providers, the wrapper walks the whole tree once with a batched visitor
(after collecting every provider's methods with ``inspect.getmembers``). Scopes need two
batches: expression contexts, then scopes. Both providers do their work from
``visit_Module``, with a visitor of their own. The batched walk then goes on through
every node with nothing to do, and like every libcst ``visit`` it copies each node it
passes. Positions are not batchable, but resolving them still runs an empty batch, which
is one more walk of the whole tree. On the generated jobs tree and on real applications,
this extra work was half the cost of scope analysis, which is itself the largest single
cost of a run.

So this module does what those ``visit_Module`` methods do, and nothing else:
- the expression-context visitor runs through ``joblint.parse.walk``;
- the scope visitor runs with the expression contexts as its declared dependency, also
  through the walk;
- positions come from the position provider's own ``_gen_impl``.

Both visitors visit subtrees from their own callbacks (``node.body.visit(self)``), and
libcst's ``visit`` copies every node it passes and dispatches every callback by name. Those
nested visits are walks too (``walk.read_only_visits``, for these two visitor classes and
only while they run), and the scope visitor's per-node ``on_leave`` becomes the walk's
every-node hook. That made scope analysis 1.6 to 2.4 times cheaper on 400 real modules,
and on polar's cold run 27.7 s became 16 to 17 s (issue 17).

``_gen_impl`` is the hook libcst documents for writing a provider. The two visitor
classes are libcst's own, but not part of its public API. ``tests/test_metadata.py``
checks that the results equal ``MetadataWrapper.resolve``'s, on real code and on
generated programs. A libcst release that changes these internals fails that test, not
a user's run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import libcst as cst
from libcst.metadata import (
    CodeRange,
    ExpressionContext,
    ExpressionContextProvider,
    PositionProvider,
    Scope,
    ScopeProvider,
)
from libcst.metadata.expression_context_provider import ExpressionContextVisitor
from libcst.metadata.scope_provider import _ASSIGNMENT_LIKE_NODES, ScopeVisitor

from joblint.parse import walk


class _ScopeVisitor(ScopeVisitor, walk.EveryNodeVisitor):
    """libcst's scope visitor, walked: its ``on_leave`` (the scope of every node, and the
    count of assignments an access may see) becomes the walk's every-node hook, so that
    the walk dispatches its callbacks through plans rather than libcst's ``getattr`` for
    every node and field."""

    on_leave = cst.CSTVisitor.on_leave

    def leave_every_node(self, node: cst.CSTNode) -> None:
        # ScopeVisitor.on_leave, less its call of the base's dispatch.
        self.provider.set_metadata(node, self.scope)
        if _ASSIGNMENT_LIKE[type(node)]:
            self.scope._assignment_count += 1


class _AssignmentLike(dict[type, bool]):
    """Whether a node type is one of libcst's assignment-like nodes, asked with a dict
    lookup: ``isinstance`` against a tuple of node classes goes through ``ABCMeta``."""

    def __missing__(self, kind: type) -> bool:
        found = self[kind] = issubclass(kind, _ASSIGNMENT_LIKE_NODES)
        return found


_ASSIGNMENT_LIKE = _AssignmentLike()


def scopes(module: cst.Module) -> Mapping[cst.CSTNode, Scope | None]:
    """``MetadataWrapper(module).resolve(ScopeProvider)``, less the layout nodes:
    what ``ScopeProvider`` and its dependency compute from ``visit_Module``, with no
    batched walk after it. Both visitors' callbacks visit subtrees themselves
    (``node.body.visit(self)``); within ``read_only_visits`` those visits walk too,
    instead of copying every node.

    The provider maps every node to its scope, and half of a module's nodes are
    whitespace and line breaks: leaving them out of the map kept by each module saved
    13 MB in each of saleor's worker processes (the map is most of libcst's metadata)."""
    contexts = ExpressionContextProvider()
    provider = ScopeProvider()
    visitor = _ScopeVisitor(provider)
    with walk.read_only_visits(ExpressionContextVisitor, _ScopeVisitor):
        walk.walk(module, ExpressionContextVisitor(contexts, ExpressionContext.LOAD))
        provider.metadata = {ExpressionContextProvider: contexts._computed}
        walk.walk(module, visitor)
    visitor.infer_accesses()
    # Both providers store plain values (none of libcst's LazyValue), as resolve returns.
    computed = cast(dict[cst.CSTNode, Scope | None], provider._computed)
    return {node: scope for node, scope in computed.items() if not walk.is_layout(node)}


def positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """``MetadataWrapper(module).resolve(PositionProvider)``, without the empty batch."""
    provider = PositionProvider()
    provider._gen_impl(module)
    return cast(Mapping[cst.CSTNode, CodeRange], provider._computed)


# A node's code range packed into one integer: start line, start column, end line and end
# column, each in 32 bits (``pack_range``).
_BITS = 32
_MASK = (1 << _BITS) - 1


def code_ranges(module: cst.Module) -> dict[cst.CSTNode, int]:
    """``positions(module)`` with each range packed into one integer (``unpack_range``):
    the map a module keeps for its spans. libcst's holds three objects a node, and on
    saleor was the largest thing in a worker after the trees (56 MB of 312); one integer
    a node is a third of that."""
    return {
        node: (
            (((found.start.line << _BITS | found.start.column) << _BITS) | found.end.line) << _BITS
        )
        | found.end.column
        for node, found in positions(module).items()
    }


def unpack_range(packed: int) -> tuple[int, int, int, int]:
    """Start line, start column, end line, end column (lines from 1, columns from 0)."""
    return (
        packed >> 3 * _BITS,
        packed >> 2 * _BITS & _MASK,
        packed >> _BITS & _MASK,
        packed & _MASK,
    )
