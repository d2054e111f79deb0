"""The MCP surface: tools, resources and prompts over the LedgerBee API client."""

from ledgerbee_mcp.server.app import INSTRUCTIONS, build_server

__all__ = ["INSTRUCTIONS", "build_server"]
