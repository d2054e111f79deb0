from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.server import MCPServer
from mcp_types import ElicitResult
from starlette.applications import Starlette

from ledgerbee_mcp.config import Settings
from ledgerbee_mcp.sandbox import FULL_KEY, tenant_today
from ledgerbee_mcp.server import build_server


@pytest.fixture
def make_server(sandbox_app: Starlette, audit_path: Path) -> Callable[..., MCPServer]:
    """A server against the test's sandbox; keyword arguments override settings."""

    def make(**overrides: Any) -> MCPServer:
        settings = Settings(sandbox=True, audit_log=audit_path, **overrides)
        # As the CLI does for --sandbox: the tenant's "today" is the sandbox's clock.
        return build_server(
            settings, transport=httpx.ASGITransport(app=sandbox_app), today=lambda: tenant_today(sandbox_app)
        )

    return make


@pytest.fixture
async def sandbox(sandbox_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """Direct HTTP access to the same sandbox, to check what really happened."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sandbox_app), base_url="http://sandbox", headers={"x-api-key": FULL_KEY}
    ) as client:
        yield client


async def approve(context: Any, params: Any) -> ElicitResult:
    return ElicitResult(action="accept", content={"confirm": True})


@pytest.fixture
async def client(make_server: Callable[..., MCPServer]) -> AsyncIterator[Client]:
    """A client whose person approves every confirmation."""
    async with Client(make_server(), elicitation_callback=approve) as c:
        yield c
