"""The exceptions `ledgerbee_mcp.api` raises: one tree rooted at `LedgerBeeError`.

No httpx exception escapes the client; each failure is one of these, with a message written for the person
(or agent) who has to act on it, and, for answers of the API, the fix the LedgerBee guide documents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AlreadyConvertedError",
    "AuthenticationError",
    "ConvertRequiresSentError",
    "DocumentLockedError",
    "FieldError",
    "InvalidRequestError",
    "LedgerBeeError",
    "MalformedResponseError",
    "MissingRecipientError",
    "NotFoundError",
    "OutcomeUnknown",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "explain",
]

CODE_MISSING_RECIPIENT: Final = "SALES_DOCUMENT_MISSING_RECIPIENT"
CODE_LOCKED_CONVERTED: Final = "SALES_DOCUMENT_LOCKED_CONVERTED"
CODE_ALREADY_CONVERTED_TO_DOCUMENT: Final = "SALES_DOCUMENT_ALREADY_CONVERTED_TO_DOCUMENT"
CODE_ALREADY_CONVERTED_TO_INVOICE: Final = "SALES_DOCUMENT_ALREADY_CONVERTED_TO_INVOICE"
CODE_CONVERT_REQUIRES_SENT: Final = "SALES_DOCUMENT_CONVERT_REQUIRES_SENT"
CODE_VALIDATION_ERROR: Final = "VALIDATION_ERROR"


def _one_line(text: str) -> str:
    return " ".join(text.split())


class LedgerBeeError(Exception):
    """Root of every error the LedgerBee client raises."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One entry of a `VALIDATION_ERROR` answer's `errors` list."""

    field: str
    """Path of the offending field, e.g. `lines[0].quantity` (or `id` for a malformed path id)."""
    message: str
    """What is wrong with it."""

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class APIError(LedgerBeeError):
    """The API answered with an error status; what it said is in the attributes."""

    status_code: int
    """HTTP status of the answer."""
    code: str | None
    """The machine-readable `code` of the error body; absent on plain 401/403/404 answers."""
    message: str
    """The server's `message` (or a description of the body when it carried none)."""
    request_id: str | None
    """The `x-request-id` of the answer: quote it to LedgerBee support."""
    field_errors: list[FieldError]
    """One entry per rejected field of a `VALIDATION_ERROR` answer."""
    hint: str | None
    """The documented fix for this failure, when there is one."""
    method: str | None
    path: str | None

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        request_id: str | None = None,
        field_errors: list[FieldError] | None = None,
        hint: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.code = code
        self.message = message
        self.request_id = request_id
        self.field_errors = list(field_errors or [])
        self.hint = hint
        self.method = method
        self.path = path
        super().__init__(self._summary())

    def _summary(self) -> str:
        parts = [f"LedgerBee API error {self.status_code}"]
        if self.code:
            parts[0] += f" {self.code}"
        if self.method and self.path:
            parts[0] += f" on {self.method} {self.path}"
        parts[0] += f": {_one_line(self.message)}"
        if self.field_errors:
            parts.append("fields: " + "; ".join(_one_line(str(f)) for f in self.field_errors))
        if self.hint:
            parts.append(f"hint: {self.hint}")
        if self.request_id:
            parts.append(f"request id: {self.request_id}")
        return " | ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, code={self.code!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )


class InvalidRequestError(APIError):
    """400: the request was refused (nothing was changed); includes `VALIDATION_ERROR`."""


class MissingRecipientError(InvalidRequestError):
    """400 `SALES_DOCUMENT_MISSING_RECIPIENT`: an e-mail send found no recipient."""


class DocumentLockedError(InvalidRequestError):
    """400 `SALES_DOCUMENT_LOCKED_CONVERTED`: the document was converted and is read-only."""


class AlreadyConvertedError(InvalidRequestError):
    """400 `SALES_DOCUMENT_ALREADY_CONVERTED_TO_DOCUMENT` / `..._TO_INVOICE`: it converts only once."""


class ConvertRequiresSentError(InvalidRequestError):
    """400 `SALES_DOCUMENT_CONVERT_REQUIRES_SENT`: a draft cannot be converted."""


class AuthenticationError(APIError):
    """401: the API key or access token was not accepted."""


class PermissionDeniedError(APIError):
    """403: the credential lacks the scope this call needs."""


class NotFoundError(APIError):
    """404: no such id for this tenant."""


