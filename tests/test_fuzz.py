"""joblint never crashes on valid Python (flake8-bugbear's habit, with hypothesmith)."""

from __future__ import annotations

from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings

from joblint.config import Settings
from joblint.engine import Linter, Problem
from joblint.rules import ALL_RULES

LINTER = Linter(
    Settings(project_root=Path("/nonexistent")),
    enabled=frozenset(rule.code for rule in ALL_RULES),
)
# Job-shaped preamble so the generated code is parsed and recognised, not only prefiltered.
PREAMBLE = (
    "from joblint.runtime import Job\n"
    "class ApplicationJob(Job):\n    pass\n"
    "class SendThingJob(ApplicationJob):\n    def perform(self, thing_id): ...\n"
)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles its programs
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(hypothesmith.from_grammar())
def test_never_crashes_on_valid_python(source: str) -> None:
    for text in (source, PREAMBLE + source):
        results = list(LINTER.lint_source(Path("/nonexistent/jobs/x.py"), text.encode()))
        problems = [r for r in results if isinstance(r, Problem)]
        assert problems == []
