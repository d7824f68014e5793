"""Bring a product's stock in line with the warehouse."""

from joblint.runtime import discard_on

from shop import inventory
from shop.inventory import UnknownSku
from shop.jobs.application_job import ApplicationJob
from shop.models import Product, utc_now


@discard_on(UnknownSku)
class SyncInventoryJob(ApplicationJob):
    """Copy the warehouse's stock level for one product, the warehouse being the source of
    truth. A product the warehouse does not stock cannot be synced, so that is dropped."""

    queue_as = "default"

    def perform(self, product_id: int) -> None:
        product = Product.get(product_id)
        level = inventory.stock_level(product.sku)
        if product.stock == level:
            return
        with product.lock():
            if product.stock == level:
                return
            product.update(stock=level, synced_at=utc_now())
