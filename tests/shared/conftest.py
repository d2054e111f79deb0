"""A real `redis-server` for the shared-state tests: started once on a free loopback port, stopped at the end.

Without the binary the tests skip, except under CI (CI=true), where a missing server is a failure: CI installs it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncGenerator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from ledgerbee_mcp.server.shared import open_redis

_START_SECONDS = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _start(binary: str, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = workdir / f"redis-{port}.log"
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    command += ["--dir", str(workdir), "--logfile", str(log)]
    process = subprocess.Popen(command, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # noqa: S603
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + _START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if _answers_ping(port):
            return process, url
        time.sleep(0.02)
    process.kill()
    process.wait()
    detail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
    raise RuntimeError(f"redis-server did not answer PING on port {port}: {detail}")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a fresh, throwaway `redis-server` (no persistence)."""
    binary = shutil.which("redis-server")
    if binary is None:
        reason = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must have it", pytrace=False)
        pytest.skip(reason)
    workdir = tmp_path_factory.mktemp("redis")
    try:
        process, url = _start(binary, workdir)
    except RuntimeError:
        # The free port may have been taken between the probe and the start: one more try.
        process, url = _start(binary, workdir)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def prefix() -> str:
    """A key prefix of this test's own, so tests sharing the server never see each other's keys."""
    return f"test-{uuid.uuid4().hex[:12]}:"


@pytest.fixture
def unreachable_url() -> str:
    """A loopback port nothing listens on."""
    return f"redis://127.0.0.1:{free_port()}/0"


@asynccontextmanager
async def connected(url: str, *, timeout_seconds: float = 2.0) -> AsyncGenerator[aioredis.Redis]:
    client = open_redis(url, timeout_seconds=timeout_seconds)
    try:
        yield client
    finally:
        await client.aclose()
