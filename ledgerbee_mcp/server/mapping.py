"""From API models to the compact tool outputs."""

from __future__ import annotations

from typing import Literal

from ledgerbee_mcp.api import (
    DocumentInputCommon,
    Invoice,
    InvoiceListItem,
    Line,
    OrderConfirmation,
    OrderConfirmationListItem,
    Page,
    Quote,
    QuoteListItem,
)
from ledgerbee_mcp.server.outputs import DocumentOut, DocumentPage, DocumentSummary, LineOut, StoredLine, WriteResult

__all__ = ["document_out", "page_out", "write_result"]

AnyDocument = Quote | OrderConfirmation | Invoice
AnyListItem = QuoteListItem | OrderConfirmationListItem | InvoiceListItem


def _type_of(doc: AnyDocument) -> Literal["quote", "order_confirmation", "invoice"]:
    if isinstance(doc, Quote):
        return "quote"
    if isinstance(doc, OrderConfirmation):
        return "order_confirmation"
    return "invoice"


def _line(line: Line) -> LineOut:
    return LineOut(
        description=line.description,
        line_type=str(line.line_type),
        quantity=line.quantity,
        unit_price=line.unit_price,
        vat_rate=line.vat_rate,
        total_price=line.total_price,
        vat_amount=line.vat_amount,
    )


def summary(item: AnyListItem, customer_name: str | None = None) -> DocumentSummary:
    return DocumentSummary(
        id=item.id,
        number=item.document_number,
        status=str(item.display_status),
        date=item.date,
        valid_until=item.valid_until if isinstance(item, QuoteListItem) else None,
        sent_at=item.sent_at,
        customer_id=item.customer_id,
        customer_name=customer_name,
        amount=item.amount,
        currency=item.currency,
    )


def page_out(page: Page[QuoteListItem] | Page[OrderConfirmationListItem] | Page[InvoiceListItem]) -> DocumentPage:
    items: list[AnyListItem] = list(page.data)
    return DocumentPage(
        items=[summary(i) for i in items],
        page=page.page,
        total=page.total,
        total_pages=page.total_pages,
        next_page=page.page + 1 if page.page < page.total_pages else None,
    )


def document_out(doc: AnyDocument) -> DocumentOut:
    return DocumentOut(
        id=doc.id,
        type=_type_of(doc),
        number=doc.document_number,
        status=str(doc.status),
        display_status=str(doc.display_status),
        date=doc.date,
        valid_until=doc.valid_until if isinstance(doc, Quote) else None,
        due_date=doc.due_date if isinstance(doc, Invoice) else None,
        customer_id=doc.customer_id,
        currency=doc.currency,
        subtotal=doc.subtotal,
        vat=doc.vat,
        amount=doc.amount,
        reference=doc.reference,
        our_reference=doc.our_reference,
        notes=doc.notes,
        source_document_id=doc.source_document_id,
        converted_to_document_id=doc.converted_to_document_id if isinstance(doc, Quote) else None,
        converted_to_invoice_id=None if isinstance(doc, Invoice) else doc.converted_to_invoice_id,
        sent_at=doc.sent_at,
        updated_at=doc.updated_at,
        lines=[_line(ln) for ln in doc.lines],
    )


def write_result(
    doc: Quote | OrderConfirmation, next_step: str, body: DocumentInputCommon | None = None
) -> WriteResult:
    """What was stored; each line's price link comes from the body this server sent (lines keep their order)."""
    sent = list(body.lines) if body is not None and len(body.lines) == len(doc.lines) else []
    return WriteResult(
        id=doc.id,
        number=doc.document_number,
        status=str(doc.display_status),
        date=doc.date,
        valid_until=doc.valid_until if isinstance(doc, Quote) else None,
        subtotal=doc.subtotal,
        vat=doc.vat,
        amount=doc.amount,
        currency=doc.currency,
        lines=[
            StoredLine(
                description=line.description,
                line_type=str(line.line_type),
                quantity=line.quantity,
                unit_price=line.unit_price,
                vat_rate=line.vat_rate,
                total_price=line.total_price,
                price_id=sent[i].price_id if sent else None,
            )
            for i, line in enumerate(doc.lines)
        ],
        next_step=next_step,
    )
