"""What the prefilter matches files against, in bytes, before anything is parsed.

A file is parsed when it mentions a framework (a frontend's ``NEEDLES`` and ``WORDS``), or
one of the names learned from the files parsed so far: a frontend's (a project's wrapper
of a task decorator, an app object) or a job's. A job's name alone is a weak sign: polar
names its Dramatiq actors ``create_customer`` and ``add_member``, and so do its services
and their tests, whose 170 files the name alone kept, each tree held to the end of the
run for nothing. So a job's name counts where the file also names a module the job can
be imported from (``job_references``): Python can only refer to another module's function
or class through an import that names that module (``from billing.tasks import send``,
``from billing import tasks``, ``import billing.tasks``) or a package re-exporting it, and
the last part of that module's name is then a word of the file. The frontends then look
at the same files as before, all that changes is which of the files naming a job but
importing it from nowhere are left unparsed, where no frontend could have resolved the
name to the job anyway.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass

from joblint.analysis.model import JobDefinition, ModuleSymbols
from joblint.parse.source import WORD, SourceFile


def _pattern(needles: Set[bytes], whole_words: bool) -> re.Pattern[bytes]:
    """One regular expression for ``needles``. With ``whole_words``, a needle must stand
    as a whole identifier where its ends are ASCII word characters: a learned name such
    as ``actor`` (a project's wrapper of Dramatiq's decorator) then no longer keeps every
    file that says ``factory``. Python writes a reference to a name as that whole token,
    so no file that refers to it is dropped."""
    alternatives = []
    for needle in sorted(needles):
        escaped = re.escape(needle)
        if whole_words and WORD.fullmatch(needle[:1]):
            escaped = rb"(?<![\w])" + escaped
        if whole_words and WORD.fullmatch(needle[-1:]):
            escaped = escaped + rb"(?![\w])"
        alternatives.append(escaped)
    return re.compile(b"|".join(alternatives))


class Needles:
    """Whether a file mentions one of some needles: ``fixed`` ones (a framework's words,
    written to match as they stand, ``b" rq"``) anywhere in its bytes, ``names`` (learned
    wrappers, registered names) as whole words, and ``paired`` names (jobs') as whole
    words in a file that also has one of their words (``job_references``). The prefilter
    keeps the files that mention a
    frontend's needles, and a frontend looks only at the parsed modules that do, so eight
    frontends do not each walk every tree.

    A name that is one identifier is looked up in the file's set of words. One regular
    expression alternating hundreds of job names, each behind a look-behind, cost 5 ms a
    file and a fifth of a run on a tree of jobs. A longer name (Celery's registered
    ``"billing.tasks.send_invoice"``) is searched for only in the files that have its
    last word, for the same reason."""

    def __init__(
        self,
        fixed: Set[bytes],
        names: Set[bytes],
        paired: Mapping[bytes, frozenset[bytes]] | None = None,
    ) -> None:
        self._words = {name for name in names if WORD.fullmatch(name)}
        self._paired = paired or {}
        self._fixed = _pattern(fixed, whole_words=False) if fixed else None
        # The other names by their last word (a name without one is searched everywhere),
        # compiled when a file has that word: a run checking one file from a snapshot
        # builds every frontend's needles and matches them against that file alone.
        self._by_word: dict[bytes, list[bytes]] = {}
        self._compiled: dict[bytes, list[re.Pattern[bytes]]] = {}
        self._everywhere: list[re.Pattern[bytes]] = []
        for name in sorted(set(names) - self._words):
            pieces = WORD.findall(name)
            if pieces:
                self._by_word.setdefault(pieces[-1], []).append(name)
            else:
                self._everywhere.append(_pattern({name}, whole_words=True))

    def mentioned_in(self, source: SourceFile) -> bool:
        if self._fixed is not None and self._fixed.search(source.data) is not None:
            return True
        words = source.words
        if self._words and not self._words.isdisjoint(words):
            return True
        if self._paired and any(
            not self._paired[name].isdisjoint(words) for name in self._paired.keys() & words
        ):
            return True
        candidates = [
            pattern for word in self._by_word.keys() & words for pattern in self._named(word)
        ]
        return any(
            pattern.search(source.data) is not None for pattern in [*candidates, *self._everywhere]
        )

    def _named(self, word: bytes) -> list[re.Pattern[bytes]]:
        found = self._compiled.get(word)
        if found is None:
            found = self._compiled[word] = [
                _pattern({name}, whole_words=True) for name in self._by_word[word]
            ]
        return found


@dataclass(frozen=True)
class Round:
    """The needles of one prefilter round: round 0's are the frameworks' own, the later
    ones' learned from the modules parsed before them. A file goes to the first round
    whose needles it mentions."""

    fixed: frozenset[bytes] = frozenset()
    names: frozenset[bytes] = frozenset()
    # A job's name, with the words a file naming it must also have (``job_references``).
    paired: tuple[tuple[bytes, frozenset[bytes]], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.fixed or self.names or self.paired)

    def matcher(self) -> Needles:
        return Needles(self.fixed, self.names, dict(self.paired))


def job_references(
    jobs: Iterable[JobDefinition], modules: Iterable[tuple[SourceFile, ModuleSymbols]]
) -> dict[bytes, frozenset[bytes]]:
    """For each job's name, the words of which a file referring to the job has one: the
    last part of the name of the module defining it, and of each parsed module (of
    ``modules``: source and symbols) importing the name from one of those
    modules, a package re-exporting it (and so on, through re-exports of re-exports)."""
    defined_in: dict[bytes, set[str]] = {}
    for job in jobs:
        defined_in.setdefault(job.name.encode(), set()).add(job.module_name)
    importing = [
        (summary.module_name, set(summary.imported_modules), source.words & defined_in.keys())
        for source, symbols in modules
        if (summary := symbols.summary) is not None
    ]
    reachable = {name: set(found) for name, found in defined_in.items()}
    grown = True
    while grown:
        grown = False
        for module, imports, named in importing:
            for job_name in named:
                through = reachable[job_name]
                text = job_name.decode()
                if module not in through and any(f"{m}.{text}" in imports for m in through):
                    through.add(module)
                    grown = True
    return {
        name: frozenset(module.rpartition(".")[2].encode() for module in through)
        for name, through in reachable.items()
    }
