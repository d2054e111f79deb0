"""`client.order_confirmations`: `/v1/order-confirmations`."""

from __future__ import annotations

from ledgerbee_mcp.api._http import HttpCore
from ledgerbee_mcp.api.models.common import (
    ConvertDocument,
    ConvertResult,
    DeliveryType,
    OrderConfirmationConvertTarget,
    OrderConfirmationDisplayStatus,
    OrderConfirmationSortBy,
    Page,
)
from ledgerbee_mcp.api.models.order_confirmations import (
    OrderConfirmation,
    OrderConfirmationCreate,
    OrderConfirmationListItem,
    OrderConfirmationUpdate,
)
from ledgerbee_mcp.api.resources._sales_documents import SalesDocumentResource

__all__ = ["OrderConfirmationsResource"]


class OrderConfirmationsResource(
    SalesDocumentResource[
        OrderConfirmation,
        OrderConfirmationListItem,
        OrderConfirmationCreate,
        OrderConfirmationUpdate,
        OrderConfirmationDisplayStatus,
        OrderConfirmationSortBy,
    ]
):
    """Order confirmations: confirmed orders that convert into an invoice."""

    def __init__(self, core: HttpCore) -> None:
        super().__init__(
            core,
            path="/v1/order-confirmations",
            doc_model=OrderConfirmation,
            page_model=Page[OrderConfirmationListItem],
            noun="order confirmation",
        )

    async def get(self, order_confirmation_id: str) -> OrderConfirmation:
        """The order confirmation with its lines."""
        return await self._get(order_confirmation_id)

    async def update(self, order_confirmation_id: str, body: OrderConfirmationUpdate) -> OrderConfirmation:
        """Replace the editable fields and lines wholesale (and optionally the stored status)."""
        return await self._update(order_confirmation_id, body)

    async def send(
        self,
        order_confirmation_id: str,
        *,
        delivery_type: DeliveryType = DeliveryType.MANUAL,
        recipient_email: str | None = None,
    ) -> OrderConfirmation:
        """Send the order confirmation (never retried; see `OutcomeUnknown`)."""
        return await self._send(order_confirmation_id, delivery_type=delivery_type, recipient_email=recipient_email)

    async def convert(
        self,
        order_confirmation_id: str,
        *,
        target: OrderConfirmationConvertTarget = OrderConfirmationConvertTarget.INVOICE,
        document: ConvertDocument | None = None,
    ) -> ConvertResult:
        """Convert a sent order confirmation into an invoice, once."""
        return await self._convert(order_confirmation_id, target, document)

    async def pdf(self, order_confirmation_id: str, *, draft: bool = False) -> bytes:
        """The order confirmation as PDF; `draft=True` renders the watermarked preview."""
        return await self._pdf(order_confirmation_id, draft=draft)
