"""Serving MCP over streamable HTTP: a remote server, stateless so any replica behind a load balancer answers any
request.

- `/mcp`: the MCP endpoint (the SDK's streamable-HTTP transport, `stateless_http=True`), behind the SDK's
  transport security: Host and Origin headers are checked against the loopback names, the OAuth audience's host
  and origin, and `LEDGERBEE_ALLOWED_HOSTS` / `LEDGERBEE_ALLOWED_ORIGINS` (a request naming another answers 421
  or 403, which stops DNS-rebinding pages from reaching a server on a private address).
- `/healthz`: for the load balancer (no authentication): 200 with the version, and whether the shared Redis
  answers when one is configured (503 when it does not).
- With OAuth (`LEDGERBEE_AUTH_ISSUER`, `LEDGERBEE_AUTH_AUDIENCE`): `/.well-known/oauth-protected-resource/...`
  (RFC 9728) and bearer checks on `/mcp`, from the SDK.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from mcp.server.transport_security import TransportSecuritySettings

if TYPE_CHECKING:
    from mcp.server import MCPServer
    from starlette.applications import Starlette

    from ledgerbee_mcp.config import Settings
    from ledgerbee_mcp.server.auth import AuthConfig

__all__ = ["MCP_PATH", "http_app", "is_loopback", "serve_http", "transport_security"]

MCP_PATH = "/mcp"

_LOOPBACK_HOSTS = ("127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost", "[::1]")
_LOOPBACK_ORIGINS = ("http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*")


def is_loopback(host: str) -> bool:
    """Whether `host` (an address to listen on) is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _authority(url: str) -> tuple[str, str]:
    """The Host header value and the origin of a URL."""
    parts = urlsplit(url)
    return parts.netloc, f"{parts.scheme}://{parts.netloc}"


def transport_security(
    settings: Settings, auth: AuthConfig | None, *, host: str, port: int
) -> TransportSecuritySettings:
    """The SDK's Host/Origin checks, always on: loopback names, the audience's host and origin, the listen address
    when it is a specific one, and the operator's lists."""
    hosts: list[str] = [*_LOOPBACK_HOSTS, *settings.allowed_hosts]
    origins: list[str] = [*_LOOPBACK_ORIGINS, *settings.allowed_origins]
    if auth is not None:
        netloc, origin = _authority(auth.audience)
        hosts.append(netloc)
        origins.append(origin)
    if host not in ("0.0.0.0", "::", "") and not is_loopback(host):  # noqa: S104 -- compared, not bound
        shown = f"[{host}]" if ":" in host else host
        hosts += [shown, f"{shown}:{port}"]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=list(dict.fromkeys(hosts)),
        allowed_origins=list(dict.fromkeys(origins)),
    )


def http_app(server: MCPServer, settings: Settings, auth: AuthConfig | None, *, host: str, port: int) -> Starlette:
    """The ASGI app: MCP at `/mcp`, stateless, with the health and (with OAuth) metadata routes."""
    return server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=True,
        transport_security=transport_security(settings, auth, host=host, port=port),
        host=host,
    )


def serve_http(server: MCPServer, settings: Settings, auth: AuthConfig | None, *, host: str, port: int) -> None:
    """Serve until SIGINT or SIGTERM (uvicorn finishes the requests under way, then the lifespan closes)."""
    import uvicorn

    app = http_app(server, settings, auth, host=host, port=port)
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", proxy_headers=True, server_header=False, access_log=False
    )
    uvicorn.Server(config).run()
