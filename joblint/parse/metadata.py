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
- the scope visitor runs with the expression contexts as its declared dependency;
- positions come from the position provider's own ``_gen_impl``.

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
from libcst.metadata.scope_provider import ScopeVisitor

from joblint.parse import walk


def scopes(module: cst.Module) -> Mapping[cst.CSTNode, Scope | None]:
    """``MetadataWrapper(module).resolve(ScopeProvider)``: what ``ScopeProvider`` and its
    dependency compute from ``visit_Module``, with no batched walk after it."""
    contexts = ExpressionContextProvider()
    walk.walk(module, ExpressionContextVisitor(contexts, ExpressionContext.LOAD))
    provider = ScopeProvider()
    provider.metadata = {ExpressionContextProvider: contexts._computed}
    visitor = ScopeVisitor(provider)
    module.visit(visitor)  # its callbacks visit subtrees themselves, with libcst's visit
    visitor.infer_accesses()
    # Both providers store plain values (none of libcst's LazyValue), as resolve returns.
    return cast(Mapping[cst.CSTNode, Scope | None], provider._computed)


def positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """``MetadataWrapper(module).resolve(PositionProvider)``, without the empty batch."""
    provider = PositionProvider()
    provider._gen_impl(module)
    return cast(Mapping[cst.CSTNode, CodeRange], provider._computed)
