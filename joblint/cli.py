"""The command line: a thin shell over ``joblint.engine.linter.Linter``.

Exit codes: 0 no findings, 1 findings, 2 usage, configuration or internal error. Every
error a user can cause is one line on stderr; a traceback is a bug.
"""

from __future__ import annotations

import argparse
import difflib
import gc
import json
import os
import sys
import traceback
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from joblint import __version__
from joblint.config import Settings, settings_for_paths
from joblint.engine.cache import CACHE_DIR_NAME
from joblint.errors import UserError
from joblint.parse.recursion import room_for_deep_trees
from joblint.printable import printable

if TYPE_CHECKING:
    from joblint.engine.linter import Linter, Problem
    from joblint.report import ReportOptions

# The linter proper (libcst, the rules, the reporters) is imported only once a run needs
# it, so that a cached run and `joblint --version` start in a fraction of a second.
# `tests/test_cli.py` checks these are the reporters' names.
OUTPUT_FORMATS = ("concise", "github", "gitlab", "json", "junit", "sarif", "text")

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (plus the usage) and exit code 2, and an
    unknown option, command or choice gets a "did you mean", as every other joblint error
    does (argparse's own ``suggest_on_error`` needs Python 3.14)."""

    # On the top-level parser, the commands' parsers: an option typed before the command
    # (`joblint --slect`) is most likely one of theirs.
    commands: Mapping[str, argparse.ArgumentParser] = MappingProxyType({})

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"joblint: error: {printable(message)}\n")

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """No joblint command takes arguments it does not know, so they are refused here,
        by the parser they were given to: the usage and the suggestion are that command's,
        where argparse would leave them to the top-level parser."""
        options, extras = super().parse_known_args(args, namespace)
        if extras:
            hints = [hint for hint in map(self._closest_option, extras) if hint]
            suggestion = f"; did you mean {' and '.join(hints)}?" if hints else ""
            self.error(f"unrecognized arguments: {' '.join(extras)}{suggestion}")
        return options, extras

    def _closest_option(self, argument: str) -> str | None:
        if not argument.startswith("-") or argument == "-":
            return None
        option = argument.split("=", 1)[0]
        parsers = [("", self), *((f"{name} ", parser) for name, parser in self.commands.items())]
        for prefix, parser in parsers:
            known = [text for action in parser._actions for text in action.option_strings]
            hint = difflib.get_close_matches(option, known, n=1)
            if hint:
                return f"`{prefix}{hint[0]}`"
        return None

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        try:
            super()._check_value(action, value)
        except argparse.ArgumentError as error:
            choices = [str(choice) for choice in action.choices or ()]
            hint = difflib.get_close_matches(str(value), choices, n=1)
            if not hint:
                raise
            message = f"{error.message}; did you mean `{hint[0]}`?"
            raise argparse.ArgumentError(action, message) from None


