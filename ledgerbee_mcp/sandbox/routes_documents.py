"""HTTP routes of quotes, order confirmations and invoices, written once per document kind.

Which routes a kind has follows from `kinds.DocumentKind`: every kind is listed, read, rendered and sent;
create and update where `editable`, convert where it has `convert_targets`, the delivery status where
`has_delivery_status`.

Each handler checks the caller (401, then 403), the path id's format (400), then runs its database work in
one transaction in a worker thread, where existence (404), the document's state (a converted document is
read-only, a draft does not convert: 400) and the body (400 VALIDATION_ERROR) are checked in that order.
"""

from __future__ import annotations

import functools
import sqlite3
from typing import cast

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ledgerbee_mcp.sandbox import rules, store
from ledgerbee_mcp.sandbox.errors import FieldError, SandboxError, validation_error
from ledgerbee_mcp.sandbox.kinds import DocumentKind
from ledgerbee_mcp.sandbox.rendering import PdfSource, pdf_source, render
from ledgerbee_mcp.sandbox.shapes import (
    Json,
    convert_result_json,
    delivery_status_json,
    document_json,
    document_page_json,
)
from ledgerbee_mcp.sandbox.validation import json_body, list_query, path_id
from ledgerbee_mcp.sandbox.web import caller, database, json_response

__all__ = ["document_routes", "read_routes", "send_routes"]

# A send retries when the document changed between allocating its number and marking it sent (its PDF
# would be stale); more than a few rounds means something keeps rewriting it, and the caller should know.
_SEND_ATTEMPTS = 5


def _full(conn: sqlite3.Connection, doc: store.DocumentRecord) -> Json:
    return document_json(doc, store.get_lines(conn, doc.id))


def _draft_flag(request: Request) -> bool:
    raw = request.query_params.get("draft")
    if raw is None or raw.lower() == "false":
        return False
    if raw.lower() == "true":
        return True
    raise validation_error([FieldError("draft", "must be true or false")])


def read_routes(kind: DocumentKind) -> list[Route]:
    """List, get and PDF of one document kind."""
    base = f"/v1/{kind.path}"

    async def list_documents(request: Request) -> Response:
        principal = caller(request, kind.read_scope)
        query = list_query(kind, request.query_params)

        def work(conn: sqlite3.Connection) -> Json:
            today = store.tenant_today(conn, principal.tenant_id)
            docs, total = store.list_documents(conn, principal.tenant_id, kind.name, query, today)
            return document_page_json(kind, docs, total, query.page, query.limit)

        return json_response(await database(request).aread(work))

    async def get_document(request: Request) -> Response:
        principal = caller(request, kind.read_scope)
        doc_id = path_id(request.path_params["id"])

        def work(conn: sqlite3.Connection) -> Json:
            return _full(conn, rules.require_document(conn, principal.tenant_id, kind, doc_id))

        return json_response(await database(request).aread(work))

    async def document_pdf(request: Request) -> Response:
        principal = caller(request, kind.read_scope)
        doc_id = path_id(request.path_params["id"])

        def work(conn: sqlite3.Connection) -> tuple[PdfSource, bool]:
            doc = rules.require_document(conn, principal.tenant_id, kind, doc_id)
            return pdf_source(conn, doc, store.get_lines(conn, doc.id)), _draft_flag(request)

        source, draft = await database(request).aread(work)
        # Drawn outside the database lock: rendering is the slow part and needs no state.
        content = await anyio.to_thread.run_sync(functools.partial(render, source, draft=draft))
        name = f"{kind.name}-{source.doc.document_number or 'draft'}.pdf"
        return Response(
            content, media_type="application/pdf", headers={"content-disposition": f'inline; filename="{name}"'}
        )

    return [
        Route(base, list_documents, methods=["GET"]),
        Route(f"{base}/{{id}}", get_document, methods=["GET"]),
        Route(f"{base}/{{id}}/pdf", document_pdf, methods=["GET"]),
    ]


