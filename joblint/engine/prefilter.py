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


def supporting_files(
    kept: Sequence[S], others: Sequence[S], model_bases: Iterable[str] = ()
) -> list[S]:
    """The files of ``others`` that define a model class, a model base or a transaction
    wrapper that a file of ``kept`` (or a file this function keeps) may refer to."""
    if not kept:
        return []
    roots = set(ROOT_NAMES) | {name.rpartition(".")[2].encode() for name in model_bases if name}
    bases_of: dict[bytes, set[bytes]] = {}
    definers: dict[bytes, list[int]] = {}
    wrappers: dict[bytes, list[int]] = {}
    for number, source in enumerate(others):
        data = source.data
        if b"class" in data:
            for match in _CLASS.finditer(data):
                name = match.group(1)
                header = data[match.end() : match.end() + _BASES_LIMIT]
                end = header.find(b"):") if header.lstrip().startswith(b"(") else -1
                bases = set(WORD.findall(header[: max(end, 0)]))
                bases_of.setdefault(name, set()).update(bases)
                definers.setdefault(name, []).append(number)
        if any(needle in data for needle in _FACTORY_NEEDLES):
            for match in _ASSIGN.finditer(data):
                roots.add(match.group(1))
                definers.setdefault(match.group(1), []).append(number)
        if _CONTEXTMANAGER in data:
            for match in _DEF.finditer(data):
                wrappers.setdefault(match.group(1), []).append(number)
    model_like = _reaching(bases_of, roots)
    wanted = model_like | set(wrappers)
    chosen = {
        number for number, source in enumerate(others) if PLACEMENT_NEEDLES.search(source.data)
    }
    pending: list[bytes] = []
    seen: set[bytes] = set()

    def mention(words: Iterable[bytes]) -> None:
        for word in words:
            if word in wanted and word not in seen:
                seen.add(word)
                pending.append(word)

    for source in kept:
        mention(source.words)
    while pending:
        name = pending.pop()
        for number in definers.get(name, []) + wrappers.get(name, []):
            chosen.add(number)
        # A model's bases (and what they derive from) must be indexed to find its family.
        mention(bases_of.get(name, ()))
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
