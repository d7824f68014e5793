"""JOB203, JOB206, JOB207 beyond their pages: a table of flagged and clean cases per rule,
run through the engine, the serializer and framework tables on the job model alone, and
the fixes' transformations on their own.

A case is a module of the service file; a line expected to be flagged ends in its
annotation (``# JOB203``), as on the rule pages, and only this file's findings of the
three rules are compared."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from lint_support import lint_tree, write_tree

from joblint.analysis.context import ModuleContext
from joblint.analysis.index import JobRegistry, ProjectIndex
from joblint.analysis.model import EnqueueSite, JobDefinition, Literal, ModuleFacts
from joblint.analysis.summaries import with_signature
from joblint.analysis.symbols import collect_symbols
from joblint.config import Settings, load_settings
from joblint.diagnostics import Applicability, Diagnostic, Span
from joblint.errors import ConfigError
from joblint.frameworks import FRONTENDS
from joblint.parse.parsing import ParsedModule, parse
from joblint.parse.source import SourceFile
from joblint.report.pages import Example
from joblint.rules.base import ModuleRule
from joblint.rules.sensitive import BUILTIN_SENSITIVE_NAMES, SensitiveArgument
from joblint.rules.serialization import (
    ENCODINGS,
    NonSerializableArgument,
    rewrite_value,
    tuple_to_list,
    with_isoformat,
)
from joblint.rules.signatures import EnqueueSignatureMismatch

CODES = ("JOB203", "JOB206", "JOB207")
BASE = "from joblint.runtime import Job\n\n\nclass ApplicationJob(Job):\n    pass\n"
# A job that accepts anything, so that JOB206 stays out of the JOB203 and JOB207 cases.
ANY_JOB = (
    "from app.jobs.application_job import ApplicationJob\n\n\n"
    "class ProcessOrderJob(ApplicationJob):\n"
    "    queue_as = 'default'\n\n"
    "    def perform(self, *args: object, **kwargs: object) -> None: ...\n"
)
INVOICE_JOB = (
    "from app.jobs.application_job import ApplicationJob\n\n\n"
    "class SendInvoiceJob(ApplicationJob):\n"
    "    queue_as = 'default'\n\n"
    "    def perform(self, invoice_id: int, copies: int = 1, *, resend: bool = False) -> None:\n"
    "        ...\n"
)
# Mentions a job, as the prefilter needs for a module to be indexed (a module that never
# names a job or a framework is not parsed, so its classes are unknown: silence).
SUPPORT = (
    '"""Payloads of ProcessOrderJob."""\n'
    "import dataclasses\n"
    "import attrs\n"
    "import pydantic\n\n\n"
    "@dataclasses.dataclass(frozen=True)\n"
    "class Money:\n    cents: int\n\n\n"
    "class Refund(Money):\n    pass\n\n\n"
    "@attrs.define\n"
    "class Address:\n    line: str\n\n\n"
    "class Schema(pydantic.BaseModel):\n    pass\n\n\n"
    "class Customer(Schema):\n    name: str\n\n\n"
    "@dataclasses.dataclass\n"
    "class Located:\n    id: int\n\n    def to_global_id(self) -> str:\n        return ''\n\n\n"
    "def notify() -> None: ...\n"
)
HEADER = (
    "import datetime as dt\n"
    "import time\n"
    "import uuid\n"
    "from datetime import UTC, date, datetime, timedelta\n"
    "from decimal import Decimal\n\n"
    "from app import support\n"
    "from app.jobs.process_order_job import ProcessOrderJob\n"
    "from app.jobs.send_invoice_job import SendInvoiceJob\n"
    "from app.support import Address, Customer, Located, Money, Refund, notify\n\n\n"
)


def findings(
    tmp_path: Path, body: str, settings: Settings | None = None
) -> tuple[set[tuple[int, str]], set[tuple[int, str]], list[Diagnostic]]:
    """(found, expected, diagnostics) for the service module ``HEADER + body``."""
    example = Example("flagged", HEADER + body)
    write_tree(
        tmp_path,
        {
            "app/support.py": SUPPORT,
            "app/jobs/application_job.py": BASE,
            "app/jobs/process_order_job.py": ANY_JOB,
            "app/jobs/send_invoice_job.py": INVOICE_JOB,
            "app/services/calls.py": example.without_annotations(),
        },
    )
    settings = settings or Settings(project_root=tmp_path)
    diagnostics = [
        d for d in lint_tree(tmp_path, settings) if d.path.name == "calls.py" and d.code in CODES
    ]
    return {(d.line, d.code) for d in diagnostics}, example.expected(), diagnostics


def check(tmp_path: Path, body: str, settings: Settings | None = None) -> list[Diagnostic]:
    found, expected, diagnostics = findings(tmp_path, body, settings)
    assert found == expected, [d.message for d in diagnostics]
    return diagnostics


# -- JOB203 ------------------------------------------------------------------------------

JOB203_FLAGGED = [
    "ProcessOrderJob.perform_later((1, 2))  # JOB203\n",
    "ProcessOrderJob.perform_later(())  # JOB203\n",
    "ProcessOrderJob.perform_later(ids=(1,))  # JOB203\n",
    "ProcessOrderJob.perform_later({1, 2})  # JOB203\n",
    "ProcessOrderJob.perform_later({i for i in range(3)})  # JOB203\n",
    "ProcessOrderJob.perform_later(set([1]), frozenset())  # JOB203\n",
    "ProcessOrderJob.perform_later(b'raw')  # JOB203\n",
    "ProcessOrderJob.perform_later(bytes(3))  # JOB203\n",
    "ProcessOrderJob.perform_later(tuple([1, 2]))  # JOB203\n",
    "ProcessOrderJob.perform_later(lambda: 1)  # JOB203\n",
    "ProcessOrderJob.perform_later(Money)  # JOB203\n",
    "ProcessOrderJob.perform_later(support.Money)  # JOB203\n",
    "ProcessOrderJob.perform_later(notify)  # JOB203\n",
    "ProcessOrderJob.perform_later(Money(1))  # JOB203\n",
    "ProcessOrderJob.perform_later(Refund(1))  # JOB203\n",
    "ProcessOrderJob.perform_later(Address('x'))  # JOB203\n",
    "ProcessOrderJob.perform_later(Customer(name='x'))  # JOB203\n",
    "ProcessOrderJob.perform_later(datetime.now())  # JOB203\n",
    "ProcessOrderJob.perform_later(dt.datetime.utcnow())  # JOB203\n",
    "ProcessOrderJob.perform_later(datetime(2024, 1, 1))  # JOB203\n",
    "ProcessOrderJob.perform_later(datetime.now() + timedelta(hours=1))  # JOB203\n",
    "ProcessOrderJob.perform_later(datetime.now(UTC).replace(tzinfo=None))  # JOB203\n",
    "ProcessOrderJob.perform_later(dt.time(12, 30))  # JOB203\n",
    "ProcessOrderJob.perform_later([1, (2, 3)], {'a': {4}})  # JOB203, JOB203\n",
    # every assignment in the scope shows the same thing
    "def f(flag: bool) -> None:\n"
    "    if flag:\n"
    "        when = datetime.utcnow()\n"
    "    else:\n"
    "        when = datetime.today()\n"
    "    ProcessOrderJob.perform_later(when)  # JOB203\n",
    "def f() -> None:\n"
    "    def local() -> None: ...\n"
    "    ProcessOrderJob.perform_later(local)  # JOB203\n",
    "def f(pair: tuple[int, int], tags: set[str]) -> None:\n"
    "    ProcessOrderJob.perform_later(pair, tags)  # JOB203, JOB203\n",
    "PAIR = (1, 2)\n\n\ndef f() -> None:\n    ProcessOrderJob.perform_later(PAIR)  # JOB203\n",
    "class OrderService:\n"
    "    def submit(self) -> None:\n"
    "        ProcessOrderJob.perform_later(self)  # JOB203\n",
    "from joblint.runtime import perform_all_later\n\n\n"
    "perform_all_later([ProcessOrderJob((1, 2))])  # JOB203\n",
]
JOB203_CLEAN = [
    "ProcessOrderJob.perform_later([1, 2], {'a': 1}, (1))\n",
    "ProcessOrderJob.perform_later(datetime.now(UTC), datetime.now(tz=UTC))\n",
    "ProcessOrderJob.perform_later(datetime(2024, 1, 1, tzinfo=UTC))\n",
    "ProcessOrderJob.perform_later(date.today(), timedelta(days=1), Decimal('1.5'))\n",
    "ProcessOrderJob.perform_later(uuid.uuid4(), uuid.UUID(int=1))\n",
    "ProcessOrderJob.perform_later(time.time(), str(b'x'), list((1, 2)))\n",
    "ProcessOrderJob.perform_later(datetime.now().isoformat())\n",
    "ProcessOrderJob.perform_later(Located(1))\n",  # the runtime carries it by global id
    # a parameter's datetime may be aware: the runtime takes aware ones
    "def f(when: datetime) -> None:\n    ProcessOrderJob.perform_later(when)\n",
    "def f(order) -> None:\n    ProcessOrderJob.perform_later(order.created_at, order)\n",
    "def f(payload: dict[str, object]) -> None:\n"
    "    pair = payload['pair']\n"
    "    ProcessOrderJob.perform_later(pair)\n",
    "def f(flag: bool) -> None:\n"
    "    pair = (1, 2) if flag else [1, 2]\n"
    "    ProcessOrderJob.perform_later(pair)\n",
    "def f(flag: bool) -> None:\n"
    "    pair = (1, 2)\n"
    "    if flag:\n"
    "        pair = [1, 2]\n"
    "    ProcessOrderJob.perform_later(pair)\n",
    "def f(items: list[int]) -> None:\n"
    "    for pair in [(1, 2)]:\n"
    "        ProcessOrderJob.perform_later(pair)\n",
    "def f(set: object) -> None:\n    ProcessOrderJob.perform_later(set())\n",
    "def f(order) -> None:\n    ProcessOrderJob.perform_later(order.notify, order.Money)\n",
    "def f(order: Money | None) -> None:\n    ProcessOrderJob.perform_later(order)\n",
    # a splat's elements are not arguments as written
    "ProcessOrderJob.perform_later(*[(1, 2)])\n",
]


@pytest.mark.parametrize("body", JOB203_FLAGGED)
def test_job203_flagged(tmp_path: Path, body: str) -> None:
    check(tmp_path, body)


@pytest.mark.parametrize("body", JOB203_CLEAN)
def test_job203_clean(tmp_path: Path, body: str) -> None:
    check(tmp_path, body)


def test_job203_messages_name_the_type_evidence_and_remedy(tmp_path: Path) -> None:
    body = (
        "def f() -> None:\n"
        "    started = datetime.now()\n"
        "    ProcessOrderJob.perform_later(started, (1, 2), self_check=Money(1))"
        "  # JOB203, JOB203, JOB203\n"
    )
    messages = sorted(d.message for d in check(tmp_path, body))
    assert messages == [
        "`(1, 2)` is a tuple; joblint's runtime refuses it at enqueue: pass a list",
        "`Money(1)` is an instance of the dataclass `Money`; joblint's runtime refuses it at "
        "enqueue: pass `dataclasses.asdict(...)` and rebuild it in the job",
        "`started` is a naive `datetime` (assigned from `datetime.now()` on line 14); "
        "joblint's runtime refuses naive datetimes at enqueue: pass an aware datetime "
        "(`datetime.now(UTC)`)",
    ]


def test_job203_offers_the_safe_fix_for_tuple_literals_only(tmp_path: Path) -> None:
    body = (
        "def f(pair: tuple[int, int]) -> None:\n"
        "    ProcessOrderJob.perform_later((1, 2), pair, {3})  # JOB203, JOB203, JOB203\n"
    )
    fixes = {d.column: d.fix for d in check(tmp_path, body)}
    assert sorted(fixes) == [36, 43, 49]
    tuple_fix = fixes[36]
    assert tuple_fix is not None and tuple_fix.applicability is Applicability.SAFE
    assert fixes[43] is None and fixes[49] is None


# -- JOB206 ------------------------------------------------------------------------------

JOB206_FLAGGED = [
    "SendInvoiceJob.perform_later()  # JOB206\n",
    "SendInvoiceJob.perform_later(copies=2)  # JOB206\n",
    "SendInvoiceJob.perform_later(1, 2, 3)  # JOB206\n",
    "SendInvoiceJob.perform_later(1, resent=True)  # JOB206\n",
    "SendInvoiceJob.perform_later(1, invoice_id=1)  # JOB206\n",
    "SendInvoiceJob.set(queue='low').perform_later()  # JOB206\n",
    "SendInvoiceJob.perform_now(1, 2, True)  # JOB206\n",
    "SendInvoiceJob.perform_later(\n    1,\n    colour='red',  # JOB206\n)\n",
    "from joblint.runtime import perform_all_later\n\n\n"
    "perform_all_later([SendInvoiceJob(1), SendInvoiceJob()])  # JOB206\n",
]
JOB206_CLEAN = [
    "SendInvoiceJob.perform_later(1)\n",
    "SendInvoiceJob.perform_later(1, 2, resend=True)\n",
    "SendInvoiceJob.perform_later(invoice_id=1, copies=2)\n",
    "SendInvoiceJob.set(queue='low').perform_later(1)\n",
    "def f(args: list[int], kwargs: dict[str, int]) -> None:\n"
    "    SendInvoiceJob.perform_later(*args)\n"
    "    SendInvoiceJob.perform_later(1, **kwargs)\n",
    "ProcessOrderJob.perform_later()\n",
    "ProcessOrderJob.perform_later(1, 2, 3, anything=4)\n",
]


@pytest.mark.parametrize("body", JOB206_FLAGGED)
def test_job206_flagged(tmp_path: Path, body: str) -> None:
    check(tmp_path, body)


@pytest.mark.parametrize("body", JOB206_CLEAN)
def test_job206_clean(tmp_path: Path, body: str) -> None:
    check(tmp_path, body)


def test_job206_messages_name_the_job_parameter_and_signature(tmp_path: Path) -> None:
    body = (
        "SendInvoiceJob.perform_later()  # JOB206\n"
        "SendInvoiceJob.perform_later(1, 2, 3, 4)  # JOB206\n"
        "SendInvoiceJob.perform_later(1, resent=True)  # JOB206\n"
    )
    diagnostics = sorted(check(tmp_path, body), key=Diagnostic.sort_key)
    signature = (
        "its signature is `SendInvoiceJob.perform(self, invoice_id, copies=1, *, "
        "resend=False)` (app/jobs/send_invoice_job.py:7)"
    )
    assert [d.message for d in diagnostics] == [
        f"`SendInvoiceJob` is enqueued without its required argument `invoice_id`; {signature}",
        f"`SendInvoiceJob` takes 2 positional arguments but is given 4; {signature}",
        f"`SendInvoiceJob` has no parameter `resent` (did you mean `resend`?); {signature}",
    ]
    too_many = diagnostics[1]
    assert (too_many.span.start.column, too_many.span.end.column) == (36, 40)


@pytest.mark.parametrize(
    ("perform", "call", "flagged"),
    [
        # static and class methods
        ("@staticmethod\n    def perform(order_id: int) -> None: ...", "(1)", False),
        ("@staticmethod\n    def perform(order_id: int) -> None: ...", "()", True),
        ("@classmethod\n    def perform(cls, order_id: int) -> None: ...", "(1, 2)", True),
        # positional-only and keyword-only parameters
        ("def perform(self, order_id: int, /) -> None: ...", "(order_id=1)", True),
        ("def perform(self, order_id: int, /, **kw: int) -> None: ...", "(1, order_id=1)", False),
        ("def perform(self, *, order_id: int) -> None: ...", "()", True),
        ("def perform(self, *, order_id: int) -> None: ...", "(1)", True),
        # a decorator joblint does not know may change the signature
        ("@audited\n    def perform(self, order_id: int) -> None: ...", "()", False),
    ],
)
def test_job206_signature_shapes(tmp_path: Path, perform: str, call: str, flagged: bool) -> None:
    write_tree(
        tmp_path,
        {
            "app/jobs/application_job.py": BASE,
            "app/jobs/ship_order_job.py": (
                "from app.jobs.application_job import ApplicationJob\n"
                "from app.audit import audited\n\n\n"
                "class ShipOrderJob(ApplicationJob):\n"
                "    queue_as = 'default'\n\n"
                f"    {perform}\n"
            ),
            "app/services/ship.py": (
                "from app.jobs.ship_order_job import ShipOrderJob\n\n"
                f"ShipOrderJob.perform_later{call}\n"
            ),
        },
    )
    found = [d for d in lint_tree(tmp_path) if d.code == "JOB206"]
    assert bool(found) == flagged, [d.message for d in found]


def test_job206_skips_jobs_whose_constructor_takes_the_arguments(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/jobs/application_job.py": BASE,
            "app/jobs/ship_order_job.py": (
                "from app.jobs.application_job import ApplicationJob\n\n\n"
                "class ShipOrderJob(ApplicationJob):\n"
                "    queue_as = 'default'\n\n"
                "    def __init__(self, order: object) -> None:\n"
                "        super().__init__(1)\n\n"
                "    def perform(self, order_id: int) -> None: ...\n"
            ),
            "app/services/ship.py": (
                "from app.jobs.ship_order_job import ShipOrderJob\n\n"
                "ShipOrderJob.perform_later(object(), 2, 3)\n"
            ),
        },
    )
    assert [d for d in lint_tree(tmp_path) if d.code == "JOB206"] == []


# -- JOB207 ------------------------------------------------------------------------------

JOB207_FLAGGED = [
    "def f(password: str) -> None:\n    ProcessOrderJob.perform_later(password)  # JOB207\n",
    "def f(p: str) -> None:\n    ProcessOrderJob.perform_later(password=p)  # JOB207\n",
    "def f(user) -> None:\n    ProcessOrderJob.perform_later(user.password)  # JOB207\n",
    "def f(form) -> None:\n    ProcessOrderJob.perform_later(form['password'])  # JOB207\n",
    "def f(accessToken: str) -> None:\n    ProcessOrderJob.perform_later(accessToken)  # JOB207\n",
    "def f(settings) -> None:\n"
    "    ProcessOrderJob.perform_later(settings.STRIPE_API_KEY)  # JOB207\n",
    "def f(x: str) -> None:\n"
    "    ProcessOrderJob.perform_later(client_secret=x, reset_token=x)  # JOB207, JOB207\n",
    "ProcessOrderJob.perform_later(api_key='sk_live_1')  # JOB207\n",
    "def f(c) -> None:\n"
    "    ProcessOrderJob.perform_later(credentials=c, otp=c)  # JOB207, JOB207\n",
]
JOB207_CLEAN = [
    "def f(token_id: int, user) -> None:\n"
    "    ProcessOrderJob.perform_later(token_id, token_id=token_id, token=user.id)\n",
    "def f(has_token: bool, is_secret: bool) -> None:\n"
    "    ProcessOrderJob.perform_later(has_token, is_secret)\n",
    "ProcessOrderJob.perform_later(password=None, token='', secret=False, otp=123456)\n",
    "def f(next_page_token: str, token_expiry: int, password_length: int) -> None:\n"
    "    ProcessOrderJob.perform_later(next_page_token, token_expiry, password_length)\n",
    "def f(user) -> None:\n"
    "    ProcessOrderJob.perform_later(user.password_hash, secret_santa=user.name)\n",
    "def f(password: str) -> None:\n    ProcessOrderJob.perform_later(len(password))\n",
    # received as an identifier: a unique export token the job looks its record up by
    "def f(exporter) -> None:\n    ProcessOrderJob.perform_later(token_id=exporter.token)\n",
]


@pytest.mark.parametrize("body", JOB207_FLAGGED)
def test_job207_flagged(tmp_path: Path, body: str) -> None:
    check(tmp_path, body)


@pytest.mark.parametrize("body", JOB207_CLEAN)
def test_job207_clean(tmp_path: Path, body: str) -> None:
    check(tmp_path, body)


def test_job207_reads_the_parameter_a_positional_argument_lands_in(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/jobs/application_job.py": BASE,
            "app/jobs/rotate_key_job.py": (
                "from app.jobs.application_job import ApplicationJob\n\n\n"
                "class RotateKeyJob(ApplicationJob):\n"
                "    queue_as = 'default'\n\n"
                "    def perform(self, account_id: int, private_key: str) -> None: ...\n"
            ),
            "app/services/keys.py": (
                "from app.jobs.rotate_key_job import RotateKeyJob\n\n\n"
                "def rotate(account_id: int, pem: str) -> None:\n"
                "    RotateKeyJob.perform_later(account_id, pem)\n"
            ),
        },
    )
    found = [d for d in lint_tree(tmp_path) if d.code == "JOB207"]
    assert [(d.line, d.message.split(";")[0]) for d in found] == [
        (5, "`pem` (the job's `private_key` parameter) is named like a secret")
    ]


def test_job207_names_from_settings_replace_the_builtins(tmp_path: Path) -> None:
    settings = Settings(
        project_root=tmp_path, sensitive_argument_names=(r"(?:^|_)(?:email|phone)$",)
    )
    body = (
        "def f(user, password: str) -> None:\n"
        "    ProcessOrderJob.perform_later(user.email)  # JOB207\n"
        "    ProcessOrderJob.perform_later(contact_phone=user.phone)  # JOB207\n"
        "    ProcessOrderJob.perform_later(password, email_id=user.email_id)\n"
    )
    check(tmp_path, body, settings)


def test_job207_an_empty_list_turns_the_names_off(tmp_path: Path) -> None:
    settings = Settings(project_root=tmp_path, sensitive_argument_names=())
    check(
        tmp_path,
        "def f(password: str) -> None:\n    ProcessOrderJob.perform_later(password)\n",
        settings,
    )


def test_job207_invalid_pattern_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.joblint]\nsensitive-argument-names = ['(unclosed']\n")
    with pytest.raises(
        ConfigError, match=r"pyproject.toml:2: `\(unclosed` in `sensitive-argument-names`"
    ):
        load_settings(config, tmp_path)


def test_job207_page_documents_the_builtin_names() -> None:
    page = (Path(__file__).resolve().parent.parent / "rules" / "JOB207.md").read_text()
    for pattern in BUILTIN_SENSITIVE_NAMES:
        assert f"'{pattern}'" in page


# -- the tables, on the job model alone ---------------------------------------------------


def synthetic(
    tmp_path: Path,
    rule: ModuleRule,
    framework: str,
    source: str,
    options: tuple[tuple[str, Literal], ...] = (),
    method: str = "delay",
    synchronous: bool = False,
) -> list[tuple[int, str]]:
    """Run ``rule`` on a module whose first function is a task of ``framework`` and whose
    last statement is a call enqueueing it: what any frontend would lower it to."""
    path = tmp_path / "tasks.py"
    path.write_text(source, encoding="utf-8")
    parsed = parse(SourceFile(path, source.encode(), source, "utf-8"))
    assert isinstance(parsed, ParsedModule)
    function = next(s for s in parsed.module.body if isinstance(s, cst.FunctionDef))
    last = parsed.module.body[-1]
    assert isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[0], cst.Expr)
    call = last.body[0].value
    assert isinstance(call, cst.Call)
    job = JobDefinition(
        framework=framework,
        name=function.name.value,
        qualified_name=f"tasks.{function.name.value}",
        path=path,
        module_name="tasks",
        name_span=parsed.span(function.name),
        node=function,
        is_class=False,
        perform=function,
        options=options,
    )
    job = with_signature(parsed, job)  # as the engine fills it in
    site = EnqueueSite(
        framework=framework,
        method=method,
        path=path,
        span=parsed.span(call),
        node=call,
        target=job.qualified_name,
        arguments=tuple(call.args),
        synchronous=synchronous,
    )
    index = ProjectIndex(
        [collect_symbols(parsed)],
        frameworks=[frontend.DESCRIPTION for frontend in FRONTENDS],
    )
    index.jobs = JobRegistry([job])
    module = ModuleContext(parsed, ModuleFacts((job,), (site,)), index, Settings(tmp_path))
    return [(d.line, d.code) for d in rule.check(module)]


def test_every_framework_has_a_serializer() -> None:
    """Each frontend's description names its default serializer among its serializers,
    and the rule knows what each of their encodings does."""
    for frontend in FRONTENDS:
        description = frontend.DESCRIPTION
        assert description.name == frontend.FRAMEWORK
        assert description.default_serializer is not None
        assert description.serializer(description.default_serializer) is not None
        assert all(serializer.encoding in ENCODINGS for serializer in description.serializers)


TASK = "import datetime\nimport decimal\n\n\ndef process(value):\n    ...\n\n\n"


@pytest.mark.parametrize(
    ("framework", "argument", "flagged"),
    [
        # kombu restores these; plain JSON does not
        ("celery", "datetime.datetime.now()", False),
        ("celery", "decimal.Decimal('1')", False),
        ("celery", "b'x'", False),
        ("celery", "datetime.timedelta(1)", True),
        ("celery", "(1, 2)", True),
        ("dramatiq", "datetime.datetime.now(datetime.UTC)", True),
        ("dramatiq", "decimal.Decimal('1')", True),
        ("django-tasks", "b'x'", True),
        ("procrastinate", "datetime.date.today()", True),
        # pickle takes all but functions without an importable name
        ("rq", "(1, 2)", False),
        ("rq", "{1}", False),
        ("rq", "process", False),
        ("rq", "lambda: 1", True),
        ("huey", "datetime.datetime.now()", False),
        ("arq", "lambda: 1", True),
        # a framework joblint has no table for is not judged
        ("some-new-framework", "(1, 2)", False),
    ],
)
def test_serializer_table(tmp_path: Path, framework: str, argument: str, flagged: bool) -> None:
    found = synthetic(
        tmp_path, NonSerializableArgument(), framework, TASK + f"process.delay({argument})\n"
    )
    assert bool(found) == flagged


@pytest.mark.parametrize(
    ("options", "argument", "flagged"),
    [
        ((("serializer", "pickle"),), "(1, 2)", False),
        ((("serializer", "pickle"),), "lambda: 1", True),
        ((("serializer", "yaml"),), "(1, 2)", False),
        ((("serializer", "json"),), "(1, 2)", True),
    ],
)
def test_celery_serializer_option(
    tmp_path: Path, options: tuple[tuple[str, Literal], ...], argument: str, flagged: bool
) -> None:
    found = synthetic(
        tmp_path,
        NonSerializableArgument(),
        "celery",
        TASK + f"process.delay({argument})\n",
        options,
    )
    assert bool(found) == flagged


def test_synchronous_calls_are_not_serialized(tmp_path: Path) -> None:
    source = TASK + "process.delay({1}, password='x')\n"
    for rule in (NonSerializableArgument(), SensitiveArgument()):
        assert synthetic(tmp_path, rule, "dramatiq", source) != []
        assert synthetic(tmp_path, rule, "dramatiq", source, synchronous=True) == []


@pytest.mark.parametrize(
    ("framework", "options", "signature", "call", "flagged"),
    [
        # Celery's bound tasks receive `self`
        ("celery", (("bind", True),), "self, order_id", "(1)", False),
        ("celery", (("bind", True),), "self, order_id", "(1, 2)", True),
        ("celery", (), "order_id", "(1, 2)", True),
        # `bind` not readable, or a first parameter named like it with no option: unknown
        ("celery", (("bind", object()),), "self, order_id", "(1, 2)", False),
        ("celery", (), "self, order_id", "(1, 2)", False),
        # arq always passes ctx
        ("arq", (), "ctx, order_id", "(1)", False),
        ("arq", (), "ctx, order_id", "()", True),
        ("arq", (), "", "()", False),
        ("procrastinate", (("pass_context", True),), "context, order_id", "(order_id=1)", False),
        ("procrastinate", (), "order_id", "(order_id=1, extra=2)", True),
        ("django-tasks", (("takes_context", True),), "context, order_id", "(1)", False),
        ("django-tasks", (("takes_context", True),), "context, order_id", "()", True),
        ("huey", (("context", True),), "order_id, task=None", "(1)", False),
        ("huey", (("context", True),), "order_id, task=None", "(1, 2)", True),
        ("dramatiq", (), "order_id, *rest", "(1, 2, 3)", False),
    ],
)
def test_framework_supplied_arguments(
    tmp_path: Path,
    framework: str,
    options: tuple[tuple[str, object], ...],
    signature: str,
    call: str,
    flagged: bool,
) -> None:
    from joblint.analysis.model import UNKNOWN

    literal_options = tuple((k, UNKNOWN if not isinstance(v, bool) else v) for k, v in options)
    method = "defer" if framework == "procrastinate" else "delay"
    source = f"def process({signature}):\n    ...\n\n\nprocess.{method}{call}\n"
    found = synthetic(
        tmp_path, EnqueueSignatureMismatch(), framework, source, literal_options, method=method
    )
    assert bool(found) == flagged, found


def test_partial_signatures_are_not_missing_arguments(tmp_path: Path) -> None:
    source = "def process(a, b):\n    ...\n\n\nprocess.s(1)\n"
    rule = EnqueueSignatureMismatch()
    assert synthetic(tmp_path, rule, "celery", source, method="s") == []
    source = "def process(a, b):\n    ...\n\n\nprocess.s(1, 2, 3)\n"
    assert synthetic(tmp_path, rule, "celery", source, method="s") == [(5, "JOB206")]


def test_dropped_positional_arguments_are_not_received(tmp_path: Path) -> None:
    """Procrastinate drops positional arguments: the serializer never sees them, and the
    parameter they were meant for is JOB205's to report, not JOB206's as missing; a
    parameter missing with no positional argument dropped is still JOB206's."""
    source = "def process(order_id):\n    ...\n\n\nprocess.defer((1, 2), 'secret')\n"
    assert (
        synthetic(tmp_path, EnqueueSignatureMismatch(), "procrastinate", source, method="defer")
        == []
    )
    missing = "def process(order_id):\n    ...\n\n\nprocess.defer()\n"
    assert synthetic(
        tmp_path, EnqueueSignatureMismatch(), "procrastinate", missing, method="defer"
    ) == [(5, "JOB206")]
    assert (
        synthetic(tmp_path, NonSerializableArgument(), "procrastinate", source, method="defer")
        == []
    )


