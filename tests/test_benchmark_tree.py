"""The benchmark's generated project: the same bytes every time, valid Python, and full of
jobs joblint recognises, so the "many jobs" figures measure what they claim to."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from lint_support import REPO

from joblint.config import Settings
from joblint.engine.linter import Linter

FILES = 60  # two domain packages and a few shared helpers: fast, and every kind of file


def load_generator() -> ModuleType:
    """benchmarks/ is a folder of scripts, not a package."""
    path = REPO / "benchmarks" / "generate_tree.py"
    spec = importlib.util.spec_from_file_location("generate_tree", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate_tree = load_generator()


def test_the_tree_is_the_same_every_time() -> None:
    assert generate_tree.tree_files(FILES) == generate_tree.tree_files(FILES)


def test_the_tree_has_exactly_the_files_asked_for() -> None:
    for files in (26, FILES, 61, generate_tree.DEFAULT_FILES):
        names = generate_tree.tree_files(files)
        assert sum(name.endswith(".py") for name in names) == files
        assert "pyproject.toml" in names


def test_too_small_a_tree_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        generate_tree.tree_files(10)


def test_every_file_compiles() -> None:
    for name, content in generate_tree.tree_files(FILES).items():
        if name.endswith(".py"):
            compile(content, name, "exec")


def test_joblint_finds_jobs_of_every_framework(tmp_path: Path) -> None:
    generate_tree.generate(tmp_path, FILES)
    analysis, problems = Linter(Settings(project_root=tmp_path)).analyse_paths([tmp_path])
    assert problems == []
    frameworks = Counter(job.framework for job in analysis.jobs)
    assert set(frameworks) == {"celery", "dramatiq", "rq", "runtime"}
    assert len(analysis.jobs) > 30  # 16 per domain package, and the base job
    assert len(analysis.enqueue_sites) > 60
