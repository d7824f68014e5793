"""A run checking a few changed files starts from the facts of the last run over the
project (``joblint.engine.snapshot``), and reports exactly what a run over the whole
project reports on those files.

Each test edits files of a tree after a run that left a snapshot, then checks one file
twice: with the snapshot, and with none (the project analysed from scratch). Their findings
must be equal; and the edits that change no fact another module reads (a line added above
everything, a comment) must start from the snapshot, or the comparison proves nothing.
"""

from __future__ import annotations

import codecs
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lint_support import REPO, write_tree
from test_rule_pages import _pages, _rules_for

from joblint.cli import main
from joblint.config import Settings, load_settings
from joblint.diagnostics import Diagnostic
from joblint.engine.cache import CACHE_DIR_NAME
from joblint.engine.linter import Linter, Problem
from joblint.engine.snapshot import SnapshotStore
from joblint.report.pages import RulePage
from joblint.rules import ALL_RULES

EVERY_RULE = frozenset(rule.code for rule in ALL_RULES)
Shown = tuple[object, ...]
Edit = Callable[[bytes], bytes]


def _shown(results: list[Diagnostic | Problem]) -> list[Shown]:
    """What a user sees of each result (a fix's transform is a function: its message
    and applicability stand for it)."""
    shown: list[Shown] = []
    for result in results:
        if isinstance(result, Problem):
            shown.append(("problem", result.path, result.message))
        else:
            fix = None if result.fix is None else (result.fix.message, result.fix.applicability)
            shown.append((result.path, result.code, result.span, result.message, fix))
    return shown


def _settings(root: Path) -> Settings:
    return load_settings(root / "pyproject.toml", root)


class _Project:
    """A tree, its settings and a snapshot store in a folder of its own."""

    def __init__(self, root: Path, enabled: frozenset[str] = EVERY_RULE) -> None:
        self.root = root
        self.settings = _settings(root)
        self.enabled = enabled
        self.store = SnapshotStore(root / CACHE_DIR_NAME, self.settings)

    def full_run(self) -> None:
        linter = Linter(self.settings, enabled=self.enabled, facts=self.store)
        list(linter.lint_paths([self.root]))
        assert not linter.started_from_snapshot
        assert self.store.load() is not None, "a run over the project leaves its facts"

    def check(self, path: Path) -> tuple[list[Shown], bool]:
        """``path`` checked with the snapshot: the findings, and whether it was used."""
        linter = Linter(self.settings, enabled=self.enabled, facts=self.store)
        found = _shown(list(linter.lint_paths([path])))
        return found, linter.started_from_snapshot

    def check_from_scratch(self, path: Path) -> list[Shown]:
        return _shown(list(Linter(self.settings, enabled=self.enabled).lint_paths([path])))


def _shifted(data: bytes) -> bytes:
    """A blank line above everything (after a byte order mark, which must stay first):
    every position in the file moves down a line."""
    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
    return bom + b"\n" + data[len(bom) :]


def _edited_one_by_one(project: _Project, edit: Edit) -> Iterator[tuple[Path, bool]]:
    """Each Python file edited in turn (and put back after): its findings with the
    snapshot equal its findings from scratch. Yields each file and whether its check
    started from the snapshot."""
    for path in sorted(project.root.rglob("*.py")):
        if CACHE_DIR_NAME in path.parts:
            continue
        original = path.read_bytes()
        if b"coding" in b"".join(original.splitlines(keepends=True)[:2]):
            continue  # a blank first line would push the coding cookie out of reach
        path.write_bytes(edit(original))
        try:
            found, started = project.check(path)
            assert found == project.check_from_scratch(path), path
        finally:
            path.write_bytes(original)
        yield path, started


def _copied(tree: Path, tmp_path: Path) -> Path:
    root = tmp_path / tree.name
    shutil.copytree(tree, root, ignore=shutil.ignore_patterns(CACHE_DIR_NAME, "__pycache__"))
    return root


