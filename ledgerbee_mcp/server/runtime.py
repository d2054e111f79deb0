"""What the tools share: settings, the API client (opened by the server's lifespan), guardrail helpers."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
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
class Runtime:
    settings: Settings
    signer: TokenSigner
    audit: AuditLog
    client_or_none: LedgerBeeClient | None = None
    _locks: dict[str, anyio.Lock] = field(default_factory=dict[str, anyio.Lock])
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

    def lock_for(self, document_id: str) -> anyio.Lock:
        """One lock per document, so two calls in this process never act on the same document at once."""
        lock = self._locks.get(document_id)
        if lock is None:
            lock = self._locks[document_id] = anyio.Lock()
        return lock

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
