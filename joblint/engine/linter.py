"""The pipeline, one way through: discover, read, prefilter, parse, index, recognise, run
rules, filter. ``Linter`` is the library API the CLI (and later the flake8 plugin and
editor integrations) are thin shells over.

The prefilter is the reason joblint can afford libcst: most files of a real codebase never
touch a job, and a byte search decides that without parsing. It grows as it learns: the
frontends' fixed needles (``b"joblint"``) find the files that import a framework; the
names of the job classes found there become needles too, which pulls in the modules that
subclass a project base job or enqueue a job, and so on until nothing new turns up. A file
that mentions no job-related name cannot define or enqueue a job, so nothing a rule would
flag is ever skipped. Files that are skipped still get a syntax check from CPython's own
parser (fast, in C), so JOB001 means the same thing for every file.
"""

from __future__ import annotations

import gc
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from joblint.analysis import placement
from joblint.analysis.context import ModuleContext, ProjectContext
from joblint.analysis.index import JobRegistry, ProjectIndex
from joblint.analysis.model import EnqueueSite, JobDefinition, ModuleFacts, ModuleSymbols
from joblint.analysis.project_delivery import ConfiguredDelivery, configured_delivery
from joblint.analysis.project_serializers import ConfiguredSerializers, configured_serializers
from joblint.analysis.queues import SettingsInCode, config_file
from joblint.config import Settings
from joblint.diagnostics import Diagnostic, Position, Span
from joblint.engine import prefilter
from joblint.engine.needles import Needles, Round, job_references
from joblint.engine.owners import (
    IndexInputs,
    ModuleOwner,
    OwnedModules,
    Placement,
    internal_error,
    parse_module,
)
from joblint.engine.selection import codes_matching
from joblint.engine.snapshot import (
    SUPPORTING,
    FactSnapshot,
    SnapshotModules,
    SnapshotStore,
    Stale,
    Trace,
    snapshot_of,
)
from joblint.engine.snapshot import plan as snapshot_plan
from joblint.engine.workers import ProcessModules, start_early
from joblint.fix.fixer import FileFix, fix_until_stable
from joblint.frameworks import FRONTENDS, Frontend
from joblint.parse.discovery import discover
from joblint.parse.modnames import imported_names, module_name_for
from joblint.parse.parsing import ParsedModule, libcst_verdict
from joblint.parse.python_syntax import ParseFailure, compiles, rejected
from joblint.parse.source import ReadFailure, SourceFile, decode_source, read_source
from joblint.parse.suppression import Suppressions, scan_suppressions
from joblint.rules import ALL_RULES, RULES_BY_CODE, ModuleRule, ProjectRule, Rule

# Below this many files, starting processes costs more than checking in one.
PARALLEL_FROM = 200
# From this many modules in the prefilter's first round (the files naming a framework),
# a run that only reports shares its modules among worker processes: below it, starting
# them and sending each the project's facts costs more than it saves (Django, whose 885
# files name no framework, took 1.4 s in one process and 1.9 s with two workers). The
# first round is what is known when the modules' owner must be chosen; it kept 225 files
# on polar, 70 on saleor (which parses about 1,000 in the end), 37 on netbox, 24 on redash.
SHARE_FROM = 50


@dataclass(frozen=True)
class Problem:
    """Something that stops a path or a rule from being checked, yet is no finding: a
    missing path, or a bug in joblint itself. Reported on stderr; exit code 2."""

    path: Path | None
    message: str


@dataclass(frozen=True)
class FixRun:
    """What ``--fix`` did: the changed files (not yet written), what remains, problems."""

    fixes: dict[Path, FileFix]
    remaining: list[Diagnostic]
    problems: list[Problem]


@dataclass(frozen=True)
class Analysis:
    """What the pipeline understood of a set of files, before any rule ran; also what
    `joblint inventory` will list."""

    modules: tuple[ModuleContext, ...]
    index: ProjectIndex
    # Each module's number in the run (the order it was parsed in), for its owner.
    numbers: tuple[int, ...] = ()

    @property
    def jobs(self) -> list[JobDefinition]:
        return [job for module in self.modules for job in module.facts.jobs]

    @property
    def enqueue_sites(self) -> list[EnqueueSite]:
        return [site for module in self.modules for site in module.facts.enqueue_sites]