def test_every_file_of_the_example_app_is_checked_from_the_snapshot(tmp_path: Path) -> None:
    """The example app has jobs, services enqueueing them and models in other files: an
    edit that moves every position and adds no fact starts from the snapshot for every
    file."""
    project = _Project(_copied(REPO / "examples" / "shop", tmp_path))
    project.full_run()
    started = dict(_edited_one_by_one(project, _shifted))
    assert len(started) > 5
    assert all(started.values()), [path for path, used in started.items() if not used]


def _with_config(files: dict[str, str | bytes]) -> dict[str, str | bytes]:
    """A page's tree, configured, so that checking one file reads the others."""
    return {"pyproject.toml": "[tool.joblint]\n", **files}


def _page_trees(tmp_path: Path, page: RulePage) -> Iterator[Path]:
    """Each flagged and clean example of ``page`` with its context files, when that makes
    more than one Python file: the trees whose findings cross files."""
    contexts = {e.filename: e.code for e in page.examples if e.role == "context"}
    for number, example in enumerate(page.examples):
        if example.role not in ("flagged", "clean"):
            continue
        files = {**contexts, example.filename: example.code.encode(example.encoding)}
        if sum(name.endswith(".py") for name in files) < 2:
            continue
        root = tmp_path / str(number)
        write_tree(root, _with_config(files))
        yield root


@pytest.mark.parametrize("page", _pages(), ids=lambda page: page.code)
def test_rule_page_examples_checked_file_by_file_from_the_snapshot(
    tmp_path: Path, page: RulePage
) -> None:
    """Every rule's examples that span files: each file, moved down a line, starts from
    the snapshot and is reported on as from scratch."""
    for root in _page_trees(tmp_path, page):
        project = _Project(root, _rules_for(page))
        project.full_run()
        started = dict(_edited_one_by_one(project, _shifted))
        assert all(started.values()), [path for path, used in started.items() if not used]


def _shop(tmp_path: Path) -> _Project:
    project = _Project(_copied(REPO / "examples" / "shop", tmp_path))
    project.full_run()
    return project


def _job_module(project: _Project) -> Path:
    """A module of the example app defining a job that other modules enqueue."""
    for path in sorted((project.root / "jobs").glob("*.py")):
        if b"class " in path.read_bytes() and path.name != "__init__.py":
            return path
    raise AssertionError("the example app has job modules")


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _full_run_agrees(project: _Project, path: Path) -> None:
    """``path`` checked after a change the snapshot cannot stand for: a full run, whose
    findings are those from scratch."""
    found, started = project.check(path)
    assert not started
    assert found == project.check_from_scratch(path)


def _renamed_job(data: bytes) -> bytes:
    """The module's first class renamed: what it tells the modules enqueueing it changes."""
    head, _, rest = data.partition(b"class ")
    name, _, tail = rest.partition(b"(")
    return head + b"class " + name + b"Renamed(" + tail


def test_a_changed_job_is_a_full_run(tmp_path: Path) -> None:
    """A job renamed changes what other modules enqueue: the snapshot cannot stand for
    them, and the run analyses the project (its findings still those from scratch)."""
    project = _shop(tmp_path)
    path = _job_module(project)
    path.write_bytes(_renamed_job(path.read_bytes()))
    _full_run_agrees(project, path)


def test_a_new_file_is_a_full_run(tmp_path: Path) -> None:
    project = _shop(tmp_path)
    added = project.root / "services" / "added.py"
    added.write_text("def nothing() -> None:\n    pass\n", encoding="utf-8")
    _full_run_agrees(project, added)


def test_a_deleted_file_is_a_full_run(tmp_path: Path) -> None:
    project = _shop(tmp_path)
    path = _job_module(project)
    victim = next(p for p in sorted(project.root.rglob("*.py")) if p != path and "jobs" in p.parts)
    victim.unlink()
    _full_run_agrees(project, path)


def test_a_syntax_error_in_the_checked_file_is_reported_as_from_scratch(tmp_path: Path) -> None:
    project = _shop(tmp_path)
    path = _job_module(project)
    path.write_bytes(path.read_bytes() + b"\ndef broken(:\n")
    found, _ = project.check(path)
    assert any(item[1] == "JOB001" for item in found)
    assert found == project.check_from_scratch(path)


