"""Shared fixtures: a manual clock and an inline adapter that tests drive by hand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from joblint.runtime import InlineAdapter, ManualClock
from joblint.runtime.adapters.registry import adapters


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def inline(clock: ManualClock) -> Iterator[InlineAdapter]:
    adapter = InlineAdapter(clock=clock)
    adapters.use(adapter)
    yield adapter
    adapters.reset()
