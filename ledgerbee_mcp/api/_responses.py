"""Reading answers: error bodies to exceptions (with the documented fix), JSON to models, `Retry-After`."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from collections.abc import Callable
from typing import Any, Final, TypeVar, cast

import httpx
from pydantic import BaseModel, ValidationError

from ledgerbee_mcp.api import errors as e

__all__ = ["api_error", "excerpt", "parse_model", "request_id", "retry_after_seconds"]

M = TypeVar("M", bound=BaseModel)

_EXCERPT_CHARS: Final = 160

_CODE_CLASSES: Final[dict[str, type[e.InvalidRequestError]]] = {
    e.CODE_MISSING_RECIPIENT: e.MissingRecipientError,
    e.CODE_LOCKED_CONVERTED: e.DocumentLockedError,
    e.CODE_ALREADY_CONVERTED_TO_DOCUMENT: e.AlreadyConvertedError,
    e.CODE_ALREADY_CONVERTED_TO_INVOICE: e.AlreadyConvertedError,
    e.CODE_CONVERT_REQUIRES_SENT: e.ConvertRequiresSentError,
}

# The fixes of the guide's error table; the 401, 429 and 5xx ones are ours (the guide lists none).
_CODE_HINTS: Final[dict[str, str]] = {
    e.CODE_MISSING_RECIPIENT: "Pass recipientEmail, or set an e-mail on the customer or contact.",
    e.CODE_LOCKED_CONVERTED: "Act on the document the conversion produced instead.",
    e.CODE_ALREADY_CONVERTED_TO_DOCUMENT: "Read convertedToDocumentId / convertedToInvoiceId on the source.",
    e.CODE_ALREADY_CONVERTED_TO_INVOICE: "Read convertedToDocumentId / convertedToInvoiceId on the source.",
    e.CODE_CONVERT_REQUIRES_SENT: (
        "Send the document first (POST /{id}/send); a quote may also be converted once the customer has accepted it."
    ),
    e.CODE_VALIDATION_ERROR: "Fix the named fields and retry.",
}
_STATUS_HINTS: Final[dict[int, str]] = {
    401: "Check the API key or access token (x-api-key or Authorization: Bearer).",
    403: "Grant the matching read or write scope.",
    404: "Pass a UUID id that exists for your tenant.",
    429: "Wait as long as Retry-After says, then retry.",
}
_BAD_ID_HINT: Final = "Pass a UUID id that exists for your tenant."
_SERVER_HINT: Final = "LedgerBee failed; retry later, and quote the request id if it persists."

_STATUS_CLASSES: Final[dict[int, type[e.APIError]]] = {
    400: e.InvalidRequestError,
    401: e.AuthenticationError,
    403: e.PermissionDeniedError,
    404: e.NotFoundError,
    429: e.RateLimitError,
}


def excerpt(response: httpx.Response, redact: Callable[[str], str]) -> str:
    """A short printable start of the body, safe to put in a message."""
    raw = response.content[: _EXCERPT_CHARS * 4].decode("utf-8", errors="replace")
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in raw).split())
    text = redact(text)
    return text if len(text) <= _EXCERPT_CHARS else text[: _EXCERPT_CHARS - 3] + "..."


def request_id(response: httpx.Response, redact: Callable[[str], str]) -> str | None:
    """The answer's x-request-id, redacted: a misbehaving gateway may echo anything into a header."""
    value = response.headers.get("x-request-id")
    return redact(value) if value is not None else None


def _json_or_none(response: httpx.Response) -> object | None:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _field_errors(raw: object, redact: Callable[[str], str]) -> list[e.FieldError]:
    if not isinstance(raw, list):
        return []
    found: list[e.FieldError] = []
    for item in cast("list[object]", raw):
        if isinstance(item, dict):
            entry = cast("dict[str, object]", item)
            field, msg = entry.get("field"), entry.get("message")
            # Field errors often echo the input: redacted like the message, in case the input was a credential.
            found.append(e.FieldError(field=redact(str(field or "?")), message=redact(str(msg or "invalid"))))
    return found


def _message(body: dict[str, Any], fallback: str) -> str:
    msg = body.get("message")
    if isinstance(msg, str) and msg:
        return msg
    if isinstance(msg, list) and msg:
        return "; ".join(str(m) for m in cast("list[object]", msg))
    err = body.get("error")
    return err if isinstance(err, str) and err else fallback


def retry_after_seconds(response: httpx.Response, now: dt.datetime | None = None) -> float | None:
    """`Retry-After` as seconds from now (it may be a number of seconds or an HTTP date)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - (now or dt.datetime.now(dt.UTC))).total_seconds()
    if seconds != seconds:  # NaN: "nan" parses as a float
        return None
    return max(0.0, seconds)


def api_error(response: httpx.Response, *, method: str, path: str, redact: Callable[[str], str]) -> e.APIError:
    """The exception for an error answer: the class by `code`, else by status; with the documented hint."""
    status = response.status_code
    rid = request_id(response, redact)
    parsed = _json_or_none(response)
    reason = response.reason_phrase or "error"
    if isinstance(parsed, dict):
        body = cast("dict[str, Any]", parsed)  # JSON object keys are always str
        raw_code = body.get("code")
        code = raw_code if isinstance(raw_code, str) and raw_code else None
        message = redact(_message(body, f"{status} {reason}"))
        field_errors = _field_errors(body.get("errors"), redact)
    else:
        code = None
        ctype = response.headers.get("content-type") or "no content-type"
        message = f"{status} {reason}; the body was not a JSON error ({ctype}): {excerpt(response, redact)!r}"
        field_errors = []

    if code in _CODE_CLASSES:
        cls: type[e.APIError] = _CODE_CLASSES[code]
    elif status in _STATUS_CLASSES:
        cls = _STATUS_CLASSES[status]
    elif status >= 500:
        cls = e.ServerError
    else:
        cls = e.APIError

    hint = _CODE_HINTS.get(code or "") or _STATUS_HINTS.get(status)
    if hint is None and status >= 500:
        hint = _SERVER_HINT
    if code == e.CODE_VALIDATION_ERROR and any(f.field == "id" for f in field_errors):
        hint = _BAD_ID_HINT

    kwargs: dict[str, Any] = {
        "status_code": status,
        "code": code,
        "request_id": rid,
        "field_errors": field_errors,
        "hint": hint,
        "method": method,
        "path": path,
    }
    if cls is e.RateLimitError:
        return e.RateLimitError(message, retry_after=retry_after_seconds(response), **kwargs)
    return cls(message, **kwargs)


def _validation_summary(exc: ValidationError) -> str:
    problems = [f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()[:3]]
    more = exc.error_count() - len(problems)
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


def parse_model(
    response: httpx.Response,
    model: type[M],
    *,
    expected: str,
    method: str,
    path: str,
    redact: Callable[[str], str],
) -> M:
    """Validate a successful JSON answer into `model`, or raise `MalformedResponseError` saying why not."""
    detail: str | None = None
    try:
        data: object = json.loads(response.content)
    except ValueError:
        data = None
        detail = "the body is not valid JSON"
    if detail is None:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            detail = "wrong shape: " + _validation_summary(exc)
    # Raised outside the except blocks so the traceback carries no chained pydantic error with the raw input.
    raise e.MalformedResponseError(
        expected=expected,
        status_code=response.status_code,
        content_type=response.headers.get("content-type"),
        excerpt=excerpt(response, redact),
        method=method,
        path=path,
        request_id=request_id(response, redact),
        detail=redact(detail),
    )
