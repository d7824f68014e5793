"""Worker processes that each own a share of a run's modules (``--jobs``, issue 17).

Each worker parses the modules dealt to it and keeps their trees; every later stage
(the index, the frontends' jobs and enqueue sites, the module rules) is asked of all
workers at once, each answering for its own modules, and the engine merges the answers
in module order. What crosses is plain data (``owners.plain_dumps``): the project's
symbols and exports going out, jobs, sites and findings without their nodes coming back.
Trees never cross, so a worker holds about its share of a serial run's memory, and both
cores parse at once.

A worker that fails (a bug in joblint, a process killed) ends the run with an error
naming the stage, as the same bug would in one process; the other workers are stopped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import multiprocessing
import pickle
import traceback
from collections.abc import Sequence
from multiprocessing import forkserver
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

from joblint.analysis.index import ProjectIndex
from joblint.analysis.model import EnqueueSite, JobDefinition, ModuleSymbols
from joblint.config import Settings
from joblint.diagnostics import Diagnostic
from joblint.engine.owners import (
    Checked,
    Concern,
    IndexInputs,
    OwnedModules,
    Placement,
    parse_module,
    plain_dumps,
)
from joblint.parse.parsing import ParsedModule
from joblint.parse.python_syntax import ParseFailure
from joblint.parse.source import SourceFile
from joblint.rules import RULES_BY_CODE, ModuleRule


class WorkerFailed(RuntimeError):
    """A worker process could not do a stage: one line for the user (the command's last
    line of defence prints it), the worker's traceback for a bug report."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details


def _serve(connection: Connection, settings: Settings) -> None:
    """A worker's life: answer the engine's calls on the modules it owns until told to
    stop. The cyclic collector stays off, as in a serial run: the trees live until the
    run ends, and collections would only traverse them."""
    gc.disable()
    owner = OwnedModules(settings, parse_module, let_go=True)
    while True:
        try:
            message = pickle.loads(connection.recv_bytes())
        except EOFError:
            return
        if message is None:
            return
        stage, arguments = message
        try:
            if stage == "check":
                sites, reported, codes, fix_edits = arguments
                rules = [
                    rule for code in codes if isinstance(rule := RULES_BY_CODE[code], ModuleRule)
                ]
                answer: object = owner.check(sites, reported, rules, fix_edits)
            else:
                answer = getattr(owner, stage)(*arguments)
                if stage == "index_from":
                    answer = None  # the index stays here; the engine builds its own
            reply = plain_dumps(("ok", answer))
        except BaseException as error:
            summary = f"a worker process failed in {stage}: {type(error).__name__}: {error}"
            reply = pickle.dumps(("failed", (summary, traceback.format_exc())))
        connection.send_bytes(reply)


def _answer(status: str, answer: Any) -> Any:
    if status != "ok":
        summary, details = answer
        raise WorkerFailed(summary, details)
    return answer


def _context() -> Any:
    """Where workers come from: a fork server (``start_early``) where there is one,
    else spawn (Windows), which imports joblint again in each worker."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def start_early() -> None:
    """Start the fork server workers are forked from, for a run that may share its
    modules: it imports joblint in a new process while this one reads and prefilters the
    project. Workers forked from this process would start with all of it (every file's
    bytes, text and words: 140 of each of saleor's workers' 510 MB), and count it again
    in each."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        _context()
        forkserver.ensure_running()


