"""A made-up Django project where many files define or enqueue background jobs.

    python benchmarks/generate_tree.py FOLDER [--files N]

Django itself barely touches jobs, so it measures how fast joblint gets out of the way; a
codebase built around Celery, RQ, Dramatiq and joblint's runtime measures the other half,
every file the prefilter keeps going through libcst. Real applications of that shape are
large and awkward to pin to a version, so this writes one: deterministic (the same N gives
the same bytes), N Python files (default 600) plus a ``pyproject.toml`` declaring the
queues. Each domain package holds Django models, job classes on joblint's runtime
(``jobs/send_invoice_job.py``), Celery ``@shared_task`` functions, Dramatiq actors, RQ job
functions and services that enqueue them (``.delay``, ``.apply_async``, ``.send``,
``enqueue``, ``perform_later``, ``transaction.on_commit``); about half the files are plain
utility modules that mention no job at all. Some code makes the mistakes joblint looks for
(a model instance passed to a task, an enqueue inside ``transaction.atomic()``), as real
code does, so a run reports findings.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

DEFAULT_FILES = 600
QUEUES = ("critical", "default", "low", "mailers", "reports")
DOMAINS = (
    "billing", "orders", "accounts", "inventory", "shipping", "catalog", "reports",
    "notifications", "search", "payments", "analytics", "support", "marketing",
    "subscriptions", "media", "audit", "integrations", "pricing", "reviews", "loyalty",
    "warehouse", "returns", "invoicing", "onboarding", "compliance", "scheduling",
    "messaging", "exports", "imports", "feeds",
)  # fmt: skip
NOUNS = (
    "invoice", "order", "customer", "shipment", "product", "report", "receipt", "refund",
    "payment", "account", "ticket", "coupon", "subscription", "image", "document",
    "export", "message", "review", "address", "webhook",
)  # fmt: skip
VERBS = (
    "send", "process", "sync", "generate", "export", "import", "refresh", "archive",
    "notify", "rebuild", "charge", "resize", "publish", "reconcile", "index", "purge",
    "deliver", "calculate", "validate", "recompute",
)  # fmt: skip
UTILITY_TOPICS = ("formatting", "parsing", "money", "dates", "text", "retrying", "paging")
FIXED_FILES = 6  # project/__init__, celery, settings, rq_queues, jobs/__init__, application_job
FILES_PER_DOMAIN = 20


def camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def action(number: int) -> tuple[str, str]:
    """The ``number``-th (verb, noun) pair; no pair repeats, so no two jobs share a name."""
    verb = VERBS[number % len(VERBS)]
    noun = NOUNS[(number // len(VERBS) + number) % len(NOUNS)]
    rounds = number // (len(VERBS) * len(NOUNS))
    return verb, f"{noun}{rounds}" if rounds else noun


def domain_name(index: int) -> str:
    rounds = index // len(DOMAINS)
    name = DOMAINS[index % len(DOMAINS)]
    return f"{name}{rounds}" if rounds else name


def queue_for(number: int) -> str:
    return QUEUES[number % len(QUEUES)]


def models_module(models: list[str]) -> str:
    blocks = ['"""The records of this part of the app."""\n\nfrom django.db import models\n']
    for model in models:
        table = model.lower()
        blocks.append(
            f'''
class {model}(models.Model):
    """A {table} as the rest of the app sees it."""

    number = models.CharField(max_length=32, unique=True)
    status = models.CharField(max_length=16, default="draft")
    owner = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    total_cents = models.IntegerField(default=0)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{model} {{self.number}}"

    @property
    def is_open(self) -> bool:
        return self.status in ("draft", "pending")

    def mark(self, status: str) -> None:
        self.status = status
        self.save(update_fields=["status", "updated_at"])
'''
        )
    return "\n".join(blocks)


def runtime_job_module(package: str, model: str, verb: str, noun: str, number: int) -> str:
    job = f"{camel(verb)}{camel(noun)}Job"
    retried = number % 2 == 1
    retry = "@retry_on(TimeoutError, wait=polynomially_longer, attempts=5)\n" if retried else ""
    runtime_import = (
        "\nfrom joblint.runtime import polynomially_longer, retry_on\n" if retried else ""
    )
    article = "an" if noun[0] in "aeiou" else "a"
    return f'''"""{camel(verb)} {article} {noun} in the background, once it is committed."""

import logging
{runtime_import}
from {package}.models import {model}
from project.jobs.application_job import ApplicationJob

logger = logging.getLogger(__name__)


{retry}class {job}(ApplicationJob):
    """Kept small: the work is in the model; the job only decides whether to do it."""

    queue_as = "{queue_for(number)}"

    def perform(self, record_id: int, reason: str = "scheduled") -> None:
        record = {model}.objects.get(pk=record_id)
        if record.status == "{verb}_done":
            return
        logger.info("%s %s: %s", type(self).__name__, record.number, reason)
        for attempt in range(3):
            if self.step(record, attempt):
                break
        record.mark("{verb}_done")

    def step(self, record: {model}, attempt: int) -> bool:
        total = record.total_cents + attempt
        return total % 2 == 0
'''


def celery_tasks_module(package: str, models: list[str], first: int, count: int) -> str:
    lines = [
        '"""Celery tasks of this part of the app."""',
        "",
        "import logging",
        "",
        "from celery import shared_task",
        "",
        f"from {package}.models import {', '.join(models)}",
        "",
        "logger = logging.getLogger(__name__)",
    ]
    for offset in range(count):
        number = first + offset
        verb, noun = action(number)
        model = models[offset % len(models)]
        name = f"{verb}_{noun}_{'record' if offset % 3 else 'now'}"
        bound = number % 3 == 0
        options = [f'queue="{queue_for(number)}"']
        if bound:
            options += ["bind=True", "max_retries=5"]
        # Every fourth task takes the model instance itself, as real code too often does.
        parameter = model.lower() if offset % 4 == 0 else "record_id"
        signature = ("self, " if bound else "") + f"{parameter}, force=False"
        load = (
            f"    record = {parameter}\n"
            if parameter != "record_id"
            else f"    record = {model}.objects.get(pk=record_id)\n"
        )
        body = (
            load
            + f'    if record.status == "{verb}ed" and not force:\n'
            + "        return record.id\n"
        )
        if bound:
            body += (
                "    try:\n"
                '        record.mark("processing")\n'
                "    except TimeoutError as error:\n"
                "        raise self.retry(exc=error, countdown=2 ** self.request.retries)\n"
            )
        body += (
            f'    logger.info("{name} %s", record.number)\n'
            f'    record.mark("{verb}ed")\n'
            "    return record.id\n"
        )
        lines += ["", "", f"@shared_task({', '.join(options)})", f"def {name}({signature}):"]
        lines.append(f'    """{camel(verb)} one {noun}."""')
        lines.append(body.rstrip("\n"))
    return "\n".join(lines) + "\n"


def actors_module(package: str, models: list[str], first: int, count: int) -> str:
    lines = [
        '"""Dramatiq actors: the slow, retryable side of this part of the app."""',
        "",
        "import dramatiq",
        "",
        f"from {package}.models import {models[0]}",
    ]
    for offset in range(count):
        number = first + offset
        verb, noun = action(number)
        lines += [
            "",
            "",
            f'@dramatiq.actor(queue_name="{queue_for(number)}", max_retries=3, min_backoff=1000)',
            f"def {verb}_{noun}_actor(record_id, batch_size=100):",
            f'    """{camel(verb)} a {noun} in batches."""',
            f"    record = {models[0]}.objects.get(pk=record_id)",
            "    processed = 0",
            "    while processed < record.total_cents:",
            "        processed += batch_size",
            f'    record.mark("{verb}_actor_done")',
            "    return processed",
        ]
    return "\n".join(lines) + "\n"


def rq_module(first: int, count: int) -> str:
    lines = ['"""Plain functions that RQ runs: jobs only because the services enqueue them."""']
    lines += ["", "import json", "from urllib.request import urlopen"]
    for offset in range(count):
        verb, noun = action(first + offset)
        lines += [
            "",
            "",
            f"def {verb}_{noun}_feed(url, timeout=10):",
            f'    """Fetch a {noun} feed and count its entries."""',
            "    with urlopen(url, timeout=timeout) as response:",
            "        entries = json.load(response)",
            "    return len(entries)",
        ]
    return "\n".join(lines) + "\n"


def service_module(package: str, models: list[str], jobs: list[str], tasks: list[str],
                   actors: list[str], feeds: list[str], number: int) -> str:  # fmt: skip
    model = models[number % len(models)]
    variable = model.lower()
    job_imports = "\n".join(
        f"from {package}.jobs.{module} import {camel(module)}" for module in jobs
    )
    lines = [
        '"""Where this part of the app changes records and, once committed, enqueues jobs."""',
        "",
        "from django.db import transaction",
        "",
        f"from {package} import tasks",
        f"from {package}.actors import {', '.join(actors)}",
        job_imports,
        f"from {package}.models import {model}",
        f"from {package}.rq_jobs import {', '.join(feeds)}",
        "from project.rq_queues import default_queue, low_queue",
    ]
    for offset, job in enumerate(jobs):
        task = tasks[offset % len(tasks)]
        actor = actors[offset % len(actors)]
        feed = feeds[offset % len(feeds)]
        lines += [
            "",
            "",
            f"def complete_{job}(record_id: int) -> None:",
            f'    """Close the {variable} and let the workers do the slow part."""',
            "    with transaction.atomic():",
            f"        {variable} = {model}.objects.select_for_update().get(pk=record_id)",
            f"        if not {variable}.is_open:",
            "            return",
            f'        {variable}.mark("closed")',
            f"        transaction.on_commit(lambda: tasks.{task}.delay({variable}.id))",
            f'    {camel(job)}.perform_later({variable}.id, reason="closed")',
            f"    {actor}.send({variable}.id)",
            "",
            "",
            f"def schedule_{job}(record_id: int, delay: int = 60) -> None:",
            f"    tasks.{task}.apply_async(args=[record_id], countdown=delay)",
            f'    low_queue.enqueue({feed}, f"https://example.com/{{record_id}}")',
        ]
    # The mistakes real services make, a few per file.
    first_task = tasks[0]
    lines += [
        "",
        "",
        f"def remind_{variable}(record_id: int) -> None:",
        f"    {variable} = {model}.objects.get(pk=record_id)",
        f"    tasks.{first_task}.delay({variable})",
        "",
        "",
        "def reopen_all(owner_id: int) -> int:",
        "    count = 0",
        "    with transaction.atomic():",
        f"        for {variable} in {model}.objects.filter(owner_id=owner_id):",
        f'            {variable}.mark("pending")',
        f"            tasks.{first_task}.delay({variable}.id)",
        "            count += 1",
        f'    default_queue.enqueue({feeds[0]}, "https://example.com/reopened")',
        "    return count",
    ]
    return "\n".join(lines) + "\n"


def utility_module(topic: str, number: int) -> str:
    """Code with no job in it: what most of any real codebase is."""
    lines = [
        f'"""Helpers for {topic}: small, pure and used all over the app."""',
        "",
        "from __future__ import annotations",
        "",
        "import re",
        "from dataclasses import dataclass",
        "from datetime import date, timedelta",
        "from decimal import ROUND_HALF_UP, Decimal",
        "",
        '_WORD = re.compile(r"[A-Za-z0-9]+")',
    ]
    functions = 3 + number % 10
    for index in range(functions):
        name = f"{topic}_{VERBS[(number + index) % len(VERBS)]}_{index}"
        kind = (number + index) % 4
        lines += ["", ""]
        if kind == 0:
            lines += [
                f"def {name}(amount: Decimal, places: int = 2) -> str:",
                '    """Round half up, as accountants do, then group the thousands."""',
                "    quantum = Decimal(1).scaleb(-places)",
                "    rounded = amount.quantize(quantum, rounding=ROUND_HALF_UP)",
                '    whole, _, fraction = f"{rounded:f}".partition(".")',
                "    groups = []",
                "    while len(whole) > 3:",
                "        groups.insert(0, whole[-3:])",
                "        whole = whole[:-3]",
                "    groups.insert(0, whole)",
                '    text = ",".join(groups)',
                '    return f"{text}.{fraction}" if fraction else text',
            ]
        elif kind == 1:
            lines += [
                f"def {name}(text: str, limit: int = 50) -> list[str]:",
                '    """The words of ``text``, lower-cased, at most ``limit`` of them."""',
                "    words = [match.group(0).lower() for match in _WORD.finditer(text)]",
                "    seen: set[str] = set()",
                "    unique = []",
                "    for word in words:",
                "        if word not in seen:",
                "            seen.add(word)",
                "            unique.append(word)",
                "    return unique[:limit]",
            ]
        elif kind == 2:
            lines += [
                f"def {name}(start: date, days: int, skip_weekends: bool = True) -> date:",
                '    """``days`` working days after ``start``."""',
                "    current = start",
                "    remaining = days",
                "    while remaining > 0:",
                "        current += timedelta(days=1)",
                "        if skip_weekends and current.weekday() >= 5:",
                "            continue",
                "        remaining -= 1",
                "    return current",
            ]
        else:
            page = f"Page{camel(topic)}{index}"
            lines += [
                "@dataclass(frozen=True)",
                f"class {page}:",
                '    """One page of a long listing."""',
                "",
                "    items: tuple[object, ...]",
                "    number: int",
                "    size: int",
                "",
                "    @property",
                "    def has_next(self) -> bool:",
                "        return len(self.items) == self.size",
                "",
                "",
                f"def {name}(items: list[object], size: int = 20) -> list[{page}]:",
                "    return [",
                f"        {page}(tuple(items[start : start + size]), start // size + 1, size)",
                "        for start in range(0, len(items), size)",
                "    ]",
            ]
    return "\n".join(lines) + "\n"


def fixed_files() -> dict[str, str]:
    queue_list = ", ".join(f'"{queue}"' for queue in QUEUES)
    return {
        "pyproject.toml": (
            '[project]\nname = "project"\nversion = "1.0"\n\n'
            f"[tool.joblint]\nqueues = [{queue_list}]\n"
        ),
        "project/__init__.py": (
            '"""The app; Celery is loaded with Django."""\n\n'
            "from .celery import app as celery_app\n\n"
            '__all__ = ("celery_app",)\n'
        ),
        "project/celery.py": (
            '"""The Celery app, configured from the Django settings."""\n\n'
            "import os\n\n"
            "from celery import Celery\n\n"
            'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")\n\n'
            'app = Celery("project")\n'
            'app.config_from_object("django.conf:settings", namespace="CELERY")\n'
            "app.autodiscover_tasks()\n"
        ),
        "project/settings.py": (
            '"""Django settings, trimmed to what the workers read."""\n\n'
            'SECRET_KEY = "not-a-secret"\n'
            "DEBUG = False\n"
            'CELERY_BROKER_URL = "redis://localhost:6379/0"\n'
            'CELERY_TASK_DEFAULT_QUEUE = "default"\n'
            "CELERY_TASK_ACKS_LATE = True\n"
            'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "app"}}\n'
        ),
        "project/rq_queues.py": (
            '"""The RQ queues, created once and imported where jobs are enqueued."""\n\n'
            "from redis import Redis\n"
            "from rq import Queue\n\n"
            "redis_conn = Redis()\n"
            'default_queue = Queue("default", connection=redis_conn)\n'
            'low_queue = Queue("low", connection=redis_conn)\n'
        ),
        "project/jobs/__init__.py": '"""The base job every runtime job subclasses."""\n',
        "project/jobs/application_job.py": (
            '"""The project\'s base job: the error policies every job shares."""\n\n'
            "from joblint.runtime import (\n"
            "    DeserializationError,\n"
            "    Job,\n"
            "    discard_on,\n"
            "    polynomially_longer,\n"
            "    retry_on,\n"
            ")\n\n\n"
            "@retry_on(ConnectionError, wait=polynomially_longer, attempts=10)\n"
            "@discard_on(DeserializationError)\n"
            "class ApplicationJob(Job):\n"
            '    """Every job subclasses this, so a policy written here holds for all."""\n'
        ),
    }


