"""The JSON of answers, in one place. Documents go through their models (models.py), so they carry exactly the
published keys; the supporting reads and the sandbox's own answers are this project's shapes
(docs/api-contract.md, "Supporting reads").

Keys are always present (null when empty), in the order the reference pages show them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import cast

from pydantic import BaseModel

from ledgerbee_mcp.sandbox import catalog
from ledgerbee_mcp.sandbox.json_codec import decimal_text
from ledgerbee_mcp.sandbox.kinds import KINDS, DocumentKind
from ledgerbee_mcp.sandbox.models import (
    Answer,
    convert_result,
    delivery_status,
    document_answer,
    document_page,
    document_record,
    nested_model,
)
from ledgerbee_mcp.sandbox.money import format_money
from ledgerbee_mcp.sandbox.rules import Delivery
from ledgerbee_mcp.sandbox.store import DocumentRecord, EventRecord, LineRecord, OutboxRecord

__all__ = [
    "contact_json",
    "convert_result_json",
    "customer_json",
    "delivery_status_json",
    "document_json",
    "document_page_json",
    "event_json",
    "outbox_json",
    "page_json",
    "price_json",
    "product_json",
    "record_json",
]

Json = dict[str, object]


def _line_values(line: LineRecord) -> Json:
    return {
        "id": line.id,
        "priceId": line.price_id,
        "description": line.description,
        "lineType": line.line_type,
        "quantity": line.quantity,
        "unitPrice": line.unit_price,
        "totalPrice": line.total_price,
        "vatRate": line.vat_rate,
        "vatAmount": line.vat_amount,
    }


def _document_values(doc: DocumentRecord) -> Json:
    """Every value a document model may take; each model keeps the ones it has fields for."""
    return {
        "id": doc.id,
        "type": doc.kind,
        "status": doc.status,
        "displayStatus": doc.display_status,
        "documentNumber": doc.document_number,
        "date": doc.date,
        "validUntil": doc.valid_until,
        "dueDate": doc.due_date,
        "amount": doc.amount,
        "subtotal": doc.subtotal,
        "vat": doc.vat,
        "currency": doc.currency,
        "reference": doc.reference,
        "ourReference": doc.our_reference,
        "notes": doc.notes,
        "customerId": doc.customer_id,
        "customerContactId": doc.customer_contact_id,
        "customerDepartmentId": doc.customer_department_id,
        "sourceDocumentId": doc.source_document_id,
        "convertedToDocumentId": doc.converted_to_document_id,
        "convertedToInvoiceId": doc.converted_to_invoice_id,
        "sentAt": doc.sent_at,
        "createdAt": doc.created_at,
        "updatedAt": doc.updated_at,
    }


def _fit(model: type[BaseModel], values: Mapping[str, object]) -> Json:
    """The part of `values` that `model` has fields for, into nested models too."""
    fitted: Json = {}
    for name, info in model.model_fields.items():
        value = values[name]
        nested = nested_model(info.annotation)
        if nested is not None and isinstance(value, list):
            value = [_fit(nested, cast("Mapping[str, object]", item)) for item in cast("list[object]", value)]
        fitted[name] = value
    return fitted


def _answer(model: type[Answer], values: Json) -> Json:
    """`values` as `model` answers them: only its keys, checked and written by its field types."""
    return model.model_validate(_fit(model, values)).model_dump()


def document_json(doc: DocumentRecord, lines: Sequence[LineRecord] | None = None) -> Json:
    """A quote, order confirmation or invoice as published; list items pass no lines and get no `lines` key."""
    values = _document_values(doc)
    if lines is not None:
        values["lines"] = [_line_values(line) for line in lines]
    return _answer(document_answer(KINDS[doc.kind], lines=lines is not None), values)


def record_json(doc: DocumentRecord, lines: Sequence[LineRecord]) -> Json:
    """The stored document (the control endpoint's view): the published answer plus what is stored only."""
    values = _document_values(doc)
    values["lines"] = [_line_values(line) for line in lines]
    return _answer(document_record(KINDS[doc.kind]), values)


def document_page_json(kind: DocumentKind, docs: Sequence[DocumentRecord], total: int, page: int, limit: int) -> Json:
    return _answer(document_page(kind), page_json([_document_values(d) for d in docs], total, page, limit))


def convert_result_json(kind: DocumentKind, target: DocumentRecord) -> Json:
    return _answer(convert_result(kind), {"targetType": target.kind, "targetId": target.id})


def delivery_status_json(kind: DocumentKind, doc_id: str, delivery: Delivery) -> Json:
    """`GET /{id}/delivery-status`: how the document was last sent (this project's shape)."""
    values: Json = {
        f"{kind.name}Id": doc_id,
        "status": delivery.status,
        "deliveryType": delivery.delivery_type,
        "recipientEmail": delivery.recipient_email,
        "sentAt": delivery.sent_at,
    }
    return _answer(delivery_status(kind), values)


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
