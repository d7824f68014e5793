"""JOB511 and JOB512: the linter's reading of error policies, checked against the runtime.

The agreement table defines real job classes, runs them once with ``Job.execute`` (the
runtime's own policy handling, no queue), and asserts that the linter flags a declaration
exactly when the runtime does not do what that declaration says."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

from joblint.runtime import Job
from tests.lint_support import lint_tree, write_tree

CODES = ("JOB511", "JOB512")


def findings(root: Path, files: dict[str, str]) -> list[tuple[str, int, str]]:
    write_tree(root, {name: textwrap.dedent(text) for name, text in files.items()})
    return sorted(
        (d.path.relative_to(root).as_posix(), d.span.start.line, d.code)
        for d in lint_tree(root)
        if d.code in CODES
    )


HEADER = """\
import logging

from joblint.runtime import DeserializationError, Job, discard_on, rescue_from, retry_on


class ServiceError(Exception):
    pass


class TimeoutServiceError(ServiceError):
    pass

"""

# (policies written above and inside the class, the error `perform` raises, the line
#  (within the class text) of the declaration in question, what the runtime does)
AGREEMENT = [
    # a lower decorator wins over a higher one
    ("@retry_on(KeyError)\n@discard_on(KeyError)\n", "", "KeyError", 1, "discarded"),
    ("@discard_on(KeyError)\n@retry_on(KeyError)\n", "", "KeyError", 1, "retried"),
    # a superclass handler declared later shadows a subclass one declared earlier
    ("@retry_on(ConnectionError)\n@discard_on(OSError)\n", "", "ConnectionError", 1, "discarded"),
    ("@discard_on(OSError)\n@retry_on(ConnectionError)\n", "", "ConnectionError", 2, "retried"),
    # project exception classes, through their bases
    ("@retry_on(TimeoutServiceError)\n@discard_on(ServiceError)\n", "",
     "TimeoutServiceError", 1, "discarded"),
    ("@retry_on(ServiceError)\n@discard_on(TimeoutServiceError)\n", "",
     "ServiceError", 1, "retried"),
    # rescue_from methods come after every class decorator
    ("@retry_on(ValueError)\n",
     "    @rescue_from(ValueError)\n    def note(self, error):\n        raise error\n",
     "ValueError", 1, "failed"),
    ("@retry_on(ValueError)\n",
     "    @rescue_from(LookupError)\n    def note(self, error):\n        raise error\n",
     "ValueError", 1, "retried"),
    # a broad rescue that swallows: retries never happen
    ("@retry_on(ValueError)\n",
     "    @rescue_from(Exception)\n    def note(self, error):\n        logging.error('%s', error)\n",
     "ValueError", 1, "rescued"),
    # the same broad rescue re-raising or retrying hands the error on
    ("",
     "    @rescue_from(Exception)\n    def note(self, error):\n        raise error\n",
     "ValueError", None, "failed"),
    ("",
     "    @rescue_from(Exception)\n    def note(self, error):\n        self.retry_job(wait=5)\n",
     "ValueError", None, "retried"),
]

OUTCOME_OF = {"@retry_on": "retried", "@discard_on": "discarded"}


def run_in_runtime(path: Path, module_name: str, error: str) -> str:
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
        job = module.CheckPolicyJob()
        assert isinstance(job, Job)
        try:
            return str(job.execute().status)
        except BaseException as raised:
            assert type(raised).__name__ == error
            return "failed"
    finally:
        del sys.modules[module_name]


@pytest.mark.parametrize(("decorators", "methods", "error", "line", "expected"), AGREEMENT)
def test_linter_agrees_with_runtime(
    tmp_path: Path,
    decorators: str,
    methods: str,
    error: str,
    line: int | None,
    expected: str,
) -> None:
    class_text = (
        decorators
        + "class CheckPolicyJob(Job):\n"
        + f"    def perform(self) -> None:\n        raise {error}('boom')\n\n"
        + methods
    )
    offset = HEADER.count("\n")
    found = findings(tmp_path, {"app/jobs/check_policy_job.py": HEADER + class_text})
    observed = run_in_runtime(
        tmp_path / "app/jobs/check_policy_job.py", f"check_policy_{id(tmp_path)}", error
    )
    assert observed == expected
    flagged = {code for _, _, code in found}
    if "rescue_from(Exception)" in methods:
        # JOB511: flagged exactly when the broad rescue keeps the job from failing or retrying
        assert ("JOB511" in flagged) == (observed == "rescued")
    if line is not None:
        declaration = class_text.splitlines()[line - 1]
        assert declaration.split("(")[0] in OUTCOME_OF
        claimed = OUTCOME_OF[declaration.split("(")[0]]
        # JOB511 says every policy behind a swallowing broad rescue is dead; JOB512 leaves
        # such declarations to it rather than report them twice.
        flagged_here = "JOB511" in flagged or any(
            code == "JOB512" and at == offset + line for _, at, code in found
        )
        assert flagged_here == (observed != claimed), (found, observed)