def domain_files(index: int) -> Iterator[tuple[str, str]]:
    """The twenty files of one domain package: nine that define or enqueue jobs, eleven
    that do not."""
    name = domain_name(index)
    package = f"project.{name}"
    folder = f"project/{name}"
    models = [camel(NOUNS[(index * 3 + k) % len(NOUNS)]) for k in range(3)]
    job_numbers = [index * 16 + k for k in range(16)]  # 3 runtime, 7 Celery, 3 Dramatiq, 3 RQ
    jobs = ["_".join((*action(number), "job")) for number in job_numbers[:3]]
    celery_first = job_numbers[3]
    tasks = []
    for offset in range(7):
        verb, noun = action(celery_first + offset)
        tasks.append(f"{verb}_{noun}_{'record' if offset % 3 else 'now'}")
    actors = ["_".join((*action(number), "actor")) for number in job_numbers[10:13]]
    feeds = ["_".join((*action(number), "feed")) for number in job_numbers[13:16]]

    yield f"{folder}/__init__.py", f'"""{camel(name)}: models, jobs and services."""\n'
    yield f"{folder}/models.py", models_module(models)
    yield f"{folder}/jobs/__init__.py", '"""Jobs on joblint\'s runtime."""\n'
    for offset, (job, number) in enumerate(zip(jobs, job_numbers[:3], strict=True)):
        verb, noun = action(number)
        model = models[offset % len(models)]
        yield f"{folder}/jobs/{job}.py", runtime_job_module(package, model, verb, noun, number)
    yield f"{folder}/tasks.py", celery_tasks_module(package, models, celery_first, 7)
    yield f"{folder}/actors.py", actors_module(package, models, job_numbers[10], 3)
    yield f"{folder}/rq_jobs.py", rq_module(job_numbers[13], 3)
    yield f"{folder}/services/__init__.py", '"""Services: the only code that enqueues."""\n'
    for part in range(2):
        yield (
            f"{folder}/services/{NOUNS[(index + part) % len(NOUNS)]}_service_{part}.py",
            service_module(package, models, jobs, tasks[part::2], actors, feeds, index + part),
        )
    yield f"{folder}/utils/__init__.py", '"""Helpers with no job in them."""\n'
    for topic_index, topic in enumerate(UTILITY_TOPICS):
        yield f"{folder}/utils/{topic}.py", utility_module(topic, index * 7 + topic_index)


