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

from ledgerbee_mcp.api import Contact, ConvertDocument, Customer, Invoice, LedgerBeeError, OrderConfirmation, Quote
from ledgerbee_mcp.api.errors import explain
from ledgerbee_mcp.guardrails.addresses import Address, AddressError, domain_allowed, parse_address
from ledgerbee_mcp.guardrails.audit import AuditRecord
from ledgerbee_mcp.guardrails.context import Policy
from ledgerbee_mcp.guardrails.outcomes import Preview, Recipient, Refused
from ledgerbee_mcp.guardrails.render import Row, money, render_rows, visible

if TYPE_CHECKING:
    from ledgerbee_mcp.api import LedgerBeeClient
    from ledgerbee_mcp.guardrails.target import Target

__all__ = [
    "DocType",
    "DocView",
    "Document",
    "Prepared",
    "fingerprint",
    "prepare_convert",
    "prepare_send",
    "read",
    "view_of",
]

T = TypeVar("T")


async def read(call: Awaitable[T]) -> T:
    """A read the checks depend on: if LedgerBee cannot answer it, nothing is done, and the agent is told why."""
    try:
        return await call
    except LedgerBeeError as error:
        raise Refused(explain(error)) from None


DocType = Literal["quote", "order_confirmation", "invoice"]
Document = Quote | OrderConfirmation | Invoice
_LABEL: dict[DocType, str] = {"quote": "quote", "order_confirmation": "order confirmation", "invoice": "invoice"}
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
    lines: tuple[tuple[str | None, Decimal, Decimal], ...] = ()
    """Each line's description, quantity and unit price, for the person's summary."""
    zero_vat_lines: int = 0
    """Product lines with a 0 % VAT rate."""

    @property
    def label(self) -> str:
        return _LABEL[self.doc_type]

    @property
    def converted_to(self) -> str | None:
        return self.converted_to_invoice_id or self.converted_to_document_id


def _doc_type(doc: Document) -> DocType:
    if isinstance(doc, Quote):
        return "quote"
    return "order_confirmation" if isinstance(doc, OrderConfirmation) else "invoice"


def view_of(doc: Document) -> DocView:
    lines = [
        [ln.description, str(ln.line_type), str(ln.quantity), str(ln.unit_price), str(ln.total_price)]
        for ln in doc.lines
    ]
    return DocView(
        doc_type=_doc_type(doc),
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
        converted_to_invoice_id=None if isinstance(doc, Invoice) else doc.converted_to_invoice_id,
        sent_at=doc.sent_at,
        updated_at=doc.updated_at,
        lines_digest=hashlib.sha256(json.dumps(lines).encode()).hexdigest()[:16],
        lines=tuple((ln.description, ln.quantity, ln.unit_price) for ln in doc.lines),
        zero_vat_lines=sum(1 for ln in doc.lines if ln.line_type != "text" and ln.vat_rate == 0),
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
    target: Target | None = None
    """For a convert: the document it will produce, as approved."""
    changes: tuple[tuple[str, str], ...] = ()
    """For a convert: each overridden field and its value, rendered for the person."""
    batch: str | None = None
    """For a document of a batch send: the batch's id, written into each of its audit records."""

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
            batch=self.batch,
        )


def _refuse(view: DocView, reason: str, next_step: str) -> Refused:
    return Refused(f"Refused before calling LedgerBee: the {view.label} {view.id} {reason}. Next step: {next_step}")


def _check_not_converted(view: DocView, action: str) -> None:
    if view.converted_to:
        produced = "invoice" if view.converted_to_invoice_id else "order confirmation"
        raise _refuse(
            view,
            f"was converted to {produced} {view.converted_to} and is read-only, so it cannot be {action}",
            f"to give the customer a copy of this {view.label}, get its PDF (get_document_pdf) and forward it; to "
            f"send what it became, use send_{'invoice' if view.converted_to_invoice_id else 'order_confirmation'} "
            f"on {view.converted_to}",
        )


def _common_warnings(view: DocView, today: dt.date) -> list[str]:
    warnings: list[str] = []
    if view.display_status == "expired" or (
        view.valid_until is not None and view.valid_until < today and view.status in ("draft", "sent")
    ):
        warnings.append(f"The quote's valid-until date ({view.valid_until}) has passed.")
    if view.amount == 0:
        warnings.append(f"The {view.label}'s total amount is 0.00.")
    if view.status == "rejected":
        warnings.append("The customer rejected this quote.")
    return warnings


# A Danish-style ledger: a customer in the same country pays VAT, so a 0 % line there is usually a mistake.
_DOMESTIC = "DK"


def _send_warnings(view: DocView, customer: Customer | None) -> list[str]:
    warnings: list[str] = []
    if view.doc_type == "quote" and view.valid_until is None:
        warnings.append("The quote has no valid-until date: the offer will not expire.")
    country = customer.address.country if customer is not None and customer.address is not None else None
    if view.zero_vat_lines and (country or "").upper() == _DOMESTIC:
        warnings.append(
            f"{view.zero_vat_lines} line(s) have 0 % VAT, but the customer is in {_DOMESTIC}: check the price."
        )
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