# -- fixes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("(1, 2)", "[1, 2]"),
        ("()", "[]"),
        ("(1,)", "[1]"),
        ("( 1, 2 )", "[ 1, 2 ]"),
        ("((1, 2), 3)", "[[1, 2], 3]"),
        ("((1, 2))", "([1, 2])"),
        ("(\n    1,\n    2,\n)", "[\n    1,\n    2,\n]"),
        ("(1, [2, (3,)])", "[1, [2, (3,)]]"),  # a tuple in a list has a fix of its own
    ],
)
def test_tuple_to_list(before: str, after: str) -> None:
    converted = tuple_to_list(cst.parse_expression(before))
    code = cst.Module([]).code_for_node(converted)
    assert code == after
    cst.parse_expression(code)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("when", "when.isoformat()"),
        ("order.created_at", "order.created_at.isoformat()"),
        ("datetime.now()", "datetime.now().isoformat()"),
        ("start + delta", "(start + delta).isoformat()"),
        ("(start + delta)", "(start + delta).isoformat()"),
    ],
)
def test_with_isoformat(before: str, after: str) -> None:
    assert cst.Module([]).code_for_node(with_isoformat(cst.parse_expression(before))) == after


def _apply(source: str, fixes: list[tuple[Span, str, bool]]) -> tuple[str, str]:
    """The source with the fixes applied, and with them applied twice."""
    module = cst.parse_module(source)
    transforms = [
        rewrite_value(span, original, tuple_to_list if as_list else with_isoformat)
        for span, original, as_list in fixes
    ]
    for transform in transforms:
        module = transform(module)
    again = module
    for transform in transforms:
        again = transform(again)
    return module.code, again.code


