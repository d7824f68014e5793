"""Hypothesis profiles: ``ci`` (the default) keeps the suite quick; ``thorough`` is the
opt-in long fuzzing run, chosen with ``HYPOTHESIS_PROFILE=thorough`` or pytest's
``--hypothesis-profile=thorough``. The fuzz tests (test_fuzz.py) scale their example
counts from the profile's ``max_examples``."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", max_examples=100, print_blob=True)
settings.register_profile("thorough", max_examples=2_000, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
