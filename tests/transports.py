"""Transports the tests put between the server and the sandbox, to hold a request while something else happens."""

from __future__ import annotations

import anyio
import httpx

__all__ = ["SendGate"]


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
