"""Bad input never produces a traceback: each odd file gets a clear finding or is quietly
fine, the other files are still checked, and the exit code is the documented one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lint_support import write_tree
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
            "pyproject.toml": "[tool.joblint]\n",
            "app/jobs/application_job.py": BASE,
            "app/jobs/receipt_job.py": BAD_JOB,
        },
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


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
    ("deep.py", b"x = " + b"(" * 500 + b"1" + b")" * 500 + b"\n", None),
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
    assert "app/jobs/receipt_job.py:4:7: JOB101" in out  # the other files are still checked
    assert code == 1


def test_large_generated_file(project: Path) -> None:
    body = "".join(f"value_{i} = {i} * 2  # padding padding padding\n" for i in range(110_000))
    (project / "app/big.py").write_text(body)
    assert (project / "app/big.py").stat().st_size > 5_000_000
    code, out, err = run("check", "--output-format", "concise", "--quiet")
    assert (code, err) == (1, "")
    assert "big.py" not in out


def test_a_directory_named_like_a_python_file(project: Path) -> None:
    (project / "app/odd.py").mkdir()
    (project / "app/odd.py/inner.py").write_text("x = 1\n")
    code, _, err = run("check", "--quiet")
    assert (code, err) == (1, "")


def test_symlink_loop_and_dangling_link(project: Path) -> None:
    os.symlink(project / "app", project / "app/loop")
    os.symlink(project / "nowhere.py", project / "app/dangling.py")
    code, out, err = run("check", "--output-format", "concise", "--quiet")
    assert (code, err) == (1, "")
    assert "dangling" not in out  # a broken link met while walking is skipped, as git does
    code, out, err = run("check", "--output-format", "concise", "--quiet", "app/dangling.py")
    assert (code, err) == (1, "")
    assert out == (
        "app/dangling.py:1:1: JOB002 file is a symbolic link to a file that does not exist\n"
    )


def test_file_deleted_between_discovery_and_reading(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import joblint.engine as engine

    victim = project / "app/victim.py"
    victim.write_text("x = 1\n")
    real_discover = engine.discover

    def discover_then_delete(*args: object, **kwargs: object) -> object:
        found = real_discover(*args, **kwargs)  # type: ignore[arg-type]
        victim.unlink(missing_ok=True)
        return found

    monkeypatch.setattr(engine, "discover", discover_then_delete)
    code, out, err = run("check", "--output-format", "concise", "--quiet")
    assert err == ""
    assert "app/victim.py:1:1: JOB002 file disappeared before it could be read" in out
    assert code == 1


def test_unreadable_config_file(project: Path) -> None:
    (project / "pyproject.toml").write_bytes(b"[tool.joblint]\nselect = ['\xff']\n")
    code, out, err = run("check")
    assert (code, out) == (2, "")
    assert err == f"joblint: error: {project / 'pyproject.toml'}: config file is not valid UTF-8\n"
