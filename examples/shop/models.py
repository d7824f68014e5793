"""A tiny record layer on SQLite: just enough persistence for the shop's jobs to be real.

Workers run in other processes, so records live in a SQLite file (``SHOP_DATABASE``,
default ``shop.sqlite3``), not in memory. Each model is a dataclass stored as one JSON
row; queries filter in Python, which is plenty at an example's size.
"""

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from typing import Any, ClassVar, Self

from joblint import runtime


def utc_now() -> str:
    """Timestamps are ISO strings in UTC: they sort as text and survive JSON."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class RecordNotFound(LookupError):
    """The record was deleted, or never existed."""


class Database:
    """One SQLite file, with one transaction per thread (workers run jobs on threads)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Writes in the block commit together; a nested block joins the outer one.

        Enqueue jobs after the block, never inside it: a worker could pick a job up before
        the rows it needs are committed. The write lock is taken at ``BEGIN IMMEDIATE``
        because SQLite has one writer at a time, and upgrading a reader deadlocks."""
        current: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if current is not None:
            yield current
            return
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        for model in Record.models.values():
            connection.execute(
                f"CREATE TABLE IF NOT EXISTS {model.table} "
                "(id INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL)"
            )
        connection.execute("BEGIN IMMEDIATE")
        self._local.connection = connection
        try:
            yield connection
        except BaseException:
            connection.rollback()
            raise
        else:
            connection.commit()
        finally:
            self._local.connection = None
            connection.close()


db = Database(os.environ.get("SHOP_DATABASE", "shop.sqlite3"))


@dataclass
class Record(runtime.Record):
    """A model: a dataclass stored as one JSON row, found by ``id``.

    The runtime's ``Record`` base gives it the global-id protocol (``to_global_id()``, and
    ``find`` registered as its locator), so a record passed to ``perform_later`` would
    travel as ``gid://shop/Order/1``. The app passes ids all the same.
    """

    models: ClassVar[dict[str, type["Record"]]] = {}
    table: ClassVar[str]
    global_id_app = "shop"

    id: int

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Record.models[cls.__name__] = cls

    @classmethod
    def find(cls, record_id: str) -> Self | None:
        """The runtime's locator: None tells it the record is gone."""
        try:
            return cls.get(int(record_id))
        except RecordNotFound:
            return None

    @classmethod
    def create(cls, **values: Any) -> Self:
        record = cls(id=0, **values)
        with db.transaction() as connection:
            cursor = connection.execute(
                f"INSERT INTO {cls.table} (data) VALUES (?)", (record._dump(),)
            )
        record.id = int(cursor.lastrowid or 0)
        return record

    @classmethod
    def get(cls, id: int) -> Self:
        with db.transaction() as connection:
            row = connection.execute(f"SELECT data FROM {cls.table} WHERE id = ?", (id,)).fetchone()
        if row is None:
            raise RecordNotFound(f"{cls.__name__} {id} does not exist")
        return cls(id=id, **json.loads(row[0]))

    @classmethod
    def select(cls, predicate: Callable[[Self], bool]) -> list[Self]:
        with db.transaction() as connection:
            rows = connection.execute(f"SELECT id, data FROM {cls.table} ORDER BY id").fetchall()
        records = [cls(id=row[0], **json.loads(row[1])) for row in rows]
        return [record for record in records if predicate(record)]

    @classmethod
    def find_by(cls, **criteria: Any) -> Self | None:
        matches = cls.select(
            lambda record: all(getattr(record, name) == value for name, value in criteria.items())
        )
        return matches[0] if matches else None

    @classmethod
    def delete_where(cls, predicate: Callable[[Self], bool]) -> int:
        """Delete what matches, deciding and deleting in one transaction."""
        with db.transaction() as connection:
            doomed = cls.select(predicate)
            connection.executemany(
                f"DELETE FROM {cls.table} WHERE id = ?", [(record.id,) for record in doomed]
            )
        return len(doomed)

    def update(self, **values: Any) -> None:
        """Change only the given fields, so concurrent updates of other fields survive."""
        unknown = values.keys() - {each.name for each in fields(self) if each.name != "id"}
        if unknown:
            raise TypeError(f"{type(self).__name__} has no settable fields {sorted(unknown)}")
        with db.transaction() as connection:
            row = connection.execute(
                f"SELECT data FROM {self.table} WHERE id = ?", (self.id,)
            ).fetchone()
            if row is None:
                raise RecordNotFound(f"{type(self).__name__} {self.id} does not exist")
            stored = json.loads(row[0]) | values
            connection.execute(
                f"UPDATE {self.table} SET data = ? WHERE id = ?", (json.dumps(stored), self.id)
            )
        for name, value in values.items():
            setattr(self, name, value)

    @contextmanager
    def lock(self) -> Iterator[Self]:
        """Hold the write lock and reload, like ActiveRecord's ``with_lock``: a check made
        inside the block sees the latest state, and nobody changes it until the block ends.
        On SQLite this locks the whole database: coarse, but correct for short blocks."""
        with db.transaction():
            fresh = type(self).get(self.id)
            for each in fields(self):
                setattr(self, each.name, getattr(fresh, each.name))
            yield self

    def _dump(self) -> str:
        data = asdict(self)
        del data["id"]
        return json.dumps(data)


