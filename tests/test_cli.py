"""The command line as a user meets it: exit codes, one-line errors, output formats, and
bad input that must never produce a traceback."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from lint_support import write_tree

from joblint.cli import main

BASE = "from joblint.runtime import Job\n\n\nclass ApplicationJob(Job):\n    pass\n"
GOOD_JOB = (
    "from app.jobs.application_job import ApplicationJob\n\n\n"
    "class SendReceiptJob(ApplicationJob):\n"
    '    queue_as = "mailers"\n\n'
    "    def perform(self, order_id: int) -> None:\n"
    "        ...\n"
)
BAD_JOB = GOOD_JOB.replace("SendReceiptJob", "ReceiptJob").replace(
    "class ReceiptJob", "class ReceiptJob"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": (
                "[project]\nname = 'demo'\n\n[tool.joblint]\npresets = ['conventions']\n"
            ),
            "app/jobs/application_job.py": BASE,
            "app/jobs/send_receipt_job.py": GOOD_JOB,
        },
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    """Run the CLI in-process, capturing output."""
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = main(list(args))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    finally:
        sys.stdout, sys.stderr = old
    return code, out.getvalue(), err.getvalue()


def test_clean_project_exits_zero(project: Path) -> None:
    code, out, err = run("check")
    assert (code, err) == (0, "")
    assert out == "All checks passed!\n"


def test_findings_exit_one_with_text_excerpt(project: Path) -> None:
    (project / "app/jobs/receipt_job.py").write_text(BAD_JOB)
    code, out, _ = run("check", "app")
    assert code == 1
    assert out.splitlines()[0].startswith("app/jobs/receipt_job.py:4:7: JOB101 `ReceiptJob`")
    assert "4 | class ReceiptJob(ApplicationJob):" in out
    assert "  |       ^^^^^^^^^^" in out
    assert out.endswith("Found 1 error.\n")


def test_exit_zero(project: Path) -> None:
    (project / "app/jobs/receipt_job.py").write_text(BAD_JOB)
    assert run("check", "--exit-zero")[0] == 0


def test_json_output_has_ruffs_fields(project: Path) -> None:
    (project / "app/jobs/receipt_job.py").write_text(BAD_JOB)
    code, out, _ = run("check", "--output-format", "json")
    assert code == 1
    [finding] = json.loads(out)
    assert finding["code"] == "JOB101"
    assert finding["name"] == "job-name-verb-noun"
    assert finding["filename"] == str(project / "app/jobs/receipt_job.py")
    assert finding["location"] == {"row": 4, "column": 7}
    assert finding["end_location"] == {"row": 4, "column": 17}
    assert finding["fix"] is None
    assert finding["url"].endswith("JOB101.md")
    assert finding["severity"] == "error"
    assert "ReceiptJob" in finding["message"]


def test_concise_and_statistics(project: Path) -> None:
    (project / "app/jobs/receipt_job.py").write_text(BAD_JOB)
    code, out, _ = run("check", "--output-format", "concise", "--statistics")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("app/jobs/receipt_job.py:4:7: JOB101 ")
    assert lines[1] == "1\tJOB101\tjob-name-verb-noun"
    assert lines[2] == "Found 1 error."


def test_quiet_prints_findings_only(project: Path) -> None:
    assert run("check", "--quiet") == (0, "", "")


def test_select_and_ignore(project: Path) -> None:
    (project / "app/jobs/receipt_job.py").write_text(BAD_JOB)
    assert run("check", "--ignore", "JOB101")[0] == 0
    assert run("check", "--select", "JOB102")[0] == 0
    assert run("check", "--select", "JOB1")[0] == 1


def test_unknown_rule_in_select_is_a_usage_error(project: Path) -> None:
    code, out, err = run("check", "--select", "JOB1O1")
    assert code == 2
    assert out == ""
    assert (
        err
        == "joblint: error: command line: unknown rule selector `JOB1O1`; did you mean `JOB101`?\n"
    )


def test_missing_path_is_exit_two_but_other_files_are_checked(project: Path) -> None:
    (project / "app/jobs/receipt_job.py").write_text(BAD_JOB)
    code, out, err = run("check", "--output-format", "concise", "app", "missing.py")
    assert code == 2
    assert "JOB101" in out
    assert err == "joblint: error: missing.py: no such file or directory\n"


def test_syntax_error_is_job001_and_others_still_checked(project: Path) -> None:
    (project / "app/jobs/receipt_job.py").write_text(BAD_JOB)
    (project / "app/broken.py").write_text("def f(:\n    pass\n")
    code, out, err = run("check", "--output-format", "concise")
    assert (code, err) == (1, "")
    assert "app/broken.py:1:7: JOB001 syntax error: invalid syntax" in out
    assert "app/jobs/receipt_job.py:4:7: JOB101" in out


def test_syntax_error_in_a_job_file_is_job001(project: Path) -> None:
    (project / "app/jobs/broken_job.py").write_text(
        "from app.jobs.application_job import ApplicationJob\nclass X(ApplicationJob:\n"
    )
    code, out, _ = run("check", "--output-format", "concise")
    assert code == 1
    assert out.splitlines()[0].startswith("app/jobs/broken_job.py:2:")
    assert "JOB001" in out.splitlines()[0]


def test_binary_and_undecodable_files_are_job002(project: Path) -> None:
    (project / "app/blob.py").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (project / "app/latin.py").write_bytes(b'name = "caf\xe9"\n')
    code, out, err = run("check", "--output-format", "concise")
    assert (code, err) == (1, "")
    assert "app/blob.py:3:1: JOB002 file is a binary file (contains a NUL byte)" in out
    assert "app/latin.py:1:12: JOB002 file is not valid utf-8: byte 0xe9" in out


def test_unreadable_file_is_job002(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = project / "app/secret.py"
    secret.write_text("x = 1\n")
    secret.chmod(0)  # enough for a normal user; root reads anyway, so deny it here too
    real_read_bytes = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == secret:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    try:
        code, out, _ = run("check", "--output-format", "concise")
    finally:
        secret.chmod(0o644)
    assert code == 1
    assert "app/secret.py:1:1: JOB002 file cannot be read: permission denied" in out


def test_broken_pyproject_is_exit_two(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.joblint\nselect = 1\n")
    code, out, err = run("check")
    assert (code, out) == (2, "")
    assert err.startswith(f"joblint: error: {project / 'pyproject.toml'}:1:14: invalid TOML: ")
    assert err.count("\n") == 1


def test_unknown_config_key_names_file_line_and_nearest_key(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.joblint]\nqueues = ['a']\nselct = ['JOB1']\n")
    code, _, err = run("check")
    assert code == 2
    assert err == (
        f"joblint: error: {project / 'pyproject.toml'}:3: unknown key `selct` in "
        "[tool.joblint]; did you mean `select`?\n"
    )


def test_wrong_config_type(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.joblint]\nextra-verbs = 'geocode'\n")
    code, _, err = run("check")
    assert code == 2
    assert err == (
        f"joblint: error: {project / 'pyproject.toml'}:2: `extra-verbs` in [tool.joblint] "
        "must be a list of strings, got a string ('geocode')\n"
    )


def test_unknown_code_in_config_select(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.joblint]\nselect = ['JOB777']\n")
    code, _, err = run("check")
    assert code == 2
    assert err.startswith("joblint: error: ")
    assert "unknown rule selector `JOB777`" in err


@pytest.mark.parametrize("key", ["select", "extend-select", "ignore"])
def test_unknown_code_in_config_names_the_line_of_its_key(project: Path, key: str) -> None:
    (project / "pyproject.toml").write_text(f"[tool.joblint]\n\n{key} = ['JOB1O1']\n")
    code, out, err = run("check")
    assert (code, out) == (2, "")
    assert err == (
        f"joblint: error: {project / 'pyproject.toml'}:3: unknown rule selector `JOB1O1`; "
        "did you mean `JOB101`?\n"
    )


def test_config_from_pyproject_applies(project: Path) -> None:
    (project / "app/jobs/receipt_job.py").write_text(BAD_JOB)
    (project / "pyproject.toml").write_text(
        "[tool.joblint]\npresets = ['conventions']\nextra-verbs = ['receipt']\n"
    )
    code, out, _ = run("check", "--output-format", "concise")
    assert code == 1  # `receipt` is now a verb, but `ReceiptJob` names no noun
    assert "names no noun after the verb `Receipt`" in out


def test_explicit_config_flag(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    (project / "app/jobs/receipt_job.py").write_text(BAD_JOB)
    other = tmp_path_factory.mktemp("cfg") / "pyproject.toml"
    other.write_text("[tool.joblint]\nignore = ['JOB101']\n")
    assert run("check", "--config", str(other), str(project / "app"))[0] == 0
    code, _, err = run("check", "--config", str(other.parent / "nope.toml"))
    assert code == 2
    assert "config file not found" in err


def test_per_file_ignores(project: Path) -> None:
    (project / "app/jobs/receipt_job.py").write_text(BAD_JOB)
    (project / "pyproject.toml").write_text(
        "[tool.joblint.per-file-ignores]\n'app/jobs/receipt_*.py' = ['JOB101']\n"
    )
    assert run("check")[0] == 0


def test_stdin(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(BAD_JOB.encode()))
    monkeypatch.setattr(sys, "stdin", stdin)
    code, out, _ = run(
        "check", "-", "--stdin-filename", "app/jobs/receipt_job.py", "--output-format", "concise"
    )
    assert code == 1
    assert out.splitlines()[0].startswith("app/jobs/receipt_job.py:4:7: JOB101")


def test_rules_table_and_json() -> None:
    code, out, _ = run("rules")
    assert code == 0
    assert out.splitlines()[0].split() == ["CODE", "NAME", "DEFAULT", "FIX", "SUMMARY"]
    assert any(line.startswith("JOB101  job-name-verb-noun") for line in out.splitlines())
    code, out, _ = run("rules", "--output-format", "json")
    rows = {row["code"]: row for row in json.loads(out)}
    assert rows["JOB105"]["fix"] == "unsafe"
    assert rows["JOB101"]["default"] == "conventions"  # the preset that turns it on
    assert rows["JOB201"]["default"] == "on"
    assert rows["JOB510"]["default"] == "off"


def test_rule_prints_its_page() -> None:
    code, out, _ = run("rule", "job101")
    assert code == 0
    assert out.startswith("# JOB101: job-name-verb-noun\n")
    code, _, err = run("rule", "JOB1001")
    assert code == 2
    assert err.startswith("joblint: error: unknown rule `JOB1001`")


def test_usage_error_exit_two() -> None:
    code, _, err = run("check", "--output-format", "xml")
    assert code == 2
    assert "invalid choice" in err


def test_console_script_and_module_entry_points(project: Path) -> None:
    (project / "app/jobs/receipt_job.py").write_text(BAD_JOB)
    for command in (
        [sys.executable, "-m", "joblint"],
        [str(Path(sys.executable).parent / "joblint")],
    ):
        result = subprocess.run(
            [*command, "check", "--output-format", "concise"],
            capture_output=True, text=True, cwd=project, check=False,
        )  # fmt: skip
        assert result.returncode == 1, result.stderr
        assert "JOB101" in result.stdout
        assert "Traceback" not in result.stderr


# -- an error run never claims success ---------------------------------------------------

CELERY_APP = 'from celery import Celery\n\napp = Celery("shop")\n'
UNRAISED_RETRY = (
    "from shop.celery import app\n\n\n"
    "def fetch(url: str) -> None: ...\n\n\n"
    '@app.task(bind=True, max_retries=5, queue="default")\n'
    "def fetch_feed(self, url: str) -> None:\n"
    "    try:\n"
    "        fetch(url)\n"
    "    except ConnectionError as error:\n"
    "        self.retry(exc=error, countdown=60)\n"
)
MISSING = (
    "joblint: error: src: no such file or directory\n"
    "joblint: error: tests/app.py: no such file or directory\n"
)


@pytest.mark.parametrize("output_format", ["text", "concise"])
def test_an_error_run_with_no_findings_says_it_is_incomplete(
    project: Path, output_format: str
) -> None:
    code, out, err = run("check", "--output-format", output_format, "src/", "tests/app.py")
    assert (code, err) == (2, MISSING)
    assert out == "No findings, but the check is incomplete: see the 2 errors below.\n"


def test_an_error_run_with_findings_says_it_is_incomplete(project: Path) -> None:
    (project / "app/jobs/receipt_job.py").write_text(BAD_JOB)
    code, out, err = run("check", "--output-format", "concise", "app", "missing.py")
    assert (code, err) == (2, "joblint: error: missing.py: no such file or directory\n")
    assert out.endswith("Found 1 error.\nThe check is incomplete: see the error below.\n")


def test_an_error_run_of_fix_says_it_is_incomplete(project: Path) -> None:
    write_tree(project, {"shop/celery.py": CELERY_APP, "shop/tasks.py": UNRAISED_RETRY})
    code, out, err = run("check", "--fix", "shop", "src/", "tests/app.py")
    assert (code, err) == (2, MISSING)
    assert "raise self.retry(" in (project / "shop/tasks.py").read_text()
    assert out == (
        "Found 1 error (1 fixed, 0 remaining).\nThe check is incomplete: see the 2 errors below.\n"
    )
    code, out, err = run("check", "--fix", "shop", "src/", "tests/app.py")
    assert (code, err) == (2, MISSING)
    assert out == "No findings, but the check is incomplete: see the 2 errors below.\n"


def test_an_error_run_of_diff_says_it_is_incomplete(project: Path) -> None:
    code, out, err = run("check", "--diff", "app", "missing.py")
    assert (code, out) == (2, "")
    assert err == (
        "Would apply 0 fixes to 0 files; the check is incomplete: see the error below.\n"
        "joblint: error: missing.py: no such file or directory\n"
    )


def test_an_error_run_in_junit_has_no_passing_case(project: Path) -> None:
    from xml.etree import ElementTree

    code, out, _ = run("check", "--output-format", "junit", "app", "missing.py")
    assert code == 2
    root = ElementTree.fromstring(out)
    assert (root.get("failures"), root.get("errors")) == ("0", "1")
    [case] = root.iter("testcase")
    error = case.find("error")
    assert error is not None
    assert error.get("message") == "missing.py: no such file or directory"


def test_an_error_run_in_sarif_is_not_successful(project: Path) -> None:
    from sarif_kit.validate import validation_errors

    code, out, _ = run("check", "--output-format", "sarif", "app", "missing.py")
    assert code == 2
    log = json.loads(out)
    assert validation_errors(log) == []
    [invocation] = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note == {"level": "error", "message": {"text": "missing.py: no such file or directory"}}


def test_an_error_run_in_github_is_an_annotation(project: Path) -> None:
    code, out, _ = run("check", "--output-format", "github", "app", "missing.py")
    assert code == 2
    assert out == "::error title=joblint::missing.py: no such file or directory\n"


# -- an empty selection ------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", ",", " , "])
def test_empty_select_is_a_usage_error(project: Path, value: str) -> None:
    code, out, err = run("check", "--select", value)
    assert (code, out) == (2, "")
    assert err.startswith("usage: joblint check ")
    assert err.splitlines()[-1] == (
        "joblint: error: argument --select: needs at least one rule code or prefix (e.g. JOB1, ALL)"
    )


@pytest.mark.parametrize("option", ["--extend-select", "--ignore"])
def test_empty_extend_select_and_ignore_change_nothing(project: Path, option: str) -> None:
    """As in ruff: nothing added or removed, which a script's empty variable may mean."""
    (project / "app/jobs/receipt_job.py").write_text(BAD_JOB)
    assert run("check", "--output-format", "concise", option, "")[0] == 1


