"""Tips for getting started, a day after signup.

Deliberately misnamed (JOB101): `Welcome` is not a verb. `SendStarterTipsJob` would say
what the job does.
"""

from shop import mailer
from shop.jobs.application_job import ApplicationJob
from shop.models import User, utc_now


class WelcomeEmailJob(ApplicationJob):
    """Send a new user a few tips, once they have had a day to look around."""

    queue_as = "mailers"

    def perform(self, user_id: int) -> None:
        user = User.get(user_id)
        if user.tips_sent_at is not None:
            return
        mailer.deliver(
            to=user.email,
            subject="Three things to try in the shop",
            body=f"Hello {user.name}, here are a few tips for getting started.",
        )
        user.update(tips_sent_at=utc_now())
