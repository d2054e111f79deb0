"""The sandbox's models of its document request bodies and answers, one set per document kind.

What differs between a quote, an order confirmation and an invoice is data in `kinds.KINDS`; the models are
derived from it here, so a flag there changes the answers, the request checks and the OpenAPI document
together. Answers are built through these models (`extra="forbid"`), so an answer cannot carry a key its
model lacks. Kept apart from `ledgerbee_mcp.api.models` on purpose: the client's reading of the pages and the
sandbox's check each other.

Field names are the JSON keys, in the order the reference pages print them.
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from ledgerbee_mcp.sandbox.field_types import (
    LINE_TYPES,
    Currency,
    Description,
    Email,
    IsoDate,
    Money,
    Percent,
    Quantity,
    QuantityAnswer,
    RequestUnitPrice,
    Text,
    Timestamp,
    UnitPriceAnswer,
    Uuid,
    choice,
    not_null,
)
from ledgerbee_mcp.sandbox.kinds import DocumentKind

__all__ = [
    "DELIVERY_STATES",
    "DELIVERY_TYPES",
    "Answer",
    "Body",
    "BodyMode",
    "convert_body",
    "convert_result",
    "delivery_status",
    "document_answer",
    "document_body",
    "document_page",
    "document_record",
    "line_body",
    "nested_model",
    "send_body",
]

BodyMode = Literal["create", "update", "override"]
Fields = dict[str, Any]

DELIVERY_TYPES = ("Email", "Manual")
# A document's delivery as `GET /{id}/delivery-status` answers it (this project's shape): never sent, last sent
# with Manual delivery, last sent by e-mail.
DELIVERY_STATES = ("not_sent", "sent_manually", "emailed")


class Answer(BaseModel):
    """An answer's shape: nothing beyond its fields gets out."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Body(BaseModel):
    """A request body's shape: unknown fields are refused by name."""

    model_config = ConfigDict(extra="forbid")


