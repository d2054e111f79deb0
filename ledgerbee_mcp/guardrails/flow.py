"""The guarded run of an irreversible action: consent, a state check under a lock, the call, and a truthful
report of the outcome, reconciled by a re-read when the API leaves it unknown. Never a blind retry."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Literal

from ledgerbee_mcp.api import APIError, ConvertResult, DocumentType, LedgerBeeError, OrderConfirmation, Quote
from ledgerbee_mcp.api.errors import explain as describe
from ledgerbee_mcp.guardrails.context import Guard
from ledgerbee_mcp.guardrails.outcomes import ActionOutcome, Consent, Refused, TokenPath
from ledgerbee_mcp.guardrails.preview import DocView, Prepared, view_of
from ledgerbee_mcp.guardrails.tokens import TokenError

__all__ = ["GuardedAction", "run_guarded"]

logger = logging.getLogger("ledgerbee_mcp.guardrails")

_PRODUCED_LABEL = {"invoice": "invoice", "order_confirmation": "order confirmation"}


@dataclass(frozen=True)
class GuardedAction:
    tool: str
    """The tool name; a confirmation token is bound to it."""
    action: Literal["send", "convert"]
    reprepare: Callable[[], Awaitable[Prepared]]
    """Preflight again, under the document's lock, right before acting."""
    reread: Callable[[], Awaitable[Quote | OrderConfirmation]]
    perform: Callable[[Prepared], Awaitable[Quote | OrderConfirmation | ConvertResult]]
    """Act on what the re-check under the lock prepared (a send passes its shown recipient explicitly)."""


def _happened(action: str, before: DocView, after: DocView) -> bool:
    if action == "convert":
        return after.converted_to is not None
    return after.sent_at is not None and after.sent_at != before.sent_at


def _record(
    rt: Guard,
    prepared: Prepared,
    outcome: str,
    *,
    reason: str | None = None,
    consent: str | None = None,
    document_number: str | None = None,
    produced_document_id: str | None = None,
) -> None:
    rt.audit.record(
        prepared.audit_record(
            outcome,
            reason=reason,
            consent=consent,
            document_number=document_number,
            produced_document_id=produced_document_id,
        )
    )


