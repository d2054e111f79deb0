"""The guarded tools, written once for every kind in the table: send (quote, order confirmation, invoice) and
convert (quote, order confirmation). Each gets its own argument names from `server/kinds.py`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, Elicit, ElicitationResult, Resolve
from pydantic import Field

from ledgerbee_mcp.api import DeliveryType
from ledgerbee_mcp.guardrails.flow import GuardedAction
from ledgerbee_mcp.guardrails.outcomes import Consent
from ledgerbee_mcp.guardrails.preview import Prepared
from ledgerbee_mcp.server.guarded import ConfirmAction, ask, prepare_convert, prepare_send, run
from ledgerbee_mcp.server.inputs import DocumentId, EmailAddress
from ledgerbee_mcp.server.kinds import DocKind
from ledgerbee_mcp.server.outputs import ActionResult
from ledgerbee_mcp.server.runtime import Runtime
from ledgerbee_mcp.server.tools.signatures import Param, signed
from ledgerbee_mcp.server.tools.spec import ACTION, ToolSpec

__all__ = ["convert_tool", "id_param", "send_tool"]

Token = Annotated[
    str | None,
    Field(max_length=1000, description="Only when a previous call answered confirmation_required: its token."),
]
Delivery = Annotated[
    Literal["Manual", "Email"],
    Field(description="Email: e-mail the PDF to the recipient. Manual: allocate the number and mark sent; no e-mail."),
]
RecipientEmail = Annotated[
    EmailAddress | None,
    Field(
        description="Email only: the address to e-mail. Needed when the customer has more than one address "
        "(the refusal lists them); else the customer's own address is used."
    ),
]

_HOW_TO_CONFIRM = (
    "The server checks it first and shows a preview; the person confirms in the client (or on an approval page "
    "the server opens), or the answer is confirmation_required with a preview and a confirmation_token: show the "
    "preview, and only on the person's yes call again with the same arguments plus the token."
)


def id_param(kind: DocKind, what: str = "") -> Param:
    text = what or f"The {kind.label}'s id (UUID)."
    return Param(kind.id_arg, Annotated[DocumentId, Field(description=text)])


def _consent(rt: Runtime, prepare: Any) -> Any:
    async def consent(**kw: Any) -> Elicit[ConfirmAction] | Consent:
        return await ask(rt, kw["ctx"], kw["prepared"])

    return signed(
        consent,
        [Param("prepared", Annotated[Prepared, Resolve(prepare)]), Param("ctx", Context)],
        Elicit[ConfirmAction] | Consent,
        name="consent",
    )


def send_tool(rt: Runtime, kind: DocKind) -> ToolSpec:
    tool = f"send_{kind.name}"

    async def prepare(**kw: Any) -> Prepared:
        return await prepare_send(
            rt,
            kind.name,
            kind.get(rt.client),
            kw[kind.id_arg],
            delivery_type=kw["delivery_type"],
            recipient_email=kw["recipient_email"],
        )

    signed(
        prepare,
        [Param(kind.id_arg, str), Param("delivery_type", str), Param("recipient_email", str | None)],
        Prepared,
        name="prepare",
    )
    consent = _consent(rt, prepare)

    async def send(**kw: Any) -> ActionResult:
        document_id: str = kw[kind.id_arg]
        delivery: str = kw["delivery_type"]
        again = {kind.id_arg: document_id, "delivery_type": delivery, "recipient_email": kw["recipient_email"]}
        spec = GuardedAction(
            tool=tool,
            action="send",
            reprepare=lambda: prepare(**again),
            reread=lambda: kind.get(rt.client)(document_id),
            perform=lambda checked: kind.send(rt.client)(
                document_id, delivery_type=DeliveryType(delivery), recipient_email=checked.shown_recipient
            ),
        )
        return await run(rt, spec, kw["prepared"], kw["approval"], kw["confirmation_token"])

    signed(
        send,
        [
            id_param(kind),
            Param("delivery_type", Delivery),
            Param("prepared", Annotated[Prepared, Resolve(prepare)]),
            Param("approval", Annotated[ElicitationResult[ConfirmAction], Resolve(consent)]),
            Param("recipient_email", RecipientEmail, None),
            Param("confirmation_token", Token, None),
        ],
        ActionResult,
        name=tool,
    )
    return ToolSpec(
        send,
        tool,
        f"Send {kind.a}",
        f"Send {kind.a}: LedgerBee allocates its number (if it has none), renders the PDF, e-mails it with "
        f"delivery_type Email, and marks it sent. Cannot be undone. {_HOW_TO_CONFIRM}",
        ACTION,
    )


def convert_tool(rt: Runtime, kind: DocKind) -> ToolSpec:
    tool = f"convert_{kind.name}"
    targets = kind.convert_targets

    async def prepare(**kw: Any) -> Prepared:
        return await prepare_convert(rt, kind.name, kind.get(rt.client), kw[kind.id_arg], target=kw["target"])

    signed(prepare, [Param(kind.id_arg, str), Param("target", str)], Prepared, name="prepare")
    consent = _consent(rt, prepare)

    async def convert(**kw: Any) -> ActionResult:
        document_id: str = kw[kind.id_arg]
        target: str = kw["target"]
        spec = GuardedAction(
            tool=tool,
            action="convert",
            reprepare=lambda: prepare(**{kind.id_arg: document_id, "target": target}),
            reread=lambda: kind.get(rt.client)(document_id),
            perform=lambda _: kind.convert(rt.client)(document_id, target=target),
        )
        return await run(rt, spec, kw["prepared"], kw["approval"], kw["confirmation_token"])

    target_type: Any = Literal[targets]  # type: ignore[valid-type] -- built from the table
    described = " or ".join(targets)
    params = [id_param(kind)]
    if len(targets) > 1:
        params.append(Param("target", Annotated[target_type, Field(description=f"What to produce: {described}.")]))
    else:
        only = next(iter(targets))
        params.append(Param("target", Annotated[target_type, Field(description=f"Always {described}.")], only))
    signed(
        convert,
        [
            *params,
            Param("prepared", Annotated[Prepared, Resolve(prepare)]),
            Param("approval", Annotated[ElicitationResult[ConfirmAction], Resolve(consent)]),
            Param("confirmation_token", Token, None),
        ],
        ActionResult,
        name=tool,
    )
    produced = " or ".join("an order confirmation" if t == "orderConfirmation" else "an invoice" for t in targets)
    return ToolSpec(
        convert,
        tool,
        f"Convert {kind.a}",
        f"Convert {kind.converts_from} {kind.label} into {produced}{kind.convert_note}; LedgerBee copies its fields "
        f"and lines, and the {kind.label} becomes read-only (it converts once). Cannot be undone. "
        f"{_HOW_TO_CONFIRM} Returns the produced document's id.",
        ACTION,
    )
