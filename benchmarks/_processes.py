"""Child processes the benchmarks drive: MCP servers over raw stdio, and the sandbox over HTTP.

Every process started here is stopped on the way out of its context manager, errors included.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self, cast

import httpx
from mcp.client.stdio import StdioServerParameters

from benchmarks._machine import REPO_ROOT

__all__ = [
    "HANDSHAKE_VERSION",
    "RawStdioSession",
    "Reply",
    "free_port",
    "ledgerbee_params",
    "sandbox_server",
    "server_env",
    "stop_process",
]

# The initialize handshake, which every released client speaks; both servers under comparison answer it.
HANDSHAKE_VERSION = "2025-11-25"
SERVER_ARGV = (sys.executable, "-m", "ledgerbee_mcp")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(values: Mapping[str, str]) -> dict[str, str]:
    """This environment without any LEDGERBEE_* the caller happens to have set, plus `values`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERBEE_")}
    env.update(values)
    return env


def ledgerbee_params(values: Mapping[str, str]) -> StdioServerParameters:
    """`ledgerbee-mcp` over stdio for the SDK client; the SDK adds its own safe defaults (PATH, HOME...)."""
    return StdioServerParameters(command=SERVER_ARGV[0], args=list(SERVER_ARGV[1:]), env=dict(values), cwd=REPO_ROOT)


def stop_process(proc: subprocess.Popen[bytes], *, grace: float = 5.0) -> None:
    """End a child: it should exit on its own (stdin closed) or on SIGTERM; SIGKILL otherwise."""
    if proc.poll() is None:
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


@dataclass(frozen=True)
class Reply:
    raw: bytes
    """The answer's line exactly as it came over the pipe, without the newline."""
    message: dict[str, Any]
    received_at: float
    """`time.perf_counter()` when the last byte of the line was read, before any parsing."""


class RawStdioSession:
    """An MCP server spoken to in raw newline-delimited JSON-RPC, with as little client work as possible."""

    def __init__(
        self, argv: Sequence[str], env: Mapping[str, str], *, stderr: int | IO[bytes] = subprocess.DEVNULL
    ) -> None:
        self.started_at = time.perf_counter()
        self._proc = subprocess.Popen(  # noqa: S603 -- argv is built by the benchmarks, not taken from input
            list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, env=dict(env), cwd=REPO_ROOT
        )
        self._buffer = b""
        self._next_id = 0
        self._selector = selectors.DefaultSelector()
        assert self._proc.stdout is not None
        self._selector.register(self._proc.stdout, selectors.EVENT_READ)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._selector.close()
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()  # the stdio server's signal to shut down
        stop_process(self._proc)

    def _write(self, message: Mapping[str, Any]) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
        self._proc.stdin.flush()

    def notify(self, method: str, params: Mapping[str, Any] | None = None) -> None:
        self._write({"jsonrpc": "2.0", "method": method, **({"params": params} if params is not None else {})})

    def request(self, method: str, params: Mapping[str, Any] | None = None, *, timeout: float = 60.0) -> Reply:
        self._next_id += 1
        wanted = self._next_id
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": wanted, "method": method}
        if params is not None:
            message["params"] = params
        self._write(message)
        deadline = time.monotonic() + timeout
        while True:
            raw, received_at = self._read_line(deadline)
            decoded: object = json.loads(raw)
            if not isinstance(decoded, dict):
                continue
            answer = cast("dict[str, Any]", decoded)
            # Notifications (logging, progress) may come first; only our answer ends the wait.
            if answer.get("id") == wanted and "method" not in answer:
                if "error" in answer:
                    raise RuntimeError(f"{method} failed: {answer['error']}")
                return Reply(raw, answer, received_at)

    def _read_line(self, deadline: float) -> tuple[bytes, float]:
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the server did not answer in time")
            if not self._selector.select(remaining):
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                code = self._proc.poll()
                raise RuntimeError(f"the server closed its stdout (exit code {code})")
            self._buffer += chunk
        received_at = time.perf_counter()
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.rstrip(b"\r"), received_at

    def initialize(self) -> Reply:
        reply = self.request(
            "initialize",
            {
                "protocolVersion": HANDSHAKE_VERSION,
                "capabilities": {},
                "clientInfo": {"name": "ledgerbee-benchmarks", "version": "0"},
            },
        )
        self.notify("notifications/initialized")
        return reply


@contextlib.contextmanager
def sandbox_server(db: str = ":memory:") -> Generator[str]:
    """`ledgerbee-mcp sandbox` on a free loopback port; yields its base URL (what LEDGERBEE_BASE_URL takes)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (
        tempfile.TemporaryDirectory(prefix="ledgerbee-bench-") as state,
        open(Path(state) / "sandbox.log", "w+b") as log,
    ):
        # uvicorn logs every request; a file keeps that off the benchmark's output and at hand when it fails.
        proc = subprocess.Popen(  # noqa: S603 -- a fixed argv: this interpreter running the sandbox
            [*SERVER_ARGV, "sandbox", "--host", "127.0.0.1", "--port", str(port), "--db", db],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=server_env({"LEDGERBEE_STATE_DIR": state}),
            cwd=REPO_ROOT,
        )
        try:
            _wait_until_up(proc, url, log)
            yield url
        finally:
            proc.terminate()
            stop_process(proc)


def _wait_until_up(proc: subprocess.Popen[bytes], url: str, log: IO[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            tail = log.read()[-2000:].decode(errors="replace")
            raise RuntimeError(f"the sandbox exited with code {proc.returncode}:\n{tail}")
        try:
            # Unprotected, so any answer at all means uvicorn is serving.
            httpx.get(f"{url}/openapi.json", timeout=1.0)
        except httpx.TransportError:
            time.sleep(0.1)
        else:
            return
    raise TimeoutError(f"the sandbox did not come up on {url} within {timeout:g} s")
