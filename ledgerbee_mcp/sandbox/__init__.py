"""A local emulator of the LedgerBee billing API (quotes, order confirmations, and the reads around them).

`create_app()` gives the ASGI app (drive it in-process with `httpx.ASGITransport`); `serve()` runs it over
HTTP. PDF rendering (fpdf2) is imported only when a PDF is drawn.
"""

from __future__ import annotations

from ledgerbee_mcp.sandbox.app import create_app, tenant_today
from ledgerbee_mcp.sandbox.auth import FULL_KEY, OTHER_TENANT_KEY, READONLY_KEY
from ledgerbee_mcp.sandbox.server import default_db_path, serve

__all__ = ["FULL_KEY", "OTHER_TENANT_KEY", "READONLY_KEY", "create_app", "default_db_path", "serve", "tenant_today"]
