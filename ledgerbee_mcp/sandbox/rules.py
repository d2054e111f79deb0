"""The documents' lifecycle: create, update, send, convert, accept/reject, and who an e-mail goes to.

Each function runs inside the caller's transaction (see `db.Database`) and raises `SandboxError` to refuse;
the transaction then rolls back, so a refused request leaves no trace.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, cast

from ledgerbee_mcp.sandbox import catalog, store
from ledgerbee_mcp.sandbox.clock import now_iso
from ledgerbee_mcp.sandbox.errors import invalid_transition, not_found, rule_violation
from ledgerbee_mcp.sandbox.inputs import DocumentInput, LineInput, convert_input, document_input, send_input
from ledgerbee_mcp.sandbox.json_codec import dumps
from ledgerbee_mcp.sandbox.kinds import INVOICE, KINDS, QUOTE, DocumentKind
from ledgerbee_mcp.sandbox.money import line_amounts, totals
from ledgerbee_mcp.sandbox.rendering import PdfSource, pdf_source
from ledgerbee_mcp.sandbox.store import DocumentRecord, LineRecord

__all__ = [
    "ALREADY_CONVERTED_TO_DOCUMENT",
    "ALREADY_CONVERTED_TO_INVOICE",
    "CONVERT_REQUIRES_SENT",
    "LOCKED_CONVERTED",
    "MISSING_RECIPIENT",
    "Delivery",
    "SendPlan",
    "convert_document",
    "create_document",
    "decide_quote",
    "finish_send",
    "last_delivery",
    "prepare_send",
    "require_document",
    "resolve_recipient",
    "update_document",
]

LOCKED_CONVERTED = "SALES_DOCUMENT_LOCKED_CONVERTED"
MISSING_RECIPIENT = "SALES_DOCUMENT_MISSING_RECIPIENT"
CONVERT_REQUIRES_SENT = "SALES_DOCUMENT_CONVERT_REQUIRES_SENT"
ALREADY_CONVERTED_TO_DOCUMENT = "SALES_DOCUMENT_ALREADY_CONVERTED_TO_DOCUMENT"
ALREADY_CONVERTED_TO_INVOICE = "SALES_DOCUMENT_ALREADY_CONVERTED_TO_INVOICE"
_INVOICE_TERMS = dt.timedelta(days=14)  # dueDate of an invoice a conversion produces
_ZERO = Decimal("0.00")


def require_document(conn: sqlite3.Connection, tenant_id: str, kind: DocumentKind, doc_id: str) -> DocumentRecord:
    doc = store.get_document(conn, tenant_id, kind.name, doc_id, store.tenant_today(conn, tenant_id))
    if doc is None:
        raise not_found(kind.label, doc_id)
    return doc


def _reload(conn: sqlite3.Connection, doc: DocumentRecord) -> DocumentRecord:
    return require_document(conn, doc.tenant_id, KINDS[doc.kind], doc.id)


def _line_records(inputs: Sequence[LineInput]) -> list[LineRecord]:
    records: list[LineRecord] = []
    for position, line in enumerate(inputs):
        amounts = line_amounts(line.quantity, line.unit_price, line.vat_rate)
        records.append(
            LineRecord(
                id=str(uuid.uuid4()),
                position=position,
                price_id=line.price_id,
                description=line.description,
                line_type=line.line_type,
                quantity=line.quantity,
                unit_price=line.unit_price,
                vat_rate=line.vat_rate,
                total_price=amounts.total_price,
                vat_amount=amounts.vat_amount,
            )
        )
    return records


def _with_totals(doc: DocumentRecord, lines: Sequence[LineRecord]) -> DocumentRecord:
    sums = totals(line_amounts(line.quantity, line.unit_price, line.vat_rate) for line in lines)
    return dataclasses.replace(doc, subtotal=sums.subtotal, vat=sums.vat, amount=sums.amount)


def _customer_currency(conn: sqlite3.Connection, tenant_id: str, customer_id: str) -> str:
    customer = catalog.get_customer(conn, tenant_id, customer_id)
    return "DKK" if customer is None else customer.currency


def _bumped(doc: DocumentRecord) -> DocumentRecord:
    """`doc` as its next content revision: what its PDF shows changed (fields, lines, number).

    A send compares revisions to know whether the PDF it drew is still the document's.
    """
    return dataclasses.replace(doc, updated_at=now_iso(), version=doc.version + 1)


def _touched(doc: DocumentRecord) -> DocumentRecord:
    """`doc` changed in a way its PDF does not show (status, sentAt, a conversion link)."""
    return dataclasses.replace(doc, updated_at=now_iso())


def _lock_if_converted(kind: DocumentKind, doc: DocumentRecord) -> None:
    if doc.converted:
        raise rule_violation(
            LOCKED_CONVERTED,
            f"{kind.label} {doc.id} was converted and is read-only; act on the document it produced instead",
        )


def create_document(
    conn: sqlite3.Connection, tenant_id: str, kind: DocumentKind, body: Mapping[str, object]
) -> DocumentRecord:
    given = document_input(conn, tenant_id, kind, body, mode="create")
    customer_id, date, line_inputs = given.required()
    now = now_iso()
    lines = _line_records(line_inputs)
    doc = DocumentRecord(
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        kind=kind.name,
        status="draft",
        document_number=None,
        number_seq=None,
        date=date,
        valid_until=given.valid_until,
        due_date=None,
        currency=given.currency or _customer_currency(conn, tenant_id, customer_id),
        reference=given.reference,
        our_reference=given.our_reference,
        notes=given.notes,
        customer_id=customer_id,
        customer_contact_id=given.customer_contact_id,
        customer_department_id=given.customer_department_id,
        source_document_id=None,
        converted_to_document_id=None,
        converted_to_invoice_id=None,
        subtotal=_ZERO,
        vat=_ZERO,
        amount=_ZERO,
        sent_at=None,
        created_at=now,
        updated_at=now,
        version=1,
    )
    doc = _with_totals(doc, lines)
    store.insert_document(conn, doc, lines)
    return _reload(conn, doc)


def update_document(
    conn: sqlite3.Connection, kind: DocumentKind, doc: DocumentRecord, body: Mapping[str, object]
) -> DocumentRecord:
    """Replace the editable fields and the lines wholesale (PATCH carries the full intended set).

    The lock comes before the body: no body can make a converted document editable, so naming its fields
    would send the caller fixing what can never be applied. An order confirmation's `status: "sent"` on a
    draft is the Manual send it stands for; back to draft is refused.
    """
    _lock_if_converted(kind, doc)
    given = document_input(
        conn, doc.tenant_id, kind, body, mode="update", current_status=doc.status if kind.patch_sets_status else None
    )
    customer_id, date, line_inputs = given.required()
    lines = _line_records(line_inputs)
    updated = dataclasses.replace(
        _bumped(doc),
        date=date,
        valid_until=given.valid_until,
        currency=given.currency or _customer_currency(conn, doc.tenant_id, customer_id),
        reference=given.reference,
        our_reference=given.our_reference,
        notes=given.notes,
        customer_id=customer_id,
        customer_contact_id=given.customer_contact_id,
        customer_department_id=given.customer_department_id,
    )
    marked_sent = given.status == "sent" and doc.status == "draft"
    if marked_sent:
        updated = dataclasses.replace(_numbered(conn, kind, updated), status="sent", sent_at=updated.updated_at)
    updated = _with_totals(updated, lines)
    store.save_document(conn, updated)
    store.replace_lines(conn, doc.id, lines)
    if marked_sent:
        _sent_event(conn, kind, updated, "Manual", None)
    return _reload(conn, updated)


def _numbered(conn: sqlite3.Connection, kind: DocumentKind, doc: DocumentRecord) -> DocumentRecord:
    if doc.document_number is not None:
        return doc
    seq, number = store.allocate_number(conn, doc.tenant_id, kind)
    return dataclasses.replace(doc, number_seq=seq, document_number=number)


def resolve_recipient(
    conn: sqlite3.Connection, doc: DocumentRecord, recipient_email: str | None
) -> str | None:
    """`recipientEmail`, else the document's contact's e-mail, else the customer's e-mail, else None."""
    if recipient_email is not None:
        return recipient_email
    if doc.customer_contact_id is not None:
        contact = catalog.get_contact(conn, doc.tenant_id, doc.customer_contact_id)
        if contact is not None and contact.email:
            return contact.email
    customer = catalog.get_customer(conn, doc.tenant_id, doc.customer_id)
    if customer is not None and customer.email:
        return customer.email
    return None


