"""The batch send, one tool for every kind in the table: `send_documents`. Up to 25 documents of one kind, one
preview (a table), one consent; then each document through the single send's guarded flow (`guardrails/batch.py`).

One tool rather than one per kind: the arguments are the same for every kind, and three copies of them cost the
agent about 3.4 KB of tool list on every turn. `document_type` offers only the kinds whose toolsets are chosen."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, Elicit, ElicitationResult, Resolve
from pydantic import AfterValidator, Field

from ledgerbee_mcp.api import DeliveryType
from ledgerbee_mcp.guardrails.batch import (
    MAX_BATCH,
    BatchPrepared,
    choose_batch_consent,
    preflight_batch,
    render_batch,
)
from ledgerbee_mcp.guardrails.flow import GuardedAction
from ledgerbee_mcp.guardrails.outcomes import Consent, PersonAnswer
from ledgerbee_mcp.guardrails.preflight import preflight_send
from ledgerbee_mcp.guardrails.preview import Prepared
from ledgerbee_mcp.server.guarded import ConfirmAction, ask_by, client_can_elicit, refusals, run_many
from ledgerbee_mcp.server.inputs import DocumentId, EmailAddress
from ledgerbee_mcp.server.kinds import DocKind
from ledgerbee_mcp.server.outputs import BatchResult
from ledgerbee_mcp.server.runtime import Runtime
from ledgerbee_mcp.server.tools.guarded_tools import CONSENT, Delivery, Token
from ledgerbee_mcp.server.tools.signatures import Param, signed
from ledgerbee_mcp.server.tools.spec import ACTION, ToolSpec

__all__ = ["batch_send_tool"]


def _distinct(ids: list[str]) -> list[str]:
    seen: set[str] = set()
    for document_id in ids:
        if document_id.lower() in seen:
            raise ValueError(f"names {document_id} more than once; give each id once")
        seen.add(document_id.lower())
    return ids


IDS_ARG = "document_ids"
TOOL = "send_documents"

DocumentIds = Annotated[
    list[DocumentId],
    Field(
        min_length=1,
        max_length=MAX_BATCH,
        json_schema_extra={"uniqueItems": True},
    ),
    AfterValidator(_distinct),
]


def _document_type(kinds: Sequence[DocKind]) -> Any:
    return Literal[tuple(kind.name for kind in kinds)]  # type: ignore[valid-type]  # built from the table


RecipientEmails = Annotated[
    dict[DocumentId, EmailAddress] | None,
    Field(
        max_length=MAX_BATCH,
        description="Email only: an address by document id, for a customer with several (the refusal lists them).",
    ),
]


def batch_send_tool(rt: Runtime, kinds: Sequence[DocKind]) -> ToolSpec:
    """`send_documents` for these kinds (at least one)."""
    tool, ids_arg = TOOL, IDS_ARG
    by_name = {kind.name: kind for kind in kinds}

    async def prepare(**kw: Any) -> BatchPrepared:
        kind = by_name[kw["document_type"]]
        with refusals():
            return await preflight_batch(
                rt,
                tool,
                kind.name,
                kind.get(rt.client),
                kw[ids_arg],
                ids_arg=ids_arg,
                delivery_type=kw["delivery_type"],
                recipient_emails=kw["recipient_emails"],
            )

    signed(
        prepare,
        [
            Param("document_type", str),
            Param(ids_arg, list[str]),
            Param("delivery_type", str),
            Param("recipient_emails", dict[str, str] | None),
        ],
        BatchPrepared,
        name="prepare",
    )

    async def consent(**kw: Any) -> Elicit[ConfirmAction] | Consent:
        batch: BatchPrepared = kw["batch"]
        ctx: Context = kw["ctx"]
        if not batch.included:
            # Nothing to ask about: the tool reports every refusal.
            return PersonAnswer(confirmed=False, action="nothing to send", via="none")
        with refusals():
            route = choose_batch_consent(
                rt.settings.confirm.value,
                can_ask=client_can_elicit(ctx),
                can_open_page=rt.can_open_page(),
                batch=batch,
                audit=rt.audit,
            )
        from ledgerbee_mcp.server.approval import ask_on_page

        def on_page() -> Awaitable[PersonAnswer]:
            return ask_on_page(rt, render_batch(batch), batch.included, progress=ctx.report_progress)

        return await ask_by(route, question=lambda: render_batch(batch), on_page=on_page)

    signed(
        consent,
        [Param("batch", Annotated[BatchPrepared, Resolve(prepare)]), Param("ctx", Context)],
        Elicit[ConfirmAction] | Consent,
        name="consent",
    )

    async def send(**kw: Any) -> BatchResult:
        batch: BatchPrepared = kw["batch"]
        delivery: str = kw["delivery_type"]
        kind = by_name[kw["document_type"]]
        fetch = kind.get(rt.client)

        def spec_for(prepared: Prepared) -> GuardedAction:
            document_id = prepared.view.id
            explicit = batch.recipient_for(document_id)

            async def reprepare() -> Prepared:
                # The core preflight (a refusal stays `Refused`, so it refuses this document only).
                return await preflight_send(
                    rt, kind.name, fetch, document_id, delivery_type=delivery, recipient_email=explicit
                )

            async def perform(checked: Prepared) -> Any:
                return await kind.send(rt.client)(
                    document_id, delivery_type=DeliveryType(delivery), recipient_email=checked.shown_recipient
                )

            return GuardedAction(
                tool=tool,
                action="send",
                reprepare=reprepare,
                reread=lambda: fetch(document_id),
                perform=perform,
            )

        return await run_many(rt, batch, kw["approval"], kw["confirmation_token"], spec_for)

    signed(
        send,
        [
            Param("document_type", _document_type(kinds)),
            Param(ids_arg, DocumentIds),
            Param("delivery_type", Delivery),
            Param("batch", Annotated[BatchPrepared, Resolve(prepare)]),
            Param("approval", Annotated[ElicitationResult[ConfirmAction], Resolve(consent)]),
            Param("recipient_emails", RecipientEmails, None),
            Param("confirmation_token", Token, None),
        ],
        BatchResult,
        name=tool,
    )
    return ToolSpec(
        send,
        tool,
        "Send several documents",
        f"Send up to {MAX_BATCH} documents of one type with one preview and one consent, each as its send_* tool "
        "would; one that cannot be sent is refused with its reason, the others go ahead (see `results`). "
        f"{CONSENT}",
        ACTION,
        toolsets=frozenset(kind.toolset for kind in kinds),
    )
