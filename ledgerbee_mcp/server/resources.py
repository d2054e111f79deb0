"""PDF resource templates, and completions that offer recent document ids for them."""

from __future__ import annotations

from typing import Any

from mcp.server import MCPServer
from mcp_types import Completion, CompletionArgument, CompletionContext, PromptReference, ResourceTemplateReference

from ledgerbee_mcp.api import LedgerBeeError
from ledgerbee_mcp.server.crashes import resource_errors
from ledgerbee_mcp.server.kinds import KINDS, DocKind
from ledgerbee_mcp.server.pdfs import PdfKind, fetch_pdf, pdf_uri
from ledgerbee_mcp.server.runtime import Runtime
from ledgerbee_mcp.server.tools.signatures import Param, signed

__all__ = ["register_resources"]

_ARG_KIND: dict[str, PdfKind] = {kind.id_arg: kind.name for kind in KINDS.values()}


def _reader(rt: Runtime, kind: DocKind, *, draft: bool) -> Any:
    async def read(**kw: Any) -> bytes:
        return await _read(rt, kind.name, kw[kind.id_arg], draft=draft)

    return signed(read, [Param(kind.id_arg, str)], bytes, name=f"{kind.name}_{'draft_' if draft else ''}pdf")


def register_resources(server: MCPServer, rt: Runtime) -> None:
    for kind in KINDS.values():
        title = kind.label[0].upper() + kind.label[1:]
        server.resource(
            f"ledgerbee://{kind.segment}/{{{kind.id_arg}}}/pdf",
            name=f"{kind.name}_pdf",
            title=f"{title} PDF",
            description=f"The {kind.label} as LedgerBee renders it (watermarked while it is a draft).",
            mime_type="application/pdf",
        )(_reader(rt, kind, draft=False))
        if kind.has_draft_pdf:
            server.resource(
                f"ledgerbee://{kind.segment}/{{{kind.id_arg}}}/draft.pdf",
                name=f"{kind.name}_draft_pdf",
                title=f"{title} draft preview PDF",
                description=f"A watermarked DRAFT preview of the {kind.label}, for review before sending.",
                mime_type="application/pdf",
            )(_reader(rt, kind, draft=True))

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
        listed = [d.id for d in (await KINDS[kind].list(rt.client)(limit=20)).data]
    except LedgerBeeError:
        # Completions are a convenience: offer what this session saw rather than fail the request.
        listed = []
    return ids + [i for i in listed if i not in ids]
