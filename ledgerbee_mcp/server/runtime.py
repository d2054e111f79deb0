"""What the tools share: settings, the API client (opened on the first call that needs it), guardrail helpers."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import AsyncGenerator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio
from mcp.server.mcpserver.exceptions import ToolError

from ledgerbee_mcp.config import Settings
from ledgerbee_mcp.guardrails.audit import AuditLog
from ledgerbee_mcp.guardrails.context import LockLost, Policy
from ledgerbee_mcp.guardrails.tokens import TokenSigner
from ledgerbee_mcp.server.audit_sink import HostAudit, StreamMirror
from ledgerbee_mcp.server.auth.context import current_subject
from ledgerbee_mcp.server.written import WrittenBodies

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from ledgerbee_mcp.api import LedgerBeeClient
    from ledgerbee_mcp.server.approval import ApprovalPages, BrowserOpener
    from ledgerbee_mcp.server.shared import Fence, RedisLocks

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
    connect: Callable[[], LedgerBeeClient] | None = None
    """Opens the API client; set by the server's lifespan while it runs."""
    written: WrittenBodies = field(default_factory=WrittenBodies)
    """What this server last wrote to each draft (what LedgerBee's answers do not show)."""
    open_browser: BrowserOpener | None = None
    """Shows the approval page to the person; `webbrowser.open` when None."""
    _client: LedgerBeeClient | None = None
    _approvals: ApprovalPages | None = None
    _locks: dict[str, _DocumentLock] = field(default_factory=dict[str, _DocumentLock])
    _recent: dict[str, OrderedDict[str, None]] = field(default_factory=dict[str, OrderedDict[str, None]])
    redis: aioredis.Redis | None = None
    """The shared Redis (`LEDGERBEE_REDIS_URL`), or None when this process runs alone."""
    shared_locks: RedisLocks | None = None
    clock: Callable[[], dt.date] | None = None
    """The tenant's "today", when the host knows it better than the server's own date."""
    """Per-document locks across every replica sharing the Redis, held behind the local lock."""
    _fences: dict[str, Fence] = field(default_factory=dict[str, "Fence"])

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        key = settings.confirm_secret.reveal().encode() if settings.confirm_secret else None
        signer = (
            TokenSigner(key, settings.token_ttl_seconds)
            if key
            else TokenSigner.random(settings.token_ttl_seconds)
        )
        mirror = StreamMirror(settings.redis_url) if settings.redis_url else None
        audit = HostAudit(settings.audit_log, subject=current_subject, mirror=mirror)
        rt = cls(settings=settings, signer=signer, audit=audit)
        # Keyed by where the drafts live: the sandbox's database, or the LedgerBee the server talks to.
        scope = f"sandbox:{settings.sandbox_db}" if settings.sandbox else settings.base_url
        rt.written = WrittenBodies(path=settings.draft_memory, scope=scope)
        if settings.redis_url:
            from ledgerbee_mcp.server.shared import RedisLocks, open_redis

            rt.redis = open_redis(settings.redis_url)
            rt.shared_locks = RedisLocks(
                rt.redis, ttl_seconds=settings.lock_ttl_seconds, acquire_timeout_seconds=settings.lock_wait_seconds
            )
        return rt

    def subject(self) -> str | None:
        """The caller's OAuth subject inside a request on a server with OAuth; None otherwise."""
        return current_subject()

    @property
    def policy(self) -> Policy:
        return Policy(allow_email=self.settings.allow_email, recipient_domains=self.settings.recipient_domains)

    @property
    def client(self) -> LedgerBeeClient:
        """The API client, opened on first use: listing tools never pays for the HTTP stack."""
        if self._client is None:
            if self.connect is None:
                raise ToolError("The server is not connected to LedgerBee yet; try again in a moment.")
            self._client = self.connect()
        return self._client

    def can_open_page(self) -> bool:
        """Whether the approval page can be shown: an opener was handed in, or there is a desktop."""
        from ledgerbee_mcp.server.approval import browser_available

        return browser_available(opener_injected=self.open_browser is not None)

    @property
    def approvals(self) -> ApprovalPages:
        """The approval pages and their loopback server, made on first use (the server starts on first page)."""
        if self._approvals is None:
            from ledgerbee_mcp.server.approval import ApprovalPages

            self._approvals = ApprovalPages(self.open_browser)
        return self._approvals

    async def aclose(self) -> None:
        client, self._client, self.connect = self._client, None, None
        approvals, self._approvals = self._approvals, None
        if approvals is not None:
            await approvals.aclose()
        if client is not None:
            await client.aclose()
        if isinstance(self.audit, HostAudit) and self.audit.mirror is not None:
            self.audit.mirror.close()
        self.written.close()
        if self.redis is not None:
            await self.redis.aclose()

    async def redis_answers(self) -> bool | None:
        """Whether the shared Redis answers a PING now (for the health endpoint); None without Redis."""
        if self.redis is None:
            return None
        from ledgerbee_mcp.server.shared.connection import REDIS_ERRORS

        try:
            with anyio.fail_after(2):
                return bool(await self.redis.ping())  # pyright: ignore[reportUnknownMemberType]
        except REDIS_ERRORS:
            return False

    @asynccontextmanager
    async def locked(self, document_id: str) -> AsyncGenerator[None]:
        """Hold the document's lock, so two calls never act on the same document at once: in this process an
        anyio lock, and with Redis also the shared lock every replica takes (behind the local one, so calls in
        one process queue here rather than poll Redis). The local lock is dropped when nobody holds or waits for
        it, so a long-lived server keeps no lock per document it ever touched. When the shared lock cannot be
        taken (another call holds it past `lock_wait_seconds`, or Redis is unreachable) the call is refused."""
        document_id = document_id.lower()  # one document, one lock, however its id is spelt
        entry = self._locks.get(document_id)
        if entry is None:
            entry = self._locks[document_id] = _DocumentLock()
        entry.users += 1
        try:
            async with entry.lock, AsyncExitStack() as stack:
                if self.shared_locks is not None:
                    from ledgerbee_mcp.server.shared import LockUnavailable

                    try:
                        fence = await stack.enter_async_context(self.shared_locks.locked(document_id))
                    except LockUnavailable as error:
                        raise ToolError(
                            f"Refused: another call is acting on document {document_id} ({error}). Nothing was "
                            "done; read the document, then try again."
                        ) from None
                    self._fences[document_id] = fence
                    stack.callback(self._fences.pop, document_id, None)
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._locks[document_id]

    async def check_lock(self, document_id: str) -> None:
        """Raise the guardrails' `LockLost` unless this call still holds the document's shared lock (renewing
        it); a no-op without Redis, where the in-process lock cannot be lost."""
        fence = self._fences.get(document_id.lower())
        if fence is None:
            return
        from ledgerbee_mcp.server.shared import LockLost as SharedLockLost

        try:
            await fence.check()
        except SharedLockLost as error:
            raise LockLost(str(error)) from None

    def shielded(self) -> anyio.CancelScope:
        return anyio.CancelScope(shield=True)

    def today(self) -> dt.date:
        """The tenant's date: the server's own, unless the host gave a clock (the sandbox's, in the sandbox)."""
        return self.clock() if self.clock is not None else dt.date.today()

    def remember(self, kind: str, document_id: str) -> None:
        """Ids seen recently, offered as completions for resource URIs."""
        recent = self._recent.setdefault(kind, OrderedDict())
        recent[document_id] = None
        recent.move_to_end(document_id, last=False)
        while len(recent) > _RECENT_MAX:
            recent.popitem()

    def recent(self, kind: str) -> list[str]:
        return list(self._recent.get(kind, OrderedDict()))
