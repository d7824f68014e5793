"""Where a run's parsed modules live, and the work done on them one module at a time.

A libcst tree cannot leave the process that parsed it: pickling one costs more than
parsing it again. So the pipeline is split where a module's work needs its own tree and
the project's plain facts only (issue 17): parsing and the first pass, a frontend's jobs
and enqueue sites (placed in their module), the signatures of its jobs and the module
rules. Those run wherever the module is owned; what crosses between modules (symbols,
exports, summaries, jobs and sites without their nodes) is plain data the engine merges
in one place and hands back.

``ModuleOwner`` is that split. ``OwnedModules`` owns modules in the process it lives in:
the engine's own in a serial run (the flake8 plugin, editors, ``--fix``), or one worker's
share in a parallel one (``joblint.engine.workers``). The engine numbers modules in the
order it parses them, and merges what owners return in that order, so a parallel run
gives exactly a serial run's answers.
"""

from __future__ import annotations

import copyreg
import dataclasses
import gc
import io
import pickle
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import libcst as cst

from joblint.analysis import placement
from joblint.analysis.context import ModuleContext
from joblint.analysis.index import JobRegistry, ProjectIndex
from joblint.analysis.model import EnqueueSite, JobDefinition, ModuleFacts, ModuleSymbols
from joblint.analysis.project_delivery import ConfiguredDelivery
from joblint.analysis.project_serializers import ConfiguredSerializers
from joblint.analysis.summaries import summarise_module, with_option_values, with_signature
from joblint.analysis.symbols import collect_symbols
from joblint.config import Settings
from joblint.diagnostics import Diagnostic, Fix, Position, Span
from joblint.frameworks import FRONTENDS
from joblint.parse import walk
from joblint.parse.parsing import ParsedModule, parse
from joblint.parse.python_syntax import ParseFailure
from joblint.parse.source import SourceFile
from joblint.rules import ModuleRule


class Concern(Protocol):
    """Whether a frontend looks at a file (the engine's ``Needles``)."""

    def mentioned_in(self, source: SourceFile) -> bool: ...


Parse = Callable[[SourceFile, tuple[str, str]], "tuple[ParsedModule, ModuleSymbols] | ParseFailure"]


@dataclass(frozen=True)
class IndexInputs:
    """What a project index is made of, as plain data: every process owning modules
    builds the same index from it."""

    symbols: tuple[ModuleSymbols, ...]
    base_job: str | None
    task_decorators: tuple[tuple[str, str], ...]
    serializers: ConfiguredSerializers | None
    delivery: ConfiguredDelivery | None
    # Each module's number, beside its symbols: a worker is sent only the symbols it has
    # neither parsed nor been sent (``OwnedModules.index_from``).
    numbers: tuple[int, ...] = ()

    def build(self) -> ProjectIndex:
        return ProjectIndex(
            self.symbols,
            self.base_job,
            dict(self.task_decorators),
            serializers=self.serializers,
            delivery=self.delivery,
            frameworks=[frontend.DESCRIPTION for frontend in FRONTENDS],
        )


@dataclass(frozen=True)
class Placement:
    """What placing an enqueue site needs of the whole project, from the modules'
    summaries: the project's context managers that open a transaction, and whether a
    settings module turns Django's ``ATOMIC_REQUESTS`` on."""

    wrappers: frozenset[str]
    atomic_views: bool


@dataclass(frozen=True)
class Checked:
    """What the module rules found in an owner's modules, and what stopped a rule."""

    findings: tuple[Diagnostic, ...]
    # (path, message) of each rule that failed on a module: a bug in joblint.
    failures: tuple[tuple[Path, str], ...]


class ModuleOwner(Protocol):
    """The modules of a run, wherever they live; each call does the named stage for all of
    them and answers by module number (the order the engine parsed them in)."""

    def parse(
        self,
        numbered: Sequence[tuple[int, SourceFile, tuple[str, str]]],
        keep_trees: bool = True,
    ) -> list[tuple[int, ModuleSymbols | ParseFailure]]:
        """Parse each module and take its symbols. Without ``keep_trees`` (the modules
        parsed only for the models and wrappers job code names), the trees are let go
        of: such a module mentions no framework or job, so no rule has anything to flag
        in it, and a frontend looks at it only if a later needle names it, which parses
        it again."""

    def tree(self, number: int) -> ParsedModule | None:
        """The module's tree, when this process owns it."""

    def index(self, inputs: IndexInputs) -> ProjectIndex | None:
        """Build the index from ``inputs`` where the modules are; the index itself when
        they are in this process (the engine then shares it), else None."""

    def define_jobs(
        self, concerns: Sequence[Concern]
    ) -> list[tuple[int, int, tuple[JobDefinition, ...]]]:
        """(frontend number, module number, jobs) for each module a frontend looks at."""

    def sign_jobs(self, jobs: Sequence[JobDefinition]) -> list[tuple[int, JobDefinition]]:
        """Each of ``jobs`` (the project's, in the registry's order) that this owner's
        modules define, with its signature, by position."""

    def find_sites(
        self, jobs: Sequence[JobDefinition], concerns: Sequence[Concern], placement: Placement
    ) -> list[tuple[int, tuple[EnqueueSite, ...]]]: ...

    def check(
        self,
        sites: Sequence[EnqueueSite],
        reported: frozenset[int],
        rules: Sequence[ModuleRule],
        fix_edits: bool,
    ) -> Checked:
        """The module rules' findings on the ``reported`` modules. With ``fix_edits``
        (the caller shows each fix's edits), a fix made in another process comes back
        as the text it turns its module into (``ReplayedFix``)."""


