"""The host's audit sink: the file log, with the caller's subject on every record, mirrored to the shared stream.

The guarded core writes its records synchronously (`AuditLog.record`), and fails closed when one cannot be kept.
`HostAudit` keeps that contract: it stamps each record with `subject()` (the OAuth caller, when there is one),
appends it to the replica's file log, and, when Redis is configured, appends the same line to the shared stream
(`ledgerbee:audit`, the one `RedisAuditStream.recent` reads) with redis-py's synchronous client. That XADD blocks
the event loop for one round trip to Redis (sub-millisecond on a nearby Redis, bounded by `timeout_seconds`): an
audit record is written a few times per send, never per read, so this is a deliberate trade for keeping the core
free of `await` on its fail-closed path. Both sinks are tried; `AuditUnavailable` names each one that failed.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ledgerbee_mcp.guardrails.audit import AuditLog, AuditRecord, AuditUnavailable, audit_line

if TYPE_CHECKING:
    import redis

__all__ = ["STREAM_FIELD", "HostAudit", "StreamMirror"]

STREAM_FIELD = b"record"
"""The stream entry's one field, holding the record's line (`shared.RedisAuditStream` reads it)."""


class StreamMirror:
    """Appends audit lines to one Redis stream, synchronously, capped at about `maxlen` entries."""

    def __init__(
        self, url: str, *, stream: str = "ledgerbee:audit", maxlen: int = 100_000, timeout_seconds: float = 2.0
    ) -> None:
        self.url = url
        self.stream = stream
        self.maxlen = maxlen
        self._timeout = timeout_seconds
        self._client: redis.Redis | None = None
        self._lock = threading.Lock()

    def _connect(self) -> redis.Redis:
        import redis

        if self._client is None:
            self._client = redis.Redis.from_url(  # pyright: ignore[reportUnknownMemberType] -- **kwargs untyped
                self.url, socket_timeout=self._timeout, socket_connect_timeout=self._timeout
            )
        return self._client

    def append(self, line: str) -> str:
        """The line's stream id; raise `AuditUnavailable` when Redis does not take the line."""
        from ledgerbee_mcp.server.shared.connection import REDIS_ERRORS

        try:
            with self._lock:
                added: object = self._connect().xadd(
                    self.stream, {STREAM_FIELD: line.encode("ascii")}, maxlen=self.maxlen, approximate=True
                )
        except REDIS_ERRORS as error:
            raise AuditUnavailable(
                f"the audit stream {self.stream} cannot be written ({type(error).__name__})"
            ) from None
        return added.decode("ascii") if isinstance(added, bytes) else str(added)

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()


class HostAudit(AuditLog):
    """`AuditLog` with the caller's subject stamped on each record and an optional mirror to the shared stream."""

    def __init__(
        self,
        path: Path | None,
        *,
        subject: Callable[[], str | None] = lambda: None,
        mirror: StreamMirror | None = None,
    ) -> None:
        super().__init__(path)
        self._subject = subject
        self.mirror = mirror

    def record(self, entry: AuditRecord) -> None:
        if entry.subject is None:
            who = self._subject()
            if who is not None:
                entry = dataclasses.replace(entry, subject=who)
        failures: list[str] = []
        try:
            super().record(entry)
        except AuditUnavailable as error:
            failures.append(str(error))
        if self.mirror is not None:
            try:
                self.mirror.append(audit_line(entry))
            except AuditUnavailable as error:
                failures.append(str(error))
        if failures:
            raise AuditUnavailable("; ".join(failures))
