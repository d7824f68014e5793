"""joblint never crashes on valid Python, and its fixes keep the promises of joblint.fix.fixer:
the result parses (libcst and CPython both) and fixing it again changes nothing.

Two sources of programs: hypothesmith's (any valid Python, behind a job-shaped preamble so
the files are parsed and recognised, not only prefiltered), and job-shaped modules built
from statements that each draw a fix, in varied layouts, so that the fix properties are
exercised on every example rather than on the few random programs that happen to offer a
fix. The number of examples comes from the hypothesis profile (tests/conftest.py):
``HYPOTHESIS_PROFILE=thorough`` runs many more.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from joblint.config import Settings
from joblint.diagnostics import Diagnostic
from joblint.engine.linter import Linter, Problem
from joblint.fix.fixer import fix_until_stable
from joblint.parse.recursion import room_for_deep_trees
from joblint.rules import ALL_RULES

LINTER = Linter(
    Settings(project_root=Path("/nonexistent")),
    enabled=frozenset(rule.code for rule in ALL_RULES),
)
PATH = Path("/nonexistent/jobs/x.py")
# Job-shaped preamble so the generated code is parsed and recognised, not only prefiltered;
# its job declares no queue, so JOB301's fix is offered on every program.
PREAMBLE = (
    "from joblint.runtime import Job\n"
    "class ApplicationJob(Job):\n    pass\n"
    "class SendThingJob(ApplicationJob):\n    def perform(self, thing_id): ...\n"
)


def fuzz_settings(share: float) -> settings:
    """``share`` times the profile's examples: the fix tests lint each program several
    times (each round of fixes, then once more), so they run fewer than the crash test."""
    return settings(
        max_examples=max(1, round(settings.default.max_examples * share)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


def compiles(source: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, str(PATH), "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def fix_in_memory(source: bytes, unsafe: bool) -> tuple[bytes, list[str]]:
    """Apply every wanted fix until stable, as ``--fix`` does; the fixed bytes and the
    codes of the fixes applied. A fix that fails or would not parse is a bug here."""
    problems: list[Problem] = []
    with room_for_deep_trees():
        fixes, errors = fix_until_stable(
            {PATH: source}, lambda current: LINTER.lint_contents(current, problems), unsafe
        )
    assert errors == []
    assert problems == []
    if PATH not in fixes:
        return source, []
    return fixes[PATH].fixed, [diagnostic.code for diagnostic in fixes[PATH].applied]


def libcst_parses(source: bytes) -> bool:
    try:
        cst.parse_module(source)
    except cst.ParserSyntaxError:
        return False
    return True


def check_fixes(source: bytes, unsafe: bool) -> list[str]:
    """The fix properties for one valid program; returns the codes of the fixes applied.

    CPython compiles a few programs libcst cannot parse (a backslash continuation right
    before the end of the file): joblint reports those as JOB001 and offers no fix, and
    that is what is checked of them."""
    if not libcst_parses(source):
        with room_for_deep_trees():
            results = list(LINTER.lint_source(PATH, source))
        codes = [r.code for r in results if isinstance(r, Diagnostic)]
        assert "JOB001" in codes
        assert fix_in_memory(source, unsafe) == (source, [])
        return []
    fixed, applied = fix_in_memory(source, unsafe)
    cst.parse_module(fixed)
    assert compiles(fixed), fixed.decode("utf-8", "replace")
    again, reapplied = fix_in_memory(fixed, unsafe)
    assert (again, reapplied) == (fixed, [])  # fixing twice is fixing once
    return applied


def record(applied: list[str]) -> None:
    """Count the fixes in hypothesis's statistics (``--hypothesis-show-statistics``)."""
    for code in sorted(set(applied)):
        event(f"fixed {code}")


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles its programs
@fuzz_settings(1.5)
@given(hypothesmith.from_grammar(), st.booleans())
def test_never_crashes_on_valid_python(source: str, unsafe: bool) -> None:
    program = PREAMBLE + source
    # Fixing lints the program too (and asserts no rule crashed); a program that does not
    # compile (a `from __future__` import after the preamble) is only linted.
    texts = [source] if compiles(program.encode()) else [source, program]
    for text in texts:
        with room_for_deep_trees():
            results = list(LINTER.lint_source(PATH, text.encode()))
        problems = [r for r in results if isinstance(r, Problem)]
        assert problems == []
    if len(texts) == 1:
        applied = check_fixes(program.encode(), unsafe)
        record(applied)
        if unsafe and "SendThingJob" not in source and libcst_parses(program.encode()):
            assert "JOB301" in applied