def test_a_damaged_snapshot_is_ignored(tmp_path: Path) -> None:
    project = _shop(tmp_path)
    for stored in (project.root / CACHE_DIR_NAME).glob("facts-*.pickle"):
        stored.write_bytes(b"not a pickle")
    _full_run_agrees(project, _job_module(project))


def test_a_snapshot_of_other_settings_is_not_used(tmp_path: Path) -> None:
    """The settings decide the facts (the base job, the task decorators): another
    configuration has a snapshot of its own."""
    project = _shop(tmp_path)
    ignores = '\n[tool.joblint.per-file-ignores]\n"x.py" = ["JOB1"]\n'
    _append(project.root / "pyproject.toml", ignores)
    other = _Project(project.root)
    assert other.store.load() is None


def test_the_command_line_keeps_facts_unless_told_not_to(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``joblint check FILE`` after an edit prints what ``--no-cache`` prints; with
    ``--no-cache`` nothing is kept."""
    root = _copied(REPO / "examples" / "shop", tmp_path)
    monkeypatch.chdir(root)
    path = _job_module(_Project(root)).relative_to(root).as_posix()
    main(["check", "--exit-zero", "--no-cache", "."])
    assert not list((root / CACHE_DIR_NAME).glob("facts-*.pickle"))
    main(["check", "--exit-zero", "."])
    assert list((root / CACHE_DIR_NAME).glob("facts-*.pickle"))
    capsys.readouterr()
    (root / path).write_bytes(_shifted((root / path).read_bytes()))
    main(["check", "--exit-zero", path])
    kept = capsys.readouterr().out
    main(["check", "--exit-zero", "--no-cache", path])
    assert kept == capsys.readouterr().out


FRAMEWORK_TREES = sorted(p for p in (REPO / "tests" / "fixtures" / "frameworks").iterdir())


def _configured_copy(tree: Path, tmp_path: Path) -> _Project:
    root = _copied(tree, tmp_path)
    config = root / "pyproject.toml"
    if not config.is_file():
        config.write_text("[tool.joblint]\n", encoding="utf-8")
    project = _Project(root)
    project.full_run()
    return project


@pytest.mark.parametrize("tree", FRAMEWORK_TREES, ids=lambda tree: tree.name)
def test_every_file_of_each_framework_tree_is_checked_from_the_snapshot(
    tmp_path: Path, tree: Path
) -> None:
    project = _configured_copy(tree, tmp_path)
    started = dict(_edited_one_by_one(project, _shifted))
    assert started
    assert all(started.values()), [path for path, used in started.items() if not used]


def _agree(project: _Project, paths: list[Path]) -> list[bool]:
    """Each of ``paths`` checked with the snapshot and from scratch: equal findings."""
    started = []
    for path in paths:
        found, used = project.check(path)
        assert found == project.check_from_scratch(path), path
        started.append(used)
    return started


def _modules(project: _Project) -> list[Path]:
    return sorted(path for path in project.root.rglob("*.py") if CACHE_DIR_NAME not in path.parts)


@pytest.mark.parametrize(
    "addition",
    [
        '\nCELERY_TASK_DEFAULT_QUEUE = "elsewhere"\n',
        '\nCELERY_TASK_ROUTES = {"proj.tasks.*": {"queue": "routed"}}\n',
        "\ntask_serializer = 'pickle'\n",
    ],
    ids=["default-queue", "routes", "serializer"],
)
def test_celery_settings_edited_elsewhere_are_seen(tmp_path: Path, addition: str) -> None:
    """A settings module no job names decides queues and serializers for every job:
    after an edit to it, every module is reported on as from scratch."""
    project = _configured_copy(REPO / "tests" / "fixtures" / "frameworks" / "celery", tmp_path)
    _append(project.root / "proj" / "settings.py", addition)
    _agree(project, _modules(project))


def test_a_new_model_and_a_new_import_are_seen(tmp_path: Path) -> None:
    """A model class added where a service can pass it, and imports that change how the
    app's package is named: the checked files are reported on as from scratch."""
    project = _shop(tmp_path)
    models = project.root / "models.py"
    _append(models, "\n\nfrom django.db import models as orm\n\n\nclass Coupon(orm.Model):\n")
    _append(models, "    pass\n")
    checkout = project.root / "services" / "checkout.py"
    checkout.write_text(
        "import shop.models\n" + checkout.read_text(encoding="utf-8"), encoding="utf-8"
    )
    _agree(project, [checkout, models, _job_module(project)])


def test_a_class_becoming_a_model_in_a_file_no_job_names_is_seen(tmp_path: Path) -> None:
    """A file the prefilter leaves out until one of its classes is a model that job code
    names: after the edit it is parsed, and the instance passed to a job is reported."""
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.joblint]\n",
            "shop/coupons.py": "class Coupon:\n    pass\n",
            "shop/jobs/redeem_coupon_job.py": (
                "from joblint.runtime import Job\n\n\nclass RedeemCouponJob(Job):\n"
                '    queue_as = "default"\n\n    def perform(self, coupon_id: int) -> None:\n'
                "        ...\n"
            ),
            "shop/services/checkout.py": (
                "from shop.coupons import Coupon\n"
                "from shop.jobs.redeem_coupon_job import RedeemCouponJob\n\n\n"
                "def redeem(coupon: Coupon) -> None:\n"
                "    RedeemCouponJob.perform_later(coupon)\n"
            ),
        },
    )
    project = _Project(tmp_path)
    project.full_run()
    checkout = tmp_path / "shop" / "services" / "checkout.py"
    assert not [item for item in project.check(checkout)[0] if item[1] == "JOB201"]
    (tmp_path / "shop" / "coupons.py").write_text(
        "from django.db import models\n\n\nclass Coupon(models.Model):\n    pass\n",
        encoding="utf-8",
    )
    found, _ = project.check(checkout)
    assert [item for item in found if item[1] == "JOB201"]
    assert found == project.check_from_scratch(checkout)


