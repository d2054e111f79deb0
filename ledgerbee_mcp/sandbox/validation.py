"""Request validation: every bad field is reported at once, named by its path (`lines[0].quantity`).

Shape checks and reference checks (the customer, contact and prices exist for this tenant) run together,
inside the request's transaction, so a request either passes whole or writes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, cast

from ledgerbee_mcp.sandbox import catalog
from ledgerbee_mcp.sandbox.errors import FieldError, SandboxError, validation_error
from ledgerbee_mcp.sandbox.json_codec import JsonDecodeError, loads
from ledgerbee_mcp.sandbox.kinds import DocumentKind, KindName
from ledgerbee_mcp.sandbox.store import ListQuery

__all__ = [
    "ConvertInput",
    "DocumentInput",
    "LineInput",
    "SendInput",
    "convert_input",
    "document_input",
    "is_uuid",
    "iso_date",
    "json_body",
    "list_query",
    "page_query",
    "path_id",
    "send_input",
]

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Bounded so that quantity x unit price stays exact in money.py's arithmetic context.
_DECIMAL = re.compile(r"-?\d{1,12}(\.\d{1,6})?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_INTEGER = re.compile(r"\d{1,9}")
_MAX_QUANTITY = Decimal(10) ** 9
_DEFAULT_VAT_RATE = Decimal(25)  # the Danish standard rate, for a line that names no price
_LINE_TYPES = ("product", "subscription", "text")
_LINE_FIELDS = frozenset({"priceId", "description", "lineType", "quantity", "unitPrice"})
_COMMON_FIELDS = (
    "customerId", "date", "lines", "customerDepartmentId", "customerContactId", "currency", "reference",
    "ourReference", "notes",
)

Mode = Literal["create", "update", "override"]


class _Errors:
    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, field: str, message: str) -> None:
        self.items.append(FieldError(field, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise validation_error(self.items)


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def path_id(raw: str) -> str:
    if not is_uuid(raw):
        raise validation_error([FieldError("id", f"must be a UUID, got {raw!r}")])
    return raw.lower()


def json_body(raw: bytes, *, optional: bool = False) -> dict[str, object]:
    """The request body as a JSON object; an empty body is `{}` where the whole body is optional."""
    if not raw.strip():
        if optional:
            return {}
        raise validation_error([FieldError("body", "a JSON object is required")])
    try:
        value = loads(raw)
    except JsonDecodeError as exc:
        raise validation_error([FieldError("body", str(exc))]) from exc
    if not isinstance(value, dict):
        raise validation_error([FieldError("body", "must be a JSON object")])
    return cast("dict[str, object]", value)


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


def iso_date(value: object) -> str | None:
    """`value` as a strict YYYY-MM-DD date string, or None when it is not one."""
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            return None
    return None


def _quantity(value: object) -> Decimal | str:
    """The quantity, or why it is not acceptable."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return "must be a JSON number"
    quantity = Decimal(value)
    if quantity <= 0:
        return "must be greater than 0"
    exponent = quantity.as_tuple().exponent
    if quantity >= _MAX_QUANTITY or not isinstance(exponent, int) or exponent < -6:
        return "must be below 1000000000 with at most 6 decimals"
    return quantity


def _line(
    conn: sqlite3.Connection, tenant_id: str, raw: object, path: str, errors: _Errors
) -> LineInput | None:
    if not isinstance(raw, dict):
        errors.add(path, "must be an object")
        return None
    item = cast("dict[str, object]", raw)
    before = len(errors.items)
    for name in item:
        if name not in _LINE_FIELDS:
            errors.add(f"{path}.{name}", "unknown field")
    line_type = item.get("lineType")
    if line_type is not None and line_type not in _LINE_TYPES:
        errors.add(f"{path}.lineType", f"must be one of {', '.join(_LINE_TYPES)}")
    is_text = line_type == "text"
    description = item.get("description")
    if description is not None and (not isinstance(description, str) or not description.strip()):
        errors.add(f"{path}.description", "must be a non-empty string")
    price: catalog.Price | None = None
    price_id = item.get("priceId")
    if price_id is not None:
        if is_text:
            errors.add(f"{path}.priceId", "a text line carries a description only")
        elif not is_uuid(price_id):
            errors.add(f"{path}.priceId", "must be a UUID")
        else:
            price = catalog.get_price(conn, tenant_id, cast("str", price_id).lower())
            if price is None:
                errors.add(f"{path}.priceId", "unknown product price")
            elif price.status != "active":
                errors.add(f"{path}.priceId", f"the product price is {price.status}; only an active price can be used")
                price = None
    unit_price: Decimal | None = None
    raw_unit_price = item.get("unitPrice")
    if raw_unit_price is not None:
        if is_text:
            errors.add(f"{path}.unitPrice", "a text line carries a description only")
        elif isinstance(raw_unit_price, str) and _DECIMAL.fullmatch(raw_unit_price):
            unit_price = Decimal(raw_unit_price)
        elif isinstance(raw_unit_price, int | Decimal) and not isinstance(raw_unit_price, bool):
            errors.add(f"{path}.unitPrice", 'must be a decimal string such as "1000.00", not a JSON number')
        else:
            errors.add(f"{path}.unitPrice", 'must be a decimal string such as "1000.00" (at most 6 decimals)')
    # A line given "only priceId" (docs/api-contract.md) has no quantity either: it means one.
    quantity = Decimal(1)
    raw_quantity = item.get("quantity")
    if raw_quantity is not None:
        checked = _quantity(raw_quantity)
        if isinstance(checked, str):
            errors.add(f"{path}.quantity", checked)
        else:
            quantity = checked
    if price_id is None and description is None:
        errors.add(f"{path}.description", "is required" + ("" if is_text else " when the line has no priceId"))
    if price_id is None and raw_unit_price is None and not is_text:
        errors.add(f"{path}.unitPrice", "is required when the line has no priceId")
    if len(errors.items) > before:
        return None
    if is_text:
        return LineInput(None, cast("str", description), "text", quantity, Decimal(0), Decimal(0))
    return LineInput(
        price_id=None if price is None else price.id,
        description=cast("str", description) if description is not None else cast("catalog.Price", price).name,
        line_type=cast("str", line_type) if line_type is not None else (price.line_type if price else "product"),
        quantity=quantity,
        unit_price=unit_price if unit_price is not None else cast("catalog.Price", price).unit_price,
        vat_rate=price.vat_rate if price is not None else _DEFAULT_VAT_RATE,
    )


