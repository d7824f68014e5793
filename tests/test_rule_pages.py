"""Every rule page's examples run through the engine: flagged examples are flagged on the
annotated lines with the annotated codes, clean ones are not flagged at all, and a fixed
block is exactly what the page's fixes make of the flagged example. The docs cannot say
what the linter does not do."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import libcst as cst
import pytest
from lint_support import REPO, lint_tree, write_tree

from joblint.config import PRESETS, Settings, load_settings
from joblint.diagnostics import Applicability
from joblint.engine.selection import on_by_default
from joblint.report.pages import Example, RulePage, parse_page
from joblint.rules import ALL_RULES, RULES_BY_CODE
from joblint.rules.base import FixAvailability

PAGES_DIR = REPO / "rules"
PAGE_FILES = sorted(PAGES_DIR.glob("JOB*.md"))
REQUIRED_SECTIONS = (
    "What it does",
    "Why is this bad?",
    "Example",
    "Use instead",
    "Fix safety",
    "Options",
    "When to suppress",
    "References",
)


def _pages() -> list[RulePage]:
    return [parse_page(path.read_text(encoding="utf-8")) for path in PAGE_FILES]


def _cases(roles: tuple[str, ...]) -> list[object]:
    return [
        pytest.param(page, example, id=f"{page.code}-{example.role}-line{example.line}")
        for page in _pages()
        for example in page.examples
        if example.role in roles
    ]


def _settings(root: Path) -> Settings | None:
    """A page's ``pyproject.toml`` context, when it has one, configures its examples."""
    config = root / "pyproject.toml"
    return load_settings(config, root) if config.is_file() else None


def _write_example(root: Path, page: RulePage, example: Example) -> Path:
    files: dict[str, str | bytes] = {
        context.filename: context.code for context in page.examples if context.role == "context"
    }
    files[example.filename] = example.code.encode(example.encoding)
    write_tree(root, files)
    return root / example.filename


def _header(code: str) -> dict[str, str]:
    """The cells of a page's header table, by column: Default, Fix, Frameworks."""
    text = (PAGES_DIR / f"{code}.md").read_text(encoding="utf-8")
    names, _, cells = text.split("\n\n", 2)[1].splitlines()[:3]
    return dict(
        zip(
            [name.strip() for name in names.strip("|").split("|")],
            [cell.strip() for cell in cells.strip("|").split("|")],
            strict=True,
        )
    )


FIX_CLAUSE = re.compile(r"(safe|unsafe)(?:[,:] (.+))?")


def _fix_cell(cell: str) -> tuple[set[str], bool]:
    """What a Fix cell says: which fixes (safe, unsafe), and whether it says when or what
    (``unsafe, when the job's parameter is named `*_id```), beyond the kind alone."""
    if cell == "none":
        return set(), False
    clauses = [FIX_CLAUSE.fullmatch(clause) for clause in cell.split("; ")]
    assert all(clauses), f"a Fix cell is `none` or `safe`/`unsafe` clauses, not {cell!r}"
    return (
        {clause.group(1) for clause in clauses if clause},
        any(clause.group(2) for clause in clauses if clause),
    )


def test_every_rule_has_a_page_and_every_page_a_rule() -> None:
    page_codes = {path.stem for path in PAGE_FILES}
    rule_codes = {rule.code for rule in ALL_RULES}
    assert page_codes - rule_codes == set(), "pages without a rule"
    assert rule_codes - page_codes == set(), "rules without a page"


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda path: path.stem)
def test_page_structure(path: Path) -> None:
    page = parse_page(path.read_text(encoding="utf-8"))
    rule = RULES_BY_CODE[page.code]
    assert path.stem == page.code
    assert page.name == rule.name
    missing = [section for section in REQUIRED_SECTIONS if section not in page.sections]
    assert not missing, f"{page.code} lacks sections {missing}"
    roles = [example.role for example in page.examples]
    assert "flagged" in roles, f"{page.code} has no flagged example"
    assert "clean" in roles, f"{page.code} has no clean example"
    if rule.fix_availability.value != "none":
        assert "fixed" in roles, f"{page.code} has a fix but no fixed example"


@pytest.mark.parametrize(("page", "example"), _cases(("flagged", "clean")))
def test_example(tmp_path: Path, page: RulePage, example: Example) -> None:
    target = _write_example(tmp_path, page, example)
    findings = lint_tree(tmp_path, _settings(tmp_path), enabled=_rules_for(page))
    found = {(d.line, d.code) for d in findings if d.path == target}
    assert found == example.expected()
    page_codes = {code for _, code in example.expected() if code == page.code}
    if example.role == "flagged":
        assert page_codes, "a flagged example must be flagged with the page's own code"
    else:
        assert not page_codes, "a clean example must not carry the page's code"