@dataclass(frozen=True)
class SendPlan:
    """What the first half of a send decided; the PDF is drawn from `pdf` outside the database lock."""

    doc: DocumentRecord
    delivery_type: Literal["Manual", "Email"]
    recipient: str | None
    recipient_given: bool  # the recipient is the caller's recipientEmail (which may become a contact)
    pdf: PdfSource | None


def prepare_send(
    conn: sqlite3.Connection, kind: DocumentKind, doc: DocumentRecord, body: Mapping[str, object]
) -> SendPlan:
    """Check the send, allocate the number (once), and snapshot what the PDF needs.

    The number is committed here, before the PDF is drawn, so the PDF can carry it without the lock being
    held while drawing; a retried send reuses it, so numbers stay gap-free.
    """
    _lock_if_converted(kind, doc)
    given = send_input(kind, body)
    recipient: str | None = None
    if given.delivery_type == "Email":
        recipient = resolve_recipient(conn, doc, given.recipient_email)
        if recipient is None:
            raise rule_violation(
                MISSING_RECIPIENT,
                "No e-mail recipient: pass recipientEmail, or set an e-mail on the customer or its contact",
            )
    numbered = _numbered(conn, kind, doc)
    if numbered is not doc:
        numbered = _bumped(numbered)
        store.save_document(conn, numbered)
        numbered = _reload(conn, numbered)
    source: PdfSource | None = None
    if recipient is not None:
        # The e-mailed PDF shows the document as it will be once sent: numbered, no draft watermark.
        as_sent = dataclasses.replace(numbered, status="sent" if numbered.status == "draft" else numbered.status)
        source = pdf_source(conn, as_sent, store.get_lines(conn, doc.id))
    return SendPlan(
        doc=numbered,
        delivery_type=given.delivery_type,
        recipient=recipient,
        recipient_given=recipient is not None and recipient == given.recipient_email,
        pdf=source,
    )


