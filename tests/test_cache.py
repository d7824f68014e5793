"""The result cache (`.joblint_cache/`): a run with unchanged inputs replays the last
output without the linter; any change to any input, in any file, is a miss."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lint_support import write_tree
from test_cli import run

JOB = """\
from joblint.runtime import Job


class SendInvoiceJob(Job):
    queue_as = "billing"

    def perform(self, invoice_id: int) -> None:
        ...
"""
SERVICE = """\
from jobs.send_invoice_job import SendInvoiceJob


def bill(invoice_id: int) -> None:
    SendInvoiceJob.perform_later(invoice_id)
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.joblint]\nqueues = ["billing"]\n',
            "jobs/send_invoice_job.py": JOB,
            "services/billing.py": SERVICE,
        },
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def entries(project: Path) -> list[Path]:
    return sorted((project / ".joblint_cache").glob("*.json"))


def test_an_unchanged_run_replays_its_output_and_exit_code(project: Path) -> None:
    (project / "services/billing.py").write_text(SERVICE.replace("(invoice_id)", "()"))
    first = run("check", "--output-format", "concise")
    assert first[0] == 1 and "JOB206" in first[1]
    assert len(entries(project)) == 1
    stored = json.loads(entries(project)[0].read_text())
    assert (stored["stdout"], stored["exit_code"]) == (first[1], 1)
    assert run("check", "--output-format", "concise") == first
    assert (project / ".joblint_cache/CACHEDIR.TAG").is_file()
    assert (project / ".joblint_cache/.gitignore").read_text().endswith("*\n")


def test_a_change_in_the_job_file_changes_the_finding_in_the_service(project: Path) -> None:
    assert run("check")[0] == 0
    # The job's signature changes in one file; the finding appears at the call in another.
    (project / "jobs/send_invoice_job.py").write_text(
        JOB.replace("invoice_id: int", "invoice_id: int, copies: int")
    )
    code, out, _ = run("check", "--output-format", "concise")
    assert code == 1
    assert "services/billing.py:5" in out and "JOB206" in out
    # And back: the first result is replayed, not the second.
    (project / "jobs/send_invoice_job.py").write_text(JOB)
    assert run("check") == (0, "All checks passed!\n", "")


def test_queue_changes_in_the_job_and_the_config_are_misses(project: Path) -> None:
    assert run("check")[0] == 0
    (project / "jobs/send_invoice_job.py").write_text(JOB.replace('"billing"', '"biling"'))
    code, out, _ = run("check", "--output-format", "concise")
    assert code == 1 and "JOB302" in out
    (project / "jobs/send_invoice_job.py").write_text(JOB)
    (project / "pyproject.toml").write_text('[tool.joblint]\nqueues = ["mailers"]\n')
    code, out, _ = run("check", "--output-format", "concise")
    assert code == 1 and "JOB302" in out


def test_options_are_part_of_the_key(project: Path) -> None:
    (project / "services/billing.py").write_text(SERVICE.replace("(invoice_id)", "()"))
    text = run("check")
    assert run("check", "--output-format", "json")[1].startswith("[")
    assert run("check", "--exit-zero")[0] == 0
    assert run("check") == text
    assert len(entries(project)) == 3


def test_no_cache_neither_reads_nor_writes(project: Path) -> None:
    assert run("check", "--no-cache")[0] == 0
    assert not (project / ".joblint_cache").exists()


def test_problems_are_not_stored(project: Path) -> None:
    assert run("check", "missing.py")[0] == 2
    assert entries(project) == []


def test_clean_removes_only_joblints_folder(project: Path) -> None:
    run("check")
    assert run("clean") == (0, "", f"Removed {project / '.joblint_cache'}\n")
    assert not (project / ".joblint_cache").exists()
    (project / ".joblint_cache").mkdir()  # not ours: no CACHEDIR.TAG
    message = f"Left {project / '.joblint_cache'}: not joblint's (no CACHEDIR.TAG)\n"
    assert run("clean") == (0, "", message)
    assert (project / ".joblint_cache").exists()


def test_a_damaged_entry_is_a_miss(project: Path) -> None:
    run("check")
    entries(project)[0].write_text("{not json")
    assert run("check") == (0, "All checks passed!\n", "")


def test_a_replayed_run_does_not_import_the_linter(project: Path) -> None:
    script = (
        "import sys\nfrom joblint.cli import main\ncode = main(['check', '-q'])\n"
        "print('libcst' in sys.modules, code, file=sys.stderr)\n"
    )
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert first.stderr.strip().endswith("True 0")
    second = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert second.stderr.strip().endswith("False 0")


def test_output_formats_named_by_the_cli_are_the_reporters() -> None:
    from joblint.cli import OUTPUT_FORMATS
    from joblint.report import FORMATS

    assert tuple(sorted(FORMATS)) == OUTPUT_FORMATS


def test_the_key_is_the_same_in_every_process(project: Path) -> None:
    # Sets in the settings iterate in an order that follows string hashing, which Python
    # randomises per process; the key must not.
    (project / "pyproject.toml").write_text(
        '[tool.joblint]\nqueues = ["billing"]\nextra-verbs = ["reap", "sow", "till", "mow"]\n'
    )
    script = "from joblint.cli import main\nraise SystemExit(main(['check', '-q']))\n"
    for seed in ("1", "2", "3"):
        subprocess.run(
            [sys.executable, "-c", script], env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True, check=False,
        )  # fmt: skip
    assert len(entries(project)) == 1


def test_a_missed_run_reads_each_file_once(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The cache key reads every input; the check that follows uses those bytes, so it
    # checks exactly what the key describes and does not read the tree twice.
    reads: list[Path] = []
    read_bytes = Path.read_bytes

    def counted(path: Path) -> bytes:
        reads.append(path)
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", counted)
    assert run("check")[0] == 0
    python_reads = [path for path in reads if path.suffix == ".py" and project in path.parents]
    assert len(python_reads) == len(set(python_reads))
    assert {project / "jobs/send_invoice_job.py", project / "services/billing.py"} <= set(
        python_reads
    )
