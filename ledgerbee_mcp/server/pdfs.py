"""Document PDFs: fetched through the client, addressed by `ledgerbee://` URIs."""

from __future__ import annotations

from typing import Literal

from ledgerbee_mcp.server.runtime import Runtime

__all__ = ["PdfKind", "fetch_pdf", "pdf_uri"]

PdfKind = Literal["quote", "order_confirmation", "invoice"]

SEGMENT: dict[PdfKind, str] = {
    "quote": "quotes",
    "order_confirmation": "order-confirmations",
    "invoice": "invoices",
}


def pdf_uri(kind: PdfKind, document_id: str, *, draft: bool) -> str:
    return f"ledgerbee://{SEGMENT[kind]}/{document_id}/{'draft.pdf' if draft else 'pdf'}"


async def fetch_pdf(rt: Runtime, kind: PdfKind, document_id: str, *, draft: bool) -> bytes:
    """The PDF; LedgerBee's errors pass through, for the tool or the resource to report in its own terms."""
    if kind == "quote":
        return await rt.client.quotes.pdf(document_id, draft=draft)
    if kind == "order_confirmation":
        return await rt.client.order_confirmations.pdf(document_id, draft=draft)
    # Invoices have no draft switch in the API: an invoice that is still a draft renders watermarked.
    return await rt.client.invoices.pdf(document_id)
