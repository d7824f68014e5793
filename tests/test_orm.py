"""Model-instance and query evidence across ORMs (JOB201, JOB202): flagged only on proof."""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_support import lint_tree, write_tree

BASE = "from joblint.runtime import Job\n\n\nclass ApplicationJob(Job):\n    pass\n"
JOB = (
    "from app.jobs.application_job import ApplicationJob\n"
    "class SyncUserJob(ApplicationJob):\n"
    "    queue_as = 'default'\n"
    "    def perform(self, user_id: int) -> None: ...\n"
)
MODELS = {
    "django": (
        "from django.db import models\n"
        "from django.contrib.auth.models import AbstractUser\n"
        "class Base(models.Model):\n    class Meta:\n        abstract = True\n"
        "class User(AbstractUser):\n    pass\n"
        "class Account(Base):\n    pass\n"
    ),
    "sqlalchemy": (
        "from sqlalchemy.orm import DeclarativeBase, Mapped\n"
        "class Base(DeclarativeBase):\n    pass\n"
        "class User(Base):\n    __tablename__ = 'users'\n"
    ),
    "declarative": (
        "from sqlalchemy.orm import declarative_base\n"
        "Base = declarative_base()\n"
        "class User(Base):\n    __tablename__ = 'users'\n"
    ),
    "flask": (
        "from flask_sqlalchemy import SQLAlchemy\n"
        "db = SQLAlchemy()\n"
        "class User(db.Model):\n    pass\n"
    ),
    "peewee": "import peewee\nclass User(peewee.Model):\n    pass\n",
    "tortoise": "from tortoise.models import Model\nclass User(Model):\n    pass\n",
    "sqlmodel": (
        "from sqlmodel import SQLModel\n"
        "class User(SQLModel, table=True):\n    pass\n"
        "class UserForm(SQLModel):\n    pass\n"
    ),
}
HEADER = (
    "from app.jobs.sync_user_job import SyncUserJob\n"
    "from app.models import *\n"
    "from app import models\n"
)


def run(tmp_path: Path, orm: str, body: str) -> list[tuple[int, str]]:
    write_tree(
        tmp_path,
        {
            "app/models.py": MODELS[orm],
            "app/jobs/application_job.py": BASE,
            "app/jobs/sync_user_job.py": JOB,
            "app/services/sync.py": HEADER + body,
        },
    )
    return [
        (d.line - 3, d.code)
        for d in lint_tree(tmp_path)
        if d.path.name == "sync.py" and d.code in ("JOB201", "JOB202")
    ]


