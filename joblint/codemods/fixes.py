"""The codemod commands, one per fix (see ``joblint.codemods.command``)."""

from __future__ import annotations

from joblint.codemods import command
from joblint.config import Settings


class UseApplicationJob(command.JoblintFix):
    DESCRIPTION = "JOB105: subclass the project's ApplicationJob (unsafe)."
    CODES = ("JOB105",)


class ReorderTaskDecorators(command.JoblintFix):
    DESCRIPTION = "JOB107: put the framework's task decorator where it works (unsafe)."
    CODES = ("JOB107",)


class PassModelIds(command.JoblintFix):
    DESCRIPTION = "JOB201: pass `order.id` instead of the model instance (unsafe)."
    CODES = ("JOB201",)


class TuplesToLists(command.JoblintFix):
    DESCRIPTION = "JOB203: pass lists, not tuples, to JSON-serialized jobs."
    CODES = ("JOB203",)


class PassDeferArgumentsByKeyword(command.JoblintFix):
    DESCRIPTION = "JOB205: pass Procrastinate defer() arguments by keyword."
    CODES = ("JOB205",)


class DeclareDefaultQueue(command.JoblintFix):
    DESCRIPTION = 'JOB301: give runtime jobs `queue_as = "default"` (unsafe).'
    CODES = ("JOB301",)


class CorrectQueueNames(command.JoblintFix):
    DESCRIPTION = "JOB302: replace an unknown queue with the known one meant (unsafe)."
    CODES = ("JOB302",)


class AwareUtcNow(command.JoblintFix):
    DESCRIPTION = "JOB304: `datetime.utcnow()` to `datetime.now(timezone.utc)`."
    CODES = ("JOB304",)


class RelativeDelays(command.JoblintFix):
    DESCRIPTION = "JOB306: `eta=now() + delta` to the framework's relative delay."
    CODES = ("JOB306",)


class RecheckGuardInLock(command.JoblintFix):
    DESCRIPTION = "JOB402: check the guard again inside the lock (unsafe)."
    CODES = ("JOB402",)


class RaiseRetry(command.JoblintFix):
    DESCRIPTION = "JOB502: `self.retry(...)` to `raise self.retry(...)`."
    CODES = ("JOB502",)


class EnqueueOnCommit(command.JoblintFix):
    DESCRIPTION = "JOB601, JOB604: enqueue after the transaction commits (unsafe)."
    CODES = ("JOB601", "JOB604")


class EnqueueInsteadOfRunning(command.JoblintFix):
    DESCRIPTION = "JOB605: enqueue the job instead of running it in the caller (unsafe)."
    CODES = ("JOB605",)


class BindLoopVariables(command.JoblintFix):
    DESCRIPTION = "JOB608: `on_commit(lambda: ...)` to `on_commit(partial(...))`."
    CODES = ("JOB608",)


class AllFixes(command.JoblintFix):
    DESCRIPTION = (
        "Every default rule's fixes (safe ones; --unsafe for all), as `joblint check --fix`."
    )

    def codes(self, settings: Settings) -> frozenset[str]:
        from joblint.engine.selection import enabled_from_settings

        return enabled_from_settings(settings)
