"""A fake payment gateway: deterministic, no network.

Like a real gateway it takes an idempotency key, so a charge retried after a crash (the
charge went through, the job died before recording it) returns the first payment instead
of charging twice.
"""

import hashlib

from shop.errors import ServiceError

DECLINE_ABOVE_CENTS = 100_000


class PaymentError(ServiceError):
    """The gateway refused the request."""


class RateLimitError(PaymentError):
    """Too many requests: the same request succeeds a little later."""


class InvalidRequestError(PaymentError):
    """A request that can never succeed, such as a zero amount."""


class CardDeclined(PaymentError):
    """The card was refused; retrying will not change the bank's mind."""


def charge(amount_cents: int, idempotency_key: str) -> str:
    """Charge the customer's card and return the payment id."""
    if amount_cents <= 0:
        raise InvalidRequestError(f"cannot charge {amount_cents} cents")
    if amount_cents > DECLINE_ABOVE_CENTS:
        raise CardDeclined(f"charge of {amount_cents} cents declined")
    return "pay_" + _digest(idempotency_key)


def refund(payment_id: str, amount_cents: int, idempotency_key: str) -> str:
    """Refund (part of) a payment and return the refund id."""
    if not payment_id.startswith("pay_") or amount_cents <= 0:
        raise InvalidRequestError(f"cannot refund {amount_cents} cents of {payment_id!r}")
    return "re_" + _digest(idempotency_key)


def _digest(idempotency_key: str) -> str:
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]
