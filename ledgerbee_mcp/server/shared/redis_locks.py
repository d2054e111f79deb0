"""Per-document locks held across every process that shares one Redis, with fencing numbers.

`RedisLocks.locked(document_id)` means what `Runtime.locked` means, for all replicas at once: while one call holds
a document's lock, no other call in any process sharing the Redis holds it.

How it works:

- Acquire: a Lua script sets `{prefix}lock:{id}` to a random token (`SET NX PX ttl`) and, in the same atomic step,
  increments `{prefix}fence:{id}`; the new count is the acquisition's fencing number. While another call holds the
  lock the caller waits, backing off from `retry_min_seconds` to `retry_max_seconds` with jitter, for at most
  `acquire_timeout_seconds`, then raises `LockUnavailable`. A Redis that cannot be reached raises it at once.
  Waiting is cancellable and a cancelled acquisition leaves no lock behind.
- Hold: a background task renews the expiry every `ttl / 3` (only if the key still carries our token), so a long
  action keeps the lock while a holder that crashed or hangs loses it `ttl` after its last renewal.
- `Fence.check()`: right before the irreversible request, confirms in Redis that the key still carries our token
  (and renews it), and that the renewal has not failed; raises `LockLost` otherwise.
- Release: a Lua compare-and-delete, so a holder whose lock expired never deletes the next holder's lock. It runs
  shielded from cancellation and bounded in time; when it fails the lock expires after `ttl`.

Limits:

- One Redis instance. A replica promoted after a failover may not have a lock just taken (asynchronous
  replication); this is not Redlock.
- Expiry is measured by Redis, so the processes' clocks need not agree. A holder that stops for longer than `ttl`
  (a paused VM, a blocked event loop) can lose the lock without knowing until its next renewal or check; `check()`
  narrows that window to the time between the check and the request, it cannot close it. LedgerBee does not take
  a fencing number, so the number is for the audit and for any downstream store that can compare it.
- The fence counter key is kept per document (it must never go back), one small integer per document ever locked.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import time
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager, suppress

import anyio
import redis.asyncio as aioredis

from ledgerbee_mcp.server.shared.connection import REDIS_ERRORS

__all__ = ["Fence", "LockLost", "LockUnavailable", "RedisLocks"]

logger = logging.getLogger("ledgerbee_mcp.shared.locks")

# KEYS[1] lock key, KEYS[2] fence counter; ARGV[1] token, ARGV[2] ttl in ms. Returns the fence number, or 0.
_ACQUIRE = """
if redis.call('exists', KEYS[1]) == 1 then return 0 end
local fence = redis.call('incr', KEYS[2])
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return fence
"""

# KEYS[1] lock key; ARGV[1] token, ARGV[2] ttl in ms. 1 when the key carried our token (and was renewed), else 0.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""

# KEYS[1] lock key; ARGV[1] token. 1 when our lock was deleted, 0 when the key was not ours (or gone).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class LockUnavailable(Exception):
    """The document's lock could not be taken: another call held it past the timeout, or Redis is unreachable."""


class LockLost(Exception):
    """The lock is no longer ours (expired, taken over, deleted), or Redis could not confirm that it still is."""


class Fence:
    """One acquisition of a document's lock: its fencing number, and a way to check it is still held."""

    __slots__ = ("_holding", "document_id", "number")

    def __init__(self, holding: _Holding, document_id: str, number: int) -> None:
        self._holding = holding
        self.document_id = document_id
        self.number = number
        """Strictly increasing across the acquisitions of this document's lock, in every process."""

    def __repr__(self) -> str:
        return f"Fence(document_id={self.document_id!r}, number={self.number}, lost={self.lost is not None})"

    @property
    def lost(self) -> str | None:
        """Why the lock is known to be lost, or None while it is not known to be."""
        return self._holding.lost

    async def check(self) -> None:
        """Raise `LockLost` unless the lock is still ours: the renewal has not failed and the key in Redis still
        carries this acquisition's token. On success the expiry is renewed too, so the request that follows starts
        with a full `ttl` ahead of it."""
        await self._holding.check()