# What hypothesmith once drew (a new user's first run failed on it, and hypothesis kept it
# in its database so every later run failed too): CPython compiles a backslash
# continuation right before the end of the file, libcst does not parse it.
LIBCST_REJECTS = ["\\\r\n", "x = 1\n\\\r\n"]


@pytest.mark.parametrize("source", LIBCST_REJECTS)
def test_programs_libcst_rejects_are_reported_not_fixed(source: str) -> None:
    program = (PREAMBLE + source).encode()
    assert compiles(program) and not libcst_parses(program)
    for unsafe in (False, True):
        assert check_fixes(program, unsafe) == []


# -- job-shaped programs -------------------------------------------------------------------

HEADER = """\
from datetime import datetime, timedelta, timezone

import procrastinate
import redis
import stripe
from celery import Celery
from django.db import models, transaction
from joblint.runtime import Job

app = Celery("proj")


class Order(models.Model):
    pass


class ApplicationJob(Job):
    pass


class ChargeOrderJob(ApplicationJob):
{docstring}{queue}    def perform(self, order_id: int, extra: object = None) -> None:
        pass


@app.task{task_options}
def send_report(report_id: int, extra: object = None) -> None:
    pass


@app.task(bind=True, queue="reports")
def refresh_report(self, report_id: int) -> None:
    try:
        pass
    except ValueError as error:
        self.retry(exc=error)
"""

# Statements inside `def site(order: Order, order_id: int)`, each drawing a fix (and its
# rule): the anchors of every generated program.
FIXABLE = {
    "ChargeOrderJob.perform_later(order)": "JOB201",
    "ChargeOrderJob.perform_later(order_id, extra=(1, (2, 3)))": "JOB203",
    "send_report.delay(order_id, extra=())": "JOB203",
    "ChargeOrderJob.set(wait_until=datetime.utcnow()).perform_later(order_id)": "JOB304",
    "send_report.apply_async((order_id,), eta=datetime.utcnow() + timedelta(minutes=5))": (
        "JOB304"
    ),
    "ChargeOrderJob.set(\n    wait_until=datetime.now(timezone.utc) + timedelta(hours=1)\n)"
    ".perform_later(order_id)": "JOB306",
    "send_report.apply_async(\n"
    "    (order_id,), eta=datetime.now(timezone.utc) + timedelta(seconds=30)\n"
    ")": "JOB306",
    "ChargeOrderJob.perform_now(order_id)": "JOB605",
    "send_report(order_id)": "JOB605",
    "with transaction.atomic():\n    send_report.delay(order_id)": "JOB601",
    "with transaction.atomic():\n    ChargeOrderJob.perform_later(order_id)  # after charging": (
        "JOB601"
    ),
    "for each in Order.objects.values_list('pk', flat=True):\n"
    "    transaction.on_commit(lambda: send_report.delay(each))": "JOB608",
}
# Definitions added after the header, each drawing a fix too.
EXTRAS = {
    """

def logged(function):
    def wrapper(*args, **kwargs):
        return function(*args, **kwargs)

    return wrapper


@logged
@app.task(queue="low")
def send_digest(user_id: int) -> None:
    pass
""": "JOB107",
    """

papp = procrastinate.App(connector=procrastinate.PsycopgConnector())


@papp.task(queue="reports")
def index_report(report_id: int, full: bool = False) -> None:
    pass


def publish(report_id: int) -> None:
    index_report.defer(report_id, True)
""": "JOB205",
    """

client = redis.Redis()


@app.task(queue="default")
def charge_order(order_id: int) -> None:
    order = Order.objects.get(id=order_id)
    if order.paid:
        return
    with client.lock(f"order-{order_id}", timeout=60):
        stripe.Charge.create(amount=order.total, currency="eur")
        order.save()
""": "JOB402",
}
NEUTRAL = [
    "pass",
    "ChargeOrderJob.perform_later(order_id)",
    "send_report.apply_async((order_id,), countdown=10)",
    "total = order_id * 2  # a comment",
    '"""A string statement."""',
]


