"""The audit in a Redis stream that every replica appends to, beside each replica's own file log.

Every replica writes each record to it through `audit_sink.HostAudit` and its `StreamMirror` (the same ASCII JSON
line the file log writes, `guardrails.audit.audit_line`, in a stream capped at about `maxlen` entries,
`XADD ... MAXLEN ~`).
`RedisAuditStream.recent` reads the newest back, for an operator's tooling and the tests; it fails closed like the
file log: a stream that cannot be read raises `AuditUnavailable`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import cast

import anyio
import redis.asyncio as aioredis

from ledgerbee_mcp.guardrails.audit import AuditUnavailable
from ledgerbee_mcp.server.audit_sink import STREAM_FIELD
from ledgerbee_mcp.server.shared.connection import REDIS_ERRORS

__all__ = ["RedisAuditStream"]

_MAX_READ = 10_000


def _text(value: object) -> str:
    return value.decode("ascii") if isinstance(value, bytes) else str(value)


class RedisAuditStream:
    """Reads the audit records in one Redis stream (by default `ledgerbee:audit`)."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        stream: str = "ledgerbee:audit",
        timeout_seconds: float = 2.0,
    ) -> None:
        """`timeout_seconds`: the bound on one read."""
        self._client = client
        self.stream = stream
        self._timeout = timeout_seconds

    async def recent(self, limit: int = 100, since: dt.datetime | str | None = None) -> list[dict[str, object]]:
        """The newest records first, at most `limit` (1 to 10000), each the JSON object the file log holds plus
        `stream_id`. `since`: only records added at or after it, an aware datetime (as Redis's clock saw the
        write) or a stream id. Raises `AuditUnavailable` when Redis cannot be read."""
        if not 1 <= limit <= _MAX_READ:
            raise ValueError(f"limit must be between 1 and {_MAX_READ}")
        if isinstance(since, dt.datetime):
            if since.tzinfo is None:
                raise ValueError("since must be timezone-aware")
            low = str(max(0, int(since.timestamp() * 1000)))
        else:
            low = since or "-"
        try:
            with anyio.fail_after(self._timeout):
                rows: object = await self._client.xrevrange(self.stream, max="+", min=low, count=limit)
        except REDIS_ERRORS as error:
            raise AuditUnavailable(f"the audit stream {self.stream} cannot be read ({type(error).__name__})") from None
        found: list[dict[str, object]] = []
        for stream_id, fields in cast("list[tuple[object, dict[object, object]]]", rows or []):
            raw = fields.get(STREAM_FIELD, fields.get(STREAM_FIELD.decode()))
            if raw is None:
                continue
            record = cast("dict[str, object]", json.loads(_text(raw)))
            record["stream_id"] = _text(stream_id)
            found.append(record)
        return found
