"""The project's base job: the error policies every job shares."""

import logging

from joblint.runtime import (
    DeserializationError,
    Job,
    discard_on,
    polynomially_longer,
    rescue_from,
    retry_on,
)

from shop.errors import ServiceError
from shop.models import RecordNotFound

logger = logging.getLogger(__name__)


@retry_on(ConnectionError, wait=polynomially_longer, attempts=10)
@discard_on(DeserializationError, RecordNotFound)
class ApplicationJob(Job):
    """Every job subclasses this, so a policy written here holds for all of them.

    A network blip is worth retrying, with waits growing from seconds to hours. A record
    deleted after the job was enqueued leaves nothing to do. A job's own ``retry_on``,
    ``discard_on`` and ``rescue_from`` are searched before these.
    """

    @rescue_from(ServiceError)
    def report_service_error(self, error: ServiceError) -> None:
        """Log the job's context, then re-raise: the job fails and waits in
        ``joblint jobs failed`` for a person, rather than vanishing."""
        logger.error(
            "%s %s failed on attempt %d: %s",
            type(self).__name__,
            self.job_id,
            self.executions,
            error,
        )
        raise error
