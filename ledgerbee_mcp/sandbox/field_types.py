"""The value types the sandbox's models are built from: how each is checked, written and described.

Each request type checks the raw JSON value itself (a `PlainValidator`), so the message a caller reads is the
sandbox's own ("must be a decimal string such as ...") rather than pydantic's, and no lax coercion slips in
(`"2"` is not a quantity, `true` is not a number). Each carries the JSON schema the OpenAPI document shows.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, NoReturn

from pydantic import BeforeValidator, PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from ledgerbee_mcp.sandbox.json_codec import decimal_text
from ledgerbee_mcp.sandbox.money import format_money

__all__ = [
    "LINE_TYPES",
    "Currency",
    "Description",
    "Email",
    "IsoDate",
    "Money",
    "Percent",
    "Quantity",
    "QuantityAnswer",
    "RequestUnitPrice",
    "Text",
    "Timestamp",
    "UnitPriceAnswer",
    "Uuid",
    "choice",
    "is_uuid",
    "iso_date",
    "not_null",
]

LINE_TYPES = ("product", "subscription", "text")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Bounded so that quantity x unit price stays exact in money.py's arithmetic context.
_DECIMAL = re.compile(r"-?\d{1,12}(\.\d{1,6})?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_MAX_QUANTITY = Decimal(10) ** 9
_MONEY_PATTERN = r"^-?\d+\.\d{2}$"
# A line keeps the precision it was given ("33.335" stays), never fewer than 2 decimals.
_UNIT_PRICE_PATTERN = r"^-?\d+\.\d{2,}$"
_REQUEST_DECIMAL_PATTERN = r"^-?\d{1,12}(\.\d{1,6})?$"
_PERCENT_PATTERN = r"^\d+(\.\d+)?$"


def _fail(message: str) -> NoReturn:
    # Passed as context, not as the template: a template would read braces in the message as placeholders.
    raise PydanticCustomError("sandbox", "{message}", {"message": message})


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def iso_date(value: object) -> str | None:
    """`value` as a strict YYYY-MM-DD date string, or None when it is not one."""
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            return None
    return None


def not_null(message: str) -> BeforeValidator:
    """Refuses an explicit null with `message` ("is required", "cannot be null") before the type's own check."""

    def check(value: object) -> object:
        if value is None:
            _fail(message)
        return value

    return BeforeValidator(check)


def choice(values: tuple[str, ...], message: str | None = None) -> Any:
    """A string out of `values`; the message names them unless a more helpful one is given."""
    refusal = message or f"must be one of {', '.join(values)}"

    def check(value: object) -> str:
        if isinstance(value, str) and value in values:
            return value
        _fail(refusal)

    return Annotated[str, PlainValidator(check), WithJsonSchema({"type": "string", "enum": list(values)})]


def _uuid(value: object) -> str:
    if isinstance(value, str) and _UUID.fullmatch(value):
        return value.lower()
    _fail("must be a UUID")


def _date(value: object) -> str:
    parsed = iso_date(value)
    if parsed is None:
        _fail("must be a date in the form YYYY-MM-DD")
    return parsed


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    _fail("must be a string")


def _description(value: object) -> str:
    if isinstance(value, str) and value.strip():
        return value
    _fail("must be a non-empty string")


def _currency(value: object) -> str:
    if isinstance(value, str) and _CURRENCY.fullmatch(value):
        return value
    _fail("must be a three-letter currency code such as DKK")


def _email(value: object) -> str:
    if isinstance(value, str) and _EMAIL.fullmatch(value):
        return value
    _fail("must be an e-mail address")


def _quantity(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        _fail("must be a JSON number")
    quantity = Decimal(value)
    if quantity <= 0:
        _fail("must be greater than 0")
    exponent = quantity.as_tuple().exponent
    if quantity >= _MAX_QUANTITY or not isinstance(exponent, int) or exponent < -6:
        _fail("must be below 1000000000 with at most 6 decimals")
    return quantity


def _request_unit_price(value: object) -> Decimal:
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        return Decimal(value)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        _fail('must be a decimal string such as "1000.00", not a JSON number')
    _fail('must be a decimal string such as "1000.00" (at most 6 decimals)')


def _decimal(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    _fail("must be a Decimal")


def _unit_price_text(value: Decimal) -> str:
    """At least two decimals, more when the caller gave more ("33.335" stays, "1000" shows "1000.00")."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return format(value, "f")
    return format_money(value)


Uuid = Annotated[str, PlainValidator(_uuid), WithJsonSchema({"type": "string", "format": "uuid"})]
IsoDate = Annotated[
    str, PlainValidator(_date), WithJsonSchema({"type": "string", "format": "date", "examples": ["2026-06-11"]})
]
Timestamp = Annotated[str, PlainValidator(_text), WithJsonSchema({"type": "string", "format": "date-time"})]
Text = Annotated[str, PlainValidator(_text), WithJsonSchema({"type": "string"})]
Description = Annotated[str, PlainValidator(_description), WithJsonSchema({"type": "string", "minLength": 1})]
Currency = Annotated[
    str, PlainValidator(_currency), WithJsonSchema({"type": "string", "pattern": "^[A-Z]{3}$", "examples": ["DKK"]})
]
Email = Annotated[str, PlainValidator(_email), WithJsonSchema({"type": "string", "format": "email"})]
Quantity = Annotated[
    Decimal,
    PlainValidator(_quantity),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1_000_000_000, "default": 1}),
]
RequestUnitPrice = Annotated[
    Decimal,
    PlainValidator(_request_unit_price),
    WithJsonSchema({"type": "string", "pattern": _REQUEST_DECIMAL_PATTERN}),
]

# Answer types: built from stored records, written the way the pages show them.
Money = Annotated[
    Decimal,
    PlainValidator(_decimal),
    PlainSerializer(format_money, return_type=str),
    WithJsonSchema({"type": "string", "pattern": _MONEY_PATTERN, "examples": ["1000.00"]}),
]
UnitPriceAnswer = Annotated[
    Decimal,
    PlainValidator(_decimal),
    PlainSerializer(_unit_price_text, return_type=str),
    WithJsonSchema({"type": "string", "pattern": _UNIT_PRICE_PATTERN, "examples": ["1000.00"]}),
]
Percent = Annotated[
    Decimal,
    PlainValidator(_decimal),
    PlainSerializer(decimal_text, return_type=str),
    WithJsonSchema({"type": "string", "pattern": _PERCENT_PATTERN, "examples": ["25"]}),
]
# Stays a Decimal: json_codec writes it as a JSON number without float rounding.
QuantityAnswer = Annotated[Decimal, PlainValidator(_decimal), WithJsonSchema({"type": "number"})]
