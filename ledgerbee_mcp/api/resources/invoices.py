"""`client.invoices`: `/v1/invoices` (read-only here)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ledgerbee_mcp.api.models.common import InvoiceStatus, Page
from ledgerbee_mcp.api.models.invoices import Invoice, InvoiceListItem
from ledgerbee_mcp.api.resources._base import Resource, check_page, iterate_pages, query

__all__ = ["InvoicesResource"]


class InvoicesResource(Resource):
    """Invoices: what a conversion ultimately produces."""

    _path = "/v1/invoices"

    async def list(
        self,
        *,
        status: InvoiceStatus | None = None,
        customer_id: str | None = None,
        page: int = 1,
        limit: int = 25,
    ) -> Page[InvoiceListItem]:
        """One page of invoices (without lines)."""
        check_page(page, limit)
        params = query(status=status, customerId=customer_id, page=page, limit=limit)
        return await self._core.get_model(
            self._path, Page[InvoiceListItem], expected="a page of invoices", params=params
        )

    def iter(
        self,
        *,
        status: InvoiceStatus | None = None,
        customer_id: str | None = None,
        page_size: int = 100,
        max_items: int = 1000,
    ) -> AsyncIterator[InvoiceListItem]:
        """Every matching invoice, page by page, at most `max_items`."""

        async def fetch(page: int, limit: int) -> Page[InvoiceListItem]:
            return await self.list(status=status, customer_id=customer_id, page=page, limit=limit)

        return iterate_pages(fetch, page_size=page_size, max_items=max_items)

    async def get(self, invoice_id: str) -> Invoice:
        """The invoice with its lines."""
        return await self._core.get_model(
            self._item_path(invoice_id, what="invoice id"), Invoice, expected="an invoice"
        )

    async def pdf(self, invoice_id: str) -> bytes:
        """The invoice as PDF."""
        return await self._core.get_pdf(self._item_path(invoice_id, "pdf", what="invoice id"))
