"""Transports the tests put between the server and the sandbox, to hold a request while something else happens."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
from mcp import Client
from mcp_types import CallToolResult

__all__ = ["SendGate", "while_a_send_is_held"]


class SendGate(httpx.AsyncBaseTransport):
    """Holds every send request until released, and records when each request starts."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.started: list[str] = []
        self.send_arrived = anyio.Event()
        self.release = anyio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.started.append(f"{request.method} {request.url.path}")
        if request.method == "POST" and request.url.path.endswith("/send"):
            self.send_arrived.set()
            await self.release.wait()
        return await self.inner.handle_async_request(request)


async def while_a_send_is_held(
    client: Client, gate: SendGate, quote_id: str, tool: str, arguments: dict[str, Any]
) -> tuple[CallToolResult, CallToolResult, list[str]]:
    """A Manual `send_quote` held at LedgerBee while `tool(arguments)` is called: the send's result, the other
    call's, and the requests the other call made before the send was let through."""
    results: dict[str, CallToolResult] = {}

    async def call(name: str, args: dict[str, Any]) -> None:
        results[name] = await client.call_tool(name, args)

    async with anyio.create_task_group() as tg:
        tg.start_soon(call, "send_quote", {"quote_id": quote_id, "delivery_type": "Manual"})
        await gate.send_arrived.wait()
        begun = len(gate.started)
        tg.start_soon(call, tool, arguments)
        await anyio.wait_all_tasks_blocked()
        meanwhile = gate.started[begun:]
        gate.release.set()
    return results["send_quote"], results[tool], meanwhile
