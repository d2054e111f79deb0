"""The guarded run of an irreversible action: consent, a state check under a lock, the call, and a truthful
report of the outcome, reconciled by a re-read when the API leaves it unknown. Never a blind retry."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from ledgerbee_mcp.api import APIError, ConvertResult, DocumentType, Invoice, LedgerBeeError, OrderConfirmation, Quote
from ledgerbee_mcp.api.errors import explain as describe
from ledgerbee_mcp.guardrails.audit import AuditUnavailable
from ledgerbee_mcp.guardrails.context import Guard, LockLost
from ledgerbee_mcp.guardrails.outcomes import ActionOutcome, Consent, Refused, TokenPath
from ledgerbee_mcp.guardrails.preview import Document, DocView, Prepared, view_of
from ledgerbee_mcp.guardrails.render import money
from ledgerbee_mcp.guardrails.tokens import TokenError

__all__ = ["GuardedAction", "differences", "run_guarded"]

logger = logging.getLogger("ledgerbee_mcp.guardrails")

_PRODUCED_LABEL = {"invoice": "invoice", "order_confirmation": "order confirmation"}


@dataclass(frozen=True)
class GuardedAction:
    tool: str
    """The tool name; a confirmation token is bound to it."""
    action: Literal["send", "convert"]
    reprepare: Callable[[], Awaitable[Prepared]]
    """Preflight again, under the document's lock, right before acting."""
    reread: Callable[[], Awaitable[Document]]
    perform: Callable[[Prepared], Awaitable[Document | ConvertResult]]
    """Act on what the re-check under the lock prepared (a send passes its shown recipient explicitly)."""
    read_produced: Callable[[ConvertResult], Awaitable[Document]] | None = None
    """For a convert: read the document it produced, to compare it with the target the person approved."""


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
    requested: dict[str, object] | None = None,
    differences: list[str] | None = None,
) -> None:
    rt.audit.record(
        prepared.audit_record(
            outcome,
            reason=reason,
            consent=consent,
            document_number=document_number,
            produced_document_id=produced_document_id,
            requested=requested,
            differences=differences,
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
        changed = _changed(prepared, again)
        if changed:
            reason = changed
            _record(rt, prepared, "refused", reason=reason, consent=via)
            raise Refused(f"Refused: {reason}. Nothing was {verb}. Call again to preview its current state.")
        requested = _requested(spec.action, again)
        try:
            # Another replica may have taken the document over (our lock expired): never act without it.
            await rt.check_lock(prepared.view.id)
        except LockLost:
            reason = "the document's lock was lost"
            note = _record_after(rt, prepared, "refused", reason=reason, consent=via, requested=requested)
            raise Refused(f"Refused: {reason} before LedgerBee was asked. Nothing was {verb}.{note}") from None
        try:
            _record(rt, prepared, "attempt", consent=via, requested=requested)
        except AuditUnavailable as error:
            raise Refused(
                f"Refused: {error}, so nothing was {verb}. Next step: have the operator fix the audit log."
            ) from None
        # From here LedgerBee may act: a cancelled call must still learn and record what happened.
        with rt.shielded():
            return await _act(rt, spec, prepared, again, via, requested)


async def _act(
    rt: Guard, spec: GuardedAction, prepared: Prepared, again: Prepared, via: str, requested: dict[str, object]
) -> ActionOutcome:
    verb = "sent" if spec.action == "send" else "converted"
    before = again.view
    produced: ConvertResult | None = None
    try:
        answer = await spec.perform(again)
        produced = answer if isinstance(answer, ConvertResult) else None
    except APIError as error:
        # LedgerBee answered with an error: the action was not done.
        note = _record_after(rt, prepared, "refused", reason=describe(error), consent=via, requested=requested)
        raise Refused(f"{describe(error)} Nothing was {verb}.{note}") from None
    except LedgerBeeError as unknown:
        # OutcomeUnknown, an unreadable answer to a request that went out, a dropped connection: only a
        # re-read can tell whether it happened. Never retried blindly.
        logger.warning("%s of %s: outcome unknown (%s); re-reading", spec.action, before.id, unknown)
        try:
            after = view_of(await spec.reread())
        except LedgerBeeError as error:
            note = _record_after(rt, prepared, "unknown", reason=describe(error), consent=via, requested=requested)
            return ActionOutcome(
                outcome="unknown",
                message=(
                    f"LedgerBee did not confirm the {spec.action}, and the document could not be re-read "
                    f"({describe(error)}). Do not retry blindly: read the document first to see "
                    f"whether it happened.{note}"
                ),
                preview=prepared.preview,
            )
        if not _happened(spec.action, before, after):
            note = _record_after(rt, prepared, "not_done", reason=str(unknown), consent=via, requested=requested)
            return ActionOutcome(
                outcome="not_done",
                message=(
                    f"LedgerBee did not answer the {spec.action}, and a re-read shows it did not happen: "
                    f"nothing was {verb}. It is safe to call again (a new preview will be made).{note}"
                ),
                preview=prepared.preview,
                document_number=after.number,
                status=after.display_status,
            )
        return _done(rt, prepared, spec, after, via, None, requested, reconciled=True)
    try:
        after = view_of(await spec.reread())
    except LedgerBeeError as error:
        # LedgerBee said it happened; only the read that follows failed. Reporting a failure here would
        # invite a second send, so the answer to the action itself is the report.
        logger.warning("%s of %s done, but the re-read failed (%s)", spec.action, before.id, error)
        after = (
            view_of(answer) if isinstance(answer, Quote | OrderConfirmation | Invoice) else _converted(before, produced)
        )
    extra = await _check_produced(spec, prepared, produced)
    return _done(rt, prepared, spec, after, via, produced, requested, reconciled=False, extra=extra)


async def _check_produced(spec: GuardedAction, prepared: Prepared, produced: ConvertResult | None) -> list[str]:
    """The produced document against the target the person approved (its amount and number of lines)."""
    if produced is None or spec.read_produced is None or prepared.target is None:
        return []
    try:
        document = await spec.read_produced(produced)
    except LedgerBeeError as error:
        return [f"the produced document could not be read to compare it ({describe(error)})"]
    made = view_of(document)
    target = prepared.target
    found: list[str] = []
    for field in ("date", "reference", "our_reference", "notes"):
        camel = "ourReference" if field == "our_reference" else field
        if camel in target.request and str(getattr(document, field)) != str(target.request[camel]):
            found.append(
                f"produced {field}: approved {target.request[camel]!r}, LedgerBee shows {getattr(document, field)!r}"
            )
    if made.amount != target.amount:
        found.append(
            f"produced amount: approved {money(target.amount, made.currency)}, LedgerBee shows "
            f"{money(made.amount, made.currency)}"
        )
    if made.line_count != len(target.lines):
        found.append(f"produced lines: approved {len(target.lines)}, LedgerBee shows {made.line_count}")
    return found


def _changed(approved: Prepared, again: Prepared) -> str | None:
    """Why what the re-check under the lock prepared is not what the person approved, or None."""
    if again.fingerprint != approved.fingerprint:
        return "the document changed after the preview"
    if again.arguments != approved.arguments:
        return "the e-mail recipient changed after the preview"
    if again.preview.amount != approved.preview.amount:
        # A convert's target is priced from the product prices: one that moved changes what would be produced.
        return "the amount it would produce changed after the preview"
    return None


def _requested(action: str, checked: Prepared) -> dict[str, object]:
    """What LedgerBee is asked to do, as the request body says it (the audit names this, not the preview)."""
    if action == "send":
        body: dict[str, object] = {"deliveryType": checked.arguments["delivery_type"]}
        if checked.shown_recipient:
            body["recipientEmail"] = checked.shown_recipient
        return body
    body: dict[str, object] = {"target": checked.preview.target}
    if checked.target is not None and checked.target.overridden:
        body["document"] = checked.target.request
    return body


def _record_after(rt: Guard, prepared: Prepared, outcome: str, **fields: Any) -> str:
    """Record an outcome once LedgerBee was asked; a lost record is said, never hidden (the attempt is kept)."""
    try:
        _record(rt, prepared, outcome, **fields)
    except AuditUnavailable as error:
        return f" The audit record of this outcome could not be written ({error}); the attempt was recorded."
    return ""


def differences(action: str, approved: DocView, after: DocView, produced_id: str | None) -> list[str]:
    """How what LedgerBee shows after the action differs from what the person approved."""
    found: list[str] = []
    if after.amount != approved.amount or after.currency != approved.currency:
        found.append(
            f"amount: approved {money(approved.amount, approved.currency)}, LedgerBee now shows "
            f"{money(after.amount, after.currency)}"
        )
    if after.lines_digest != approved.lines_digest:
        found.append(
            f"lines: approved {approved.line_count} line(s); LedgerBee now shows other lines ({after.line_count})"
        )
    if after.customer_id != approved.customer_id:
        found.append(f"customer: approved {approved.customer_id}, LedgerBee now shows {after.customer_id}")
    if approved.number is not None and after.number != approved.number:
        found.append(f"number: approved {approved.number}, LedgerBee now shows {after.number}")
    if action == "send" and after.status == "draft":
        found.append("status: LedgerBee still shows it as a draft")
    if action == "convert" and produced_id is not None and after.converted_to != produced_id:
        found.append(f"target: LedgerBee produced {produced_id}, but the document points at {after.converted_to}")
    return found


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
    requested: dict[str, object],
    *,
    reconciled: bool,
    extra: list[str] | None = None,
) -> ActionOutcome:
    produced_id = produced.target_id if produced else after.converted_to if spec.action == "convert" else None
    produced_type = ("invoice" if after.converted_to_invoice_id else "order_confirmation") if produced_id else None
    found = differences(spec.action, prepared.view, after, produced_id) + (extra or [])
    note = _record_after(
        rt,
        prepared,
        "done",
        consent=via,
        document_number=after.number,
        produced_document_id=produced_id,
        reason="confirmed by re-read after an unknown outcome" if reconciled else None,
        requested=requested,
        differences=found or None,
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
    if found:
        message += (
            " But what LedgerBee shows now differs from what the person approved: " + "; ".join(found) + ". "
            "Show this to the person."
        )
    message += note
    return ActionOutcome(
        outcome="done",
        message=message,
        differences=found,
        document_number=after.number,
        status=after.display_status,
        produced_document_type=produced_type,
        produced_document_id=produced_id,
    )
