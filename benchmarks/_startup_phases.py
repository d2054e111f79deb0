"""Run in a fresh interpreter by the cold-start benchmark: how long importing and building each server takes.

    python -m benchmarks._startup_phases ledgerbee|bare

Prints one JSON object, {"import_ms": ..., "build_ms": ...}, and serves nothing. Interpreter start-up and
running the server (lifespan, answering) are what the spawn-to-answer time holds beyond these two.
"""

from __future__ import annotations

import json
import sys
import time


def _ledgerbee() -> tuple[float, float]:
    t0 = time.perf_counter()
    # What `python -m ledgerbee_mcp` imports before it builds the server.
    from ledgerbee_mcp.config import Settings
    from ledgerbee_mcp.server import build_server

    t1 = time.perf_counter()
    build_server(Settings.from_env())
    return t1 - t0, time.perf_counter() - t1


def _bare() -> tuple[float, float]:
    t0 = time.perf_counter()
    from mcp.server import MCPServer

    t1 = time.perf_counter()
    server = MCPServer(name="bare")

    def echo(text: str) -> str:
        """Return the text unchanged."""
        return text

    server.add_tool(echo)
    return t1 - t0, time.perf_counter() - t1


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else ""
    if which not in ("ledgerbee", "bare"):
        raise SystemExit("usage: python -m benchmarks._startup_phases ledgerbee|bare")
    imported, built = _ledgerbee() if which == "ledgerbee" else _bare()
    print(json.dumps({"import_ms": imported * 1000, "build_ms": built * 1000}))