# The fix-safety projects whose fixes change files (failure_reports holds fixes joblint must
# not apply there, so a fix run leaves it as it is).
FIX_PROJECTS = sorted(
    tree
    for tree in (REPO / "tests" / "fixtures" / "fix_safety" / "projects").iterdir()
    if tree.name != "failure_reports"
)


@pytest.mark.parametrize("tree", FIX_PROJECTS, ids=lambda tree: tree.name)
def test_a_fix_from_the_snapshot_writes_what_a_fix_from_scratch_writes(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tree: Path,
) -> None:
    """``joblint check --fix`` (pre-commit's fixing hook) after every file moved down a
    line: the files it writes and its report are those of ``--no-cache``."""
    results = []
    started: list[bool] = []
    original = Linter._from_snapshot

    def recorded(linter: Linter, *args: Any) -> Any:
        start = original(linter, *args)
        started.append(start is not None)
        return start

    monkeypatch.setattr(Linter, "_from_snapshot", recorded)
    for name, extra in (("kept", []), ("scratch", ["--no-cache"])):
        root = _copied(tree, tmp_path / name)
        monkeypatch.chdir(root)
        main(["check", "--exit-zero", "."])
        for path in _modules(_Project(root)):
            path.write_bytes(_shifted(path.read_bytes()))
        before = {path.relative_to(root): path.read_bytes() for path in _modules(_Project(root))}
        capsys.readouterr()
        started.clear()
        main(["check", "--exit-zero", "--fix", "--unsafe-fixes", *extra, "."])
        after = {path.relative_to(root): path.read_bytes() for path in _modules(_Project(root))}
        results.append((capsys.readouterr().out, after))
        assert after != before, "the project has fixes to apply"
        if name == "kept":  # later rounds check fixed files, whose facts may differ
            assert started[0], "the first round of fixes starts from the snapshot"
    assert results[0] == results[1]