def _job_count(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if count < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return count


def _codes(value: str) -> list[str]:
    return [code.strip() for code in value.split(",") if code.strip()]


def _selection(value: str) -> list[str]:
    """``--select``'s codes. An empty value would turn every rule off and pass, which is
    never what was meant; an empty ``--extend-select`` or ``--ignore`` adds or removes
    nothing (an unset variable in a script, say), so those stay accepted, as in ruff."""
    codes = _codes(value)
    if not codes:
        raise argparse.ArgumentTypeError("needs at least one rule code or prefix (e.g. JOB1, ALL)")
    return codes


def _presets(value: str) -> list[str]:
    return [name.strip().lower() for name in value.split(",") if name.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="joblint",
        description="A linter for background-job code.",
    )
    parser.add_argument("--version", action="version", version=f"joblint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = commands.add_parser("check", help="check files and folders (default: .)")
    check.add_argument("paths", nargs="*", type=Path, help="files or folders; - reads stdin")
    check.add_argument("--select", type=_selection, help="rule codes or prefixes to enable instead")
    check.add_argument("--extend-select", type=_codes, default=[], action="extend",
                       help="rule codes or prefixes to enable on top")  # fmt: skip
    check.add_argument("--ignore", type=_codes, default=[], action="extend",
                       help="rule codes or prefixes to disable")  # fmt: skip
    check.add_argument("--preset", type=_presets, default=[], action="extend", metavar="NAMES",
                       help="rule presets to turn on with the defaults (conventions)")  # fmt: skip
    check.add_argument("--output-format", choices=OUTPUT_FORMATS, default="text")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    check.add_argument("--statistics", action="store_true", help="count findings per rule")
    check.add_argument("--config", type=Path, help="a pyproject.toml to use")
    check.add_argument("-q", "--quiet", action="store_true", help="print findings only")
    check.add_argument("--stdin-filename", type=Path, help="the path of the code read from -")
    check.add_argument("--force-exclude", action="store_true",
                       help="apply exclusions to files named on the command line too")  # fmt: skip
    check.add_argument("--fix", action="store_true", help="apply safe fixes")
    check.add_argument("--unsafe-fixes", action="store_true",
                       help="with --fix or --diff, apply unsafe fixes too")  # fmt: skip
    check.add_argument("--diff", action="store_true",
                       help="print fixes as a diff, change nothing (exit 1 if any)")  # fmt: skip
    check.add_argument("--show-fixes", action="store_true", help="list the fixes applied")
    check.add_argument("--write-baseline", type=Path, metavar="FILE",
                       help="record the current findings in FILE, then exit 0")  # fmt: skip
    check.add_argument("--baseline", type=Path, metavar="FILE",
                       help="report only findings not recorded in FILE")  # fmt: skip
    check.add_argument("--add-noqa", action="store_true",
                       help="add `# noqa: CODE` comments for every finding")  # fmt: skip
    check.add_argument("--no-cache", action="store_true",
                       help=f"do not use the result cache ({CACHE_DIR_NAME}/)")  # fmt: skip
    check.add_argument("--jobs", "-j", type=_job_count, default=None, metavar="N",
                       help="processes to check with (default: the CPU count)")  # fmt: skip

    rules = commands.add_parser("rules", help="list the rules")
    rules.add_argument("--output-format", choices=("text", "json"), default="text")

    rule = commands.add_parser("rule", help="print a rule's page")
    rule.add_argument("code")

    inventory = commands.add_parser("inventory", help="list the jobs and enqueue sites found")
    inventory.add_argument("paths", nargs="*", type=Path, help="files or folders (default: .)")
    inventory.add_argument("--output-format", choices=("text", "json"), default="text")
    inventory.add_argument("--config", type=Path, help="a pyproject.toml to use")

    clean = commands.add_parser("clean", help=f"remove the result cache ({CACHE_DIR_NAME}/)")
    clean.add_argument("paths", nargs="*", type=Path, help="project folders (default: .)")

    jobs = commands.add_parser(
        "jobs", help="run and inspect the job runtime (joblint jobs --help)", add_help=False
    )
    jobs.add_argument("runtime_arguments", nargs=argparse.REMAINDER)
    parser.commands = commands.choices
    return parser


def run() -> NoReturn:
    """The ``joblint`` command: ``main``, then, for the linter's commands, an exit that
    skips the interpreter's teardown. A run on a large project ends with its trees held
    in reference cycles by libcst's scope analysis (1.3 GB on polar), and Python's final
    collection and freeing of them took about 20 s after the output was written, with
    nothing left to do: the output is flushed here and the cache already written. mypy
    ends its runs the same way for the same reason. The runtime's ``jobs`` commands,
    which manage processes and logs, exit normally.

    For the same reason the linter's commands run without the cyclic garbage collector:
    the engine turns it off while it works (``without_cycle_collection``), and turning it
    back on before the output made its first collection traverse everything the run
    allocated, a fifth of a second after a check that starts from a snapshot of saleor's
    facts, for garbage the exit frees anyway."""
    arguments = sys.argv[1:]
    if arguments[:1] != ["jobs"]:
        gc.disable()
    try:
        code: object = main(arguments)
    except SystemExit as stop:
        code = stop.code
    if arguments[:1] == ["jobs"]:
        sys.exit(code)  # type: ignore[arg-type]
    if isinstance(code, str):  # what SystemExit does with a message
        print(code, file=sys.stderr)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 0)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["jobs"]:
        # The runtime has its own command line, which gets every argument after `jobs`
        # (argparse's REMAINDER would not take a leading option, as in `jobs --help`).
        from joblint.runtime.cli import main as jobs_main

        return jobs_main(arguments[1:])
    parser = build_parser()
    options = parser.parse_args(arguments)
    try:
        if options.command in ("check", "inventory"):
            with room_for_deep_trees():
                return _check(options) if options.command == "check" else _inventory(options)
        if options.command == "clean":
            return _clean(options)
        if options.command == "rules":
            return _rules(options)
        if options.command == "rule":
            return _rule(options)
        if options.command == "jobs":  # reached as `joblint -- jobs ...`
            from joblint.runtime.cli import main as jobs_main

            return jobs_main(options.runtime_arguments)
        parser.print_help()
        return EXIT_ERROR
    except UserError as error:
        print(f"joblint: error: {printable(str(error))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `joblint check | head`: the reader has all it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush is quiet
        return 1
    except Exception as error:  # the last line of defence: one line, never a traceback
        if os.environ.get("JOBLINT_DEBUG"):  # unless asked for, to report the bug
            traceback.print_exc()
        print(
            printable(
                f"joblint: internal error: {type(error).__name__}: {error}; "
                "this is a bug in joblint, please report it"
            ),
            file=sys.stderr,
        )
        return EXIT_ERROR


def _check(options: argparse.Namespace) -> int:
    paths: list[Path] = options.paths or [Path(".")]
    reads_stdin = paths == [Path("-")]
    if Path("-") in paths and not reads_stdin:
        raise UserError("`-` (stdin) cannot be mixed with other paths")
    anchor = [options.stdin_filename or Path.cwd()] if reads_stdin else paths
    settings = settings_for_paths(anchor, options.config)
    edits = options.fix or options.diff or options.add_noqa or options.write_baseline
    if options.no_cache or reads_stdin:
        return _run_check(options, paths, settings, reads_stdin)
    if edits:  # what they print depends on more than the files: no result is replayed
        return _run_check(options, paths, settings, reads_stdin, keep_facts=True)
    from joblint.engine.cache import Replay, ResultCache, Uncacheable, run_key

    cache = ResultCache(settings.project_root / CACHE_DIR_NAME)
    reads: dict[Path, bytes] = {}
    project = _project_files(settings)
    try:
        key = run_key(
            _output_options(options, settings),
            _run_inputs(options, paths, settings, project),
            reads,
        )
    except Uncacheable:
        return _run_check(options, paths, settings, reads_stdin)
    replay = cache.get(key)
    if replay is not None:
        sys.stdout.write(replay.stdout)
        sys.stderr.write(replay.stderr)
        return replay.exit_code
    stdout, stderr = _Tee(sys.stdout), _Tee(sys.stderr)
    sys.stdout, sys.stderr = stdout, stderr
    try:
        code = _run_check(
            options, paths, settings, reads_stdin, preread=reads, project=project, keep_facts=True
        )
    finally:
        sys.stdout, sys.stderr = stdout.stream, stderr.stream
    if code != EXIT_ERROR:  # a problem (an unreadable file, a bug) may be passing
        cache.put(key, Replay(stdout.text(), stderr.text(), code))
    return code


class _Tee:
    """A text stream that also keeps what was written, for the cache."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._parts: list[str] = []

    def write(self, text: str) -> int:
        self._parts.append(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def fileno(self) -> int:
        return self.stream.fileno()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def text(self) -> str:
        return "".join(self._parts)


def _output_options(options: argparse.Namespace, settings: Settings) -> list[tuple[str, object]]:
    """What shapes a check's output besides the files: see ``joblint.engine.cache``."""
    names = ("output_format", "quiet", "statistics", "exit_zero", "select", "extend_select",
             "ignore", "preset", "force_exclude", "unsafe_fixes", "baseline")  # fmt: skip
    return [
        *((name, getattr(options, name)) for name in names),
        ("paths", [os.path.abspath(path) for path in options.paths or [Path(".")]]),
        ("cwd", os.getcwd()),
        ("settings", settings),
    ]


def _project_files(settings: Settings) -> tuple[Path, ...]:
    """The project's Python files, found once for the cache key and the run, from the
    walk kept in the cache folder while the tree's folders have not changed."""
    from joblint.engine.walk_cache import project_files

    return project_files(settings, settings.project_root / CACHE_DIR_NAME)


def _run_inputs(
    options: argparse.Namespace, paths: list[Path], settings: Settings, project: Sequence[Path]
) -> list[Path]:
    """Every file a check may read: the files checked, the project's Python files (the
    context of cross-file rules), its config files, the baseline."""
    from joblint.parse.discovery import discover

    found = list(discover(paths, settings, force_exclude=options.force_exclude).files)
    found.extend(project)
    extra = [settings.project_root / settings.queue_config]
    extra.append(settings.project_root / settings.recurring_config)
    if settings.config_path is not None:
        extra.append(settings.config_path)
    if options.baseline is not None:
        extra.append(options.baseline)
    found.extend(Path(os.path.abspath(path)) for path in extra if path.is_file())
    return found


def _clean(options: argparse.Namespace) -> int:
    from joblint.engine.cache import clean

    for path in options.paths or [Path(".")]:
        settings = settings_for_paths([path], None)
        folders = sorted({settings.project_root, Path(os.path.abspath(path))})
        said: list[str] = []
        for cache in (folder / CACHE_DIR_NAME for folder in folders):
            if clean(cache):
                said.append(f"Removed {cache}")
            elif cache.exists():
                said.append(f"Left {cache}: not joblint's (no CACHEDIR.TAG)")
        # Silence would leave the user wondering whether it ran, and where it looked.
        nothing = f"No cache to remove in {' or '.join(str(folder) for folder in folders)}"
        for line in said or [nothing]:
            print(printable(line), file=sys.stderr)
    return EXIT_CLEAN


def _run_check(
    options: argparse.Namespace,
    paths: list[Path],
    settings: Settings,
    reads_stdin: bool,
    preread: dict[Path, bytes] | None = None,
    project: Sequence[Path] | None = None,
    keep_facts: bool = False,
) -> int:
    """The check itself. With ``keep_facts`` (any run but ``--no-cache`` and stdin), the
    project's facts are kept in the cache folder, and a check or a fix of a few files
    changed since starts from them."""
    from joblint.diagnostics import Diagnostic
    from joblint.engine.linter import Linter, Problem
    from joblint.engine.snapshot import SnapshotStore
    from joblint.report import FORMATS, ReportOptions

    jobs = options.jobs or os.cpu_count() or 1
    store = SnapshotStore(settings.project_root / CACHE_DIR_NAME, settings)
    linter = Linter(
        settings,
        enabled=_enabled(settings, options),
        jobs=jobs,
        preread=preread,
        fix_edits=options.output_format == "json",
        facts=store if keep_facts else None,
        project_files=project,
    )
    report = ReportOptions(
        Path.cwd(),
        quiet=options.quiet,
        statistics=options.statistics,
        unsafe_fixes=options.unsafe_fixes,
    )
    baseline = None
    if options.baseline is not None:
        from joblint.report.baseline import load_baseline

        baseline = load_baseline(options.baseline)
    if options.add_noqa and (options.fix or options.diff or reads_stdin):
        raise UserError("--add-noqa edits files: not with --fix, --diff or stdin")
    if options.write_baseline is not None and (options.fix or options.diff or options.baseline):
        raise UserError("--write-baseline records findings as they are: not with --fix, "
                        "--diff or --baseline")  # fmt: skip
    if (options.fix or options.diff) and not reads_stdin:
        return _fix(linter, paths, options, report, baseline, settings.project_root)
    if reads_stdin:
        filename = options.stdin_filename or Path("stdin.py")
        data = sys.stdin.buffer.read()
        results = list(linter.lint_source(filename, data))
    else:
        results = list(linter.lint_paths(paths, force_exclude=options.force_exclude))
    diagnostics = [result for result in results if isinstance(result, Diagnostic)]
    problems = [result for result in results if isinstance(result, Problem)]
    report.errors = _error_lines(problems, report)
    if options.add_noqa and not problems:
        from joblint.fix.add_noqa import add_noqa_comments

        handled, left = add_noqa_comments(diagnostics)
        noun = "finding" if handled == 1 else "findings"
        print(f"Added noqa comments for {handled} {noun}.", file=sys.stderr)
        if left:
            print(f"{left} findings outside Python files were left.", file=sys.stderr)
        return EXIT_FINDINGS if left and not options.exit_zero else EXIT_CLEAN
    if options.write_baseline is not None:
        from joblint.report.baseline import write_baseline

        count = write_baseline(options.write_baseline, diagnostics, settings.project_root)
        noun = "finding" if count == 1 else "findings"
        print(f"Recorded {count} {noun} in {options.write_baseline}.", file=sys.stderr)
        diagnostics = []
    else:
        if baseline is not None:
            from joblint.report.baseline import new_findings

            diagnostics = new_findings(diagnostics, baseline, settings.project_root)
        FORMATS[options.output_format](diagnostics, sys.stdout, report)
    sys.stdout.flush()
    _print_errors(report.errors)
    if problems:
        return EXIT_ERROR
    if diagnostics and not options.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _error_lines(problems: Iterable[Problem], report: ReportOptions) -> tuple[str, ...]:
    """What each problem's error line says after ``joblint: error:``, visibly."""
    lines = []
    for problem in problems:
        where = f"{report.display_path(Path(problem.path).absolute())}: " if problem.path else ""
        lines.append(printable(f"{where}{problem.message}"))
    return tuple(lines)


def _print_errors(lines: Iterable[str]) -> None:
    for line in lines:
        print(f"joblint: error: {line}", file=sys.stderr)


def _inventory(options: argparse.Namespace) -> int:
    from joblint.analysis.queues import known_queues
    from joblint.engine.linter import Linter
    from joblint.report import ReportOptions
    from joblint.report.inventory import inventory, render_json, render_queue_sources, render_text

    paths: list[Path] = options.paths or [Path(".")]
    settings = settings_for_paths(paths, options.config)
    analysis, problems = Linter(settings).analyse_paths(paths)
    known = known_queues(
        settings,
        {job.framework for job in analysis.index.jobs.all},
        analysis.index.settings_in_code,
    )
    rows = inventory(analysis, known)
    if options.output_format == "json":
        render_json(rows, sys.stdout)
    else:
        render_text(rows, sys.stdout, Path.cwd())
        render_queue_sources(known, sys.stdout)
    sys.stdout.flush()
    _print_errors(_error_lines(problems, ReportOptions(Path.cwd())))
    return EXIT_ERROR if problems else EXIT_CLEAN


def _fix(
    linter: Linter,
    paths: list[Path],
    options: argparse.Namespace,
    report: ReportOptions,
    baseline: frozenset[str] | None,
    root: Path,
) -> int:
    """``--fix`` and ``--diff``. With ``--baseline``, the findings left after fixing are
    judged against it as a check's are (their fingerprints read the fixed files)."""
    from joblint.fix.fixer import write_atomically
    from joblint.report import FORMATS
    from joblint.report.baseline import new_findings
    from joblint.report.summary import see_errors

    run = linter.fix_paths(paths, unsafe=options.unsafe_fixes, force_exclude=options.force_exclude)
    report.errors = _error_lines(run.problems, report)
    if options.diff:
        for path, fixed in sorted(run.fixes.items()):
            sys.stdout.write(fixed.diff(report.display_path(path)))
        count = sum(len(fixed.applied) for fixed in run.fixes.values())
        if not options.quiet:
            noun = "fix" if count == 1 else "fixes"
            files = "file" if len(run.fixes) == 1 else "files"
            summary = f"Would apply {count} {noun} to {len(run.fixes)} {files}"
            if report.errors:
                summary += f"; the check is incomplete: {see_errors(len(report.errors))}"
            print(f"{summary}.", file=sys.stderr)
        _print_errors(report.errors)
        return EXIT_ERROR if run.problems else (EXIT_FINDINGS if run.fixes else EXIT_CLEAN)
    for path, fixed in run.fixes.items():
        write_atomically(path, fixed.fixed)
    report.fixed = sum(len(fixed.applied) for fixed in run.fixes.values())
    remaining = run.remaining if baseline is None else new_findings(run.remaining, baseline, root)
    FORMATS[options.output_format](remaining, sys.stdout, report)
    if options.show_fixes and run.fixes:
        print("\nFixed:")
        for path, fixed in sorted(run.fixes.items()):
            for diagnostic in fixed.applied:
                message = diagnostic.fix.message if diagnostic.fix else ""
                print(printable(f"  {report.display_path(path)}: {diagnostic.code} {message}"))
    sys.stdout.flush()
    _print_errors(report.errors)
    if run.problems:
        return EXIT_ERROR
    return EXIT_FINDINGS if remaining and not options.exit_zero else EXIT_CLEAN


def _enabled(settings: Settings, options: argparse.Namespace) -> frozenset[str]:
    from joblint.engine.selection import SelectionLayer, config_layers, resolve_selection
    from joblint.rules import ALL_RULES

    layers = [
        *config_layers(settings),
        SelectionLayer(
            where="command line",
            select=options.select,
            extend_select=options.extend_select,
            ignore=options.ignore,
            presets=options.preset,
        ),
    ]
    return resolve_selection(ALL_RULES, layers)


def _rules(options: argparse.Namespace) -> int:
    from joblint.rules import ALL_RULES

    rows = [
        {
            "code": rule.code,
            "name": rule.name,
            "default": rule.default_status(),
            "fix": rule.fix_availability.value,
            "summary": rule.summary,
        }
        for rule in ALL_RULES
    ]
    if options.output_format == "json":
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_CLEAN
    name_width = max(len(row["name"]) for row in rows)
    default_width = max(len("DEFAULT"), *(len(row["default"]) for row in rows))
    print(f"{'CODE':<7} {'NAME':<{name_width}} {'DEFAULT':<{default_width}} {'FIX':<9} SUMMARY")
    for row in rows:
        print(
            f"{row['code']:<7} {row['name']:<{name_width}} {row['default']:<{default_width}} "
            f"{row['fix']:<9} {row['summary']}"
        )
    return EXIT_CLEAN


def _rule(options: argparse.Namespace) -> int:
    from joblint.report.pages import page_text
    from joblint.rules import RULES_BY_CODE

    code = options.code.strip().upper()
    if code not in RULES_BY_CODE:
        from joblint.engine.selection import closest_code

        hint = closest_code(code, list(RULES_BY_CODE))
        suggestion = f"; did you mean `{hint}`?" if hint else ""
        raise UserError(f"unknown rule `{options.code}`{suggestion}")
    text = page_text(code)
    if text is None:
        raise UserError(f"the page of {code} is not installed")
    sys.stdout.write(text)
    return EXIT_CLEAN