def indented(block: str, unit: str, depth: int = 1) -> str:
    """``block`` (written with four-space indentation) re-indented with ``unit``."""
    lines = []
    for line in block.splitlines():
        stripped = line.lstrip(" ")
        level = (len(line) - len(stripped)) // 4 + depth
        lines.append(unit * level + stripped if stripped else "")
    return "\n".join(lines) + "\n"


@st.composite
def statements(draw: st.DrawFn) -> str:
    """One statement of a call site, perhaps nested in a block or followed by a comment."""
    text = draw(st.sampled_from([*FIXABLE, *NEUTRAL]))
    wrapper = draw(st.sampled_from(["", "if order_id:\n", "if order_id:\n    pass\nelse:\n"]))
    if draw(st.booleans()) and "\n" not in text:
        text += "  # noted"
    return wrapper + indented(text, "    ", 1 if wrapper else 0)


@st.composite
def job_programs(draw: st.DrawFn) -> tuple[bytes, set[str]]:
    """A module with a runtime job, Celery tasks, perhaps some extra definitions, and call
    sites, in one of several layouts (indentation, line endings, BOM, coding cookie, a
    docstring); with the codes its anchors (the extras, a statement per site) must draw a
    fix of."""
    header = HEADER.format(
        docstring=draw(st.sampled_from(["", '    """Charges an order."""\n\n'])),
        queue=draw(st.sampled_from(["", '    queue_as = "billing"\n\n'])),
        task_options=draw(st.sampled_from(["", '(queue="reports")', "()"])),
    )
    extras = draw(st.lists(st.sampled_from(sorted(EXTRAS)), unique=True, max_size=2))
    anchors = {EXTRAS[extra] for extra in extras}
    parts = list(extras)
    for number in range(draw(st.integers(1, 2))):
        anchor = draw(st.sampled_from(sorted(FIXABLE)))
        anchors.add(FIXABLE[anchor])
        others = draw(st.lists(statements(), max_size=3))
        position = draw(st.integers(0, len(others)))
        body = [*others[:position], indented(anchor, "    ", 0), *others[position:]]
        parts.append(
            f"\n\ndef site_{number}(order: Order, order_id: int) -> None:\n"
            + "".join(indented(statement, "    ") for statement in body)
        )
    text = header + "".join(parts)
    unit = draw(st.sampled_from(["    ", "  ", "\t"]))
    if unit != "    ":
        text = indented(text, unit, depth=0)
    prelude = draw(st.sampled_from(["", "# -*- coding: utf-8 -*-\n", '"""Module doc."""\n']))
    text = prelude + text
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    data = text.encode()
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data, anchors


@fuzz_settings(0.3)
@given(job_programs(), st.booleans())
def test_fixes_of_job_programs_parse_and_are_stable(
    program_and_anchors: tuple[bytes, set[str]], unsafe: bool
) -> None:
    program, anchors = program_and_anchors
    assert compiles(program)
    applied = check_fixes(program, unsafe)
    record(applied)
    if unsafe:  # every anchor's fix fired: the properties were tested on real fixes
        assert anchors <= set(applied)


@fuzz_settings(0.15)
@given(job_programs(), hypothesmith.from_grammar())
def test_fixes_of_job_programs_after_random_code(
    program_and_anchors: tuple[bytes, set[str]], prelude: str
) -> None:
    """Random code before a job-shaped module: the fixes still parse and are stable."""
    program = program_and_anchors[0].removeprefix(b"\xef\xbb\xbf")
    source = prelude.encode() + b"\n" + program
    if compiles(source):
        record(check_fixes(source, unsafe=True))


def test_every_anchor_is_fixed() -> None:
    """The fix properties above hold vacuously unless the fixes fire: each anchor's does."""
    header = HEADER.format(docstring="", queue='    queue_as = "billing"\n\n', task_options="")
    for statement, code in FIXABLE.items():
        program = header + "\n\ndef site(order: Order, order_id: int) -> None:\n"
        program += indented(statement, "    ")
        assert code in check_fixes(program.encode(), unsafe=True), statement
    for extra, code in EXTRAS.items():
        assert code in check_fixes((header + extra).encode(), unsafe=True), extra


# -- fixes that need a second file: JOB105 (the project's base job) and JOB302 (the
# project's queues) ---------------------------------------------------------------------