def test_empty_select_in_config_names_its_line(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.joblint]\nqueues = ['a']\nselect = []\n")
    code, out, err = run("check")
    assert (code, out) == (2, "")
    assert err == (
        f"joblint: error: {project / 'pyproject.toml'}:3: `select` in [tool.joblint] must name "
        "at least one rule code or prefix (e.g. JOB1, ALL); remove it for the defaults\n"
    )


# -- clean -------------------------------------------------------------------------------


def test_clean_says_what_it_removed_or_that_there_was_nothing(project: Path) -> None:
    assert run("check")[0] == 0
    assert run("clean") == (0, "", f"Removed {project / '.joblint_cache'}\n")
    assert run("clean") == (0, "", f"No cache to remove in {project}\n")


# -- did you mean, for options and commands ---------------------------------------------


def test_unknown_option_of_a_command_suggests_the_closest(project: Path) -> None:
    code, out, err = run("check", "--slect", "JOB1")
    assert (code, out) == (2, "")
    assert err.startswith("usage: joblint check ")
    assert err.splitlines()[-1] == (
        "joblint: error: unrecognized arguments: --slect; did you mean `--select`?"
    )
    err = run("check", "--slect=JOB1")[2]
    assert err.splitlines()[-1] == (
        "joblint: error: unrecognized arguments: --slect=JOB1; did you mean `--select`?"
    )


