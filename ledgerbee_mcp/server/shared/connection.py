"""Where the shared Redis is, and a client that fails fast when it cannot be reached."""

from __future__ import annotations

import os
from collections.abc import Mapping

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from ledgerbee_mcp.config import ConfigError

__all__ = ["REDIS_ERRORS", "open_redis", "redis_url"]

REDIS_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError, TimeoutError)
"""What a Redis call raises when the server cannot be reached or does not answer in time."""


def redis_url(env: Mapping[str, str] | None = None) -> str | None:
    """`LEDGERBEE_REDIS_URL` (`redis://`, `rediss://` or `unix://`), or None when the server runs alone."""
    env = os.environ if env is None else env
    raw = env.get("LEDGERBEE_REDIS_URL", "").strip()
    if not raw:
        return None
    if not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("LEDGERBEE_REDIS_URL must be a redis://, rediss:// or unix:// URL")
    return raw


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