def test_rewrite_value_finds_its_value_after_an_earlier_fix_on_the_line() -> None:
    source = "Job.perform_later((1,), when, {'a': (2,)})\n"
    fixes = [
        (Span.point(1, 20), "(1,)", True),  # positions start inside the parentheses
        (Span.point(1, 25), "when", False),
        (Span.point(1, 38), "(2,)", True),
    ]
    fixed, again = _apply(source, fixes)
    assert fixed == "Job.perform_later([1], when.isoformat(), {'a': [2]})\n"
    assert again == fixed  # idempotent
    cst.parse_module(fixed)


def test_rewrite_value_leaves_a_moved_or_changed_value_alone() -> None:
    source = "Job.perform_later((1,), (1,))\nother((1,))\n"
    fixed, _ = _apply(source, [(Span.point(3, 19), "(1,)", True)])
    assert fixed == source  # no such line
    ambiguous = "x((1,), (1,))\n"
    fixed, _ = _apply(ambiguous, [(Span.point(1, 6), "(1,)", True)])
    assert fixed == ambiguous  # moved, and two candidates: nothing is guessed


def test_fixes_through_the_engine_reparse_and_are_idempotent(tmp_path: Path) -> None:
    body = "ProcessOrderJob.perform_later((1, (2, 3)), [(4,)], key=((5,),))  # JOB203\n"
    diagnostics = check(tmp_path, body)
    source = Example("flagged", HEADER + body).without_annotations()
    module = cst.parse_module(source)
    for diagnostic in diagnostics:
        assert diagnostic.fix is not None
        module = diagnostic.fix.transform(module)
    assert module.code.endswith("ProcessOrderJob.perform_later([1, [2, 3]], [[4]], key=[[5]])\n")
    cst.parse_module(module.code)
    again = module
    for diagnostic in diagnostics:
        assert diagnostic.fix is not None
        again = diagnostic.fix.transform(again)
    assert again.code == module.code


