"""PDF rendering of a document: a snapshot gathered under the database lock, drawn outside it.

`ledgerbee_mcp.sandbox.pdf` (fpdf2) is imported only when a PDF is actually drawn, so importing the sandbox
stays cheap for the MCP server's cold start.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from ledgerbee_mcp.sandbox import catalog
from ledgerbee_mcp.sandbox.store import DocumentRecord, LineRecord

__all__ = ["PdfSource", "pdf_source", "render"]


@dataclass(frozen=True)
class PdfSource:
    doc: DocumentRecord
    lines: tuple[LineRecord, ...]
    company: catalog.Company
    customer: catalog.Customer | None
    contact_name: str | None
    source_number: str | None


def pdf_source(conn: sqlite3.Connection, doc: DocumentRecord, lines: Sequence[LineRecord]) -> PdfSource:
    contact = (
        None if doc.customer_contact_id is None else catalog.get_contact(conn, doc.tenant_id, doc.customer_contact_id)
    )
    source_number: str | None = None
    if doc.source_document_id is not None:
        row = conn.execute(
            "SELECT document_number FROM documents WHERE id = ?", (doc.source_document_id,)
        ).fetchone()
        source_number = None if row is None else row[0]
    return PdfSource(
        doc=doc,
        lines=tuple(lines),
        company=catalog.get_company(conn, doc.tenant_id),
        customer=catalog.get_customer(conn, doc.tenant_id, doc.customer_id),
        contact_name=None if contact is None else contact.name,
        source_number=source_number,
    )


def render(source: PdfSource, *, draft: bool) -> bytes:
    """Draw the PDF; a document still in draft is always watermarked."""
    # Deferred: fpdf2 is heavy to import and most requests never draw a PDF.
    from ledgerbee_mcp.sandbox import pdf

    doc = source.doc
    company = source.company
    customer = source.customer
    return pdf.render_pdf(
        pdf.PdfDocument(
            kind=doc.kind,
            number=doc.document_number,
            date=dt.date.fromisoformat(doc.date),
            currency=doc.currency,
            company=pdf.PdfParty(
                name=company.name,
                address_lines=(company.street, f"{company.postal_code} {company.city}", company.country),
                email=company.email,
                vat_number=company.vat_number,
            ),
            customer=pdf.PdfParty(name=doc.customer_id)
            if customer is None
            else pdf.PdfParty(
                name=customer.name,
                address_lines=(customer.street, f"{customer.postal_code} {customer.city}", customer.country),
                email=customer.email,
                vat_number=customer.vat_number,
            ),
            lines=tuple(
                pdf.PdfLine(
                    description=line.description,
                    line_type=line.line_type,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    vat_rate=line.vat_rate,
                    total_price=line.total_price,
                )
                for line in source.lines
            ),
            subtotal=doc.subtotal,
            vat=doc.vat,
            amount=doc.amount,
            valid_until=None if doc.valid_until is None else dt.date.fromisoformat(doc.valid_until),
            due_date=None if doc.due_date is None else dt.date.fromisoformat(doc.due_date),
            reference=doc.reference,
            our_reference=doc.our_reference,
            contact_name=source.contact_name,
            notes=doc.notes,
            source_number=source.source_number,
        ),
        draft=draft or doc.status == "draft",
    )