def nested_model(annotation: object) -> type[BaseModel] | None:
    """The model a field holds, directly, in a list or as an optional."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (list, typing.Union, types.UnionType, Annotated):
        for arg in typing.get_args(annotation):
            found = nested_model(arg)
            if found is not None:
                return found
    return None


def _stem(kind: DocumentKind) -> str:
    return kind.name[0].upper() + kind.name[1:]


def _names(kind: DocumentKind) -> tuple[str, str, str, str]:
    """Schema names of (the document, a list item, a page, a line), as the reference pages name them."""
    stem = _stem(kind)
    if not kind.published_schemas:
        return stem, f"{stem}ListItem", f"{stem}List", f"{stem}Line"
    return f"Public{stem}", f"Public{stem}ListItem", f"PublicList{stem}sResponse", f"Public{stem}Line"


def _body_name(kind: DocumentKind, action: str) -> str:
    """A request body's schema name: `PublicSendQuote` as the pages print it, `SendInvoice` for this project's."""
    name = f"{action}{_stem(kind)}"
    return f"Public{name}" if kind.published_schemas else name


def _field(annotation: Any, description: str, **extra: Any) -> tuple[Any, Any]:
    return annotation, Field(description=description, **extra)


# -- answers -------------------------------------------------------------------------------------------------


def _line_fields(*, stored: bool) -> Fields:
    fields: Fields = {"id": _field(Uuid, "Line id")}
    if stored:
        fields["priceId"] = _field(Uuid | None, "Product price the line bills (stored; not in the published answer)")
    return fields | {
        "description": _field(str, "Line text"),
        "lineType": _field(choice(LINE_TYPES), "Line type"),
        "quantity": _field(QuantityAnswer, "Quantity"),
        "unitPrice": _field(UnitPriceAnswer, "Unit price excluding VAT"),
        "totalPrice": _field(Money, "quantity x unitPrice, rounded half-up"),
        "vatRate": _field(Percent, "VAT percentage"),
        "vatAmount": _field(Money, "totalPrice x vatRate / 100, rounded half-up"),
    }


def _document_fields(kind: DocumentKind, *, stored: bool) -> Fields:
    """A document answer without `lines` (what a list item carries); every key is always present."""
    fields: Fields = {"id": _field(Uuid, f"{kind.label} id")}
    if kind.type_field:
        fields["type"] = _field(choice((kind.name,)), f'Always "{kind.name}"')
    fields |= {
        "status": _field(choice(kind.stored_statuses), "Stored lifecycle status"),
        "displayStatus": _field(choice(kind.display_statuses), "Status to display, derived states resolved"),
        "documentNumber": _field(Text | None, "Allocated number; null until the first send"),
        "date": _field(IsoDate, "Document date"),
    }
    if kind.has_valid_until:
        fields["validUntil"] = _field(IsoDate | None, "Valid-until date")
    if kind.has_due_date:
        fields["dueDate"] = _field(IsoDate | None, "Payment due date")
    fields |= {
        "amount": _field(Money, "Total including VAT"),
        "subtotal": _field(Money, "Sum of line totals, excluding VAT"),
        "vat": _field(Money, "Sum of line VAT amounts"),
        "currency": _field(Currency, "Currency code"),
        "reference": _field(Text | None, 'PO number ("PO-nr.")'),
        "ourReference": _field(Text | None, 'Our reference ("Vores ref.")'),
        "notes": _field(Text | None, "Notes printed on the document"),
        "customerId": _field(Uuid, "Customer"),
    }
    if stored:
        fields["customerContactId"] = _field(Uuid | None, 'Customer contact ("Deres ref."); stored, not answered')
        fields["customerDepartmentId"] = _field(Uuid | None, "Customer department; stored, not answered")
    fields["sourceDocumentId"] = _field(Uuid | None, "Document this one was converted from")
    if "orderConfirmation" in kind.convert_targets:
        fields["convertedToDocumentId"] = _field(Uuid | None, "Order confirmation this was converted into")
    if "invoice" in kind.convert_targets:
        fields["convertedToInvoiceId"] = _field(Uuid | None, "Invoice this was converted into")
    return fields | {
        "sentAt": _field(Timestamp | None, "When it was last sent"),
        "createdAt": _field(Timestamp, "Created"),
        "updatedAt": _field(Timestamp, "Last updated"),
    }


@functools.cache
def _line_answer(kind: DocumentKind, *, stored: bool) -> type[Answer]:
    name = f"Sandbox{_stem(kind)}RecordLine" if stored else _names(kind)[3]
    return create_model(name, __base__=Answer, **_line_fields(stored=stored))


@functools.cache
def document_answer(kind: DocumentKind, *, lines: bool) -> type[Answer]:
    """The published answer: the whole document (`lines=True`) or a list item (`lines=False`)."""
    full, item, _, _ = _names(kind)
    fields = _document_fields(kind, stored=False)
    if lines:
        fields["lines"] = _field(list[_line_answer(kind, stored=False)], "The lines, in order")
    return create_model(full if lines else item, __base__=Answer, **fields)


@functools.cache
def document_record(kind: DocumentKind) -> type[Answer]:
    """The stored document as the sandbox's control endpoint shows it: the answer plus what is stored only."""
    fields = _document_fields(kind, stored=True)
    fields["lines"] = _field(list[_line_answer(kind, stored=True)], "The lines, in order")
    return create_model(f"Sandbox{_stem(kind)}Record", __base__=Answer, **fields)


@functools.cache
def document_page(kind: DocumentKind) -> type[Answer]:
    count = {"ge": 0}
    return create_model(
        _names(kind)[2],
        __base__=Answer,
        data=_field(list[document_answer(kind, lines=False)], "Line items omitted: get one document for its lines"),
        total=_field(int, "Items matching the query", **count),
        page=_field(int, "Current page (1-indexed)", ge=1),
        limit=_field(int, "Items per page", ge=1, le=100),
        totalPages=_field(int, "Number of pages", **count),
    )


@functools.cache
def delivery_status(kind: DocumentKind) -> type[Answer]:
    """`GET /{id}/delivery-status` (this project's shape): how the document was last sent, from that send."""
    fields: Fields = {
        f"{kind.name}Id": _field(Uuid, f"The {kind.label.lower()}"),
        "status": _field(choice(DELIVERY_STATES), "not_sent; sent_manually or emailed: how the last send delivered"),
        "deliveryType": _field(choice(DELIVERY_TYPES) | None, "deliveryType of the last send; null until sent"),
        "recipientEmail": _field(Text | None, "Who the last send e-mailed; null unless it was an Email send"),
        "sentAt": _field(Timestamp | None, "When it was last sent (the document's sentAt)"),
    }
    return create_model(f"{_stem(kind)}DeliveryStatus", __base__=Answer, **fields)


