"""Every tool, and the one place where policies decide which are registered."""

from __future__ import annotations

from mcp.server.mcpserver.tools import Tool

from ledgerbee_mcp.server.compact import compact_tool
from ledgerbee_mcp.server.runtime import Runtime
from ledgerbee_mcp.server.tools.lookups import lookup_tools
from ledgerbee_mcp.server.tools.order_confirmations import order_confirmation_tools
from ledgerbee_mcp.server.tools.pdf import pdf_tools
from ledgerbee_mcp.server.tools.quotes import quote_tools
from ledgerbee_mcp.server.tools.spec import ToolSpec

__all__ = ["ToolSpec", "all_tools", "build_tools"]


def all_tools(rt: Runtime) -> list[ToolSpec]:
    return [*quote_tools(rt), *order_confirmation_tools(rt), *lookup_tools(rt), *pdf_tools(rt)]


def build_tools(rt: Runtime) -> list[Tool]:
    """The tools the settings allow, ready to serve; read-only mode leaves out every tool that writes."""
    chosen = [t for t in all_tools(rt) if t.read_only or not rt.settings.read_only]
    return [
        compact_tool(
            Tool.from_function(
                spec.fn,
                name=spec.name,
                title=spec.title,
                description=spec.description,
                annotations=spec.annotations,
            )
        )
        for spec in chosen
    ]
