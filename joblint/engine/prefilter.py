"""Which files outside the job code must still be parsed: the ORM models and transaction
wrappers that job code refers to. Bytes only, no parsing.

The job prefilter keeps the files that mention a framework or a job. Model classes and
transaction wrappers live elsewhere (``models.py``, ``db.py``), and the rules need them
only when job code names them: an enqueue site passing an ``Order`` needs to know that
``Order`` reaches ``django.db.models.Model``. Parsing every file that mentions
``models.Model`` would parse most of a web project; instead a byte scan finds every class
statement and what its bases mention, marks the classes that may reach a model root by
name (an over-approximation: names are compared without their modules), and keeps a file
only when it defines such a class (or a name such a class derives from) that a kept file
mentions. Names alone can only over-approximate a resolution by qualified name, so a file
the index needs is never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from joblint.analysis import orm
from joblint.parse.source import WORD


class HasBytes(Protocol):
    @property
    def data(self) -> bytes: ...

    @property
    def words(self) -> frozenset[bytes]: ...


S = TypeVar("S", bound=HasBytes)


_CLASS = re.compile(rb"^[ \t]*class[ \t]+(\w+)", re.MULTILINE)
# How far a class statement's bases may run (a generous bound: more text only adds names).
_BASES_LIMIT = 2000
_ASSIGN = re.compile(rb"^(\w+)[ \t]*(?::[^=\n]*)?=", re.MULTILINE)
_DEF = re.compile(rb"^[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)", re.MULTILINE)

# Last names of the classes whose subclasses the rules need from other files: the ORM
# roots (JOB201) and the form bases (JOB204).
ROOT_NAMES = frozenset(
    {name.rpartition(".")[2].encode() for name in (*orm.ROOTS, *orm.CONCRETE_ROOTS)}
    | {b"Form", b"BaseForm", b"ModelForm", b"BaseModelForm", b"FlaskForm"}
)
# Module-level assignments whose value makes a model base (``Base = declarative_base()``,
# ``db = SQLAlchemy()``).
_FACTORY_NEEDLES = (b"declarative_base", b"SQLAlchemy")
# Files placement needs whenever some job code exists: settings turning ATOMIC_REQUESTS
# on, and the modules connecting save signals to the functions that enqueue.
PLACEMENT_NEEDLES = re.compile(rb"ATOMIC_REQUESTS|_save\.connect")
_CONTEXTMANAGER = b"contextmanager"


@dataclass(frozen=True)
class FileScan:
    """What the byte scan finds in one file: its class statements with the names their
    bases mention, the model bases it makes (``Base = declarative_base()``), the functions
    it may make context managers of, and whether placement needs it whatever job code
    names. The files a run keeps for its models and wrappers depend on these alone (and
    on the job files' names): a snapshot keeps each file's, to tell whether an edit
    changed them."""

    classes: tuple[tuple[bytes, frozenset[bytes]], ...] = ()
    factories: tuple[bytes, ...] = ()
    wrappers: tuple[bytes, ...] = ()
    placement: bool = False


def scan(data: bytes) -> FileScan:
    classes: list[tuple[bytes, frozenset[bytes]]] = []
    if b"class" in data:
        for match in _CLASS.finditer(data):
            header = data[match.end() : match.end() + _BASES_LIMIT]
            end = header.find(b"):") if header.lstrip().startswith(b"(") else -1
            classes.append((match.group(1), frozenset(WORD.findall(header[: max(end, 0)]))))
    factories: tuple[bytes, ...] = ()
    if any(needle in data for needle in _FACTORY_NEEDLES):
        factories = tuple(match.group(1) for match in _ASSIGN.finditer(data))
    wrappers: tuple[bytes, ...] = ()
    if _CONTEXTMANAGER in data:
        wrappers = tuple(match.group(1) for match in _DEF.finditer(data))
    placement = PLACEMENT_NEEDLES.search(data) is not None
    return FileScan(tuple(classes), factories, wrappers, placement)


@dataclass(frozen=True)
class _Tables:
    """The scans of the candidate files, by name."""

    bases_of: dict[bytes, set[bytes]]
    definers: dict[bytes, list[int]]
    wrappers: dict[bytes, list[int]]
    wanted: frozenset[bytes]


def _tables(scans: Sequence[FileScan], model_bases: Iterable[str]) -> _Tables:
    roots = set(ROOT_NAMES) | {name.rpartition(".")[2].encode() for name in model_bases if name}
    bases_of: dict[bytes, set[bytes]] = {}
    definers: dict[bytes, list[int]] = {}
    wrappers: dict[bytes, list[int]] = {}
    for number, found in enumerate(scans):
        for name, bases in found.classes:
            bases_of.setdefault(name, set()).update(bases)
            definers.setdefault(name, []).append(number)
        for name in found.factories:
            roots.add(name)
            definers.setdefault(name, []).append(number)
        for name in found.wrappers:
            wrappers.setdefault(name, []).append(number)
    wanted = frozenset(_reaching(bases_of, roots) | set(wrappers))
    return _Tables(bases_of, definers, wrappers, wanted)


def wanted_names(scans: Sequence[FileScan], model_bases: Iterable[str] = ()) -> frozenset[bytes]:
    """The names a job file must mention for a file defining them to be kept: the
    classes that may reach a model root, and the possible transaction wrappers."""
    return _tables(scans, model_bases).wanted


def supporting_files(
    kept: Sequence[S],
    others: Sequence[S],
    model_bases: Iterable[str] = (),
    scans: Sequence[FileScan] | None = None,
) -> list[S]:
    """The files of ``others`` that define a model class, a model base or a transaction
    wrapper that a file of ``kept`` (or a file this function keeps) may refer to;
    ``scans``: those of ``others``, when the caller has them."""
    if not kept:
        return []
    if scans is None:
        scans = [scan(source.data) for source in others]
    tables = _tables(scans, model_bases)
    chosen = {number for number, found in enumerate(scans) if found.placement}
    pending: list[bytes] = []
    seen: set[bytes] = set()

    def mention(words: Iterable[bytes]) -> None:
        for word in words:
            if word in tables.wanted and word not in seen:
                seen.add(word)
                pending.append(word)

    for source in kept:
        mention(source.words)
    while pending:
        name = pending.pop()
        for number in tables.definers.get(name, []) + tables.wrappers.get(name, []):
            chosen.add(number)
        # A model's bases (and what they derive from) must be indexed to find its family.
        mention(tables.bases_of.get(name, ()))
    return [source for number, source in enumerate(others) if number in chosen]


def _reaching(bases_of: dict[bytes, set[bytes]], roots: set[bytes]) -> set[bytes]:
    """Class (and factory-made) names whose bases reach a root name, by name."""
    found = {name for name in roots if name in bases_of} | set(roots)
    changed = True
    while changed:
        changed = False
        for name, bases in bases_of.items():
            if name not in found and bases & found:
                found.add(name)
                changed = True
    return found