def send_routes(kind: DocumentKind) -> list[Route]:
    """`POST /{id}/send` (every kind) and, where the kind has one, `GET /{id}/delivery-status`."""
    base = f"/v1/{kind.path}"

    async def send_document(request: Request) -> Response:
        principal = caller(request, kind.write_scope)
        doc_id = path_id(request.path_params["id"])
        raw = await request.body()
        db = database(request)

        def prepare(conn: sqlite3.Connection) -> rules.SendPlan | Json:
            doc = rules.require_document(conn, principal.tenant_id, kind, doc_id)
            plan = rules.prepare_send(conn, kind, doc, json_body(raw, optional=True))
            if plan.pdf is None:
                # Nothing to draw (Manual): the whole send is this one transaction.
                return _full(conn, cast("store.DocumentRecord", rules.finish_send(conn, kind, plan, 0)))
            return plan

        for _ in range(_SEND_ATTEMPTS):
            plan = await db.awrite(prepare)
            if not isinstance(plan, rules.SendPlan):
                return json_response(plan)
            if plan.pdf is None:
                raise TypeError("an e-mail send plan always carries its PDF source")
            pdf = await anyio.to_thread.run_sync(functools.partial(render, plan.pdf, draft=False))

            def finish(conn: sqlite3.Connection, plan: rules.SendPlan = plan, size: int = len(pdf)) -> Json | None:
                sent = rules.finish_send(conn, kind, plan, size)
                return None if sent is None else _full(conn, sent)

            answer = await db.awrite(finish)
            if answer is not None:
                return json_response(answer)
        raise SandboxError(
            409,
            f"{kind.label} {doc_id} kept changing while it was being sent; retry the send",
            code="SANDBOX_CONCURRENT_MODIFICATION",
        )

    async def delivery_status(request: Request) -> Response:
        principal = caller(request, kind.read_scope)
        doc_id = path_id(request.path_params["id"])

        def work(conn: sqlite3.Connection) -> Json:
            doc = rules.require_document(conn, principal.tenant_id, kind, doc_id)
            return delivery_status_json(kind, doc.id, rules.last_delivery(conn, kind, doc))

        return json_response(await database(request).aread(work))

    routes = [Route(f"{base}/{{id}}/send", send_document, methods=["POST"])]
    if kind.has_delivery_status:
        routes.append(Route(f"{base}/{{id}}/delivery-status", delivery_status, methods=["GET"]))
    return routes


def document_routes(kind: DocumentKind) -> list[Route]:
    """Every /v1 route of a kind: the reads and the send, plus what its kind has (create/update, convert)."""
    base = f"/v1/{kind.path}"

    async def create_document(request: Request) -> Response:
        principal = caller(request, kind.write_scope)
        raw = await request.body()

        def work(conn: sqlite3.Connection) -> Json:
            return _full(conn, rules.create_document(conn, principal.tenant_id, kind, json_body(raw)))

        return json_response(await database(request).awrite(work), status_code=201)

    async def update_document(request: Request) -> Response:
        principal = caller(request, kind.write_scope)
        doc_id = path_id(request.path_params["id"])
        raw = await request.body()

        def work(conn: sqlite3.Connection) -> Json:
            doc = rules.require_document(conn, principal.tenant_id, kind, doc_id)
            return _full(conn, rules.update_document(conn, kind, doc, json_body(raw)))

        return json_response(await database(request).awrite(work))

    async def convert_document(request: Request) -> Response:
        principal = caller(request, kind.write_scope)
        doc_id = path_id(request.path_params["id"])
        raw = await request.body()

        def work(conn: sqlite3.Connection) -> Json:
            doc = rules.require_document(conn, principal.tenant_id, kind, doc_id)
            target = rules.convert_document(conn, kind, doc, json_body(raw, optional=True))
            return convert_result_json(kind, target)

        return json_response(await database(request).awrite(work))

    routes = [*read_routes(kind), *send_routes(kind)]
    if kind.editable:
        routes += [
            Route(base, create_document, methods=["POST"]),
            Route(f"{base}/{{id}}", update_document, methods=["PATCH"]),
        ]
    if kind.convert_targets:
        routes.append(Route(f"{base}/{{id}}/convert", convert_document, methods=["POST"]))
    return routes
