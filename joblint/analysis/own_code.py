"""The code that runs as part of one function, for the rules that read job bodies.

A nested function, lambda or class is other code: it runs later, elsewhere, or not at
all, so a ``raise`` in it does not re-raise for the handler around it and a
``time.sleep`` in it does not block the job. Every visitor that reads "a body" skips
them the same way; this is that one definition.
"""

from __future__ import annotations

import libcst as cst


class OwnCodeVisitor(cst.CSTVisitor):
    """Visits ``root`` (a function it is started on) or the node it is started on, but not
    the functions, lambdas and classes nested in it."""

    def __init__(self, root: cst.FunctionDef | None = None) -> None:
        super().__init__()
        self.root = root

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return node is self.root

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False
