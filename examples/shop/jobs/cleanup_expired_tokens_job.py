"""Delete expired tokens, run from config/recurring.yml."""

from shop.jobs.application_job import ApplicationJob
from shop.models import Token, utc_now


class CleanupExpiredTokensJob(ApplicationJob):
    """Delete confirmation tokens past their expiry, so old links stop working for good."""

    queue_as = "low"

    def perform(self) -> None:
        now = utc_now()
        if not Token.expired(as_of=now):
            return
        Token.delete_expired(as_of=now)
