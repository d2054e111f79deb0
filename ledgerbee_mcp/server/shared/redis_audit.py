"""The audit in a Redis stream that every replica appends to, beside each replica's own file log.

`RedisAuditStream.record` appends one record (the same ASCII JSON line the file log writes) to a stream capped at
about `maxlen` entries (`XADD ... MAXLEN ~`), and `recent` reads the newest back. It fails closed like the file log:
a record that cannot be written raises `AuditUnavailable`.

`TeeAudit` is the sink the guarded flow would hold when Redis is configured: it writes the file log and the stream,
and raises `AuditUnavailable` when either could not keep the record (after trying both, so an outcome that did
happen is kept wherever it can be).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from pathlib import Path
from typing import cast

import anyio
import redis.asyncio as aioredis

from ledgerbee_mcp.guardrails.audit import AuditLog, AuditRecord, AuditUnavailable
from ledgerbee_mcp.server.shared.connection import REDIS_ERRORS

__all__ = ["RedisAuditStream", "TeeAudit", "audit_line"]

_FIELD = b"record"
_MAX_READ = 10_000


def audit_line(entry: AuditRecord) -> str:
    """The record as `AuditLog` writes it: ASCII JSON, fields that are None left out."""
    return json.dumps({k: v for k, v in asdict(entry).items() if v is not None}, ensure_ascii=True)


def _text(value: object) -> str:
    return value.decode("ascii") if isinstance(value, bytes) else str(value)


class RedisAuditStream:
    """Audit records in one Redis stream (by default `ledgerbee:audit`)."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        stream: str = "ledgerbee:audit",
        maxlen: int = 100_000,
        timeout_seconds: float = 2.0,
    ) -> None:
        """`maxlen`: about how many records the stream keeps (trimmed approximately, oldest first).
        `timeout_seconds`: the bound on one write or read."""
        if maxlen < 1:
            raise ValueError("maxlen must be at least 1")
        self._client = client
        self.stream = stream
        self.maxlen = maxlen
        self._timeout = timeout_seconds

    async def record(self, entry: AuditRecord) -> str:
        """Append the record; returns its stream id. Raises `AuditUnavailable` when Redis does not take it."""
        line = audit_line(entry)
        try:
            with anyio.fail_after(self._timeout):
                added: object = await self._client.xadd(
                    self.stream, {_FIELD: line.encode("ascii")}, maxlen=self.maxlen, approximate=True
                )
        except REDIS_ERRORS as error:
            raise AuditUnavailable(
                f"the audit stream {self.stream} cannot be written ({type(error).__name__})"
            ) from None
        return _text(added)

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
            raw = fields.get(_FIELD, fields.get(_FIELD.decode()))
            if raw is None:
                continue
            record = cast("dict[str, object]", json.loads(_text(raw)))
            record["stream_id"] = _text(stream_id)
            found.append(record)
        return found


class TeeAudit:
    """Writes each record to the replica's file log and to the shared stream; `record` is async."""

    def __init__(self, log: AuditLog, stream: RedisAuditStream | None) -> None:
        """`stream` None: the file log alone (a server that runs as one process)."""
        self.log = log
        self.stream = stream

    @property
    def path(self) -> Path | None:
        return self.log.path

    async def record(self, entry: AuditRecord) -> None:
        """Write to both sinks; raise `AuditUnavailable` naming each that could not keep the record."""
        failures: list[str] = []
        try:
            self.log.record(entry)
        except AuditUnavailable as error:
            failures.append(str(error))
        if self.stream is not None:
            try:
                await self.stream.record(entry)
            except AuditUnavailable as error:
                failures.append(str(error))
        if failures:
            raise AuditUnavailable("; ".join(failures))
