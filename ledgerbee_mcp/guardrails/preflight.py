"""Preflight of a send or convert: read the document, check it, build the preview; a refusal is audited."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ledgerbee_mcp.api import ConvertDocument
from ledgerbee_mcp.guardrails.audit import AuditRecord, AuditUnavailable
from ledgerbee_mcp.guardrails.context import Guard
from ledgerbee_mcp.guardrails.outcomes import Refused
from ledgerbee_mcp.guardrails.preview import DocType, Document, Prepared, prepare_convert, prepare_send, read

__all__ = ["Fetch", "preflight_convert", "preflight_send"]

Fetch = Callable[[str], Awaitable[Document]]


async def _audited(
    guard: Guard,
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
    except Refused as error:
        # A refusal before the API is called is still a refused irreversible action: the audit log has it.
        try:
            _record_refusal(guard, error, action, document_type, document_id, delivery_type, recipient, target)
        except AuditUnavailable as unavailable:
            raise Refused(f"{error} (Also: {unavailable}.)") from None
        raise


def _record_refusal(
    guard: Guard,
    error: Refused,
    action: str,
    document_type: DocType,
    document_id: str,
    delivery_type: str | None,
    recipient: str | None,
    target: str | None,
) -> None:
    guard.audit.record(
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


async def preflight_send(
    guard: Guard,
    doc_type: DocType,
    fetch: Fetch,
    document_id: str,
    *,
    delivery_type: str,
    recipient_email: str | None,
) -> Prepared:
    async def check() -> Prepared:
        doc = await read(fetch(document_id))
        return await prepare_send(
            guard.client,
            guard.policy,
            doc,
            delivery_type=delivery_type,
            recipient_email=recipient_email,
            today=guard.today(),
        )

    return await _audited(
        guard,
        check,
        action="send",
        document_type=doc_type,
        document_id=document_id,
        delivery_type=delivery_type,
        recipient=recipient_email,
    )


async def preflight_convert(
    guard: Guard,
    doc_type: DocType,
    fetch: Fetch,
    document_id: str,
    *,
    target: str,
    override: ConvertDocument | None = None,
) -> Prepared:
    async def check() -> Prepared:
        doc = await read(fetch(document_id))
        return await prepare_convert(guard.client, doc, target=target, today=guard.today(), override=override)

    return await _audited(
        guard, check, action="convert", document_type=doc_type, document_id=document_id, target=target
    )