class OwnedModules:
    """Modules owned by this process: their trees, and the index as this process sees
    it (the project's facts, with this process's trees)."""

    # Each node's children are worked out again for every walk (``walk``) until the rules
    # run, and remembered only while they do, one module at a time (the engine sets no
    # memory of children around a run). Every kept module is
    # walked a few times before then (its symbols, each frontend), the ones defining or
    # enqueueing jobs many times after (every rule); remembering them all from the start
    # cost 120 MB in each of polar's two workers, and no time that could be measured.

    def __init__(self, settings: Settings, parse: Parse, let_go: bool = False) -> None:
        """``let_go``: whether the trees of modules parsed without ``keep_trees`` are
        freed at once (a worker, whose ``parse`` keeps nothing); the engine's own parse
        cache keeps trees for a long-lived linter (flake8's, an editor's)."""
        self.settings = settings
        self._parse = parse
        self._let_go = let_go
        self.modules: dict[int, ParsedModule] = {}
        # The symbols of every module this process knows of: its own, and those another
        # process parsed that an index was built with here (``index_from``).
        self._symbols: dict[int, ModuleSymbols] = {}
        # The modules parsed for their symbols alone, whose trees were let go of.
        self.dormant: dict[int, tuple[SourceFile, tuple[str, str]]] = {}
        self._index: ProjectIndex | None = None
        self._own_jobs: dict[tuple[object, ...], JobDefinition] = {}
        self._own_sites: dict[int, tuple[EnqueueSite, ...]] = {}
        self.contexts: dict[int, ModuleContext] = {}

    @property
    def project(self) -> ProjectIndex:
        assert self._index is not None, "index() comes first"
        return self._index

    def parse(
        self,
        numbered: Sequence[tuple[int, SourceFile, tuple[str, str]]],
        keep_trees: bool = True,
    ) -> list[tuple[int, ModuleSymbols | ParseFailure]]:
        answers: list[tuple[int, ModuleSymbols | ParseFailure]] = []
        let_go = not keep_trees and bool(numbered) and self._let_go
        if let_go:
            # What exists now (the kept trees) is left out of the collections below, which
            # then cost what one module allocates rather than the whole heap.
            gc.freeze()
        for number, source, name in numbered:
            if keep_trees:
                result = self._parse(source, name)
            else:
                with walk.forgetting_children():
                    result = self._parse(source, name)
            if isinstance(result, ParseFailure):
                answers.append((number, result))
            else:
                self._symbols[number] = result[1]
                if keep_trees:
                    self.modules[number] = result[0]
                else:
                    self.dormant[number] = (source, name)
                answers.append((number, result[1]))
            if let_go:
                # Scope analysis ties a tree in cycles, and the collector is off: each
                # tree goes before the next is parsed, and what survives (its symbols)
                # joins the frozen. Collected once at the end instead, saleor's 226
                # modules per worker held 80 to 110 MB more at the peak.
                del result
                gc.collect()
                gc.freeze()
        if let_go:
            gc.unfreeze()
        return answers

    def _wake(self, concerns: Sequence[Concern]) -> None:
        """Parse again, and keep, the dormant modules a frontend now looks at."""
        for number, (source, name) in sorted(self.dormant.items()):
            if any(concern.mentioned_in(source) for concern in concerns):
                result = self._parse(source, name)
                if not isinstance(result, ParseFailure):
                    self.modules[number] = result[0]
                del self.dormant[number]

    def tree(self, number: int) -> ParsedModule | None:
        return self.modules.get(number)

    def index_from(
        self, inputs: IndexInputs, received: Mapping[int, ModuleSymbols]
    ) -> ProjectIndex:
        """``index`` from ``inputs`` without its symbols: those of ``inputs.numbers`` are
        this process's own, ``received`` or received before. Sending every module's
        symbols to every worker for each index cost each of saleor's workers 57 MB a
        copy, and the peak held two."""
        self._symbols.update(received)
        symbols = tuple(self._symbols[number] for number in inputs.numbers)
        return self.index(dataclasses.replace(inputs, symbols=symbols))

    def index(self, inputs: IndexInputs) -> ProjectIndex:
        self._index = inputs.build()
        self._own_jobs.clear()
        self._own_sites.clear()
        self.contexts.clear()
        return self._index

    def define_jobs(
        self, concerns: Sequence[Concern]
    ) -> list[tuple[int, int, tuple[JobDefinition, ...]]]:
        self._wake(concerns)
        found: list[tuple[int, int, tuple[JobDefinition, ...]]] = []
        for number_of_frontend, frontend in enumerate(FRONTENDS):
            for number in sorted(self.modules):
                module = self.modules[number]
                if concerns[number_of_frontend].mentioned_in(module.source):
                    jobs = tuple(frontend.define_jobs(module, self.project))
                    self._own_jobs.update((_job_key(job), job) for job in jobs)
                    if jobs:
                        found.append((number_of_frontend, number, jobs))
        return found

    def sign_jobs(self, jobs: Sequence[JobDefinition]) -> list[tuple[int, JobDefinition]]:
        by_path = {module.path: module for module in self.modules.values()}
        signed: list[tuple[int, JobDefinition]] = []
        for position, job in enumerate(jobs):
            own = self._own_jobs.get(_job_key(job))
            if own is not None and own.path in by_path:
                mine = with_signature(by_path[own.path], own)
                self._own_jobs[_job_key(mine)] = mine
                signed.append((position, mine))
        return signed

    def find_sites(
        self, jobs: Sequence[JobDefinition], concerns: Sequence[Concern], placement_: Placement
    ) -> list[tuple[int, tuple[EnqueueSite, ...]]]:
        self._wake(concerns)
        index = self.project
        learned = index.jobs.learned
        index.jobs = JobRegistry(self._own_jobs.get(_job_key(job), job) for job in jobs)
        index.jobs.learned.update(learned)
        jobs_by_path: dict[Path, list[JobDefinition]] = {}
        for job in index.jobs.all:
            jobs_by_path.setdefault(job.path, []).append(job)
        found: list[tuple[int, tuple[EnqueueSite, ...]]] = []
        for number in sorted(self.modules):
            module = self.modules[number]
            sites = tuple(
                with_option_values(
                    module,
                    placement.place(module, site, placement_.wrappers, placement_.atomic_views),
                )
                for frontend, concern in zip(FRONTENDS, concerns, strict=True)
                if concern.mentioned_in(module.source)
                for site in frontend.find_enqueue_sites(module, index)
            )
            self._own_sites[number] = sites
            own_jobs = tuple(jobs_by_path.get(module.path, ()))
            self.contexts[number] = ModuleContext(
                module, ModuleFacts(own_jobs, sites), index, self.settings
            )
            found.append((number, sites))
        found.extend((number, ()) for number in self.dormant)
        return found

    def check(
        self,
        sites: Sequence[EnqueueSite],
        reported: frozenset[int],
        rules: Sequence[ModuleRule],
        fix_edits: bool = False,
    ) -> Checked:
        own = {_site_key(site): site for found in self._own_sites.values() for site in found}
        self.project.record_enqueue_sites(own.get(_site_key(site), site) for site in sites)
        findings: list[Diagnostic] = []
        failures: list[tuple[Path, str]] = []
        for number in sorted(reported & self.contexts.keys()):
            with walk.remembering_children():
                found = check_module(self.contexts[number], rules, failures)
            if fix_edits:
                found = [_replayed(finding, self.modules[number].module) for finding in found]
            findings.extend(found)
        return Checked(tuple(findings), tuple(failures))


