"""What the tools answer: compact, snake_case, and never an echo of what the agent sent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, WithJsonSchema

__all__ = [
    "ActionPreview",
    "ActionResult",
    "CustomerOut",
    "CustomerPage",
    "DocumentOut",
    "DocumentPage",
    "DocumentSummary",
    "InvoiceOut",
    "LineOut",
    "PdfOut",
    "ProductOut",
    "ProductPage",
    "Recipient",
    "WriteResult",
]

# Amounts, quantities and rates leave as decimal strings ("1250.00"), never floats; the schema says so.
DecimalString = Annotated[Decimal, WithJsonSchema({"type": "string"})]


class DocumentSummary(BaseModel):
    """One document in a list (no lines: get the document for those)."""

    id: str
    number: str | None = None
    status: str
    """Display status: draft, sent, accepted, rejected, expired or converted."""
    date: dt.date
    valid_until: dt.date | None = None
    sent_at: dt.datetime | None = None
    customer_id: str | None = None
    customer_name: str | None = None
    amount: DecimalString
    currency: str


class DocumentPage(BaseModel):
    items: list[DocumentSummary]
    page: int
    total: int
    total_pages: int
    next_page: int | None = None
    """Pass as `page` to read on; left out on the last page."""
    note: str | None = None
    """Where a filter was applied over a bounded scan: how far it went."""
    today: dt.date | None = None
    """The tenant's date today."""


class LineOut(BaseModel):
    description: str | None = None
    line_type: str | None = None
    quantity: DecimalString
    unit_price: DecimalString | None = None
    vat_rate: DecimalString | None = None
    total_price: DecimalString | None = None
    vat_amount: DecimalString | None = None


class DocumentOut(BaseModel):
    """A whole quote, order confirmation or invoice."""

    id: str
    type: Literal["quote", "order_confirmation", "invoice"]
    number: str | None = None
    status: str
    """Stored status."""
    display_status: str | None = None
    date: dt.date
    valid_until: dt.date | None = None
    due_date: dt.date | None = None
    customer_id: str | None = None
    currency: str
    subtotal: DecimalString
    vat: DecimalString
    amount: DecimalString
    reference: str | None = None
    our_reference: str | None = None
    notes: str | None = None
    source_document_id: str | None = None
    converted_to_document_id: str | None = None
    converted_to_invoice_id: str | None = None
    sent_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    lines: list[LineOut]


InvoiceOut = DocumentOut


class StoredLine(BaseModel):
    description: str | None = None
    line_type: str | None = None
    quantity: DecimalString
    unit_price: DecimalString
    vat_rate: DecimalString
    total_price: DecimalString
    price_id: str | None = None
    """The product price the line bills, as this server sent it (LedgerBee's answer does not show it)."""


class WriteResult(BaseModel):
    """What LedgerBee stored for a created or updated draft."""

    id: str
    number: str | None = None
    status: str
    date: dt.date
    valid_until: dt.date | None = None
    subtotal: DecimalString
    vat: DecimalString
    amount: DecimalString
    currency: str
    lines: list[StoredLine]
    next_step: str


class Recipient(BaseModel):
    email: str
    source: Literal["argument", "customer e-mail", "contact"]
    is_contact: bool
    """False when LedgerBee will create it as a new contact of the customer on send."""
    name: str | None = None
    """The contact's name, when the address belongs to a contact."""


class ActionPreview(BaseModel):
    """Exactly what a send or convert will do, shown before it happens."""

    document_number: str
    """The current number, or a note that one will be allocated."""
    status: str
    customer_id: str | None = None
    customer_name: str | None = None
    amount: DecimalString
    currency: str
    line_count: int
    delivery_type: str | None = None
    recipient: Recipient | None = None
    target: str | None = None
    warnings: list[str] = Field(default_factory=list[str])


class ActionResult(BaseModel):
    """The outcome of a send or convert call."""

    outcome: Literal["done", "confirmation_required", "declined", "not_done", "unknown"]
    message: str
    preview: ActionPreview | None = None
    confirmation_token: str | None = None
    """Only with `confirmation_required`: pass it back, unchanged, with the same arguments to go ahead."""
    token_expires_at: dt.datetime | None = None
    document_number: str | None = None
    status: str | None = None
    produced_document_type: str | None = None
    produced_document_id: str | None = None
    differences: list[str] | None = None
    """Where LedgerBee, after acting, shows something other than what the person approved."""


