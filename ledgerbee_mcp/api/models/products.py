"""Products and their prices: `/v1/products`, `/v1/product-prices` (shapes defined by this project)."""

from __future__ import annotations

from typing import TypeAlias

from pydantic import Field

from ledgerbee_mcp.api.models.common import LineType, Money, OpenLineType, OpenPriceStatus, Page, ResponseModel, VatRate

__all__ = ["Price", "Product", "ProductList"]


class Price(ResponseModel):
    """A price of a product: what a line with this `price_id` bills by default."""

    id: str
    """Price identifier (the `price_id` of a line)."""
    product_id: str
    """The product this price belongs to."""
    name: str
    """Price name."""
    unit_price: Money
    """Unit price excluding VAT."""
    currency: str
    """Currency code."""
    vat_rate: VatRate
    """VAT rate in percent."""
    line_type: OpenLineType = LineType.PRODUCT
    """Line type a line with this price gets."""
    status: OpenPriceStatus
    """Only an `active` price can be put on a line."""


class Product(ResponseModel):
    """A product."""

    id: str
    """Product identifier."""
    name: str
    """Product name."""
    description: str | None = None
    """Product description."""
    prices: list[Price] = Field(default_factory=list[Price])
    """The product's prices."""


ProductList: TypeAlias = Page[Product]
