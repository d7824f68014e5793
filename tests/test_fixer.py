"""The fix engine's guarantees: libcst only, re-parsed, idempotent, atomic, and the
file's encoding, BOM, line endings and comments survive."""

from __future__ import annotations

import json
from pathlib import Path

import libcst as cst
import pytest
from lint_support import write_tree
from test_cli import run

from joblint.diagnostics import Applicability, Diagnostic, Fix, Span
from joblint.fix.fixer import apply_to_module, edits, write_atomically

MODELS = "from django.db import models\n\n\nclass Order(models.Model):\n    pass\n"
BASE = "from joblint.runtime import Job\n\n\nclass ApplicationJob(Job):\n    pass\n"
JOB = (
    "from app.jobs.application_job import ApplicationJob\n\n\n"
    "class ChargeOrderJob(ApplicationJob):\n"
    '    queue_as = "critical"\n\n'
    "    def perform(self, order_id: int) -> None:\n"
    "        ...\n"
)
SERVICE = (
    "# -*- coding: latin-1 -*-\r\n"
    "from app.jobs.charge_order_job import ChargeOrderJob  # caf\xe9\r\n"
    "from app.models import Order\r\n"
    "\r\n"
    "\r\n"
    "def check_out(order: Order) -> None:\r\n"
    "    # the customer clicked pay\r\n"
    "    ChargeOrderJob.perform_later(order)\r\n"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.joblint]\n",
            "app/models.py": MODELS,
            "app/jobs/application_job.py": BASE,
            "app/jobs/charge_order_job.py": JOB,
            "app/services/checkout.py": SERVICE.encode("latin-1"),
        },
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_safe_fix_mode_leaves_unsafe_fixes_alone(project: Path) -> None:
    before = (project / "app/services/checkout.py").read_bytes()
    code, out, _ = run("check", "--fix", "--output-format", "concise")
    assert code == 1
    assert (project / "app/services/checkout.py").read_bytes() == before
    assert "(1 hidden fix can be enabled with the `--unsafe-fixes` option)" in out


def test_unsafe_fix_keeps_encoding_line_endings_and_comments(project: Path) -> None:
    target = project / "app/services/checkout.py"
    target.chmod(0o640)
    code, out, _ = run("check", "--fix", "--unsafe-fixes", "--output-format", "concise")
    assert (code, out) == (0, "Found 1 error (1 fixed, 0 remaining).\n")
    expected = SERVICE.replace("perform_later(order)", "perform_later(order.pk)")
    assert target.read_bytes() == expected.encode("latin-1")
    assert target.stat().st_mode & 0o777 == 0o640
    # idempotent: a second run changes nothing
    assert run("check", "--fix", "--unsafe-fixes", "--quiet") == (0, "", "")
    assert target.read_bytes() == expected.encode("latin-1")
    assert not list(target.parent.glob(".*.joblint"))  # no temporary files left


def test_diff_writes_nothing_and_exits_one(project: Path) -> None:
    before = (project / "app/services/checkout.py").read_bytes()
    code, out, err = run("check", "--diff", "--unsafe-fixes")
    assert code == 1
    assert "-    ChargeOrderJob.perform_later(order)\r\n" in out
    assert "+    ChargeOrderJob.perform_later(order.pk)\r\n" in out
    assert err == "Would apply 1 fix to 1 file.\n"
    assert (project / "app/services/checkout.py").read_bytes() == before


def test_json_fix_has_applicability_message_and_edits(project: Path) -> None:
    code, out, _ = run("check", "--output-format", "json")
    assert code == 1
    [finding] = json.loads(out)
    assert finding["fix"]["applicability"] == "unsafe"
    assert finding["fix"]["edits"] == [
        {
            "content": ".pk",
            "location": {"row": 8, "column": 39},
            "end_location": {"row": 8, "column": 39},
        }
    ]


def _diagnostic(fix: Fix) -> Diagnostic:
    return Diagnostic("JOB999", "test", "m", Path("x.py"), Span.point(1, 1), fix=fix)


def test_a_fix_whose_result_does_not_parse_is_never_kept() -> None:
    def keyword_as_name(module: cst.Module) -> cst.Module:
        # libcst builds this tree, but its code (`def`) is not Python
        return cst.Module(body=[cst.SimpleStatementLine([cst.Expr(cst.Name("def"))])])

    broken = Fix("breaks", Applicability.SAFE, keyword_as_name)
    data = b"x = 1\n"
    new, applied, error = apply_to_module(data, [_diagnostic(broken)], unsafe=False)
    assert (new, applied) == (data, [])
    assert error is not None and "does not parse" in error

    raising = Fix("raises", Applicability.SAFE, lambda module: cst.parse_module("x = (\n"))
    new, applied, error = apply_to_module(data, [_diagnostic(raising)], unsafe=False)
    assert (new, applied) == (data, [])
    assert error is not None and error.startswith("fix for JOB999 failed")


def test_unsafe_fixes_need_the_flag() -> None:
    fix = Fix("rename", Applicability.UNSAFE, lambda m: cst.parse_module("y = 1\n"))
    assert apply_to_module(b"x = 1\n", [_diagnostic(fix)], unsafe=False)[0] == b"x = 1\n"
    assert apply_to_module(b"x = 1\n", [_diagnostic(fix)], unsafe=True)[0] == b"y = 1\n"


def test_write_atomically_replaces_content(tmp_path: Path) -> None:
    target = tmp_path / "f.py"
    target.write_bytes(b"a\r\n")
    write_atomically(target, b"b\r\n")
    assert target.read_bytes() == b"b\r\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.py"]


def test_edits_cover_exactly_the_change() -> None:
    assert edits("abc\ndef\n", "abc\ndXef\n") == [
        {
            "content": "X",
            "location": {"row": 2, "column": 2},
            "end_location": {"row": 2, "column": 2},
        }
    ]
    assert edits("same", "same") == []