class _Ops:
    """The Redis side: the three scripts, each call bounded by the operation timeout."""

    def __init__(self, client: aioredis.Redis, ttl_seconds: float, timeout_seconds: float) -> None:
        self.client = client
        self.ttl_seconds = ttl_seconds
        self.ttl_ms = max(1, round(ttl_seconds * 1000))
        self.timeout_seconds = timeout_seconds
        self.acquire_script = client.register_script(_ACQUIRE)
        self.renew_script = client.register_script(_RENEW)
        self.release_script = client.register_script(_RELEASE)

    async def acquire(self, lock_key: str, fence_key: str, token: str) -> int:
        """The fence number when the lock was taken, 0 when another holder has it."""
        try:
            with anyio.fail_after(self.timeout_seconds):
                result: object = await self.acquire_script(keys=[lock_key, fence_key], args=[token, self.ttl_ms])
        except BaseException:
            # Cancelled or failed with the request in flight: it may have set the key. The token is ours alone,
            # so deleting the key if it carries it cannot touch anyone else's lock.
            with anyio.CancelScope(shield=True):
                await self.release(lock_key, token)
            raise
        return int(result) if isinstance(result, int | bytes | str) else 0

    async def renew(self, lock_key: str, token: str) -> bool:
        with anyio.fail_after(self.timeout_seconds):
            result: object = await self.renew_script(keys=[lock_key], args=[token, self.ttl_ms])
        return result == 1

    async def release(self, lock_key: str, token: str) -> None:
        """Delete the lock if it is still ours; bounded in time, and a failure only leaves it to expire."""
        try:
            with anyio.fail_after(self.timeout_seconds):
                await self.release_script(keys=[lock_key], args=[token])
        except REDIS_ERRORS as error:
            logger.warning(
                "could not release the lock %s (%s); it expires in %g s",
                lock_key,
                type(error).__name__,
                self.ttl_seconds,
            )


class _Holding:
    """The state of one held lock: its token, when Redis last confirmed it, and whether it is known lost."""

    def __init__(
        self, ops: _Ops, document_id: str, lock_key: str, token: str, confirmed_at: float, number: int
    ) -> None:
        self.ops = ops
        self.document_id = document_id
        self.number = number
        self.lock_key = lock_key
        self.token = token
        self.confirmed_at = confirmed_at
        """Monotonic time at which a request that found the lock ours was sent (the expiry runs from after it)."""
        self.lost: str | None = None

    def lose(self, reason: str) -> None:
        if self.lost is None:
            self.lost = reason
            logger.warning("lock of %s (fence %d) lost: %s", self.document_id, self.number, reason)

    async def check(self) -> None:
        if self.lost is not None:
            raise LockLost(f"the lock of document {self.document_id} was lost ({self.lost})")
        sent_at = time.monotonic()
        try:
            ours = await self.ops.renew(self.lock_key, self.token)
        except REDIS_ERRORS as error:
            self.lose(f"Redis could not confirm it: {type(error).__name__}")
            raise LockLost(
                f"the lock of document {self.document_id} could not be confirmed (Redis did not answer)"
            ) from None
        if not ours:
            self.lose("the key no longer carries this holder's token")
            raise LockLost(f"the lock of document {self.document_id} expired or was taken over")
        self.confirmed_at = max(self.confirmed_at, sent_at)

    async def keep(self) -> None:
        """Renew the expiry every ttl/3 until cancelled; mark the lock lost when the key is no longer ours, or
        when no renewal has succeeded for a whole ttl (Redis may have expired it)."""
        ttl = self.ops.ttl_seconds
        while True:
            await asyncio.sleep(ttl / 3)
            sent_at = time.monotonic()
            try:
                ours = await self.ops.renew(self.lock_key, self.token)
            except REDIS_ERRORS as error:
                if time.monotonic() >= self.confirmed_at + ttl:
                    self.lose(f"not renewed for {ttl:g} s ({type(error).__name__})")
                    return
                continue
            if not ours:
                self.lose("the key no longer carries this holder's token")
                return
            self.confirmed_at = max(self.confirmed_at, sent_at)