class Linter:
    def __init__(
        self,
        settings: Settings,
        enabled: frozenset[str] | None = None,
        rules: Sequence[Rule] = ALL_RULES,
        use_prefilter: bool = True,
        jobs: int = 1,
        preread: Mapping[Path, bytes] | None = None,
        fix_edits: bool = False,
        facts: SnapshotStore | None = None,
        project_files: Sequence[Path] | None = None,
    ) -> None:
        self.settings = settings
        # The project's Python files when the caller has discovered them (the CLI, for
        # its cache key): a walk of a large tree costs a few tenths of a second.
        self._project_files = project_files
        # Where a run over the project keeps its facts, so that a later run checking a few
        # changed files starts from them (``joblint.engine.snapshot``); None: every run
        # analyses the project.
        self.facts = facts
        # Whether the last run started from a snapshot (tests and benchmarks read it).
        self.started_from_snapshot = False
        self._snapshot_read: tuple[FactSnapshot | None] | None = None
        # Whether the caller shows each fix's edits (JSON output): a parallel run then
        # brings back what each fix made in a worker does to its file.
        self.fix_edits = fix_edits
        # Files already read by the caller (the CLI reads every input to key its result
        # cache): used instead of reading them again, so the run checks exactly the bytes
        # its cache key describes.
        self._preread = preread or {}
        # Processes for the work that is per file: the syntax check of the files the
        # prefilter skips, and the modules of a large run (``_owner``). One by default:
        # the flake8 plugin and editors run inside a process that has its own plan. With
        # more, workers come from a fork server, which imports the main module as
        # multiprocessing's spawn does: a script driving the linter needs the usual
        # ``if __name__ == "__main__":`` guard (the command line has it).
        self.jobs = jobs
        # Off only to test the prefilter: with it off every file is parsed.
        self.prefilter = use_prefilter
        self.rules = tuple(rules)
        self.enabled = (
            frozenset(rule.code for rule in self.rules if rule.default_enabled)
            if enabled is None
            else enabled
        )
        # Parsed modules by (path, content, module name), so a long-lived linter (the
        # flake8 plugin, an editor) parses the project's other files once, not once per
        # file it checks.
        self._parse_cache: dict[
            tuple[Path, bytes, tuple[str, str]], tuple[ParsedModule, ModuleSymbols] | ParseFailure
        ] = {}
        self._per_file_ignores = [
            (
                pathspec.GitIgnoreSpec.from_lines([glob]),
                codes_matching(codes, self.rules, f"{settings.where('per-file-ignores')}"),
            )
            for glob, codes in settings.per_file_ignores
        ]

    # -- entry points ------------------------------------------------------------------

    def lint_paths(
        self, paths: Sequence[Path], force_exclude: bool = False
    ) -> Iterator[Diagnostic | Problem]:
        """Check files and folders; yields findings in a stable order, then problems."""
        found = discover(paths, self.settings, force_exclude=force_exclude)
        sources: list[SourceFile] = []
        findings: list[Diagnostic] = []
        for path in found.files:
            source = self._read(path)
            if isinstance(source, ReadFailure):
                findings.append(self._read_failure(source))
            else:
                sources.append(source)
        problems: list[Problem] = [Problem(p.path, p.message) for p in found.problems]
        context = self._project_context(set(found.files))
        config_files = self._config_files(paths)
        findings.extend(
            self._lint_sources(
                sources, problems, context=context, config_files=config_files, may_share=True
            )
        )
        yield from self._filtered(findings, sources, config_files)
        yield from problems

    def lint_source(self, path: Path, data: bytes) -> Iterator[Diagnostic | Problem]:
        """Check one file's bytes (stdin, an editor buffer, flake8's file) in the light of
        the project's other files, which are indexed but not reported on."""
        path = Path(path).absolute()
        decoded = decode_source(path, data)
        if isinstance(decoded, ReadFailure):
            yield from self._filtered([self._read_failure(decoded)], [])
            return
        problems: list[Problem] = []
        context = self._project_context({path})
        findings = self._lint_sources([decoded], problems, context=context)
        yield from self._filtered(findings, [decoded])
        yield from problems

    def fix_paths(self, paths: Sequence[Path], unsafe: bool, force_exclude: bool = False) -> FixRun:
        """Fix what can be fixed under ``paths`` (in memory: the caller writes)."""
        found = discover(paths, self.settings, force_exclude=force_exclude)
        contents: dict[Path, bytes] = {}
        unreadable: list[Diagnostic] = []
        for path in found.files:
            source = self._read(path)
            if isinstance(source, ReadFailure):
                unreadable.append(self._read_failure(source))
            else:
                contents[path] = source.data
        scratch: list[Problem] = []
        fixes, errors = fix_until_stable(
            contents, lambda current: self.lint_contents(current, scratch), unsafe
        )
        problems: list[Problem] = [Problem(p.path, p.message) for p in found.problems]
        problems.extend(Problem(path, message) for path, message in errors)
        final = {
            path: fixes[path].fixed if path in fixes else data for path, data in contents.items()
        }
        remaining = sorted(
            [*unreadable, *self.lint_contents(final, problems, self._config_files(paths))],
            key=Diagnostic.sort_key,
        )
        return FixRun(fixes, remaining, problems)

    def lint_contents(
        self,
        contents: dict[Path, bytes],
        problems: list[Problem],
        config_files: Sequence[Path] = (),
    ) -> list[Diagnostic]:
        """Check files given as bytes (fixed in memory, say), the rest of the project as
        it is on disk."""
        sources: list[SourceFile] = []
        findings: list[Diagnostic] = []
        for path, data in contents.items():
            decoded = decode_source(path, data)
            if isinstance(decoded, ReadFailure):
                findings.append(self._read_failure(decoded))
            else:
                sources.append(decoded)
        context = self._project_context(set(contents))
        findings.extend(
            self._lint_sources(sources, problems, context=context, config_files=config_files)
        )
        return list(self._filtered(findings, sources, config_files))

    def _read(self, path: Path) -> SourceFile | ReadFailure:
        data = self._preread.get(path)
        return read_source(path) if data is None else decode_source(path, data)

    def _config_files(self, paths: Sequence[Path]) -> list[Path]:
        """The job config files (``config/queue.yml``, ``config/recurring.yml``) that lie
        under the checked paths: the JOB7xx findings located in them are reported. Checking
        one Python file (pre-commit, flake8, an editor) reports none of them."""
        given = [Path(os.path.abspath(path)) for path in paths]
        found = []
        for relative in (self.settings.queue_config, self.settings.recurring_config):
            config = config_file(self.settings, relative)
            if config.is_file() and any(config == path or path in config.parents for path in given):
                found.append(config)
        return found

    def _project_context(self, checked: set[Path]) -> list[SourceFile]:
        """The rest of the project, indexed but not reported on, so that checking one file
        (as pre-commit does) knows the base job and the jobs defined elsewhere. Only for a
        configured project: without a pyproject.toml there is no telling where it ends."""
        if self.settings.config_path is None:
            return []
        context = []
        project = self._project_files
        if project is None:
            project = discover([self.settings.project_root], self.settings).files
        for path in project:
            if path not in checked:
                source = self._read(path)
                if isinstance(source, SourceFile):
                    context.append(source)
        return context

    def analyse_paths(self, paths: Sequence[Path]) -> tuple[Analysis, list[Problem]]:
        """What joblint understood of the files under ``paths`` (for ``joblint
        inventory``): their jobs and enqueue sites, with the rest of the project indexed."""
        found = discover(paths, self.settings)
        sources = [s for s in map(self._read, found.files) if isinstance(s, SourceFile)]
        context = self._project_context(set(found.files))
        analysis = self.analyse([*sources, *context])
        checked = set(found.files)
        kept = [
            (number, module)
            for number, module in zip(analysis.numbers, analysis.modules, strict=True)
            if module.path in checked
        ]
        problems = [Problem(problem.path, problem.message) for problem in found.problems]
        return (
            Analysis(
                tuple(module for _, module in kept),
                analysis.index,
                tuple(number for number, _ in kept),
            ),
            problems,
        )

    def analyse(self, sources: Sequence[SourceFile]) -> Analysis:
        """Parse what the prefilter keeps, index it, and recognise jobs and enqueue sites."""
        with without_cycle_collection(), ExitStack() as stack:
            analysis = self._parse_candidates(
                sources, lambda first: stack.enter_context(self._owner(first)), set()
            ).analysis
        analysis.index.settings_in_code = SettingsInCode(sources, self.settings.project_root)
        return analysis

    # -- the pipeline ------------------------------------------------------------------

    def _lint_sources(
        self,
        sources: Sequence[SourceFile],
        problems: list[Problem],
        context: Sequence[SourceFile] = (),
        config_files: Sequence[Path] = (),
        may_share: bool = False,
    ) -> list[Diagnostic]:
        """The findings in ``sources``, in the light of ``context``. With ``may_share``
        (a run that reports and fixes nothing: ``lint_paths``), the modules may be shared
        among worker processes; fixing keeps them here, where their trees are."""
        with without_cycle_collection():
            return self._check_sources(sources, problems, context, config_files, may_share)

    def _check_sources(
        self,
        sources: Sequence[SourceFile],
        problems: list[Problem],
        context: Sequence[SourceFile],
        config_files: Sequence[Path],
        may_share: bool,
    ) -> list[Diagnostic]:
        reported = {source.path for source in sources} | set(config_files)
        everything = [*sources, *context]
        with ExitStack() as stack:
            start = self._from_snapshot(everything, reported)
            self.started_from_snapshot = start is not None
            if start is None:
                kept_first = None
                if self._may_share(may_share, everything):
                    matcher = _first_round().matcher()
                    kept_first = [matcher.mentioned_in(source) for source in everything]
                    if sum(kept_first) >= SHARE_FROM:  # the workers will be wanted (``_owner``)
                        start_early()
                start = self._parse_candidates(
                    everything,
                    lambda first: stack.enter_context(self._owner(first, may_share)),
                    reported,
                    kept_first,
                )
            analysis, owner = start.analysis, start.parsed.owner
            analysis.index.settings_in_code = SettingsInCode(
                everything, self.settings.project_root, start.known_in_code
            )
            findings = self._syntax_errors(
                [failure for failure in start.failures if failure.path in reported]
            )
            if self.settings.base_job and analysis.index.base_job is None:
                problems.append(
                    Problem(
                        None,
                        f"{self.settings.where('base-job')}: `base-job` names "
                        f"`{self.settings.base_job}`, which is not a job class in this project",
                    )
                )
            module_rules = [
                r for r in self.rules if isinstance(r, ModuleRule) and r.code in self.enabled
            ]
            checked = owner.check(
                analysis.enqueue_sites,
                frozenset(
                    number
                    for number, module in zip(analysis.numbers, analysis.modules, strict=True)
                    if module.path in reported
                ),
                module_rules,
                self.fix_edits,
            )
        findings.extend(checked.findings)
        problems.extend(Problem(path, message) for path, message in checked.failures)
        project_rules = [
            r for r in self.rules if isinstance(r, ProjectRule) and r.code in self.enabled
        ]
        project = ProjectContext(analysis.modules, analysis.index, self.settings)
        for project_rule in project_rules:
            try:
                findings.extend(
                    d for d in project_rule.check_project(project) if d.path in reported
                )
            except Exception as error:  # a bug in a rule must not hide the other findings
                problems.append(Problem(None, internal_error(project_rule.code, error)))
        # A run that started from a snapshot leaves it as it was: its changed files are
        # compared with the facts it holds, which stay true of the other files.
        full = not self.started_from_snapshot and start.trace is not None
        if may_share and self.facts is not None and full:
            self.facts.save(self._snapshot(everything, start))
            self._snapshot_read = None
        return findings

    @contextmanager
    def _owner(self, first: Sequence[SourceFile], may_share: bool = False) -> Iterator[ModuleOwner]:
        """Where this run's modules are parsed and kept, chosen when the prefilter's
        first round has chosen the ``first`` modules to parse: in this process, or (a run
        that only reports, with more than one job, on a tree with many job modules)
        shared among ``jobs`` worker processes, each owning its modules' trees. A run with
        rules other than joblint's own (tests') stays in this process: only registered
        rules cross."""
        if not (self._may_share(may_share, first) and len(first) >= SHARE_FROM):
            yield OwnedModules(self.settings, self._parse_cached)
            return
        with ProcessModules(self.settings, self.jobs) as workers:
            yield workers

    def _may_share(self, may_share: bool, sources: Sequence[SourceFile]) -> bool:
        """Whether a run over ``sources`` may share its modules among workers (``_owner``),
        before the prefilter has said how many it parses."""
        registered = all(RULES_BY_CODE.get(rule.code) is rule for rule in self.rules)
        return may_share and registered and self.jobs > 1 and len(sources) >= SHARE_FROM

    def _from_snapshot(self, sources: Sequence[SourceFile], checked: Set[Path]) -> _Start | None:
        """The run's modules, started from the snapshot of an earlier run over the same
        project when only a few files changed and none tells the others anything new
        (``joblint.engine.snapshot``): those and the checked files are analysed here, the
        other modules' facts are the snapshot's. None when a full run is needed."""
        if self.facts is None or not self.prefilter:
            return None
        if self._snapshot_read is None:  # once: a fix checks its files again and again
            self._snapshot_read = (self.facts.load(),)
        snapshot = self._snapshot_read[0]
        if snapshot is None:
            return None
        plan = snapshot_plan(snapshot, sources, checked, self.settings, SHARE_FROM)
        if plan is None:
            return None
        owner = SnapshotModules(self.settings, self._parse_cached, snapshot, plan)
        parsed = _Parsed(lambda first: owner, plan.trace.imported_as)
        parsed.known_learned = snapshot.learned
        try:
            parsed.add(plan.kept)
            analysis = self._recognise(parsed, None, plan.trace.serializers, plan.trace.delivery)
        except Stale:
            return None
        failures = [*parsed.failures, *self._syntax_check(plan.pending_checked)]
        return _Start(analysis, failures, parsed, plan.trace, plan.in_code)

    def _snapshot(self, sources: Sequence[SourceFile], start: _Start) -> FactSnapshot:
        assert start.trace is not None
        facts = {
            module.path: (module.facts.jobs, module.facts.enqueue_sites)
            for module in start.analysis.modules
        }
        return snapshot_of(
            sources,
            start.trace,
            start.parsed.order,
            facts,
            start.parsed.learned,
            start.analysis.index.settings_in_code.read(),
            self.settings,
        )

    def _parse_candidates(
        self,
        sources: Sequence[SourceFile],
        owner_for: Callable[[Sequence[SourceFile]], ModuleOwner],
        checked: Set[Path],
        first: Sequence[bool] | None = None,
    ) -> _Start:
        """Parse the files the prefilter keeps: those that mention a framework or a job
        (learned in rounds: a project base job, then the modules naming it), then the
        files defining the models and transaction wrappers those files name. Module names
        come from all of ``sources``: a package is named by how its modules import it.
        Of the files left out, the ``checked`` ones get a syntax check. ``first``: which
        of ``sources`` the first round keeps, when the caller has matched them."""
        imported_as = imported_names(sources, self.settings.project_root)
        serializers = configured_serializers(sources)
        delivery = configured_delivery(sources, imported_as)
        parsed = _Parsed(owner_for, imported_as)
        if not self.prefilter:
            parsed.add(sources)
            analysis = self._recognise(parsed, None, serializers, delivery)
            return _Start(analysis, parsed.failures, parsed, None)
        # The frontends' fixed needles are written to match as they stand (b" rq"), their
        # words and the names learned later as whole words, jobs' names with the words of
        # the modules they can be imported from (``joblint.engine.needles``).
        this_round = _first_round()
        all_names = set(this_round.fixed | this_round.names)
        paired_with: dict[bytes, frozenset[bytes]] = {}
        pending = list(sources)
        index: ProjectIndex | None = None
        rounds: list[Round] = []
        round_of: dict[Path, int] = {}
        while pending and this_round:
            if first is not None and not rounds:
                matched = list(first)
            else:
                matcher = this_round.matcher()
                matched = [matcher.mentioned_in(source) for source in pending]
            kept = [source for source, hit in zip(pending, matched, strict=True) if hit]
            pending = [source for source, hit in zip(pending, matched, strict=True) if not hit]
            round_of.update((source.path, len(rounds)) for source in kept)
            rounds.append(this_round)
            more = parsed.add(kept)
            if more or index is None:  # else nothing new to learn from
                index = self._index(parsed, serializers, delivery)
            learned = {needle for frontend in FRONTENDS for needle in _learned(frontend, index)}
            names = learned - all_names
            all_names |= names
            # A job's name again only with words it has not been tried with: the files
            # left naming it have none of the others.
            paired: dict[bytes, frozenset[bytes]] = {}
            for name, words in job_references(index.jobs.all, parsed.modules()).items():
                fresh = words - paired_with.get(name, frozenset())
                if name not in all_names and fresh:
                    paired[name] = fresh
                    paired_with[name] = words
            this_round = Round(names=frozenset(names), paired=tuple(sorted(paired.items())))
        # Models and wrappers matter only where a job is defined or enqueued: the files
        # that merely mention a framework's word do not pull in the models they name.
        analysis = self._recognise(parsed, index)
        job_files = [
            module.parsed.source
            for module in analysis.modules
            if module.facts.jobs or module.facts.enqueue_sites
        ]
        scans = [prefilter.scan(source.data) for source in pending] if job_files else []
        scanned = {source.path: found for source, found in zip(pending, scans, strict=False)}
        supporting = prefilter.supporting_files(
            job_files, pending, self.settings.model_bases, scans
        )
        if supporting:
            chosen = {id(source) for source in supporting}
            pending = [source for source in pending if id(source) not in chosen]
            round_of.update((source.path, SUPPORTING) for source in supporting)
            parsed.add(supporting, keep_trees=False)
            analysis = self._recognise(parsed, None, serializers, delivery)
        checked_pending = [source for source in pending if source.path in checked]
        trace = Trace(tuple(rounds), round_of, imported_as, serializers, delivery, scanned)
        failures = [*parsed.failures, *self._syntax_check(checked_pending)]
        return _Start(analysis, failures, parsed, trace)

    def _syntax_check(self, sources: Sequence[SourceFile]) -> list[ParseFailure]:
        """JOB001 for the files the prefilter skips, meaning what it means for a parsed
        file: libcst cannot parse it. CPython's compiler (in C) clears almost every file at
        a fraction of libcst's cost, in ``jobs`` processes for a large tree; libcst decides
        only the files it rejects, as the interpreter running joblint may be older than
        the syntax a file uses. The order of the results is the order of ``sources``."""
        if self.jobs > 1 and sources and len(sources) >= PARALLEL_FROM:
            # Dealt out in turn, not cut in halves: a tree's files are sorted by path, and
            # one half of a package can hold most of its big files (Django's did).
            hands = min(self.jobs, len(sources))
            chunks = [sources[hand::hands] for hand in range(hands)]
            with ProcessPoolExecutor(max_workers=hands) as pool:
                found = pool.map(rejected, chunks)
                numbers = sorted(
                    hand + number * hands
                    for hand, rejects in enumerate(found)
                    for number in rejects
                )
                suspects = [sources[number] for number in numbers]
        else:
            suspects = [source for source in sources if not compiles(source)]
        return [failure for failure in map(libcst_verdict, suspects) if failure is not None]

    def _parse_cached(
        self, source: SourceFile, name: tuple[str, str]
    ) -> tuple[ParsedModule, ModuleSymbols] | ParseFailure:
        """``parse_module``, once per (path, content, module name) for the linter's life."""
        key = (source.path, source.data, name)
        cached = self._parse_cache.get(key)
        if cached is None:
            cached = self._parse_cache[key] = parse_module(source, name)
        return cached

    def _index(
        self,
        parsed: _Parsed,
        serializers: ConfiguredSerializers | None = None,
        delivery: ConfiguredDelivery | None = None,
    ) -> ProjectIndex:
        """The project index with every job the frontends define in ``parsed``."""
        inputs = IndexInputs(
            parsed.symbols,
            self.settings.base_job,
            self.settings.task_decorators,
            serializers,
            delivery,
            parsed.numbers,
        )
        index = parsed.owner.index(inputs) or inputs.build()
        index.jobs.learned.update(parsed.known_learned[0])
        concerns = [
            Needles(set(frontend.NEEDLES), {*frontend.WORDS, *_learned(frontend, index)})
            for frontend in FRONTENDS
        ]
        parsed.learned[0] = dict(index.jobs.learned)
        defined = sorted(parsed.owner.define_jobs(concerns), key=lambda found: found[:2])
        index.jobs = JobRegistry(job for _, _, jobs in defined for job in jobs)
        index.jobs.learned.update(parsed.known_learned[1])
        return index

    def _recognise(
        self,
        parsed: _Parsed,
        index: ProjectIndex | None = None,
        serializers: ConfiguredSerializers | None = None,
        delivery: ConfiguredDelivery | None = None,
    ) -> Analysis:
        """Jobs and enqueue sites; ``index``, when given, is the index of exactly
        ``parsed`` (the prefilter's last round built it)."""
        if index is None:
            index = self._index(parsed, serializers, delivery)
        owner = parsed.owner
        # Each job's signature as plain data, for the rules of the modules enqueueing it.
        learned = index.jobs.learned
        signed = dict(owner.sign_jobs(index.jobs.all))
        index.jobs = JobRegistry(
            signed.get(position, job) for position, job in enumerate(index.jobs.all)
        )
        index.jobs.learned.update(learned)
        jobs_by_path: dict[Path, list[JobDefinition]] = {}
        for job in index.jobs.all:
            jobs_by_path.setdefault(job.path, []).append(job)
        concerns = [
            Needles(
                set(frontend.NEEDLES),
                _learned(frontend, index)
                | set(frontend.WORDS)
                | {
                    name.encode()
                    for job in index.jobs.all
                    if job.framework == frontend.FRAMEWORK
                    for name in (job.name, job.registered_name or job.name)
                },
            )
            for frontend in FRONTENDS
        ]
        parsed.learned[1] = dict(index.jobs.learned)
        # What the other modules contribute to placing a module's sites, from their
        # summaries: placing them needs the module's own tree alone.
        placed = Placement(
            placement.transaction_wrappers(
                index.summaries.values(), self.settings.transaction_wrappers
            ),
            placement.atomic_requests(index.summaries.values()),
        )
        sites = dict(owner.find_sites(index.jobs.all, concerns, placed))
        modules = [
            ModuleContext(
                parsed.module(number),
                ModuleFacts(tuple(jobs_by_path.get(parsed.path(number), ())), sites[number]),
                index,
                self.settings,
            )
            for number in parsed.numbers
        ]
        index.record_enqueue_sites(
            site for module in modules for site in module.facts.enqueue_sites
        )
        return Analysis(tuple(modules), index, parsed.numbers)

    # -- filtering ---------------------------------------------------------------------

    def _filtered(
        self,
        findings: Iterable[Diagnostic],
        sources: Sequence[SourceFile],
        config_files: Sequence[Path] = (),
    ) -> Iterator[Diagnostic]:
        everything = list(findings)
        flagged = {finding.path for finding in everything}
        # A file without findings needs its noqa comments read only for JOB003, which
        # concerns comments naming joblint or a JOB code: Django has hundreds of files
        # with flake8's noqa comments, and tokenizing them all was an eighth of a run.
        suppressions = {
            source.path: scan_suppressions(source.text)
            for source in sources
            if source.path in flagged or _MAY_CONCERN_JOBLINT.search(source.text)
        }
        for config in config_files:
            try:
                text = config.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            suppressions[config] = scan_suppressions(text, yaml=True)
        everything.extend(self._invalid_suppressions(suppressions))
        kept = [
            finding
            for finding in everything
            if finding.code in self.enabled
            and not self._ignored_for_file(finding)
            and not suppressions.get(finding.path, Suppressions()).suppresses(finding)
        ]
        yield from sorted(kept, key=Diagnostic.sort_key)

    def _invalid_suppressions(self, suppressions: dict[Path, Suppressions]) -> Iterator[Diagnostic]:
        rule = RULES_BY_CODE["JOB003"]
        for path, found in suppressions.items():
            for misuse in found.misuses:
                yield rule.diagnostic(
                    path,
                    Span(
                        Position(misuse.line, misuse.column),
                        Position(misuse.line, misuse.column + misuse.length),
                    ),
                    misuse.message,
                )
            for mention in found.mentions_of_no_rule(RULES_BY_CODE):
                yield rule.diagnostic(
                    path,
                    Span(
                        Position(mention.line, mention.column),
                        Position(mention.line, mention.column + len(mention.code)),
                    ),
                    f"`{mention.code}` in this noqa comment is not a joblint rule, nor the "
                    "start of a rule's code; remove it or correct it (`joblint rules` lists them)",
                )

    def _ignored_for_file(self, finding: Diagnostic) -> bool:
        if not self._per_file_ignores:
            return False
        try:
            relative = finding.path.relative_to(self.settings.project_root).as_posix()
        except ValueError:
            relative = finding.path.as_posix()
        return any(
            finding.code in codes and spec.match_file(relative)
            for spec, codes in self._per_file_ignores
        )

    # -- diagnostics the engine itself emits -------------------------------------------

    def _read_failure(self, failure: ReadFailure) -> Diagnostic:
        return RULES_BY_CODE["JOB002"].diagnostic(
            failure.path,
            Span.point(failure.line, failure.column),
            f"file {failure.message}",
        )

    def _syntax_errors(self, failures: list[ParseFailure]) -> list[Diagnostic]:
        """JOB001 for each file that does not parse, but once for a folder of templates (a
        code generator's, a cookiecutter's): its files fail for one reason, and one line
        of configuration leaves them all out."""
        findings: list[Diagnostic] = []
        templates: dict[str, list[ParseFailure]] = defaultdict(list)
        for failure in sorted(failures, key=lambda failure: failure.path):
            if failure.template and not failure.valid_python:
                folder = _folder_glob_of(failure.path, self.settings.project_root)
                templates[folder].append(failure)
            else:
                findings.append(self._syntax_error(failure))
        for group in templates.values():
            findings.append(self._syntax_error(group[0], len(group) - 1))
        return findings

    def _syntax_error(self, failure: ParseFailure, other_templates: int = 0) -> Diagnostic:
        if failure.valid_python:
            message = (
                f"Python accepts this file but libcst, the parser joblint uses, cannot read "
                f"it ({failure.message}); the file is not checked"
            )
        elif failure.template:
            folder = _folder_glob_of(failure.path, self.settings.project_root)
            others = (
                f" (so are {other_templates} other files in `{folder}`, not reported)"
                if other_templates > 1
                else f" (so is 1 other file in `{folder}`, not reported)"
                if other_templates == 1
                else ""
            )
            message = (
                f"syntax error: {failure.message}: this is a template of Python (it has "
                f"`{{% %}}` or `{{{{ }}}}` tags), which is Python only once rendered{others}; "
                f'leave it out with `extend-exclude = ["{folder}"]` in [tool.joblint]'
            )
        else:
            message = f"syntax error: {failure.message}; fix it so the file can be checked"
        return RULES_BY_CODE["JOB001"].diagnostic(
            failure.path, Span.point(failure.line, failure.column), message
        )


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Within: Python's cyclic garbage collector does not run (as it was, after). A run
    builds a large heap of objects that live until it ends (libcst's trees, their scopes
    and positions: 1.3 GB on polar), and each full collection traverses all of it; as the
    heap grows, the collector's own rule runs one each time it has grown by a quarter.
    That was a third of a cold run on job-heavy applications (polar 78 -> 51 s, saleor
    alike), for garbage cycles worth about 30 MB there. The forked syntax-check processes
    inherit the setting, so they do not traverse the parent's trees either."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class _Start:
    """A run's modules once parsed and recognised, before any rule: the analysis, the
    parse failures, the parsed modules (with their owner) and how the prefilter chose them
    (None with the prefilter off)."""

    analysis: Analysis
    failures: list[ParseFailure]
    parsed: _Parsed
    trace: Trace | None
    # The settings read from code that a snapshot holds for this run (SettingsInCode).
    known_in_code: Mapping[str, object] = field(default_factory=dict)


