"""JSON in and out without floats: money and quantities stay `Decimal` end to end.

Incoming numbers with a fraction parse to `Decimal`; outgoing `Decimal`s are written as JSON numbers in
plain notation (quantities are numbers in the API, money is already a string by then).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import cast

__all__ = ["JsonDecodeError", "dumps", "loads"]


class JsonDecodeError(ValueError):
    """The body is not JSON the sandbox accepts (malformed, or NaN/Infinity)."""


def _reject_constant(name: str) -> object:
    raise JsonDecodeError(f"{name} is not a valid JSON number")


def loads(raw: bytes) -> object:
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JsonDecodeError(f"malformed JSON: {exc}") from exc


def decimal_text(value: Decimal) -> str:
    """Plain decimal notation without exponent or trailing zeros: `2`, `1.5`, `0.125`."""
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", "0"} else text


def _encode(value: object, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, Decimal):
        out.append(decimal_text(value))
    elif isinstance(value, Mapping):
        mapping = cast("Mapping[object, object]", value)
        out.append("{")
        for index, (key, item) in enumerate(mapping.items()):
            if index:
                out.append(",")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, Sequence):
        sequence = cast("Sequence[object]", value)
        out.append("[")
        for index, item in enumerate(sequence):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def dumps(value: object) -> bytes:
    out: list[str] = []
    _encode(value, out)
    return "".join(out).encode()
