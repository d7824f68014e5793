"""Seed a few records and enqueue a morning's worth of jobs: ``python -m shop`` with
``examples`` on ``PYTHONPATH``. Workers started with ``joblint jobs start`` then run them."""

from datetime import datetime, timedelta, timezone

from shop.models import Product
from shop.services import checkout, reports, signup


def main() -> None:
    mug = Product.create(sku="MUG-01", name="Mug", price_cents=1200)
    user = signup.sign_up("ada@example.com", "Ada")
    cart = checkout.add_to_cart(user.id, mug.id, quantity=2)
    checkout.check_out(cart.id)
    today = datetime.now(timezone.utc).date()
    reports.request_report(user.id, today - timedelta(days=7), today)
    reports.request_export(user.id, today - timedelta(days=90), today)
    print(f"Enqueued jobs for user {user.id} and order {cart.id}.")


if __name__ == "__main__":
    main()
