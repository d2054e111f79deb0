"""The API key and the confirmation secret never reach the agent, the person, a log line or the audit log.

Every adversarial test is already checked for that by the guard in conftest.py (the sandbox key and the
confirmation secret). Here the server is configured as in production, with a distinctive key, behind a gateway
that misbehaves in the worst way for a secret: it echoes the key back in error pages and garbled answers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.server import MCPServer

from ledgerbee_mcp.config import ConfirmMode
from ledgerbee_mcp.sandbox import seed
from tests.results import ok, text_of

from . import _support
from ._support import LIVE_KEY, SECRETS, Fault, FaultTransport, Person, call, draft, rule, sent

pytestmark = pytest.mark.anyio

MakeServer = Callable[..., MCPServer]


class EchoingGateway(httpx.AsyncBaseTransport):
    """In front of the fault transport: answers `echo` paths with bodies that quote the caller's key."""

    def __init__(self, inner: FaultTransport) -> None:
        self.inner = inner
        self.echo: dict[tuple[str, str], str] = {}
        self.keys_seen: set[str] = set()
        self.echoed = 0
        """How many answers quoted the key: each echo case must really reach the gateway."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = request.headers.get("x-api-key", "")
        self.keys_seen.add(key)
        style = next(
            (
                s
                for (method, suffix), s in self.echo.items()
                if request.method == method and request.url.path.endswith(suffix)
            ),
            None,
        )
        if style is None:
            return await self.inner.handle_async_request(request)
        self.echoed += 1
        if style == "after":
            await self.inner.handle_async_request(request)  # it happened; the answer below is all that comes back
        headers = {"x-request-id": "req-echo"}
        match style:
            case "json":
                body = {"statusCode": 400, "code": "VALIDATION_ERROR", "message": f"bad key {key}"}
                return httpx.Response(400, json=body, headers=headers)
            case "fields":
                body = {"statusCode": 400, "code": "VALIDATION_ERROR", "message": "invalid request"}
                body["errors"] = [{"field": "x-api-key", "message": f"{key} is not a known key"}]
                return httpx.Response(400, json=body, headers=headers)
            case "html":
                page = f"<html><h1>502</h1><pre>upstream x-api-key: {key}</pre></html>".encode()
                return httpx.Response(502, content=page, headers=headers | {"content-type": "text/html"})
            case _:
                garbled = f'{{"id": "{key}", "status": "se'.encode()
                return httpx.Response(200, content=garbled, headers=headers | {"content-type": "application/json"})


@pytest.fixture
def gateway(faults: FaultTransport) -> EchoingGateway:
    return EchoingGateway(faults)


async def test_a_production_key_never_leaks_through_faults_echoes_or_errors(
    make_live_server: MakeServer,
    sandbox: httpx.AsyncClient,
    faults: FaultTransport,
    gateway: EchoingGateway,
    audit_path: Path,
) -> None:
    def production(**overrides: Any) -> MCPServer:
        return make_live_server(transport=gateway, **overrides)

    quote = await draft(sandbox)
    to_send = await draft(sandbox)
    to_convert = await sent(sandbox)
    async with Client(production(confirm=ConfirmMode.TOKEN)) as c:
        ok(await call(c, "list_customers", {"search": "fjord", "include_contacts": True}))
        ok(await call(c, "get_quote", {"quote_id": quote}))

        # the gateway quotes the key in a JSON error, an HTML page and a cut-off body
        for method, suffix, style, tool, args in [
            ("GET", f"/quotes/{quote}", "json", "get_quote", {"quote_id": quote}),
            ("GET", f"/quotes/{quote}", "html", "get_quote", {"quote_id": quote}),
            ("GET", f"/quotes/{quote}", "garbled", "get_quote", {"quote_id": quote}),
            (
                "PATCH",
                f"/quotes/{quote}",
                "json",
                "update_quote",
                {
                    "quote_id": quote,
                    "notes": "x",
                    # a draft this server did not write: the update states all it must, so the PATCH goes out
                    "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}],
                    "clear": ["customer_contact_id", "customer_department_id"],
                },
            ),
            (
                "POST",
                "/quotes",
                "html",
                "create_quote",
                {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}]},
            ),
            ("GET", "/pdf", "garbled", "get_document_pdf", {"document_type": "quote", "document_id": quote}),
        ]:
            gateway.echo = {(method, suffix): style}
            echoed = gateway.echoed
            result = await call(c, tool, args)
            assert result.is_error, (style, tool, text_of(result))
            assert gateway.echoed > echoed, (style, tool, "refused before the request, nothing to leak from")
        gateway.echo = {}

        # a send whose answer comes back garbled with the key in it, reconciled by a re-read
        args = {"quote_id": to_send, "delivery_type": "Email", "recipient_email": seed.CONTACT_METTE_EMAIL}
        token = ok(await call(c, "send_quote", args))["confirmation_token"]
        gateway.echo = {("POST", "/send"): "after"}
        assert ok(await call(c, "send_quote", args | {"confirmation_token": token}))["outcome"] == "done"
        gateway.echo = {}

        # a convert whose answer is lost, then refused tokens of every kind
        args = {"quote_id": to_convert, "target": "invoice"}
        token = ok(await call(c, "convert_quote", args))["confirmation_token"]
        for bad in (token[:-3] + "AAA", "x" * 999, token.split(".")[0]):
            assert (await call(c, "convert_quote", args | {"confirmation_token": bad})).is_error
        faults.arm(rule("POST", "/v1/quotes/{id}/convert", Fault("html", 502, after=True)))
        assert ok(await call(c, "convert_quote", args | {"confirmation_token": token}))["outcome"] == "done"
        faults.disarm()

    # the gateway stops mapping the key: LedgerBee answers 401, which the agent reads without the key
    faults.keys.clear()
    async with Client(production(), elicitation_callback=Person()) as c:
        result = await call(c, "get_quote", {"quote_id": quote})
        assert "401" in text_of(result)

    # The distinctive key really was what went over the wire, and there was plenty to leak into.
    assert gateway.keys_seen == {LIVE_KEY}
    assert len(_support.SEEN) > 30
    records = [json.loads(line) for line in audit_path.read_text(encoding="utf-8").splitlines()]  # noqa: ASYNC240
    assert {r["outcome"] for r in records} >= {"confirmation_required", "refused", "done"}
    leaks = [secret for secret in SECRETS for text in _support.SEEN if secret in text]
    assert leaks == []  # also checked, with the logs and the audit log, by the guard after the test


async def test_a_key_echoed_in_a_validation_error_field_is_redacted(
    make_live_server: MakeServer, sandbox: httpx.AsyncClient, gateway: EchoingGateway, caplog: pytest.LogCaptureFixture
) -> None:
    quote = await draft(sandbox)
    gateway.echo = {("GET", f"/quotes/{quote}"): "fields"}
    try:
        async with Client(make_live_server(transport=gateway)) as c:
            text = text_of(await call(c, "get_quote", {"quote_id": quote}))
        assert "x-api-key" in text  # the field is named
        assert LIVE_KEY not in text
        assert [r for r in caplog.records if LIVE_KEY in r.getMessage()] == []
    finally:
        # reported here, as this test's own (expected) failure, rather than again by the guard at teardown
        _support.SEEN.clear()
        caplog.clear()


async def test_server_objects_do_not_show_the_key(make_live_server: MakeServer) -> None:
    """Whatever a crash report or a debugger prints of the server, its settings or its tools, shows no key."""
    server = make_live_server()
    async with Client(server) as c:
        tools = (await c.list_tools()).tools
    shown = [repr(server), repr(vars(server)), *(t.model_dump_json() for t in tools)]
    assert [s for s in shown for secret in SECRETS if secret in s] == []
