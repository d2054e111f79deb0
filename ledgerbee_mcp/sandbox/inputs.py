"""Request bodies of the document routes, validated: their shape by the models, then the rules a shape can't say.

The rules are what needs the database or more than one field: the customer, contact and prices exist for
this tenant, a price is active, a text line carries a description only, a line without a price names its
text and unit price, a document has a product line. Both run on every request and report together (every
bad field at once); a rule skips a field whose shape is already wrong, so a field is named once. They run
inside the request's transaction, so a request either passes whole or writes nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, cast

from ledgerbee_mcp.sandbox import catalog, models
from ledgerbee_mcp.sandbox.errors import FieldError, validation_error
from ledgerbee_mcp.sandbox.kinds import DocumentKind, KindName
from ledgerbee_mcp.sandbox.validation import ordered, parse

__all__ = [
    "ConvertInput",
    "DocumentInput",
    "LineInput",
    "SendInput",
    "convert_input",
    "document_input",
    "send_input",
]

_DEFAULT_VAT_RATE = Decimal(25)  # the Danish standard rate, for a line that names no price


@dataclass(frozen=True)
class LineInput:
    price_id: str | None
    description: str
    line_type: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal


@dataclass(frozen=True)
class DocumentInput:
    """A validated document body; `present` names the fields the caller gave (null included)."""

    present: frozenset[str]
    customer_id: str | None = None
    date: str | None = None
    valid_until: str | None = None
    currency: str | None = None
    reference: str | None = None
    our_reference: str | None = None
    notes: str | None = None
    customer_contact_id: str | None = None
    customer_department_id: str | None = None
    lines: tuple[LineInput, ...] | None = None
    status: str | None = None

    def required(self) -> tuple[str, str, tuple[LineInput, ...]]:
        """customerId, date and lines of a create/update body (validation made them present)."""
        if self.customer_id is None or self.date is None or self.lines is None:
            raise ValueError("customerId, date and lines are only guaranteed for a create or update body")
        return self.customer_id, self.date, self.lines


@dataclass(frozen=True)
class SendInput:
    delivery_type: Literal["Manual", "Email"]
    recipient_email: str | None


@dataclass(frozen=True)
class ConvertInput:
    target: KindName
    document: DocumentInput | None


class _Rules:
    """The rule checks of one body, appending to the errors its shape check found."""

    def __init__(self, conn: sqlite3.Connection, tenant_id: str, errors: list[FieldError]) -> None:
        self.conn = conn
        self.tenant_id = tenant_id
        self.errors = errors
        self.shape_bad = frozenset(e.field for e in errors)
        self.prices: dict[int, catalog.Price] = {}

    def well_shaped(self, path: str, value: object) -> bool:
        return value is not None and path not in self.shape_bad

    def add(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path, message))

    def document(
        self,
        body: Mapping[str, object],
        prefix: str,
        *,
        fallback_customer_id: str | None = None,
        current_status: str | None = None,
    ) -> None:
        raw_customer = body.get("customerId")
        customer_id: str | None = None
        if self.well_shaped(f"{prefix}customerId", raw_customer):
            customer_id = str(raw_customer).lower()
            if catalog.get_customer(self.conn, self.tenant_id, customer_id) is None:
                self.add(f"{prefix}customerId", "unknown customer")
                customer_id = None
        raw_contact = body.get("customerContactId")
        owner = customer_id if raw_customer is not None else fallback_customer_id
        if self.well_shaped(f"{prefix}customerContactId", raw_contact) and (
            raw_customer is None or customer_id is not None
        ):
            contact = catalog.get_contact(self.conn, self.tenant_id, str(raw_contact).lower())
            if contact is None or contact.customer_id != owner:
                self.add(f"{prefix}customerContactId", "is not a contact of the document's customer")
        if current_status == "sent" and body.get("status") == "draft":
            self.add(
                f"{prefix}status",
                "a sent document cannot go back to draft (its number is allocated and the customer may have it);"
                ' leave status out, or "sent", to edit it',
            )
        raw_lines = body.get("lines")
        if isinstance(raw_lines, list):
            items = cast("list[object]", raw_lines)
            for index, item in enumerate(items):
                if isinstance(item, dict):
                    self.line(cast("dict[str, object]", item), index, f"{prefix}lines[{index}]")
            # A line counts as a product line unless it says it is text (priced lines are never text).
            if not any(
                isinstance(item, dict) and cast("dict[str, object]", item).get("lineType") != "text" for item in items
            ):
                self.add(f"{prefix}lines", "must carry at least one product line (text lines do not count)")

    def line(self, item: Mapping[str, object], index: int, path: str) -> None:
        is_text = item.get("lineType") == "text"
        price_id, unit_price = item.get("priceId"), item.get("unitPrice")
        if is_text:
            for name, value in (("priceId", price_id), ("unitPrice", unit_price)):
                if self.well_shaped(f"{path}.{name}", value):
                    self.add(f"{path}.{name}", "a text line carries a description only")
        elif self.well_shaped(f"{path}.priceId", price_id):
            price = catalog.get_price(self.conn, self.tenant_id, str(price_id).lower())
            if price is None:
                self.add(f"{path}.priceId", "unknown product price")
            elif price.status != "active":
                self.add(f"{path}.priceId", f"the product price is {price.status}; only an active price can be used")
            else:
                self.prices[index] = price
        if price_id is None and item.get("description") is None:
            self.add(f"{path}.description", "is required" + ("" if is_text else " when the line has no priceId"))
        if price_id is None and unit_price is None and not is_text:
            self.add(f"{path}.unitPrice", "is required when the line has no priceId")


def _line_input(values: Mapping[str, Any], price: catalog.Price | None) -> LineInput:
    quantity: Decimal = values["quantity"] if values["quantity"] is not None else Decimal(1)
    if values["lineType"] == "text":
        return LineInput(None, values["description"], "text", quantity, Decimal(0), Decimal(0))
    if price is None:
        # The rules let a line without a price through only with its description and unit price.
        return LineInput(
            None, values["description"], values["lineType"] or "product", quantity, values["unitPrice"],
            _DEFAULT_VAT_RATE,
        )
    return LineInput(
        price_id=price.id,
        description=values["description"] if values["description"] is not None else price.name,
        line_type=values["lineType"] or price.line_type,
        quantity=quantity,
        unit_price=values["unitPrice"] if values["unitPrice"] is not None else price.unit_price,
        vat_rate=price.vat_rate,
    )


def _document_input(parsed: models.Body, prices: Mapping[int, catalog.Price]) -> DocumentInput:
    values = dict(parsed)
    lines: Sequence[models.Body] | None = values["lines"]
    return DocumentInput(
        present=frozenset(parsed.model_fields_set),
        customer_id=values["customerId"],
        date=values["date"],
        valid_until=values.get("validUntil"),
        currency=values["currency"],
        reference=values["reference"],
        our_reference=values["ourReference"],
        notes=values["notes"],
        customer_contact_id=values["customerContactId"],
        customer_department_id=values["customerDepartmentId"],
        lines=None if lines is None else tuple(_line_input(dict(line), prices.get(i)) for i, line in enumerate(lines)),
        status=values.get("status"),
    )


def document_input(
    conn: sqlite3.Connection,
    tenant_id: str,
    kind: DocumentKind,
    body: Mapping[str, object],
    *,
    mode: Literal["create", "update"],
    current_status: str | None = None,
) -> DocumentInput:
    """A create or update body; `current_status` is the stored status an update starts from."""
    model = models.document_body(kind, mode)
    parsed, errors = parse(model, body)
    rules = _Rules(conn, tenant_id, errors)
    rules.document(body, "", current_status=current_status)
    if parsed is None or errors:
        raise validation_error(ordered(model, errors))
    return _document_input(parsed, rules.prices)


def send_input(kind: DocumentKind, body: Mapping[str, object]) -> SendInput:
    model = models.send_body(kind)
    parsed, errors = parse(model, body)
    if parsed is None or errors:
        raise validation_error(ordered(model, errors))
    values = dict(parsed)
    return SendInput(values["deliveryType"] or "Manual", values["recipientEmail"])


def convert_input(
    conn: sqlite3.Connection,
    tenant_id: str,
    kind: DocumentKind,
    body: Mapping[str, object],
    source_customer_id: str,
) -> ConvertInput:
    """A convert body; a contact in its `document` must belong to the source's customer unless it names another."""
    model = models.convert_body(kind)
    parsed, errors = parse(model, body)
    rules = _Rules(conn, tenant_id, errors)
    raw_document = body.get("document")
    if isinstance(raw_document, dict):
        rules.document(
            cast("dict[str, object]", raw_document), "document.", fallback_customer_id=source_customer_id
        )
    if parsed is None or errors:
        raise validation_error(ordered(model, errors))
    values = dict(parsed)
    override: models.Body | None = values["document"]
    return ConvertInput(values["target"], None if override is None else _document_input(override, rules.prices))
