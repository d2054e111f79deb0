"""What every route needs from the HTTP side: the caller, the database, JSON answers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ledgerbee_mcp.sandbox.auth import Principal
from ledgerbee_mcp.sandbox.db import Database
from ledgerbee_mcp.sandbox.errors import unauthorized
from ledgerbee_mcp.sandbox.json_codec import dumps

__all__ = ["PRINCIPAL_KEY", "REQUEST_ID_KEY", "caller", "database", "json_response"]

# Keys in the ASGI scope's "state" dict, written by the middleware in app.py.
PRINCIPAL_KEY = "ledgerbee_principal"
REQUEST_ID_KEY = "ledgerbee_request_id"


def caller(request: Request, scope: str | None = None) -> Principal:
    """The authenticated caller, checked for `scope` when given (401 comes before 403)."""
    state: dict[str, object] = request.scope.get("state", {})
    principal = state.get(PRINCIPAL_KEY)
    if not isinstance(principal, Principal):
        raise unauthorized()
    if scope is not None:
        principal.require(scope)
    return principal


def database(request: Request) -> Database:
    db: object = request.app.state.database
    if not isinstance(db, Database):
        raise TypeError("the sandbox app was built without a database")
    return db


def json_response(body: object, status_code: int = 200) -> Response:
    return Response(dumps(body), status_code=status_code, media_type="application/json")
