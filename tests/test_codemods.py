"""joblint's fixes as libcst codemods: each through libcst's own CodemodTest, and once
through the real client, ``python -m libcst.tool codemod``, in a scratch project."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from libcst.codemod import CodemodTest
from lint_support import REPO, write_tree

from joblint.codemods import EnqueueOnCommit, RaiseRetry, TuplesToLists

TASKS = (
    "from celery import shared_task\n\n\n"
    "@shared_task(bind=True, queue='default')\n"
    "def charge(self, order_id):\n"
    "    try:\n        pass\n"
    "    except ConnectionError as error:\n        self.retry(exc=error)\n"
)


class TestRaiseRetry(CodemodTest):
    TRANSFORM = RaiseRetry

    def test_adds_raise(self) -> None:
        self.assertCodemod(
            TASKS,
            TASKS.replace("        self.retry(", "        raise self.retry("),
            context_override=None,
        )

    def test_leaves_clean_code_alone(self) -> None:
        clean = TASKS.replace("        self.retry(", "        raise self.retry(")
        self.assertCodemod(clean, clean, expected_skip=True)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "",
            "shop/__init__.py": "",
            "shop/tasks.py": (
                "from celery import shared_task\n\n\n"
                "@shared_task(queue='default')\n"
                "def export_orders(order_ids):\n    pass\n"
            ),
            "shop/services.py": (
                "from django.db import transaction\n\nfrom shop.tasks import export_orders\n\n\n"
                "def export(a, b):\n"
                "    export_orders.delay((a, b))  # keep this comment\n"
                "    with transaction.atomic():\n"
                "        export_orders.delay([a])\n"
            ),
        },
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_codemods_see_the_project(project: Path) -> None:
    """A codemod resolves the job in another file, as `joblint check` does."""

    class Test(CodemodTest):
        TRANSFORM = TuplesToLists

        def runTest(self) -> None:
            from libcst.codemod import CodemodContext

            source = (project / "shop/services.py").read_text()
            self.assertCodemod(
                source,
                source.replace("delay((a, b))", "delay([a, b])"),
                context_override=CodemodContext(filename=str(project / "shop/services.py")),
            )

    Test().runTest()


def test_unsafe_fixes_only_on_request(project: Path) -> None:
    from libcst.codemod import CodemodContext

    source = (project / "shop/services.py").read_text()
    context = CodemodContext(filename=str(project / "shop/services.py"))

    class Safe(CodemodTest):
        TRANSFORM = EnqueueOnCommit

        def runTest(self) -> None:
            self.assertCodemod(source, source, context_override=context, expected_skip=True)

    class Unsafe(CodemodTest):
        TRANSFORM = EnqueueOnCommit

        def runTest(self) -> None:
            fixed = source.replace(
                "        export_orders.delay([a])", "        export_orders.delay_on_commit([a])"
            )
            self.assertCodemod(source, fixed, unsafe=True, context_override=context)

    Safe().runTest()
    Unsafe().runTest()


def test_through_libcst_tool(project: Path) -> None:
    shutil.copy(REPO / ".libcst.codemod.yaml", project / ".libcst.codemod.yaml")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    listed = subprocess.run(
        [sys.executable, "-m", "libcst.tool", "list"],
        cwd=project, capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    assert "fixes.TuplesToLists - JOB203" in listed.stdout, listed.stderr
    done = subprocess.run(
        [sys.executable, "-m", "libcst.tool", "codemod", "--no-format", "-x",
         "joblint.codemods.TuplesToLists", "shop"],
        cwd=project, capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (project / "shop/services.py").read_text().splitlines()[6] == (
        "    export_orders.delay([a, b])  # keep this comment"
    )
    again = subprocess.run(
        [sys.executable, "-m", "libcst.tool", "codemod", "--no-format",
         "fixes.TuplesToLists", "shop"],  # by its listed name, through the yaml
        cwd=project, capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    assert again.returncode == 0 and "Transformed 0 files" in again.stderr  # idempotent
    assert "Skipped 3 files" in again.stderr
