"""PDF resource templates, and completions that offer recent document ids for them."""

from __future__ import annotations

from mcp.server import MCPServer
from mcp_types import Completion, CompletionArgument, CompletionContext, PromptReference, ResourceTemplateReference

from ledgerbee_mcp.api import LedgerBeeError
from ledgerbee_mcp.server.crashes import resource_errors
from ledgerbee_mcp.server.pdfs import PdfKind, fetch_pdf, pdf_uri
from ledgerbee_mcp.server.runtime import Runtime

__all__ = ["register_resources"]

_ARG_KIND: dict[str, PdfKind] = {
    "quote_id": "quote",
    "order_confirmation_id": "order_confirmation",
    "invoice_id": "invoice",
}


def register_resources(server: MCPServer, rt: Runtime) -> None:
    @server.resource(
        "ledgerbee://quotes/{quote_id}/pdf",
        name="quote_pdf",
        title="Quote PDF",
        description="The quote as LedgerBee renders it (watermarked while it is a draft).",
        mime_type="application/pdf",
    )
    async def quote_pdf(quote_id: str) -> bytes:
        return await _read(rt, "quote", quote_id, draft=False)

    @server.resource(
        "ledgerbee://quotes/{quote_id}/draft.pdf",
        name="quote_draft_pdf",
        title="Quote draft preview PDF",
        description="A watermarked DRAFT preview of the quote, for review before sending.",
        mime_type="application/pdf",
    )
    async def quote_draft_pdf(quote_id: str) -> bytes:
        return await _read(rt, "quote", quote_id, draft=True)

    @server.resource(
        "ledgerbee://order-confirmations/{order_confirmation_id}/pdf",
        name="order_confirmation_pdf",
        title="Order confirmation PDF",
        description="The order confirmation as LedgerBee renders it (watermarked while it is a draft).",
        mime_type="application/pdf",
    )
    async def order_confirmation_pdf(order_confirmation_id: str) -> bytes:
        return await _read(rt, "order_confirmation", order_confirmation_id, draft=False)

    @server.resource(
        "ledgerbee://order-confirmations/{order_confirmation_id}/draft.pdf",
        name="order_confirmation_draft_pdf",
        title="Order confirmation draft preview PDF",
        description="A watermarked DRAFT preview of the order confirmation, for review before sending.",
        mime_type="application/pdf",
    )
    async def order_confirmation_draft_pdf(order_confirmation_id: str) -> bytes:
        return await _read(rt, "order_confirmation", order_confirmation_id, draft=True)

    @server.resource(
        "ledgerbee://invoices/{invoice_id}/pdf",
        name="invoice_pdf",
        title="Invoice PDF",
        description="The invoice as LedgerBee renders it (watermarked while it is a draft).",
        mime_type="application/pdf",
    )
    async def invoice_pdf(invoice_id: str) -> bytes:
        return await _read(rt, "invoice", invoice_id, draft=False)

    @server.completion()
    async def complete(
        ref: PromptReference | ResourceTemplateReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion | None:
        kind = _ARG_KIND.get(argument.name)
        if kind is None:
            return None
        ids = await _recent_ids(rt, kind)
        matches = [i for i in ids if i.startswith(argument.value)]
        return Completion(values=matches[:100], total=len(matches), has_more=len(matches) > 100)


async def _read(rt: Runtime, kind: PdfKind, document_id: str, *, draft: bool) -> bytes:
    uri = pdf_uri(kind, document_id, draft=draft)
    async with resource_errors(uri):
        return await fetch_pdf(rt, kind, document_id, draft=draft)


async def _recent_ids(rt: Runtime, kind: PdfKind) -> list[str]:
    """Ids this session touched first, then the newest documents of that kind."""
    ids = rt.recent(kind)
    try:
        if kind == "quote":
            listed = [d.id for d in (await rt.client.quotes.list(limit=20)).data]
        elif kind == "order_confirmation":
            listed = [d.id for d in (await rt.client.order_confirmations.list(limit=20)).data]
        else:
            listed = [d.id for d in (await rt.client.invoices.list(limit=20)).data]
    except LedgerBeeError:
        # Completions are a convenience: offer what this session saw rather than fail the request.
        listed = []
    return ids + [i for i in listed if i not in ids]
