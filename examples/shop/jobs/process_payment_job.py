"""Charge an order once it is checked out."""

from datetime import timedelta

from joblint.runtime import discard_on, rescue_from, retry_on

from shop import payments
from shop.jobs.application_job import ApplicationJob
from shop.models import Order
from shop.payments import CardDeclined, InvalidRequestError, RateLimitError


@retry_on(RateLimitError, wait=timedelta(seconds=30), attempts=5)
@discard_on(InvalidRequestError)
class ProcessPaymentJob(ApplicationJob):
    """Charge a pending order exactly once, however often the job runs.

    The status checks stop a retry or a duplicate from charging again; the gateway's
    idempotency key covers a crash between the charge and the update.
    """

    queue_as = "critical"

    def perform(self, order_id: int) -> None:
        order = Order.get(order_id)
        if not order.awaiting_payment:
            return
        with order.lock():
            if not order.awaiting_payment:
                return
            payment_id = payments.charge(order.total_cents, idempotency_key=f"order-{order.id}")
            order.update(status="paid", payment_id=payment_id)

    @rescue_from(CardDeclined)
    def record_decline(self, error: CardDeclined) -> None:
        """A declined card stays declined: mark the order so the customer is asked for
        another card, instead of failing the job."""
        Order.get(self.arguments[0]).update(status="payment_failed")
