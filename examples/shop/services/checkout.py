"""Carts, checkout, shipping and returns.

Each function changes records inside one transaction and enqueues after it commits, so
a worker never picks up a job whose order it cannot see yet.
"""

from shop.jobs.notify_shipping import NotifyShippingJob
from shop.jobs.process_payment_job import ProcessPaymentJob
from shop.jobs.refund_order_job import RefundOrderJob, RestockOrderJob
from shop.jobs.sync_inventory_job import SyncInventoryJob
from shop.models import Order, Product, db
from shop.services.audit import RecordAuditJob


class CheckoutError(Exception):
    """An order is not in a state that allows the step asked for."""


def add_to_cart(user_id: int, product_id: int, quantity: int) -> Order:
    product = Product.get(product_id)
    return Order.create(
        user_id=user_id,
        product_id=product.id,
        quantity=quantity,
        total_cents=product.price_cents * quantity,
    )


def check_out(cart_id: int) -> Order:
    """Turn a cart into an order awaiting payment, then charge it in the background."""
    with db.transaction():
        order = Order.get(cart_id)
        if order.status != "cart":
            raise CheckoutError(f"order {order.id} is already checked out")
        order.update(status="pending")
    ProcessPaymentJob.perform_later(order.id)
    SyncInventoryJob.perform_later(order.product_id)
    RecordAuditJob.perform_later(order.id, "checked_out")
    return order


def ship(order_id: int) -> None:
    with db.transaction():
        order = Order.get(order_id)
        if order.status != "paid":
            raise CheckoutError(f"order {order.id} is {order.status}, not paid")
        order.update(status="shipped")
    NotifyShippingJob.perform_later(order.id)
    RecordAuditJob.perform_later(order.id, "shipped")


def request_refund(order_id: int) -> None:
    """The goods came back: pay the money back and put them on sale again, as two jobs
    because neither needs the other."""
    with db.transaction():
        order = Order.get(order_id)
        if order.status not in ("paid", "shipped"):
            raise CheckoutError(f"order {order.id} is {order.status}; nothing to refund")
        order.update(status="refund_requested")
    RefundOrderJob.perform_later(order.id)
    RestockOrderJob.perform_later(order.id)
    RecordAuditJob.perform_later(order.id, "refund_requested")