def _lines(
    conn: sqlite3.Connection, tenant_id: str, raw: object, path: str, errors: _Errors
) -> tuple[LineInput, ...] | None:
    if not isinstance(raw, list):
        errors.add(path, "must be an array of lines")
        return None
    items = cast("list[object]", raw)
    resolved = [_line(conn, tenant_id, item, f"{path}[{i}]", errors) for i, item in enumerate(items)]
    # A line counts as a product line unless it says it is text (priced lines are never text).
    if not any(isinstance(item, dict) and cast("dict[str, object]", item).get("lineType") != "text"
               for item in items):
        errors.add(path, "must carry at least one product line (text lines do not count)")
    if any(line is None for line in resolved):
        return None
    return tuple(cast("list[LineInput]", resolved))


def _optional_text(body: Mapping[str, object], name: str, path: str, errors: _Errors) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        errors.add(path, "must be a string")
        return None
    return value


def document_input(
    conn: sqlite3.Connection,
    tenant_id: str,
    kind: DocumentKind,
    body: Mapping[str, object],
    *,
    mode: Mode,
    prefix: str = "",
    fallback_customer_id: str | None = None,
) -> DocumentInput:
    """Validate a create/update body, or (mode "override") a convert's partial `document`.

    `fallback_customer_id` is the customer a contact must belong to when the body names none.
    """
    errors = _Errors()
    allowed: set[str] = set(_COMMON_FIELDS)
    if kind.has_valid_until and mode != "override":
        allowed.add("validUntil")
    if kind.patch_sets_status and mode == "update":
        allowed.add("status")
    for name in body:
        if name not in allowed:
            errors.add(f"{prefix}{name}", "unknown field")
    if mode != "override":
        for name in ("customerId", "date", "lines"):
            if body.get(name) is None:
                errors.add(f"{prefix}{name}", "is required")
    else:
        for name in ("customerId", "date", "lines"):
            if name in body and body[name] is None:
                errors.add(f"{prefix}{name}", "cannot be null")

    customer_id: str | None = None
    raw_customer = body.get("customerId")
    if raw_customer is not None:
        if not is_uuid(raw_customer):
            errors.add(f"{prefix}customerId", "must be a UUID")
        elif catalog.get_customer(conn, tenant_id, cast("str", raw_customer).lower()) is None:
            errors.add(f"{prefix}customerId", "unknown customer")
        else:
            customer_id = cast("str", raw_customer).lower()

    dates: dict[str, str | None] = {}
    for name in ("date", "validUntil"):
        raw = body.get(name)
        dates[name] = None if raw is None else iso_date(raw)
        if raw is not None and dates[name] is None:
            errors.add(f"{prefix}{name}", "must be a date in the form YYYY-MM-DD")

    currency = body.get("currency")
    if currency is not None and (not isinstance(currency, str) or not _CURRENCY.fullmatch(currency)):
        errors.add(f"{prefix}currency", "must be a three-letter currency code such as DKK")

    ids: dict[str, str | None] = {}
    for name in ("customerContactId", "customerDepartmentId"):
        raw = body.get(name)
        ids[name] = None
        if raw is not None:
            if is_uuid(raw):
                ids[name] = cast("str", raw).lower()
            else:
                errors.add(f"{prefix}{name}", "must be a UUID")
    contact_id = ids["customerContactId"]
    owner = customer_id if raw_customer is not None else fallback_customer_id
    if contact_id is not None and (raw_customer is None or customer_id is not None):
        contact = catalog.get_contact(conn, tenant_id, contact_id)
        if contact is None or contact.customer_id != owner:
            errors.add(f"{prefix}customerContactId", "is not a contact of the document's customer")

    status = body.get("status")
    if status is not None and status not in kind.stored_statuses:
        errors.add(f"{prefix}status", f"must be one of {', '.join(kind.stored_statuses)}")

    texts = {name: _optional_text(body, name, f"{prefix}{name}", errors)
             for name in ("reference", "ourReference", "notes")}
    lines = None if body.get("lines") is None else _lines(conn, tenant_id, body["lines"], f"{prefix}lines", errors)
    errors.raise_if_any()
    return DocumentInput(
        present=frozenset(body),
        customer_id=customer_id,
        date=dates["date"],
        valid_until=dates["validUntil"],
        currency=cast("str | None", currency),
        reference=texts["reference"],
        our_reference=texts["ourReference"],
        notes=texts["notes"],
        customer_contact_id=contact_id,
        customer_department_id=ids["customerDepartmentId"],
        lines=lines,
        status=cast("str | None", status),
    )