def finish_send(
    conn: sqlite3.Connection, kind: DocumentKind, plan: SendPlan, pdf_bytes: int
) -> DocumentRecord | None:
    """Mark the document sent and record the e-mail and the event.

    None when the document's content changed since `plan` (its PDF is stale): the caller starts over.
    """
    doc = require_document(conn, plan.doc.tenant_id, kind, plan.doc.id)
    if doc.version != plan.doc.version:
        return None
    _lock_if_converted(kind, doc)
    sent = _touched(doc)
    sent = dataclasses.replace(sent, status="sent" if doc.status == "draft" else doc.status, sent_at=sent.updated_at)
    if plan.recipient is not None and plan.recipient_given:
        known = {(c.email or "").casefold() for c in catalog.contacts_of(conn, doc.tenant_id, doc.customer_id)}
        if plan.recipient.casefold() not in known:
            contact = catalog.add_contact(conn, doc.tenant_id, doc.customer_id, plan.recipient, plan.recipient)
            sent = dataclasses.replace(sent, customer_contact_id=contact.id)
    if plan.recipient is not None:
        company = catalog.get_company(conn, doc.tenant_id)
        store.add_outbox(
            conn,
            doc.tenant_id,
            store.OutboxRecord(
                id=str(uuid.uuid4()),
                to=plan.recipient,
                subject=f"{kind.label} {sent.document_number} from {company.name}",
                document_type=kind.name,
                document_id=doc.id,
                document_number=sent.document_number,
                pdf_bytes=pdf_bytes,
                sent_at=sent.updated_at,
            ),
        )
    store.save_document(conn, sent)
    _sent_event(conn, kind, sent, plan.delivery_type, plan.recipient)
    return _reload(conn, sent)