class _Parsed:
    """The modules a run has parsed so far, by number (the order they were parsed in),
    with their symbols; their trees are with ``owner``, which ``owner_for`` chooses from
    the first modules to parse."""

    def __init__(
        self,
        owner_for: Callable[[Sequence[SourceFile]], ModuleOwner],
        imported_as: Mapping[Path, str],
    ) -> None:
        self._owner_for = owner_for
        self._owner: ModuleOwner | None = None
        self._imported_as = imported_as
        self._count = 0
        self._sources: dict[int, tuple[SourceFile, tuple[str, str]]] = {}
        self._symbols: dict[int, ModuleSymbols] = {}
        self.failures: list[ParseFailure] = []
        # Every module added, in order, with what parsing it gave.
        self.order: list[tuple[SourceFile, tuple[str, str], ModuleSymbols | ParseFailure]] = []
        # What each frontend learned (``_learned``) of the last index, before and after
        # its jobs were defined; and what a snapshot says it learns there, when the
        # modules are the snapshot's (a frontend learns names, which positions do not
        # change).
        self.learned: list[dict[str, frozenset[bytes]]] = [{}, {}]
        self.known_learned: tuple[Mapping[str, frozenset[bytes]], ...] = ({}, {})

    @property
    def owner(self) -> ModuleOwner:
        assert self._owner is not None, "add() comes first"
        return self._owner

    def add(self, sources: Sequence[SourceFile], keep_trees: bool = True) -> bool:
        """Parse ``sources``; whether any of them parsed. ``keep_trees``: see
        ``ModuleOwner.parse``."""
        if self._owner is None:
            self._owner = self._owner_for(sources)
        numbered = {
            self._count + offset: (source, module_name_for(source.path, self._imported_as))
            for offset, source in enumerate(sources)
        }
        self._count += len(sources)
        before = len(self._symbols)
        answers = self.owner.parse(
            [(number, *named) for number, named in numbered.items()], keep_trees
        )
        for number, result in sorted(answers, key=lambda answer: answer[0]):
            self.order.append((*numbered[number], result))
            if isinstance(result, ParseFailure):
                self.failures.append(result)
            else:
                self._symbols[number] = result
                self._sources[number] = numbered[number]
        return len(self._symbols) > before

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(sorted(self._symbols))

    @property
    def symbols(self) -> tuple[ModuleSymbols, ...]:
        return tuple(self._symbols[number] for number in self.numbers)

    def modules(self) -> list[tuple[SourceFile, ModuleSymbols]]:
        """Each module parsed, with its symbols, in order."""
        return [(self._sources[number][0], self._symbols[number]) for number in self.numbers]

    def path(self, number: int) -> Path:
        return self._sources[number][0].path

    def module(self, number: int) -> ParsedModule:
        """The module's tree when this process owns it, else its source and names."""
        own = self.owner.tree(number)
        if own is not None:
            return own
        source, name = self._sources[number]
        return ParsedModule.elsewhere(source, name)


