"""joblint's fixes as libcst codemods: each through libcst's own CodemodTest, and once
through the real client, ``python -m libcst.tool codemod``, in a scratch project."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from libcst.codemod import CodemodTest
from lint_support import REPO, write_tree

import joblint.codemods
from joblint.codemods import EnqueueOnCommit, RaiseRetry, TuplesToLists, fixes
from joblint.codemods.command import JoblintFix
from joblint.rules import ALL_RULES, Rule
from joblint.rules.base import FixAvailability, ModuleRule

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


# The names users run; a codemod keeps its name for as long as its fix exists.
CODEMOD_NAMES = {
    "AllFixes", "AwareUtcNow", "BindLoopVariables", "CorrectQueueNames", "DeclareDefaultQueue",
    "EnqueueInsteadOfRunning", "EnqueueOnCommit", "PassDeferArgumentsByKeyword",
    "PassModelIds", "RaiseRetry", "RecheckGuardInLock", "RelativeDelays",
    "ReorderTaskDecorators", "TuplesToLists", "UseApplicationJob",
}  # fmt: skip


def test_every_fix_has_one_codemod_and_every_codemod_a_fix() -> None:
    fixable = {rule.code for rule in ALL_RULES if rule.fix_availability is not FixAvailability.NONE}
    applied = [code for name in fixes.COMMANDS for code in fixes.COMMANDS[name].CODES]
    assert sorted(applied) == sorted(fixable)  # each fixable rule in exactly one codemod
    assert {rule.code for rule in ALL_RULES if rule.codemod is not None} == fixable


def test_codemods_keep_their_names() -> None:
    assert set(joblint.codemods.__all__) == CODEMOD_NAMES
    for name in CODEMOD_NAMES:
        command = getattr(joblint.codemods, name)
        assert command is getattr(fixes, name)
        assert issubclass(command, JoblintFix)
        assert (command.__name__, command.__module__) == (name, "joblint.codemods.fixes")


def test_a_codemod_says_which_rules_it_applies() -> None:
    assert EnqueueOnCommit.CODES == ("JOB601", "JOB604")
    assert EnqueueOnCommit.DESCRIPTION == (
        "JOB601, JOB604: enqueue after the transaction commits (unsafe)."
    )


def _fixable(code: str, codemod: str | None, description: str = "") -> Rule:
    attributes = {
        "code": code,
        "fix_availability": FixAvailability.SAFE,
        "codemod": codemod,
        "codemod_description": description,
    }
    return type(f"Rule{code}", (ModuleRule,), attributes)()


def test_a_codemod_needs_a_fix_and_one_description() -> None:
    unfixable = type("Unfixable", (ModuleRule,), {"code": "JOB901", "codemod": "Fix"})()
    with pytest.raises(RuntimeError, match="JOB901 names the codemod Fix but has no fix"):
        fixes.codemod_rules([unfixable])
    with pytest.raises(RuntimeError, match=r"Fix \(JOB901, JOB902\) needs one"):
        fixes.codemod_rules([_fixable("JOB901", "Fix", "a."), _fixable("JOB902", "Fix", "b.")])
    with pytest.raises(RuntimeError, match=r"Fix \(JOB901\) needs one"):
        fixes.codemod_rules([_fixable("JOB901", "Fix")])
    rules = [_fixable("JOB902", "Fix", "a."), _fixable("JOB901", "Fix", "a.")]
    assert fixes.codemod_rules(rules) == {"Fix": (rules[1], rules[0])}


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
            # `export_orders` is not known to be a `DjangoTask`: no `delay_on_commit`.
            fixed = source.replace(
                "        export_orders.delay([a])",
                "        transaction.on_commit(partial(export_orders.delay, [a]))",
            ).replace(
                "from shop.tasks import export_orders\n",
                "from shop.tasks import export_orders\nfrom functools import partial\n",
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


def _readme_commands(marker: str) -> list[str]:
    """The command lines of the ``sh`` block after ``marker`` in README.md, comments
    dropped, so the tests below run exactly what a reader copies."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split(marker, 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]