@dataclass
class User(Record):
    table = "users"

    email: str
    name: str
    welcomed_at: str | None = None
    tips_sent_at: str | None = None


@dataclass
class Token(Record):
    table = "tokens"

    user_id: int
    purpose: str
    value: str
    expires_at: str

    @classmethod
    def expired(cls, as_of: str) -> list["Token"]:
        return cls.select(lambda token: token.expires_at <= as_of)

    @classmethod
    def delete_expired(cls, as_of: str) -> int:
        return cls.delete_where(lambda token: token.expires_at <= as_of)


@dataclass
class Product(Record):
    table = "products"

    sku: str
    name: str
    price_cents: int
    stock: int = 0
    synced_at: str | None = None


@dataclass
class Order(Record):
    """An order starts as a cart; checkout makes it ``pending`` until it is paid."""

    table = "orders"

    user_id: int
    product_id: int
    quantity: int
    total_cents: int
    status: str = "cart"  # cart, pending, paid, payment_failed, shipped, refund_requested, refunded
    payment_id: str = ""
    restocked: bool = False
    shipping_notified_at: str | None = None
    audit_trail: list[str] = field(default_factory=list)
    created_at: str = field(default_factory=utc_now)

    @property
    def awaiting_payment(self) -> bool:
        return self.status == "pending"

    @classmethod
    def abandoned_carts(cls, before: str) -> list["Order"]:
        return cls.select(lambda order: order.status == "cart" and order.created_at < before)

    @classmethod
    def delete_abandoned_carts(cls, before: str) -> int:
        """Re-checks the status while deleting, so a cart checked out meanwhile survives."""
        return cls.delete_where(lambda order: order.status == "cart" and order.created_at < before)

    @classmethod
    def sales_by_day(cls, since: str, until: str) -> list[dict[str, Any]]:
        """Orders and takings per day for paid orders, ``since`` and ``until`` inclusive."""
        sold = cls.select(
            lambda order: (
                order.status in ("paid", "shipped") and since <= order.created_at[:10] <= until
            )
        )
        days: dict[str, dict[str, Any]] = {}
        for order in sold:
            day = days.setdefault(order.created_at[:10], {"orders": 0, "total_cents": 0})
            day["orders"] += 1
            day["total_cents"] += order.total_cents
        return [{"day": day, **totals} for day, totals in sorted(days.items())]


@dataclass
class Report(Record):
    table = "reports"

    kind: str  # sales, daily, export
    period_start: str  # ISO dates, inclusive
    period_end: str
    owner_id: int | None = None
    status: str = "pending"
    rows: list[dict[str, Any]] = field(default_factory=list)
    content: str = ""
