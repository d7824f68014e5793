"""What a worker's ``queues`` list means, entry by entry, as Solid Queue reads it.

``*`` anywhere: every queue, in global priority order. An entry ending in ``*`` (and with no
other ``*``): every queue whose name starts with what precedes it. Any other entry with a
``*`` (``*_low``, ``a*b``) is ignored. Exact names are polled first, in list order, each
drained before the next (strict precedence, priority ordering jobs within one queue); then
the queues the prefixes match, in name order. A list whose entries are all ignored serves
every queue, because Solid Queue's selector falls back to all queues when it is left with
no names; the linter's JOB704 says so.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ALL_QUEUES = "*"


class EntryKind(enum.Enum):
    ALL = "all"
    EXACT = "exact"
    PREFIX = "prefix"
    IGNORED = "ignored"


def classify_queue_entry(entry: str) -> EntryKind:
    name = entry.strip()
    if name == ALL_QUEUES:
        return EntryKind.ALL
    if "*" not in name:
        return EntryKind.EXACT
    if name.endswith("*") and name.count("*") == 1:
        return EntryKind.PREFIX
    return EntryKind.IGNORED


@dataclass(frozen=True)
class QueueSelection:
    """A worker's queue list, resolved: all queues, or exact names then prefixes."""

    all_queues: bool
    exact_names: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()

    @classmethod
    def from_entries(cls, entries: Sequence[str]) -> QueueSelection:
        kinds = [(entry.strip(), classify_queue_entry(entry)) for entry in entries]
        if not entries or any(kind is EntryKind.ALL for _, kind in kinds):
            return cls(all_queues=True)
        exact = tuple(name for name, kind in kinds if kind is EntryKind.EXACT)
        prefixes = tuple(name[:-1] for name, kind in kinds if kind is EntryKind.PREFIX)
        if not exact and not prefixes:
            return cls(all_queues=True)
        return cls(all_queues=False, exact_names=_unique(exact), prefixes=_unique(prefixes))

    def serves(self, queue_name: str) -> bool:
        return (
            self.all_queues
            or queue_name in self.exact_names
            or any(queue_name.startswith(prefix) for prefix in self.prefixes)
        )

    def ordered_queues(self, known_queue_names: Iterable[str]) -> list[str]:
        """The queues to poll, in order, given the names that have ready jobs."""
        if self.all_queues:
            return []
        matched = sorted(
            {
                name
                for name in known_queue_names
                if name not in self.exact_names
                and any(name.startswith(prefix) for prefix in self.prefixes)
            }
        )
        return [*self.exact_names, *matched]


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))
