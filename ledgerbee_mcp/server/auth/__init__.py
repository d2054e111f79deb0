"""This server as an OAuth 2.1 resource server (the MCP authorization spec): bearer JWTs checked against the
issuer's keys, and scopes that say what a caller may do.

- `AuthConfig.from_env()` reads the settings (None: no OAuth); `AuthConfig.auth_settings()` gives the SDK's.
- `JwtTokenVerifier(config)` is the SDK's `TokenVerifier`; pass it as `MCPServer(token_verifier=...)`.
- `required_scope`, `missing_scope` and `permitted_tools` map a tool's annotations to the scope it needs.
- `current_access`, `current_subject` and `current_scopes` say who is calling, inside a request.
"""

from typing import TYPE_CHECKING

from ledgerbee_mcp.server.auth.context import current_access, current_scopes, current_subject
from ledgerbee_mcp.server.auth.scopes import (
    ALL_SCOPES,
    SCOPE_DESCRIPTIONS,
    SCOPE_READ,
    SCOPE_SEND,
    SCOPE_WRITE,
    AnnotatedTool,
    AuthConfig,
    missing_scope,
    permitted_tools,
    required_scope,
)

__all__ = [
    "ALL_SCOPES",
    "SCOPE_DESCRIPTIONS",
    "SCOPE_READ",
    "SCOPE_SEND",
    "SCOPE_WRITE",
    "AnnotatedTool",
    "AuthConfig",
    "JwtTokenVerifier",
    "current_access",
    "current_scopes",
    "current_subject",
    "missing_scope",
    "permitted_tools",
    "required_scope",
    "token_fingerprint",
]

if TYPE_CHECKING:
    from ledgerbee_mcp.server.auth.jwt_verifier import JwtTokenVerifier, token_fingerprint


def __getattr__(name: str) -> object:
    # The verifier brings httpx and PyJWT: loaded only by a server that checks tokens, so a stdio start-up (which
    # reads the scopes and the caller helpers, both None there) never pays for them.
    if name in ("JwtTokenVerifier", "token_fingerprint"):
        from ledgerbee_mcp.server.auth import jwt_verifier

        return getattr(jwt_verifier, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
