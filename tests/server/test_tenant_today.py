"""The tenant's "today" is the sandbox's clock in the sandbox: lists and warnings read dates against it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from mcp import Client
from starlette.applications import Starlette

from ledgerbee_mcp.config import Settings
from ledgerbee_mcp.sandbox import tenant_today
from ledgerbee_mcp.server import build_server

pytestmark = pytest.mark.anyio


async def test_lists_carry_the_sandbox_clock_as_today(
    sandbox_app: Starlette, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    assert (await sandbox.put("/_sandbox/clock", json={"today": "2031-05-17"})).status_code == 200
    server = build_server(
        Settings(sandbox=True, audit_log=audit_path),
        transport=httpx.ASGITransport(app=sandbox_app),
        today=lambda: tenant_today(sandbox_app),
    )
    async with Client(server) as c:
        page = await c.call_tool("list_quotes", {})
    assert page.structured_content is not None
    assert page.structured_content["today"] == "2031-05-17"
