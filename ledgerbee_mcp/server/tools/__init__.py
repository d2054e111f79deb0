"""Every tool, and the one place where policies decide which are registered."""

from __future__ import annotations

from mcp.server import MCPServer

from ledgerbee_mcp.server.runtime import Runtime
from ledgerbee_mcp.server.tools.lookups import lookup_tools
from ledgerbee_mcp.server.tools.order_confirmations import order_confirmation_tools
from ledgerbee_mcp.server.tools.pdf import pdf_tools
from ledgerbee_mcp.server.tools.quotes import quote_tools
from ledgerbee_mcp.server.tools.spec import ToolSpec

__all__ = ["ToolSpec", "all_tools", "register_tools"]


def all_tools(rt: Runtime) -> list[ToolSpec]:
    return [*quote_tools(rt), *order_confirmation_tools(rt), *lookup_tools(rt), *pdf_tools(rt)]


def register_tools(server: MCPServer, rt: Runtime) -> list[ToolSpec]:
    """Register the tools the settings allow; read-only mode leaves out every tool that writes."""
    chosen = [t for t in all_tools(rt) if t.read_only or not rt.settings.read_only]
    for tool in chosen:
        server.add_tool(
            tool.fn,
            name=tool.name,
            title=tool.title,
            description=tool.description,
            annotations=tool.annotations,
        )
    return chosen