FLAGGED = [
    ("django", "def f(pk):\n    SyncUserJob.perform_later(models.User.objects.get(pk=pk))\n"),
    (
        "django",
        "def f(pk):\n"
        "    u = models.User.objects.filter(a=1).first()\n"
        "    SyncUserJob.perform_later(u)\n",
    ),
    ("django", "def f(u: models.User | None):\n    SyncUserJob.perform_later(u)\n"),
    ("django", "def f():\n    SyncUserJob.perform_later(models.Account())\n"),
    (
        "django",
        "def f():\n    SyncUserJob.perform_later(models.User.objects.get_or_create(a=1)[0])\n",
    ),
    (
        "sqlalchemy",
        "def f(session, pk):\n    SyncUserJob.perform_later(session.get(models.User, pk))\n",
    ),
    (
        "sqlalchemy",
        "from sqlalchemy import select\n"
        "def f(session):\n"
        "    SyncUserJob.perform_later(session.scalars(select(models.User)).first())\n",
    ),
    ("declarative", "def f():\n    SyncUserJob.perform_later(models.User())\n"),
    (
        "flask",
        "def f():\n    SyncUserJob.perform_later(models.User.query.filter_by(a=1).first())\n",
    ),
    ("peewee", "def f(pk):\n    SyncUserJob.perform_later(models.User.get(pk))\n"),
    ("tortoise", "async def f(pk):\n    SyncUserJob.perform_later(await models.User.get(id=pk))\n"),
    ("sqlmodel", "def f():\n    SyncUserJob.perform_later(models.User())\n"),
    # a delete handler's other records still have rows; a save handler's instance too
    (
        "django",
        "from django.db.models.signals import post_delete\n"
        "from django.dispatch import receiver\n"
        "@receiver(post_delete, sender=models.Account)\n"
        "def f(sender, instance, **kwargs):\n"
        "    SyncUserJob.perform_later(models.User.objects.get(pk=instance.pk))\n",
    ),
    (
        "django",
        "from django.db.models.signals import post_save\n"
        "from django.dispatch import receiver\n"
        "@receiver(post_save, sender=models.User)\n"
        "def f(sender, instance: models.User, **kwargs):\n"
        "    SyncUserJob.perform_later(instance)\n",
    ),
]
CLEAN = [
    (
        "django",
        "def f(payload):\n    user = payload['user']\n    SyncUserJob.perform_later(user)\n",
    ),
    ("django", "def f(pk):\n    SyncUserJob.perform_later(models.User.objects.get(pk=pk).pk)\n"),
    ("django", "def f(user):\n    SyncUserJob.perform_later(user)\n"),
    ("django", "def f(u: models.User):\n    SyncUserJob.perform_later(u.id)\n"),
    ("django", "def f(u: models.User):\n    SyncUserJob.perform_later(str(u))\n"),
    ("django", "def f():\n    SyncUserJob.perform_later(models.Base)\n"),
    ("sqlalchemy", "def f(session, pk):\n    SyncUserJob.perform_later(session.get('x', pk))\n"),
    ("sqlmodel", "def f():\n    SyncUserJob.perform_later(models.UserForm())\n"),
    ("peewee", "def f(pk):\n    SyncUserJob.perform_later(models.User.get(pk).id)\n"),
    # a record being deleted has no row left to load by ID: the instance must travel
    (
        "django",
        "from django.db.models.signals import post_delete\n"
        "from django.dispatch import receiver\n"
        "@receiver(post_delete, sender=models.User)\n"
        "def f(sender, instance: models.User, **kwargs):\n"
        "    SyncUserJob.perform_later(instance)\n",
    ),
    (
        "django",
        "from django.db.models import signals\n"
        "def f(sender, instance: models.User, **kwargs):\n"
        "    SyncUserJob.perform_later(instance)\n"
        "signals.pre_delete.connect(f, sender=models.User)\n",
    ),
    (
        "django",
        "class Profile(models.User):\n"
        "    def delete(self, *args, **kwargs):\n"
        "        SyncUserJob.perform_later(self)\n"
        "        return super().delete(*args, **kwargs)\n",
    ),
]


@pytest.mark.parametrize(("orm", "body"), FLAGGED)
def test_flagged(tmp_path: Path, orm: str, body: str) -> None:
    found = run(tmp_path, orm, body)
    assert [code for _, code in found] == ["JOB201"], found


@pytest.mark.parametrize(("orm", "body"), CLEAN)
def test_clean(tmp_path: Path, orm: str, body: str) -> None:
    assert run(tmp_path, orm, body) == []


def test_querysets(tmp_path: Path) -> None:
    body = (
        "def f(session):\n"
        "    SyncUserJob.perform_later(models.User.objects.filter(a=1))\n"
        "    SyncUserJob.perform_later(models.User.objects)\n"
        "    SyncUserJob.perform_later(list(models.User.objects.values_list('pk', flat=True)))\n"
    )
    assert run(tmp_path, "django", body) == [(2, "JOB202"), (3, "JOB202")]


RELATIONS = (
    "from django.db import models\n"
    "class Customer(models.Model):\n"
    "    referrer = models.ForeignKey('self', null=True, on_delete=models.SET_NULL)\n"
    "class Profile(models.Model):\n"
    "    pass\n"
    "class Base(models.Model):\n"
    "    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)\n"
    "    class Meta:\n        abstract = True\n"
    "class Order(Base):\n"
    "    profile = models.OneToOneField('shop.Profile', on_delete=models.CASCADE)\n"
    "    tags = models.ManyToManyField('Tag')\n"
    "    note = models.TextField()\n"
    "    payer = models.ForeignKey(to='Customer', on_delete=models.CASCADE)\n"
)


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        (
            "order.customer",
            "`order.customer` is an instance of `Customer` (`customer` is a relation to "
            "`Customer` on `order`, the parameter `order` is annotated `Order`)",
        ),
        ("order.profile", "instance of `Profile`"),  # "app_label.Model", one to one
        ("order.payer", "instance of `Customer`"),  # `to=`
        ("order.customer.referrer", "instance of `Customer`"),  # "self", two hops
        ("order.tags", None),  # many-valued: a manager
        ("order.note", None),  # not a relation
        ("order.customer_id", None),  # the safe sink
        ("order.customer.pk", None),
        ("anything.customer", None),  # the owner is not shown to be an Order
    ],
)
def test_relations(tmp_path: Path, argument: str, message: str | None) -> None:
    """A foreign key on a proven instance is a related instance (the catalogue's
    `x.fk_field`), through abstract bases and string references."""
    service = (
        "from app.jobs.sync_user_job import SyncUserJob\n"
        "from app.models import Order\n"
        f"def f(order: Order, anything):\n    SyncUserJob.perform_later({argument})\n"
    )
    write_tree(
        tmp_path,
        {
            "app/models.py": RELATIONS,
            "app/jobs/application_job.py": BASE,
            "app/jobs/sync_user_job.py": JOB,
            "app/services/sync.py": service,
        },
    )
    found = [d.message for d in lint_tree(tmp_path) if d.code == "JOB201"]
    if message is None:
        assert found == []
    else:
        (only,) = found
        assert message in only


