"""Bad input never produces a traceback: each odd file gets a clear finding or is quietly
fine, the other files are still checked, and the exit code is the documented one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from lint_support import REPO, write_tree
from test_cli import run

BASE = "from joblint.runtime import Job\n\n\nclass ApplicationJob(Job):\n    pass\n"
BAD_JOB = (
    "from app.jobs.application_job import ApplicationJob\n\n\n"
    "class ReceiptJob(ApplicationJob):\n"
    "    def perform(self, order_id: int) -> None:\n"
    "        pass\n"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.joblint]\npresets = ["conventions"]\n',
            "app/jobs/application_job.py": BASE,
            "app/jobs/receipt_job.py": BAD_JOB,
        },
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


OTHER_FILE_FINDING = "app/jobs/receipt_job.py:4:7: JOB101"  # the other files are still checked
DEEP = 500


ODD_FILES: list[tuple[str, bytes, str | None]] = [
    ("empty.py", b"", None),
    ("comments.py", b"# only a comment\n# and another\n", None),
    ("bom.py", b"\xef\xbb\xbfx = 1\n", None),
    ("crlf.py", b"x = 1\r\ny = 2\r\n", None),
    ("mixed.py", b"x = 1\r\ny = 2\nz = 3\r", None),
    ("tabs.py", b"if True:\n\tx = 1\n", None),
    ("latin_cookie.py", "# -*- coding: latin-1 -*-\nx = 'caf\xe9'\n".encode("latin-1"), None),
    ("latin_no_cookie.py", "x = 'caf\xe9'\n".encode("latin-1"), "1:9: JOB002"),
    ("binary.py", b"\x7fELF\x02\x01\x00\x00", "1:7: JOB002"),
    ("deep.py", b"x = " + b"(" * DEEP + b"1" + b")" * DEEP + b"\n", None),
    # Expressions nested 500 levels deep in files that are parsed and analysed: an enqueue
    # argument, a job body, an operand chain, a lambda chain.
    (
        "deep_argument.py",
        b"from app.jobs.receipt_job import ReceiptJob\n"
        b"ReceiptJob.perform_later(" + b"[" * DEEP + b"1" + b"]" * DEEP + b")\n",
        None,
    ),
    (
        "deep_operators.py",
        b"from app.jobs.receipt_job import ReceiptJob\n"
        # A statement (its fix applies only where the result is unused) over a deep tree.
        b"ReceiptJob.perform_now(" + b"-" * DEEP + b"1)\n"
        b"y = " + b"not " * DEEP + b"ReceiptJob\n"
        b"z = "
        + b"lambda: " * DEEP
        + b"ReceiptJob.perform_later("
        + b"f(" * DEEP
        + b")" * DEEP
        + b")\n",
        "2:1: JOB605",
    ),
    (
        "jobs/send_deep_job.py",
        b"from app.jobs.application_job import ApplicationJob\n\n\n"
        b"class SendDeepJob(ApplicationJob):\n"
        b'    queue_as = "default"\n\n'
        b"    def perform(self, order_id: int) -> None:\n"
        b"        total = " + b"(order_id + " * DEEP + b"1" + b")" * DEEP + b"\n",
        None,
    ),
    # Parsed (it mentions the runtime), then visited 3,000 levels deep: fine.
    (
        "long_concatenation.py",
        b"from joblint.runtime import Job\nTEXT = (\n" + b'  "x"\n' * 3000 + b")\n",
        None,
    ),
    # Valid Python that libcst's parser refuses: said so, not called a syntax error.
    (
        "libcst_limit.py",
        b"from joblint.runtime import Job\nTEXT = (\n" + b'  "x"\n' * 4000 + b")\n",
        "4003:1: JOB001 Python accepts this file but libcst",
    ),
    ("template.py", b"{% if x %}\nimport {{ name }}\n{% endif %}\n", "1:2: JOB001"),
    ("tabs_mixed.py", b"if True:\n\tx = 1\n        y = 2\n", "3:"),
]


@pytest.mark.parametrize(("name", "content", "expected"), ODD_FILES, ids=[f[0] for f in ODD_FILES])
def test_odd_file(project: Path, name: str, content: bytes, expected: str | None) -> None:
    (project / "app" / name).write_bytes(content)
    code, out, err = run("check", "--output-format", "concise", "--quiet")
    assert err == ""
    assert "Traceback" not in out
    lines = [line for line in out.splitlines() if f"app/{name}" in line]
    if expected is None:
        assert lines == []
    else:
        assert len(lines) == 1 and f"app/{name}:{expected}" in lines[0], lines
    assert OTHER_FILE_FINDING in out
    assert code == 1


def test_large_generated_file(project: Path) -> None:
    body = "".join(f"value_{i} = {i} * 2  # padding padding padding\n" for i in range(110_000))
    (project / "app/big.py").write_text(body)
    assert (project / "app/big.py").stat().st_size > 5_000_000
    code, out, err = run("check", "--output-format", "concise", "--quiet")
    assert (code, err) == (1, "")
    assert "big.py" not in out
    assert OTHER_FILE_FINDING in out


def test_a_directory_named_like_a_python_file(project: Path) -> None:
    (project / "app/odd.py").mkdir()
    (project / "app/odd.py/inner.py").write_text("from app.jobs.receipt_job import X\n")
    (project / "app/odd.py/broken.py").write_text("def broken(:\n")
    for paths in ([], ["app", "app/odd.py"]):  # walked into, or named on the command line
        code, out, err = run("check", "--output-format", "concise", "--quiet", *paths)
        assert (code, err) == (1, "")
        assert "app/odd.py/broken.py:1:12: JOB001" in out  # a folder: its files are checked
        assert OTHER_FILE_FINDING in out


def test_symlink_loop_and_dangling_link(project: Path) -> None:
    os.symlink(project / "app", project / "app/loop")
    os.symlink(project / "nowhere.py", project / "app/dangling.py")
    os.symlink("self.py", project / "app/self.py")
    code, out, err = run("check", "--output-format", "concise", "--quiet")
    assert (code, err) == (1, "")
    assert OTHER_FILE_FINDING in out
    assert "dangling" not in out  # a broken link met while walking is skipped, as git does
    assert "self.py" not in out
    code, out, err = run("check", "--output-format", "concise", "--quiet", "app", "app/self.py")
    assert (code, err) == (1, "")
    assert OTHER_FILE_FINDING in out
    assert "app/self.py:1:1: JOB002 file cannot be read: Too many levels of symbolic links" in out
    code, out, err = run("check", "--output-format", "concise", "--quiet", "app/dangling.py")
    assert (code, err) == (1, "")
    assert out == (
        "app/dangling.py:1:1: JOB002 file is a symbolic link to a file that does not exist\n"
    )


def test_file_deleted_between_discovery_and_reading(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import joblint.engine.linter as engine

    victim = project / "app/victim.py"
    victim.write_text("x = 1\n")
    real_discover = engine.discover

    def discover_then_delete(*args: object, **kwargs: object) -> object:
        found = real_discover(*args, **kwargs)  # type: ignore[arg-type]
        victim.unlink(missing_ok=True)
        return found

    monkeypatch.setattr(engine, "discover", discover_then_delete)
    # Without the cache: a cached run reads every file for its key before the engine
    # discovers anything, and then checks those bytes.
    code, out, err = run("check", "--no-cache", "--output-format", "concise", "--quiet")
    assert err == ""
    assert "app/victim.py:1:1: JOB002 file disappeared before it could be read" in out
    assert OTHER_FILE_FINDING in out
    assert code == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its permissions")
def test_unreadable_file(project: Path) -> None:
    secret = project / "app/secret.py"
    secret.write_text("x = 1\n")
    secret.chmod(0)
    try:
        code, out, err = run("check", "--output-format", "concise", "--quiet")
    finally:
        secret.chmod(0o644)
    assert (code, err) == (1, "")
    assert "app/secret.py:1:1: JOB002 file cannot be read: permission denied" in out
    assert OTHER_FILE_FINDING in out


def test_unreadable_file_even_for_root(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same as the reader meets it when the permission is denied, whoever runs the
    tests (a CI container often runs them as root)."""
    secret = project / "app/secret.py"
    secret.write_text("x = 1\n")
    real_read_bytes = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "secret.py":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    for fix in ([], ["--fix", "--unsafe-fixes"]):
        code, out, err = run("check", "--output-format", "concise", "--quiet", *fix)
        assert (code, err) == (1, "")
        assert "app/secret.py:1:1: JOB002 file cannot be read: permission denied" in out
        assert "app/jobs/receipt_job.py:4:7: JOB101" in out


