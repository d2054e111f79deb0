"""Concurrent requests: numbers stay unique and gap-free, and a document converts exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from ._support import create, created_and_sent

pytestmark = pytest.mark.anyio


async def test_50_concurrent_sends_allocate_50_gap_free_numbers(client: httpx.AsyncClient) -> None:
    drafts = [await create(client) for _ in range(50)]
    # Half by e-mail, so PDFs are drawn (outside the lock) while other sends hold it.
    responses = await asyncio.gather(
        *(
            client.post(f"/v1/quotes/{d['id']}/send", json={"deliveryType": "Email" if i % 2 else "Manual"})
            for i, d in enumerate(drafts)
        )
    )
    assert [r.status_code for r in responses] == [200] * 50
    numbers = sorted(int(r.json()["documentNumber"]) for r in responses)
    assert numbers == list(range(1001, 1051))
    outbox = (await client.get("/_sandbox/outbox")).json()["data"]
    assert len(outbox) == 25
    assert all(mail["pdfBytes"] > 0 for mail in outbox)
    events = (await client.get("/_sandbox/events")).json()["data"]
    assert len(events) == 50


async def test_concurrent_resends_of_one_document_keep_one_number(client: httpx.AsyncClient) -> None:
    draft = await create(client)
    responses = await asyncio.gather(*(client.post(f"/v1/quotes/{draft['id']}/send", json={}) for _ in range(10)))
    assert {r.json()["documentNumber"] for r in responses} == {"1001"}
    assert (await created_and_sent(client))["documentNumber"] == "1002"


async def test_20_concurrent_converts_of_one_quote_succeed_once(client: httpx.AsyncClient) -> None:
    quote = await created_and_sent(client)
    responses = await asyncio.gather(
        *(client.post(f"/v1/quotes/{quote['id']}/convert", json={"target": "orderConfirmation"}) for _ in range(20))
    )
    outcomes = Counter(r.status_code for r in responses)
    assert outcomes == {200: 1, 400: 19}
    assert {r.json()["code"] for r in responses if r.status_code == 400} == {
        "SALES_DOCUMENT_ALREADY_CONVERTED_TO_DOCUMENT"
    }
    [winner] = [r.json()["targetId"] for r in responses if r.status_code == 200]
    ocs = (await client.get("/v1/order-confirmations")).json()
    assert [oc["id"] for oc in ocs["data"]] == [winner]
    source = (await client.get(f"/v1/quotes/{quote['id']}")).json()
    assert source["convertedToDocumentId"] == winner
