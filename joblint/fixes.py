"""Building blocks for fixes. A fix is a transformation of a whole module; it finds its
target again by position and original text, so applying it to an already fixed module
(or one where the code moved) changes nothing."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from joblint.diagnostics import Span


def replace_expression(
    span: Span, original: str, replacement: str
) -> Callable[[cst.Module], cst.Module]:
    """Replace the expression that starts at ``span`` and reads ``original`` with
    ``replacement`` (parsed as an expression, so the result always parses)."""
    new_node = cst.parse_expression(replacement)

    def transform(tree: cst.Module) -> cst.Module:
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        positions = wrapper.resolve(PositionProvider)

        class Replace(cst.CSTTransformer):
            done = False

            def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
                value = original_node.value
                where = positions.get(value)
                if (
                    self.done
                    or where is None
                    or (where.start.line, where.start.column + 1)
                    != (span.start.line, span.start.column)
                    or tree.code_for_node(value) != original
                ):
                    return updated_node
                self.done = True
                return updated_node.with_changes(value=new_node)

        return tree.visit(Replace())

    return transform


def name_arguments(
    span: Span, original: str, names: dict[int, str]
) -> Callable[[cst.Module], cst.Module]:
    """Pass the call that starts at ``span`` and reads ``original`` its positional
    arguments by keyword: argument ``i`` becomes ``names[i]=...``. Positional arguments
    must come first in a call, so the result parses whichever of them are named."""

    def transform(tree: cst.Module) -> cst.Module:
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        positions = wrapper.resolve(PositionProvider)

        class Name(cst.CSTTransformer):
            done = False

            def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
                where = positions.get(original_node)
                if (
                    self.done
                    or where is None
                    or (where.start.line, where.start.column + 1)
                    != (span.start.line, span.start.column)
                    or tree.code_for_node(original_node) != original
                ):
                    return updated_node
                self.done = True
                args = [
                    arg.with_changes(
                        keyword=cst.Name(names[i]),
                        equal=cst.AssignEqual(
                            whitespace_before=cst.SimpleWhitespace(""),
                            whitespace_after=cst.SimpleWhitespace(""),
                        ),
                    )
                    if i in names and arg.keyword is None and not arg.star
                    else arg
                    for i, arg in enumerate(updated_node.args)
                ]
                return updated_node.with_changes(args=args)

        return tree.visit(Name())

    return transform
