"""Convert with adjustments: the documented `document` override, previewed as the document it will produce."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.server import MCPServer

from ledgerbee_mcp.config import ConfirmMode
from ledgerbee_mcp.sandbox import seed
from tests.results import ok

pytestmark = pytest.mark.anyio

MakeServer = Callable[..., MCPServer]


async def sent_quote(c: Client, days: int = 3, **extra: Any) -> dict[str, Any]:
    quote = ok(
        await c.call_tool(
            "create_quote",
            {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID, "quantity": days}]}
            | extra,
        )
    )
    first = ok(await c.call_tool("send_quote", {"quote_id": quote["id"], "delivery_type": "Manual"}))
    ok(
        await c.call_tool(
            "send_quote",
            {"quote_id": quote["id"], "delivery_type": "Manual", "confirmation_token": first["confirmation_token"]},
        )
    )
    return quote


async def test_two_of_three_days_previews_the_changed_amount_and_produces_it(
    make_server: MakeServer, sandbox: httpx.AsyncClient
) -> None:
    async with Client(make_server(confirm=ConfirmMode.TOKEN)) as c:
        quote = await sent_quote(c)
        assert quote["amount"] == "46875.00"
        args = {
            "quote_id": quote["id"],
            "target": "orderConfirmation",
            "lines": [{"price_id": seed.PRICE_WORKSHOP_ID, "quantity": 2}],
        }
        first = ok(await c.call_tool("convert_quote", args))
        assert first["outcome"] == "confirmation_required"
        # The person approves the order confirmation as it will be: two days, 2 x 12,500.00 + 25 % VAT.
        assert first["preview"]["amount"] == "31250.00"
        assert any("31,250.00 DKK" in w and "46,875.00 DKK" in w for w in first["preview"]["warnings"])

        # The token binds the adjustment: another quantity with the same token is refused.
        other = args | {"lines": [{"price_id": seed.PRICE_WORKSHOP_ID, "quantity": 3}]}
        refused = await c.call_tool("convert_quote", other | {"confirmation_token": first["confirmation_token"]})
        assert refused.is_error

        done = ok(await c.call_tool("convert_quote", args | {"confirmation_token": first["confirmation_token"]}))
        assert done["outcome"] == "done"
        assert not done.get("differences")
    produced = (await sandbox.get(f"/v1/order-confirmations/{done['produced_document_id']}")).json()
    assert produced["amount"] == "31250.00"
    assert [line["quantity"] for line in produced["lines"]] == [2]
    stored = (await sandbox.get(f"/_sandbox/documents/order-confirmations/{done['produced_document_id']}")).json()
    assert stored["lines"][0]["priceId"] == seed.PRICE_WORKSHOP_ID


async def test_clear_sends_an_explicit_null_and_other_fields_are_copied(
    make_server: MakeServer, sandbox: httpx.AsyncClient
) -> None:
    async with Client(make_server(confirm=ConfirmMode.TOKEN)) as c:
        quote = await sent_quote(c, notes="Quote notes", reference="PO-1")
        # a field named twice is cleared once, as for an update
        args = {"quote_id": quote["id"], "target": "invoice", "clear": ["notes", "notes"]}
        first = ok(await c.call_tool("convert_quote", args))
        assert first["preview"]["amount"] == quote["amount"]
        done = ok(await c.call_tool("convert_quote", args | {"confirmation_token": first["confirmation_token"]}))
    invoice = (await sandbox.get(f"/v1/invoices/{done['produced_document_id']}")).json()
    assert invoice["notes"] is None
    assert invoice["reference"] == "PO-1"
    assert invoice["amount"] == quote["amount"]


async def test_a_field_both_given_and_cleared_is_refused(make_server: MakeServer) -> None:
    async with Client(make_server(confirm=ConfirmMode.TOKEN)) as c:
        quote = await sent_quote(c)
        result = await c.call_tool(
            "convert_quote", {"quote_id": quote["id"], "target": "invoice", "notes": "x", "clear": ["notes"]}
        )
    assert result.is_error
    assert "notes" in " ".join(getattr(b, "text", "") for b in result.content)
