"""Parsing with libcst, and the metadata rules share, resolved at most once per module.

A file that does not parse becomes a ``ParseFailure`` (reported as JOB001), never an
exception: the other files go on.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import cast

import libcst as cst
from libcst.metadata import (
    QualifiedNameSource,
    Scope,
)

from joblint.diagnostics import Position, Span
from joblint.parse import ast_spans, metadata, walk
from joblint.parse.modnames import module_name_for
from joblint.parse.python_syntax import ParseFailure, python_syntax_error
from joblint.parse.source import SourceFile


class _TreeElsewhere:
    """Stands for the tree of a module another process owns: any use fails."""

    __slots__ = ("_path",)

    def __init__(self, path: object) -> None:
        object.__setattr__(self, "_path", path)

    def __getattribute__(self, name: str) -> object:
        path = object.__getattribute__(self, "_path")
        raise RuntimeError(f"the tree of {path} is in the process that owns it, not here")


class ParsedModule:
    """One parsed file with its module name and lazily resolved metadata."""

    def __init__(
        self, source: SourceFile, module: cst.Module, name: tuple[str, str] | None = None
    ) -> None:
        """``name``: the module's ``(module name, package name)`` as the run names it
        (``modnames.imported_names``); by default the one its path shows."""
        self.source = source
        self.path = source.path
        self.module = module
        self.module_name, self.package = name or module_name_for(source.path)
        self._names: dict[cst.CSTNode, frozenset[str]] = {}

    @classmethod
    def elsewhere(cls, source: SourceFile, name: tuple[str, str]) -> ParsedModule:
        """A module parsed in another process (a worker that owns it): its source and
        names, never its tree, which stays where it was parsed. What runs here reads
        plain facts of it (project rules), and reaching for the tree is a bug that fails
        loudly, naming the module."""
        return cls(source, cast(cst.Module, _TreeElsewhere(source.path)), name)

    @property
    def has_tree(self) -> bool:
        """Whether the tree is here: not a module another process owns, nor one parsed
        only for its symbols (``ModuleOwner.parse`` without ``keep_trees``)."""
        return type(cast(object, self.module)) is not _TreeElsewhere

    @cached_property
    def code_ranges(self) -> Mapping[cst.CSTNode, int]:
        return metadata.code_ranges(self.module)

    def _qualified_names_of(self, node: cst.CSTNode) -> frozenset[str]:
        """libcst's ``FullyQualifiedNameProvider`` for one node, asked of the scope
        analysis when a rule asks: the provider computes names for every node of the
        module up front, two passes over the whole tree that cost more than parsing it,
        while a module's rules ask about a few hundred nodes."""
        if node is self.module:
            return frozenset({self.module_name})
        scope = self.scopes.get(node)
        if scope is None:
            return frozenset()
        names: set[str] = set()
        for qualified in scope.get_qualified_names_for(node):
            name = qualified.name
            if qualified.source is QualifiedNameSource.BUILTIN or (
                qualified.source is QualifiedNameSource.IMPORT and not name.startswith(".")
            ):
                names.add(name)
                continue
            absolute = _absolute(self.module_name, self.package, name)
            if absolute is None:
                # A relative import reaching above the package its path shows (a folder
                # with no __init__.py): the name cannot be resolved, so none is claimed.
                return frozenset()
            names.add(absolute)
        return frozenset(names)

    def owns(self, node: cst.CSTNode) -> bool:
        """Whether ``node`` is written in this module, not built by a frontend (which
        normalises some arguments into new nodes) or taken from another module's tree.
        Asked of the parent links, which cost a tenth of the positions."""
        return node is self.module or node in self.parents

    def written_span(self, node: cst.CSTNode) -> Span | None:
        """``span(node)`` for a node this module owns, else None."""
        return self.span(node) if self.owns(node) else None

    @cached_property
    def _first_pass_spans(self) -> Mapping[cst.CSTNode, Span]:
        return ast_spans.definition_spans(self.module, self.source.text) or {}

    def recorded_span(self, node: cst.CSTNode) -> Span:
        """``span(node)`` for the nodes the first pass records (definition names and
        decorators, assignment targets, assigned values), from CPython's positions where they agree
        with libcst's (``joblint.parse.ast_spans``): most modules then never need libcst's
        positions, a quarter of a cold run on job-heavy code."""
        if "code_ranges" not in self.__dict__:
            found = self._first_pass_spans.get(node)
            if found is not None:
                return found
        return self.span(node)

    def span(self, node: cst.CSTNode) -> Span:
        """1-based line and column span of ``node``."""
        line, column, end_line, end_column = metadata.unpack_range(self.code_ranges[node])
        return Span(Position(line, column + 1), Position(end_line, end_column + 1))

    @cached_property
    def calls(self) -> tuple[cst.Call, ...]:
        """Every call in the module, in the order a walk meets them. A frontend looking
        for enqueue sites looks only at calls: reading this list instead of walking the
        whole module gives it the same calls in the same order, at the cost of one walk
        per module instead of one per frontend and per prefilter round."""
        found: list[cst.Call] = []

        class Calls(cst.CSTVisitor):
            def visit_Call(self, node: cst.Call) -> None:
                found.append(node)

        walk.walk(self.module, Calls())
        return tuple(found)

    @cached_property
    def definitions(self) -> tuple[cst.FunctionDef | cst.ClassDef, ...]:
        """Every ``def`` and ``class`` in the module, in the order a walk meets them,
        found among statements only (``walk.holds_statements``): a frontend defining jobs
        from decorated functions and classes reads this instead of walking every node."""
        return tuple(
            node
            for node in walk.statements(self.module)
            if isinstance(node, cst.FunctionDef | cst.ClassDef)
        )

    @cached_property
    def line_count(self) -> int:
        """How many lines ``str.splitlines`` finds in the module's code, as a fix counts
        them in the tree it is given. Read from the source text, which libcst's code
        reproduces (it may drop a final line break, which adds no line): generating
        ``module.code`` again for every finding with a fix made checking a module cost
        time quadratic in its size (issue 17)."""
        return len(self.source.text.splitlines())

    @cached_property
    def scopes(self) -> Mapping[cst.CSTNode, Scope | None]:
        return metadata.scopes(self.module)

    @cached_property
    def parents(self) -> Mapping[cst.CSTNode, cst.CSTNode]:
        return walk.parents(self.module, layout=False)

    def ancestors(self, node: cst.CSTNode) -> list[cst.CSTNode]:
        """The nodes enclosing ``node``, innermost first, up to the module."""
        found: list[cst.CSTNode] = []
        current = self.parents.get(node)
        while current is not None:
            found.append(current)
            current = self.parents.get(current)
        return found

    def names_of(self, node: cst.CSTNode) -> frozenset[str]:
        """Every fully qualified name ``node`` may refer to (empty when unknown)."""
        found = self._names.get(node)
        if found is None:
            found = self._names[node] = self._qualified_names_of(node)
        return found


