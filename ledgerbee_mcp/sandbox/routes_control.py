"""The sandbox's own controls, outside /v1: reset, the customer's answer to a quote, the clock, what the
sandbox "sent" (outbox) and "published" (webhook events), and the stored record behind a document answer.

They act on the caller's tenant only and need a valid key but no scope.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Literal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ledgerbee_mcp.sandbox import rules, store
from ledgerbee_mcp.sandbox.db import wipe_and_seed
from ledgerbee_mcp.sandbox.errors import FieldError, not_found, validation_error
from ledgerbee_mcp.sandbox.kinds import KINDS, QUOTE
from ledgerbee_mcp.sandbox.shapes import Json, document_json, event_json, outbox_json, record_json
from ledgerbee_mcp.sandbox.validation import iso_date, json_body, path_id
from ledgerbee_mcp.sandbox.web import caller, database, json_response

__all__ = ["control_routes"]


def _clock_json(conn: sqlite3.Connection, tenant_id: str) -> Json:
    row = conn.execute("SELECT today_override FROM tenants WHERE id = ?", (tenant_id,)).fetchone()
    overridden = row is not None and row[0] is not None
    return {"today": store.tenant_today(conn, tenant_id).isoformat(), "overridden": overridden}


async def reset(request: Request) -> Response:
    principal = caller(request)

    def work(conn: sqlite3.Connection) -> Json:
        wipe_and_seed(conn, principal.tenant_id)
        return {"tenantId": principal.tenant_id, **_clock_json(conn, principal.tenant_id)}

    return json_response(await database(request).awrite(work))


def _decision(decision: Literal["accepted", "rejected"]) -> Callable[[Request], Awaitable[Response]]:
    async def decide(request: Request) -> Response:
        principal = caller(request)
        doc_id = path_id(request.path_params["id"])

        def work(conn: sqlite3.Connection) -> Json:
            doc = rules.require_document(conn, principal.tenant_id, QUOTE, doc_id)
            decided = rules.decide_quote(conn, doc, decision)
            return document_json(decided, store.get_lines(conn, doc_id))

        return json_response(await database(request).awrite(work))

    return decide


async def get_clock(request: Request) -> Response:
    principal = caller(request)
    return json_response(
        await database(request).aread(lambda conn: _clock_json(conn, principal.tenant_id))
    )


async def set_clock(request: Request) -> Response:
    principal = caller(request)
    body = json_body(await request.body())
    errors = [FieldError(name, "unknown field") for name in body if name != "today"]
    today: dt.date | None = None
    if "today" not in body:
        errors.append(FieldError("today", 'is required: a date "YYYY-MM-DD", or null for the real date'))
    else:
        raw = body["today"]
        if raw is not None:
            parsed = iso_date(raw)
            if parsed is None:
                errors.append(FieldError("today", 'must be a date "YYYY-MM-DD" or null'))
            else:
                today = dt.date.fromisoformat(parsed)
    if errors:
        raise validation_error(errors)

    def work(conn: sqlite3.Connection) -> Json:
        store.set_today(conn, principal.tenant_id, today)
        return _clock_json(conn, principal.tenant_id)

    return json_response(await database(request).awrite(work))


async def outbox(request: Request) -> Response:
    principal = caller(request)
    mails = await database(request).aread(lambda conn: store.list_outbox(conn, principal.tenant_id))
    return json_response({"data": [outbox_json(m) for m in mails]})


async def events(request: Request) -> Response:
    principal = caller(request)
    found = await database(request).aread(lambda conn: store.list_events(conn, principal.tenant_id))
    return json_response({"data": [event_json(e) for e in found]})


_KIND_BY_PATH = {kind.path: kind for kind in KINDS.values()}


async def stored_document(request: Request) -> Response:
    """What the sandbox stores for a document, beyond what its published answer shows (contact, department,
    each line's price), so tests can check what a request wrote."""
    principal = caller(request)
    kind = _KIND_BY_PATH.get(request.path_params["kind"])
    if kind is None:
        raise not_found("Document kind", request.path_params["kind"])
    doc_id = path_id(request.path_params["id"])

    def work(conn: sqlite3.Connection) -> Json:
        doc = rules.require_document(conn, principal.tenant_id, kind, doc_id)
        return record_json(doc, store.get_lines(conn, doc.id))

    return json_response(await database(request).aread(work))


def control_routes() -> list[Route]:
    return [
        Route("/_sandbox/reset", reset, methods=["POST"]),
        Route("/_sandbox/quotes/{id}/accept", _decision("accepted"), methods=["POST"]),
        Route("/_sandbox/quotes/{id}/reject", _decision("rejected"), methods=["POST"]),
        Route("/_sandbox/clock", get_clock, methods=["GET"]),
        Route("/_sandbox/clock", set_clock, methods=["PUT"]),
        Route("/_sandbox/outbox", outbox, methods=["GET"]),
        Route("/_sandbox/events", events, methods=["GET"]),
        Route("/_sandbox/documents/{kind}/{id}", stored_document, methods=["GET"]),
    ]
