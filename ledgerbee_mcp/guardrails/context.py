"""What the guardrails need from their host: the API client, the policy, the audit, tokens, locks and a clock.

A structural protocol, so the server's `Runtime` serves as it is and a unit test can pass a small fake.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ledgerbee_mcp.guardrails.audit import AuditLog
from ledgerbee_mcp.guardrails.tokens import TokenSigner

if TYPE_CHECKING:
    from ledgerbee_mcp.api import LedgerBeeClient

__all__ = ["Guard", "LockLost", "Policy"]


class LockLost(Exception):
    """Raised by `Guard.check_lock`: the document's lock is no longer this call's (it expired or was taken over)."""


@dataclass(frozen=True)
class Policy:
    """The operator's rules for e-mail sends."""

    allow_email: bool = True
    recipient_domains: tuple[str, ...] = ()
    """Allowed recipient domains (and their subdomains), IDNA-normalised; empty allows every domain."""


class Guard(Protocol):
    @property
    def client(self) -> LedgerBeeClient: ...

    @property
    def policy(self) -> Policy: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def signer(self) -> TokenSigner: ...

    def today(self) -> dt.date: ...

    def locked(self, document_id: str) -> AbstractAsyncContextManager[None]: ...

    async def check_lock(self, document_id: str) -> None:
        """Right before the irreversible request, inside `locked`: raise `LockLost` unless the document's lock is
        still this call's. A no-op where the lock cannot be lost (one process, an in-memory lock)."""
        ...

    def shielded(self) -> AbstractContextManager[object]:
        """A scope that a cancellation of the call does not interrupt (it takes effect when the scope ends)."""
        ...

    def remember(self, kind: str, document_id: str) -> None: ...
