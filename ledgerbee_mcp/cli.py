"""`ledgerbee-mcp`: serve MCP over stdio, run the local sandbox, or walk through the demo."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from ledgerbee_mcp import __version__
from ledgerbee_mcp.config import ConfigError, Settings

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ledgerbee-mcp",
        description="MCP server for LedgerBee quotes, order confirmations and invoices (stdio).",
    )
    parser.add_argument("--version", action="version", version=f"ledgerbee-mcp {__version__}")
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="serve against an embedded local sandbox of the LedgerBee API instead of the real one",
    )
    sub = parser.add_subparsers(dest="command")
    sandbox = sub.add_parser("sandbox", help="run the local LedgerBee API sandbox over HTTP")
    sandbox.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sandbox.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    sandbox.add_argument("--db", default=None, help="SQLite file, or :memory: (default: in the state directory)")
    demo = sub.add_parser("demo", help="walk quote -> order confirmation -> invoice through MCP tool calls")
    demo.add_argument("--out", default="ledgerbee-demo", help="folder for the PDFs (default ./ledgerbee-demo)")
    return parser


def _configure_logging() -> None:
    # stdout is the MCP protocol channel on stdio: every log line goes to stderr.
    level = os.environ.get("LEDGERBEE_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(
        stream=sys.stderr, level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _configure_logging()
    if args.command == "sandbox":
        from ledgerbee_mcp.sandbox import serve

        serve(host=args.host, port=args.port, db=args.db or str(Settings(sandbox=True).sandbox_db))
        return 0
    if args.command == "demo":
        from ledgerbee_mcp.demo import run_demo

        return run_demo(args.out)
    try:
        settings = Settings.from_env(sandbox=args.sandbox)
    except ConfigError as error:
        print(f"ledgerbee-mcp: {error}", file=sys.stderr)
        return 2
    from ledgerbee_mcp.server import build_server

    build_server(settings).run("stdio")
    return 0
