"""Turn client errors into tool errors the agent can act on."""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager

from mcp.server.mcpserver.exceptions import ToolError

from ledgerbee_mcp.api import APIError, LedgerBeeError

__all__ = ["api_errors", "describe"]


def describe(error: LedgerBeeError) -> str:
    """One paragraph: what failed, the code, the fields, and the documented fix."""
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


@contextmanager
def api_errors() -> Generator[None]:
    """Re-raise any client error as a `ToolError` carrying the code and the documented fix."""
    try:
        yield
    except LedgerBeeError as error:
        raise ToolError(describe(error)) from None
