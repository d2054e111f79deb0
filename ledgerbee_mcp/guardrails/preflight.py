"""Preflight of a send or convert: read the document, check it, build the preview; a refusal is audited."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

from mcp.server.mcpserver.exceptions import ToolError

from ledgerbee_mcp.api import OrderConfirmation, Quote
from ledgerbee_mcp.guardrails.audit import AuditRecord
from ledgerbee_mcp.guardrails.preview import Prepared, prepare_convert, prepare_send
from ledgerbee_mcp.server.errors import api_errors
from ledgerbee_mcp.server.runtime import Runtime

__all__ = ["Fetch", "preflight_convert", "preflight_send"]

Fetch = Callable[[str], Awaitable[Quote | OrderConfirmation]]
DocType = Literal["quote", "order_confirmation"]


async def _audited(
    rt: Runtime,
    check: Callable[[], Awaitable[Prepared]],
    *,
    action: str,
    document_type: DocType,
    document_id: str,
    delivery_type: str | None = None,
    recipient: str | None = None,
    target: str | None = None,
) -> Prepared:
    try:
        return await check()
    except ToolError as error:
        # A refusal before the API is called is still a refused irreversible action: the audit log has it.
        rt.audit.record(
            AuditRecord(
                action=action,
                document_type=document_type,
                document_id=document_id,
                outcome="refused",
                reason=str(error),
                delivery_type=delivery_type,
                recipient=recipient,
                target=target,
            )
        )
        raise


async def preflight_send(
    rt: Runtime,
    doc_type: DocType,
    fetch: Fetch,
    document_id: str,
    *,
    delivery_type: str,
    recipient_email: str | None,
) -> Prepared:
    async def check() -> Prepared:
        with api_errors():
            doc = await fetch(document_id)
        return await prepare_send(
            rt.client,
            rt.settings,
            doc,
            delivery_type=delivery_type,
            recipient_email=recipient_email,
            today=rt.today(),
        )

    return await _audited(
        rt,
        check,
        action="send",
        document_type=doc_type,
        document_id=document_id,
        delivery_type=delivery_type,
        recipient=recipient_email,
    )


async def preflight_convert(rt: Runtime, doc_type: DocType, fetch: Fetch, document_id: str, *, target: str) -> Prepared:
    async def check() -> Prepared:
        with api_errors():
            doc = await fetch(document_id)
        return await prepare_convert(rt.client, doc, target=target, today=rt.today())

    return await _audited(rt, check, action="convert", document_type=doc_type, document_id=document_id, target=target)
