"""joblint.parse.ast_spans gives the first pass libcst's spans from CPython's positions.
Every span it gives must be the one libcst's positions give: compared on this
repository's code, the fixtures (every construct the rules meet), awkward corners, and
generated programs."""

from __future__ import annotations

from pathlib import Path

import hypothesis
import libcst as cst
import pytest
from lint_support import GENERATED_MODULES

from joblint.diagnostics import Position, Span
from joblint.parse import ast_spans, metadata

ROOT = Path(__file__).resolve().parent.parent
FILES = [
    *sorted((ROOT / "joblint").rglob("*.py")),
    *sorted((ROOT / "examples").rglob("*.py")),
    *sorted((ROOT / "tests" / "fixtures").rglob("*.py")),
]


def _check(text: str) -> int | None:
    """How many spans ``ast`` gave (None when the module fell back), each compared
    with libcst's."""
    module = cst.parse_module(text)
    given = ast_spans.definition_spans(module, text)
    if given is None:
        return None
    positions = metadata.positions(module)
    for node, span in given.items():
        code_range = positions[node]
        expected = Span(
            Position(code_range.start.line, code_range.start.column + 1),
            Position(code_range.end.line, code_range.end.column + 1),
        )
        assert span == expected, (module.code_for_node(node), span, expected)
    return len(given)


def _text(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
        cst.parse_module(text)
    except (UnicodeDecodeError, cst.ParserSyntaxError, SyntaxError):
        return None  # not a module both parsers read (a JOB001 fixture)
    return text


def test_the_same_spans_as_libcst_on_real_code() -> None:
    fell_back = []
    for path in FILES:
        text = _text(path)
        if text is not None and _check(text) is None:
            fell_back.append(path)
    # Almost every module is read by ast; the rest fall back to libcst, never a wrong span.
    assert len(fell_back) <= len(FILES) // 50, fell_back


@pytest.mark.parametrize(
    "text",
    [
        # Decorated, async, nested, spaced out, on a line with others, non-ASCII names.
        "@dec\n@other(1)\nasync  def  fetch(x):\n    class  Inner: pass\n",
        "class Ünïcode(Base):\n    naïve = 'é'; plain = ('ü')\n    items = [a, *rest, 'ø']\n",
        "x = y = call(1)\nz: int = (f)(2)\nt = 1, 2\nu = (1, 2)\nv = ((w))\n",
        "def f():\n    a = '''multi\nline'''\n    b = 'x' 'y'\n    c = f'{a}'\n",
        "if True:\n\tdef tabbed(): pass\nelse:\n    class C: x = {1: 2}[1]\n",
        "a = 1\r\nb = [\r\n    2,\r\n]\r\nclass D: pass\r\n",
        "lambda: 0\nmatch x:\n    case [y]:\n        z = y\n",
    ],
)
def test_the_same_spans_as_libcst_on_corners(text: str) -> None:
    assert _check(text) is not None


def test_a_module_ast_cannot_read_falls_back() -> None:
    module = cst.parse_module("x = 1\n")
    assert ast_spans.definition_spans(module, "x = (\n") is None


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles its programs
@hypothesis.settings(deadline=None)
@hypothesis.given(GENERATED_MODULES)
def test_the_same_spans_as_libcst_on_generated_programs(module: cst.Module) -> None:
    _check(module.code)
