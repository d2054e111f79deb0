"""Turn client errors into tool errors the agent can act on."""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager

from mcp.server.mcpserver.exceptions import ToolError

from ledgerbee_mcp.api import LedgerBeeError
from ledgerbee_mcp.api.errors import explain

__all__ = ["api_errors", "describe"]

describe = explain
"""One paragraph: what failed, the code, the fields, and the documented fix."""


@contextmanager
def api_errors() -> Generator[None]:
    """Re-raise any client error as a `ToolError` carrying the code and the documented fix."""
    try:
        yield
    except LedgerBeeError as error:
        raise ToolError(describe(error)) from None