def _sent_event(
    conn: sqlite3.Connection,
    kind: DocumentKind,
    doc: DocumentRecord,
    delivery_type: Literal["Manual", "Email"],
    recipient: str | None,
) -> None:
    _event(conn, kind, doc, "sent", {
        "id": doc.id,
        "documentNumber": doc.document_number,
        "deliveryType": delivery_type,
        "recipientEmail": recipient,
    })


def _event(
    conn: sqlite3.Connection,
    kind: DocumentKind,
    doc: DocumentRecord,
    action: Literal["sent", "converted"],
    payload: Mapping[str, object],
) -> None:
    store.add_event(
        conn,
        doc.tenant_id,
        store.EventRecord(
            id=str(uuid.uuid4()),
            topic=kind.event_topic(action),
            document_type=kind.name,
            document_id=doc.id,
            created_at=now_iso(),
            payload=dumps(payload).decode(),
        ),
    )


@dataclass(frozen=True)
class Delivery:
    """How a document was last sent (`GET /{id}/delivery-status`)."""

    status: Literal["not_sent", "sent_manually", "emailed"]
    delivery_type: Literal["Manual", "Email"] | None
    recipient_email: str | None
    sent_at: str | None


def last_delivery(conn: sqlite3.Connection, kind: DocumentKind, doc: DocumentRecord) -> Delivery:
    """From the `{kind}.sent` event the document's last send published (every send publishes one).

    A sent document without such an event was never e-mailed (only `bulk` inserts those): Manual.
    """
    if doc.sent_at is None:
        return Delivery("not_sent", None, None, None)
    event = store.last_event(conn, doc.tenant_id, doc.id, kind.event_topic("sent"))
    raw: object = {} if event is None else json.loads(event.payload)
    payload = cast("dict[str, object]", raw) if isinstance(raw, dict) else {}
    recipient = payload.get("recipientEmail")
    if payload.get("deliveryType") == "Email" and isinstance(recipient, str):
        return Delivery("emailed", "Email", recipient, doc.sent_at)
    return Delivery("sent_manually", "Manual", None, doc.sent_at)


def _require_convertible(kind: DocumentKind, doc: DocumentRecord) -> None:
    if doc.status in {"sent", "accepted"}:
        return
    if doc.status == "rejected":
        # Re-sending a rejected quote keeps it rejected, so "send it first" would lead nowhere.
        raise rule_violation(
            CONVERT_REQUIRES_SENT,
            f"{kind.label} {doc.id} was rejected by the customer, so it cannot convert: a quote converts once sent"
            " and not rejected, or accepted. The customer can still accept it in the customer portal"
            f" (in the sandbox: POST /_sandbox/quotes/{doc.id}/accept)",
        )
    also = " (a quote may also convert once accepted)" if kind is QUOTE else ""
    raise rule_violation(
        CONVERT_REQUIRES_SENT, f"{kind.label} {doc.id} is {doc.status}; send it first via POST /{{id}}/send{also}"
    )