# -- the serializer a project configures (JOB203) --------------------------------------

CELERY_APP = "from celery import Celery\n\napp = Celery('proj')\n{conf}\n"
CELERY_TASKS = (
    "from celery import shared_task\n\nfrom proj.celery import app\n\n\n"
    "@app.task(queue='low')\ndef on_app(point):\n    pass\n\n\n"
    "@shared_task(queue='low')\ndef shared(point):\n    pass\n"
)
CELERY_SENDS = (
    "from proj.tasks import on_app, shared\n\n\n"
    "def send():\n    on_app.delay((1, 2))\n    shared.delay((1, 2))\n"
)


@pytest.mark.parametrize(
    ("files", "flagged"),
    [
        # nothing configured: Celery's JSON default turns tuples into lists
        ({}, ["on_app", "shared"]),
        # the app configured for pickle: its tasks keep tuples; a shared task may run on an
        # app joblint does not see configured, so it cannot tell and stays quiet
        ({"proj/celery.py": "app.conf.update(task_serializer='pickle')"}, []),
        ({"proj/celery.py": "app.conf.task_serializer = 'pickle'"}, []),
        ({"proj/celery.py": "app.conf.update({'task_serializer': 'pickle'})"}, []),
        ({"proj/celery.py": "app.conf.update(task_serializer='json')"}, ["on_app"]),
        # Django settings read through config_from_object, a project serializer of its own
        ({"proj/settings.py": "CELERY_TASK_SERIALIZER = 'signed-pickle'"}, []),
        ({"proj/settings.py": "CELERY_TASK_SERIALIZER = 'pickle'"}, []),
        # a celeryconfig module saying json: still json
        ({"celeryconfig.py": "task_serializer = 'json'"}, ["on_app", "shared"]),
        # computed: cannot tell, so quiet
        ({"proj/settings.py": "import os\nCELERY_TASK_SERIALIZER = os.environ['S']"}, []),
        # a lowercase name outside a module about Celery is some other variable
        ({"proj/util.py": "task_serializer = 'pickle'"}, ["on_app", "shared"]),
    ],
)
def test_celery_serializer_the_project_configures(
    tmp_path: Path, files: dict[str, str], flagged: list[str]
) -> None:
    conf = files.pop("proj/celery.py", "")
    tree = {
        "proj/__init__.py": "",
        "proj/celery.py": CELERY_APP.format(conf=conf),
        "proj/tasks.py": CELERY_TASKS,
        "proj/send.py": CELERY_SENDS,
        **files,
    }
    write_tree(tmp_path, tree)
    sends = {5: "on_app", 6: "shared"}  # the lines of proj/send.py
    found = [d for d in lint_tree(tmp_path) if d.code == "JOB203"]
    assert all(d.path == tmp_path / "proj/send.py" for d in found)
    assert sorted(sends[d.line] for d in found) == flagged


