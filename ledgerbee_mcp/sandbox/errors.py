"""Errors the sandbox answers with, and the JSON body they become.

Body shape (docs/api-contract.md): `{"statusCode", "code"?, "message", "errors"?}`; `code` is absent on
401, 403 and 404, and `errors` is present only on `VALIDATION_ERROR`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "FieldError",
    "SandboxError",
    "forbidden",
    "invalid_transition",
    "not_found",
    "rule_violation",
    "unauthorized",
    "validation_error",
]

VALIDATION_ERROR = "VALIDATION_ERROR"


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class SandboxError(Exception):
    """A failed request: carries everything needed to answer it."""

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        code: str | None = None,
        errors: Sequence[FieldError] = (),
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.code = code
        self.errors = tuple(errors)

    def body(self) -> dict[str, object]:
        body: dict[str, object] = {"statusCode": self.status_code}
        if self.code is not None:
            body["code"] = self.code
        body["message"] = self.message
        if self.code == VALIDATION_ERROR:
            body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        return body


def unauthorized() -> SandboxError:
    return SandboxError(
        401, "Missing or unknown API key: send `x-api-key: <key>` or `Authorization: Bearer <key>`"
    )


def forbidden(scope: str) -> SandboxError:
    return SandboxError(403, f"This API key lacks the `{scope}` scope")


def not_found(what: str, ident: str) -> SandboxError:
    return SandboxError(404, f"{what} {ident} not found")


def validation_error(errors: Sequence[FieldError]) -> SandboxError:
    fields = ", ".join(e.field for e in errors)
    return SandboxError(400, f"Request validation failed: {fields}", code=VALIDATION_ERROR, errors=errors)


def rule_violation(code: str, message: str) -> SandboxError:
    return SandboxError(400, message, code=code)


def invalid_transition(message: str) -> SandboxError:
    return SandboxError(400, message, code="SANDBOX_INVALID_TRANSITION")