class RedisLocks:
    """Per-document locks in one Redis, shared by every process given the same Redis and prefix."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str = "ledgerbee:",
        ttl_seconds: float = 30.0,
        acquire_timeout_seconds: float = 60.0,
        retry_min_seconds: float = 0.01,
        retry_max_seconds: float = 0.25,
        operation_timeout_seconds: float = 2.0,
    ) -> None:
        """`ttl_seconds`: how long a lock outlives its holder's last renewal (at least 0.1 s).
        `acquire_timeout_seconds`: how long `locked` waits for another holder before `LockUnavailable`.
        `retry_min_seconds`, `retry_max_seconds`: the bounds of the backoff between attempts while waiting.
        `operation_timeout_seconds`: the bound on each Redis call made while acquiring, renewing or releasing."""
        if ttl_seconds < 0.1:
            raise ValueError("ttl_seconds must be at least 0.1")
        if not 0 < retry_min_seconds <= retry_max_seconds:
            raise ValueError("retry delays must satisfy 0 < retry_min_seconds <= retry_max_seconds")
        self.prefix = prefix
        self.ttl_seconds = ttl_seconds
        self.acquire_timeout_seconds = acquire_timeout_seconds
        self._retry_min = retry_min_seconds
        self._retry_max = retry_max_seconds
        self._ops = _Ops(client, ttl_seconds, operation_timeout_seconds)

    def lock_key(self, document_id: str) -> str:
        return f"{self.prefix}lock:{document_id}"

    def fence_key(self, document_id: str) -> str:
        return f"{self.prefix}fence:{document_id}"

    @asynccontextmanager
    async def locked(self, document_id: str) -> AsyncGenerator[Fence]:
        """Hold the document's lock across all processes sharing the Redis; yields the acquisition's `Fence`.

        Raises `LockUnavailable` when it cannot be taken. Leaving the block releases it (also on an error or a
        cancellation). A lock lost while held does not interrupt the block: call `Fence.check()` before acting."""
        holding = await self._acquire(document_id)
        renewer = asyncio.create_task(holding.keep(), name=f"renew lock {document_id}")
        try:
            yield Fence(holding, document_id, holding.number)
        finally:
            renewer.cancel()
            with anyio.CancelScope(shield=True):
                with suppress(asyncio.CancelledError):
                    await renewer
                await self._ops.release(holding.lock_key, holding.token)

    async def _acquire(self, document_id: str) -> _Holding:
        token = secrets.token_hex(16)
        lock_key, fence_key = self.lock_key(document_id), self.fence_key(document_id)
        deadline = time.monotonic() + self.acquire_timeout_seconds
        delay = self._retry_min
        while True:
            sent_at = time.monotonic()
            try:
                number = await self._ops.acquire(lock_key, fence_key, token)
            except REDIS_ERRORS as error:
                raise LockUnavailable(
                    f"the lock of document {document_id} cannot be taken: Redis did not answer ({type(error).__name__})"
                ) from None
            if number:
                return _Holding(self._ops, document_id, lock_key, token, sent_at, number)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LockUnavailable(
                    f"document {document_id} is being acted on by another call; gave up waiting after "
                    f"{self.acquire_timeout_seconds:g} s"
                )
            await anyio.sleep(min(remaining, random.uniform(delay / 2, delay)))  # noqa: S311 -- jitter, not a secret
            delay = min(delay * 2, self._retry_max)

    async def is_held(self, document_id: str) -> bool:
        """Whether some call holds the document's lock now (for diagnostics and tests; never decide on it)."""
        with anyio.fail_after(self._ops.timeout_seconds):
            return bool(await self._ops.client.exists(self.lock_key(document_id)))
