"""Invoices (read-only here): `/v1/invoices` (shapes defined by this project)."""

from __future__ import annotations

import datetime as dt
from typing import TypeAlias

from ledgerbee_mcp.api.models.common import DocumentCommon, DocumentType, Line, OpenInvoiceStatus, Page

__all__ = ["Invoice", "InvoiceList", "InvoiceListItem"]


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
