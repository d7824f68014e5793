"""The project's facts as the last run over it found them, kept between runs, so that
checking a few changed files (pre-commit's ``joblint check FILE``, an editor's save) analyses
those files only instead of the whole project (issue 17).

A finding in one file depends on the others through their facts alone: their symbols,
summaries and exports, their jobs and enqueue sites (``tests/test_tree_locality.py``). So a
run over the project keeps, for each file, the digest of its bytes, and for each module the
prefilter kept, those facts without their nodes: a ``FactSnapshot``. A later run may start
from it when the project has the same files and every changed file tells the others what
it told them before:

- the prefilter keeps the same files, in the same rounds (``plan``): each changed file
  mentions the needles of the round that kept it and none of an earlier one, and the byte
  scans that pick the model and wrapper files, the serializers and the delivery settings
  come out as before;
- a changed module's symbols, jobs and whether it enqueues are the same once positions are
  left out (``SnapshotModules``, which stops the run with ``Stale`` when they are not).

Then every other module's facts are what that run found, the changed and checked modules
are parsed and analysed here, and the rules run as in a full run. Anything else (a new or
deleted file, a renamed job, new settings, joblint's own code or configuration changed) is
a full run, which leaves a new snapshot. Positions are left out of the comparison because a
module's facts hold positions in that module only, which no other module's facts copy.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from pathlib import Path

from joblint.analysis.index import ProjectIndex
from joblint.analysis.model import EnqueueSite, JobDefinition, ModuleSymbols
from joblint.analysis.project_delivery import (
    DELIVERY_NEEDLE,
    ConfiguredDelivery,
    configured_delivery,
)
from joblint.analysis.project_serializers import (
    SERIALIZER_NEEDLE,
    ConfiguredSerializers,
    configured_serializers,
)
from joblint.analysis.queues import SettingsInCode
from joblint.config import Settings
from joblint.engine import prefilter
from joblint.engine.cache import ResultCache, canonical, code_key
from joblint.engine.needles import Round
from joblint.engine.owners import (
    Checked,
    Concern,
    IndexInputs,
    OwnedModules,
    Parse,
    Placement,
    plain_dumps,
    same_but_positions,
)
from joblint.frameworks import FRONTENDS
from joblint.parse.modnames import absolute_imports, imported_names
from joblint.parse.parsing import ParsedModule
from joblint.parse.python_syntax import ParseFailure
from joblint.parse.source import SourceFile
from joblint.rules import ModuleRule

# The round of the modules parsed for the models and wrappers job code names, after the
# prefilter's rounds.
SUPPORTING = -1
# Snapshots kept in the cache folder: one for each configuration a tree is checked with.
KEEP = 4
_PREFIX = "facts-"


class Stale(Exception):
    """A changed module tells the other modules something new: the run starts over."""


@dataclass(frozen=True)
class KeptModule:
    """A module the prefilter kept, as the run found it."""

    path: Path
    name: tuple[str, str]
    # The prefilter's round that kept it (0: it names a framework), or SUPPORTING.
    round: int
    symbols: ModuleSymbols | None
    failure: ParseFailure | None
    # Its jobs with their signatures, by the number of the frontend defining them, and
    # its enqueue sites: plain facts, without nodes.
    defined: tuple[tuple[int, tuple[JobDefinition, ...]], ...]
    sites: tuple[EnqueueSite, ...]

    @property
    def jobs(self) -> tuple[JobDefinition, ...]:
        return tuple(job for _, jobs in self.defined for job in jobs)


@dataclass(frozen=True)
class FactSnapshot:
    """What a run over the whole project concluded before any rule ran."""

    # The digest of every file of the run, checked or context.
    digests: Mapping[str, bytes]
    # The kept modules, in the order the run parsed them.
    kept: tuple[KeptModule, ...]
    # The needles of each prefilter round: round 0's are the frameworks' own, the others
    # names learned from the rounds before them.
    rounds: tuple[Round, ...]
    imported_as: Mapping[Path, str]
    serializers: ConfiguredSerializers | None
    delivery: ConfiguredDelivery | None
    # What each frontend learned of the index before and after the jobs were defined.
    learned: tuple[Mapping[str, frozenset[bytes]], ...]
    # The files whose bytes the serializer and delivery scans look at.
    serializer_files: frozenset[str]
    delivery_files: frozenset[str]
    # What decides the module names (``imported_names``): each file's absolute imports,
    # by digest (files without any are left out).
    imports: Mapping[str, bytes]
    # What decides the model and wrapper files kept (``prefilter.supporting_files``): the
    # scan of each file the rounds left out (by digest; left out when empty), the names a
    # job file must mention, and which of them each job file mentions (by digest).
    scans: Mapping[str, bytes]
    wanted: frozenset[bytes]
    mentions: Mapping[str, bytes]
    # The settings read from code (``SettingsInCode.read()``), and the files they are
    # read from.
    in_code: Mapping[str, object]
    in_code_files: frozenset[str]


@dataclass(frozen=True)
class Trace:
    """How the prefilter chose the modules of a run: what a snapshot keeps of it."""

    rounds: tuple[Round, ...]
    round_of: Mapping[Path, int]
    imported_as: Mapping[Path, str]
    serializers: ConfiguredSerializers | None
    delivery: ConfiguredDelivery | None
    # The byte scans of the files the rounds left out, when some module has jobs or
    # sites (else no file is kept for its models).
    scans: Mapping[Path, prefilter.FileScan]


@dataclass(frozen=True)
class Plan:
    """A run that starts from a snapshot: the kept modules in the snapshot's order, the
    changed ones, the ones to parse here (changed or checked), and the inputs the index
    is built from."""

    kept: tuple[SourceFile, ...]
    changed: frozenset[Path]
    fresh: frozenset[Path]
    # The files checked that the prefilter leaves out: they get the syntax check only.
    pending_checked: tuple[SourceFile, ...]
    trace: Trace
    # The settings read from code that the snapshot's run read and no change concerns.
    in_code: Mapping[str, object]


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def snapshot_of(
    sources: Sequence[SourceFile],
    trace: Trace,
    order: Sequence[tuple[SourceFile, tuple[str, str], ModuleSymbols | ParseFailure]],
    facts: Mapping[Path, tuple[tuple[JobDefinition, ...], tuple[EnqueueSite, ...]]],
    learned: Sequence[Mapping[str, frozenset[bytes]]],
    in_code: Mapping[str, object],
    settings: Settings,
) -> FactSnapshot:
    """The snapshot of a run over ``sources`` whose prefilter kept the modules of
    ``order`` (parsed in that order), which have the jobs and sites of ``facts``; the
    frontends learned ``learned``, the rules read ``in_code``."""
    frontend_of = {frontend.FRAMEWORK: number for number, frontend in enumerate(FRONTENDS)}
    kept = []
    for source, name, parsed in order:
        jobs, sites = facts.get(source.path, ((), ()))
        defined: dict[int, list[JobDefinition]] = {}
        for job in jobs:
            defined.setdefault(frontend_of[job.framework], []).append(job)
        kept.append(
            KeptModule(
                source.path,
                name,
                trace.round_of[source.path],
                None if isinstance(parsed, ParseFailure) else parsed,
                parsed if isinstance(parsed, ParseFailure) else None,
                tuple((number, tuple(found)) for number, found in sorted(defined.items())),
                sites,
            )
        )
    wanted = prefilter.wanted_names(list(trace.scans.values()), settings.model_bases)
    empty = _scan_digest(prefilter.FileScan())
    scans = {str(path): _scan_digest(found) for path, found in trace.scans.items()}
    imports = {str(source.path): _imports_digest(source) for source in sources}
    no_imports = _digest_of(())
    return FactSnapshot(
        {str(source.path): digest(source.data) for source in sources},
        tuple(kept),
        trace.rounds,
        trace.imported_as,
        trace.serializers,
        trace.delivery,
        tuple(learned),
        frozenset(str(s.path) for s in sources if _names_serializer(s)),
        frozenset(str(s.path) for s in sources if _names_delivery(s)),
        {path: found for path, found in imports.items() if found != no_imports},
        {path: found for path, found in scans.items() if found != empty},
        wanted,
        {
            str(module.path): _mentions_digest(source, wanted)
            for module, (source, _, _) in zip(kept, order, strict=True)
            if _is_job_file(module)
        },
        in_code,
        frozenset(str(source.path) for source in sources if SettingsInCode.concerns(source)),
    )


def plan(
    snapshot: FactSnapshot,
    sources: Sequence[SourceFile],
    checked: Set[Path],
    settings: Settings,
    limit: int,
) -> Plan | None:
    """How a run over ``sources`` (the whole project), reporting on ``checked``, starts
    from ``snapshot``; None when it cannot (see the module's docstring) or when more than
    ``limit`` modules would be parsed here, which a full run shares among its workers."""
    by_path = {source.path: source for source in sources}
    # Paths as text: the snapshot keeps thousands, and a Path costs more to build.
    if len(by_path) != len(snapshot.digests):
        return None
    changed_names = []
    for source in sources:
        name = str(source.path)
        kept = snapshot.digests.get(name)
        if kept is None:
            return None
        if kept != digest(source.data):
            changed_names.append(source.path)
    changed = frozenset(changed_names)
    round_of = {module.path: module.round for module in snapshot.kept}
    fresh = frozenset((changed | checked) & round_of.keys())
    if len(fresh) > limit:
        return None
    no_imports = _digest_of(())
    imported_as = snapshot.imported_as
    imports = snapshot.imports
    if any(_imports_digest(by_path[p]) != imports.get(str(p), no_imports) for p in changed):
        imported_as = imported_names(sources, settings.project_root)
        if imported_as != snapshot.imported_as:
            return None
    matchers = [round_.matcher() for round_ in snapshot.rounds]
    for path in changed:
        source = by_path[path]
        found = next(
            (number for number, matcher in enumerate(matchers) if matcher.mentioned_in(source)),
            None,
        )
        before = round_of.get(path)
        if found != (None if before == SUPPORTING else before):
            return None
    if changed and not _same_supporting(snapshot, by_path, changed, settings):
        return None
    serializers, delivery = snapshot.serializers, snapshot.delivery
    if _concerned(changed, by_path, snapshot.serializer_files, _names_serializer):
        serializers = configured_serializers(sources)
        if serializers != snapshot.serializers:
            return None
    if _concerned(changed, by_path, snapshot.delivery_files, _names_delivery):
        delivery = configured_delivery(sources, imported_as)
        if delivery != snapshot.delivery:
            return None
    in_code = snapshot.in_code
    if _concerned(changed, by_path, snapshot.in_code_files, SettingsInCode.concerns):
        in_code = {}  # read again, when a rule asks
    return Plan(
        tuple(by_path[module.path] for module in snapshot.kept),
        changed,
        fresh,
        tuple(s for s in sources if s.path in checked and s.path not in round_of),
        Trace(snapshot.rounds, round_of, imported_as, serializers, delivery, {}),
        in_code,
    )


def _same_supporting(
    snapshot: FactSnapshot,
    by_path: Mapping[Path, SourceFile],
    changed: frozenset[Path],
    settings: Settings,
) -> bool:
    """Whether the files kept for their models and wrappers are the snapshot's: the
    changed files show the scan what they showed it (a file left out by the rounds, its
    classes and wrappers; a job file, the names it mentions), or the scan, done again,
    keeps the same files."""
    by_rounds = {module.path for module in snapshot.kept if module.round != SUPPORTING}
    job_files = [module for module in snapshot.kept if _is_job_file(module)]
    if not job_files:
        return True  # no module has jobs or sites: none is kept for its models
    empty = _scan_digest(prefilter.FileScan())
    mentions = {module.path for module in job_files}
    if all(
        _mentions_digest(by_path[path], snapshot.wanted) == snapshot.mentions.get(str(path))
        if path in mentions
        else path in by_rounds
        or _scan_digest(prefilter.scan(by_path[path].data)) == snapshot.scans.get(str(path), empty)
        for path in changed
    ):
        return True
    pending = [source for path, source in by_path.items() if path not in by_rounds]
    kept = [by_path[module.path] for module in job_files]
    supporting = prefilter.supporting_files(kept, pending, settings.model_bases)
    wanted = [module.path for module in snapshot.kept if module.round == SUPPORTING]
    return [source.path for source in supporting] == wanted


def _names_serializer(source: SourceFile) -> bool:
    return SERIALIZER_NEEDLE.search(source.data) is not None


def _names_delivery(source: SourceFile) -> bool:
    return DELIVERY_NEEDLE.search(source.data) is not None


def _is_job_file(module: KeptModule) -> bool:
    """A module the rounds kept that defines or enqueues a job: the supporting files are
    the ones these name."""
    return module.round != SUPPORTING and bool(module.defined or module.sites)


def _digest_of(value: object) -> bytes:
    return hashlib.blake2b(repr(value).encode(), digest_size=16).digest()


def _imports_digest(source: SourceFile) -> bytes:
    return _digest_of(tuple(absolute_imports(source.data)))


def _scan_digest(found: prefilter.FileScan) -> bytes:
    """The scan in an order of its own (a set's order changes from process to process)."""
    classes = tuple((name, tuple(sorted(bases))) for name, bases in found.classes)
    return _digest_of((classes, found.factories, found.wrappers, found.placement))


def _mentions_digest(source: SourceFile, wanted: frozenset[bytes]) -> bytes:
    return _digest_of(tuple(sorted(source.words & wanted)))


def _concerned(
    changed: Set[Path],
    by_path: Mapping[Path, SourceFile],
    before: frozenset[str],
    concerns: Callable[[SourceFile], object],
) -> bool:
    """Whether a changed file mattered to a scan before or matters now."""
    return any(str(path) in before or concerns(by_path[path]) for path in changed)


class SnapshotModules:
    """The modules of a run that starts from a snapshot: the fresh ones (changed or
    checked) are parsed and owned here (an ``OwnedModules``), the others answer with
    the snapshot's facts and have no tree. A changed module whose facts differ from the
    snapshot's, positions aside, raises ``Stale``."""

    def __init__(
        self, settings: Settings, parse: Parse, snapshot: FactSnapshot, plan: Plan
    ) -> None:
        self._own = OwnedModules(settings, parse)
        self._entries = {module.path: module for module in snapshot.kept}
        self._plan = plan
        self._cached: dict[int, KeptModule] = {}
        self._fresh: dict[int, KeptModule] = {}

    def parse(
        self,
        numbered: Sequence[tuple[int, SourceFile, tuple[str, str]]],
        keep_trees: bool = True,
    ) -> list[tuple[int, ModuleSymbols | ParseFailure]]:
        answers: list[tuple[int, ModuleSymbols | ParseFailure]] = []
        mine: list[tuple[int, SourceFile, tuple[str, str]]] = []
        # Parsed for their models alone, as in the full run: no tree is kept.
        supporting: list[tuple[int, SourceFile, tuple[str, str]]] = []
        for number, source, name in numbered:
            entry = self._entries.get(source.path)
            if entry is None or entry.name != name:
                raise Stale(source.path)
            if source.path in self._plan.fresh:
                self._fresh[number] = entry
                (supporting if entry.round == SUPPORTING else mine).append((number, source, name))
                continue
            self._cached[number] = entry
            answers.append((number, entry.failure or entry.symbols))  # type: ignore[arg-type]
        parsed = [*self._own.parse(mine), *self._own.parse(supporting, keep_trees=False)]
        for number, result in parsed:
            entry = self._fresh[number]
            if entry.path in self._plan.changed:
                if isinstance(result, ParseFailure) or entry.symbols is None:
                    if not (isinstance(result, ParseFailure) and entry.failure is not None):
                        raise Stale(entry.path)
                elif not same_but_positions(result, entry.symbols):
                    raise Stale(entry.path)
            answers.append((number, result))
        return answers

    def tree(self, number: int) -> ParsedModule | None:
        return self._own.tree(number)

    def index(self, inputs: IndexInputs) -> ProjectIndex:
        return self._own.index(inputs)

    def define_jobs(
        self, concerns: Sequence[Concern]
    ) -> list[tuple[int, int, tuple[JobDefinition, ...]]]:
        found = self._own.define_jobs(concerns)
        found.extend(
            (frontend, number, jobs)
            for number, entry in self._cached.items()
            for frontend, jobs in entry.defined
        )
        return found

    def sign_jobs(self, jobs: Sequence[JobDefinition]) -> list[tuple[int, JobDefinition]]:
        signed = self._own.sign_jobs(jobs)
        mine = dict(signed)
        for entry in self._changed().values():
            now = tuple(
                mine.get(position, job)
                for position, job in enumerate(jobs)
                if job.path == entry.path
            )
            if not same_but_positions(now, entry.jobs):
                raise Stale(entry.path)
        return signed

    def find_sites(
        self, jobs: Sequence[JobDefinition], concerns: Sequence[Concern], placement: Placement
    ) -> list[tuple[int, tuple[EnqueueSite, ...]]]:
        found = self._own.find_sites(jobs, concerns, placement)
        changed = self._changed()
        for number, sites in found:
            # Whether a module enqueues decides the model files the prefilter keeps.
            entry = changed.get(number)
            if entry is not None and bool(sites) != bool(entry.sites):
                raise Stale(entry.path)
        found.extend((number, entry.sites) for number, entry in self._cached.items())
        return found

    def check(
        self,
        sites: Sequence[EnqueueSite],
        reported: frozenset[int],
        rules: Sequence[ModuleRule],
        fix_edits: bool = False,
    ) -> Checked:
        return self._own.check(sites, reported, rules, fix_edits)

    def _changed(self) -> dict[int, KeptModule]:
        """The changed modules parsed here, by number, with what the snapshot says."""
        return {
            number: entry
            for number, entry in self._fresh.items()
            if entry.path in self._plan.changed
        }


class SnapshotStore:
    """Where the snapshots of a project's runs are kept: the result cache's folder, one
    file per joblint code and configuration."""

    def __init__(self, directory: Path, settings: Settings) -> None:
        self._cache = ResultCache(directory)
        self._name = f"{_PREFIX}{code_key([('settings', canonical(settings))])}.pickle"

    def load(self) -> FactSnapshot | None:
        data = self._cache.get_bytes(self._name)
        if data is None:
            return None
        try:
            loaded = pickle.loads(data)
        except Exception:  # damaged, or written by other code: a full run replaces it
            return None
        return loaded if isinstance(loaded, FactSnapshot) else None

    def save(self, snapshot: FactSnapshot) -> None:
        self._cache.put_bytes(self._name, plain_dumps(snapshot))
        try:
            kept = sorted(
                self._cache.directory.glob(f"{_PREFIX}*.pickle"),
                key=lambda path: path.stat().st_mtime,
                reverse=True,
            )
            for stale in kept[KEEP:]:
                stale.unlink(missing_ok=True)
        except OSError:
            return
