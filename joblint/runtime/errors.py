"""The runtime's exceptions, in one place so callers can catch a family at once.

``JobsUserError`` marks what a user can cause and fix (a bad config file, a bad schedule, an
argument that cannot be serialized): the CLI prints its message as one line and exits 2.
Everything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class JobsUserError(Exception):
    """An error the user caused; ``str(error)`` is the one line the CLI prints."""


class SerializationError(JobsUserError, TypeError):
    """An argument given to ``perform_later`` cannot be stored as JSON.

    Raised in the caller, at enqueue time, so the mistake surfaces where it was made
    rather than later in a worker.
    """


class DeserializationError(Exception):
    """A stored argument cannot be turned back into a value, usually a record that is gone.

    Raised inside the job's execution, so ``discard_on(DeserializationError)`` handles it as
    in ActiveJob.
    """


class EnqueueError(JobsUserError):
    """A job cannot be enqueued as asked (a naive ``wait_until``, a class no worker can import)."""


class JobClassNotFoundError(JobsUserError):
    """A job class named in the queue or in ``config/recurring.yml`` cannot be imported."""


class UnknownAdapterError(JobsUserError):
    """``queue_adapter`` names an adapter the runtime does not have."""