@pytest.mark.parametrize(
    ("name", "content", "finding"),
    [
        (
            "queue.yml",
            "workers:\n  - queues: [billing\n",
            "config/queue.yml:3:1: JOB701 YAML syntax",
        ),
        (
            "recurring.yml",
            "nightly:\n  class: X\n   schedule: every hour\n",
            "config/recurring.yml:3:",
        ),
        ("queue.yml", "\tworkers: 1\n", "config/queue.yml:1:1: JOB701 YAML syntax"),
    ],
)
def test_broken_yaml_config_file(project: Path, name: str, content: str, finding: str) -> None:
    (project / "config").mkdir()
    (project / "config" / name).write_text(content)
    code, out, err = run("check", "--output-format", "concise", "--quiet")
    assert (code, err) == (1, "")
    assert finding in out
    assert OTHER_FILE_FINDING in out


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[tool.joblint\nselect = 1\n", "1:14: invalid TOML: Expected ']'"),
        ("[tool.joblint]\nselect = 'JOB1'\nselect = 'JOB2'\n", "3:16: invalid TOML: Cannot"),
        ("[tool.joblint]\nqueues = ['a']\nselct = ['JOB1']\n", "3: unknown key `selct`"),
        ("[tool.joblint]\n\nselect = 'JOB1'\n", "3: `select` in [tool.joblint] must be"),
        ("[tool.joblint]\nselect = ['JOB1O1']\n", "2: unknown rule selector `JOB1O1`"),
        ("[tool.joblint]\nselect = ['JOB1']\nignore = ['JOB9']\n", "3: unknown rule selector"),
    ],
)
def test_invalid_pyproject_is_one_line_and_exit_two(
    project: Path, config: str, message: str
) -> None:
    (project / "pyproject.toml").write_text(config)
    code, out, err = run("check", "--output-format", "concise")
    assert (code, out) == (2, "")
    assert err.startswith(f"joblint: error: {project / 'pyproject.toml'}:")
    assert message in err
    assert f"pyproject.toml:{message.split(':')[0]}:" in err  # the line, where it always is
    assert "(at " not in err
    assert err.count("\n") == 1


