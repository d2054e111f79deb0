"""Invoices: `/v1/invoices` (shapes defined by this project; reads, the send and the delivery status)."""

from __future__ import annotations

import datetime as dt
from typing import TypeAlias

from ledgerbee_mcp.api.models.common import (
    DocumentCommon,
    DocumentType,
    Line,
    OpenDeliveryType,
    OpenInvoiceDeliveryState,
    OpenInvoiceStatus,
    Page,
    ResponseModel,
)

__all__ = ["Invoice", "InvoiceDeliveryStatus", "InvoiceList", "InvoiceListItem"]


class InvoiceListItem(DocumentCommon):
    """An invoice as lists show it (without lines)."""

    type: DocumentType = DocumentType.INVOICE
    """Always `invoice`."""
    status: OpenInvoiceStatus
    """Stored lifecycle status."""
    display_status: str
    """Status to display (kept as the server's string: the reference does not enumerate it for invoices)."""
    due_date: dt.date | None = None
    """Payment due date (a converted invoice: its date plus 14 days)."""


class Invoice(InvoiceListItem):
    """An invoice with its lines."""

    lines: list[Line]
    """Line items."""


InvoiceList: TypeAlias = Page[InvoiceListItem]


class InvoiceDeliveryStatus(ResponseModel):
    """Answer of `GET /v1/invoices/{id}/delivery-status`: how the invoice was last sent."""

    invoice_id: str
    """The invoice."""
    status: OpenInvoiceDeliveryState
    """`not_sent`, `sent_manually` or `emailed` (a value this client does not know is kept as a string)."""
    delivery_type: OpenDeliveryType | None = None
    """`deliveryType` of the last send; None until sent."""
    recipient_email: str | None = None
    """Who the last send e-mailed; None unless it was an `Email` send."""
    sent_at: dt.datetime | None = None
    """When it was last sent."""