PROJECT_LINTER = Linter(
    Settings(
        project_root=Path("/nonexistent"),
        queues=("critical", "default", "low", "mailers"),
        base_job="jobs.application_job.ApplicationJob",
    ),
    enabled=frozenset(rule.code for rule in ALL_RULES),
)
BASE_PATH = Path("/nonexistent/jobs/application_job.py")
BASE_JOB = (
    b"from joblint.runtime import Job, retry_on\n\n\n"
    b"@retry_on(TimeoutError, attempts=5)\nclass ApplicationJob(Job):\n    pass\n"
)
# Ways a module imports the runtime's Job, and the name it then writes for it.
JOB_IMPORTS = {
    "from joblint.runtime import Job\n": "Job",
    "from joblint.runtime import Job, retry_on\n": "Job",
    "from joblint.runtime import (\n    Job,  # the base\n    discard_on,\n)\n": "Job",
    "from joblint.runtime import Job as RuntimeJob\n": "RuntimeJob",
    "import joblint.runtime\n": "joblint.runtime.Job",
}
# Queue names one edit away from a known one (JOB302's fix), and known ones.
QUEUE_NAMES = ["critcal", "mailer", "defualt", "low", "default", '"critical"']


@st.composite
def job_classes(draw: st.DrawFn, job: str) -> str:
    """A job class on the runtime's ``Job``, among other bases perhaps, with a queue that
    may be misspelt."""
    name = draw(st.sampled_from(["Charge", "Send", "Sync"])) + draw(
        st.sampled_from(["Order", "Invoice"])
    )
    bases = draw(st.sampled_from([[job], [job, "Mixin"], ["Mixin", job], [job + "  # base"]]))
    queue = draw(st.sampled_from(QUEUE_NAMES)).strip('"')
    written = ",\n    ".join(bases) if any("#" in base for base in bases) else ", ".join(bases)
    if "#" in written:
        written = f"\n    {written},\n"
    body = draw(st.sampled_from(["    pass\n", f'    queue_as = "{queue}"\n']))
    body += "\n    def perform(self, order_id: int) -> None:\n        ...\n"
    return f"\n\nclass {name}{draw(st.integers(0, 9))}Job({written}):\n{body}"


@st.composite
def project_programs(draw: st.DrawFn) -> bytes:
    """A job module beside the project's base job: runtime jobs on ``Job`` directly, with
    the import written several ways, ``Job`` perhaps used elsewhere too (so its import must
    stay), in one of several layouts."""
    imports, job = draw(st.sampled_from(sorted(JOB_IMPORTS.items())))
    text = draw(st.sampled_from(["", '"""Jobs."""\n', "# -*- coding: utf-8 -*-\n"])) + imports
    text += "\n\nclass Mixin:\n    pass\n"
    classes = draw(st.lists(job_classes(job), min_size=1, max_size=3, unique=True))
    text += "".join(classes)
    if draw(st.booleans()):
        text += f"\n\ndef is_job(value: object) -> bool:\n    return isinstance(value, {job})\n"
    unit = draw(st.sampled_from(["    ", "\t"]))
    if unit != "    ":
        text = indented(text, unit, depth=0)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text.encode()


def fix_project(source: bytes) -> tuple[bytes, list[str]]:
    problems: list[Problem] = []
    fixes, errors = fix_until_stable(
        {BASE_PATH: BASE_JOB, PATH: source},
        lambda current: PROJECT_LINTER.lint_contents(current, problems),
        True,
    )
    assert (errors, problems) == ([], [])
    assert BASE_PATH not in fixes  # the base job itself is never rewritten
    if PATH not in fixes:
        return source, []
    return fixes[PATH].fixed, [diagnostic.code for diagnostic in fixes[PATH].applied]


@fuzz_settings(0.2)
@given(project_programs())
def test_fixes_that_read_other_files_parse_and_are_stable(program: bytes) -> None:
    assert compiles(program)
    fixed, applied = fix_project(program)
    cst.parse_module(fixed)
    assert compiles(fixed), fixed.decode()
    assert fix_project(fixed) == (fixed, [])  # fixing twice is fixing once
    assert "JOB105" in applied  # every program has a job on `Job` directly
    record(applied)
    if any(f'"{name}"' in program.decode() for name in ("critcal", "mailer", "defualt")):
        assert "JOB302" in applied
    assert b"ApplicationJob" in fixed
