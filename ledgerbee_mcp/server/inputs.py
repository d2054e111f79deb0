"""Argument types shared by the tools: the documented bounds, so bad input is refused before any API call."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, WithJsonSchema

__all__ = [
    "ClearArg",
    "Clearable",
    "Currency",
    "DepartmentId",
    "DocumentId",
    "EmailAddress",
    "LimitArg",
    "LineArg",
    "OptionalText",
    "OrderConfirmationClearArg",
    "PageArg",
    "SearchArg",
    "UpdateLines",
]

_UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

# Advertised as `format: uuid` (36 bytes) rather than the 90-byte pattern it is checked against here.
DocumentId = Annotated[
    str,
    # Lower-cased here, at the edge: LedgerBee reads ids in any case, and the locks, the consent and the batch
    # results key on the id, so two spellings of one id must never make two documents.
    StringConstraints(strip_whitespace=True, to_lower=True, pattern=_UUID),
    WithJsonSchema({"type": "string", "format": "uuid"}),
]
"""A LedgerBee id: a UUID, lower-cased."""

# Checked by the guardrails' one strict address grammar (guardrails/addresses.py), which refuses with the reason;
# a second, looser pattern here would only disagree with it.
EmailAddress = Annotated[str, StringConstraints(min_length=3, max_length=254)]

Currency = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")]

OptionalText = Annotated[str, StringConstraints(max_length=2000)]

PageArg = Annotated[int, Field(ge=1, le=100_000)]
LimitArg = Annotated[int, Field(ge=1, le=100)]
SearchArg = Annotated[str | None, Field(max_length=200, description="Part of a name, any case.")]

_THOUSANDS = re.compile(r"-?\d{1,3}(\.\d{3})+")


def _unambiguous_amount(value: object) -> object:
    """An amount written in one decimal convention only: "1.200" is 1,200 in Danish and 1.2 in English, so it
    is refused rather than read either way."""
    if isinstance(value, str):
        text = value.strip()
        if "," in text:
            raise ValueError(
                f"{text!r} uses a comma; write the amount with a point as the decimal mark and no thousands "
                'separators, e.g. "1200.50"'
            )
        if _THOUSANDS.fullmatch(text):
            whole = text.replace(".", "")
            raise ValueError(
                f"{text!r} is ambiguous ({Decimal(text)} with a decimal point, {whole} with a Danish thousands "
                f'separator); write "{whole}.00" if you mean {whole}, or the amount with at most two decimals'
            )
    return value


Money = Annotated[
    Decimal,
    Field(ge=Decimal("-1000000000"), le=Decimal("1000000000"), decimal_places=2),
    # After the Field: pydantic applies constraints written before a validator as plain metadata, which would
    # leave the schema without its bounds.
    BeforeValidator(_unambiguous_amount),
]


class LineArg(BaseModel):
    """price_id (list_products) gives text, price and VAT; else description and unit_price (excl. VAT, a decimal
    string: "1250.00"). line_type text: a comment line."""

    model_config = ConfigDict(extra="forbid")

    # No per-field descriptions: the line schema is repeated in every tool that takes lines, and the class
    # docstring (the schema's description) says what an agent needs.
    price_id: DocumentId | None = None
    description: Annotated[str, StringConstraints(max_length=500)] | None = None
    line_type: Literal["product", "subscription", "text"] | None = None  # product when omitted
    quantity: Annotated[Decimal, Field(gt=0, le=Decimal("1000000"), decimal_places=4)] = Decimal(1)
    unit_price: Money | None = None


DateArg = dt.date

UpdateLines = Annotated[
    list[LineArg] | None,
    Field(max_length=200, description="Replaces all lines."),
]
DepartmentId = DocumentId | None
Clearable = Literal[
    "valid_until", "customer_contact_id", "customer_department_id", "reference", "our_reference", "notes"
]
ClearArg = Annotated[
    list[Clearable] | None,
    Field(max_length=6, description="Fields to empty."),
]
OrderConfirmationClearArg = Annotated[
    list[Literal["customer_contact_id", "customer_department_id", "reference", "our_reference", "notes"]] | None,
    Field(max_length=5, description="Fields to empty."),
]