class RateLimitError(APIError):
    """429: too many requests (raised once the client's own retries are used up)."""

    retry_after: float | None
    """Seconds the server asked us to wait (`Retry-After`), when it said."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class ServerError(APIError):
    """5xx: LedgerBee (or a proxy in front of it) failed."""


class APIConnectionError(LedgerBeeError):
    """No answer: the connection could not be made or broke off."""

    method: str
    path: str
    request_sent: bool
    """False when the request certainly never reached the server (so retrying it is safe)."""
    cause: str
    """What went wrong, in words."""
    attempts: int
    """How many attempts were made."""

    def __init__(self, *, method: str, path: str, cause: str, request_sent: bool, attempts: int = 1) -> None:
        self.method = method
        self.path = path
        self.cause = cause
        self.request_sent = request_sent
        self.attempts = attempts
        tried = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(f"{self._what} {method} {path}{tried}: {_one_line(cause)}")

    _what = "Could not reach LedgerBee for"


class APITimeoutError(APIConnectionError):
    """The request (or the connection for it) timed out."""

    _what = "LedgerBee timed out on"


class MalformedResponseError(LedgerBeeError):
    """The answer was not what the API documents (not JSON, an HTML proxy page, JSON of the wrong shape)."""

    expected: str
    status_code: int
    content_type: str | None
    excerpt: str
    """A short, sanitised start of the body."""
    request_id: str | None
    detail: str | None
    method: str
    path: str

    def __init__(
        self,
        *,
        expected: str,
        status_code: int,
        content_type: str | None,
        excerpt: str,
        method: str,
        path: str,
        request_id: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.expected = expected
        self.status_code = status_code
        self.content_type = content_type
        self.excerpt = excerpt
        self.request_id = request_id
        self.detail = detail
        self.method = method
        self.path = path
        text = (
            f"Malformed answer to {method} {path}: expected {expected}, got status {status_code} "
            f"with content-type {content_type or 'none'}"
        )
        if detail:
            text += f" ({_one_line(detail)})"
        text += f"; body starts: {excerpt!r}"
        if method != "GET" and 200 <= status_code < 300:
            # The status says the write happened even though its result could not be read.
            text += "; the server reported success, so read the document back before repeating the call"
        if request_id:
            text += f" | request id: {request_id}"
        super().__init__(text)


class OutcomeUnknown(LedgerBeeError):
    """A write that is not safe to repeat may or may not have been carried out.

    The request may have reached LedgerBee (the connection broke or timed out after it went out, or the server
    failed with a 5xx). The client does not retry it: read the document to find out, then decide.
    """

    action: str
    """What was attempted: `create`, `send` or `convert`."""
    method: str
    path: str
    document_id: str | None
    """The document acted on (None for a create)."""
    attempted: Mapping[str, Any]
    """The JSON body that was sent (never headers)."""
    cause: str
    """What went wrong, in words."""
    status_code: int | None
    request_id: str | None

    def __init__(
        self,
        *,
        action: str,
        method: str,
        path: str,
        document_id: str | None,
        attempted: Mapping[str, Any],
        cause: str,
        status_code: int | None = None,
        request_id: str | None = None,
    ) -> None:
        self.action = action
        self.method = method
        self.path = path
        self.document_id = document_id
        self.attempted = dict(attempted)
        self.cause = cause
        self.status_code = status_code
        self.request_id = request_id
        target = f" of document {document_id}" if document_id else ""
        check = (
            f"read document {document_id} to see whether it took effect"
            if document_id
            else "list the documents to see whether it was created"
        )
        text = (
            f"Outcome unknown for {action}{target} ({method} {path}): {_one_line(cause)}; "
            f"it was not retried: {check} before trying again"
        )
        if request_id:
            text += f" | request id: {request_id}"
        super().__init__(text)


def explain(error: LedgerBeeError) -> str:
    """One paragraph for a person or an agent: what failed, the code, the fields, and the documented fix."""
    if not isinstance(error, APIError):
        return f"LedgerBee could not be reached or answered unreadably: {error}"
    head = f"LedgerBee answered {error.status_code}"
    if error.code:
        head += f" {error.code}"
    parts = [f"{head}: {error.message}"]
    if error.field_errors:
        fields = "; ".join(f"{fe.field}: {fe.message}" for fe in error.field_errors)
        parts.append(f"Fields: {fields}.")
    if error.hint:
        parts.append(f"Fix: {error.hint}")
    if error.request_id:
        parts.append(f"(request id {error.request_id})")
    return " ".join(parts)
