"""API clients against a fresh in-memory sandbox, for the tests that check the client against the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from ledgerbee_mcp.api import LedgerBeeClient

FULL_KEY = "lb_sandbox_full"
READONLY_KEY = "lb_sandbox_readonly"
BASE_URL = "http://sandbox"
UNKNOWN_ID = "5eed0fff-0000-4000-8000-000000000fff"

MakeClient = Callable[[str], LedgerBeeClient]


@pytest.fixture
async def make_client() -> AsyncIterator[MakeClient]:
    """Clients with the key given, all against one sandbox; closed after the test."""
    sandbox = pytest.importorskip("ledgerbee_mcp.sandbox")
    transport = httpx.ASGITransport(app=sandbox.create_app(":memory:"))
    clients: list[LedgerBeeClient] = []

    def make(key: str) -> LedgerBeeClient:
        client = LedgerBeeClient(base_url=BASE_URL, api_key=key, transport=transport)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def client(make_client: MakeClient) -> LedgerBeeClient:
    return make_client(FULL_KEY)
