"""Argument errors an agent can act on: the field, the rule, a valid example, and where to find a valid id.

The SDK reports a bad argument as pydantic's own text (error codes, the input repeated, a documentation URL). An
agent reads that poorly, and a wrong id (a customer's name given as `customer_id`) is better answered with the
tool that finds the id.
"""

from __future__ import annotations

import json
import re
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
    "document_ids": "the list_* tool of the document type finds document ids",
    "price_id": "list_products finds price ids",
    "customer_contact_id": "list_customers with include_contacts true shows contact ids",
    "customer_department_id": "ask the person: departments are kept in LedgerBee",
}
_UUID_EXAMPLE = "5eed0001-0000-4000-8000-000000000001"


def _path(loc: Sequence[int | str]) -> str:
    if loc and loc[-1] == "[key]":
        # A mapping's key (recipient_emails' document id): the key itself is shown as what was given.
        return _path(loc[:-2]) + " key"
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _field(loc: Sequence[int | str]) -> str:
    names = [p for p in loc if isinstance(p, str)]
    return names[-1] if names else ""


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _meant(name: str, schema: Mapping[str, Any]) -> str | None:
    """The argument a misspelt or camelCased name most likely meant (`customerId` -> `customer_id`)."""
    known = list(cast("dict[str, object]", schema.get("properties") or {}))
    snake = _snake(name)
    if snake in known:
        return snake
    # An id named for its kind where the tool takes any kind's (`quote_ids` for send_documents' `document_ids`).
    for generic in ("document_ids", "document_id"):
        if generic in known and snake.endswith(generic.removeprefix("document")):
            return generic
    import difflib  # only for a misspelt argument, not at start-up

    close = difflib.get_close_matches(snake, known, n=1, cutoff=0.7)
    return close[0] if close else None


def _example(field: str, schema: Mapping[str, Any]) -> str:
    """A valid value of a top-level argument, as JSON, from its advertised schema ("" when none fits)."""
    properties = cast("dict[str, dict[str, Any]]", schema.get("properties") or {})
    prop = properties.get(field, {})
    items = cast("dict[str, Any]", prop.get("items") or {})
    if prop.get("type") == "array":
        if items.get("enum"):
            return json.dumps(items["enum"][:1])
        if field.endswith("_ids"):
            return json.dumps([_UUID_EXAMPLE])
        if field == "lines":
            return json.dumps([{"price_id": _UUID_EXAMPLE, "quantity": "2"}])
    if prop.get("type") == "object" and field == "recipient_emails":
        return json.dumps({_UUID_EXAMPLE: "name@example.com"})
    return ""


def _rule(error: ErrorDetails, schema: Mapping[str, Any]) -> str:
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    field = _field(error["loc"])
    top = len(error["loc"]) == 1
    if error["loc"] and error["loc"][-1] == "[key]":
        return f"must be a document id (a UUID) such as {_UUID_EXAMPLE}, one of document_ids"
    if kind == "missing":
        properties = cast("dict[str, dict[str, object]]", schema.get("properties") or {})
        prop = properties.get(field, {}) if top else {}
        values = prop.get("enum") or ([prop["const"]] if "const" in prop else None)
        if isinstance(values, list) and values:
            return "is required: one of " + ", ".join(str(v) for v in cast("list[object]", values))
        return "is required"
    if kind == "extra_forbidden":
        meant = _meant(field, schema) if top else None
        if meant is not None:
            return f"is not an argument of this tool; did you mean {meant}?"
        return "is not an argument of this tool (check its spelling against the tool's input schema)"
    if kind in ("string_pattern_mismatch", "string_type") and field.endswith(("_id", "_ids")):
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
    if kind == "string_type":
        return "must be a string (text in quotes)"
    if kind in ("list_type", "dict_type"):
        shape = "a list (a JSON array)" if kind == "list_type" else "an object (JSON, keys in quotes)"
        example = _example(field, schema) if top else ""
        return f"must be {shape}, such as {example}" if example else f"must be {shape}"
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
