"""The guarded tools, written once for every kind in the table: send (quote, order confirmation, invoice) and
convert (quote, order confirmation). Each gets its own argument names from `server/kinds.py`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, Elicit, ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from ledgerbee_mcp.api import ConvertDocument, DeliveryType
from ledgerbee_mcp.guardrails.flow import GuardedAction
from ledgerbee_mcp.guardrails.outcomes import Consent
from ledgerbee_mcp.guardrails.preview import Prepared
from ledgerbee_mcp.server.guarded import ConfirmAction, ask, prepare_convert, prepare_send, run
from ledgerbee_mcp.server.inputs import UNADVERTISED_BOUND, DocumentId, EmailAddress, LineArg, OptionalText
from ledgerbee_mcp.server.kinds import KINDS, DocKind, KindName
from ledgerbee_mcp.server.outputs import ActionResult
from ledgerbee_mcp.server.runtime import Runtime
from ledgerbee_mcp.server.tools.drafting import line_inputs
from ledgerbee_mcp.server.tools.signatures import Param, signed
from ledgerbee_mcp.server.tools.spec import ACTION, ToolSpec

__all__ = ["CONSENT", "convert_tool", "id_param", "send_tool"]

# The consent sentence explains the token; its argument needs no description of its own.
Token = Annotated[str | None, Field(max_length=1000), UNADVERTISED_BOUND]
# What each delivery does is in the tool's description ("e-mails it (Email)") and the server's instructions.
Delivery = Literal["Manual", "Email"]
RecipientEmail = Annotated[
    EmailAddress | None, Field(description="Email only; for a customer with several (the refusal lists them).")
]

CONSENT = (
    "Cannot be undone. The person approves a preview first: on confirmation_required show it, and only after "
    "their yes call again adding confirmation_token."
)
"""The guarded tools' one sentence on consent; the server's instructions explain the rest once."""


def id_param(kind: DocKind, what: str = "") -> Param:
    if what:
        return Param(kind.id_arg, Annotated[DocumentId, Field(description=what)])
    return Param(kind.id_arg, DocumentId)


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
        f"Send {kind.a}: LedgerBee numbers it (if unnumbered), renders the PDF, marks it sent and, with Email, "
        f"e-mails it (Manual: you deliver it). {CONSENT}",
        ACTION,
    )


# What these set is said once, in the tool's description.
OverrideLines = Annotated[list[LineArg] | None, Field(max_length=200)]
OverrideClear = list[Literal["customer_contact_id", "reference", "our_reference", "notes"]] | None


def _override(kw: dict[str, Any]) -> ConvertDocument | None:
    """The `document` payload of the convert: only what the agent set; a cleared field goes out as null."""
    fields: dict[str, Any] = {}
    if kw.get("lines") is not None:
        fields["lines"] = line_inputs(kw["lines"])
    for name in ("date", "reference", "our_reference", "notes", "customer_contact_id"):
        if kw.get(name) is not None:
            fields[name] = kw[name]
    for name in dict.fromkeys(kw.get("clear") or ()):  # a field named twice is cleared once
        if name in fields:
            raise ToolError(f"{name}: given a value and also listed in clear; do one or the other. Nothing was done.")
        fields[name] = None
    return ConvertDocument(**fields) if fields else None


def _override_params(kind: DocKind) -> list[Param]:
    return [
        Param("lines", OverrideLines, None),
        Param("date", dt.date | None, None),
        Param("reference", OptionalText | None, None),
        Param("our_reference", OptionalText | None, None),
        Param("notes", OptionalText | None, None),
        Param("customer_contact_id", DocumentId | None, None),
        Param("clear", OverrideClear, None),
    ]


def convert_tool(rt: Runtime, kind: DocKind) -> ToolSpec:
    tool = f"convert_{kind.name}"
    targets = kind.convert_targets

    async def prepare(**kw: Any) -> Prepared:
        return await prepare_convert(
            rt, kind.name, kind.get(rt.client), kw[kind.id_arg], target=kw["target"], override=_override(kw)
        )

    signed(
        prepare,
        [Param(kind.id_arg, str), Param("target", str), *[Param(p.name, Any) for p in _override_params(kind)]],
        Prepared,
        name="prepare",
    )
    consent = _consent(rt, prepare)

    async def convert(**kw: Any) -> ActionResult:
        document_id: str = kw[kind.id_arg]
        target: str = kw["target"]
        again = {k: kw[k] for k in (kind.id_arg, "target", *[p.name for p in _override_params(kind)])}
        override = _override(kw)
        spec = GuardedAction(
            tool=tool,
            action="convert",
            reprepare=lambda: prepare(**again),
            reread=lambda: kind.get(rt.client)(document_id),
            perform=lambda _: kind.convert(rt.client)(document_id, target=target, document=override),
            read_produced=lambda produced: KINDS[_PRODUCED[produced.target_type]].get(rt.client)(produced.target_id),
        )
        return await run(rt, spec, kw["prepared"], kw["approval"], kw["confirmation_token"])

    target_type: Any = Literal[targets]  # type: ignore[valid-type] -- built from the table
    params = [id_param(kind)]
    if len(targets) > 1:
        params.append(Param("target", target_type))
    else:
        params.append(Param("target", target_type, next(iter(targets))))
    signed(
        convert,
        [
            *params,
            Param("prepared", Annotated[Prepared, Resolve(prepare)]),
            Param("approval", Annotated[ElicitationResult[ConfirmAction], Resolve(consent)]),
            *_override_params(kind),
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
        f"Convert {kind.converts_from} {kind.label} into {produced}{kind.convert_note}; the {kind.label} locks. "
        f"The new document copies it but for the fields given here (clear empties copied ones). {CONSENT}",
        ACTION,
    )


_PRODUCED: dict[str, KindName] = {"orderConfirmation": "order_confirmation", "invoice": "invoice"}
