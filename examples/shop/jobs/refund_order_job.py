"""Pay back a returned order.

Deliberately holds a second job (JOB103, and JOB102 for it): `RestockOrderJob` belongs in
its own module, `restock_order_job.py`.
"""

from datetime import timedelta

from joblint.runtime import retry_on

from shop import inventory, payments
from shop.jobs.application_job import ApplicationJob
from shop.models import Order, Product
from shop.payments import RateLimitError


@retry_on(RateLimitError, wait=timedelta(seconds=30), attempts=5)
class RefundOrderJob(ApplicationJob):
    """Refund a returned order once; the idempotency key covers a crash mid-way."""

    queue_as = "critical"

    def perform(self, order_id: int) -> None:
        order = Order.get(order_id)
        if order.status != "refund_requested":
            return
        with order.lock():
            if order.status != "refund_requested":
                return
            payments.refund(
                order.payment_id, order.total_cents, idempotency_key=f"refund-{order.id}"
            )
            order.update(status="refunded")


class RestockOrderJob(ApplicationJob):
    """Put a returned order's items back on sale and into the warehouse."""

    queue_as = "default"

    def perform(self, order_id: int) -> None:
        order = Order.get(order_id)
        if order.restocked:
            return
        with order.lock():
            if order.restocked:
                return
            product = Product.get(order.product_id)
            inventory.return_items(product.sku, order.quantity)
            product.update(stock=product.stock + order.quantity)
            order.update(restocked=True)
