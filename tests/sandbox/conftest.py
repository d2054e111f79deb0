from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from starlette.applications import Starlette

from ledgerbee_mcp.sandbox import FULL_KEY, create_app

MakeClient = Callable[[str], httpx.AsyncClient]


@pytest.fixture
def app() -> Starlette:
    return create_app()


@pytest.fixture
async def make_client(app: Starlette) -> AsyncIterator[MakeClient]:
    """Clients of the one in-process app, each with its own API key."""
    transport = httpx.ASGITransport(app=app)
    clients: list[httpx.AsyncClient] = []

    def make(key: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=transport, base_url="http://sandbox", headers={"x-api-key": key})
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def client(make_client: MakeClient) -> httpx.AsyncClient:
    return make_client(FULL_KEY)
