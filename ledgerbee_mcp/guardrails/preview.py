"""Preflight and preview for send and convert: read the document, check what the API documents, show
exactly what will happen, and refuse early with the reason and the next step."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Awaitable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, TypeVar

from ledgerbee_mcp.api import Contact, Customer, LedgerBeeError, OrderConfirmation, Quote
from ledgerbee_mcp.api.errors import explain
from ledgerbee_mcp.guardrails.audit import AuditRecord
from ledgerbee_mcp.guardrails.context import Policy
from ledgerbee_mcp.guardrails.outcomes import Preview, Recipient, Refused

if TYPE_CHECKING:
    from ledgerbee_mcp.api import LedgerBeeClient

__all__ = ["DocView", "Prepared", "fingerprint", "prepare_convert", "prepare_send", "read", "view_of"]

T = TypeVar("T")


async def read(call: Awaitable[T]) -> T:
    """A read the checks depend on: if LedgerBee cannot answer it, nothing is done, and the agent is told why."""
    try:
        return await call
    except LedgerBeeError as error:
        raise Refused(explain(error)) from None

DocType = Literal["quote", "order_confirmation"]
_LABEL: dict[DocType, str] = {"quote": "quote", "order_confirmation": "order confirmation"}
_TARGET_LABEL = {"orderConfirmation": "order confirmation", "invoice": "invoice"}


@dataclass(frozen=True)
class DocView:
    """The fields of a quote or an order confirmation that the guardrails look at."""

    doc_type: DocType
    id: str
    number: str | None
    status: str
    display_status: str
    valid_until: dt.date | None
    customer_id: str | None
    currency: str
    amount: Decimal
    line_count: int
    converted_to_document_id: str | None
    converted_to_invoice_id: str | None
    sent_at: dt.datetime | None
    updated_at: dt.datetime | None
    lines_digest: str

    @property
    def label(self) -> str:
        return _LABEL[self.doc_type]

    @property
    def converted_to(self) -> str | None:
        return self.converted_to_invoice_id or self.converted_to_document_id


def view_of(doc: Quote | OrderConfirmation) -> DocView:
    lines = [
        [ln.description, str(ln.line_type), str(ln.quantity), str(ln.unit_price), str(ln.total_price)]
        for ln in doc.lines
    ]
    is_quote = isinstance(doc, Quote)
    return DocView(
        doc_type="quote" if is_quote else "order_confirmation",
        id=doc.id,
        number=doc.document_number,
        status=str(doc.status),
        display_status=str(doc.display_status),
        valid_until=doc.valid_until if isinstance(doc, Quote) else None,
        customer_id=doc.customer_id,
        currency=doc.currency,
        amount=doc.amount,
        line_count=len(doc.lines),
        converted_to_document_id=doc.converted_to_document_id if isinstance(doc, Quote) else None,
        converted_to_invoice_id=doc.converted_to_invoice_id,
        sent_at=doc.sent_at,
        updated_at=doc.updated_at,
        lines_digest=hashlib.sha256(json.dumps(lines).encode()).hexdigest()[:16],
    )


def fingerprint(view: DocView) -> str:
    """Changes whenever the document is edited, sent or converted."""
    state = [
        view.id,
        view.number,
        view.status,
        view.display_status,
        view.customer_id,
        view.currency,
        str(view.amount),
        view.converted_to,
        view.sent_at.isoformat() if view.sent_at else None,
        view.updated_at.isoformat() if view.updated_at else None,
        view.lines_digest,
    ]
    return hashlib.sha256(json.dumps(state).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Prepared:
    """A checked document and the preview of the action on it."""

    action: Literal["send", "convert"]
    view: DocView
    preview: Preview
    fingerprint: str
    arguments: dict[str, object]
    """The arguments the confirmation binds (everything but the token)."""

    @property
    def shown_recipient(self) -> str | None:
        """The e-mail address the preview showed: a send passes exactly this to LedgerBee as `recipientEmail`."""
        return self.preview.recipient.email if self.preview.recipient else None

    def audit_record(
        self,
        outcome: str,
        *,
        reason: str | None = None,
        consent: str | None = None,
        document_number: str | None = None,
        produced_document_id: str | None = None,
        requested: dict[str, object] | None = None,
        differences: list[str] | None = None,
    ) -> AuditRecord:
        """The audit line for this action with this outcome."""
        preview = self.preview
        return AuditRecord(
            action=self.action,
            document_type=self.view.doc_type,
            document_id=self.view.id,
            outcome=outcome,
            delivery_type=preview.delivery_type,
            recipient=preview.recipient.email if preview.recipient else None,
            target=preview.target,
            reason=reason,
            consent=consent,
            document_number=document_number,
            produced_document_id=produced_document_id,
            requested=requested,
            differences=differences,
        )


def _refuse(view: DocView, reason: str, next_step: str) -> Refused:
    return Refused(f"Refused before calling LedgerBee: the {view.label} {view.id} {reason}. Next step: {next_step}")


def _check_not_converted(view: DocView, action: str) -> None:
    if view.converted_to:
        produced = "invoice" if view.converted_to_invoice_id else "order confirmation"
        raise _refuse(
            view,
            f"was converted to {produced} {view.converted_to} and is read-only, so it cannot be {action}",
            f"act on the {produced} {view.converted_to} instead",
        )


def _common_warnings(view: DocView, today: dt.date) -> list[str]:
    warnings: list[str] = []
    if view.display_status == "expired" or (
        view.valid_until is not None and view.valid_until < today and view.status in ("draft", "sent")
    ):
        warnings.append(f"The quote's validUntil ({view.valid_until}) has passed.")
    if view.amount == 0:
        warnings.append("The document's total amount is 0.00.")
    if view.status == "rejected":
        warnings.append("The customer rejected this quote.")
    return warnings


async def _customer(client: LedgerBeeClient, view: DocView) -> Customer | None:
    if view.customer_id is None:
        return None
    return await read(client.customers.get(view.customer_id))


def _base_preview(view: DocView, customer: Customer | None, warnings: list[str]) -> Preview:
    number = view.number or "none yet: LedgerBee allocates the next number on send"
    return Preview(
        document_number=number,
        status=view.display_status,
        customer_id=view.customer_id,
        customer_name=customer.name if customer else None,
        amount=view.amount,
        currency=view.currency,
        line_count=view.line_count,
        warnings=warnings,
    )


def _domain_allowed(email: str, domains: tuple[str, ...]) -> bool:
    if not domains:
        return True
    host = email.rsplit("@", 1)[-1].lower()
    return any(host == d or host.endswith("." + d) for d in domains)


def _candidates(contacts: list[Contact], customer: Customer | None) -> str:
    rows = [f"{json.dumps(c.name or '', ensure_ascii=False)} <{c.email}> (contact)" for c in contacts if c.email]
    if customer is not None and customer.email:
        rows.append(f"{json.dumps(customer.name, ensure_ascii=False)} <{customer.email}> (the customer's address)")
    return "; ".join(rows)


async def _resolve_recipient(
    client: LedgerBeeClient, view: DocView, customer: Customer | None, explicit: str | None
) -> Recipient:
    """The address the e-mail will go to, which the send then passes to LedgerBee as `recipientEmail`.

    LedgerBee's answers do not say which contact a document has, so without `recipient_email` the server cannot
    know whom LedgerBee would pick: where the customer has contacts with an e-mail it refuses to guess."""
    contacts: list[Contact] = []
    if view.customer_id is not None:
        contacts = await read(client.customers.contacts(view.customer_id))
    known = {c.email.lower() for c in contacts if c.email}
    if explicit:
        return Recipient(email=explicit, source="argument", is_contact=explicit.lower() in known)
    if known:
        raise _refuse(
            view,
            "has more than one possible e-mail recipient, and LedgerBee's answers do not say which contact the "
            f"{view.label} has; candidates: {_candidates(contacts, customer)}",
            "ask the person which address to use and pass it as recipient_email",
        )
    if customer is not None and customer.email:
        return Recipient(email=customer.email, source="customer e-mail", is_contact=False)
    raise _refuse(
        view,
        "has no e-mail recipient: no recipient_email was given, its contact has no e-mail, "
        "and the customer has none (LedgerBee would answer SALES_DOCUMENT_MISSING_RECIPIENT)",
        "pass recipient_email, or send with delivery_type Manual and deliver the PDF yourself",
    )


async def prepare_send(
    client: LedgerBeeClient,
    policy: Policy,
    doc: Quote | OrderConfirmation,
    *,
    delivery_type: str,
    recipient_email: str | None,
    today: dt.date,
) -> Prepared:
    view = view_of(doc)
    _check_not_converted(view, "sent")
    if delivery_type == "Manual" and recipient_email:
        raise _refuse(
            view,
            "was given recipient_email with Manual delivery, where no e-mail goes out",
            "use delivery_type Email to e-mail it, or drop recipient_email",
        )
    if delivery_type == "Email" and not policy.allow_email:
        raise _refuse(
            view,
            "cannot be e-mailed: this server is configured with LEDGERBEE_ALLOW_EMAIL=false",
            "send with delivery_type Manual and deliver the PDF yourself",
        )
    customer = await _customer(client, view)
    warnings = _common_warnings(view, today)
    if view.status != "draft":
        warnings.append(f"Already sent ({view.status}, number {view.number}, at {view.sent_at}): this sends it again.")
        if view.sent_at and view.updated_at and view.updated_at - view.sent_at > dt.timedelta(seconds=2):
            warnings.append("The document was edited after it was last sent.")
    recipient: Recipient | None = None
    if delivery_type == "Email":
        recipient = await _resolve_recipient(client, view, customer, recipient_email)
        if not _domain_allowed(recipient.email, policy.recipient_domains):
            raise _refuse(
                view,
                f"would go to {recipient.email}, outside the allowed recipient domains "
                f"({', '.join(policy.recipient_domains)})",
                "use a recipient in an allowed domain, or send with delivery_type Manual",
            )
        if not recipient.is_contact:
            warnings.append(
                f"{recipient.email} is not yet a contact of the customer: LedgerBee will create it as a contact "
                f"and link it to the {view.label}."
            )
    preview = _base_preview(view, customer, warnings)
    preview.delivery_type = delivery_type
    preview.recipient = recipient
    arguments: dict[str, object] = {
        "delivery_type": delivery_type,
        "recipient_email": recipient_email.lower() if recipient_email else None,
        # The address actually resolved is bound too: a customer or contact e-mail changed after the preview
        # must not receive a document the person approved for someone else.
        "resolved_recipient": recipient.email.lower() if recipient else None,
    }
    return Prepared(action="send", view=view, preview=preview, fingerprint=fingerprint(view), arguments=arguments)


async def prepare_convert(
    client: LedgerBeeClient, doc: Quote | OrderConfirmation, *, target: str, today: dt.date
) -> Prepared:
    view = view_of(doc)
    if view.converted_to:
        code = (
            "SALES_DOCUMENT_ALREADY_CONVERTED_TO_INVOICE"
            if view.converted_to_invoice_id
            else "SALES_DOCUMENT_ALREADY_CONVERTED_TO_DOCUMENT"
        )
        raise _refuse(
            view,
            f"was already converted, to {view.converted_to} (LedgerBee would answer {code})",
            f"read the produced document {view.converted_to}",
        )
    if view.status == "draft":
        raise _refuse(
            view,
            "is still a draft (LedgerBee would answer SALES_DOCUMENT_CONVERT_REQUIRES_SENT)",
            f"send the {view.label} first (send_{view.doc_type}), then convert it",
        )
    if view.status == "rejected":
        raise _refuse(
            view,
            "was rejected by the customer, and a rejected quote does not convert "
            "(LedgerBee would answer SALES_DOCUMENT_CONVERT_REQUIRES_SENT); sending it again keeps it rejected",
            "if the customer has changed their mind, they accept it in LedgerBee's customer portal and it "
            "converts then; otherwise create a new quote with what they agree to (create_quote), send it and "
            "convert that one",
        )
    customer = await _customer(client, view)
    preview = _base_preview(view, customer, _common_warnings(view, today))
    preview.target = target
    preview.warnings.append(
        f"The {view.label} becomes read-only and converts only once; LedgerBee creates the {_TARGET_LABEL[target]} "
        f"from its fields and lines."
    )
    return Prepared(
        action="convert", view=view, preview=preview, fingerprint=fingerprint(view), arguments={"target": target}
    )


def render_preview(prepared: Prepared) -> str:
    """The preview as the person reads it. Document text is quoted as data, never as instructions."""

    def q(value: object) -> str:
        return json.dumps(str(value), ensure_ascii=False)

    preview, view = prepared.preview, prepared.view
    if prepared.action == "send":
        head = f"Send {view.label} {view.id}"
    else:
        head = f"Convert {view.label} {view.id} to {preview.target}"
    rows = [
        head,
        f"Number: {preview.document_number}",
        f"Status: {preview.status}",
        f"Customer: {q(preview.customer_name)} ({preview.customer_id})",
        f"Amount: {preview.amount} {preview.currency} on {preview.line_count} line(s)",
    ]
    if preview.delivery_type:
        rows.append(f"Delivery: {preview.delivery_type}")
    if preview.recipient:
        rows.append(f"Recipient: {q(preview.recipient.email)} (from the {preview.recipient.source})")
    rows.extend(f"Warning: {w}" for w in preview.warnings)
    rows.append("This cannot be undone.")
    return "\n".join(rows)
