"""The client reads what LedgerBee may send, and sends exactly what it is given.

An unknown enum value or an extra field must not make a document unreadable; money is never rounded on the way
out; a convert override can clear a copied field.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgerbee_mcp.api import (
    ConvertDocument,
    LedgerBeeClient,
    LineInput,
    LineType,
    QuoteConvertTarget,
    QuoteCreate,
    QuoteStatus,
)
from tests.api._fakes import API_KEY, BASE_URL, QUOTE_ID, ok, quote_json

pytestmark = pytest.mark.anyio


def _client(handler: Any) -> LedgerBeeClient:
    return LedgerBeeClient(base_url=BASE_URL, api_key=API_KEY, transport=httpx.MockTransport(handler))


async def test_unknown_status_display_status_line_type_and_extra_fields_stay_readable(
    caplog: pytest.LogCaptureFixture,
) -> None:
    line = quote_json()["lines"][0] | {"lineType": "discount", "discountCode": "SPRING"}
    body = quote_json(status="on_hold", displayStatus="awaiting_signature", lines=[line], portalUrl="https://x")

    async with _client(lambda request: ok(body)) as client:
        with caplog.at_level(logging.WARNING, logger="ledgerbee_mcp.api"):
            quote = await client.quotes.get(QUOTE_ID)

    assert quote.status == "on_hold"
    assert not isinstance(quote.status, QuoteStatus)
    assert quote.display_status == "awaiting_signature"
    assert quote.lines[0].line_type == "discount"
    assert quote.model_extra == {"portalUrl": "https://x"}
    warned = " ".join(r.getMessage() for r in caplog.records)
    for value in ("on_hold", "awaiting_signature", "discount"):
        assert value in warned


async def test_known_values_are_still_enum_members(caplog: pytest.LogCaptureFixture) -> None:
    async with _client(lambda request: ok(quote_json(status="sent", displayStatus="sent"))) as client:
        with caplog.at_level(logging.WARNING, logger="ledgerbee_mcp.api"):
            quote = await client.quotes.get(QUOTE_ID)
    assert quote.status is QuoteStatus.SENT
    assert quote.lines[0].line_type is LineType.PRODUCT
    assert not caplog.records


async def test_a_document_without_the_undocumented_fields_reads() -> None:
    # The published answers carry no customerContactId, customerDepartmentId nor a line's priceId.
    body = quote_json()
    body["lines"] = [{k: v for k, v in body["lines"][0].items() if k != "priceId"}]
    async with _client(lambda request: ok(body)) as client:
        quote = await client.quotes.get(QUOTE_ID)
    assert quote.lines[0].description == "Workshop"


async def test_money_goes_out_exactly_as_given() -> None:
    sent: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return ok(quote_json(), 201)

    body = QuoteCreate.model_validate(
        {
            "customer_id": "0197a943-2325-7829-b835-b6c71a293065",
            "date": "2026-01-15",
            "lines": [
                LineInput(description="Three decimals", unit_price=Decimal("10.005"), quantity=Decimal(1)),
                LineInput(description="Plain", unit_price=Decimal("1E+3")),
            ],
        }
    )
    async with _client(answer) as client:
        await client.quotes.create(body)
    lines = sent[0]["lines"]
    assert lines[0]["unitPrice"] == "10.005"
    assert lines[1]["unitPrice"] == "1000"


async def test_a_convert_override_clears_with_an_explicit_null_and_leaves_the_rest_out() -> None:
    sent: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return ok({"targetType": "invoice", "targetId": QUOTE_ID})

    override = ConvertDocument(notes=None, reference="PO-7", lines=[LineInput(price_id=QUOTE_ID, quantity=Decimal(2))])
    async with _client(answer) as client:
        await client.quotes.convert(QUOTE_ID, target=QuoteConvertTarget.INVOICE, document=override)
        await client.quotes.convert(QUOTE_ID, target=QuoteConvertTarget.INVOICE)

    assert sent[0] == {
        "target": "invoice",
        "document": {"notes": None, "reference": "PO-7", "lines": [{"priceId": QUOTE_ID, "quantity": 2}]},
    }
    assert sent[1] == {"target": "invoice"}
