"""The JSON shapes of answers, in one place (docs/api-contract.md, "Supporting reads" for the non-document ones).

Keys are always present (null when empty), in the order the reference pages show them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal

from ledgerbee_mcp.sandbox import catalog
from ledgerbee_mcp.sandbox.json_codec import decimal_text
from ledgerbee_mcp.sandbox.kinds import KINDS
from ledgerbee_mcp.sandbox.money import format_money
from ledgerbee_mcp.sandbox.store import DocumentRecord, EventRecord, LineRecord, OutboxRecord

__all__ = [
    "contact_json",
    "customer_json",
    "document_json",
    "event_json",
    "line_json",
    "outbox_json",
    "page_json",
    "price_json",
    "product_json",
]

Json = dict[str, object]


def _unit_price(value: Decimal) -> str:
    """At least two decimals, more when the caller gave more ("33.335" stays, "1000" shows "1000.00")."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return format(value, "f")
    return format_money(value)


def line_json(line: LineRecord) -> Json:
    return {
        "id": line.id,
        "priceId": line.price_id,
        "description": line.description,
        "lineType": line.line_type,
        "quantity": line.quantity,  # a JSON number, written from the Decimal without float rounding
        "unitPrice": _unit_price(line.unit_price),
        "totalPrice": format_money(line.total_price),
        "vatRate": decimal_text(line.vat_rate),
        "vatAmount": format_money(line.vat_amount),
    }


def document_json(doc: DocumentRecord, lines: Sequence[LineRecord] | None = None) -> Json:
    """A quote, order confirmation or invoice; list items pass no lines and get no `lines` key."""
    kind = KINDS[doc.kind]
    body: Json = {"id": doc.id}
    if kind.type_field:
        body["type"] = kind.name
    body.update(status=doc.status, displayStatus=doc.display_status, documentNumber=doc.document_number, date=doc.date)
    if kind.has_valid_until:
        body["validUntil"] = doc.valid_until
    if kind.has_due_date:
        body["dueDate"] = doc.due_date
    body.update(
        amount=format_money(doc.amount),
        subtotal=format_money(doc.subtotal),
        vat=format_money(doc.vat),
        currency=doc.currency,
        reference=doc.reference,
        ourReference=doc.our_reference,
        notes=doc.notes,
        customerId=doc.customer_id,
        customerContactId=doc.customer_contact_id,
    )
    if not kind.has_due_date:
        # The contract's invoice shape has no department; quotes and order confirmations echo it.
        body["customerDepartmentId"] = doc.customer_department_id
    body["sourceDocumentId"] = doc.source_document_id
    if kind.convert_targets:
        if "orderConfirmation" in kind.convert_targets:
            body["convertedToDocumentId"] = doc.converted_to_document_id
        body["convertedToInvoiceId"] = doc.converted_to_invoice_id
    body.update(sentAt=doc.sent_at, createdAt=doc.created_at, updatedAt=doc.updated_at)
    if lines is not None:
        body["lines"] = [line_json(line) for line in lines]
    return body


def page_json(data: Sequence[Json], total: int, page: int, limit: int) -> Json:
    return {
        "data": list(data),
        "total": total,
        "page": page,
        "limit": limit,
        "totalPages": (total + limit - 1) // limit,
    }


def customer_json(customer: catalog.Customer) -> Json:
    return {
        "id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "currency": customer.currency,
        "vatNumber": customer.vat_number,
        "address": {
            "street": customer.street,
            "postalCode": customer.postal_code,
            "city": customer.city,
            "country": customer.country,
        },
    }


def contact_json(contact: catalog.Contact) -> Json:
    return {"id": contact.id, "customerId": contact.customer_id, "name": contact.name, "email": contact.email}


def price_json(price: catalog.Price) -> Json:
    return {
        "id": price.id,
        "productId": price.product_id,
        "name": price.name,
        "unitPrice": format_money(price.unit_price),
        "currency": price.currency,
        "vatRate": decimal_text(price.vat_rate),
        "lineType": price.line_type,
        "status": price.status,
    }


def product_json(product: catalog.Product, prices: Sequence[catalog.Price]) -> Json:
    return {
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "prices": [price_json(p) for p in prices],
    }


def outbox_json(mail: OutboxRecord) -> Json:
    return {
        "id": mail.id,
        "to": mail.to,
        "subject": mail.subject,
        "documentType": mail.document_type,
        "documentId": mail.document_id,
        "documentNumber": mail.document_number,
        "pdfBytes": mail.pdf_bytes,
        "sentAt": mail.sent_at,
    }


def event_json(event: EventRecord) -> Json:
    payload: object = json.loads(event.payload)
    return {
        "id": event.id,
        "topic": event.topic,
        "documentType": event.document_type,
        "documentId": event.document_id,
        "createdAt": event.created_at,
        "payload": payload,
    }
