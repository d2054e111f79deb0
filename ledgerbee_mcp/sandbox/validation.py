"""Request validation: every bad field is reported at once, named by its path (`lines[0].quantity`).

Bodies are checked against their models (`models.py`); pydantic's errors become the sandbox's
`VALIDATION_ERROR` entries here. Path ids and query parameters, which are not JSON, are checked by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ledgerbee_mcp.sandbox.errors import FieldError, validation_error
from ledgerbee_mcp.sandbox.field_types import is_uuid, iso_date
from ledgerbee_mcp.sandbox.json_codec import JsonDecodeError, loads
from ledgerbee_mcp.sandbox.kinds import DocumentKind
from ledgerbee_mcp.sandbox.models import nested_model
from ledgerbee_mcp.sandbox.store import ListQuery

__all__ = [
    "field_path",
    "is_uuid",
    "iso_date",
    "json_body",
    "list_query",
    "ordered",
    "page_query",
    "parse",
    "path_id",
]

_INTEGER = re.compile(r"\d{1,9}")
_M = TypeVar("_M", bound=BaseModel)
# pydantic's own error types, said the way the sandbox says them; the field types raise their own messages.
_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "unknown field",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
}


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


def field_path(loc: Iterable[int | str]) -> str:
    """`("lines", 0, "quantity")` as `lines[0].quantity`."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path


def _message(error: ErrorDetails) -> str:
    if error["type"] == "list_type":
        return "must be an array of lines" if error["loc"][-1:] == ("lines",) else "must be an array"
    return _MESSAGES.get(error["type"], error["msg"])


def parse(model: type[_M], body: Mapping[str, object]) -> tuple[_M | None, list[FieldError]]:
    """`body` as `model`, or None and one error per bad field."""
    try:
        return model.model_validate(body), []
    except ValidationError as exc:
        return None, [FieldError(field_path(e["loc"]), _message(e)) for e in exc.errors()]


def _rank(model: type[BaseModel], path: str) -> tuple[int, ...]:
    """Where `path` sits in `model`'s field order; an unknown field sorts first, as it is named first."""
    rank: list[int] = []
    current: type[BaseModel] | None = model
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        if index:
            rank.append(int(index))
            continue
        names = list(current.model_fields) if current is not None else []
        rank.append(names.index(name) if name in names else -1)
        info: Any = current.model_fields.get(name) if current is not None else None
        current = None if info is None else nested_model(info.annotation)
    return tuple(rank)


def ordered(model: type[BaseModel], errors: Iterable[FieldError]) -> list[FieldError]:
    """Shape and rule errors together, in the body's field order (stable, so a field's own order stays)."""
    return sorted(errors, key=lambda e: _rank(model, e.field))


def page_query(params: Mapping[str, str], errors: list[FieldError] | None = None) -> tuple[int, int]:
    own: list[FieldError] = [] if errors is None else errors
    page, limit = 1, 25
    raw_page = params.get("page")
    if raw_page is not None:
        if _INTEGER.fullmatch(raw_page) and int(raw_page) >= 1:
            page = int(raw_page)
        else:
            own.append(FieldError("page", "must be an integer >= 1"))
    raw_limit = params.get("limit")
    if raw_limit is not None:
        if _INTEGER.fullmatch(raw_limit) and 1 <= int(raw_limit) <= 100:
            limit = int(raw_limit)
        else:
            own.append(FieldError("limit", "must be an integer from 1 to 100"))
    if errors is None and own:
        raise validation_error(own)
    return page, limit


def list_query(kind: DocumentKind, params: Mapping[str, str]) -> ListQuery:
    errors: list[FieldError] = []
    page, limit = page_query(params, errors)
    status = params.get("status")
    if status is not None and status not in kind.display_statuses:
        errors.append(FieldError("status", f"must be one of {', '.join(kind.display_statuses)}"))
    customer_id = params.get("customerId")
    if customer_id is not None and not is_uuid(customer_id):
        errors.append(FieldError("customerId", "must be a UUID"))
    sort_by = params.get("sortBy")
    if sort_by is not None and sort_by not in kind.sort_fields:
        errors.append(FieldError("sortBy", f"must be one of {', '.join(kind.sort_fields)}"))
    sort_order = params.get("sortOrder", "DESC").upper()
    if sort_order not in {"ASC", "DESC"}:
        errors.append(FieldError("sortOrder", "must be ASC or DESC"))
    if errors:
        raise validation_error(errors)
    return ListQuery(
        page=page,
        limit=limit,
        status=status,
        customer_id=None if customer_id is None else customer_id.lower(),
        sort_by=sort_by,
        descending=sort_order == "DESC",
    )
