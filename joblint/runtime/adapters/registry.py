"""Which adapter a job uses: its own ``queue_adapter``, else the configured default.

The default is configured explicitly (``use_adapter``); until then it is the SQLite queue in
``JOBLINT_DATABASE`` (or ``joblint.sqlite3`` in the working directory), opened on first use.
This registry is the runtime's one piece of process-wide state: a worker process sets it to
its own database so jobs enqueued from inside jobs land in the same queue.
"""

from __future__ import annotations

import os
from pathlib import Path

from joblint.runtime.adapters.base import QueueAdapter
from joblint.runtime.errors import UnknownAdapterError

DATABASE_ENV = "JOBLINT_DATABASE"
DEFAULT_DATABASE = "joblint.sqlite3"
ADAPTER_NAMES = ("inline", "sqlite")


class AdapterRegistry:
    def __init__(self) -> None:
        self._default: QueueAdapter | None = None
        self._by_name: dict[str, QueueAdapter] = {}

    def use(self, adapter: QueueAdapter | str) -> QueueAdapter:
        chosen = self.named(adapter) if isinstance(adapter, str) else adapter
        self._default = chosen
        return chosen

    def reset(self) -> None:
        self._default = None
        self._by_name.clear()

    def default(self) -> QueueAdapter:
        if self._default is None:
            self._default = self.named("sqlite")
        return self._default

    def named(self, name: str) -> QueueAdapter:
        if name not in ADAPTER_NAMES:
            raise UnknownAdapterError(
                f"unknown queue adapter {name!r}; use one of {', '.join(ADAPTER_NAMES)}"
            )
        if name not in self._by_name:
            self._by_name[name] = _build(name)
        return self._by_name[name]

    def resolve(self, setting: QueueAdapter | str | None) -> QueueAdapter:
        if setting is None:
            return self.default()
        if isinstance(setting, str):
            return self.named(setting)
        return setting


def _build(name: str) -> QueueAdapter:
    if name == "inline":
        from joblint.runtime.adapters.inline import InlineAdapter

        return InlineAdapter()
    from joblint.runtime.adapters.sqlite import SQLiteAdapter

    return SQLiteAdapter(database_path())


def database_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The queue database: the explicit path, else ``JOBLINT_DATABASE``, else the default."""
    if explicit is not None:
        return Path(explicit)
    return Path(os.environ.get(DATABASE_ENV) or DEFAULT_DATABASE)


adapters = AdapterRegistry()


def use_adapter(adapter: QueueAdapter | str) -> QueueAdapter:
    """Make ``adapter`` (or the adapter of that name) the default for every job."""
    return adapters.use(adapter)


def resolve_adapter(setting: QueueAdapter | str | None) -> QueueAdapter:
    return adapters.resolve(setting)
