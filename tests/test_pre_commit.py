"""The pre-commit hooks, through ``pre-commit try-repo`` against this repository, and the
README's ``.pre-commit-config.yaml`` snippets through ``pre-commit run``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lint_support import REPO, write_tree

PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent))

pytestmark = pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is a test extra")

BASE = "from joblint.runtime import Job\n\n\nclass ApplicationJob(Job):\n    pass\n"
JOB = (
    "from app.jobs.application_job import ApplicationJob\n\n\n"
    "class ChargeOrderJob(ApplicationJob):\n"
    '    queue_as = "critical"\n\n'
    "    def perform(self, order_id: int) -> None:\n"
    "        pass\n"
)
BAD_NAME = JOB.replace("ChargeOrderJob", "OrderJob")


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _try_repo(hook: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    assert PRE_COMMIT is not None
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(
        [PRE_COMMIT, "try-repo", str(REPO), hook, "--all-files", "--verbose"],
        cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit cache for both hooks: the hook's environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


def _project(root: Path, files: dict[str, str]) -> Path:
    write_tree(root, {"pyproject.toml": '[tool.joblint]\npresets = ["conventions"]\n', **files})
    _git("init", "-q", cwd=root)
    _git("-c", "user.email=t@example.com", "-c", "user.name=t", "add", ".", cwd=root)
    _git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "x", cwd=root)
    return root


def test_check_hook_fails_on_a_bad_file(tmp_path: Path, home: Path) -> None:
    project = _project(
        tmp_path,
        {"app/jobs/application_job.py": BASE, "app/jobs/order_job.py": BAD_NAME},
    )
    result = _try_repo("joblint", project, home)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "app/jobs/order_job.py:4:7: JOB101" in result.stdout


def test_fix_hook_rewrites_the_file(tmp_path: Path, home: Path) -> None:
    service = (
        "from app.jobs.charge_order_job import ChargeOrderJob\n\n\n"
        "def check_out(order_id: int) -> None:\n"
        "    ChargeOrderJob.perform_later((order_id, 2))\n"
    )
    job = JOB.replace("order_id: int", "order_ids: list[int]")
    project = _project(
        tmp_path,
        {
            "app/jobs/application_job.py": BASE,
            "app/jobs/charge_order_job.py": job,
            "app/services/checkout.py": service,
        },
    )
    result = _try_repo("joblint-fix", project, home)
    # pre-commit fails a hook that changed files, so the user sees and stages the change
    assert result.returncode == 1, result.stdout + result.stderr
    assert "files were modified by this hook" in result.stdout
    assert "Found 1 error (1 fixed, 0 remaining)." in result.stdout
    fixed = service.replace("perform_later((order_id, 2))", "perform_later([order_id, 2])")
    assert (project / "app/services/checkout.py").read_text() == fixed


FIXABLE_SERVICE = (
    "from app.jobs.charge_order_job import ChargeOrderJob\n\n\n"
    "def check_out(order_id: int) -> None:\n"
    "    ChargeOrderJob.perform_later((order_id, 2))\n"
)


def _readme_pre_commit_config(marker: str) -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return readme.split(marker, 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]


def _run_with_config(root: Path, config: str, home: Path) -> subprocess.CompletedProcess[str]:
    """``pre-commit run --all-files`` in a project committed with ``config``, the README's
    fixable service and a job. The virtual environment's scripts come first on PATH, as in
    a shell where joblint is installed (only a ``language: system`` hook uses them)."""
    assert PRE_COMMIT is not None
    job = JOB.replace("order_id: int", "order_ids: list[int]")
    project = _project(
        root,
        {
            ".pre-commit-config.yaml": config,
            "app/jobs/application_job.py": BASE,
            "app/jobs/charge_order_job.py": job,
            "app/services/checkout.py": FIXABLE_SERVICE,
        },
    )
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "PATH": path}
    return subprocess.run(
        [PRE_COMMIT, "run", "--all-files", "--verbose"],
        cwd=project, env=env, capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip


def _assert_fixed(root: Path, result: subprocess.CompletedProcess[str]) -> None:
    # pre-commit fails a hook that changed files, so the user sees and stages the change
    assert result.returncode == 1, result.stdout + result.stderr
    assert "files were modified by this hook" in result.stdout
    assert "Found 1 error (1 fixed, 0 remaining)." in result.stdout
    fixed = FIXABLE_SERVICE.replace("perform_later((order_id, 2))", "perform_later([order_id, 2])")
    assert (root / "app/services/checkout.py").read_text() == fixed


def test_readme_config_with_a_clone_and_a_commit(tmp_path: Path, home: Path) -> None:
    """The README's snippet with its placeholders filled in as it says: the path of a clone
    of this repository and that clone's ``git rev-parse HEAD``. (A clone of the working tree
    has its last commit, not anyone's uncommitted changes.)"""
    clone = tmp_path / "joblint"
    _git("clone", "-q", str(REPO), str(clone), cwd=tmp_path)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True, check=True
    ).stdout.strip()
    config = _readme_pre_commit_config("<!-- pre-commit-config -->")
    placeholders = re.findall(r"^\s*-?\s*(?:repo|rev): (\S+)", config, re.MULTILINE)
    assert len(placeholders) == 2, config
    repo_placeholder, rev_placeholder = placeholders
    assert re.fullmatch(r"[0-9a-f]{40}", rev_placeholder)  # the README asks for a full hash
    config = config.replace(repo_placeholder, str(clone)).replace(rev_placeholder, head)
    project = tmp_path / "project"
    _assert_fixed(project, _run_with_config(project, config, home))


def test_readme_local_hook_config(tmp_path: Path, home: Path) -> None:
    """The README's ``repo: local`` snippet, run by the joblint installed beside pytest."""
    config = _readme_pre_commit_config("<!-- pre-commit-local-config -->")
    assert "repo: local" in config and "language: system" in config
    _assert_fixed(tmp_path, _run_with_config(tmp_path, config, home))