def test_unknown_option_before_the_command_suggests_the_command_option() -> None:
    code, out, err = run("--slect")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "usage: joblint [-h] [--version] COMMAND ...",
        "joblint: error: unrecognized arguments: --slect; did you mean `check --select`?",
    ]


def test_unknown_option_with_nothing_close_has_no_hint(project: Path) -> None:
    err = run("check", "--zzzzzz")[2]
    assert err.splitlines()[-1] == "joblint: error: unrecognized arguments: --zzzzzz"


def test_unknown_command_suggests_the_closest() -> None:
    code, out, err = run("chek")
    assert (code, out) == (2, "")
    assert err.count("\n") == 2
    assert err.startswith("usage: joblint ")
    assert err.endswith("invalid choice: 'chek' (choose from 'check', 'rules', 'rule', "
                        "'inventory', 'clean', 'jobs'); did you mean `check`?\n")  # fmt: skip


def test_a_path_after_double_dash_may_start_with_a_dash(project: Path) -> None:
    (project / "-odd-file.py").write_text("def f(:\n")
    code, out, err = run("check", "--output-format", "concise", "--", "-odd-file.py")
    assert (code, err) == (1, "")
    assert out.startswith("-odd-file.py:1:7: JOB001 ")


def test_jobs_passes_a_leading_option_to_the_runtime() -> None:
    """argparse's REMAINDER leaves an option that comes first (`jobs --help`) unclaimed."""
    code, out, err = run("jobs", "--help")
    assert (code, err) == (0, "")
    assert out.startswith("usage: joblint jobs ")