def _absolute(module_name: str, package: str, name: str) -> str | None:
    """A module-relative name made absolute, as libcst's provider does; None for a
    relative import that reaches above the top-level package."""
    bare = name.lstrip(".")
    dots = len(name) - len(bare)
    if dots == 0:
        return f"{module_name}.{name}"
    bits = package.rsplit(".", dots - 1)
    if len(bits) < dots:
        return None
    return f"{bits[0]}.{bare}"


def parse(source: SourceFile, name: tuple[str, str] | None = None) -> ParsedModule | ParseFailure:
    """The parsed module, or why not: Python's own account of a syntax error when it has
    one, else libcst's (valid Python libcst cannot read: a limit of the parser). ``name``
    as for ``ParsedModule``."""
    try:
        module = cst.parse_module(source.data)
    except cst.ParserSyntaxError as error:
        failure = ParseFailure(
            source.path, _first_line(error.message), error.raw_line, error.raw_column + 1, True
        )
    except RecursionError:
        failure = ParseFailure(source.path, "nesting is too deep to parse", 1, 1, True)
    except Exception as error:  # libcst's native parser raises bare exceptions on some input
        message = _first_line(str(error)) or type(error).__name__
        failure = ParseFailure(source.path, message, 1, 1, True)
    else:
        return ParsedModule(source, module, name)
    return python_syntax_error(source) or failure


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def libcst_verdict(source: SourceFile) -> ParseFailure | None:
    """JOB001 for a file CPython's parser rejected, if libcst rejects it too."""
    parsed = parse(source)
    return parsed if isinstance(parsed, ParseFailure) else None
