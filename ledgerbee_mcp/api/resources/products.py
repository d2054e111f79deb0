"""`client.products`: `/v1/products`."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ledgerbee_mcp.api.models.common import Page
from ledgerbee_mcp.api.models.products import Product
from ledgerbee_mcp.api.resources._base import Resource, check_page, iterate_pages, query

__all__ = ["ProductsResource"]


class ProductsResource(Resource):
    """Products with their prices (read-only)."""

    _path = "/v1/products"

    async def list(self, *, search: str | None = None, page: int = 1, limit: int = 25) -> Page[Product]:
        """One page of products."""
        check_page(page, limit)
        return await self._core.get_model(
            self._path,
            Page[Product],
            expected="a page of products",
            params=query(search=search, page=page, limit=limit),
        )

    def iter(self, *, search: str | None = None, page_size: int = 100, max_items: int = 1000) -> AsyncIterator[Product]:
        """Every matching product, page by page, at most `max_items`."""

        async def fetch(page: int, limit: int) -> Page[Product]:
            return await self.list(search=search, page=page, limit=limit)

        return iterate_pages(fetch, page_size=page_size, max_items=max_items)
