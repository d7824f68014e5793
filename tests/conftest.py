"""Hypothesis profiles.

``ci``, the default, is deterministic: examples come from a fixed seed (``derandomize``)
and nothing is read from or written to an example database, so CI, a new user's first run
and every later run in the same checkout draw the same examples and get the same result.
A failure there is a bug to fix, never a draw of luck, and a run can never fail only
because an earlier run left an example behind in ``.hypothesis/``.

``thorough`` is the deliberate search: random seeds, many more examples, and the example
database (``.hypothesis/``), so a failure found once is replayed until it is fixed. Chosen
with ``HYPOTHESIS_PROFILE=thorough`` or pytest's ``--hypothesis-profile=thorough``. The
fuzz tests (test_fuzz.py) scale their example counts from the profile's ``max_examples``.
"""

from __future__ import annotations

import os

from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase

DEFAULT_PROFILE = "ci"

settings.register_profile(
    DEFAULT_PROFILE, max_examples=100, derandomize=True, database=None, print_blob=True
)
settings.register_profile(
    "thorough",
    max_examples=2_000,
    database=DirectoryBasedExampleDatabase(".hypothesis/examples"),
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", DEFAULT_PROFILE))
