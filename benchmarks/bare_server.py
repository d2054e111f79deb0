"""The cold-start baseline: a bare `MCPServer` with one tool, on stdio, started like `ledgerbee-mcp` is.

    python -m benchmarks.bare_server

What it imports is the floor any MCPServer-based stdio server pays; what `ledgerbee-mcp` imports beyond it is
what the cold-start benchmark attributes to this project.
"""

from __future__ import annotations

from mcp.server import MCPServer

server = MCPServer(name="bare")


@server.tool()
def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


if __name__ == "__main__":
    server.run("stdio")
