"""Reading a tool's result in a test: its structured content when it succeeded, its text when it was refused."""

from __future__ import annotations

from typing import Any

from mcp_types import CallToolResult

__all__ = ["error_text", "ok", "text_of"]


def text_of(result: CallToolResult) -> str:
    return " ".join(getattr(block, "text", "") for block in result.content)


def ok(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    return result.structured_content


def error_text(result: CallToolResult) -> str:
    assert result.is_error, result.structured_content
    return text_of(result)
