"""joblint's fixes as libcst codemods: ``python -m libcst.tool codemod --no-format -x
joblint.codemods.<Name> PATHS`` (see ``joblint.codemods.command``)."""

from joblint.codemods.fixes import (
    AllFixes,
    AwareUtcNow,
    BindLoopVariables,
    CorrectQueueNames,
    DeclareDefaultQueue,
    EnqueueInsteadOfRunning,
    EnqueueOnCommit,
    PassDeferArgumentsByKeyword,
    PassModelIds,
    RaiseRetry,
    RecheckGuardInLock,
    RelativeDelays,
    ReorderTaskDecorators,
    TuplesToLists,
    UseApplicationJob,
)

__all__ = [
    "AllFixes",
    "AwareUtcNow",
    "BindLoopVariables",
    "CorrectQueueNames",
    "DeclareDefaultQueue",
    "EnqueueInsteadOfRunning",
    "EnqueueOnCommit",
    "PassDeferArgumentsByKeyword",
    "PassModelIds",
    "RaiseRetry",
    "RecheckGuardInLock",
    "RelativeDelays",
    "ReorderTaskDecorators",
    "TuplesToLists",
    "UseApplicationJob",
]
