"""The prefilter never changes what joblint reports: every fixture tree, the example app
and every rule-page example give the same findings, and the same inventory, with the
prefilter on (the default) as with every file parsed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lint_support import REPO, write_tree

from joblint.config import Settings, settings_for_paths
from joblint.diagnostics import Diagnostic
from joblint.engine.linter import Linter
from joblint.engine.needles import Needles, _pattern
from joblint.engine.prefilter import supporting_files
from joblint.parse.source import SourceFile
from joblint.report.pages import parse_page
from joblint.rules import ALL_RULES

EVERY_RULE = frozenset(rule.code for rule in ALL_RULES)
TREES = sorted(path for path in (REPO / "tests/fixtures/frameworks").iterdir() if path.is_dir())


def _findings(root: Path, settings: Settings, prefilter: bool) -> list[tuple[object, ...]]:
    linter = Linter(settings, enabled=EVERY_RULE, use_prefilter=prefilter)
    return [
        (result.path, result.line, result.column, result.code, result.message)
        for result in linter.lint_paths([root])
        if isinstance(result, Diagnostic)
    ]


def _jobs(root: Path, settings: Settings, prefilter: bool) -> list[tuple[object, ...]]:
    analysis, _ = Linter(settings, use_prefilter=prefilter).analyse_paths([root])
    return sorted(
        [(job.qualified_name, job.framework) for job in analysis.jobs]
        + [(str(site.path), site.span.start.line) for site in analysis.enqueue_sites]
    )


@pytest.mark.parametrize("root", [*TREES, REPO / "examples/shop"], ids=lambda path: path.name)
def test_trees_report_the_same_with_and_without_the_prefilter(root: Path) -> None:
    # The example app is a configured project; a fixture tree stands alone (found upward,
    # joblint's own pyproject.toml would make the whole repository its context).
    settings = (
        settings_for_paths([root], None) if root.name == "shop" else Settings(project_root=root)
    )
    with_prefilter = _findings(root, settings, prefilter=True)
    assert with_prefilter == _findings(root, settings, prefilter=False)
    assert _jobs(root, settings, True) == _jobs(root, settings, False)


def test_rule_page_examples_report_the_same_with_and_without_the_prefilter(
    tmp_path: Path,
) -> None:
    flagged = 0
    for number, page_path in enumerate(sorted((REPO / "rules").glob("JOB*.md"))):
        page = parse_page(page_path.read_text(encoding="utf-8"))
        context: dict[str, str | bytes] = {
            example.filename: example.code for example in page.examples if example.role == "context"
        }
        for which, example in enumerate(page.examples):
            if example.role not in ("flagged", "clean"):
                continue
            root = tmp_path / f"{number}-{which}"
            write_tree(root, {**context, example.filename: example.code.encode(example.encoding)})
            settings = Settings(project_root=root)
            found = _findings(root, settings, prefilter=True)
            assert found == _findings(root, settings, prefilter=False), page.code
            flagged += bool(found)
    assert flagged > 10  # the comparison saw real findings, not only empty lists


def _source(name: str, text: str) -> SourceFile:
    return SourceFile(Path(name), text.encode(), text, "utf-8")


def test_models_named_by_job_code_are_kept_with_their_bases() -> None:
    job = _source("jobs.py", "from app.models import Order\nsend.delay(Order.objects.get())\n")
    models = _source("models.py", "from app.base import Timestamped\nclass Order(Timestamped):\n")
    base = _source(
        "base.py", "from django.db import models\nclass Timestamped(\n    models.Model,\n):\n"
    )
    unrelated = _source("other.py", "from django.db import models\nclass Tag(models.Model):\n")
    wrapper = _source(
        "db.py", "import contextlib\n@contextlib.contextmanager\ndef in_tx():\n    yield\n"
    )
    kept = supporting_files([job], [models, base, unrelated, wrapper])
    assert [source.path.name for source in kept] == ["models.py", "base.py"]
    uses_wrapper = _source("views.py", "with in_tx():\n    send.delay(1)\n")
    assert [s.path.name for s in supporting_files([uses_wrapper], [wrapper, unrelated])] == [
        "db.py"
    ]


def test_sqlalchemy_factories_and_configured_bases_are_followed() -> None:
    job = _source("jobs.py", "send.delay(Invoice, Account)\n")
    base = _source(
        "db.py", "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n"
    )
    invoice = _source("invoice.py", "from db import Base\nclass Invoice(Base):\n    pass\n")
    account = _source("account.py", "from core import Entity\nclass Account(Entity):\n    pass\n")
    kept = supporting_files([job], [base, invoice, account], model_bases=["core.Entity"])
    assert sorted(source.path.name for source in kept) == ["account.py", "db.py", "invoice.py"]


# -- the needle test itself -----------------------------------------------------------------

_ALPHABET = b'ab_1. ()"\n'
_texts = st.binary(max_size=40).map(lambda raw: bytes(_ALPHABET[b % len(_ALPHABET)] for b in raw))
_needles = st.sets(_texts.filter(bool), max_size=4)


@given(_needles, _needles, _texts)
def test_needles_find_what_one_regular_expression_finds(
    fixed: set[bytes], names: set[bytes], data: bytes
) -> None:
    # Needles looks names up in a file's words and searches longer names only where their
    # last word is; the plain regular expressions say what it must find.
    expected = (bool(fixed) and _pattern(fixed, whole_words=False).search(data) is not None) or (
        bool(names) and _pattern(names, whole_words=True).search(data) is not None
    )
    source = SourceFile(Path("x.py"), data, data.decode(), "utf-8")
    assert Needles(fixed, names).mentioned_in(source) == expected
