"""Real parts for the remote server's tests: one `redis-server`, one sandbox process, a local OAuth issuer (keys
made per run) and two `ledgerbee-mcp --transport http` replicas on loopback sharing them, started once for the
directory. Clients speak to the replicas with the SDK's streamable-HTTP client and a bearer token.

Without `redis-server` the tests skip with the reason, except under CI=true (the fixture fails there)."""

from __future__ import annotations

import base64
import itertools
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
import uvicorn
from auth.conftest import AUDIENCE, Issuer
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from shared.conftest import free_port, redis_server  # noqa: F401 -- the session's Redis, reused here

ROOT = Path(__file__).parents[2]
SANDBOX_KEY = "lb_sandbox_full"
CONFIRM_SECRET = "http-tests-confirm-secret-" + "x" * 16
LOCK_TTL = 1.5
_START_SECONDS = 20.0

ALL_SCOPES = "ledgerbee.read ledgerbee.write ledgerbee.send"


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + _START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(url, timeout=0.5).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{url} did not come up: {log.read_text(errors='replace')[-2000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Replica:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    audit: Path
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    """Everything the replicas share, and how to start one more."""

    workdir: Path
    redis_url: str
    sandbox_url: str
    issuer: Issuer
    sandbox: subprocess.Popen[bytes]
    replicas: list[Replica] = field(default_factory=list[Replica])
    state_keys: str = field(default_factory=lambda: ",".join(secrets.token_hex(32) for _ in range(2)))

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERBEE_")}
        env.update(
            LEDGERBEE_BASE_URL=self.sandbox_url,
            LEDGERBEE_API_KEY=SANDBOX_KEY,
            LEDGERBEE_REDIS_URL=self.redis_url,
            LEDGERBEE_CONFIRM_SECRET=CONFIRM_SECRET,
            LEDGERBEE_REQUEST_STATE_KEYS=self.state_keys,
            LEDGERBEE_AUTH_ISSUER=self.issuer.url,
            LEDGERBEE_AUTH_AUDIENCE=AUDIENCE,
            LEDGERBEE_AUTH_JWKS_URL=self.issuer.jwks_url,
            LEDGERBEE_CONFIRM="auto",
            LEDGERBEE_LOCK_TTL_SECONDS=str(LOCK_TTL),
            LEDGERBEE_LOCK_WAIT_SECONDS="15",
            LEDGERBEE_STATE_DIR=str(self.workdir / "state"),
            LEDGERBEE_LOG_LEVEL="WARNING",
        )
        env.update(extra)
        return env

    def start_replica(self, name: str, **extra: str) -> Replica:
        port = free_port()
        audit = self.workdir / f"audit-{name}.jsonl"
        log = self.workdir / f"replica-{name}.log"
        command = [sys.executable, "-m", "ledgerbee_mcp", "--transport", "http", "--port", str(port)]
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 -- our own console entry point
                command, cwd=ROOT, env=self.env(LEDGERBEE_AUDIT_LOG=str(audit), **extra), stdout=out, stderr=out
            )
        replica = Replica(name, port, process, audit, log)
        _wait_until_up(replica.base + "/healthz", process, log)
        return replica

    def token(self, scope: str = ALL_SCOPES, **claims: Any) -> str:
        return self.issuer.token(scope=scope, **claims)

    def sandbox_get(self, path: str) -> Any:
        response = httpx.get(self.sandbox_url + path, headers={"x-api-key": SANDBOX_KEY}, timeout=10)
        response.raise_for_status()
        return response.json()

    def sandbox_post(self, path: str, body: dict[str, Any]) -> Any:
        response = httpx.post(self.sandbox_url + path, json=body, headers={"x-api-key": SANDBOX_KEY}, timeout=10)
        response.raise_for_status()
        return response.json()

    def outbox(self, document_id: str) -> list[dict[str, Any]]:
        return [m for m in self.sandbox_get("/_sandbox/outbox")["data"] if m["documentId"] == document_id]


def _serve_issuer() -> tuple[Issuer, uvicorn.Server, threading.Thread]:
    port = free_port()
    issuer = Issuer(url=f"http://127.0.0.1:{port}")
    config = uvicorn.Config(issuer.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the loopback issuer did not start")
        time.sleep(0.01)
    return issuer, server, thread


@pytest.fixture(scope="session")
def cluster(redis_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:  # noqa: F811
    workdir = tmp_path_factory.mktemp("http")
    issuer, issuer_server, issuer_thread = _serve_issuer()
    port = free_port()
    sandbox_log = workdir / "sandbox.log"
    with sandbox_log.open("wb") as out:
        sandbox = subprocess.Popen(  # noqa: S603 -- our own console entry point
            [sys.executable, "-m", "ledgerbee_mcp", "sandbox", "--port", str(port), "--db", str(workdir / "sb.db")],
            cwd=ROOT,
            env={k: v for k, v in os.environ.items() if not k.startswith("LEDGERBEE_")},
            stdout=out,
            stderr=out,
        )
    made = Cluster(workdir, redis_server, f"http://127.0.0.1:{port}", issuer, sandbox)
    try:
        _wait_until_up(made.sandbox_url + "/_sandbox/clock", sandbox, sandbox_log)
        made.replicas = [made.start_replica("a"), made.start_replica("b")]
        yield made
    finally:
        for replica in made.replicas:
            stop(replica.process)
        sandbox.send_signal(signal.SIGCONT)
        stop(sandbox)
        issuer_server.should_exit = True
        issuer_thread.join(timeout=10)


class RoundRobin(httpx2.AsyncBaseTransport):
    """A load balancer in the client: each HTTP request goes to the next replica in turn."""

    def __init__(self, ports: Sequence[int]) -> None:
        self._ports = itertools.cycle(ports)
        self._inner = httpx2.AsyncHTTPTransport()
        self.sent_to: list[int] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        port = next(self._ports)
        self.sent_to.append(port)
        request.url = request.url.copy_with(port=port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@asynccontextmanager
async def connect(
    url: str, token: str | None, *, elicitation: Any = None, balance: Sequence[int] | None = None
) -> AsyncIterator[Client]:
    """The SDK's client over streamable HTTP with a bearer token; `balance`: spread requests over these ports."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = RoundRobin(balance) if balance else None
    timeout = httpx2.Timeout(30, read=60)
    async with (
        httpx2.AsyncClient(headers=headers, timeout=timeout, transport=transport) as http,
        Client(streamable_http_client(url, http_client=http), elicitation_callback=elicitation) as client,
    ):
        yield client


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