# Without the two files of thousands of strings, slow to analyse and tested on their own.
MATRIX = [odd for odd in ODD_FILES if odd[0] not in ("long_concatenation.py", "libcst_limit.py")]


def test_the_whole_matrix_at_once_with_fixes(project: Path) -> None:
    """Every odd file in one run: first through the real entry point in its own process,
    then fixing. The odd files keep their bytes, the fixable one (the deep chain of
    operators) is fixed, and the rest of the project is still checked."""
    for name, content, _ in MATRIX:
        (project / "app" / name).write_bytes(content)
    (project / "app/odd.py").mkdir()
    os.symlink(project / "app", project / "app/loop")
    os.symlink("self.py", project / "app/self.py")
    (project / "config").mkdir()
    (project / "config/queue.yml").write_text("workers:\n  - queues: [billing\n")
    done = subprocess.run(
        [sys.executable, "-m", "joblint", "check", "--output-format", "concise"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert (done.returncode, done.stderr) == (1, "")
    for name, _, expected in MATRIX:
        if expected is not None:
            assert f"app/{name}:{expected}" in done.stdout
    assert OTHER_FILE_FINDING in done.stdout
    assert "config/queue.yml:3:1: JOB701" in done.stdout

    code, out, err = run("check", "--fix", "--unsafe-fixes", "--output-format", "concise")
    assert (code, err) == (1, "")
    assert OTHER_FILE_FINDING in out
    assert "config/queue.yml:3:1: JOB701" in out
    for name, content, expected in MATRIX:
        after = (project / "app" / name).read_bytes()
        if name == "deep_operators.py":
            assert after == content.replace(b"perform_now", b"perform_later")
        else:
            assert after == content, name
            if expected is not None:
                assert f"app/{name}:{expected}" in out


@pytest.mark.parametrize(
    ("name", "content", "folder"),
    [
        ("sdk/template/client.py", "import types\n\n{% for s in services %}\nx = 1\n"
         "{% endfor %}\n", "sdk/template/"),
        ("gen/{{cookiecutter.slug}}/app.py", "from {{cookiecutter.slug}}.models import X\n",
         "gen/{{cookiecutter.slug}}/"),
        ("gen/stubs/app.py", "{{ header }}\nimport {{ module }}\n", "gen/stubs/"),
    ],
)  # fmt: skip
def test_a_template_of_python_says_so_and_how_to_leave_it_out(
    project: Path, name: str, content: str, folder: str
) -> None:
    (project / name).parent.mkdir(parents=True)
    (project / name).write_text(content)
    code, out, _ = run("check", "--output-format", "concise", "--quiet")
    assert code == 1
    line = next(line for line in out.splitlines() if line.startswith(name))
    assert "JOB001" in line and "this is a template of Python" in line
    assert f'`extend-exclude = ["{folder}"]`' in line
    (project / "pyproject.toml").write_text(f'[tool.joblint]\nextend-exclude = ["{folder}"]\n')
    _, out, _ = run("check", "--output-format", "concise", "--quiet")
    assert name not in out


def test_a_plain_syntax_error_is_not_called_a_template(project: Path) -> None:
    (project / "app/broken.py").write_text("def broken(:\n    return {'a': 1}\n")
    _, out, _ = run("check", "--output-format", "concise", "--quiet")
    line = next(line for line in out.splitlines() if line.startswith("app/broken.py"))
    assert "fix it so the file can be checked" in line and "template" not in line


def test_a_folder_of_templates_is_reported_once_and_other_syntax_errors_each(
    project: Path,
) -> None:
    """A code generator's folder of templates fails for one reason, which one line of
    configuration settles: one finding for the folder, not one per template."""
    templates = project / "sdk/template"
    (templates / "models").mkdir(parents=True)
    for name in ("client.py", "models/user.py", "models/order.py"):
        (templates / name).write_text("{% for s in services %}\nx = 1\n{% endfor %}\n")
    (project / "app/broken.py").write_text("def broken(:\n    pass\n")
    (project / "app/also_broken.py").write_text("def also(:\n    pass\n")
    code, out, _ = run("check", "--output-format", "concise", "--quiet")
    assert code == 1
    job001 = [line for line in out.splitlines() if "JOB001" in line]
    assert [line.split(":")[0] for line in job001] == [
        "app/also_broken.py",
        "app/broken.py",
        "sdk/template/client.py",
    ]
    assert "(so are 2 other files in `sdk/template/`, not reported)" in job001[2]
