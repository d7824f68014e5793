"""Building blocks for fixes. A fix is a transformation of a whole module; it finds its
target again by position and original text, so applying it to an already fixed module
(or one where the code moved) changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from joblint.diagnostics import Span


def _written_at(
    tree: cst.Module,
    positions: Mapping[cst.CSTNode, CodeRange],
    node: cst.CSTNode,
    span: Span,
    original: str,
) -> bool:
    """Whether ``node`` is the one a fix was made for: it starts where the diagnostic
    did and still reads as it did then (so a fix applied twice finds nothing)."""
    return _starts_at(positions, node, span) and tree.code_for_node(node) == original


def _starts_at(positions: Mapping[cst.CSTNode, CodeRange], node: cst.CSTNode, span: Span) -> bool:
    where = positions.get(node)
    return where is not None and (where.start.line, where.start.column + 1) == (
        span.start.line,
        span.start.column,
    )


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
                if self.done or not _written_at(tree, positions, value, span, original):
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
                if self.done or not _written_at(tree, positions, original_node, span, original):
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
                if (
                    self.done
                    or not _starts_at(positions, original_node, span)
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


def with_imports(tree: cst.Module, imports: Iterable[tuple[str, str]]) -> cst.Module:
    """``tree`` with ``from module import name`` for each of ``imports`` it lacks, placed
    and merged as libcst's codemods place them. libcst.codemod is imported here, when a
    fix runs, not when joblint starts."""
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor

    wanted = list(imports)
    if not wanted:
        return tree
    context = CodemodContext()
    for module_name, name in wanted:
        AddImportsVisitor.add_needed_import(context, module_name, name)
    return AddImportsVisitor(context).transform_module(tree)
