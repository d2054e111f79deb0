"""Remote server: `tools/call get_quote` over streamable HTTP with one and with two replicas, beside stdio.

One sandbox serves every path over HTTP on loopback. The stdio path is the SDK client talking to a `ledgerbee-mcp`
child over stdio; the HTTP paths are `ledgerbee-mcp --transport http` children (loopback, no OAuth), one alone, and
two sharing a `redis-server` (when one is installed; else two without Redis, which only reads may do) with the
clients spread over them in turn, as a load balancer would. Each path runs `--workers` concurrent callers (one SDK
client each over HTTP; one shared session over stdio, which is one process by nature) for `--calls` calls in all,
after a warm-up, and reports requests per second and the p50/p99 latency of a call.

    uv run python -m benchmarks.http [--quick] [--calls N] [--workers N]

This prints numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from mcp import Client

from benchmarks._documents import create_quote, direct_client, ledgerbee_env
from benchmarks._machine import REPO_ROOT
from benchmarks._processes import SERVER_ARGV, free_port, ledgerbee_params, sandbox_server, server_env, stop_process
from benchmarks._stats import Row, Section, fmt_ms, print_section

__all__ = ["main", "run"]

FULL_CALLS = 600
QUICK_CALLS = 150
WORKERS = 8
WARMUP = 10
CONFIRM_SECRET = "benchmark-confirm-secret-0123456789abcdef"


@dataclass(frozen=True)
class Result:
    label: str
    latencies: list[float]
    seconds: float

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds

    def pct(self, q: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1]


@contextlib.contextmanager
def _redis() -> Generator[str | None]:
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 -- a local, throwaway redis-server on loopback
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(lambda: _pings(port), "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _pings(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False


def _wait(ready: object, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(ready) and ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not come up in {timeout:g} s")


@contextlib.contextmanager
def _replicas(count: int, env: dict[str, str], log_dir: Path) -> Generator[list[str]]:
    procs: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for n in range(count):
            port = free_port()
            log = (log_dir / f"replica-{count}-{n}.log").open("wb")
            procs.append(
                subprocess.Popen(  # noqa: S603 -- our own server
                    [*SERVER_ARGV, "--transport", "http", "--port", str(port)],
                    cwd=REPO_ROOT,
                    env=server_env(env),
                    stdout=log,
                    stderr=log,
                    stdin=subprocess.DEVNULL,
                )
            )
            _wait(lambda port=port: _healthy(f"http://127.0.0.1:{port}/healthz"), f"replica on port {port}")
            urls.append(f"http://127.0.0.1:{port}/mcp")
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
            stop_process(proc)


async def _call(client: Client, quote_id: str) -> None:
    result = await client.call_tool("get_quote", {"quote_id": quote_id})
    if result.is_error:
        raise RuntimeError("get_quote failed: " + " ".join(getattr(c, "text", "") for c in result.content))


async def _load(label: str, clients: Sequence[Client], workers: int, calls: int, quote_id: str) -> Result:
    for client in clients:
        for _ in range(WARMUP):
            await _call(client, quote_id)
    latencies: list[float] = []
    remaining = calls

    async def worker(client: Client) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            t0 = time.perf_counter()
            await _call(client, quote_id)
            latencies.append((time.perf_counter() - t0) * 1000)

    started = time.perf_counter()
    async with asyncio.TaskGroup() as tg:
        for n in range(workers):
            tg.create_task(worker(clients[n % len(clients)]))
    return Result(label, latencies, time.perf_counter() - started)


async def _over_http(label: str, urls: Sequence[str], workers: int, calls: int, quote_id: str) -> Result:
    async with contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(Client(urls[n % len(urls)], cache=None)) for n in range(workers)]
        return await _load(label, clients, workers, calls, quote_id)


async def _measure(calls: int, workers: int) -> tuple[list[Result], bool]:
    with (
        sandbox_server() as url,
        tempfile.TemporaryDirectory(prefix="ledgerbee-bench-") as state,
        _redis() as redis_url,
    ):
        env = ledgerbee_env(url, state, LEDGERBEE_AUDIT_LOG="off", LEDGERBEE_CONFIRM_SECRET=CONFIRM_SECRET)
        async with direct_client(url) as direct:
            quote_id = (await create_quote(direct, 1)).id
        results: list[Result] = []
        async with Client(ledgerbee_params(env), cache=None) as stdio:
            results.append(await _load("stdio, 1 process", [stdio], workers, calls, quote_id))
        with _replicas(1, env, Path(state)) as one:
            results.append(await _over_http("HTTP, 1 replica", one, workers, calls, quote_id))
        shared = env | ({"LEDGERBEE_REDIS_URL": redis_url} if redis_url else {})
        with _replicas(2, shared, Path(state)) as two:
            label = "HTTP, 2 replicas" + (" + Redis" if redis_url else " (no Redis)")
            results.append(await _over_http(label, two, workers, calls, quote_id))
        return results, redis_url is not None


def run(quick: bool = False, calls: int | None = None, workers: int = WORKERS) -> Section:
    calls = calls or (QUICK_CALLS if quick else FULL_CALLS)
    results, with_redis = asyncio.run(_measure(calls, workers))
    stdio, one, two = results
    lines = [
        f"get_quote, {calls} calls per path by {workers} concurrent callers, after {WARMUP} warm-up calls per client:",
        f"  {'path':<30} {'req/s':>9} {'p50':>10} {'p99':>10} {'req/s vs stdio':>15}",
    ]
    for r in results:
        lines.append(
            f"  {r.label:<30} {r.rps:>9.0f} {fmt_ms(r.pct(50)):>10} {fmt_ms(r.pct(99)):>10} {r.rps / stdio.rps:>14.2f}x"
        )
    lines.append(
        f"  2 replicas vs 1: {two.rps / one.rps:.2f}x the requests per second, p50 {two.pct(50) / one.pct(50):.2f}x"
    )
    rows = [
        Row(
            f"http: get_quote, {r.label}",
            f"{r.rps:.0f} req/s",
            f"{stdio.rps:.0f} req/s (stdio)",
            f"{r.rps / stdio.rps:.2f}x; p50 {fmt_ms(r.pct(50))}, p99 {fmt_ms(r.pct(99))}",
            "-",
            None,
        )
        for r in (one, two)
    ]
    notes = [] if with_redis else ["redis-server is not installed: the two replicas ran without shared state."]
    notes.append(
        "All processes share this machine's cores, so two replicas measure how the server scales on one host, not "
        "across hosts; the sandbox behind them is one process too."
    )
    return Section("Remote server (HTTP)", rows, "\n".join(lines), notes)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.http", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_CALLS} calls per path instead of {FULL_CALLS}")
    parser.add_argument("--calls", type=int, default=None, help="timed calls per path")
    parser.add_argument("--workers", type=int, default=WORKERS, help=f"concurrent callers (default {WORKERS})")
    args = parser.parse_args(argv)
    print_section(run(quick=args.quick, calls=args.calls, workers=args.workers))


if __name__ == "__main__":
    sys.exit(main())
