"""A client of the shared Redis (`Settings.redis_url`, read by `config`) that fails fast when it cannot be reached."""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.exceptions import RedisError

__all__ = ["REDIS_ERRORS", "open_redis"]

REDIS_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError, TimeoutError)
"""What a Redis call raises when the server cannot be reached or does not answer in time."""


def open_redis(url: str, *, timeout_seconds: float = 2.0) -> aioredis.Redis:
    """An asyncio client whose connects and replies time out after `timeout_seconds`, so a Redis that is down
    turns into an error (a refused send, an unavailable audit) rather than a call that hangs. The caller closes it
    with `await client.aclose()`."""
    return aioredis.Redis.from_url(  # pyright: ignore[reportUnknownMemberType] -- **kwargs untyped upstream
        url,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        decode_responses=False,
    )