@pytest.mark.parametrize(("page", "example"), _cases(("fixed",)))
def test_fixed_example(tmp_path: Path, page: RulePage, example: Example) -> None:
    flagged = next(e for e in page.examples if e.role == "flagged")
    source = flagged.without_annotations()
    target = _write_example(tmp_path, page, Example("flagged", source, flagged.filename))
    fixes = [
        d.fix
        for d in lint_tree(tmp_path, _settings(tmp_path), enabled=_rules_for(page))
        if d.path == target and d.code == page.code
    ]
    assert fixes and all(fix is not None for fix in fixes)
    module = cst.parse_module(source)
    for fix in fixes:
        assert fix is not None
        module = fix.transform(module)
    assert module.code == example.code
    cst.parse_module(module.code)  # the result parses
    # applying the fixes again changes nothing
    again = module
    for fix in fixes:
        assert fix is not None
        again = fix.transform(again)
    assert again.code == module.code
    # and the fixed file is no longer flagged
    target.write_text(module.code, encoding="utf-8")
    assert not [
        d
        for d in lint_tree(tmp_path, _settings(tmp_path), enabled=_rules_for(page))
        if d.path == target and d.code == page.code
    ]
    expected_applicability = RULES_BY_CODE[page.code].fix_availability.value
    if expected_applicability in ("safe", "unsafe"):
        assert all(
            fix is not None and fix.applicability is Applicability(expected_applicability)
            for fix in fixes
        )
    kinds, _ = _fix_cell(_header(page.code)["Fix"])
    assert {fix.applicability.value for fix in fixes if fix is not None} <= kinds, (
        "the page's Fix cell does not name the fixes its example gets"
    )


def _rules_for(page: RulePage) -> frozenset[str]:
    """What a user runs with every preset on, plus the page's own rule: an example must be
    clean of every rule a team may have on, while another page's opt-in rule (JOB510) is
    not its concern."""
    return on_by_default(ALL_RULES, PRESETS) | {page.code}


def test_lint_tree_uses_every_rule(tmp_path: Path) -> None:
    """The harness must not silently run a subset of the rules."""
    write_tree(tmp_path, {"example.py": "x = 1  # noqa: JOB998\n"})
    assert [d.code for d in lint_tree(tmp_path, Settings(project_root=tmp_path))] == ["JOB003"]


TEST_SKIPPING = sorted(rule.code for rule in ALL_RULES if not rule.checks_tests)


@pytest.mark.parametrize(
    ("page", "example"),
    [
        pytest.param(page, example, id=f"{page.code}-line{example.line}")
        for page in _pages()
        if page.code in TEST_SKIPPING
        for example in page.examples
        if example.role == "flagged"
    ],
)
def test_rules_that_leave_test_code_alone_do(
    tmp_path: Path, page: RulePage, example: Example
) -> None:
    """A rule about how an application's jobs are written and sent says nothing about
    test code: each flagged example, read as test code, is not flagged by its page's rule,
    and the page says so."""
    assert "test-paths" in (PAGES_DIR / f"{page.code}.md").read_text(encoding="utf-8")
    target = _write_example(tmp_path, page, example)
    settings = _settings(tmp_path) or Settings(project_root=tmp_path)
    as_tests = dataclasses.replace(settings, test_paths=("**",))
    findings = lint_tree(tmp_path, as_tests, enabled=_rules_for(page))
    assert not [d for d in findings if d.path == target and d.code == page.code]


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda path: path.stem)
def test_page_says_why_the_rule_is_on_or_off(path: Path) -> None:
    """The header's Default cell is the rule's status, and the paragraph under the header
    says why, in one of three forms."""
    text = path.read_text(encoding="utf-8")
    status = RULES_BY_CODE[path.stem].default_status()
    assert _header(path.stem)["Default"] == status
    opening = {
        "on": "**On by default** because ",
        "off": "**Off by default** because ",
        "conventions": "**In the conventions preset** because ",
    }[status]
    before_what = text.split("## What it does", 1)[0]
    assert f"\n\n{opening}" in before_what, f"{path.stem} does not say why it is {status}"


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda path: path.stem)
def test_page_header_fix_is_the_rules(path: Path) -> None:
    """The header's Fix cell says what the rule's ``fix_availability`` says: ``none``;
    safe or unsafe fixes only; or, for a fix offered sometimes, when (or what) it fixes."""
    availability = RULES_BY_CODE[path.stem].fix_availability
    kinds, qualified = _fix_cell(_header(path.stem)["Fix"])
    if availability is FixAvailability.NONE:
        assert not kinds, "a rule without a fix has `none` in its Fix cell"
    elif availability is FixAvailability.SOMETIMES:
        assert kinds and qualified, "a fix offered sometimes says when, or what it fixes"
    else:
        assert kinds == {availability.value}
