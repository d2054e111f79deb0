"""`client.customers`: `/v1/customers`."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ledgerbee_mcp.api.models.common import Page
from ledgerbee_mcp.api.models.customers import Contact, Customer, DataEnvelope
from ledgerbee_mcp.api.resources._base import Resource, check_page, iterate_pages, query

__all__ = ["CustomersResource"]


class CustomersResource(Resource):
    """Customers and their contacts (read-only)."""

    _path = "/v1/customers"

    async def list(self, *, search: str | None = None, page: int = 1, limit: int = 25) -> Page[Customer]:
        """One page of customers; `search` matches name or e-mail, case-insensitively."""
        check_page(page, limit)
        return await self._core.get_model(
            self._path,
            Page[Customer],
            expected="a page of customers",
            params=query(search=search, page=page, limit=limit),
        )

    def iter(
        self, *, search: str | None = None, page_size: int = 100, max_items: int = 1000
    ) -> AsyncIterator[Customer]:
        """Every matching customer, page by page, at most `max_items`."""

        async def fetch(page: int, limit: int) -> Page[Customer]:
            return await self.list(search=search, page=page, limit=limit)

        return iterate_pages(fetch, page_size=page_size, max_items=max_items)

    async def get(self, customer_id: str) -> Customer:
        """One customer."""
        return await self._core.get_model(
            self._item_path(customer_id, what="customer id"), Customer, expected="a customer"
        )

    async def contacts(self, customer_id: str) -> list[Contact]:
        """The customer's contacts."""
        envelope = await self._core.get_model(
            self._item_path(customer_id, "contacts", what="customer id"),
            DataEnvelope[Contact],
            expected="a list of contacts {data: [...]}",
        )
        return envelope.data
