"""Argument errors an agent can act on: the field, the rule, a valid example, and where to find a valid id.

The SDK reports a bad argument as pydantic's own text (error codes, the input repeated, a documentation URL). An
agent reads that poorly, and a wrong id (a customer's name given as `customer_id`) is better answered with the
tool that finds the id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ledgerbee_mcp.guardrails.render import visible

__all__ = ["explain_arguments"]

_FINDERS: Mapping[str, str] = {
    "customer_id": "list_customers finds a customer's id by name",
    "quote_id": "list_quotes finds quote ids (filter by customer or status)",
    "order_confirmation_id": "list_order_confirmations finds order confirmation ids",
    "invoice_id": "list_invoices finds invoice ids",
    "document_id": "the list_* tool of its kind finds document ids",
    "price_id": "list_products finds price ids",
    "customer_contact_id": "list_customers with include_contacts true shows contact ids",
    "customer_department_id": "ask the person: departments are kept in LedgerBee",
}
_UUID_EXAMPLE = "5eed0001-0000-4000-8000-000000000001"


def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _field(loc: Sequence[int | str]) -> str:
    names = [p for p in loc if isinstance(p, str)]
    return names[-1] if names else ""


def _rule(error: ErrorDetails, schema: Mapping[str, Any]) -> str:
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    field = _field(error["loc"])
    if kind == "missing":
        properties = cast("dict[str, dict[str, object]]", schema.get("properties") or {})
        values = properties.get(field, {}).get("enum") if len(error["loc"]) == 1 else None
        if isinstance(values, list) and values:
            return "is required: one of " + ", ".join(str(v) for v in cast("list[object]", values))
        return "is required"
    if kind == "extra_forbidden":
        return "is not an argument of this tool (check its spelling against the tool's input schema)"
    if kind == "string_pattern_mismatch" and field.endswith("_id"):
        finder = _FINDERS.get(field, "the matching list_* tool finds ids")
        return f"must be an id (a UUID) such as {_UUID_EXAMPLE}; a name is not an id: {finder}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', 'the listed values')}"
    if kind == "decimal_max_places":
        return f'must have at most {ctx.get("decimal_places")} decimals, as a decimal string such as "1250.00"'
    if kind in ("decimal_parsing", "decimal_type"):
        return 'must be a decimal string such as "1250.00" (a point as the decimal mark, no thousands separators)'
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}"
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return f"must be {'at least' if kind == 'greater_than_equal' else 'greater than'} {bound}"
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type", "date_from_datetime_inexact"):
        return "must be a date in the form YYYY-MM-DD, such as 2026-12-01"
    if kind in ("string_too_long", "too_long"):
        return f"is too long (at most {ctx.get('max_length')})"
    if kind in ("string_too_short", "too_short"):
        return f"is too short (at least {ctx.get('min_length')})"
    if kind in ("bool_parsing", "bool_type"):
        return "must be true or false"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "must be a whole number"
    if kind == "value_error":
        # Raised by the tools' own validators: their message is written for the agent already.
        return str(error["msg"]).removeprefix("Value error, ")
    return str(error["msg"]).rstrip(".")


def _given(error: ErrorDetails) -> str:
    if error["type"] == "missing":
        return ""
    value = error.get("input")
    if isinstance(value, dict | list):
        return ""
    return f" (got {visible(str(value), 60)})"


def explain_arguments(tool: str, error: ValidationError, schema: Mapping[str, Any] | None = None) -> str:
    """One line per bad argument, and that nothing was done; `schema` (the tool's input schema) supplies the
    values a missing choice may take."""
    rows = [f"- {_path(e['loc'])}: {_rule(e, schema or {})}{_given(e)}" for e in error.errors()]
    return f"{tool}: the arguments were not accepted, so nothing was done.\n" + "\n".join(rows)
