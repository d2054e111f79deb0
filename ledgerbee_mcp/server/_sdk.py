"""Every name this server takes from the MCP SDK beyond its public `__all__`, in one place.

Checked against `mcp` 2.3.0. When the SDK moves one of these, this is the only module to mend.
"""

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken, TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver.exceptions import UnexpectedResourceError, UnexpectedToolError
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata

__all__ = ["ArgModelBase", "FuncMetadata", "UnexpectedResourceError", "UnexpectedToolError"]

# The OAuth 2.1 resource server (`ledgerbee_mcp.server.auth`), also checked against `mcp` 2.3.0: the
# `TokenVerifier` protocol and the `AccessToken` it returns (with its `subject` and `claims` fields, which the
# SDK's session binding reads), `AuthSettings` for `MCPServer(auth=...)`, and `get_access_token`, the verified
# token of the request being served (set by the SDK's `AuthContextMiddleware`).
__all__ += ["AccessToken", "AuthSettings", "TokenVerifier", "get_access_token"]
