"""What the tools share: settings, the API client (opened by the server's lifespan), guardrail helpers."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
from mcp.server.mcpserver.exceptions import ToolError

from ledgerbee_mcp.api import LedgerBeeClient
from ledgerbee_mcp.config import Settings
from ledgerbee_mcp.guardrails.audit import AuditLog
from ledgerbee_mcp.guardrails.tokens import TokenSigner

__all__ = ["Runtime"]

_RECENT_MAX = 50


@dataclass
class _DocumentLock:
    lock: anyio.Lock = field(default_factory=anyio.Lock)
    users: int = 0


@dataclass
class Runtime:
    settings: Settings
    signer: TokenSigner
    audit: AuditLog
    client_or_none: LedgerBeeClient | None = None
    _locks: dict[str, _DocumentLock] = field(default_factory=dict[str, _DocumentLock])
    _recent: dict[str, OrderedDict[str, None]] = field(default_factory=dict[str, OrderedDict[str, None]])

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        key = settings.confirm_secret.reveal().encode() if settings.confirm_secret else None
        signer = (
            TokenSigner(key, settings.token_ttl_seconds)
            if key
            else TokenSigner.random(settings.token_ttl_seconds)
        )
        return cls(settings=settings, signer=signer, audit=AuditLog(settings.audit_log))

    @property
    def client(self) -> LedgerBeeClient:
        if self.client_or_none is None:
            raise ToolError("The server is not connected to LedgerBee yet; try again in a moment.")
        return self.client_or_none

    @asynccontextmanager
    async def locked(self, document_id: str) -> AsyncGenerator[None]:
        """Hold the document's lock, so two calls in this process never act on the same document at once.
        The lock is dropped when nobody holds or waits for it, so a long-lived server keeps no lock per
        document it ever touched."""
        entry = self._locks.get(document_id)
        if entry is None:
            entry = self._locks[document_id] = _DocumentLock()
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._locks[document_id]

    def today(self) -> dt.date:
        return dt.date.today()

    def remember(self, kind: str, document_id: str) -> None:
        """Ids seen recently, offered as completions for resource URIs."""
        recent = self._recent.setdefault(kind, OrderedDict())
        recent[document_id] = None
        recent.move_to_end(document_id, last=False)
        while len(recent) > _RECENT_MAX:
            recent.popitem()

    def recent(self, kind: str) -> list[str]:
        return list(self._recent.get(kind, OrderedDict()))
