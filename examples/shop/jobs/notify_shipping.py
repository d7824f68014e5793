"""Tell a customer their order has shipped.

Deliberately in the wrong module (JOB102): `NotifyShippingJob` belongs in
`notify_shipping_job.py`, where the runtime and a reader would look for it.
"""

from shop import mailer
from shop.jobs.application_job import ApplicationJob
from shop.models import Order, User, utc_now


class NotifyShippingJob(ApplicationJob):
    """Email the customer once, when their order leaves the warehouse."""

    queue_as = "mailers"

    def perform(self, order_id: int) -> None:
        order = Order.get(order_id)
        if order.shipping_notified_at is not None:
            return
        user = User.get(order.user_id)
        mailer.deliver(
            to=user.email,
            subject=f"Order #{order.id} is on its way",
            body=f"Hello {user.name}, your order has shipped.",
        )
        order.update(shipping_notified_at=utc_now())