def _run_readme_command(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a README line in a new user's shell: no `.libcst.codemod.yaml` unless the
    commands made one, and nothing on PATH, so no `black` for libcst's default formatter."""
    argv = shlex.split(command)
    assert argv[:3] == ["python", "-m", "libcst.tool"], command
    empty_bin = cwd.parent / "empty-bin"
    empty_bin.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(REPO), "PATH": str(empty_bin)}
    return subprocess.run(
        [sys.executable, *argv[1:]], cwd=cwd, capture_output=True, text=True, check=False,
        env=env, timeout=300,
    )  # fmt: skip


def _assert_ran_cleanly(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" not in output, output


@pytest.fixture
def new_project(tmp_path: Path) -> Path:
    """A project as a user has it: ``src/`` layout, a ``pyproject.toml`` with nothing
    about joblint, no ``.libcst.codemod.yaml``."""
    root = tmp_path / "project"
    write_tree(
        root,
        {
            "pyproject.toml": "[project]\nname = 'shop'\n",
            "src/shop/__init__.py": "",
            "src/shop/tasks.py": (
                "from celery import shared_task\n\n\n"
                "@shared_task(queue='default')\n"
                "def export_orders(order_ids):\n    pass\n"
            ),
            "src/shop/services.py": (
                "from django.db import transaction\n\nfrom shop.tasks import export_orders\n\n\n"
                "def export(a, b):\n"
                "    export_orders.delay((a, b))  # keep this comment\n"
                "    with transaction.atomic():\n"
                "        export_orders.delay([a])\n"
            ),
            "src/shop/billing.py": TASKS,
        },
    )
    return root


def _sources(root: Path) -> dict[str, str]:
    return {str(path.relative_to(root)): path.read_text() for path in root.rglob("*.py")}


# What each codemod the README shows changes in `new_project`: a file and its replacements.
README_CODEMOD_EDITS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "TuplesToLists": (
        "src/shop/services.py",
        (("export_orders.delay((a, b))", "export_orders.delay([a, b])"),),
    ),
    "EnqueueOnCommit": (
        "src/shop/services.py",
        (
            (
                "        export_orders.delay([a])",
                "        transaction.on_commit(partial(export_orders.delay, [a]))",
            ),
            (
                "from shop.tasks import export_orders\n",
                "from shop.tasks import export_orders\nfrom functools import partial\n",
            ),
        ),
    ),
    "RaiseRetry": ("src/shop/billing.py", (("        self.retry(", "        raise self.retry("),)),
}


def _codemod_name(command: str) -> str:
    argv = shlex.split(command)
    name = next(arg for arg in argv[argv.index("codemod") + 1 :] if not arg.startswith("-"))
    return name.rsplit(".", 1)[1]


def _assert_only_edit(root: Path, before: dict[str, str], command: str) -> None:
    path, replacements = README_CODEMOD_EDITS[_codemod_name(command)]
    expected = before[path]
    for old, new in replacements:
        assert expected.count(old) == 1, old
        expected = expected.replace(old, new)
    assert _sources(root) == {**before, path: expected}


@pytest.mark.parametrize("command", _readme_commands("<!-- codemod-commands -->"))
def test_readme_codemod_command_in_a_new_project(new_project: Path, command: str) -> None:
    """The README's codemod commands, verbatim, where libcst has no configuration and
    `black` is not installed (libcst's default formatter then fails with a traceback)."""
    before = _sources(new_project)
    result = _run_readme_command(command, new_project)
    _assert_ran_cleanly(result)
    _assert_only_edit(new_project, before, command)


def test_readme_codemod_configuration(new_project: Path) -> None:
    """The README's way to short names: ``initialize`` writes libcst's default file, the
    reader adds ``joblint.codemods`` to its ``modules``, then ``list`` and ``codemod``."""
    commands = _readme_commands("<!-- codemod-config-commands -->")
    assert commands[0] == "python -m libcst.tool initialize ."
    _assert_ran_cleanly(_run_readme_command(commands[0], new_project))
    config = new_project / ".libcst.codemod.yaml"
    assert "formatter: ['black', '-']" in config.read_text()  # what --no-format is for
    config.write_text(config.read_text().replace("modules:\n", "modules:\n- 'joblint.codemods'\n"))
    before = _sources(new_project)
    for command in commands[1:]:
        result = _run_readme_command(command, new_project)
        _assert_ran_cleanly(result)
        if shlex.split(command)[3] == "list":
            assert "fixes.RaiseRetry - JOB502" in result.stdout, result.stdout
        else:
            _assert_only_edit(new_project, before, command)
