"""Argument types shared by the tools: the documented bounds, so bad input is refused before any API call."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, WithJsonSchema
from pydantic.config import JsonDict

__all__ = [
    "UNADVERTISED_BOUND",
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

# Bounds that only guard the server (a 2,000-character note, a 1,000-character token, page 100,000) are checked
# here and refused by name, but advertised as a plain string or integer: no agent comes near them, and each costs
# bytes in every tool on every turn. Bounds an agent chooses within (a list's limit, 1 to 100) stay advertised.
UNADVERTISED_BOUND = WithJsonSchema({"type": "string"})

_UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

# Advertised as a plain string, not the 90-byte pattern it is checked against here nor `format: uuid`: every id
# argument is named `*_id(s)`, a name given instead is refused with the tool that finds the id
# (`server/arguments.py`), and a format is bytes on every turn (Gemini's schema subset rejects it, too). A date
# keeps its `format: date`: there a wrong value is not refused but misread ("1/12" is a day in Denmark).
DocumentId = Annotated[
    str,
    # Lower-cased here, at the edge: LedgerBee reads ids in any case, and the locks, the consent and the batch
    # results key on the id, so two spellings of one id must never make two documents.
    StringConstraints(strip_whitespace=True, to_lower=True, pattern=_UUID),
    WithJsonSchema({"type": "string"}),
]
"""A LedgerBee id: a UUID, lower-cased."""

# Checked by the guardrails' one strict address grammar (guardrails/addresses.py), which refuses with the reason;
# a second, looser pattern here would only disagree with it. The length bounds guard the server and are not
# advertised (an address near them is refused by the grammar anyway).
EmailAddress = Annotated[str, StringConstraints(min_length=3, max_length=254), UNADVERTISED_BOUND]

Currency = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")]

OptionalText = Annotated[str, StringConstraints(max_length=2000), UNADVERTISED_BOUND]

PageArg = Annotated[int, Field(ge=1, le=100_000), WithJsonSchema({"type": "integer", "minimum": 1})]
LimitArg = Annotated[int, Field(ge=1, le=100)]
SearchArg = Annotated[str | None, Field(max_length=200, description="Part of a name, any case."), UNADVERTISED_BOUND]

_THOUSANDS = re.compile(r"-?\d{1,3}(\.\d{3})+")


def _one_convention(noun: str, comma_example: str, advice: Callable[[Decimal, str], str]) -> Callable[[object], object]:
    """A validator for a decimal written in one convention only: "1.200" is 1,200 in Danish and 1.2 in English, so
    it is refused rather than read either way; `advice` says what to write instead (given both readings)."""

    def check(value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if "," in text:
                raise ValueError(
                    f"{text!r} uses a comma; write the {noun} with a point as the decimal mark and no thousands "
                    f"separators, e.g. {comma_example}"
                )
            if _THOUSANDS.fullmatch(text):
                whole = text.replace(".", "")
                raise ValueError(
                    f"{text!r} is ambiguous ({Decimal(text).normalize()} with a decimal point, {whole} with a Danish "
                    f"thousands separator); {advice(Decimal(text), whole)}"
                )
        return value

    return check


_unambiguous_amount = _one_convention(
    "amount",
    '"1200.50"',
    lambda _, whole: f'write "{whole}.00" if you mean {whole}, or the amount with at most two decimals',
)
# "1.500" is 1,500 pieces in Danish and one and a half in English.
_unambiguous_quantity = _one_convention(
    "quantity",
    '"1.5" or "1500"',
    lambda point, whole: f'write "{whole}" if you mean {whole}, or "{point.normalize()}"',
)


# Advertised as a decimal string, the form the line's description asks for and the one without a rounding
# question; a JSON number is still read. Pydantic's own schema (a number with its bounds, or a string) costs
# about 70 bytes more in every tool that takes lines, for bounds an agent never comes near (they are checked here
# and refused by name).
_DECIMAL_STRING = WithJsonSchema({"type": "string"})

Money = Annotated[
    Decimal,
    Field(ge=Decimal("-1000000000"), le=Decimal("1000000000"), decimal_places=2),
    # After the Field: pydantic applies constraints written before a validator as plain metadata, which would
    # leave them unchecked.
    BeforeValidator(_unambiguous_amount),
    _DECIMAL_STRING,
]


def _unadvertised_extra(schema: JsonDict) -> None:
    schema.pop("additionalProperties", None)


class LineArg(BaseModel):
    """price_id (list_products) gives text, price and VAT; else description and unit_price (excl. VAT, e.g.
    "1250.00"). line_type text: a comment line."""

    # An unknown key is refused by name (a misspelt `unit_price` must not leave a line at zero), but not
    # advertised: see `tools._refusing_unknown_arguments`.
    model_config = ConfigDict(extra="forbid", json_schema_extra=_unadvertised_extra)

    # No per-field descriptions: the line schema is repeated in every tool that takes lines, and the class
    # docstring (the schema's description) says what an agent needs.
    price_id: DocumentId | None = None
    description: Annotated[str, StringConstraints(max_length=500), UNADVERTISED_BOUND] | None = None
    line_type: Literal["product", "subscription", "text"] | None = None  # product when omitted
    quantity: Annotated[
        Decimal,
        Field(gt=0, le=Decimal("1000000"), decimal_places=4),
        BeforeValidator(_unambiguous_quantity),
        _DECIMAL_STRING,
    ] = Decimal(1)
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
# Named for what it does, with the fields as its values: no description needed. A field named twice is cleared
# once, so there is no length bound to advertise.
ClearArg = list[Clearable] | None
OrderConfirmationClearArg = (
    list[Literal["customer_contact_id", "customer_department_id", "reference", "our_reference", "notes"]] | None
)
