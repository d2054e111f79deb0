"""Document PDFs: fetched through the client, addressed by `ledgerbee://` URIs built from the kinds table."""

from __future__ import annotations

from ledgerbee_mcp.server.kinds import KINDS, KindName
from ledgerbee_mcp.server.runtime import Runtime

__all__ = ["PdfKind", "fetch_pdf", "pdf_uri"]

PdfKind = KindName


def pdf_uri(kind: PdfKind, document_id: str, *, draft: bool) -> str:
    segment = KINDS[kind].segment
    return f"ledgerbee://{segment}/{document_id}/{'draft.pdf' if draft and KINDS[kind].has_draft_pdf else 'pdf'}"


async def fetch_pdf(rt: Runtime, kind: PdfKind, document_id: str, *, draft: bool) -> bytes:
    """The PDF; LedgerBee's errors pass through, for the tool or the resource to report in its own terms."""
    table = KINDS[kind]
    if table.has_draft_pdf:
        return await table.pdf(rt.client)(document_id, draft=draft)
    # No draft switch in the API for this kind: one that is still a draft renders watermarked anyway.
    return await table.pdf(rt.client)(document_id)
