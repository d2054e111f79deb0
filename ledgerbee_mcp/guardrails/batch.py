"""Many sends of one kind under one consent: one preview (a table), one answer, then each document on its own.

Each document is preflighted by the single-document preflight; one that is refused there is listed with its
reason and does not stop the others. The person is asked once, about every document that will be sent, and the
question (or the confirmation token) binds the state of each of them. Then each document goes through the single
send's guarded flow in turn (`run_guarded`: the re-check under that document's lock, the attempt record, the
shielded call, the re-read and its differences, the audit), so a document that changed while the person decided is
refused on its own, one lock is held at a time, and no failure hides the others' outcomes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from ledgerbee_mcp.guardrails.addresses import AddressError, parse_address
from ledgerbee_mcp.guardrails.audit import AuditLog
from ledgerbee_mcp.guardrails.consent import ConsentRoute, choose_consent
from ledgerbee_mcp.guardrails.context import Guard
from ledgerbee_mcp.guardrails.flow import GuardedAction, run_guarded
from ledgerbee_mcp.guardrails.outcomes import ActionOutcome, Consent, PersonAnswer, Refused, TokenPath
from ledgerbee_mcp.guardrails.preflight import DocType, Fetch, preflight_send
from ledgerbee_mcp.guardrails.preview import Prepared
from ledgerbee_mcp.guardrails.render import Row, money, render_rows, visible
from ledgerbee_mcp.guardrails.tokens import TokenError

__all__ = [
    "MAX_BATCH",
    "BatchEntry",
    "BatchItemOutcome",
    "BatchOutcome",
    "BatchPrepared",
    "choose_batch_consent",
    "preflight_batch",
    "render_batch",
    "run_batch",
]

logger = logging.getLogger("ledgerbee_mcp.guardrails")

_SINGLE_RECIPIENT = re.compile(r"\brecipient_email\b")

MAX_BATCH = 25
"""The most documents one call sends."""

_LABELS: dict[DocType, tuple[str, str]] = {
    "quote": ("quote", "quotes"),
    "order_confirmation": ("order confirmation", "order confirmations"),
    "invoice": ("invoice", "invoices"),
}
_REASON_LIMIT = 400
_UNSAFE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})

BatchOutcomeKind = Literal["confirmation_required", "declined", "done", "partly_done", "none_done"]
ItemOutcome = Literal["done", "refused", "not_done", "unknown", "declined", "confirmation_required"]


@dataclass(frozen=True)
class BatchEntry:
    """One requested document: prepared for the send, or refused in preflight with the reason."""

    document_id: str
    prepared: Prepared | None = None
    refusal: str | None = None


@dataclass(frozen=True)
class BatchPrepared:
    tool: str
    doc_type: DocType
    delivery_type: str
    entries: tuple[BatchEntry, ...]
    requested_ids: tuple[str, ...]
    recipient_emails: Mapping[str, str] = field(default_factory=dict[str, str])
    """`recipient_emails` as given, keyed by the lower-cased document id."""

    def with_batch_id(self, batch_id: str) -> BatchPrepared:
        """The batch with `batch_id` in each included document's audit records: one id per consent, so the
        records of the documents one person's yes (or no) covered can be told from another consent's over the
        same documents. A call draws a fresh one; the token path derives it from the token (`_token_batch_id`)."""
        entries = tuple(
            dataclasses.replace(e, prepared=dataclasses.replace(e.prepared, batch=batch_id)) if e.prepared else e
            for e in self.entries
        )
        return dataclasses.replace(self, entries=entries)

    def recipient_for(self, document_id: str) -> str | None:
        """The recipient_email given for this document, as typed (the re-check under the lock passes it again)."""
        return self.recipient_emails.get(document_id.lower())

    @property
    def included(self) -> tuple[Prepared, ...]:
        """The documents that will be sent, in the order they were given."""
        return tuple(e.prepared for e in self.entries if e.prepared is not None)

    @property
    def refused(self) -> tuple[BatchEntry, ...]:
        return tuple(e for e in self.entries if e.prepared is None)

    @property
    def label(self) -> str:
        return _LABELS[self.doc_type][0]

    @property
    def plural(self) -> str:
        return _LABELS[self.doc_type][1]

    def totals(self) -> dict[str, Decimal]:
        """The total amount of the included documents, per currency."""
        found: dict[str, Decimal] = {}
        for prepared in self.included:
            currency = prepared.preview.currency
            found[currency] = found.get(currency, Decimal(0)) + prepared.preview.amount
        return found

    def binding(self) -> tuple[str, dict[str, object], str]:
        """What a confirmation token binds: (document id, arguments, fingerprint) for `TokenSigner`.

        The document id names the set of documents to send, the arguments hold their type, each one's resolved
        arguments (delivery, recipient) and the requested ids, the fingerprint each document's state. Sorted, so
        the same set in another order is the same batch."""
        included = sorted(self.included, key=lambda p: p.view.id)
        document_id = _batch_id(p.view.id for p in included)
        arguments: dict[str, object] = {
            "document_type": self.doc_type,
            "delivery_type": self.delivery_type,
            "documents": {p.view.id: p.arguments for p in included},
            "requested": sorted(i.lower() for i in self.requested_ids),
        }
        fingerprint = _digest([[p.view.id, p.fingerprint] for p in included])
        return document_id, arguments, fingerprint


@dataclass(frozen=True)
class BatchItemOutcome:
    document_id: str
    outcome: ItemOutcome
    message: str
    document_number: str | None = None
    differences: list[str] = field(default_factory=list[str])


@dataclass(frozen=True)
class BatchOutcome:
    outcome: BatchOutcomeKind
    message: str
    batch: BatchPrepared
    results: list[BatchItemOutcome]
    confirmation_token: str | None = None
    token_expires_at: dt.datetime | None = None


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:32]


def _batch_id(document_ids: Iterable[str]) -> str:
    """What a batch token binds as its document: the digest of the set of documents to send (in any order)."""
    return "batch:" + _digest(sorted(document_ids))


def _token_batch_id(token: str) -> str:
    """The batch id of a token's consent: the preview that issued it and the call that carries it out share it
    (a digest: the audit never holds the token itself)."""
    return "batch:" + hashlib.sha256(token.encode()).hexdigest()[:32]


def _check_ids(ids: Sequence[str], ids_arg: str) -> None:
    if not ids:
        raise Refused(f"Refused: {ids_arg} is empty; give 1 to {MAX_BATCH} ids. Nothing was sent.")
    if len(ids) > MAX_BATCH:
        raise Refused(
            f"Refused: {ids_arg} has {len(ids)} ids; one call sends at most {MAX_BATCH}. Nothing was sent. "
            "Next step: split them over several calls."
        )
    seen: set[str] = set()
    for document_id in ids:
        key = document_id.lower()
        if key in seen:
            raise Refused(
                f"Refused: {ids_arg} names {document_id} more than once; each document is sent once. "
                "Nothing was sent. Next step: give each id once."
            )
        seen.add(key)


async def preflight_batch(
    guard: Guard,
    tool: str,
    doc_type: DocType,
    fetch: Fetch,
    ids: Sequence[str],
    *,
    ids_arg: str,
    delivery_type: str,
    recipient_emails: Mapping[str, str] | None,
) -> BatchPrepared:
    """Each document through the single send's preflight (which audits its refusals), one after the other.

    Raises `Refused` only for the call's own arguments (no ids, too many, a duplicate, a `recipient_emails` key
    that is not one of the ids); a document refused in preflight is an entry with its reason."""
    _check_ids(ids, ids_arg)
    by_id = {document_id.lower(): document_id for document_id in ids}
    emails: dict[str, str] = {}
    for key, address in (recipient_emails or {}).items():
        if key.lower() not in by_id:
            raise Refused(
                f"Refused: recipient_emails names {visible(key, 60)}, which is not one of {ids_arg}. Nothing was "
                f"sent. Next step: key recipient_emails by ids from {ids_arg}."
            )
        emails[key.lower()] = address
    entries: list[BatchEntry] = []
    for document_id in ids:
        try:
            prepared = await preflight_send(
                guard,
                doc_type,
                fetch,
                document_id,
                delivery_type=delivery_type,
                recipient_email=emails.get(document_id.lower()) or None,
            )
        except Refused as refused:
            # The single send's reason, in the batch's words: its recipient_email is this document's entry.
            reason = _SINGLE_RECIPIENT.sub(f"recipient_emails[{document_id}]", str(refused))
            entries.append(BatchEntry(document_id, refusal=reason))
        else:
            entries.append(BatchEntry(document_id, prepared=prepared))
    return BatchPrepared(
        tool=tool,
        doc_type=doc_type,
        delivery_type=delivery_type,
        entries=tuple(entries),
        requested_ids=tuple(ids),
        recipient_emails=emails,
    ).with_batch_id("batch:" + secrets.token_hex(16))


def choose_batch_consent(
    mode: str, *, can_ask: bool, can_open_page: bool, batch: BatchPrepared, audit: AuditLog
) -> ConsentRoute:
    """The route for the batch, as `choose_consent` picks it; a refusal is audited for every included document."""
    route: ConsentRoute = "token"
    refusal: Refused | None = None
    for prepared in batch.included:
        try:
            route = choose_consent(mode, can_ask=can_ask, prepared=prepared, audit=audit, can_open_page=can_open_page)
        except Refused as refused:
            refusal = refused
    if refusal is not None:
        raise refusal
    return route


# -- the question -----------------------------------------------------------------------------------------------


def _one_line(text: str, limit: int = _REASON_LIMIT) -> str:
    """A sentence of the server's own (data in it went through `visible` where it was made), kept to one row:
    cut at `limit`, and shown through `visible` should anything in it still break a line."""
    if any(unicodedata.category(char) in _UNSAFE for char in text):
        return visible(text, limit)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _recipient_text(prepared: Prepared) -> str:
    recipient = prepared.preview.recipient
    if recipient is None:
        return "no e-mail"
    try:
        address = parse_address(recipient.email).display()
    except AddressError:  # cannot happen for a prepared send: every recipient passed the grammar
        address = visible(recipient.email, 254)
    return f"to {visible(recipient.name)} <{address}>" if recipient.name else f"to {address}"


def _row_text(prepared: Prepared) -> str:
    view, preview = prepared.view, prepared.preview
    number = f"number {visible(view.number, 40)}" if view.number else "new number"
    delivery = "E-mail" if preview.delivery_type == "Email" else "Manual (no e-mail)"
    return "; ".join(
        [
            number,
            f"customer {visible(preview.customer_name, 80)}",
            f"{money(preview.amount, preview.currency)} including VAT",
            delivery,
            _recipient_text(prepared),
        ]
    )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def render_batch(batch: BatchPrepared) -> str:
    """The one question for the whole batch: what will be sent, row by row, before anything else.

    Decision rows first (the action, one row per document to send, the totals per currency, the count, that it
    cannot be undone); then the refused documents with their reasons, the warnings, and each document's state, so
    any change to any of them while the person decides makes it another question."""
    included = batch.included
    count = len(included)
    noun = batch.label if count == 1 else batch.plural
    how = "by e-mail" if batch.delivery_type == "Email" else "without e-mail (Manual: you deliver the PDFs)"
    label = _capital(batch.label)
    decision = [Row("Action", f"Send {count} {noun} {how}")]
    decision.extend(Row(f"{label} {n}", _row_text(p)) for n, p in enumerate(included, 1))
    decision.extend(Row("Total", money(amount, currency)) for currency, amount in batch.totals().items())
    refused = len(batch.refused)
    counted = f"{count} to send"
    if refused:
        counted += f", {refused} refused (not sent, listed below)"
    decision.append(Row("Count", counted))
    decision.append(Row("Can be undone", "no"))
    details: list[Row] = []
    details.extend(
        Row("Refused", f"{visible(entry.document_id, 40)}: {_one_line(entry.refusal or '')}") for entry in batch.refused
    )
    for n, prepared in enumerate(included, 1):
        details.extend(Row("Warning", f"{label.lower()} {n}: {_one_line(w)}") for w in prepared.preview.warnings)
    details.extend(Row(f"Document {n}", f"{p.view.id} (state {p.fingerprint[:12]})") for n, p in enumerate(included, 1))
    return render_rows(decision, details)


# -- the run ----------------------------------------------------------------------------------------------------


def _record_each(guard: Guard, batch: BatchPrepared, outcome: str, *, reason: str | None = None) -> None:
    for prepared in batch.included:
        guard.audit.record(prepared.audit_record(outcome, reason=reason))


def _refused_results(batch: BatchPrepared) -> list[BatchItemOutcome]:
    return [BatchItemOutcome(e.document_id, "refused", e.refusal or "refused") for e in batch.refused]


def _in_order(batch: BatchPrepared, results: Sequence[BatchItemOutcome]) -> list[BatchItemOutcome]:
    """The results in the order the ids were given; every one of them (an id is one document in any case)."""
    by_id = {r.document_id.lower(): r for r in results}
    ordered = [by_id.pop(e.document_id.lower()) for e in batch.entries if e.document_id.lower() in by_id]
    return [*ordered, *by_id.values()]


def _pending(batch: BatchPrepared, outcome: ItemOutcome, message: str) -> list[BatchItemOutcome]:
    pending = [BatchItemOutcome(p.view.id, outcome, message) for p in batch.included]
    return _in_order(batch, [*pending, *_refused_results(batch)])


async def run_batch(
    guard: Guard,
    batch: BatchPrepared,
    consent: Consent,
    token: str | None,
    spec_for: Callable[[Prepared], GuardedAction],
    refusal_of: Callable[[Exception], str | None] = lambda _: None,
) -> BatchOutcome:
    """Consent once for the batch, then each included document through `run_guarded`, one at a time.

    `refusal_of` names the host's own refusals (a lock another call holds): an error it gives a text for refused
    that one document before anything was done; any other error leaves that document's outcome unknown."""
    tool = batch.tool
    if not batch.included:
        return BatchOutcome(
            outcome="none_done",
            message=(
                f"Nothing was sent: every {batch.label} was refused before LedgerBee was asked (the reasons are in "
                "results)."
            ),
            batch=batch,
            results=_refused_results(batch),
        )
    if isinstance(consent, TokenPath):
        document_id, arguments, fingerprint = batch.binding()
        if not token:
            issued = guard.signer.issue(
                action=tool, document_id=document_id, arguments=arguments, fingerprint=fingerprint
            )
            batch = batch.with_batch_id(_token_batch_id(issued))
            _record_each(guard, batch, "confirmation_required")
            return BatchOutcome(
                outcome="confirmation_required",
                message=(
                    f"Nothing was sent yet. Show this preview (every {batch.label} that will be sent, and those "
                    f"refused) to the person. Only if they agree, call {tool} again with the same arguments plus "
                    "this confirmation_token."
                ),
                batch=batch,
                results=_pending(batch, "confirmation_required", "Not sent yet: waiting for the person's yes."),
                confirmation_token=issued,
                token_expires_at=dt.datetime.fromtimestamp(guard.signer.expires_at(issued), dt.UTC),
            )
        batch = batch.with_batch_id(_token_batch_id(token))
        try:
            guard.signer.verify(
                token, action=tool, document_id=document_id, arguments=arguments, fingerprint=fingerprint
            )
        except TokenError as error:
            reason = (
                str(error)
                .replace("the document changed", "a document changed")
                .replace("different action or document", "different action or set of documents")
            )
            _record_each(guard, batch, "refused", reason=reason)
            raise Refused(f"Refused: {reason}. Nothing was sent.") from None
        via = "token"
    elif consent.confirmed:
        via = consent.via
    else:
        _record_each(guard, batch, "declined", reason=f"{consent.via} {consent.action}")
        return BatchOutcome(
            outcome="declined",
            message=f"The person did not confirm ({consent.action}). Nothing was sent.",
            batch=batch,
            results=_pending(batch, "declined", "Not sent: the person did not confirm."),
        )
    agreed = PersonAnswer(confirmed=True, action="accept", via=via)
    results = _refused_results(batch)
    for prepared in batch.included:
        results.append(await _one(guard, spec_for(prepared), prepared, agreed, refusal_of))
    ordered = _in_order(batch, results)
    return BatchOutcome(outcome=_overall(ordered), message=_summary(batch, ordered), batch=batch, results=ordered)


