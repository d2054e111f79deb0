"""Warnings a person needs before a send, and refusals whose next step fits what they most likely want."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from mcp import Client
from mcp.server import MCPServer

from ledgerbee_mcp.config import ConfirmMode
from ledgerbee_mcp.sandbox import seed
from tests.results import ok

pytestmark = pytest.mark.anyio

MakeServer = Callable[..., MCPServer]


async def _quote(c: Client, **extra: Any) -> str:
    args = {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}]} | extra
    return ok(await c.call_tool("create_quote", args))["id"]


async def test_a_quote_without_a_validity_date_is_flagged_and_one_with_it_is_not(make_server: MakeServer) -> None:
    async with Client(make_server(confirm=ConfirmMode.TOKEN)) as c:
        open_ended = ok(await c.call_tool("send_quote", {"quote_id": await _quote(c), "delivery_type": "Manual"}))
        dated = await _quote(c, valid_until="2099-01-31")
        bounded = ok(await c.call_tool("send_quote", {"quote_id": dated, "delivery_type": "Manual"}))
    assert any("no valid-until date" in w for w in open_ended["preview"]["warnings"])
    assert not any("valid-until" in w for w in bounded["preview"]["warnings"])


async def test_zero_vat_for_a_domestic_customer_is_flagged(make_server: MakeServer) -> None:
    async with Client(make_server(confirm=ConfirmMode.TOKEN)) as c:
        export = await _quote(c, lines=[{"price_id": seed.PRICE_EXPORT_ID}], valid_until="2099-01-31")
        first = ok(await c.call_tool("send_quote", {"quote_id": export, "delivery_type": "Manual"}))
    assert any("0 % VAT" in w and "DK" in w for w in first["preview"]["warnings"])


async def test_sending_a_converted_quote_points_to_its_pdf_and_to_what_it_became(make_server: MakeServer) -> None:
    async with Client(make_server(confirm=ConfirmMode.TOKEN)) as c:
        qid = await _quote(c, valid_until="2099-01-31")
        args = {"quote_id": qid, "delivery_type": "Manual"}
        token = ok(await c.call_tool("send_quote", args))["confirmation_token"]
        ok(await c.call_tool("send_quote", args | {"confirmation_token": token}))
        convert = {"quote_id": qid, "target": "orderConfirmation"}
        token = ok(await c.call_tool("convert_quote", convert))["confirmation_token"]
        produced = ok(await c.call_tool("convert_quote", convert | {"confirmation_token": token}))
        refused = await c.call_tool("send_quote", args)
    text = " ".join(getattr(b, "text", "") for b in refused.content)
    assert refused.is_error
    assert "get_document_pdf" in text
    assert "send_order_confirmation" in text
    assert produced["produced_document_id"] in text
