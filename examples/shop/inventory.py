"""A fake warehouse API, the source of truth for stock: deterministic, no network."""

from shop.errors import ServiceError

_STOCK: dict[str, int] = {"MUG-01": 120, "TEE-M": 40, "CAP-01": 0}


class InventoryError(ServiceError):
    """The warehouse refused the request."""


class UnknownSku(InventoryError):
    """The warehouse does not stock this product; asking again will not help."""


def stock_level(sku: str) -> int:
    if sku not in _STOCK:
        raise UnknownSku(sku)
    return _STOCK[sku]


def return_items(sku: str, quantity: int) -> None:
    """Book returned items back into the warehouse."""
    if sku not in _STOCK:
        raise UnknownSku(sku)
    _STOCK[sku] += quantity