def test_presets_from_the_config_and_the_command_line(project: Path) -> None:
    (project / "app/jobs/receipt_job.py").write_text(BAD_JOB)
    (project / "pyproject.toml").write_text("[tool.joblint]\n")
    assert run("check", "--output-format", "concise")[0] == 0  # JOB101 is house style
    code, out, _ = run("check", "--output-format", "concise", "--preset", "conventions")
    assert code == 1 and "JOB101" in out
    (project / "pyproject.toml").write_text("[tool.joblint]\npresets = ['conventions']\n")
    code, out, _ = run("check", "--output-format", "concise")
    assert code == 1 and "JOB101" in out


@pytest.mark.parametrize(
    ("config", "arguments", "message"),
    [
        ("", ["--preset", "house"], "joblint: error: command line: unknown preset `house`; "
         "the presets are: `conventions`\n"),
        ("presets = ['convention']\n", [], "pyproject.toml:2: unknown preset `convention` (did "
         "you mean `conventions`?); the presets are: `conventions`\n"),
    ],
)  # fmt: skip
def test_an_unknown_preset_is_one_line_and_exit_two(
    project: Path, config: str, arguments: list[str], message: str
) -> None:
    (project / "pyproject.toml").write_text(f"[tool.joblint]\n{config}")
    code, out, err = run("check", *arguments)
    assert code == 2
    assert err.endswith(message) and err.count("\n") == 1
    assert "All checks passed" not in out
