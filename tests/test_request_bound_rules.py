"""JOB204 beyond its page: every framework's enqueue API, every kind of evidence, and the
look-alikes that must stay silent. A line expected to be flagged ends in ``# JOB204``."""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_support import lint_tree, write_tree

from joblint.report.pages import Example

TASKS = {
    "celery": (
        "from celery import shared_task\n\n@shared_task\ndef import_catalog(source):\n    pass\n"
    ),
    "rq": "def import_catalog(source):\n    pass\n",
    "dramatiq": "import dramatiq\n\n@dramatiq.actor\ndef import_catalog(source):\n    pass\n",
    "huey": (
        "from huey import SqliteHuey\n\nhuey = SqliteHuey('app')\n\n"
        "@huey.task()\ndef import_catalog(source):\n    pass\n"
    ),
    "django_tasks": (
        "from django.tasks import task\n\n@task\ndef import_catalog(source):\n    pass\n"
    ),
    "procrastinate": (
        "from procrastinate import App\n\napp = App(connector=None)\n\n"
        "@app.task(queue='low')\ndef import_catalog(source):\n    pass\n"
    ),
    "arq": (
        "async def import_catalog(ctx, source):\n    pass\n\n"
        "class WorkerSettings:\n    functions = [import_catalog]\n"
    ),
    "runtime": (
        "from joblint.runtime import Job\n\n\nclass ImportCatalogJob(Job):\n"
        "    queue_as = 'low'\n\n    def perform(self, source):\n        pass\n"
    ),
}
# How each framework enqueues `import_catalog` with one argument, `{}` standing for it.
ENQUEUE = {
    "celery": ("from app.tasks import import_catalog", "import_catalog.delay({})"),
    "rq": (
        "from redis import Redis\nfrom rq import Queue\nfrom app.tasks import import_catalog",
        "Queue('low', connection=Redis()).enqueue(import_catalog, {})",
    ),
    "dramatiq": ("from app.tasks import import_catalog", "import_catalog.send({})"),
    "huey": ("from app.tasks import import_catalog", "import_catalog({})"),
    "django_tasks": ("from app.tasks import import_catalog", "import_catalog.enqueue({})"),
    "procrastinate": ("from app.tasks import import_catalog", "import_catalog.defer(source={})"),
    "arq": (
        "from arq import create_pool",
        "await (await create_pool()).enqueue_job('import_catalog', {})",
    ),
    "runtime": ("from app.tasks import ImportCatalogJob", "ImportCatalogJob.perform_later({})"),
}


def findings(tmp_path: Path, files: dict[str, str]) -> set[tuple[int, str]]:
    write_tree(tmp_path, files)
    target = tmp_path / "app" / "views.py"
    return {(d.line, d.code) for d in lint_tree(tmp_path) if d.path == target}


@pytest.mark.parametrize("framework", sorted(TASKS))
def test_every_framework_flags_a_request_and_an_upload(tmp_path: Path, framework: str) -> None:
    imports, call = ENQUEUE[framework]
    upload, posted = "request.FILES['catalog']", "request.POST['url']"
    views = (
        f"{imports}\nfrom django.http import HttpRequest\n\n\n"
        "async def upload(request: HttpRequest, note: str):\n"
        f"    {call.format('request')}  # JOB204\n"
        f"    {call.format(upload)}  # JOB204\n"
        f"    {call.format('note')}\n"
        f"    {call.format(posted)}\n"
    )
    files = {"app/__init__.py": "", "app/tasks.py": TASKS[framework], "app/views.py": views}
    expected = Example("flagged", views).expected()
    assert {f for f in findings(tmp_path, files) if f[1] == "JOB204"} == expected


