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
from joblint.rules.defer_positional import DeferPositionalArguments
from joblint.rules.django_tasks_settings import InvalidDjangoTasksSettings
from joblint.rules.enqueueing import (
    EnqueueFromView,
    EnqueueInLoop,
    EnqueueInSaveHook,
    EnqueueInTransaction,
    OnCommitLateBinding,
    OnCommitResultUsed,
    SynchronousJobCall,
)
from joblint.rules.error_policies import (
    ConflictingErrorPolicy,
    MixedRetryMechanisms,
    RescueHandlerSwallows,
)
from joblint.rules.idempotency import (
    BlockingOnJobResult,
    LockWithoutExpiry,
    MissingIdempotencyGuard,
    UncheckedLock,
    UniqueMisconfigured,
)
from joblint.rules.job_size import JobTooLarge
from joblint.rules.naming import (
    JobBaseClass,
    JobModuleName,
    JobNameVerbNoun,
    JobOutsideJobPackage,
    OneJobPerModule,
)
from joblint.rules.not_found import MissingNotFoundHandling
from joblint.rules.organization import DecoratorOrder, DuplicateJobName, JobNotImportable
from joblint.rules.queue_declarations import (
    InvalidPriority,
    InvalidQueueName,
    MissingQueue,
    PerJobAdapter,
)
from joblint.rules.queues import QueueWithoutWorker, UnknownQueue
from joblint.rules.reading import InvalidSuppression, SyntaxError_, UnreadableFile
from joblint.rules.request_bound import RequestBoundArgument
from joblint.rules.retries import (
    IneffectiveRetryOption,
    RetryNotRaised,
    RetryWithoutBackoff,
    SwallowedControlException,
    SwallowedException,
    UnboundedRetry,
)
from joblint.rules.scheduling import (
    AbsoluteDelay,
    ConflictingDelay,
    NaiveDatetimeSchedule,
    SleepInJob,
)
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
            JobTooLarge(),
            DuplicateJobName(),
            ModelInstanceArgument(),
            QuerysetArgument(),
            NonSerializableArgument(),
            RequestBoundArgument(),
            DeferPositionalArguments(),
            EnqueueSignatureMismatch(),
            SensitiveArgument(),
            EnqueueInTransaction(),
            EnqueueFromView(),
            EnqueueInSaveHook(),
            SynchronousJobCall(),
            EnqueueInLoop(),
            OnCommitResultUsed(),
            OnCommitLateBinding(),
            MissingQueue(),
            InvalidQueueName(),
            NaiveDatetimeSchedule(),
            ConflictingDelay(),
            AbsoluteDelay(),
            SleepInJob(),
            InvalidPriority(),
            PerJobAdapter(),
            SwallowedException(),
            RetryNotRaised(),
            IneffectiveRetryOption(),
            UnboundedRetry(),
            RetryWithoutBackoff(),
            SwallowedControlException(),
            MissingIdempotencyGuard(),
            UncheckedLock(),
            LockWithoutExpiry(),
            BlockingOnJobResult(),
            UniqueMisconfigured(),
            MixedRetryMechanisms(),
            MissingNotFoundHandling(),
            RescueHandlerSwallows(),
            ConflictingErrorPolicy(),
            UnknownQueue(),
            InvalidQueueConfig(),
            QueueWithoutWorker(),
            UnusedWorkerQueue(),
            InvalidQueueWildcard(),
            InvalidRecurringTask(),
            InvalidDjangoTasksSettings(),
        ),
        key=lambda rule: rule.code,
    )
)

RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in ALL_RULES}

__all__ = ["ALL_RULES", "RULES_BY_CODE", "ModuleRule", "ProjectRule", "Rule"]