async def _one(
    guard: Guard,
    spec: GuardedAction,
    prepared: Prepared,
    agreed: PersonAnswer,
    refusal_of: Callable[[Exception], str | None],
) -> BatchItemOutcome:
    document_id = prepared.view.id
    try:
        # The single send's flow, with the batch's consent: its lock (only this one held), re-check, attempt
        # record, shielded call, re-read, differences and audit.
        outcome: ActionOutcome = await run_guarded(guard, spec, prepared, agreed, None)
    except Refused as refused:
        return BatchItemOutcome(document_id, "refused", str(refused))
    except Exception as crash:  # one document's failure must not hide what happened to the others
        refusal = refusal_of(crash)
        if refusal is not None:
            return BatchItemOutcome(document_id, "refused", refusal)
        logger.exception("batch send of %s failed inside the server", document_id)
        return BatchItemOutcome(
            document_id,
            "unknown",
            f"The send failed inside this server ({type(crash).__name__}); whether LedgerBee sent it is in the "
            "audit log. Read the document before trying again, so it is not sent twice.",
        )
    item: ItemOutcome = "unknown"
    if outcome.outcome == "done":
        item = "done"
    elif outcome.outcome == "not_done":
        item = "not_done"
    return BatchItemOutcome(
        document_id,
        item,
        outcome.message,
        document_number=outcome.document_number if item == "done" else None,
        differences=list(outcome.differences),
    )


def _overall(results: Sequence[BatchItemOutcome]) -> BatchOutcomeKind:
    done = sum(1 for r in results if r.outcome == "done")
    if done == len(results):
        return "done"
    return "partly_done" if done else "none_done"


def _summary(batch: BatchPrepared, results: Sequence[BatchItemOutcome]) -> str:
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    done = counts.get("done", 0)
    message = f"Sent {done} of {len(results)} {batch.plural}."
    if counts.get("refused"):
        message += f" {counts['refused']} refused, not sent (each with its reason in results)."
    if counts.get("not_done"):
        message += f" {counts['not_done']} not sent (no answer from LedgerBee; a re-read shows no send): safe to retry."
    if counts.get("unknown"):
        message += (
            f" {counts['unknown']} with an unknown outcome: read those documents before trying again, so none is "
            "sent twice."
        )
    if any(r.differences for r in results):
        message += " For some, LedgerBee now shows something other than what the person approved: see results."
    return message