PROJECTS = (
    "from django.db import models\n\n\n"
    "class Project(models.Model):\n    is_private = models.BooleanField()\n"
)
CELERY_PROJECT_TASKS = (
    "from celery import Celery\n\napp = Celery('proj')\n{conf}\n\n\n"
    "@app.task(queue='low')\ndef delete_projects(projects):\n    pass\n"
)
DELETE_VIEW = (
    "from django.conf import settings\n\n"
    "from proj.models import Project\nfrom proj.tasks import delete_projects\n\n\n"
    "def delete_private(owner):\n"
    "    projects = Project.objects.filter(owner=owner, is_private=True)\n"
    "    if settings.CELERY_ENABLED:\n"
    "        delete_projects.delay(projects)\n"
    "    else:\n"
    "        delete_projects(projects)\n"
)


def _queryset_findings(tmp_path: Path, conf: str = "") -> list[tuple[int, str]]:
    write_tree(
        tmp_path,
        {
            "proj/__init__.py": "",
            "proj/models.py": PROJECTS,
            "proj/tasks.py": CELERY_PROJECT_TASKS.format(conf=conf),
            "proj/services.py": DELETE_VIEW,
        },
    )
    return [
        (d.line, d.message)
        for d in lint_tree(tmp_path)
        if d.code == "JOB202" and d.path == tmp_path / "proj/services.py"
    ]


def test_querysets_only_at_sites_that_enqueue(tmp_path: Path) -> None:
    """`task(projects)` runs the task in the caller, as a plain function: nothing is
    serialized, and the query is what the function means to get. Only the `.delay`
    beside it is flagged."""
    ((line, message),) = _queryset_findings(tmp_path)
    assert line == 10
    assert "Celery's JSON serializer cannot encode a query" in message
    assert "pass a list of IDs" in message


def test_a_queryset_under_pickle_is_carried_stale_not_refused(tmp_path: Path) -> None:
    """Under pickle a query does serialize: the message says what the job gets instead,
    and keeps the advice."""
    ((line, message),) = _queryset_findings(tmp_path, "app.conf.task_serializer = 'pickle'")
    assert line == 10
    assert "cannot encode" not in message and "does not serialize" not in message
    assert "Celery's pickle serializer carries it as rows frozen at enqueue time" in message
    assert "re-run against other data" in message
    assert "pass a list of IDs" in message


@pytest.mark.parametrize(
    ("enqueue", "expected"),
    [
        # RQ pickles by default
        (
            "from redis import Redis\nfrom rq import Queue\n\n"
            "queue = Queue('low', connection=Redis())\n\n\n"
            "def purge(projects):\n    pass\n\n\n"
            "def send():\n    queue.enqueue(purge, Project.objects.all())\n",
            "RQ's default pickle serializer carries it as rows frozen",
        ),
        # a serializer object joblint cannot read: what becomes of the query is unknown
        (
            "from redis import Redis\nfrom rq import Queue\nfrom rq.serializers import "
            "JSONSerializer\n\nqueue = Queue('low', connection=Redis(), "
            "serializer=JSONSerializer)\n\n\n"
            "def purge(projects):\n    pass\n\n\n"
            "def send():\n    queue.enqueue(purge, Project.objects.all())\n",
            "a query is not data: it fails to encode, or reaches the job as rows frozen",
        ),
    ],
    ids=["rq-pickle", "unknown-serializer"],
)
def test_queryset_message_follows_the_serializer(
    tmp_path: Path, enqueue: str, expected: str
) -> None:
    write_tree(
        tmp_path,
        {
            "proj/__init__.py": "",
            "proj/models.py": PROJECTS,
            "proj/jobs.py": "from proj.models import Project\n" + enqueue,
        },
    )
    (message,) = [d.message for d in lint_tree(tmp_path) if d.code == "JOB202"]
    assert expected in message
