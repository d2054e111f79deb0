"""`ledgerbee-mcp`: serve MCP over stdio or streamable HTTP, run the local sandbox, or walk through the demo.

This is the composition root: the only place (with the demo) that reaches the sandbox, so the server itself
never depends on it and the real path never loads it.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import importlib.util
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ledgerbee_mcp import __version__
from ledgerbee_mcp.config import ConfigError, Settings, sandbox_db
from ledgerbee_mcp.config import toolsets as parse_toolsets
from ledgerbee_mcp.paths import make_parent_dir

if TYPE_CHECKING:
    import httpx
    from starlette.applications import Starlette

__all__ = ["main"]

# What the `sandbox` extra adds, checked before anything starts: without it a user would get a traceback, or
# (fpdf2 being imported only when a PDF is drawn) a server that fails halfway through the demo.
_SANDBOX_MODULES = ("fpdf", "starlette", "uvicorn")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ledgerbee-mcp",
        description="MCP server for LedgerBee quotes, order confirmations and invoices (stdio, or HTTP).",
    )
    parser.add_argument("--version", action="version", version=f"ledgerbee-mcp {__version__}")
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="serve against an embedded local sandbox of the LedgerBee API instead of the real one",
    )
    parser.add_argument(
        "--read-only", action="store_true", help="offer only the read tools (as LEDGERBEE_READ_ONLY=true)"
    )
    parser.add_argument(
        "--toolsets",
        default=None,
        help="comma-separated tool groups to offer: quotes, order_confirmations, invoices, lookups "
        "(as LEDGERBEE_TOOLSETS; default all)",
    )
    parser.add_argument(
        "--transport",
        choices=("stdio", "http"),
        default="stdio",
        help="stdio (default: the client starts this process) or http (a remote server: streamable HTTP at /mcp)",
    )
    parser.add_argument("--host", default=None, help="with --transport http: address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=None, help="with --transport http: port to listen on (default 8000)"
    )
    parser.add_argument(
        "--no-auth",
        action="store_true",
        help="with --transport http: serve a non-loopback address without OAuth (only behind a gateway that "
        "authenticates every caller)",
    )
    sub = parser.add_subparsers(dest="command")
    sandbox = sub.add_parser("sandbox", help="run the local LedgerBee API sandbox over HTTP")
    sandbox.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sandbox.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    sandbox.add_argument(
        "--db", default=None, help="SQLite file, or :memory: (default: $LEDGERBEE_SANDBOX_DB, else the state directory)"
    )
    demo = sub.add_parser("demo", help="walk quote -> order confirmation -> invoice through MCP tool calls")
    demo.add_argument("--out", default="ledgerbee-demo", help="folder for the PDFs (default ./ledgerbee-demo)")
    return parser


def _configure_logging() -> None:
    # stdout is the MCP protocol channel on stdio: every log line goes to stderr.
    level = os.environ.get("LEDGERBEE_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(
        stream=sys.stderr, level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )


def _fail(message: str) -> int:
    print(f"ledgerbee-mcp: {message}", file=sys.stderr)
    return 2


def _sandbox_extra_missing(how: str) -> bool:
    if all(importlib.util.find_spec(name) is not None for name in _SANDBOX_MODULES):
        return False
    _fail(
        "the sandbox needs the 'sandbox' extra: pip install 'ledgerbee-mcp[sandbox]'"
        f" (or run uvx --from 'ledgerbee-mcp[sandbox]' ledgerbee-mcp {how})"
    )
    return True


def _db_folder_ready(db: str) -> bool:
    try:
        make_parent_dir(db)
    except OSError as error:
        _fail(f"cannot create the folder for the sandbox database {db}: {error}")
        return False
    return True


class _EmbeddedSandbox:
    """The `--sandbox` link: the sandbox app, built on the first tool call (as the real client is, so `--sandbox`
    starts as fast as the real server), its transport, and its clock (the tenant's "today")."""

    def __init__(self, db: str) -> None:
        self.db = db
        self._app: Starlette | None = None

    def _started(self) -> Starlette:
        if self._app is None:
            import sqlite3

            from mcp.server.mcpserver.exceptions import ToolError

            from ledgerbee_mcp.sandbox import create_app

            try:
                self._app = create_app(self.db)
            except sqlite3.Error as error:
                raise ToolError(
                    f"The sandbox database {self.db} cannot be opened ({error}); point LEDGERBEE_SANDBOX_DB at a "
                    "writable file."
                ) from error
        return self._app

    def transport(self) -> httpx.AsyncBaseTransport:
        import httpx

        return httpx.ASGITransport(app=self._started())

    def today(self) -> dt.date:
        from ledgerbee_mcp.sandbox import tenant_today

        return tenant_today(self._started())


def _run_sandbox(host: str, port: int, db: str) -> int:
    import sqlite3

    from ledgerbee_mcp.sandbox import serve

    try:
        serve(host=host, port=port, db=db)
    except sqlite3.Error as error:
        return _fail(f"cannot open the sandbox database {db}: {error}")
    return 0


def _run_server(args: argparse.Namespace) -> int:
    http = args.transport == "http"
    if not http and (args.host is not None or args.port is not None or args.no_auth):
        return _fail("--host, --port and --no-auth apply to --transport http")
    sandbox, read_only, toolsets = args.sandbox, args.read_only, args.toolsets
    try:
        settings = Settings.from_env(sandbox=sandbox, http=http)
        if read_only:
            settings = dataclasses.replace(settings, read_only=True)
        if toolsets is not None:
            settings = dataclasses.replace(settings, toolsets=parse_toolsets(toolsets, source="--toolsets"))
    except ConfigError as error:
        return _fail(str(error))
    embedded: _EmbeddedSandbox | None = None
    if sandbox:
        if _sandbox_extra_missing("--sandbox") or not _db_folder_ready(settings.sandbox_db):
            return 2
        embedded = _EmbeddedSandbox(settings.sandbox_db)
    if http:
        return _run_http(args, settings, embedded)
    from ledgerbee_mcp.server import build_server

    build_server(
        settings,
        transport=embedded.transport if embedded else None,
        today=embedded.today if embedded else None,
    ).run("stdio")
    return 0


def _run_http(args: argparse.Namespace, settings: Settings, embedded: _EmbeddedSandbox | None) -> int:
    from ledgerbee_mcp.server import build_server
    from ledgerbee_mcp.server.auth import AuthConfig
    from ledgerbee_mcp.server.http import is_loopback, serve_http

    host: str = args.host or "127.0.0.1"
    port: int = 8000 if args.port is None else args.port
    if not 0 < port < 65536:
        return _fail(f"--port must be between 1 and 65535, got {port}")
    try:
        auth = AuthConfig.from_env()
    except ConfigError as error:
        return _fail(str(error))
    if auth is None and not is_loopback(host):
        if not args.no_auth:
            return _fail(
                f"refusing to serve {host} without OAuth: set LEDGERBEE_AUTH_ISSUER and LEDGERBEE_AUTH_AUDIENCE, "
                "or pass --no-auth when a gateway in front authenticates every caller"
            )
        _warn(
            f"serving {host}:{port} WITHOUT authentication (--no-auth): anyone who reaches this port can act with "
            "this server's LedgerBee credential"
        )
    if auth is not None and args.no_auth:
        return _fail("--no-auth contradicts LEDGERBEE_AUTH_ISSUER/LEDGERBEE_AUTH_AUDIENCE: drop one")
    if settings.redis_url is None:
        _note(
            "no LEDGERBEE_REDIS_URL: running as a single process (document locks, audit and request-state keys are "
            "this process's own); do not run more replicas of it"
        )
    server = build_server(
        settings,
        transport=embedded.transport if embedded else None,
        today=embedded.today if embedded else None,
        auth=auth,
    )
    serve_http(server, settings, auth, host=host, port=port)
    return 0


def _warn(message: str) -> None:
    _note(f"warning: {message}")


def _note(message: str) -> None:
    print(f"ledgerbee-mcp: {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _configure_logging()
    if args.command == "sandbox":
        db = args.db or sandbox_db(os.environ)
        if _sandbox_extra_missing("sandbox") or not _db_folder_ready(db):
            return 2
        return _run_sandbox(args.host, args.port, db)
    if args.command == "demo":
        if _sandbox_extra_missing("demo"):
            return 2
        from ledgerbee_mcp.demo import run_demo

        return run_demo(args.out)
    return _run_server(args)
