"""Which files a run checks."""

from __future__ import annotations

import os
from pathlib import Path

from joblint.config import Settings
from joblint.parse.discovery import discover


def names(root: Path, settings: Settings | None = None, force: bool = False) -> list[str]:
    settings = settings or Settings(project_root=root)
    found = discover([root], settings, force_exclude=force)
    return [path.relative_to(root).as_posix() for path in found.files]


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def test_python_files_only_and_sorted(tmp_path: Path) -> None:
    touch(tmp_path, "b.py", "a.py", "c.txt", "stubs/d.pyi", "pkg/e.py")
    assert names(tmp_path) == ["a.py", "b.py", "pkg/e.py", "stubs/d.pyi"]


def test_hidden_folders_venvs_and_default_excludes_are_skipped(tmp_path: Path) -> None:
    touch(tmp_path, "app.py", ".hidden/x.py", "env/lib/y.py", "node_modules/z.py", "build/w.py")
    (tmp_path / "env/pyvenv.cfg").write_text("home = /usr\n")
    assert names(tmp_path) == ["app.py"]


def test_gitignore_is_honoured_with_nested_negation(tmp_path: Path) -> None:
    touch(tmp_path, "keep.py", "gen/out.py", "gen/keep_me.py", "sub/secret.py", "sub/ok.py")
    (tmp_path / ".gitignore").write_text("gen/*.py\n!gen/keep_me.py\n")
    (tmp_path / "sub/.gitignore").write_text("secret.py\n")
    assert names(tmp_path) == ["gen/keep_me.py", "keep.py", "sub/ok.py"]


def test_exclude_and_extend_exclude(tmp_path: Path) -> None:
    touch(tmp_path, "app/a.py", "app/migrations/0001.py", "build/b.py")
    settings = Settings(project_root=tmp_path, extend_exclude=("migrations/",))
    assert names(tmp_path, settings) == ["app/a.py"]
    replaced = Settings(project_root=tmp_path, exclude=("app/",))
    assert names(tmp_path, replaced) == ["build/b.py"]


def test_named_files_are_checked_even_when_excluded_unless_forced(tmp_path: Path) -> None:
    touch(tmp_path, "build/b.py")
    settings = Settings(project_root=tmp_path)
    target = tmp_path / "build/b.py"
    assert discover([target], settings).files == (target,)
    assert discover([target], settings, force_exclude=True).files == ()


def test_a_named_folder_inside_an_excluded_one_is_walked_with_the_globs_below_it(
    tmp_path: Path,
) -> None:
    # `joblint check .venv/lib/python3.11/site-packages/django`, as with ruff.
    touch(tmp_path, "lib/site-packages/django/a.py", "lib/site-packages/django/build/b.py")
    settings = Settings(project_root=tmp_path)
    named = tmp_path / "lib/site-packages/django"
    assert [p.name for p in discover([named], settings).files] == ["a.py"]
    assert discover([named], settings, force_exclude=True).files == ()
    assert names(tmp_path) == []


def test_missing_paths_are_problems_not_crashes(tmp_path: Path) -> None:
    found = discover([tmp_path / "nope.py"], Settings(project_root=tmp_path))
    assert found.files == ()
    assert [problem.message for problem in found.problems] == ["no such file or directory"]


def test_symlink_loops_are_not_followed(tmp_path: Path) -> None:
    touch(tmp_path, "pkg/a.py")
    os.symlink(tmp_path / "pkg", tmp_path / "pkg/loop")
    assert names(tmp_path) == ["pkg/a.py"]


def test_a_folder_named_like_a_python_file_is_walked(tmp_path: Path) -> None:
    touch(tmp_path, "odd.py/inner.py")
    assert names(tmp_path) == ["odd.py/inner.py"]
