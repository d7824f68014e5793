"""Welcome a new user."""

from joblint.runtime import discard_on

from shop import mailer
from shop.jobs.application_job import ApplicationJob
from shop.mailer import InvalidAddress
from shop.models import Token, User, utc_now


@discard_on(InvalidAddress)
class SendWelcomeEmailJob(ApplicationJob):
    """Welcome a new user and ask them to confirm their address.

    The confirmation token is looked up here rather than passed in: job arguments sit in
    the queue's tables in plain text.
    """

    queue_as = "mailers"

    def perform(self, user_id: int) -> None:
        user = User.get(user_id)
        if user.welcomed_at is not None:
            return
        token = Token.find_by(user_id=user.id, purpose="confirm_email")
        link = f"https://shop.example/confirm/{token.value}" if token else "https://shop.example/"
        mailer.deliver(
            to=user.email,
            subject="Welcome to the shop",
            body=f"Hello {user.name}, please confirm your address: {link}",
        )
        user.update(welcomed_at=utc_now())
