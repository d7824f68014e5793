"""The rule registry: every rule, registered in one place, in code order."""

from __future__ import annotations

from joblint.rules.arguments import ModelInstanceArgument, QuerysetArgument
from joblint.rules.base import ModuleRule, ProjectRule, Rule
from joblint.rules.config_files import (
    InvalidQueueConfig,
    InvalidQueueWildcard,
    InvalidRecurringTask,
    UnusedWorkerQueue,
)
from joblint.rules.naming import (
    JobBaseClass,
    JobModuleName,
    JobNameVerbNoun,
    JobOutsideJobPackage,
    OneJobPerModule,
)
from joblint.rules.organization import DecoratorOrder, DuplicateJobName, JobNotImportable
from joblint.rules.queues import QueueWithoutWorker, UnknownQueue
from joblint.rules.reading import InvalidSuppression, SyntaxError_, UnreadableFile
from joblint.rules.sensitive import SensitiveArgument
from joblint.rules.serialization import NonSerializableArgument
from joblint.rules.signatures import EnqueueSignatureMismatch

ALL_RULES: tuple[Rule, ...] = tuple(
    sorted(
        (
            SyntaxError_(),
            UnreadableFile(),
            InvalidSuppression(),
            JobNameVerbNoun(),
            JobModuleName(),
            OneJobPerModule(),
            JobOutsideJobPackage(),
            JobBaseClass(),
            JobNotImportable(),
            DecoratorOrder(),
            DuplicateJobName(),
            ModelInstanceArgument(),
            QuerysetArgument(),
            NonSerializableArgument(),
            EnqueueSignatureMismatch(),
            SensitiveArgument(),
            UnknownQueue(),
            InvalidQueueConfig(),
            QueueWithoutWorker(),
            UnusedWorkerQueue(),
            InvalidQueueWildcard(),
            InvalidRecurringTask(),
        ),
        key=lambda rule: rule.code,
    )
)

RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in ALL_RULES}

__all__ = ["ALL_RULES", "RULES_BY_CODE", "ModuleRule", "ProjectRule", "Rule"]
