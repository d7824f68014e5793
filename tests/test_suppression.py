"""noqa comments, read as flake8 and ruff read them."""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_support import lint_tree, write_tree

from joblint.diagnostics import Diagnostic, Span
from joblint.parse.suppression import comment_lines, scan_suppressions

BASE = 'from joblint.runtime import Job\n\n\nclass ApplicationJob(Job):\n    queue_as = "default"\n'


def finding(code: str, line: int) -> Diagnostic:
    return Diagnostic(code, "name", "message", Path("x.py"), Span.point(line, 1))


def test_bare_noqa_silences_everything_on_its_line() -> None:
    found = scan_suppressions("a = 1  # noqa\nb = 2\n")
    assert found.suppresses(finding("JOB101", 1))
    assert not found.suppresses(finding("JOB101", 2))


def test_coded_noqa_silences_only_its_codes() -> None:
    found = scan_suppressions("a = 1  # noqa: JOB101, JOB102\n")
    assert found.suppresses(finding("JOB101", 1))
    assert found.suppresses(finding("JOB102", 1))
    assert not found.suppresses(finding("JOB103", 1))


def test_a_code_silences_the_codes_it_starts_as_in_flake8() -> None:
    found = scan_suppressions("a = 1  # noqa: JOB2\nb = 2  # noqa: E501, JOB20\n")
    assert found.suppresses(finding("JOB201", 1))
    assert found.suppresses(finding("JOB207", 1))
    assert not found.suppresses(finding("JOB101", 1))
    assert not found.suppresses(finding("JOB003", 1))  # about the comment, not silenced by it
    assert found.suppresses(finding("JOB203", 2))
    assert not found.suppresses(finding("JOB201", 3))


def test_file_level_noqa_code_silences_the_codes_it_starts() -> None:
    found = scan_suppressions("# joblint: noqa: job2\nx = 1\n")
    assert found.suppresses(finding("JOB203", 2))
    assert not found.suppresses(finding("JOB101", 2))


def test_job003_reports_a_code_only_when_no_rule_code_starts_with_it(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "example.py": (
                "a = 1  # noqa: JOB2, JOB20, JOB0, JOB6\nb = 2  # noqa: JOB9, JOB299, JOB2011\n"
            ),
            "skipped.py": "# joblint: noqa: JOB2, JOB8\nx = 1\n",
        },
    )
    found = [(d.path.name, d.line, d.column, d.message) for d in lint_tree(tmp_path)]
    message = (
        "in this noqa comment is not a joblint rule, nor the start of a rule's code; remove it "
        "or correct it (`joblint rules` lists them)"
    )
    assert found == [
        ("example.py", 2, 16, f"`JOB9` {message}"),
        ("example.py", 2, 22, f"`JOB299` {message}"),
        ("example.py", 2, 30, f"`JOB2011` {message}"),
        ("skipped.py", 1, 24, f"`JOB8` {message}"),
    ]


def test_noqa_is_case_insensitive_and_accepts_no_space() -> None:
    found = scan_suppressions("a = 1  # NOQA:JOB101,E501\n")
    assert found.suppresses(finding("JOB101", 1))
    assert [m.code for m in found.mentions] == ["JOB101", "E501"]


def test_noqa_inside_a_string_is_not_a_comment() -> None:
    found = scan_suppressions('a = "# noqa"\n')
    assert not found.suppresses(finding("JOB101", 1))


def test_file_level_noqa() -> None:
    assert scan_suppressions("# joblint: noqa\nx = 1\n").skips_file
    coded = scan_suppressions("# joblint: noqa: JOB101\nx = 1\n")
    assert not coded.skips_file
    assert coded.suppresses(finding("JOB101", 2))
    assert not coded.suppresses(finding("JOB102", 2))


def test_file_level_noqa_must_be_on_its_own_line() -> None:
    found = scan_suppressions("x = 1  # joblint: noqa\ny = 2\n")
    assert not found.skips_file
    assert not found.suppresses(finding("JOB101", 2))


def test_noqa_in_a_file_tokenize_rejects_still_counts() -> None:
    found = scan_suppressions("def f(:  # noqa: JOB001\n")
    assert found.suppresses(finding("JOB001", 1))


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_noqa_counts_whatever_the_line_endings(newline: str) -> None:
    text = newline.join(["x = 1", '"""a', 'b"""', "y = 2  # noqa: JOB101", ""])
    found = scan_suppressions(text)
    assert found.suppresses(finding("JOB101", 4))
    assert not found.suppresses(finding("JOB101", 3))
    assert comment_lines(text) == {2: 3}


def test_suppression_end_to_end(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "jobs/application_job.py": BASE,
            "jobs/report_job.py": (
                "from jobs.application_job import ApplicationJob\n"
                "class ReportJob(ApplicationJob):  # noqa: JOB101\n"
                "    def perform(self) -> None: ...\n"
                "class DailyJob(ApplicationJob):  # noqa: JOB102, JOB103\n"
                "    def perform(self) -> None: ...\n"
                "x = 1  # noqa: JOB555\n"
            ),
            "jobs/skipped.py": (
                "# joblint: noqa\n"
                "from jobs.application_job import ApplicationJob\n"
                "class Nothing(ApplicationJob):\n"
                "    def perform(self) -> None: ...\n"
            ),
        },
    )
    found = sorted((d.path.name, d.line, d.code) for d in lint_tree(tmp_path))
    assert found == [
        ("report_job.py", 4, "JOB101"),  # only JOB102 and JOB103 are silenced on line 4
        ("report_job.py", 6, "JOB003"),
    ]


def test_file_level_noqa_may_carry_an_explanation() -> None:
    assert scan_suppressions("# joblint: noqa  # generated file\n").skips_file
    coded = scan_suppressions("# joblint: noqa: JOB101  # legacy names\n")
    assert coded.suppresses(finding("JOB101", 3))


def test_misused_suppressions_are_job003_and_not_hidden_by_themselves(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "example.py": (
                "a = 1  # noqa : JOB101\n"
                "b = 2  # noqa JOB101\n"
                "c = 3  # joblint: noqa\n"
                "d = 4  # noqa\n"
                "e = 5  # noqa  # because\n"
                "f = 6  # noqa E501, JOB101\n"
                # Another tool's codes written wrong are that tool's business (SQLAlchemy
                # writes these): to joblint they are a bare noqa, which is never flagged.
                "g = 7  # noqa E501\n"
                "h = 8  # noqa:  A001\n"
                "i = 9  # noqa : F401, E501\n"
                # `JOB` alone is no code: flake8 reads a blanket noqa, ruff none at all.
                "j = 10  # noqa: JOB\n"
                "k = 11  # noqa:job, E501\n"
                "l = 12  # noqa: jobs run at night\n"
            )
        },
    )
    found = [(d.line, d.column, d.code, d.message.split(";")[0]) for d in lint_tree(tmp_path)]
    blanket = (
        "this noqa comment is read as a blanket `# noqa` (by flake8 too) "
        "and silences every rule on the line"
    )
    assert found == [
        (1, 8, "JOB003", blanket),
        (2, 8, "JOB003", blanket),
        (3, 8, "JOB003", "`# joblint: noqa` works only on a line of its own"),
        (6, 8, "JOB003", blanket),
        (10, 9, "JOB003", blanket),
        (11, 9, "JOB003", blanket),
    ]
