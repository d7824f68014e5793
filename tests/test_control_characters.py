"""Nothing a file or an argument holds reaches the terminal as a control character: the
human formats, the error lines and the machine formats that cannot carry them show them
as visible symbols (ruff's choice), with the caret still under the right column."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from lint_support import write_tree
from test_cli import run as run_cli

BASE = "from joblint.runtime import Job\n\n\nclass ApplicationJob(Job):\n    pass\n"
JOB = (
    "from app.jobs.application_job import ApplicationJob\n\n\n"
    "class SendReceiptJob(ApplicationJob):\n"
    '    queue_as =\t"\x1b[31mma\x08ilers"\n\n'
    "    def perform(self, order_id: int) -> None:\n"
    "        ...\n"
)
# What the terminal may receive: printable text, newlines, and the tabs of excerpts.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.joblint]\nqueues = ['default']\n",
            "app/jobs/application_job.py": BASE,
        },
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    return run_cli("check", "--no-cache", *args)


def test_a_string_literal_with_escapes_is_shown_visibly(project: Path) -> None:
    (project / "app/jobs/send_receipt_job.py").write_text(JOB)
    code, out, err = run()
    assert (code, err) == (1, "")
    assert not CONTROL.search(out)
    lines = out.splitlines()
    assert lines[0].startswith(
        "app/jobs/send_receipt_job.py:5:16: JOB302 queue `\u241b[31mma\u2408ilers` is not"
    )
    assert lines[1:5] == [
        "  |",
        '5 |     queue_as =  "\u241b[31mma\u2408ilers"',
        "  |                 ^^^^^^^^^^^^^^^",
        "  |",
    ]


def test_a_message_from_escape_sequences_in_code_is_shown_visibly(project: Path) -> None:
    """``"\\x1b[2J"`` in the code is an escape sequence by the time a rule quotes it."""
    job = JOB.replace('"\x1b[31mma\x08ilers"', r'"ma\rilers\x1b[2J\x9b1m"')
    (project / "app/jobs/send_receipt_job.py").write_text(job)
    code, out, _ = run("--output-format", "concise")
    assert code == 1
    assert out.startswith(
        "app/jobs/send_receipt_job.py:5:16: JOB302 queue `ma\u240dilers\u241b[2J\\x9b1m` is not"
    )
    assert not CONTROL.search(out)


def test_an_undecodable_file_with_escapes_is_job002_shown_visibly(project: Path) -> None:
    (project / "app/blob.py").write_bytes(b'x = "\x1b[31m\xff\x1b]0;title\x07"\n')
    code, out, err = run()
    assert (code, err) == (1, "")
    assert not CONTROL.search(out)
    lines = out.splitlines()
    assert lines[0] == (
        "app/blob.py:1:11: JOB002 file is not valid utf-8: byte 0xff cannot be decoded; "
        "save it as UTF-8 or declare its encoding with a coding comment"
    )
    assert lines[2:4] == [
        '1 | x = "\u241b[31m\ufffd\u241b]0;title\u2407"',
        "  |           ^",
    ]


def test_form_feeds_and_separators_do_not_move_the_excerpt(project: Path) -> None:
    """Python ends a line only at LF, CR LF or CR; ``str.splitlines`` also at a form feed
    (the page break of older code) and at the ASCII separators."""
    job = JOB.replace("\x1b[31mma\x08ilers", "mailers")
    (project / "app/jobs/send_receipt_job.py").write_text("\x0c\n# a\x1cb\n" + job)
    code, out, _ = run()
    assert code == 1
    assert out.splitlines()[2] == '7 |     queue_as =  "mailers"'


def test_github_annotations_show_control_characters_visibly(project: Path) -> None:
    (project / "app/jobs/send_receipt_job.py").write_text(JOB)
    code, out, _ = run("--output-format", "github")
    assert code == 1
    assert "JOB302 queue `\u241b[31mma\u2408ilers` is not" in out
    assert not CONTROL.search(out)


def test_junit_of_control_characters_is_valid_xml(project: Path) -> None:
    (project / "app/jobs/send_receipt_job.py").write_text(JOB)
    code, out, _ = run("--output-format", "junit")
    assert code == 1
    [failure] = ElementTree.fromstring(out).iter("failure")
    assert "queue `\u241b[31mma\u2408ilers`" in (failure.get("message") or "")


def test_error_lines_show_control_characters_visibly(project: Path) -> None:
    code, out, err = run("\x1b[31mmissing.py")
    assert code == 2
    assert err == "joblint: error: \u241b[31mmissing.py: no such file or directory\n"
    code, out, err = run("--select", "\x1b]0;TITLE\x07")
    assert (code, out) == (2, "")
    assert err == "joblint: error: command line: unknown rule selector `\u241b]0;TITLE\u2407`\n"