def _shown(email: str) -> str:
    try:
        return parse_address(email).display()
    except AddressError:
        return f"{visible(email, 254)} (not a usable address)"


def _candidates(contacts: list[Contact], customer: Customer | None) -> str:
    rows = [f"{visible(c.name)} <{_shown(c.email)}> (contact)" for c in contacts if c.email]
    if customer is not None and customer.email:
        rows.append(f"{visible(customer.name)} <{_shown(customer.email)}> (the customer's address)")
    return "; ".join(rows)


def _parsed(view: DocView, text: str, whose: str) -> Address:
    """Every recipient, whoever typed it, passes the one strict grammar (addresses.py) or nothing is sent."""
    try:
        return parse_address(text)
    except AddressError as error:
        raise _refuse(
            view,
            f"cannot be e-mailed to {whose}: {error}",
            "pass a plain recipient_email, or send with delivery_type Manual",
        ) from None


async def _resolve_recipient(
    client: LedgerBeeClient, view: DocView, customer: Customer | None, explicit: str | None
) -> tuple[Recipient, Address]:
    """The address the e-mail will go to, which the send then passes to LedgerBee as `recipientEmail`.

    LedgerBee's answers do not say which contact a document has, so without `recipient_email` the server cannot
    know whom LedgerBee would pick: where the customer's contacts and own address give more than one address, it
    refuses to guess."""
    contacts: list[Contact] = []
    if view.customer_id is not None:
        contacts = await read(client.customers.contacts(view.customer_id))
    by_address = {c.email.strip().lower(): c for c in contacts if c.email}
    if explicit:
        address = _parsed(view, explicit, "the recipient_email given")
        contact = by_address.get(address.ascii.lower())
        return (
            Recipient(
                email=address.ascii,
                source="argument",
                is_contact=contact is not None,
                name=contact.name if contact else None,
            ),
            address,
        )
    customer_email = customer.email.strip().lower() if customer is not None and customer.email else None
    distinct: set[str] = set(by_address)
    if customer_email:
        distinct.add(customer_email)
    if len(distinct) > 1:
        raise _refuse(
            view,
            "has more than one possible e-mail recipient, and LedgerBee's answers do not say which contact the "
            f"{view.label} has; candidates: {_candidates(contacts, customer)}",
            "ask the person which address to use and pass it as recipient_email",
        )
    if customer is not None and customer.email:
        address = _parsed(view, customer.email, "the customer's own address")
        contact = by_address.get(address.ascii.lower())
        return (
            Recipient(
                email=address.ascii,
                source="customer e-mail",
                is_contact=contact is not None,
                name=contact.name if contact else None,
            ),
            address,
        )
    if by_address:
        # The one contact address there is; the customer has none of its own.
        contact = next(iter(by_address.values()))
        address = _parsed(view, contact.email or "", f"the contact {visible(contact.name)}")
        return Recipient(email=address.ascii, source="contact", is_contact=True, name=contact.name), address
    raise _refuse(
        view,
        "has no e-mail recipient: no recipient_email was given, and neither the customer nor any of its contacts "
        "has an e-mail address (LedgerBee would answer SALES_DOCUMENT_MISSING_RECIPIENT)",
        "pass recipient_email, or send with delivery_type Manual and deliver the PDF yourself",
    )