def parse_module(
    source: SourceFile, name: tuple[str, str]
) -> tuple[ParsedModule, ModuleSymbols] | ParseFailure:
    """The module parsed, with its symbols (with its summary, what rules checking other
    modules read of it, and what it tells each frontend of itself), or a failure: the
    parser's, or a tree too deep for Python's recursion limit (a string concatenated from
    thousands of literals, as in ``pydoc_data/topics.py``): libcst parses it, but every
    visitor recurses once per level."""
    parsed = parse(source, name)
    if isinstance(parsed, ParseFailure):
        return parsed
    try:
        symbols = collect_symbols(parsed)
        exports = tuple(
            (frontend.FRAMEWORK, exported)
            for frontend in FRONTENDS
            if (exported := frontend.export(parsed)) is not None
        )
        return parsed, dataclasses.replace(
            symbols, summary=summarise_module(parsed), exports=exports
        )
    except RecursionError:
        return ParseFailure(parsed.path, "nesting is too deep to analyse", 1, 1, True)


def check_module(
    module: ModuleContext, rules: Sequence[ModuleRule], failures: list[tuple[Path, str]]
) -> list[Diagnostic]:
    """The module rules' findings on one module; a rule that fails is noted in
    ``failures`` and the others still run."""
    findings: list[Diagnostic] = []
    for rule in rules:
        if not rule.checks_tests and module.in_tests:
            continue
        try:
            findings.extend(rule.check(module))
        except Exception as error:  # a bug in one rule must not hide the other findings
            failures.append((module.path, internal_error(rule.code, error)))
    return findings