def convert_document(
    conn: sqlite3.Connection, kind: DocumentKind, doc: DocumentRecord, body: Mapping[str, object]
) -> DocumentRecord:
    """Convert once into a draft of the target type; both documents point at each other afterwards.

    The document's state is checked before the body, as for an edit or a send: no body can make it convert.
    """
    if doc.converted_to_invoice_id is not None:
        raise rule_violation(
            ALREADY_CONVERTED_TO_INVOICE,
            f"{kind.label} {doc.id} was already converted into invoice {doc.converted_to_invoice_id}",
        )
    if doc.converted_to_document_id is not None:
        raise rule_violation(
            ALREADY_CONVERTED_TO_DOCUMENT,
            f"{kind.label} {doc.id} was already converted into order confirmation {doc.converted_to_document_id}",
        )
    _require_convertible(kind, doc)
    given = convert_input(conn, doc.tenant_id, kind, body, doc.customer_id)
    target_kind = KINDS[given.target]
    override = given.document or DocumentInput(present=frozenset())
    lines = (
        _line_records(override.lines)
        if override.lines is not None
        else [dataclasses.replace(line, id=str(uuid.uuid4())) for line in store.get_lines(conn, doc.id)]
    )
    target = _converted_copy(conn, doc, target_kind, override)
    target = _with_totals(target, lines)
    store.insert_document(conn, target, lines)
    link = (
        {"converted_to_invoice_id": target.id}
        if target_kind is INVOICE
        else {"converted_to_document_id": target.id}
    )
    source = dataclasses.replace(_touched(doc), **link)
    store.save_document(conn, source)
    _event(conn, kind, source, "converted", {"id": doc.id, "targetType": target_kind.name, "targetId": target.id})
    return _reload(conn, target)


def _converted_copy(
    conn: sqlite3.Connection, doc: DocumentRecord, target_kind: DocumentKind, override: DocumentInput
) -> DocumentRecord:
    """The source's fields, each one the `document` override names replaced."""
    present = override.present

    def pick(name: str, given: str | None, copied: str | None) -> str | None:
        return given if name in present else copied

    customer_id = override.customer_id or doc.customer_id
    customer_changed = customer_id != doc.customer_id
    date = override.date or doc.date
    currency = pick("currency", override.currency, doc.currency) or _customer_currency(
        conn, doc.tenant_id, customer_id
    )
    now = now_iso()
    return DocumentRecord(
        id=str(uuid.uuid4()),
        tenant_id=doc.tenant_id,
        kind=target_kind.name,
        status="draft",
        document_number=None,
        number_seq=None,
        date=date,
        valid_until=None,
        due_date=(dt.date.fromisoformat(date) + _INVOICE_TERMS).isoformat() if target_kind is INVOICE else None,
        currency=currency,
        reference=pick("reference", override.reference, doc.reference),
        our_reference=pick("ourReference", override.our_reference, doc.our_reference),
        notes=pick("notes", override.notes, doc.notes),
        customer_id=customer_id,
        # A copied contact belongs to the source's customer; it does not follow a change of customer.
        customer_contact_id=pick(
            "customerContactId", override.customer_contact_id, None if customer_changed else doc.customer_contact_id
        ),
        customer_department_id=pick(
            "customerDepartmentId",
            override.customer_department_id,
            None if customer_changed else doc.customer_department_id,
        ),
        source_document_id=doc.id,
        converted_to_document_id=None,
        converted_to_invoice_id=None,
        subtotal=_ZERO,
        vat=_ZERO,
        amount=_ZERO,
        sent_at=None,
        created_at=now,
        updated_at=now,
        version=1,
    )


def decide_quote(
    conn: sqlite3.Connection, doc: DocumentRecord, decision: Literal["accepted", "rejected"]
) -> DocumentRecord:
    """The customer's answer to a sent quote (simulated: the real one comes from the customer portal).

    A rejected quote can still be accepted (the customer changed their mind); an accepted one stays accepted.
    """
    open_to = {"sent", "rejected"} if decision == "accepted" else {"sent"}
    if doc.converted or doc.status not in open_to:
        state = "converted" if doc.converted else doc.status
        allowed = "a sent or rejected" if decision == "accepted" else "a sent"
        raise invalid_transition(f"Only {allowed}, unconverted quote can be {decision}; this one is {state}")
    decided = dataclasses.replace(_touched(doc), status=decision)
    store.save_document(conn, decided)
    return require_document(conn, doc.tenant_id, QUOTE, doc.id)
