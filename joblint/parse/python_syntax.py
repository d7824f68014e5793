"""CPython's own syntax check, in a module that does not import libcst: the processes
that check the files the prefilter skips (``--jobs``) start without paying for it."""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from joblint.parse.source import SourceFile


@dataclass(frozen=True)
class ParseFailure:
    path: Path
    message: str
    line: int
    column: int
    # Python accepts the file; libcst cannot parse or analyse it (a limit of the parser,
    # such as thousands of implicitly concatenated strings).
    valid_python: bool = False
    # The file is a template of Python (Jinja's `{% %}` and `{{ }}`, a cookiecutter
    # folder), which only becomes Python once rendered: saying so tells the reader why
    # it fails and that excluding it is the remedy, not fixing it.
    template: bool = False


# Jinja's (and Django's, cookiecutter's) markers where Python has none: a statement tag,
# or an expression tag at the start of a line or right after `import`/`from`/`class`/`def`.
TEMPLATE_MARKERS = re.compile(
    r"\{%-?\s|^\s*\{\{|\b(?:import|from|class|def)\s+[\w.]*\{\{", re.MULTILINE
)


def looks_like_template(source: SourceFile) -> bool:
    """Whether a file that does not parse is a template of Python."""
    return "{{" in str(source.path) or TEMPLATE_MARKERS.search(source.text) is not None


def python_syntax_error(source: SourceFile) -> ParseFailure | None:
    """CPython's own account of a syntax error: libcst's native parser sometimes places
    the error a token late and words it for parser authors, while the interpreter's
    message ("'(' was never closed") is the one users know."""
    try:
        with warnings.catch_warnings():  # SyntaxWarnings are not ours to print
            warnings.simplefilter("ignore")
            compile(source.text, str(source.path), "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        return ParseFailure(
            source.path,
            error.msg,
            error.lineno or 1,
            error.offset or 1,
            template=looks_like_template(source),
        )
    except (ValueError, RecursionError, MemoryError) as error:
        return ParseFailure(source.path, str(error) or type(error).__name__, 1, 1)
    return None


def compiles(source: SourceFile) -> bool:
    """Whether CPython compiles the file. Compiling to bytecode is a fifth cheaper than
    ``ast.parse`` (which builds a Python object per node, then throws them away) and
    rejects a little more (``return`` outside a function): a screen for the syntax
    check, whose every suspect libcst then decides."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source.text, str(source.path), "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def rejected(sources: Sequence[SourceFile]) -> list[int]:
    """The positions in ``sources`` of the files CPython does not compile (a worker's
    share of the syntax check: small to send back)."""
    return [number for number, source in enumerate(sources) if not compiles(source)]
