"""Order confirmations: `/v1/order-confirmations`."""

from __future__ import annotations

from typing import TypeAlias

from ledgerbee_mcp.api.models.common import (
    DocumentCommon,
    DocumentInputCommon,
    Line,
    OpenOrderConfirmationDisplayStatus,
    OpenOrderConfirmationStatus,
    OrderConfirmationStatus,
    Page,
)

__all__ = [
    "OrderConfirmation",
    "OrderConfirmationCreate",
    "OrderConfirmationList",
    "OrderConfirmationListItem",
    "OrderConfirmationUpdate",
]


class OrderConfirmationListItem(DocumentCommon):
    """An order confirmation as lists show it (without lines)."""

    status: OpenOrderConfirmationStatus
    """Stored lifecycle status."""
    display_status: OpenOrderConfirmationDisplayStatus
    """Status to display: `status`, or the derived `converted`."""
    converted_to_invoice_id: str | None = None
    """The invoice this order confirmation was converted into."""


class OrderConfirmation(OrderConfirmationListItem):
    """An order confirmation with its lines."""

    lines: list[Line]
    """Line items."""


OrderConfirmationList: TypeAlias = Page[OrderConfirmationListItem]


class OrderConfirmationCreate(DocumentInputCommon):
    """Body of `POST /v1/order-confirmations`: creates a draft (its number is allocated on send)."""


class OrderConfirmationUpdate(DocumentInputCommon):
    """Body of `PATCH /v1/order-confirmations/{id}`: the full intended set of editable fields and lines."""

    status: OrderConfirmationStatus | None = None
    """New stored status (draft/sent)."""