class ProcessModules:
    """A run's modules dealt among ``count`` worker processes (the engine's
    ``ModuleOwner`` for a parallel run). Use as a context manager: the workers stop when
    the run ends."""

    def __init__(self, settings: Settings, count: int) -> None:
        context = _context()
        self._connections: list[Connection] = []
        self._processes: list[Any] = []
        for _ in range(count):
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs, settings), daemon=True)
            process.start()
            theirs.close()
            self._connections.append(ours)
            self._processes.append(process)
        # Bytes of source dealt to each worker so far: a new module goes to the one with
        # the fewest, so both finish parsing at about the same time.
        self._load = [0] * count
        # The modules whose symbols each worker has: those dealt to it, those sent to it.
        self._known: list[set[int]] = [set() for _ in range(count)]

    def __enter__(self) -> ProcessModules:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for connection in self._connections:
            with contextlib.suppress(OSError):  # a worker that has gone needs no goodbye
                connection.send_bytes(pickle.dumps(None))
            connection.close()
        for process in self._processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()

    def _ask(self, stage: str, calls: Sequence[bytes | None]) -> list[Any]:
        """Send each worker its pickled call (None: nothing for it), then gather the
        answers of those asked, in worker order."""
        asked = []
        for connection, call in zip(self._connections, calls, strict=True):
            if call is not None:
                try:
                    connection.send_bytes(call)
                except OSError:  # it died since the last stage: killed, or out of memory
                    raise WorkerFailed(f"a worker process ended during {stage}") from None
                asked.append(connection)
        answers = []
        for connection in asked:
            try:
                status, answer = pickle.loads(connection.recv_bytes())
            except (EOFError, OSError):  # it died: killed, or out of memory
                raise WorkerFailed(f"a worker process ended during {stage}") from None
            answers.append(_answer(status, answer))
        return answers

    def _ask_all(self, stage: str, *arguments: object) -> list[Any]:
        """The same call for every worker, pickled once."""
        data = plain_dumps((stage, arguments))
        return self._ask(stage, [data] * len(self._connections))

    # -- ModuleOwner -------------------------------------------------------------------

    def parse(
        self,
        numbered: Sequence[tuple[int, SourceFile, tuple[str, str]]],
        keep_trees: bool = True,
    ) -> list[tuple[int, ModuleSymbols | ParseFailure]]:
        shares: list[list[tuple[int, SourceFile, tuple[str, str]]]] = [[] for _ in self._load]
        # The largest first, each to the least loaded worker: a greedy deal that keeps the
        # shares even; the order of the answers is the engine's, by number.
        for item in sorted(numbered, key=lambda item: (-len(item[1].data), item[0])):
            worker = min(range(len(self._load)), key=lambda w: (self._load[w], w))
            shares[worker].append(item)
            self._load[worker] += len(item[1].data)
            self._known[worker].add(item[0])
        answers = self._ask(
            "parse",
            [plain_dumps(("parse", (share, keep_trees))) if share else None for share in shares],
        )
        found = [answer for share in answers for answer in share]
        return sorted(found, key=lambda answer: answer[0])

    def tree(self, number: int) -> ParsedModule | None:
        return None

    def index(self, inputs: IndexInputs) -> ProjectIndex | None:
        bare = dataclasses.replace(inputs, symbols=())
        calls = []
        for known in self._known:
            received = {
                number: symbols
                for number, symbols in zip(inputs.numbers, inputs.symbols, strict=True)
                if number not in known
            }
            known.update(received)
            calls.append(plain_dumps(("index_from", (bare, received))))
        self._ask("index", calls)
        return None

    def define_jobs(
        self, concerns: Sequence[Concern]
    ) -> list[tuple[int, int, tuple[JobDefinition, ...]]]:
        return [found for answer in self._ask_all("define_jobs", concerns) for found in answer]

    def sign_jobs(self, jobs: Sequence[JobDefinition]) -> list[tuple[int, JobDefinition]]:
        return [found for answer in self._ask_all("sign_jobs", jobs) for found in answer]

    def find_sites(
        self, jobs: Sequence[JobDefinition], concerns: Sequence[Concern], placement: Placement
    ) -> list[tuple[int, tuple[EnqueueSite, ...]]]:
        return [
            found
            for answer in self._ask_all("find_sites", jobs, concerns, placement)
            for found in answer
        ]

    def check(
        self,
        sites: Sequence[EnqueueSite],
        reported: frozenset[int],
        rules: Sequence[ModuleRule],
        fix_edits: bool,
    ) -> Checked:
        codes = [rule.code for rule in rules]
        answers: list[Checked] = self._ask_all("check", sites, reported, codes, fix_edits)
        findings: list[Diagnostic] = [d for answer in answers for d in answer.findings]
        return Checked(
            tuple(findings), tuple(failure for answer in answers for failure in answer.failures)
        )