class ContactOut(BaseModel):
    id: str
    name: str | None = None
    email: str | None = None


class CustomerOut(BaseModel):
    id: str
    name: str
    email: str | None = None
    currency: str | None = None
    contacts: list[ContactOut] | None = None


class CustomerPage(BaseModel):
    items: list[CustomerOut]
    page: int
    total: int
    total_pages: int
    next_page: int | None = None


class PriceOut(BaseModel):
    price_id: str
    name: str | None = None
    unit_price: DecimalString
    currency: str | None = None
    vat_rate: DecimalString | None = None
    line_type: str | None = None
    status: str | None = None


class ProductOut(BaseModel):
    id: str
    name: str
    description: str | None = None
    prices: list[PriceOut]


class ProductPage(BaseModel):
    items: list[ProductOut]
    page: int
    total: int
    total_pages: int
    next_page: int | None = None


class PdfOut(BaseModel):
    uri: str
    """The resource URI; read it with resources/read."""
    size_bytes: int
    embedded: bool
    """True when the PDF travels in this result; false when it is only linked (too large)."""


class ActivityRow(BaseModel):
    """One send or conversion: from this server's audit, or seen only in LedgerBee."""

    at: dt.datetime
    """When: the audit's time of the outcome, or LedgerBee's sentAt for a send not in the audit."""
    action: str
    """send or convert."""
    outcome: str
    """done, "attempted, outcome not recorded", unknown, or (with include_refused) refused, declined,
    confirmation_required, not_done, cancelled; or "sent outside this server (...)" for a send LedgerBee shows and
    this server's audit does not."""
    document_type: str
    document_id: str
    number: str | None = None
    customer_id: str | None = None
    customer_name: str | None = None
    amount: DecimalString | None = None
    currency: str | None = None
    delivery_type: str | None = None
    """Manual or Email, as this server asked."""
    recipient: str | None = None
    """Who was e-mailed."""
    consent: str | None = None
    """How the person agreed: elicitation, approval page or token."""
    batch: str | None = None
    """Sent by send_documents: rows with the same batch were covered by one consent."""
    target: str | None = None
    """What a conversion produced: invoice or orderConfirmation."""
    produced_document_id: str | None = None
    sent_at: dt.datetime | None = None
    """LedgerBee's sentAt for the document now (its last send)."""
    differences: list[str] | None = None
    """Where LedgerBee, after the action, showed something other than what the person approved."""
    reason: str | None = None
    """Why it was refused, declined or left unknown."""


class ActivityPage(BaseModel):
    items: list[ActivityRow]
    """Newest first."""
    total: int
    """Rows found; `items` holds at most `limit` of them."""
    date_from: dt.date
    date_to: dt.date
    today: dt.date
    """The tenant's date today."""
    audit: Literal["on", "off"]
    skipped_lines: int = 0
    """Audit lines that could not be read."""
    note: str
    """What the answer rests on: the audit's span, lines skipped, how far LedgerBee's lists were scanned."""


class BatchRow(BaseModel):
    """One document a batch send will send (or would have sent), as the person was shown it."""

    document_id: str
    document_number: str
    """The current number, or a note that one will be allocated."""
    customer_name: str | None = None
    amount: DecimalString
    currency: str
    delivery_type: str
    recipient: Recipient | None = None
    warnings: list[str] = Field(default_factory=list[str])


class BatchItemResult(BaseModel):
    """What happened to one document of a batch send."""

    document_id: str
    outcome: Literal["done", "refused", "not_done", "unknown", "declined", "confirmation_required"]
    message: str
    """For refused: the reason and the next step; for done: the number and where it was e-mailed."""
    document_number: str | None = None
    differences: list[str] | None = None
    """Where LedgerBee, after sending, shows something other than what the person approved."""


class BatchResult(BaseModel):
    """The outcome of a batch send: one consent for the batch, one outcome per document."""

    outcome: Literal["confirmation_required", "declined", "done", "partly_done", "none_done"]
    message: str
    preview: list[BatchRow]
    """The documents that will be (or were to be) sent; those refused before sending are only in `results`."""
    totals: dict[str, DecimalString]
    """The total amount of the previewed documents, per currency."""
    confirmation_token: str | None = None
    """Only with `confirmation_required`: pass it back, unchanged, with the same arguments to go ahead."""
    token_expires_at: dt.datetime | None = None
    results: list[BatchItemResult]
    """One per requested document, in the order given."""
