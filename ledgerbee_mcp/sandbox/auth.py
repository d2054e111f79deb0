"""API keys, the tenant each belongs to, and the scopes each grants.

The keys are fixed and published (they are demo keys for a local emulator, not secrets), so tests and the
demo can name them. A Bearer token is looked up in the same table as an `x-api-key`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ledgerbee_mcp.sandbox import seed
from ledgerbee_mcp.sandbox.errors import forbidden

__all__ = [
    "ALL_SCOPES",
    "API_KEYS",
    "FULL_KEY",
    "OTHER_TENANT_KEY",
    "READONLY_KEY",
    "READ_SCOPES",
    "Principal",
    "principal_for",
]

READ_SCOPES = frozenset(
    {"quotes-read", "order-confirmations-read", "customers-read", "products-read", "invoices-read"}
)
WRITE_SCOPES = frozenset({"quotes-write", "order-confirmations-write", "invoices-write"})
ALL_SCOPES = READ_SCOPES | WRITE_SCOPES

FULL_KEY = "lb_sandbox_full"
READONLY_KEY = "lb_sandbox_readonly"
OTHER_TENANT_KEY = "lb_sandbox_other"


@dataclass(frozen=True)
class Principal:
    key: str
    tenant_id: str
    scopes: frozenset[str]

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise forbidden(scope)


API_KEYS: Mapping[str, Principal] = {
    FULL_KEY: Principal(FULL_KEY, seed.TENANT_ID, ALL_SCOPES),
    READONLY_KEY: Principal(READONLY_KEY, seed.TENANT_ID, READ_SCOPES),
    OTHER_TENANT_KEY: Principal(OTHER_TENANT_KEY, seed.OTHER_TENANT_ID, ALL_SCOPES),
}


def principal_for(headers: Mapping[str, str]) -> Principal | None:
    """The caller named by `x-api-key` or `Authorization: Bearer`, or None when absent or unknown."""
    key = headers.get("x-api-key")
    if key is None:
        authorization = headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer":
            key = token.strip()
    if not key:
        return None
    return API_KEYS.get(key)
