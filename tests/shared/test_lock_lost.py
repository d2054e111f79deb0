"""A lock lost between the re-check and the act (it expired, or another replica took the document over) stops the
send: nothing reaches LedgerBee, and the audit says why. Against a real redis-server."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import redis
from mcp import Client
from starlette.applications import Starlette

from ledgerbee_mcp.config import ConfirmMode, Secret, Settings
from ledgerbee_mcp.sandbox import FULL_KEY, seed
from ledgerbee_mcp.server import build_server

pytestmark = pytest.mark.anyio


class _LockThief(httpx.AsyncBaseTransport):
    """Once armed, deletes the document's Redis lock on every read of it: under the lock that is the re-check."""

    def __init__(self, inner: httpx.AsyncBaseTransport, redis_url: str) -> None:
        self.inner = inner
        self.redis = redis.Redis.from_url(redis_url)
        self.document_id = ""
        self.armed = False
        self.sends = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/send"):
            self.sends += 1
        if self.armed and request.method == "GET" and request.url.path.endswith(self.document_id):
            self.redis.delete(f"ledgerbee:lock:{self.document_id}")
        return await self.inner.handle_async_request(request)


async def test_a_lock_lost_before_the_send_refuses_it_and_is_audited(
    redis_server: str, sandbox_app: Starlette, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    thief = _LockThief(httpx.ASGITransport(app=sandbox_app), redis_server)
    settings = Settings(
        sandbox=True,
        audit_log=audit,
        confirm=ConfirmMode.TOKEN,
        redis_url=redis_server,
        confirm_secret=Secret("s" * 32),
    )
    async with Client(build_server(settings, transport=thief)) as c:
        created = await c.call_tool(
            "create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}]}
        )
        assert created.structured_content is not None
        qid = created.structured_content["id"]
        thief.document_id = qid
        args = {"quote_id": qid, "delivery_type": "Manual"}
        first = await c.call_tool("send_quote", args)
        assert first.structured_content is not None
        thief.armed = True
        result = await c.call_tool(
            "send_quote", args | {"confirmation_token": first.structured_content["confirmation_token"]}
        )

    text = " ".join(getattr(b, "text", "") for b in result.content)
    assert result.is_error, text
    assert "lock was lost" in text
    assert thief.sends == 0
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sandbox_app), base_url="http://sandbox", headers={"x-api-key": FULL_KEY}
    ) as sandbox:
        assert (await sandbox.get(f"/v1/quotes/{qid}")).json()["status"] == "draft"
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert any(r["outcome"] == "refused" and "lock was lost" in r.get("reason", "") for r in records), records
