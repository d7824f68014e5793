"""Seed a few records and enqueue a morning's worth of jobs: ``python -m shop`` with
``examples`` on ``PYTHONPATH``. Workers started with ``joblint jobs start`` then run them.

Two customers check out: Ada's card goes through, and Bob's order is over the fake
gateway's limit, so his card is declined and ``ProcessPaymentJob.record_decline`` marks the
order ``payment_failed`` instead of failing the job. Records go to ``SHOP_DATABASE`` and
jobs to ``JOBLINT_DATABASE``.
"""

from datetime import datetime, timedelta, timezone

from shop.models import Product
from shop.services import checkout, reports, signup


def main() -> None:
    mug = Product.create(sku="MUG-01", name="Mug", price_cents=1200)
    ada = signup.sign_up("ada@example.com", "Ada")
    paid = checkout.check_out(checkout.add_to_cart(ada.id, mug.id, quantity=2).id)
    bob = signup.sign_up("bob@example.com", "Bob")
    declined = checkout.check_out(checkout.add_to_cart(bob.id, mug.id, quantity=100).id)
    today = datetime.now(timezone.utc).date()
    reports.request_report(ada.id, today - timedelta(days=7), today)
    reports.request_export(ada.id, today - timedelta(days=90), today)
    print(
        f"Seeded users {ada.id} and {bob.id}, orders {paid.id} and {declined.id}; enqueued"
        " 10 jobs to run now and 2 for tomorrow (`joblint jobs status` lists them)."
    )


if __name__ == "__main__":
    main()