def tree_files(files: int = DEFAULT_FILES) -> dict[str, str]:
    """Relative path to content: exactly ``files`` Python files and a pyproject.toml."""
    if files < FIXED_FILES + FILES_PER_DOMAIN:
        raise ValueError(f"at least {FIXED_FILES + FILES_PER_DOMAIN} files, not {files}")
    tree = fixed_files()
    domains = (files - FIXED_FILES) // FILES_PER_DOMAIN
    for index in range(domains):
        tree.update(domain_files(index))
    remainder = files - FIXED_FILES - domains * FILES_PER_DOMAIN
    if remainder:
        tree["project/common/__init__.py"] = '"""Helpers shared by every domain."""\n'
        for number in range(remainder - 1):
            topic = UTILITY_TOPICS[number % len(UTILITY_TOPICS)]
            tree[f"project/common/{topic}_{number}.py"] = utility_module(topic, number)
    return tree


def generate(root: Path, files: int = DEFAULT_FILES) -> Path:
    """Write the tree under ``root`` (created if need be) and return ``root``."""
    for relative, content in tree_files(files).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--files", type=int, default=DEFAULT_FILES, help="Python files")
    options = parser.parse_args()
    try:
        generate(options.folder, options.files)
    except ValueError as error:
        sys.exit(f"generate_tree: {error}")
    print(f"{options.files} Python files written under {options.folder}")


if __name__ == "__main__":
    main()
