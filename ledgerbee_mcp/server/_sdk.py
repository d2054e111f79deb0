"""Every name this server takes from the MCP SDK beyond its public `__all__`, in one place.

Checked against `mcp` 2.3.0. When the SDK moves one of these, this is the only module to mend.
"""

from mcp.server.mcpserver.exceptions import UnexpectedResourceError, UnexpectedToolError
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata

__all__ = ["ArgModelBase", "FuncMetadata", "UnexpectedResourceError", "UnexpectedToolError"]
