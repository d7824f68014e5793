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


def replace_string(
    span: Span, original: str, replacement: str
) -> Callable[[cst.Module], cst.Module]:
    """Replace the string literal that starts at ``span`` and holds ``original`` with one
    holding ``replacement`` (same prefix and quotes), wherever it sits: an argument, an
    assignment (``queue_as = "low"``), a keyword."""

    def transform(tree: cst.Module) -> cst.Module:
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        positions = wrapper.resolve(PositionProvider)

        class Replace(cst.CSTTransformer):
            done = False

            def leave_SimpleString(
                self, original_node: cst.SimpleString, updated_node: cst.SimpleString
            ) -> cst.SimpleString:
                where = positions.get(original_node)
                if (
                    self.done
                    or where is None
                    or (where.start.line, where.start.column + 1)
                    != (span.start.line, span.start.column)
                    or original_node.evaluated_value != original
                ):
                    return updated_node
                self.done = True
                quote = original_node.quote
                return updated_node.with_changes(
                    value=f"{original_node.prefix}{quote}{replacement}{quote}"
                )

        return tree.visit(Replace())

    return transform
