"""What a caller may do, as OAuth scopes, and the settings of the resource server.

Three scopes, flat (none implies another):

- `ledgerbee.read`: lists, gets and PDFs (tools annotated read-only);
- `ledgerbee.write`: create and update drafts (tools that change LedgerBee but are not destructive);
- `ledgerbee.send`: send and convert (tools annotated destructive: they reach a customer or book money).

A tool's scope is read from its MCP annotations, so a new tool is classified by the same hints the client
is shown. A tool whose hints are missing is treated as the MCP spec's defaults say (not read-only,
destructive) and needs `ledgerbee.send`: an unannotated tool is never cheaper to call than it may be.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Protocol, TypeVar

from mcp_types import ToolAnnotations

from ledgerbee_mcp.config import ConfigError
from ledgerbee_mcp.server._sdk import AuthSettings
from ledgerbee_mcp.server.auth._urls import is_secure_url

__all__ = [
    "ALL_SCOPES",
    "DEFAULT_LEEWAY",
    "ENV_AUDIENCE",
    "ENV_ISSUER",
    "ENV_JWKS_URL",
    "SCOPE_DESCRIPTIONS",
    "SCOPE_READ",
    "SCOPE_SEND",
    "SCOPE_WRITE",
    "AnnotatedTool",
    "AuthConfig",
    "missing_scope",
    "permitted_tools",
    "required_scope",
]

SCOPE_READ: Final = "ledgerbee.read"
SCOPE_WRITE: Final = "ledgerbee.write"
SCOPE_SEND: Final = "ledgerbee.send"
ALL_SCOPES: Final = (SCOPE_READ, SCOPE_WRITE, SCOPE_SEND)

SCOPE_DESCRIPTIONS: Final[Mapping[str, str]] = {
    SCOPE_READ: "List and read quotes, order confirmations, invoices, customers and products, and their PDFs.",
    SCOPE_WRITE: "Create and update drafts.",
    SCOPE_SEND: "Send documents to customers and convert them (quote to order confirmation to invoice).",
}

ENV_ISSUER: Final = "LEDGERBEE_AUTH_ISSUER"
ENV_AUDIENCE: Final = "LEDGERBEE_AUTH_AUDIENCE"
ENV_JWKS_URL: Final = "LEDGERBEE_AUTH_JWKS_URL"

DEFAULT_LEEWAY: Final = 30.0
"""Seconds of clock skew allowed between this server and the authorisation server on `exp`, `nbf` and `iat`."""

_MAX_LEEWAY: Final = 300.0


class AnnotatedTool(Protocol):
    """Anything that carries MCP tool annotations: `mcp_types.Tool`, the SDK's `Tool`, this server's `ToolSpec`."""

    @property
    def annotations(self) -> ToolAnnotations | None: ...


_T = TypeVar("_T", bound=AnnotatedTool)


def required_scope(annotations: ToolAnnotations | None) -> str:
    """The one scope a tool with these annotations needs: read-only → `ledgerbee.read`; destructive (or not
    said, the MCP default) → `ledgerbee.send`; otherwise → `ledgerbee.write`."""
    if annotations is None:
        return SCOPE_SEND
    if annotations.read_only_hint is True:
        return SCOPE_READ
    if annotations.destructive_hint is False:
        return SCOPE_WRITE
    return SCOPE_SEND


def missing_scope(granted: Iterable[str], tool: AnnotatedTool) -> str | None:
    """The scope `tool` needs that `granted` lacks, or None when the caller may call it.

    The answer is the scope to name in an `insufficient_scope` refusal, so the client can ask for it."""
    needed = required_scope(tool.annotations)
    return None if needed in set(granted) else needed


def permitted_tools(granted: Iterable[str], tools: Iterable[_T]) -> list[_T]:
    """The tools a caller holding `granted` may call, in their order: what a tool listing shows that caller."""
    held = frozenset(granted)
    return [tool for tool in tools if required_scope(tool.annotations) in held]


@dataclass(frozen=True, kw_only=True)
class AuthConfig:
    """How this server checks bearer tokens as an OAuth 2.1 resource server.

    `issuer` is the authorisation server's issuer identifier, compared exactly with the token's `iss`.
    `audience` is this server's resource URL (the MCP endpoint, as clients name it in RFC 8707 `resource`),
    which the token's `aud` must contain. `jwks_url` is where the issuer publishes its signing keys; None
    means discover it from the issuer's metadata. `required_scopes` are needed for every request (the SDK
    answers 403 `insufficient_scope` without them) and are what the protected-resource metadata advertises.
    `leeway` is the allowed clock skew, in seconds.
    """

    issuer: str
    audience: str
    jwks_url: str | None = None
    required_scopes: tuple[str, ...] = (SCOPE_READ,)
    leeway: float = DEFAULT_LEEWAY

    def __post_init__(self) -> None:
        for name, value in (("issuer", self.issuer), ("audience", self.audience), ("jwks_url", self.jwks_url)):
            if value is not None and not is_secure_url(value):
                raise ConfigError(
                    f"auth {name} {value!r} must be an https URL (plain http only to localhost), "
                    "without credentials or a fragment"
                )
        if not (math.isfinite(self.leeway) and 0 <= self.leeway <= _MAX_LEEWAY):
            raise ConfigError(f"auth leeway must be between 0 and {_MAX_LEEWAY:g} seconds, not {self.leeway!r}")
        if any(not scope or any(c.isspace() for c in scope) for scope in self.required_scopes):
            raise ConfigError(f"auth required_scopes must be non-empty words, not {self.required_scopes!r}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AuthConfig | None:
        """Read `LEDGERBEE_AUTH_ISSUER`, `LEDGERBEE_AUTH_AUDIENCE` and the optional `LEDGERBEE_AUTH_JWKS_URL`.

        None when neither the issuer nor the audience is set (the server runs without OAuth). A blank value
        counts as unset. Raises `ConfigError`, naming the variable, when one of the pair is set without the
        other, when the key-set URL is set without them, or when a value is not an acceptable URL."""
        env = os.environ if env is None else env

        def read(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        issuer, audience, jwks_url = read(ENV_ISSUER), read(ENV_AUDIENCE), read(ENV_JWKS_URL)
        if issuer is None and audience is None:
            if jwks_url is not None:
                raise ConfigError(f"{ENV_JWKS_URL} is set but {ENV_ISSUER} and {ENV_AUDIENCE} are not: set both")
            return None
        if issuer is None:
            raise ConfigError(f"{ENV_AUDIENCE} is set but {ENV_ISSUER} is not: set both, or neither")
        if audience is None:
            raise ConfigError(f"{ENV_ISSUER} is set but {ENV_AUDIENCE} is not: set both, or neither")
        for name, value in ((ENV_ISSUER, issuer), (ENV_AUDIENCE, audience), (ENV_JWKS_URL, jwks_url)):
            if value is not None and not is_secure_url(value):
                raise ConfigError(
                    f"{name} must be an https URL (plain http only to localhost), without credentials or a "
                    f"fragment; got {value!r}"
                )
        return cls(issuer=issuer, audience=audience, jwks_url=jwks_url)

    def auth_settings(self) -> AuthSettings:
        """The SDK's settings for `MCPServer(auth=..., token_verifier=JwtTokenVerifier(config))`.

        `validate_token_resource` is on, so the SDK's bearer middleware checks again that the verified token
        was issued for `audience` (the verifier already refuses any other)."""
        # Strings, not `AnyHttpUrl`s: the SDK's settings keep a path-less URL without a trailing slash, so the
        # issuer the protected-resource metadata advertises is the one tokens carry, character for character.
        return AuthSettings.model_validate(
            {
                "issuer_url": self.issuer,
                "resource_server_url": self.audience,
                "required_scopes": list(self.required_scopes),
                "validate_token_resource": True,
            }
        )