@functools.cache
def convert_result(kind: DocumentKind) -> type[Answer]:
    return create_model(
        _body_name(kind, "Convert") + "Result",
        __base__=Answer,
        targetType=_field(choice(kind.convert_targets), "Type produced"),
        targetId=_field(Uuid, "The produced (draft) document"),
    )


# -- request bodies ------------------------------------------------------------------------------------------


@functools.cache
def line_body(kind: DocumentKind) -> type[Body]:
    """A request line; which combinations a line needs (a text line, a line without price) are rules."""
    return create_model(
        _body_name(kind, "Create") + "Line",
        __base__=Body,
        priceId=_field(
            Uuid | None, "An active product price; fills description, unit price, VAT rate, line type", default=None
        ),
        description=_field(Description | None, "Line text; required without priceId", default=None),
        lineType=_field(
            choice(LINE_TYPES) | None,
            "product (default), subscription, or text (a description only; counts as no product line)",
            default=None,
        ),
        quantity=_field(Quantity | None, "Defaults to 1", default=None),
        unitPrice=_field(RequestUnitPrice | None, "Unit price excl. VAT; required without priceId", default=None),
    )


def _body_fields(kind: DocumentKind, mode: BodyMode) -> Fields:
    """Create and update need customerId, date and lines; a convert's override may leave any out, not null."""
    if mode == "override":
        needed, default = not_null("cannot be null"), {"default": None}
    else:
        needed, default = not_null("is required"), {}

    def need(annotation: Any) -> Any:
        return Annotated[annotation, needed]

    fields: Fields = {
        "customerId": _field(need(Uuid), "Customer the document is for", **default),
        "customerDepartmentId": _field(Uuid | None, "Customer department", default=None),
        "customerContactId": _field(Uuid | None, 'Customer contact ("Deres ref.")', default=None),
        "date": _field(need(IsoDate), "Document date", **default),
    }
    if kind.has_valid_until and mode != "override":
        fields["validUntil"] = _field(IsoDate | None, "Valid-until date", default=None)
    fields |= {
        "currency": _field(Currency | None, "Currency code; defaults to the customer's", default=None),
        "reference": _field(Text | None, 'PO number ("PO-nr.")', default=None),
        "ourReference": _field(Text | None, 'Our reference ("Vores ref.")', default=None),
        "notes": _field(Text | None, "Notes printed on the document", default=None),
    }
    if kind.patch_sets_status and mode == "update":
        fields["status"] = _field(choice(kind.stored_statuses) | None, "New stored status", default=None)
    # At least one product line is a rule (inputs.py); the schema can say one line is the least.
    fields["lines"] = _field(
        need(list[line_body(kind)]), "Replaces the lines wholesale", json_schema_extra={"minItems": 1}, **default
    )
    return fields


@functools.cache
def document_body(kind: DocumentKind, mode: BodyMode) -> type[Body]:
    name = {"create": _body_name(kind, "Create"), "update": _body_name(kind, "Update")}
    return create_model(
        name.get(mode, _body_name(kind, "Convert") + "Document"), __base__=Body, **_body_fields(kind, mode)
    )


@functools.cache
def send_body(kind: DocumentKind) -> type[Body]:
    delivery = choice(DELIVERY_TYPES, kind.delivery_refusal)
    return create_model(
        _body_name(kind, "Send"),
        __base__=Body,
        deliveryType=_field(delivery | None, "Email sends the PDF; Manual (the default) only marks sent", default=None),
        recipientEmail=_field(Email | None, "Recipient override for Email delivery", default=None),
    )


@functools.cache
def convert_body(kind: DocumentKind) -> type[Body]:
    targets = kind.convert_targets
    target = choice(targets, f"a {kind.label.lower()} converts to {' or '.join(targets)}")
    return create_model(
        _body_name(kind, "Convert"),
        __base__=Body,
        target=_field(Annotated[target, not_null("is required")], "Type to produce"),
        document=_field(
            document_body(kind, "override") | None,
            "Overrides the copied fields; lines, when given, replace",
            default=None,
        ),
    )
