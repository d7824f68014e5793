"""joblint's reference job runtime: ActiveJob's API on a SQLite queue in the spirit of Solid Queue.

It imports nothing from the linter, so the linter can import it (to share the handler
precedence, the queue-config and the schedule parsers) and never the reverse.
"""

from joblint.runtime.adapters.base import EnqueueRequest, QueueAdapter
from joblint.runtime.adapters.inline import InlineAdapter
from joblint.runtime.adapters.registry import use_adapter
from joblint.runtime.clock import Clock, ManualClock, SystemClock
from joblint.runtime.errors import (
    DeserializationError,
    EnqueueError,
    JobClassNotFoundError,
    JobsUserError,
    SerializationError,
    UnknownAdapterError,
)
from joblint.runtime.globalid import GlobalID, LocatorRegistry, Record, register_locator
from joblint.runtime.job import ConfiguredJob, Job, perform_all_later
from joblint.runtime.policies import (
    Handler,
    discard_on,
    polynomially_longer,
    rescue_from,
    resolve_handler,
    retry_on,
    unlimited,
)

__all__ = [
    "Clock",
    "ConfiguredJob",
    "DeserializationError",
    "EnqueueError",
    "EnqueueRequest",
    "GlobalID",
    "Handler",
    "InlineAdapter",
    "Job",
    "JobClassNotFoundError",
    "JobsUserError",
    "LocatorRegistry",
    "ManualClock",
    "QueueAdapter",
    "Record",
    "SerializationError",
    "SystemClock",
    "UnknownAdapterError",
    "discard_on",
    "perform_all_later",
    "polynomially_longer",
    "register_locator",
    "rescue_from",
    "resolve_handler",
    "retry_on",
    "unlimited",
    "use_adapter",
]