async def run_guarded(
    rt: Guard,
    spec: GuardedAction,
    prepared: Prepared,
    consent: Consent,
    token: str | None,
) -> ActionOutcome:
    verb = "sent" if spec.action == "send" else "converted"
    if isinstance(consent, TokenPath):
        if not token:
            issued = rt.signer.issue(
                action=spec.tool,
                document_id=prepared.view.id,
                arguments=prepared.arguments,
                fingerprint=prepared.fingerprint,
            )
            _record(rt, prepared, "confirmation_required")
            return ActionOutcome(
                outcome="confirmation_required",
                message=(
                    f"Nothing was {verb} yet. Show this preview to the person. Only if they agree, call "
                    f"{spec.tool} again with the same arguments plus this confirmation_token."
                ),
                preview=prepared.preview,
                confirmation_token=issued,
                token_expires_at=dt.datetime.fromtimestamp(rt.signer.expires_at(issued), dt.UTC),
            )
        try:
            rt.signer.verify(
                token,
                action=spec.tool,
                document_id=prepared.view.id,
                arguments=prepared.arguments,
                fingerprint=prepared.fingerprint,
            )
        except TokenError as error:
            _record(rt, prepared, "refused", reason=str(error))
            raise Refused(f"Refused: {error}. Nothing was {verb}.") from None
        via = "token"
    elif consent.confirmed:
        via = consent.via
    else:
        _record(rt, prepared, "declined", reason=f"{consent.via} {consent.action}")
        return ActionOutcome(
            outcome="declined",
            message=f"The person did not confirm ({consent.action}). Nothing was {verb}.",
            preview=prepared.preview,
        )

    async with rt.locked(prepared.view.id):
        # The person may have taken minutes to answer: check everything again, recipient included.
        again = await spec.reprepare()
        before = again.view
        if again.fingerprint != prepared.fingerprint or again.arguments != prepared.arguments:
            reason = (
                "the document changed after the preview"
                if again.fingerprint != prepared.fingerprint
                else "the e-mail recipient changed after the preview"
            )
            _record(rt, prepared, "refused", reason=reason, consent=via)
            raise Refused(f"Refused: {reason}. Nothing was {verb}. Call again to preview its current state.")
        produced: ConvertResult | None = None
        try:
            answer = await spec.perform(again)
            produced = answer if isinstance(answer, ConvertResult) else None
        except APIError as error:
            # LedgerBee answered with an error: the action was not done.
            _record(rt, prepared, "refused", reason=describe(error), consent=via)
            raise Refused(f"{describe(error)} Nothing was {verb}.") from None
        except LedgerBeeError as unknown:
            # OutcomeUnknown, an unreadable answer to a request that went out, a dropped connection: only a
            # re-read can tell whether it happened. Never retried blindly.
            logger.warning("%s of %s: outcome unknown (%s); re-reading", spec.action, before.id, unknown)
            try:
                after = view_of(await spec.reread())
            except LedgerBeeError as error:
                _record(rt, prepared, "unknown", reason=describe(error), consent=via)
                return ActionOutcome(
                    outcome="unknown",
                    message=(
                        f"LedgerBee did not confirm the {spec.action}, and the document could not be re-read "
                        f"({describe(error)}). Do not retry blindly: read the document first to see "
                        "whether it happened."
                    ),
                    preview=prepared.preview,
                )
            if not _happened(spec.action, before, after):
                _record(rt, prepared, "not_done", reason=str(unknown), consent=via)
                return ActionOutcome(
                    outcome="not_done",
                    message=(
                        f"LedgerBee did not answer the {spec.action}, and a re-read shows it did not happen: "
                        f"nothing was {verb}. It is safe to call again (a new preview will be made)."
                    ),
                    preview=prepared.preview,
                    document_number=after.number,
                    status=after.display_status,
                )
            return _done(rt, prepared, spec, after, via, None, reconciled=True)
        try:
            after = view_of(await spec.reread())
        except LedgerBeeError as error:
            # LedgerBee said it happened; only the read that follows failed. Reporting a failure here would
            # invite a second send, so the answer to the action itself is the report.
            logger.warning("%s of %s done, but the re-read failed (%s)", spec.action, before.id, error)
            after = view_of(answer) if isinstance(answer, Quote | OrderConfirmation) else _converted(before, produced)
        return _done(rt, prepared, spec, after, via, produced, reconciled=False)


def _converted(before: DocView, produced: ConvertResult | None) -> DocView:
    """The source as the conversion left it, for when it cannot be re-read."""
    if produced is None:
        return before
    to_invoice = produced.target_type == DocumentType.INVOICE
    return replace(
        before,
        display_status="converted",
        converted_to_invoice_id=produced.target_id if to_invoice else before.converted_to_invoice_id,
        converted_to_document_id=None if to_invoice else produced.target_id,
    )


def _done(
    rt: Guard,
    prepared: Prepared,
    spec: GuardedAction,
    after: DocView,
    via: str,
    produced: ConvertResult | None,
    *,
    reconciled: bool,
) -> ActionOutcome:
    produced_id = produced.target_id if produced else after.converted_to if spec.action == "convert" else None
    produced_type = ("invoice" if after.converted_to_invoice_id else "order_confirmation") if produced_id else None
    _record(
        rt,
        prepared,
        "done",
        consent=via,
        document_number=after.number,
        produced_document_id=produced_id,
        reason="confirmed by re-read after an unknown outcome" if reconciled else None,
    )
    if produced_id and produced_type:
        rt.remember(produced_type, produced_id)
    if spec.action == "send":
        message = f"Sent. The {after.label} has number {after.number}."
        if prepared.preview.recipient:
            message += f" E-mailed to {prepared.preview.recipient.email}."
    else:
        message = (
            f"Converted. LedgerBee produced {_PRODUCED_LABEL.get(produced_type or '', 'document')} {produced_id}; "
            f"read it with get_{produced_type} for its status and number."
        )
    if reconciled:
        message += " (LedgerBee's answer was lost; a re-read confirmed it happened.)"
    return ActionOutcome(
        outcome="done",
        message=message,
        document_number=after.number,
        status=after.display_status,
        produced_document_type=produced_type,
        produced_document_id=produced_id,
    )