SERIALIZER_OBJECTS = {
    "dramatiq": (
        "import dramatiq\n\n\n@dramatiq.actor(queue_name='low')\n"
        "def process(point):\n    pass\n\n\ndef send():\n    process.send((1, 2))\n",
        "import dramatiq\nfrom dramatiq.encoder import PickleEncoder\n\n"
        "dramatiq.set_encoder(PickleEncoder())\n",
    ),
    "rq": (
        "from redis import Redis\nfrom rq import Queue\n\nqueue = Queue('low', "
        "connection=Redis())\n\n\ndef process(point):\n    pass\n\n\n"
        "def send():\n    queue.enqueue(process, lambda: 1)\n",
        "from rq.serializers import JSONSerializer\n\nQUEUE_OPTIONS = "
        "{'serializer': JSONSerializer}\nWORKER = dict(serializer=JSONSerializer)\n",
    ),
}


@pytest.mark.parametrize("framework", sorted(SERIALIZER_OBJECTS))
def test_a_serializer_object_makes_the_framework_unjudged(tmp_path: Path, framework: str) -> None:
    """A serializer chosen by an object anywhere in the project: joblint cannot tell what
    it takes, so the framework's arguments are not judged."""
    jobs, setting = SERIALIZER_OBJECTS[framework]
    write_tree(tmp_path, {"app/__init__.py": "", "app/jobs.py": jobs})
    assert [d.code for d in lint_tree(tmp_path) if d.code == "JOB203"] == ["JOB203"]
    write_tree(tmp_path, {"app/setup_queue.py": setting})
    assert [d.code for d in lint_tree(tmp_path) if d.code == "JOB203"] == []
