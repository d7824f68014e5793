"""A run keeps Python's cyclic garbage collector off while it builds and reads its trees
(each full collection traverses the whole heap of them), and leaves it as it found it:
the flake8 plugin and editors run joblint inside processes of their own."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from lint_support import write_tree

from joblint.config import Settings
from joblint.engine import linter
from joblint.engine.linter import Linter, without_cycle_collection


@pytest.fixture
def collector_on() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.enable()
    yield
    if not enabled:
        gc.disable()


def test_the_collector_is_off_within_and_as_it_was_after(collector_on: None) -> None:
    with without_cycle_collection():
        assert not gc.isenabled()
        with without_cycle_collection():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner one leaves it to the outer
    assert gc.isenabled()
    gc.disable()
    with without_cycle_collection():
        assert not gc.isenabled()
    assert not gc.isenabled()  # off before, off after


def test_a_run_checks_with_the_collector_off(
    collector_on: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"app/jobs.py": "from joblint.runtime import Job\n"})
    seen: list[bool] = []
    check = linter.Linter._check_sources

    def recording(self: Linter, *args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return check(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(linter.Linter, "_check_sources", recording)
    list(Linter(Settings(tmp_path)).lint_paths([tmp_path]))
    assert seen == [False]
    assert gc.isenabled()
