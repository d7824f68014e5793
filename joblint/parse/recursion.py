"""Room on the stack for deep syntax trees, without importing libcst (the command line
imports this before it knows whether any file needs parsing)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

# Python's default limit (1,000 frames) allows about 330 levels of a libcst tree, since a
# visitor takes three frames a level: real files go deeper (``pydoc_data/topics.py``
# concatenates thousands of string literals). Python-to-Python calls do not grow the C
# stack since 3.11, so a higher limit is safe for libcst's pure-Python visitors; a file
# deeper still is reported as too deep to analyse, never a crash.
DEEP_TREE_RECURSION_LIMIT = 20_000


@contextmanager
def room_for_deep_trees() -> Iterator[None]:
    """Raise the recursion limit for the duration of an analysis, then restore it."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, DEEP_TREE_RECURSION_LIMIT))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)
