"""Run in a fresh interpreter by the cold-start benchmark: how long importing and building each server takes.

    python -m benchmarks._startup_phases ledgerbee|bare

Prints one JSON object, {"import_ms": ..., "build_ms": ..., "list_ms": ...}, and serves nothing: the
imports, building the server, and its first in-process list of tools turned into JSON. Interpreter start-up,
the lifespan and the stdio transport are what the spawn-to-answer time holds beyond these.
"""

from __future__ import annotations

import json
import sys
import time

import anyio
from mcp.server import MCPServer


def _ledgerbee() -> tuple[float, MCPServer]:
    # `mcp.server` is already imported (above), as in the bare case: the import phase is ours alone.
    t0 = time.perf_counter()
    from ledgerbee_mcp.config import Settings
    from ledgerbee_mcp.server import build_server

    imported = time.perf_counter() - t0
    return imported, build_server(Settings.from_env())


def _bare() -> tuple[float, MCPServer]:
    server = MCPServer(name="bare")

    def echo(text: str) -> str:
        """Return the text unchanged."""
        return text

    server.add_tool(echo)
    return 0.0, server


async def _list(server: MCPServer) -> int:
    tools = await server.list_tools()
    return len(json.dumps([t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]))


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else ""
    if which not in ("ledgerbee", "bare"):
        raise SystemExit("usage: python -m benchmarks._startup_phases ledgerbee|bare")
    t0 = time.perf_counter()
    imported, server = _ledgerbee() if which == "ledgerbee" else _bare()
    t1 = time.perf_counter()
    anyio.run(_list, server)
    t2 = time.perf_counter()
    print(
        json.dumps({"import_ms": imported * 1000, "build_ms": (t1 - t0 - imported) * 1000, "list_ms": (t2 - t1) * 1000})
    )
