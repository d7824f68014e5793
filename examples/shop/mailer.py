"""A fake mail service: messages land in ``outbox`` instead of going out."""

from dataclasses import dataclass

from shop.errors import ServiceError


class MailerError(ServiceError):
    """The mail service refused a message."""


class InvalidAddress(MailerError):
    """An address no retry will make deliverable."""


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


outbox: list[Message] = []


def deliver(to: str, subject: str, body: str) -> Message:
    if "@" not in to:
        raise InvalidAddress(f"cannot deliver to {to!r}")
    message = Message(to=to, subject=subject, body=body)
    outbox.append(message)
    return message
