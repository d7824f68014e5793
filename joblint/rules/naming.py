"""JOB1xx: naming and layout of job classes.

The conventions come from Rails: ``<Verb><Noun>Job`` classes, one per file, the file named
after the class, under a ``jobs`` package with namespaces as sub-packages, every job
subclassing the project's ``ApplicationJob``. They make a job findable from its name alone
(in a queue dashboard, a stack trace or ``config/recurring.yml``) and let the runtime find
a job's file from its class name. Abstract bases (see ``ProjectIndex.is_abstract_job``)
are never enqueued, so only the layout of concrete jobs is checked.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import PurePosixPath

import libcst as cst

from joblint.analysis.context import ModuleContext, ProjectContext
from joblint.analysis.index import ProjectIndex
from joblint.analysis.model import JobDefinition, ModuleSummary
from joblint.analysis.runtime_api import is_runtime_job_base
from joblint.analysis.words import builtin_verbs, camel_words, snake_case
from joblint.diagnostics import Applicability, Diagnostic, Fix
from joblint.rules.base import FixAvailability, ModuleRule, ProjectRule

JOB_SUFFIX = "Job"


def concrete_class_jobs(module: ModuleContext) -> list[JobDefinition]:
    """The concrete job classes of frameworks that follow Active Job's
    ``<Verb><Noun>Job``-per-module layout (the runtime carries it over). Class-based tasks
    of other frameworks (Celery's ``Task`` subclasses) follow their own naming, and are
    left alone."""
    return [
        job
        for job in module.facts.jobs
        if job.is_class
        and not job.is_abstract
        and module.index.framework(job.framework).job_class_conventions
    ]


# TEST_CODE: the naming and layout rules leave test code (the ``test-paths`` globs) alone.
# A test's fake and throwaway jobs (`class FlakyJob(Job)` in a test function, `def foo()`
# made a task to test the worker) are not the application's jobs, and renaming them helps
# nobody.


# Words before the verb that say how a task runs, not what it does: `bulk_index_reports`
# indexes reports, in bulk.
VERB_MODIFIERS = frozenset(
    {
        "async",
        "auto",
        "background",
        "batch",
        "bulk",
        "daily",
        "deferred",
        "delayed",
        "force",
        "hourly",
        "monthly",
        "nightly",
        "periodic",
        "scheduled",
        "weekly",
    }
)
# Parts of a registered name under which tasks are named after the events they handle
# (`stripe.webhook.charge.pending`, `signals.order.paid`).
EVENT_NAMESPACES = frozenset(
    {"event", "events", "hook", "hooks", "signal", "signals", "webhook", "webhooks"}
)
# What a task's name may end in that says it is a task, not what it does.
KIND_WORDS = frozenset({"task", "job", "actor"})
# Past participles that do not end in -ed, as event names use them (`invoice_paid`).
IRREGULAR_PARTICIPLES = frozenset(
    {"built", "done", "drawn", "found", "frozen", "lost", "made", "paid", "sent", "sold", "won"}
)
# A project-wide naming convention of its own: reported once, not once per task, when at
# least this many of the project's tasks, and more than half of them, break JOB101's.
CONVENTION_MINIMUM = 3


def _is_task(job: JobDefinition) -> bool:
    return not job.is_class and not job.is_abstract


def _words(name: str) -> list[str]:
    """The lowercase words of a task or registered name: ``stripe.webhook.charge_failed``
    -> ``["stripe", "webhook", "charge", "failed"]``."""
    return [word.lower() for part in re.split(r"[._:\-]", name) for word in camel_words(part)]


def _handles_an_event(job: JobDefinition) -> bool:
    """A task named, or registered, after the event that enqueues it: the function
    ``organization_created`` registered as ``organization.created``, or any task
    registered under an event namespace (``stripe.webhook.charge.pending``)."""
    if _names_an_event(_words(job.name)):
        return True
    registered = job.registered_name
    if registered is None:
        return False
    parts = [part.lower() for part in re.split(r"[.:]", registered)]
    return _names_an_event(_words(registered)) or any(
        part in EVENT_NAMESPACES for part in parts[:-1]
    )


def _names_an_event(words: Sequence[str]) -> bool:
    """``payment_intent_succeeded``, ``collection_updated_task``, ``on_order_paid``: a
    handler named after the event that enqueues it."""
    if words[0] == "on" and len(words) > 1:
        return True
    named = list(words[:-1] if words[-1] in KIND_WORDS else words)
    if len(named) < 2:
        return False
    last = named[-1]
    if last in IRREGULAR_PARTICIPLES:
        return True
    return len(last) > 4 and last.endswith("ed") and not last.endswith("eed")


def _shown_name(job: JobDefinition, name_keyword: str | None) -> str:
    """The name a person sees the task by: the last part of the name it is registered
    under when the project chose one (polar's ``benefit_grant`` is the actor
    ``benefit.grant``, shown as ``grant`` in the ``benefit`` namespace), else the
    function's."""
    registered = job.registered_name
    if registered is None or name_keyword is None:
        return job.name
    last = re.split(r"[.:]", registered)[-1]
    return last if last and last != job.name else job.name


def _position(job: JobDefinition) -> tuple[str, int, int]:
    start = job.name_span.start
    return (str(job.path), start.line, start.column)


def _own_convention(offending: Sequence[JobDefinition], total: int, index: ProjectIndex) -> str:
    """The one finding for a project whose tasks are mostly named its own way: at the
    first of them in path order, the same whichever module a run checks first."""
    names = list(dict.fromkeys(job.name for job in offending))
    shown = ", ".join(f"`{name}`" for name in names[:3])
    more = ", ..." if len(names) > 3 else ""
    keywords = sorted(
        {
            keyword
            for job in offending
            if job.registered_name
            and (keyword := index.framework(job.framework).name_keyword) is not None
        }
    )
    keep = (
        " and keep each registered name with "
        + " or ".join(f"`{keyword}=`" for keyword in keywords)
        + " so that queued messages still find their task"
        if keywords
        else ""
    )
    return (
        f"{len(offending)} of the project's {total} tasks are not named after a verb ({shown}"
        f"{more}), so the project names its tasks its own way: to adopt `<verb>_<noun>` "
        f"names, rename them{keep}; to keep the project's convention, turn the rule off "
        f'with `ignore = ["JOB101"]` in [tool.joblint] (reported once, not once per task)'
    )


def _renaming(job: JobDefinition, keyword: str | None) -> str:
    """What renaming the task function does to the name messages are queued under, when
    ``keyword`` is how its framework fixes a registered name."""
    registered = job.registered_name
    if registered is None or keyword is None:
        return ""
    if registered.rpartition(".")[2] != job.name:
        return f" (it is registered as `{registered}`, which a rename keeps)"
    return (
        f"; renaming it also renames the task it is registered as (`{registered}`), and "
        f"messages already queued under that name find no task: keep it with "
        f'`{keyword}="{registered}"`'
    )


def _name_keyword(project: ProjectContext, job: JobDefinition) -> str | None:
    return project.index.framework(job.framework).name_keyword


class JobNameVerbNoun(ProjectRule):
    """A project rule because a task name that breaks the convention means something only
    beside the project's other tasks: where most are named some other way, the project
    follows a convention of its own, reported once."""

    code = "JOB101"
    name = "job-name-verb-noun"
    summary = "A job class not named `<Verb><Noun>Job`, or a task function not named after a verb."
    default_enabled = False
    preset = "conventions"
    checks_tests = False

    def check_project(self, project: ProjectContext) -> Iterator[Diagnostic]:
        verbs = builtin_verbs() | project.settings.extra_verbs
        modules = [module for module in project.modules if not module.in_tests]
        tasks: list[tuple[JobDefinition, str]] = []
        for module in modules:
            for job in concrete_class_jobs(module):
                message = self.problem(job.name, verbs)
                if message is not None:
                    yield self.diagnostic(job.path, job.name_span, message)
            tasks.extend(
                (job, self.task_message(job, verbs, _name_keyword(project, job)) or "")
                for job in module.facts.jobs
                if _is_task(job)
            )
        offending = sorted(
            ((job, message) for job, message in tasks if message),
            key=lambda pair: _position(pair[0]),
        )
        if len(offending) >= CONVENTION_MINIMUM and 2 * len(offending) > len(tasks):
            jobs = [job for job, _ in offending]
            yield self.diagnostic(
                jobs[0].path,
                jobs[0].name_span,
                _own_convention(jobs, len(tasks), project.index),
            )
            return
        for job, message in offending:
            renaming = _renaming(job, _name_keyword(project, job))
            yield self.diagnostic(job.path, job.name_span, message + renaming)

    @classmethod
    def task_message(
        cls, job: JobDefinition, verbs: frozenset[str], name_keyword: str | None
    ) -> str | None:
        """What is wrong with a task's name, judged on the name it is shown by."""
        if _handles_an_event(job):
            return None
        shown = _shown_name(job, name_keyword)
        word = cls.task_problem(shown, verbs)
        if word is None:
            return None
        if shown != job.name:
            return (
                f"task `{job.name}` is registered as `{job.registered_name}`, and `{shown}` "
                f"is not named after a verb (`{word}` is not one); name it after what it does "
                f"(`<verb>_<noun>`), or add `{word}` to `extra-verbs` if it is one"
            )
        return (
            f"task `{job.name}` is not named after a verb (`{word}` is not one); name it after "
            f"what it does (`<verb>_<noun>`), or add `{word}` to `extra-verbs` if it is one"
        )

    @staticmethod
    def task_problem(name: str, verbs: frozenset[str]) -> str | None:
        """The word at fault in a task function's name, or None when it is well named.

        The first word must be a verb (``send_welcome_email``), after any words that say
        how it runs (``bulk_index_reports``); a task named after the event it handles
        (``payment_intent_succeeded``, ``on_order_paid``) names what it reacts to, the
        convention of event handlers, and passes too."""
        words = _words(name)
        if not words:
            return None
        doing = list(itertools.dropwhile(lambda word: word in VERB_MODIFIERS, words))
        if doing and doing[0] in verbs:
            return None
        if _names_an_event(words):
            return None
        return doing[0] if doing else words[0]

    @staticmethod
    def problem(name: str, verbs: frozenset[str]) -> str | None:
        bare = name.lstrip("_")
        if not bare.endswith(JOB_SUFFIX):
            return (
                f"job class `{name}` does not end in `Job`; name it `<Verb><Noun>Job`, "
                "after what it does"
            )
        words = camel_words(bare[: -len(JOB_SUFFIX)])
        if not words:
            return f"`{name}` names no action; name it `<Verb><Noun>Job`, after what it does"
        first = words[0]
        if first.lower() not in verbs:
            return (
                f"`{name}` starts with `{first}`, which is not a verb; name it "
                f"`<Verb><Noun>Job` after what it does, or add `{first.lower()}` to "
                "`extra-verbs` if it is one"
            )
        if len(words) == 1:
            return (
                f"`{name}` names no noun after the verb `{first}`; say what it acts on: "
                f"`{first}<Noun>Job`"
            )
        return None


class JobModuleName(ModuleRule):
    code = "JOB102"
    name = "job-module-name"
    summary = "A job class whose module is not named `snake_case(ClassName)`."
    default_enabled = False
    preset = "conventions"
    checks_tests = False

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        path = module.path
        module_stem = path.parent.name if path.name == "__init__.py" else path.stem
        for job in concrete_class_jobs(module):
            expected = snake_case(job.name.lstrip("_"))
            if module_stem != expected:
                yield self.diagnostic(
                    job.path,
                    job.name_span,
                    f"`{job.name}` is defined in `{path.name}`; a job lives in a module "
                    f"named after it: `{expected}.py`",
                )


class OneJobPerModule(ModuleRule):
    code = "JOB103"
    name = "one-job-per-module"
    summary = "A module defining more than one job class."
    default_enabled = False
    preset = "conventions"
    checks_tests = False

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        # One job defined on two branches (`if`/`else`, `try`/`except ImportError`) is
        # still one job.
        first_definitions: dict[str, JobDefinition] = {}
        for job in concrete_class_jobs(module):
            first_definitions.setdefault(job.qualified_name, job)
        jobs = list(first_definitions.values())
        if len(jobs) < 2:
            return
        first = jobs[0]
        for job in jobs[1:]:
            yield self.diagnostic(
                job.path,
                job.name_span,
                f"`{job.name}` is a second job in `{module.path.name}` (after `{first.name}` "
                f"on line {first.name_span.start.line}); move it to its own module "
                f"`{snake_case(job.name.lstrip('_'))}.py`",
            )


class JobOutsideJobPackage(ModuleRule):
    code = "JOB104"
    name = "job-outside-job-package"
    summary = "A job class outside the configured job packages (default: a `jobs` package)."
    default_enabled = False
    preset = "conventions"
    checks_tests = False

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        packages = module.settings.job_packages
        if _inside_job_package(module, packages):
            return
        wanted = " or ".join(f"`{package}`" for package in packages)
        for job in concrete_class_jobs(module):
            target = _suggested_folder(job.module_name, packages[0])
            yield self.diagnostic(
                job.path,
                job.name_span,
                f"`{job.name}` is defined outside a {wanted} package; move it to "
                f"`{target}/{snake_case(job.name.lstrip('_'))}.py`",
            )


def _inside_job_package(module: ModuleContext, packages: tuple[str, ...]) -> bool:
    """Inside when the module's package path or its folders below the project root hold
    one of the configured packages: the first sees through a checkout's location, the
    second covers namespace packages that have no ``__init__.py`` to follow."""
    package_parts = tuple(module.parsed.package.split(".")) if module.parsed.package else ()
    folders = PurePosixPath(module.relative_path.as_posix()).parent.parts
    return any(
        _contains_run(parts, package.split("."))
        for package in packages
        for parts in (package_parts, folders)
    )


def _suggested_folder(module_name: str, package: str) -> str:
    """``shop.services.audit`` with ``jobs`` -> ``shop/jobs``; a dotted package such as
    ``app.workers`` is already a full path."""
    if "." in package:
        return package.replace(".", "/")
    top = module_name.split(".")[0] if "." in module_name else ""
    return "/".join(part for part in (top, package) if part)


def _contains_run(parts: tuple[str, ...], run: list[str]) -> bool:
    width = len(run)
    return any(list(parts[i : i + width]) == run for i in range(len(parts) - width + 1))


class JobBaseClass(ModuleRule):
    code = "JOB105"
    name = "job-base-class"
    summary = "A job subclassing the runtime's `Job` directly instead of the project's base job."
    fix_availability = FixAvailability.UNSAFE
    codemod = "UseApplicationJob"
    codemod_description = "subclass the project's ApplicationJob (unsafe)."
    default_enabled = False
    preset = "conventions"
    checks_tests = False

    def check(self, module: ModuleContext) -> Iterator[Diagnostic]:
        base_job = module.index.base_job
        base_import = module.index.base_job_import
        if base_job is None or base_import is None:
            return
        base_name = base_import.rsplit(".", 1)[-1]
        base_module = base_import.rsplit(".", 1)[0] if "." in base_import else ""
        used_by_base: bool | None = None  # asked once, and only of a module with a finding
        for job in module.facts.jobs:
            if not job.is_class or job.qualified_name == base_job:
                continue
            if not any(is_runtime_job_base(base) for base in job.base_names):
                continue
            if used_by_base is None:
                used_by_base = _imported_by_base_job(module)
            if used_by_base:
                return  # see USED_BY_THE_BASE_JOB
            for position, base in enumerate(job.base_names):
                if not is_runtime_job_base(base):
                    continue
                yield self.diagnostic(
                    job.path,
                    job.base_spans[position],
                    f"`{job.name}` subclasses `joblint.runtime.Job` directly; subclass the "
                    f"project's `{base_name}` so it shares the project's retry and error "
                    "policies",
                    fix=_rebase_fix(job, position, base_name, base_module, module),
                )


# USED_BY_THE_BASE_JOB: a job whose module the base job's module imports (directly or
# through other modules of the project, at any level, a function's body included) is one
# the base job uses: the job that reports the others' failures from its rescue handler,
# say. It subclasses `Job` on purpose, so as not to be retried or rescued by the policies
# it serves, and it could not subclass the base job anyway: its module would import the
# base job's, which imports it, and the fix would make every module that imports either
# fail with a circular import. The rule is quiet there, fix and finding alike.


def _imported_by_base_job(module: ModuleContext) -> bool:
    """Whether the base job's module imports ``module``, following the imports through the
    modules the run parsed (a module it did not parse cannot be followed), as their
    summaries list them: the rule reads no other module's tree."""
    index = module.index
    base = index.resolve_class(index.base_job) if index.base_job else None
    if base is None or base.path == module.path:
        return False
    start = index.summaries.get(base.path)
    if start is None:
        return False
    modules = _ModulesByName(list(index.summaries.values()))
    seen = {start.path}
    pending = [start]
    while pending:
        current = pending.pop()
        for name in current.imported_modules:
            imported = modules.find(name)
            if imported is None or imported.path in seen:
                continue
            if imported.path == module.path:
                return True
            seen.add(imported.path)
            pending.append(imported)
    return False


class _ModulesByName:
    """The run's parsed modules by the names imports give them: exactly, else the one
    module whose name ends with the import's, or that the import's ends with, both of at
    least two parts (a ``src`` layout or a namespace package names a module with more or
    fewer leading packages than the run does; ``json`` is not ``app.utils.json``)."""

    def __init__(self, modules: Sequence[ModuleSummary]) -> None:
        self.by_name: dict[str, ModuleSummary] = {}
        self.by_suffix: dict[str, list[ModuleSummary]] = defaultdict(list)
        for summary in modules:
            self.by_name.setdefault(summary.module_name, summary)
            parts = summary.module_name.split(".")
            for start in range(1, len(parts) - 1):
                self.by_suffix[".".join(parts[start:])].append(summary)

    def find(self, name: str) -> ModuleSummary | None:
        found = self.by_name.get(name)
        if found is not None:
            return found
        candidates = {summary.path: summary for summary in self.by_suffix.get(name, ())}
        parts = name.split(".")
        for start in range(1, len(parts) - 1):
            shorter = self.by_name.get(".".join(parts[start:]))
            if shorter is not None:
                candidates[shorter.path] = shorter
        return next(iter(candidates.values())) if len(candidates) == 1 else None


def _rebase_fix(
    job: JobDefinition, position: int, base_name: str, base_module: str, module: ModuleContext
) -> Fix | None:
    if not isinstance(job.node, cst.ClassDef) or not base_module:
        return None
    if base_module == module.parsed.module_name or module.index.base_job == job.qualified_name:
        return None  # the base job is defined in this very module
    original_base = module.parsed.module.code_for_node(job.node.bases[position].value)

    def transform(tree: cst.Module) -> cst.Module:
        from libcst.codemod import CodemodContext
        from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

        rebased = tree.visit(_Rebase(job.name, position, original_base, base_name))
        if rebased.deep_equals(tree):
            return tree
        context = CodemodContext()
        AddImportsVisitor.add_needed_import(context, base_module, base_name)
        with_import = AddImportsVisitor(context).transform_module(rebased)
        RemoveImportsVisitor.remove_unused_import(context, "joblint.runtime", "Job")
        return RemoveImportsVisitor(context).transform_module(with_import)

    return Fix(
        message=f"Subclass `{base_name}` instead (inherits its policies: unsafe)",
        applicability=Applicability.UNSAFE,
        transform=transform,
    )


class _Rebase(cst.CSTTransformer):
    """Replace one base of one class, found by name and original text so the change is a
    no-op when applied again."""

    def __init__(self, class_name: str, position: int, original: str, new: str) -> None:
        self.class_name = class_name
        self.position = position
        self.original = original
        self.new = new

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        if updated_node.name.value != self.class_name or len(updated_node.bases) <= self.position:
            return updated_node
        base = updated_node.bases[self.position]
        if cst.Module([]).code_for_node(base.value) != self.original:
            return updated_node
        bases = list(updated_node.bases)
        bases[self.position] = base.with_changes(value=cst.Name(self.new))
        return updated_node.with_changes(bases=bases)
