"""The Starlette app: routes, the request-id and auth middleware, and errors turned into JSON answers."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import uuid
from collections.abc import AsyncGenerator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledgerbee_mcp.sandbox.auth import principal_for
from ledgerbee_mcp.sandbox.db import Database
from ledgerbee_mcp.sandbox.errors import SandboxError, unauthorized
from ledgerbee_mcp.sandbox.kinds import INVOICE, ORDER_CONFIRMATION, QUOTE
from ledgerbee_mcp.sandbox.routes_catalog import catalog_routes
from ledgerbee_mcp.sandbox.routes_control import control_routes
from ledgerbee_mcp.sandbox.routes_documents import document_routes
from ledgerbee_mcp.sandbox.web import PRINCIPAL_KEY, REQUEST_ID_KEY, json_response

__all__ = ["create_app"]

_log = logging.getLogger(__name__)
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_PROTECTED = ("/v1/", "/_sandbox/")


class RequestIdMiddleware:
    """Every answer carries `x-request-id`: the caller's own when it sent a sane one, else a new one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})[REQUEST_ID_KEY] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_id)


class AuthMiddleware:
    """Resolves the API key of /v1 and /_sandbox requests before routing; unknown or missing answers 401."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope["path"]).startswith(_PROTECTED):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            principal = principal_for(headers)
            if principal is None:
                error = unauthorized()
                await json_response(error.body(), error.status_code)(scope, receive, send)
                return
            scope.setdefault("state", {})[PRINCIPAL_KEY] = principal
        await self.app(scope, receive, send)


async def _sandbox_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, SandboxError):
        raise exc
    return json_response(exc.body(), exc.status_code)


async def _http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):
        raise exc
    return json_response({"statusCode": exc.status_code, "message": exc.detail}, exc.status_code)


async def _server_error(request: Request, exc: Exception) -> Response:
    # This runs outside RequestIdMiddleware (Starlette puts its error middleware outermost), so the id it
    # stored in the scope is attached here.
    _log.exception("unhandled error in the sandbox", exc_info=exc)
    state: dict[str, object] = request.scope.get("state", {})
    response = json_response({"statusCode": 500, "message": "Internal sandbox error"}, 500)
    request_id = state.get(REQUEST_ID_KEY)
    if isinstance(request_id, str):
        response.headers["x-request-id"] = request_id
    return response


async def _openapi(request: Request) -> Response:
    # Deferred: the spec is built only when someone asks for it.
    from ledgerbee_mcp.sandbox.openapi import build_openapi

    return json_response(build_openapi())


def create_app(db: str | os.PathLike[str] = ":memory:", *, seed: bool = True) -> Starlette:
    """The sandbox as an ASGI app over the SQLite database at `db` (":memory:" by default).

    The database is opened, created and seeded here rather than in a lifespan hook, so the app also works
    when driven in-process by `httpx.ASGITransport`, which runs no lifespan. An existing file keeps its data.
    """
    database = Database(db, seed_data=seed)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncGenerator[None]:
        yield
        database.close()

    app = Starlette(
        routes=[
            Route("/openapi.json", _openapi, methods=["GET"]),
            *document_routes(QUOTE),
            *document_routes(ORDER_CONFIRMATION),
            *document_routes(INVOICE),
            *catalog_routes(),
            *control_routes(),
        ],
        middleware=[Middleware(RequestIdMiddleware), Middleware(AuthMiddleware)],
        exception_handlers={
            SandboxError: _sandbox_error,
            HTTPException: _http_error,
            Exception: _server_error,
        },
        lifespan=lifespan,
    )
    app.state.database = database
    return app


def tenant_today(app: Starlette, tenant_id: str | None = None) -> dt.date:
    """The sandbox's "today" for a tenant (the demo tenant by default): the clock `PUT /_sandbox/clock` moves."""
    from ledgerbee_mcp.sandbox import store
    from ledgerbee_mcp.sandbox.seed import TENANT_ID

    database: Database = app.state.database
    return database.read(lambda conn: store.tenant_today(conn, tenant_id or TENANT_ID))
