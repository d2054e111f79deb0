"""`client.quotes`: `/v1/quotes`."""

from __future__ import annotations

from ledgerbee_mcp.api._http import HttpCore
from ledgerbee_mcp.api.models.common import (
    ConvertDocument,
    ConvertResult,
    DeliveryType,
    Page,
    QuoteConvertTarget,
    QuoteDisplayStatus,
    QuoteSortBy,
)
from ledgerbee_mcp.api.models.quotes import Quote, QuoteCreate, QuoteListItem, QuoteUpdate
from ledgerbee_mcp.api.resources._sales_documents import SalesDocumentResource

__all__ = ["QuotesResource"]


class QuotesResource(
    SalesDocumentResource[Quote, QuoteListItem, QuoteCreate, QuoteUpdate, QuoteDisplayStatus, QuoteSortBy]
):
    """Quotes: price offers that convert into an order confirmation or an invoice."""

    def __init__(self, core: HttpCore) -> None:
        super().__init__(core, path="/v1/quotes", doc_model=Quote, page_model=Page[QuoteListItem], noun="quote")

    async def get(self, quote_id: str) -> Quote:
        """The quote with its lines."""
        return await self._get(quote_id)

    async def update(self, quote_id: str, body: QuoteUpdate) -> Quote:
        """Replace the editable fields and lines wholesale (also how `valid_until` changes)."""
        return await self._update(quote_id, body)

    async def send(
        self,
        quote_id: str,
        *,
        delivery_type: DeliveryType = DeliveryType.MANUAL,
        recipient_email: str | None = None,
    ) -> Quote:
        """Send the quote (never retried; see `OutcomeUnknown`)."""
        return await self._send(quote_id, delivery_type=delivery_type, recipient_email=recipient_email)

    async def convert(
        self, quote_id: str, *, target: QuoteConvertTarget, document: ConvertDocument | None = None
    ) -> ConvertResult:
        """Convert a sent (or accepted) quote into an order confirmation or an invoice, once."""
        return await self._convert(quote_id, target, document)

    async def pdf(self, quote_id: str, *, draft: bool = False) -> bytes:
        """The quote as PDF; `draft=True` renders the watermarked preview."""
        return await self._pdf(quote_id, draft=draft)
