"""The audit's shared stream against a real redis-server, as the server writes it (`HostAudit` and its
`StreamMirror`) and `RedisAuditStream` reads it: records round-trip as the file log writes them, newest first, and
an unreachable Redis refuses the record (fail closed)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from ledgerbee_mcp.guardrails.audit import AuditRecord, AuditUnavailable, audit_line
from ledgerbee_mcp.server.audit_sink import HostAudit, StreamMirror
from ledgerbee_mcp.server.shared import RedisAuditStream

from .conftest import connected

pytestmark = pytest.mark.anyio


def _entry(outcome: str, document_id: str = "Q-1") -> AuditRecord:
    return AuditRecord(
        action="send",
        document_type="quote",
        document_id=document_id,
        outcome=outcome,
        recipient="anna@example.com",
        requested={"deliveryType": "email", "note": "Gr\u00fc\u00dfe\u2028next"},
    )


async def test_records_round_trip_newest_first(redis_server: str, prefix: str) -> None:
    async with connected(redis_server) as client:
        stream = RedisAuditStream(client, stream=f"{prefix}audit")
        mirror = StreamMirror(redis_server, stream=f"{prefix}audit")
        entries = [_entry("attempt"), _entry("done"), _entry("attempt", "Q-2")]
        ids = [mirror.append(audit_line(entry)) for entry in entries]
        mirror.close()
        found = await stream.recent(10)
        assert [row.pop("stream_id") for row in found] == ids[::-1]
        assert found == [json.loads(audit_line(entry)) for entry in reversed(entries)]
        assert len(await stream.recent(2)) == 2
        since = await stream.recent(10, since=ids[1])
        assert [row["stream_id"] for row in since] == ids[:0:-1]
        long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        assert len(await stream.recent(10, since=long_ago)) == 3
        assert await stream.recent(10, since=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)) == []


async def test_the_stream_holds_the_line_the_file_log_writes(redis_server: str, prefix: str, tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    async with connected(redis_server) as client:
        stream = RedisAuditStream(client, stream=f"{prefix}audit")
        tee = HostAudit(path, mirror=StreamMirror(redis_server, stream=f"{prefix}audit"))
        assert tee.path == path
        entry = _entry("attempt")
        tee.record(entry)
        (line,) = path.read_text(encoding="ascii").splitlines()
        assert line == audit_line(entry)
        (row,) = await stream.recent(5)
        del row["stream_id"]
        assert row == json.loads(line)
        raw = await client.xrevrange(f"{prefix}audit", count=1)
        assert raw is not None
        fields = raw[0][1]
        assert fields is not None
        assert fields[b"record"] == line.encode("ascii")


async def test_the_stream_is_capped(redis_server: str, prefix: str) -> None:
    async with connected(redis_server) as client:
        mirror = StreamMirror(redis_server, stream=f"{prefix}audit", maxlen=10)
        for _ in range(300):
            mirror.append(audit_line(_entry("done")))
        mirror.close()
        # MAXLEN ~ trims whole nodes: about maxlen are kept, never all of them.
        assert await client.xlen(f"{prefix}audit") < 300


async def test_an_unreachable_redis_refuses_the_record(unreachable_url: str, tmp_path: Path) -> None:
    async with connected(unreachable_url, timeout_seconds=0.5) as client:
        stream = RedisAuditStream(client, timeout_seconds=0.5)
        mirror = StreamMirror(unreachable_url, timeout_seconds=0.5)
        with pytest.raises(AuditUnavailable, match="cannot be written"):
            mirror.append(audit_line(_entry("attempt")))
        with pytest.raises(AuditUnavailable, match="cannot be read"):
            await stream.recent(5)
        path = tmp_path / "audit.jsonl"
        tee = HostAudit(path, mirror=mirror)
        with pytest.raises(AuditUnavailable, match="audit stream"):
            tee.record(_entry("done"))
        # The file log still kept it: an outcome that happened is written wherever it can be.
        assert json.loads(path.read_text(encoding="ascii"))["outcome"] == "done"


async def test_a_failing_file_log_is_reported_by_the_tee(redis_server: str, prefix: str, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    async with connected(redis_server) as client:
        stream = RedisAuditStream(client, stream=f"{prefix}audit")
        tee = HostAudit(blocked / "audit.jsonl", mirror=StreamMirror(redis_server, stream=f"{prefix}audit"))
        with pytest.raises(AuditUnavailable, match="audit log"):
            tee.record(_entry("done"))
        assert len(await stream.recent(5)) == 1


async def test_without_a_stream_the_tee_is_the_file_log(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    tee = HostAudit(path, mirror=None)
    tee.record(_entry("declined"))
    assert json.loads(path.read_text(encoding="ascii"))["outcome"] == "declined"
