"""An answer that cannot be read after the request went out: the server re-reads and tells the truth."""

from __future__ import annotations

import httpx
import pytest
from mcp import Client
from starlette.applications import Starlette

from ledgerbee_mcp.config import Settings
from ledgerbee_mcp.sandbox import FULL_KEY, seed
from ledgerbee_mcp.server import build_server
from tests.server.conftest import approve

pytestmark = pytest.mark.anyio


class GarbleSends(httpx.AsyncBaseTransport):
    """Forwards everything; answers a successful send with a proxy's HTML page instead of the JSON."""

    def __init__(self, app: Starlette) -> None:
        self.inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and request.url.path.endswith("/send"):
            await response.aread()
            return httpx.Response(200, headers={"content-type": "text/html"}, content=b"<html>gateway</html>")
        return response


async def test_unreadable_answer_to_a_send_is_reconciled(sandbox_app: Starlette, sandbox: httpx.AsyncClient) -> None:
    server = build_server(Settings(sandbox=True), transport=GarbleSends(sandbox_app))
    async with Client(server, elicitation_callback=approve) as client:
        created = await client.call_tool(
            "create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}]}
        )
        quote_id = created.structured_content["id"]  # type: ignore[index]
        args = {"quote_id": quote_id, "delivery_type": "Email", "recipient_email": seed.CONTACT_METTE_EMAIL}
        result = await client.call_tool("send_quote", args)
        assert not result.is_error, result.content
        assert result.structured_content["outcome"] == "done"  # type: ignore[index]
        assert "re-read confirmed" in result.structured_content["message"]  # type: ignore[index]
    outbox = (await sandbox.get("/_sandbox/outbox", headers={"x-api-key": FULL_KEY})).json()["data"]
    assert [m["to"] for m in outbox] == [seed.CONTACT_METTE_EMAIL]