def internal_error(code: str, error: Exception) -> str:
    return (
        f"internal error in {code}: {type(error).__name__}: {error}; "
        "this is a bug in joblint, please report it"
    )


def _job_key(job: JobDefinition) -> tuple[object, ...]:
    return (job.framework, job.qualified_name, job.path, job.name_span)


def _site_key(site: EnqueueSite) -> tuple[object, ...]:
    return (site.path, site.span, site.method, site.target)


# -- crossing processes ----------------------------------------------------------------
# A job, an enqueue site or a fix goes to another process as its plain facts: the nodes
# stay with the tree, in the process that owns the module (where only they are read: the
# locality tests show no frontend or rule reads another module's nodes).

_JOB_NODES = ("node", "perform", "decorator")
_SITE_NODES = ("node", "arguments", "options")


def _without(fields: tuple[str, ...], empty: Mapping[str, object]) -> Callable[[object], object]:
    def reduce(value: object) -> tuple[Callable[..., object], tuple[object, ...]]:
        kept = {
            field.name: empty.get(field.name)
            if field.name in fields
            else getattr(value, field.name)
            for field in dataclasses.fields(value)  # type: ignore[arg-type]
        }
        return _rebuilt, (type(value), kept)

    return reduce


def _rebuilt(kind: type[object], values: dict[str, object]) -> object:
    return kind(**values)


@dataclass(frozen=True)
class ReplayedFix:
    """A fix made in another process, as what it turns its module's text into: the
    process showing the fix's edits (JSON output) has no tree to apply it to, and a fix
    is a function of the tree it was made on. Applies to that same text only."""

    before: str
    after: str

    def __call__(self, module: cst.Module) -> cst.Module:
        if module.code != self.before:
            raise ValueError("the file changed after it was checked")
        return cst.parse_module(self.after)


def _replayed(finding: Diagnostic, module: cst.Module) -> Diagnostic:
    fix = finding.fix
    if fix is None:
        return finding
    try:
        after = fix.transform(module).code
    except Exception:  # a broken fix shows as a fix with no edits, as in one process
        return finding
    replay = ReplayedFix(module.code, after)
    return dataclasses.replace(finding, fix=Fix(fix.message, fix.applicability, replay))


def _fix_elsewhere(module: cst.Module) -> cst.Module:
    raise RuntimeError(
        "this fix was made in another process, with the tree it applies to; "
        "fixes are applied in the process that owns the module"
    )


def _reduce_fix(fix: Fix) -> tuple[Callable[..., object], tuple[object, ...]]:
    transform = fix.transform if isinstance(fix.transform, ReplayedFix) else _fix_elsewhere
    return Fix, (fix.message, fix.applicability, transform)


_PLAIN: dict[type[object], Any] = {
    JobDefinition: _without(_JOB_NODES, {}),
    EnqueueSite: _without(_SITE_NODES, {"arguments": (), "options": ()}),
    Fix: _reduce_fix,
}


class _PlainPickler(pickle.Pickler):
    """A pickler that sends jobs, sites and fixes as their plain facts (only for what
    crosses processes: ``copy`` and other pickling keep the nodes)."""

    def __init__(self, out: io.BytesIO) -> None:
        super().__init__(out, protocol=pickle.HIGHEST_PROTOCOL)
        self.dispatch_table = {**copyreg.dispatch_table, **_PLAIN}


class _PositionFreePickler(_PlainPickler):
    """A plain pickler that also leaves out every position (a ``Span``, a ``Position``):
    they come back as None."""

    def reducer_override(self, value: object) -> Any:
        if type(value) is Span or type(value) is Position:
            return _nothing, ()
        return NotImplemented


def _nothing() -> None:
    return None


def plain_dumps(value: object) -> bytes:
    """``value`` pickled for another process: jobs, sites and fixes without their nodes."""
    out = io.BytesIO()
    _PlainPickler(out).dump(value)
    return out.getvalue()


def same_but_positions(first: object, second: object) -> bool:
    """Whether two facts are equal once their positions are left out: what a module tells
    the other modules is the same when only lines moved (an edit above a job), and the
    facts of a module carry positions in that module only (a frontend takes a position
    from another module's facts only when it is its own: ``registration.worker.path ==
    parsed.path``), so the other modules' facts do not change with them."""
    return bool(_position_free(first) == _position_free(second))


def _position_free(value: object) -> object:
    out = io.BytesIO()
    _PositionFreePickler(out).dump(value)
    return pickle.loads(out.getvalue())
