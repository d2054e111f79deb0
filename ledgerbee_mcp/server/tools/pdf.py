"""A document's PDF as a tool result, for clients that do not browse resources."""

import base64
from typing import Annotated, Literal

from mcp_types import BlobResourceContents, CallToolResult, EmbeddedResource, ResourceLink, TextContent
from pydantic import Field

from ledgerbee_mcp.server.errors import api_errors
from ledgerbee_mcp.server.inputs import DocumentId
from ledgerbee_mcp.server.outputs import PdfOut
from ledgerbee_mcp.server.pdfs import fetch_pdf, pdf_uri
from ledgerbee_mcp.server.runtime import Runtime
from ledgerbee_mcp.server.tools.spec import READ, ToolSpec

__all__ = ["pdf_tools"]


def get_document_pdf(rt: Runtime) -> ToolSpec:
    async def get_document_pdf(
        document_type: Literal["quote", "order_confirmation", "invoice"],
        document_id: DocumentId,
        draft: Annotated[bool, Field(description="A watermarked preview of a quote or order confirmation.")] = False,
    ) -> Annotated[CallToolResult, PdfOut]:
        with api_errors():
            data = await fetch_pdf(rt, document_type, document_id, draft=draft)
        uri = pdf_uri(document_type, document_id, draft=draft and document_type != "invoice")
        embedded = len(data) <= rt.settings.pdf_inline_max_bytes
        info = PdfOut(uri=uri, size_bytes=len(data), embedded=embedded)
        name = f"{document_type}-{document_id}{'-draft' if draft else ''}.pdf"
        if embedded:
            block: EmbeddedResource | ResourceLink = EmbeddedResource(
                type="resource",
                resource=BlobResourceContents(
                    uri=uri, mime_type="application/pdf", blob=base64.b64encode(data).decode("ascii")
                ),
            )
        else:
            block = ResourceLink(type="resource_link", uri=uri, name=name, mime_type="application/pdf", size=len(data))
        summary = TextContent(type="text", text=f"{name}: {len(data)} bytes, {'embedded' if embedded else 'linked'}")
        return CallToolResult(content=[summary, block], structured_content=info.model_dump(mode="json"))

    return ToolSpec(
        get_document_pdf,
        "get_document_pdf",
        "Get a document's PDF",
        "A document's PDF, embedded (linked as a ledgerbee:// resource when large). Sends nothing.",
        READ,
    )


def pdf_tools(rt: Runtime) -> list[ToolSpec]:
    return [get_document_pdf(rt)]
