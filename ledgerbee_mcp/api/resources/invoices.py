"""`client.invoices`: `/v1/invoices` (list, get, PDF, send, delivery status; shapes defined by this project)."""

from __future__ import annotations

from ledgerbee_mcp.api._http import HttpCore
from ledgerbee_mcp.api.models.common import DeliveryType, InvoiceDisplayStatus, InvoiceSortBy, InvoiceStatus, Page
from ledgerbee_mcp.api.models.invoices import Invoice, InvoiceDeliveryStatus, InvoiceListItem
from ledgerbee_mcp.api.resources._sales_documents import DocumentResource

__all__ = ["InvoicesResource"]


class InvoicesResource(
    DocumentResource[Invoice, InvoiceListItem, InvoiceDisplayStatus | InvoiceStatus, InvoiceSortBy]
):
    """Invoices: what a conversion ultimately produces; sent like a quote.

    The list's `status` filter takes `InvoiceDisplayStatus` (or the same values as `InvoiceStatus`).
    """

    _path = "/v1/invoices"

    def __init__(self, core: HttpCore) -> None:
        super().__init__(
            core, path=self._path, doc_model=Invoice, page_model=Page[InvoiceListItem], noun="invoice", article="an"
        )

    async def get(self, invoice_id: str) -> Invoice:
        """The invoice with its lines."""
        return await self._get(invoice_id)

    async def pdf(self, invoice_id: str) -> bytes:
        """The invoice as PDF."""
        return await self._pdf(invoice_id)

    async def send(
        self,
        invoice_id: str,
        *,
        delivery_type: DeliveryType = DeliveryType.MANUAL,
        recipient_email: str | None = None,
    ) -> Invoice:
        """Send the invoice: allocates its number on the first send, e-mails it for `EMAIL`, marks it sent.

        Never retried: a failure after the request went out raises `OutcomeUnknown` (read the invoice, or its
        delivery status, to learn whether it was sent).
        """
        return await self._send(invoice_id, delivery_type=delivery_type, recipient_email=recipient_email)

    async def delivery_status(self, invoice_id: str) -> InvoiceDeliveryStatus:
        """How the invoice was last sent (`not_sent`, `sent_manually`, `emailed`), to whom and when."""
        return await self._core.get_model(
            self._item_path(invoice_id, "delivery-status", what="invoice id"),
            InvoiceDeliveryStatus,
            expected="the delivery status of an invoice",
        )
