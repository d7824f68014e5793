"""New accounts."""

import secrets
from datetime import datetime, timedelta, timezone

from shop.jobs.users.send_welcome_email_job import SendWelcomeEmailJob
from shop.jobs.welcome_email_job import WelcomeEmailJob
from shop.models import Token, User, db

CONFIRMATION_LIFETIME = timedelta(days=2)


def sign_up(email: str, name: str) -> User:
    """Create the user and their confirmation token together, then welcome them: now, and
    with tips a day later."""
    expires_at = datetime.now(timezone.utc) + CONFIRMATION_LIFETIME
    with db.transaction():
        user = User.create(email=email, name=name)
        Token.create(
            user_id=user.id,
            purpose="confirm_email",
            value=secrets.token_urlsafe(32),
            expires_at=expires_at.isoformat(timespec="seconds"),
        )
    SendWelcomeEmailJob.perform_later(user.id)
    WelcomeEmailJob.set(wait=timedelta(days=1)).perform_later(user.id)
    return user
