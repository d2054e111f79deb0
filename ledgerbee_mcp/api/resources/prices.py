"""`client.prices`: `/v1/product-prices`."""

from __future__ import annotations

from ledgerbee_mcp.api.models.products import Price
from ledgerbee_mcp.api.resources._base import Resource

__all__ = ["PricesResource"]


class PricesResource(Resource):
    """Product prices (read-only)."""

    _path = "/v1/product-prices"

    async def get(self, price_id: str) -> Price:
        """One price (only an `active` one can be put on a line)."""
        return await self._core.get_model(self._item_path(price_id, what="price id"), Price, expected="a price")