CASES = {
    "django conventions": (
        "from django.views import View\nfrom app.tasks import ImportCatalogJob\n\n\n"
        "def upload(request):\n"
        "    ImportCatalogJob.perform_later(request.session)  # JOB204\n"
        "    ImportCatalogJob.perform_later(request.FILES.get('catalog'))  # JOB204\n\n\n"
        "class Upload(View):\n"
        "    def post(self, request):\n"
        "        ImportCatalogJob.perform_later(self.request)  # JOB204\n"
        "        ImportCatalogJob.perform_later(request)  # JOB204\n\n"
        "    def form_valid(self, form):\n"
        "        ImportCatalogJob.perform_later(form)  # JOB204\n"
        "        ImportCatalogJob.perform_later(form.cleaned_data['url'])\n"
    ),
    "flask": (
        "from flask import request, session\nfrom app.tasks import ImportCatalogJob\n\n\n"
        "def upload():\n"
        "    ImportCatalogJob.perform_later(request)  # JOB204\n"
        "    ImportCatalogJob.perform_later(session)  # JOB204\n"
        "    ImportCatalogJob.perform_later(request.files['catalog'])  # JOB204\n"
        "    ImportCatalogJob.perform_later(request.form['url'])\n"
    ),
    "fastapi": (
        "from fastapi import Request, UploadFile\nfrom app.tasks import ImportCatalogJob\n\n\n"
        "async def upload(request: Request, file: UploadFile, name: str):\n"
        "    ImportCatalogJob.perform_later(file)  # JOB204\n"
        "    ImportCatalogJob.perform_later(file.filename)\n"
        "    ImportCatalogJob.perform_later(name)\n"
    ),
    "connections and sessions": (
        "import sqlite3\nimport requests\nfrom django.db import connection, connections\n"
        "from sqlalchemy.orm import Session, sessionmaker\n"
        "from app.tasks import ImportCatalogJob\n\n"
        "SessionLocal = sessionmaker()\n\n\n"
        "def run(engine):\n"
        "    db = SessionLocal()\n"
        "    ImportCatalogJob.perform_later(db)  # JOB204\n"
        "    ImportCatalogJob.perform_later(connection)  # JOB204\n"
        "    ImportCatalogJob.perform_later(connections['default'])  # JOB204\n"
        "    ImportCatalogJob.perform_later(sqlite3.connect('x.db'))  # JOB204\n"
        "    with Session(engine) as session:\n"
        "        ImportCatalogJob.perform_later(session)  # JOB204\n"
        "    http = requests.Session()\n"
        "    ImportCatalogJob.perform_later(http)  # JOB204\n"
    ),
    "locks": (
        "import asyncio\nimport threading\nimport redis\nfrom app.tasks import ImportCatalogJob\n\n"
        "client = redis.Redis()\n\n\n"
        "def run():\n"
        "    ImportCatalogJob.perform_later(threading.RLock())  # JOB204\n"
        "    ImportCatalogJob.perform_later(asyncio.Lock())  # JOB204\n"
        "    ImportCatalogJob.perform_later(client.lock('catalog', timeout=60))  # JOB204\n"
        "    ImportCatalogJob.perform_later(client)  # JOB204\n"
    ),
    "forms from another module": (
        "from app.forms import CatalogForm\nfrom app.tasks import ImportCatalogJob\n\n\n"
        "def upload(data: dict[str, str]):\n"
        "    form = CatalogForm(data)\n"
        "    ImportCatalogJob.perform_later(form)  # JOB204\n"
        "    if form.is_valid():\n"
        "        ImportCatalogJob.perform_later(form.cleaned_data)\n"
    ),
    # Clean: names alone prove nothing, in a module that does not import Django.
    "names alone": (
        "from app.tasks import ImportCatalogJob\n\n\n"
        "def upload(request, session, lock, form, conn):\n"
        "    ImportCatalogJob.perform_later(request)\n"
        "    ImportCatalogJob.perform_later(session)\n"
        "    ImportCatalogJob.perform_later(lock)\n"
        "    ImportCatalogJob.perform_later(form)\n"
        "    ImportCatalogJob.perform_later(conn)\n"
    ),
    # Clean: a name that holds something else on one path proves nothing.
    "mixed assignments": (
        "import threading\nfrom app.tasks import ImportCatalogJob\n\n\n"
        "def run(shared: bool):\n"
        "    guard = threading.Lock() if shared else None\n"
        "    token = threading.Lock()\n"
        "    if not shared:\n"
        "        token = 'none'\n"
        "    ImportCatalogJob.perform_later(guard)\n"
        "    ImportCatalogJob.perform_later(token)\n"
    ),
    # Clean: run in the caller, nothing crosses a process; a lock's `__enter__` is a bool.
    "in the caller": (
        "import threading\nfrom django.http import HttpRequest\n"
        "from app.tasks import ImportCatalogJob\n\n\n"
        "def preview(request: HttpRequest):\n"
        "    ImportCatalogJob.perform_now(request)\n"
        "    with threading.Lock() as held:\n"
        "        ImportCatalogJob.perform_later(held)\n"
    ),
    # Clean: Django's conventions are not assumed outside Django modules, and the third
    # parameter of a method is no request.
    "not a view": (
        "from app.tasks import ImportCatalogJob\n\n\n"
        "class Importer:\n"
        "    def run(self, request, other):\n"
        "        ImportCatalogJob.perform_later(request)\n"
        "        ImportCatalogJob.perform_later(other)\n"
    ),
}
FORMS = (
    "from django import forms\n\n\n"
    "class BaseForm(forms.Form):\n    pass\n\n\n"
    "class CatalogForm(BaseForm):\n    url = forms.URLField()\n"
)


@pytest.mark.parametrize("name", sorted(CASES))
def test_evidence(tmp_path: Path, name: str) -> None:
    views = CASES[name]
    files = {
        "app/__init__.py": "",
        "app/tasks.py": TASKS["runtime"],
        "app/forms.py": FORMS,
        "app/views.py": views,
    }
    expected = Example("flagged", views).expected()
    assert {f for f in findings(tmp_path, files) if f[1] == "JOB204"} == expected


def test_the_message_names_the_evidence_and_what_to_do(tmp_path: Path) -> None:
    views = (
        "from django.http import HttpRequest\nfrom app.tasks import ImportCatalogJob\n\n\n"
        "def upload(request: HttpRequest):\n"
        "    catalog = request.FILES['catalog']\n"
        "    ImportCatalogJob.perform_later(catalog)\n"
    )
    write_tree(
        tmp_path, {"app/__init__.py": "", "app/tasks.py": TASKS["runtime"], "app/views.py": views}
    )
    (finding,) = [d for d in lint_tree(tmp_path) if d.code == "JOB204"]
    assert (finding.line, finding.column) == (7, 36)
    assert finding.message == (
        "`catalog` is an uploaded file (assigned from the request's `FILES` on line 6); it "
        "belongs to the process that enqueues and cannot travel to a worker: save the upload "
        "first (to storage or a model) and pass its path or ID"
    )
