"""Framework knowledge lives in the frontends and their descriptions, not in the rules
(issue 17): a rule reads ``index.framework(name)``, never compares framework names or
keeps a table keyed by them. What is left of that debt is counted here, so it can only
shrink."""

from __future__ import annotations

import ast
from pathlib import Path

from joblint.frameworks import FRONTENDS

RULES = Path(__file__).resolve().parent.parent / "joblint" / "rules"
FRAMEWORK_NAMES = frozenset(frontend.FRAMEWORK for frontend in FRONTENDS)
COMPARISONS = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)

# What the rules still hold. These numbers should only go down: when a rule stops
# comparing a framework's name, lower them; never raise them (describe the difference in
# the framework's FrameworkDescription, or compute a fact in its frontend, instead).
MAX_FRAMEWORK_COMPARISONS = 22
MAX_FRAMEWORK_LITERALS = 19


def _names_framework(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in ("framework", "FRAMEWORK")
    if isinstance(node, ast.Attribute):
        return node.attr in ("framework", "FRAMEWORK")
    return False


def _debt() -> tuple[list[str], list[str]]:
    comparisons: list[str] = []
    literals: list[str] = []
    for path in sorted(RULES.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.name}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Compare) and any(
                isinstance(op, COMPARISONS) for op in node.ops
            ):
                if any(_names_framework(operand) for operand in (node.left, *node.comparators)):
                    comparisons.append(where)
            elif isinstance(node, ast.Constant) and node.value in FRAMEWORK_NAMES:
                literals.append(where)
    return comparisons, literals


def test_rules_compare_no_more_framework_names_than_before() -> None:
    comparisons, literals = _debt()
    assert len(comparisons) <= MAX_FRAMEWORK_COMPARISONS, (
        f"{len(comparisons)} framework-name comparisons in joblint/rules (at most "
        f"{MAX_FRAMEWORK_COMPARISONS}): read the framework's description instead",
        comparisons,
    )
    assert len(literals) <= MAX_FRAMEWORK_LITERALS, (
        f"{len(literals)} framework-name literals in joblint/rules (at most "
        f"{MAX_FRAMEWORK_LITERALS}): move the knowledge into the framework's description",
        literals,
    )


def test_the_count_sees_the_debt() -> None:
    """The counter is not vacuous: it finds the shapes it is meant to."""
    assert {"celery", "rq", "runtime", "django-tasks"} <= FRAMEWORK_NAMES
    tree = ast.parse(
        'if job.framework == "celery" or site.framework in ("rq", "huey"):\n    pass\n'
    )
    compared = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        and any(_names_framework(o) for o in (node.left, *node.comparators))
    ]
    found = [
        n for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in FRAMEWORK_NAMES
    ]
    assert len(compared) == 2
    assert len(found) == 3


def test_every_frontend_describes_its_framework() -> None:
    for frontend in FRONTENDS:
        assert frontend.DESCRIPTION.name == frontend.FRAMEWORK