def _folder_glob_of(path: Path, root: Path) -> str:
    """The folder to exclude for a template file, as a gitignore glob from the project
    root: the outermost folder named for templates (``sdk/template/``, a cookiecutter's
    ``{{cookiecutter.slug}}/``), else the file's own folder."""
    try:
        folder = path.parent.relative_to(root)
    except ValueError:
        folder = path.parent
    for end, part in enumerate(folder.parts, start=1):
        if "template" in part.lower() or "{{" in part:
            folder = Path(*folder.parts[:end])
            break
    return f"{folder.as_posix()}/" if folder.parts else path.name


def _first_round() -> Round:
    """The prefilter's first round: the frontends' own needles and words."""
    return Round(
        fixed=frozenset(n for frontend in FRONTENDS for n in frontend.NEEDLES),
        names=frozenset(n for frontend in FRONTENDS for n in frontend.WORDS),
    )


def _learned(frontend: Frontend, index: ProjectIndex) -> frozenset[bytes]:
    """``frontend.learned_needles(index)``, once per index and job registry."""
    found = index.jobs.learned.get(frontend.FRAMEWORK)
    if found is None:
        found = index.jobs.learned[frontend.FRAMEWORK] = frozenset(frontend.learned_needles(index))
    return found


# Every comment JOB003 reports on says "joblint" or names a JOB code.
_MAY_CONCERN_JOBLINT = re.compile("job", re.IGNORECASE)
