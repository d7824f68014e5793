"""How joblint's time on one module grows with the module's size.

    python benchmarks/module_scaling.py                       # 64 KB .. 2 MB
    python benchmarks/module_scaling.py --sizes 64K 1M 4M     # sizes of your own
    python benchmarks/module_scaling.py --keep FOLDER         # keep the projects written

A generated file of Celery tasks can be megabytes in one module (issue 17: 5 MB, killed
after 600 s). A step that scans the whole module for each task, or each enqueue, is
invisible on hand-written files and dominates on those, so this measures one module at a
time: for each size, a tiny project (a ``pyproject.toml`` with an empty ``[tool.joblint]``
table and one ``tasks.py`` of about that many bytes) in a temporary folder, then
``joblint check --no-cache --exit-zero --quiet .`` from its root, once. The module is
deterministic: ``@app.task`` and ``@shared_task(bind=True, ...)`` functions that load
records, retry in ``try``/``except``, loop, and enqueue each other with ``.delay`` and
``.apply_async``, some inside ``with transaction.atomic():``.

Each row shows the size, the number of tasks, the wall time, the time per megabyte and the
ratio to the previous row's time. When each size doubles the last, a ratio near 2 means a
cost linear in the module's size; near 4 means quadratic. Nothing is asserted: timings
differ between machines. tests/test_module_scaling.py holds the deterministic check.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_SIZES = ("64K", "128K", "256K", "512K", "1M", "2M")
QUEUES = ("default", "critical", "low", "mailers")
MODELS = ("Order", "Invoice", "Customer", "Shipment")
VERBS = ("send", "sync", "charge", "refresh", "archive", "notify", "rebuild", "export")
HEADER = '''"""Generated Celery tasks: one module, many tasks."""

import logging

from celery import Celery, chain, group, shared_task
from django.conf import settings
from django.db import transaction

from shop.models import Customer, Invoice, Order, Shipment
from shop.services import notify_owner, render_pdf

logger = logging.getLogger(__name__)

app = Celery("x")
'''


def task_name(number: int) -> str:
    model = MODELS[number // len(VERBS) % len(MODELS)]
    return f"{VERBS[number % len(VERBS)]}_{model.lower()}_{number}"


def function_name(number: int) -> str:
    """The function task at or just before ``number`` (every sixth task is a class)."""
    return task_name(number - 1 if number % 6 == 5 else number)


def task_source(number: int) -> str:
    """The ``number``-th task, in one of seven shapes that repeat every twelve tasks: each
    enqueues the task before it, so every name it calls is defined above it."""
    name = task_name(number)
    model = MODELS[number % len(MODELS)]
    variable = model.lower()
    other = function_name(number - 1) if number else name
    queue = QUEUES[number % len(QUEUES)]
    kind = number % 6
    if kind == 0:
        return f'''

@app.task
def {name}({variable}_id):
    """Load the {variable} and pass the slow part on."""
    {variable} = {model}.objects.get(pk={variable}_id)
    if {variable}.status == "done":
        return None
    {other}.delay({variable}.id)
    return {variable}.id
'''
    if kind == 1:
        return f'''

@shared_task(bind=True, queue="{queue}", max_retries=5, acks_late=True)
def {name}(self, {variable}_id, force=False):
    """Retry on timeouts; the work itself is idempotent."""
    try:
        {variable} = {model}.objects.select_related("owner").get(pk={variable}_id)
        render_pdf({variable}, force=force)
    except TimeoutError as error:
        raise self.retry(exc=error, countdown=2 ** self.request.retries)
    except {model}.DoesNotExist:
        logger.warning("{name}: %s is gone", {variable}_id)
        return None
    notify_owner({variable}.owner_id, "{name}")
    return {variable}.id
'''
    if kind == 2:
        return f'''

@shared_task(queue="{queue}")
def {name}(owner_id, batch_size=100):
    """Mark every open record of the owner, then enqueue each once committed."""
    count = 0
    with transaction.atomic():
        for {variable} in {model}.objects.filter(owner_id=owner_id, status="open")[:batch_size]:
            {variable}.status = "pending"
            {variable}.save(update_fields=["status"])
            {other}.delay({variable}.id)
            count += 1
    logger.info("{name}: %d", count)
    return count
'''
    if kind == 3:
        return f'''

@app.task(bind=True, queue="{queue}", autoretry_for=(ConnectionError,), retry_backoff=True)
def {name}(self, {variable}_id):
    """Fan out: one subtask per line, scheduled after the record is saved."""
    {variable} = {model}.objects.get(pk={variable}_id)
    for line in {variable}.lines.all():
        {other}.apply_async(args=[line.id], countdown=10, queue="{queue}")
    transaction.on_commit(lambda: {other}.delay({variable}.id))
    {variable}.save()
    return {variable}.id
'''
    if kind == 4 and number % 12 == 10:
        return f'''

@shared_task(queue="{queue}")
def {name}({variable}_id):
    """Run the next step inline where there is no broker (development), else queue it."""
    {variable} = {model}.objects.get(pk={variable}_id)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        {other}({variable}.id)
    else:
        {other}.delay({variable}.id)
    return {variable}.id
'''
    if kind == 4:
        return f'''

def _{name}_payload({variable}):
    """A plain helper the task below calls: most generated modules have some."""
    return {{"id": {variable}.id, "status": {variable}.status, "task": "{name}"}}


@shared_task(name="shop.{name}", ignore_result=True)
def {name}({variable}_ids):
    """Build a canvas: a group of signatures, then a chain with a callback."""
    payloads = [_{name}_payload({model}.objects.get(pk=pk)) for pk in {variable}_ids]
    group({other}.s(payload["id"]) for payload in payloads).delay()
    chain({other}.s({variable}_ids[0]), {other}.s()).apply_async(queue="{queue}")
    return len(payloads)
'''
    return f'''

class {camel(name)}Task(app.Task):
    """A class-based task with its own retry policy."""

    name = "shop.{name}"
    queue = "{queue}"
    max_retries = 3

    def run(self, {variable}_id):
        {variable} = {model}.objects.filter(pk={variable}_id).first()
        if {variable} is None:
            return None
        {other}.apply_async(({variable}.id,), countdown=60)
        return {variable}.id
'''


def camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def route_line(number: int) -> str:
    name = function_name(number)
    return f'    "tasks.{name}": {{"queue": "{QUEUES[number // 6 % len(QUEUES)]}"}},\n'


def schedule_line(number: int) -> str:
    name = function_name(number)
    return (
        f'    "{name}-nightly": {{"task": "tasks.{name}", "schedule": {3600 + number}.0, '
        f'"args": ({number},)}},\n'
    )


def module_source(tasks: int) -> str:
    """The module of ``tasks`` tasks, the same bytes for the same count. Every sixth task
    is routed and scheduled at the end, as generated apps do."""
    numbers = range(tasks)
    routes = "".join(route_line(number) for number in numbers if number % 6 == 0)
    schedule = "".join(schedule_line(number) for number in numbers if number % 6 == 0)
    return "".join(
        [
            HEADER,
            *(task_source(number) for number in numbers),
            f"\n\napp.conf.task_routes = {{\n{routes}}}\n",
            f"\napp.conf.beat_schedule = {{\n{schedule}}}\n",
        ]
    )


def tasks_for(size: int) -> int:
    """The fewest tasks whose module holds at least ``size`` bytes."""
    length = len(HEADER)
    tasks = 0
    while length < size:
        length += len(task_source(tasks))
        if tasks % 6 == 0:
            length += len(route_line(tasks)) + len(schedule_line(tasks))
        tasks += 1
    return tasks


def write_project(folder: Path, tasks: int) -> Path:
    """A project of one module of ``tasks`` tasks in ``folder`` (created): its
    ``tasks.py`` and a ``pyproject.toml`` with an empty ``[tool.joblint]`` table."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text("[tool.joblint]\n", encoding="utf-8")
    (folder / "tasks.py").write_text(module_source(tasks), encoding="utf-8")
    return folder


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+)([KkMm]?)[Bb]?", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (say 64K, 1M or 70000)")
    factor = {"": 1, "k": 1024, "m": 1024 * 1024}[match.group(2).lower()]
    return int(match.group(1)) * factor


def joblint_seconds(folder: Path) -> float:
    command = [sys.executable, "-m", "joblint", "check", "--no-cache", "--exit-zero",
               "--quiet", "."]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, cwd=folder, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=parse_size,
                        default=[parse_size(size) for size in DEFAULT_SIZES],
                        help="module sizes: 64K, 1M, or bytes")  # fmt: skip
    parser.add_argument("--keep", type=Path, help="write the projects here and keep them")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="joblint-module-scaling-") as scratch:
        root = options.keep or Path(scratch)
        print(f"{'size':>8} {'tasks':>7} {'seconds':>9} {'s/MB':>7} {'ratio':>6}")
        previous = None
        for size in options.sizes:
            tasks = tasks_for(size)
            folder = write_project(root / f"{size // 1024}K", tasks)
            seconds = joblint_seconds(folder)
            ratio = f"{seconds / previous:6.2f}" if previous else f"{'':>6}"
            per_mb = seconds / ((folder / "tasks.py").stat().st_size / 1024 / 1024)
            print(f"{size // 1024:>7}K {tasks:>7} {seconds:>9.2f} {per_mb:>7.2f} {ratio}")
            sys.stdout.flush()
            previous = seconds


if __name__ == "__main__":
    main()
