"""Found in review: an id spelt in upper case must be the same document (one lock, one result), and a convert's
adjusted fields must be in the question the person answers, with their values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp_types import ElicitResult
from starlette.applications import Starlette

from ledgerbee_mcp.config import ConfirmMode, Settings
from ledgerbee_mcp.sandbox import FULL_KEY, seed
from ledgerbee_mcp.server import build_server
from tests.results import ok
from tests.transports import SendGate, while_a_send_is_held

pytestmark = pytest.mark.anyio


async def _approve(context: Any, params: Any) -> ElicitResult:
    return ElicitResult(action="accept", content={"confirm": True})


async def test_an_update_with_the_id_in_upper_case_waits_for_the_send(sandbox_app: Starlette, audit_path: Path) -> None:
    gate = SendGate(httpx.ASGITransport(app=sandbox_app))
    async with Client(
        build_server(Settings(sandbox=True, audit_log=audit_path), transport=gate), elicitation_callback=_approve
    ) as c:
        qid = ok(
            await c.call_tool(
                "create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}]}
            )
        )["id"]
        changed = {"quote_id": qid.upper(), "lines": [{"price_id": seed.PRICE_WORKSHOP_ID, "quantity": 10}]}
        update = changed | {"clear": ["customer_contact_id", "customer_department_id"]}
        send, _, meanwhile = await while_a_send_is_held(c, gate, qid, "update_quote", update)
    assert meanwhile == [], "the upper-case id took another lock"
    sent = ok(send)
    assert not sent.get("differences")


async def test_a_batch_with_ids_in_upper_case_reports_every_result(
    make_server: Any, sandbox: httpx.AsyncClient
) -> None:
    async with Client(make_server(confirm=ConfirmMode.TOKEN)) as c:
        ids = [
            ok(
                await c.call_tool(
                    "create_quote",
                    {"customer_id": seed.CUSTOMER_BOLGE_ID, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}]},
                )
            )["id"].upper()
            for _ in range(2)
        ]
        args = {"document_type": "quote", "document_ids": ids, "delivery_type": "Manual"}
        first = ok(await c.call_tool("send_documents", args))
        done = ok(await c.call_tool("send_documents", args | {"confirmation_token": first["confirmation_token"]}))
    assert [r["outcome"] for r in done["results"]] == ["done", "done"]
    assert done["outcome"] == "done"


async def test_a_convert_shows_the_values_it_adjusts_and_checks_them_after(
    sandbox_app: Starlette, audit_path: Path
) -> None:
    shown: list[str] = []

    async def person(context: Any, params: Any) -> ElicitResult:
        shown.append(params.message)
        return ElicitResult(action="accept", content={"confirm": True})

    server = build_server(Settings(sandbox=True, audit_log=audit_path), transport=httpx.ASGITransport(app=sandbox_app))
    async with Client(server, elicitation_callback=person) as c:
        qid = ok(
            await c.call_tool(
                "create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}]}
            )
        )["id"]
        ok(await c.call_tool("send_quote", {"quote_id": qid, "delivery_type": "Manual"}))
        done = ok(
            await c.call_tool(
                "convert_quote",
                {
                    "quote_id": qid,
                    "target": "invoice",
                    "notes": "PAY TO IBAN XX00 EVIL",
                    "date": "2031-01-01",
                    "customer_contact_id": seed.CONTACT_METTE_ID,
                },
            )
        )
    question = shown[-1]
    decision = question.split("─")[0]
    assert "New notes: “PAY TO IBAN XX00 EVIL”" in decision
    assert "New date: “2031-01-01”" in decision
    assert "Mette Larsen" in decision
    assert done["outcome"] == "done"
    assert not done.get("differences")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sandbox_app), base_url="http://sandbox", headers={"x-api-key": FULL_KEY}
    ) as sandbox:
        invoice = (await sandbox.get(f"/v1/invoices/{done['produced_document_id']}")).json()
    assert (invoice["notes"], invoice["date"]) == ("PAY TO IBAN XX00 EVIL", "2031-01-01")