async def prepare_send(
    client: LedgerBeeClient,
    policy: Policy,
    doc: Document,
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
    warnings = _common_warnings(view, today) + _send_warnings(view, customer)
    if view.status != "draft":
        warnings.append(
            f"Already sent ({visible(view.status, 30)}, number {visible(view.number, 40)}, at {view.sent_at}): "
            "this sends it again."
        )
        if view.sent_at and view.updated_at and view.updated_at > view.sent_at:
            # A send sets updatedAt to the send's own time, so any later updatedAt is an edit after it.
            warnings.append(f"The {view.label} was edited after it was last sent.")
    recipient: Recipient | None = None
    if delivery_type == "Email":
        recipient, address = await _resolve_recipient(client, view, customer, recipient_email)
        if not domain_allowed(address, policy.recipient_domains):
            raise _refuse(
                view,
                f"would go to {address.display()}, outside the allowed recipient domains "
                f"({', '.join(policy.recipient_domains)})",
                "use a recipient in an allowed domain, or send with delivery_type Manual",
            )
        if address.warning:
            warnings.append(address.warning)
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
    client: LedgerBeeClient,
    doc: Document,
    *,
    target: str,
    today: dt.date,
    override: ConvertDocument | None = None,
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
    from ledgerbee_mcp.guardrails.target import target_of  # target.py builds on this module

    customer = await _customer(client, view)
    produced = await target_of(client, view, override, (doc.subtotal, doc.vat))
    preview = _base_preview(view, customer, _common_warnings(view, today))
    preview.target = target
    preview.amount = produced.amount
    preview.line_count = len(produced.lines)
    if produced.overridden:
        preview.warnings.append(
            f"The {_TARGET_LABEL[target]} differs from the {view.label} in: {', '.join(produced.overridden)}"
            + (
                f"; its amount is {money(produced.amount, view.currency)} (the {view.label}'s: "
                f"{money(view.amount, view.currency)})."
                if produced.amount != view.amount
                else "."
            )
        )
    preview.warnings.extend(produced.notes)
    preview.warnings.append(
        f"The {view.label} becomes read-only and converts only once; LedgerBee creates the {_TARGET_LABEL[target]} "
        f"from its fields and lines{' with these changes' if produced.overridden else ''}."
    )
    arguments: dict[str, object] = {"target": target, "document": produced.digest or None}
    return Prepared(
        action="convert",
        view=view,
        preview=preview,
        fingerprint=fingerprint(view),
        arguments=arguments,
        target=produced,
        changes=await _changes_shown(client, view, override),
    )


_CHANGE_LABELS = {
    "date": "New date",
    "reference": "New reference",
    "our_reference": "New our reference",
    "notes": "New notes",
    "customer_contact_id": "New contact",
}


async def _changes_shown(
    client: LedgerBeeClient, view: DocView, override: ConvertDocument | None
) -> tuple[tuple[str, str], ...]:
    """Each field the override sets, with its value as the person must see it (not just its name)."""
    if override is None:
        return ()
    rows: list[tuple[str, str]] = []
    for name, label in _CHANGE_LABELS.items():
        if name not in override.model_fields_set:
            continue
        value: object = getattr(override, name)
        if value is None:
            rows.append((label, "(cleared)"))
        elif name == "customer_contact_id" and view.customer_id is not None:
            contacts = await read(client.customers.contacts(view.customer_id))
            contact = next((c for c in contacts if c.id == value), None)
            shown = (
                f"{visible(contact.name)} <{visible(contact.email, 254)}>"
                if contact
                else "not a contact of the customer"
            )
            rows.append((label, f"{shown} ({value})"))
        else:
            rows.append((label, visible(str(value), 300)))
    return tuple(rows)


_TARGET_A = {"orderConfirmation": "an order confirmation", "invoice": "an invoice"}
_LINES_SHOWN = 3


def _lines_summary(prepared: Prepared, currency: str) -> str:
    view = prepared.view
    lines = (
        [(ln.description, ln.quantity, ln.unit_price) for ln in prepared.target.lines]
        if prepared.target is not None
        else list(view.lines)
    )
    shown = [
        f"{visible(description, 60)} {quantity.normalize():f} x {money(unit_price, currency)}"
        for description, quantity, unit_price in lines[:_LINES_SHOWN]
    ]
    more = len(lines) - _LINES_SHOWN
    if more > 0:
        shown.append(f"and {more} more")
    return f"{len(lines)} line(s): " + "; ".join(shown)


def _recipient_text(recipient: Recipient) -> str:
    try:
        address = parse_address(recipient.email).display()
    except AddressError:  # cannot happen for a prepared send: every recipient passed the grammar
        address = visible(recipient.email, 254)
    return f"{visible(recipient.name)} <{address}>" if recipient.name else address


def render_preview(prepared: Prepared) -> str:
    """The question as the person reads it: the rows they decide on first, then the details.

    Every text that comes from data goes through `visible` (escaped, one line, cut at a limit), so no name or
    description can forge a row or push the recipient out of sight. The document's state is part of the question,
    so any change while the person decides makes it another question (asked again, never answered by the old yes).
    """
    preview, view = prepared.preview, prepared.view
    number = visible(view.number, 40) if view.number else "none yet (LedgerBee allocates the next number on send)"
    if prepared.action == "send":
        how = "by e-mail" if preview.delivery_type == "Email" else "without e-mail (Manual: you deliver the PDF)"
        action = f"Send {view.label} {number if view.number else '(new number)'} {how}"
    else:
        shown = number if view.number else ""
        action = f"Convert {view.label} {shown} into {_TARGET_A.get(preview.target or '', 'a document')}"
    decision = [
        Row("Action", " ".join(action.split())),
        Row("Number", number),
        Row("Amount", f"{money(preview.amount, preview.currency)} including VAT"),
    ]
    if prepared.action == "send":
        decision.append(Row("Delivery", "E-mail" if preview.delivery_type == "Email" else "Manual (no e-mail)"))
    if preview.recipient:
        decision.append(Row("Recipient", _recipient_text(preview.recipient)))
    decision.extend(Row(label, value) for label, value in prepared.changes)
    decision.append(Row("Can be undone", "no"))
    details = [
        Row("Customer", visible(preview.customer_name)),
        Row("Lines", _lines_summary(prepared, preview.currency)),
        Row("Status", visible(preview.status, 30)),
    ]
    if view.valid_until is not None:
        details.append(Row("Valid until", view.valid_until.isoformat()))
    # Warnings are the server's own sentences; any data in them went through `visible` where they were made.
    details.extend(Row("Warning", w) for w in preview.warnings)
    details.append(Row("Document", f"{view.id} (state {prepared.fingerprint[:12]})"))
    return render_rows(decision, details)
