"""Quotes: `/v1/quotes`."""

from __future__ import annotations

import datetime as dt
from typing import TypeAlias

from ledgerbee_mcp.api.models.common import (
    DocumentCommon,
    DocumentInputCommon,
    DocumentType,
    Line,
    OpenQuoteDisplayStatus,
    OpenQuoteStatus,
    Page,
)

__all__ = ["Quote", "QuoteCreate", "QuoteList", "QuoteListItem", "QuoteUpdate"]


class QuoteListItem(DocumentCommon):
    """A quote as lists show it (without lines; get the quote for those)."""

    type: DocumentType = DocumentType.QUOTE
    """Always `quote`."""
    status: OpenQuoteStatus
    """Stored lifecycle status."""
    display_status: OpenQuoteDisplayStatus
    """Status to display: `status`, or the derived `converted` / `expired`."""
    valid_until: dt.date | None = None
    """Last day the offer is valid."""
    converted_to_document_id: str | None = None
    """The order confirmation this quote was converted into."""
    converted_to_invoice_id: str | None = None
    """The invoice this quote was converted into."""


class Quote(QuoteListItem):
    """A quote with its lines."""

    lines: list[Line]
    """Line items."""


QuoteList: TypeAlias = Page[QuoteListItem]


class QuoteCreate(DocumentInputCommon):
    """Body of `POST /v1/quotes`: creates a draft (its number is allocated on send)."""

    valid_until: dt.date | None = None
    """Last day the offer is valid."""


class QuoteUpdate(DocumentInputCommon):
    """Body of `PATCH /v1/quotes/{id}`: the full intended set of editable fields and lines."""

    valid_until: dt.date | None = None
    """Last day the offer is valid."""