@dataclass(frozen=True)
class SendInput:
    delivery_type: Literal["Manual", "Email"]
    recipient_email: str | None


def send_input(body: Mapping[str, object]) -> SendInput:
    errors = _Errors()
    for name in body:
        if name not in {"deliveryType", "recipientEmail"}:
            errors.add(name, "unknown field")
    delivery = body.get("deliveryType", "Manual")
    if delivery is None:
        delivery = "Manual"
    if delivery not in ("Manual", "Email"):
        errors.add("deliveryType", "must be Manual or Email (there is no e-invoice delivery for this type)")
    recipient = body.get("recipientEmail")
    if recipient is not None and (not isinstance(recipient, str) or not _EMAIL.fullmatch(recipient)):
        errors.add("recipientEmail", "must be an e-mail address")
    errors.raise_if_any()
    return SendInput(cast("Literal['Manual', 'Email']", delivery), cast("str | None", recipient))


@dataclass(frozen=True)
class ConvertInput:
    target: KindName
    document: DocumentInput | None


def convert_input(
    conn: sqlite3.Connection,
    tenant_id: str,
    kind: DocumentKind,
    body: Mapping[str, object],
    source_customer_id: str,
) -> ConvertInput:
    errors = _Errors()
    for name in body:
        if name not in {"target", "document"}:
            errors.add(name, "unknown field")
    target = body.get("target")
    if target is None:
        errors.add("target", "is required")
    elif target not in kind.convert_targets:
        errors.add("target", f"a {kind.label.lower()} converts to {' or '.join(kind.convert_targets)}")
    document: DocumentInput | None = None
    raw_document = body.get("document")
    if raw_document is not None and not isinstance(raw_document, dict):
        errors.add("document", "must be an object")
    elif raw_document is not None:
        try:
            document = document_input(
                conn, tenant_id, kind, cast("dict[str, object]", raw_document),
                mode="override", prefix="document.", fallback_customer_id=source_customer_id,
            )
        except SandboxError as exc:
            errors.items.extend(exc.errors)
    errors.raise_if_any()
    return ConvertInput(cast("KindName", target), document)


def page_query(params: Mapping[str, str], errors: _Errors | None = None) -> tuple[int, int]:
    own = errors or _Errors()
    page, limit = 1, 25
    raw_page = params.get("page")
    if raw_page is not None:
        if _INTEGER.fullmatch(raw_page) and int(raw_page) >= 1:
            page = int(raw_page)
        else:
            own.add("page", "must be an integer >= 1")
    raw_limit = params.get("limit")
    if raw_limit is not None:
        if _INTEGER.fullmatch(raw_limit) and 1 <= int(raw_limit) <= 100:
            limit = int(raw_limit)
        else:
            own.add("limit", "must be an integer from 1 to 100")
    if errors is None:
        own.raise_if_any()
    return page, limit


def list_query(kind: DocumentKind, params: Mapping[str, str]) -> ListQuery:
    errors = _Errors()
    page, limit = page_query(params, errors)
    status = params.get("status")
    if status is not None and status not in kind.display_statuses:
        errors.add("status", f"must be one of {', '.join(kind.display_statuses)}")
    customer_id = params.get("customerId")
    if customer_id is not None and not is_uuid(customer_id):
        errors.add("customerId", "must be a UUID")
    sort_by = params.get("sortBy")
    if sort_by is not None and sort_by not in kind.sort_fields:
        errors.add("sortBy", f"must be one of {', '.join(kind.sort_fields)}")
    sort_order = params.get("sortOrder", "DESC").upper()
    if sort_order not in {"ASC", "DESC"}:
        errors.add("sortOrder", "must be ASC or DESC")
    errors.raise_if_any()
    return ListQuery(
        page=page,
        limit=limit,
        status=status,
        customer_id=None if customer_id is None else customer_id.lower(),
        sort_by=sort_by,
        descending=sort_order == "DESC",
    )
