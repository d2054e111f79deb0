"""Who is calling, inside a request the SDK's bearer middleware let through."""

from __future__ import annotations

from ledgerbee_mcp.server._sdk import AccessToken, get_access_token

__all__ = ["current_access", "current_scopes", "current_subject"]


def current_access() -> AccessToken | None:
    """The verified access of the request being served; None without OAuth (stdio, or no `auth=`)."""
    return get_access_token()


def current_subject() -> str | None:
    """The caller's `sub`, for the audit; None without OAuth."""
    access = current_access()
    return access.subject if access is not None else None


def current_scopes() -> frozenset[str] | None:
    """The caller's granted scopes; None without OAuth (then no per-tool scope check applies)."""
    access = current_access()
    return frozenset(access.scopes) if access is not None else None
