"""The kept walk of a project (``joblint.engine.walk_cache``) gives the files a new walk
gives, through every change that changes them: a file created, deleted or renamed, a
``.gitignore`` edited or added, a virtual environment appearing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lint_support import write_tree

from joblint.config import Settings, load_settings
from joblint.engine import walk_cache
from joblint.parse.discovery import discover

CACHE = ".joblint_cache"


def _project(tmp_path: Path) -> Settings:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.joblint]\n",
            "app/jobs.py": "x = 1\n",
            "app/deep/er/views.py": "y = 2\n",
            "scripts/tool.py": "z = 3\n",
        },
    )
    return load_settings(tmp_path / "pyproject.toml", tmp_path)


def _age(root: Path) -> None:
    """Every folder and file of the tree a minute old: a walk of folders changed moments
    ago is not kept (the clock's tick might hide a second change)."""
    past = os.stat(root).st_mtime_ns - 60_000_000_000
    for folder, _, files in os.walk(root):
        for name in [*files, "."]:
            os.utime(Path(folder) / name, ns=(past, past))


def _kept_walk(settings: Settings) -> tuple[Path, ...]:
    """The files, from the kept walk (made first when there is none)."""
    return walk_cache.project_files(settings, settings.project_root / CACHE)


def _walk(settings: Settings) -> tuple[Path, ...]:
    return discover([settings.project_root], settings).files


@pytest.fixture
def walked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A project walked once, with the walk kept; a later new walk fails the test, so
    each test shows when the kept walk is used."""
    settings = _project(tmp_path)
    (tmp_path / CACHE).mkdir()  # as after a first run: creating it changes the root
    _age(tmp_path)
    assert _kept_walk(settings) == _walk(settings)
    assert list((tmp_path / CACHE).glob("walk-*.walk")), "the walk is kept"
    assert not list((tmp_path / CACHE).glob("*.json")), "the results are the only .json files"
    return settings


def test_an_unchanged_tree_is_not_walked_again(
    walked: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _walk(walked)

    def no_walk(*args: object, **kwargs: object) -> object:
        raise AssertionError("walked again")

    monkeypatch.setattr(walk_cache, "discover", no_walk)
    assert _kept_walk(walked) == expected


def test_a_file_created_deep_in_the_tree_is_found(walked: Settings) -> None:
    (walked.project_root / "app" / "deep" / "er" / "tasks.py").write_text("w = 4\n")
    assert walked.project_root / "app" / "deep" / "er" / "tasks.py" in _kept_walk(walked)
    assert _kept_walk(walked) == _walk(walked)


def test_a_deleted_and_a_renamed_file_are_seen(walked: Settings) -> None:
    (walked.project_root / "scripts" / "tool.py").unlink()
    (walked.project_root / "app" / "jobs.py").rename(walked.project_root / "app" / "work.py")
    assert _kept_walk(walked) == _walk(walked)
    assert walked.project_root / "app" / "work.py" in _kept_walk(walked)


def test_a_gitignore_edited_in_place_is_obeyed(walked: Settings) -> None:
    ignore = walked.project_root / "app" / ".gitignore"
    ignore.write_text("# nothing yet\n")
    _age(walked.project_root)
    assert _kept_walk(walked) == _walk(walked)
    with ignore.open("a") as out:  # in place: the folder's time does not change
        out.write("jobs.py\n")
    assert walked.project_root / "app" / "jobs.py" not in _kept_walk(walked)
    assert _kept_walk(walked) == _walk(walked)


def test_a_virtual_environment_appearing_is_left_out(walked: Settings) -> None:
    (walked.project_root / "scripts" / "pyvenv.cfg").write_text("home = /usr\n")
    assert walked.project_root / "scripts" / "tool.py" not in _kept_walk(walked)


def test_a_walk_of_folders_changed_moments_ago_is_not_kept(tmp_path: Path) -> None:
    settings = _project(tmp_path)
    assert _kept_walk(settings) == _walk(settings)
    assert not list((tmp_path / CACHE).glob("walk-*.walk"))
