"""Every answer carries exactly the keys LedgerBee's published pages show for its endpoint, no more, no fewer.

The expected keys come from `published_examples.json` (the pages' "Example Responses", copied verbatim), not
from the sandbox's own models, so the two check each other.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerbee_mcp.sandbox import seed

from ._support import convert, create, path_of, quote_body

pytestmark = pytest.mark.anyio

_EXAMPLES: dict[str, Any] = json.loads((Path(__file__).parent / "published_examples.json").read_text())
_SECTION = {"quote": "quotes", "orderConfirmation": "orderConfirmations"}


def _example(section: str, operation: str) -> Any:
    return _EXAMPLES[section][operation]["example"]


def assert_same_keys(actual: Any, example: Any, where: str) -> None:
    """`actual` has the example's keys at every level; each item of a list is held to the example's first."""
    assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
    answer: dict[str, Any] = actual
    extra, missing = set(answer) - set(example), set(example) - set(answer)
    assert not extra, f"{where}: keys the published example does not have: {sorted(extra)}"
    assert not missing, f"{where}: published keys missing: {sorted(missing)}"
    for key, value in example.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            items = answer[key]
            assert isinstance(items, list)
            assert items, f"{where}.{key}: the test needs at least one item to compare"
            for index, item in enumerate(items):
                assert_same_keys(item, value[0], f"{where}.{key}[{index}]")


def _check(response: httpx.Response, section: str, operation: str) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    assert_same_keys(body, _example(section, operation), operation)
    return body


_LINES = [
    {"priceId": seed.PRICE_WORKSHOP_ID, "quantity": 2},
    {"description": "Delivered on site", "lineType": "text"},
    {"description": "Travel", "unitPrice": "400.00"},
]


@pytest.mark.parametrize("kind", ["quote", "orderConfirmation"])
async def test_every_document_endpoint_answers_the_published_keys(client: httpx.AsyncClient, kind: str) -> None:
    section, base = _SECTION[kind], path_of(kind)
    body = quote_body(customerContactId=seed.CONTACT_METTE_ID, reference="PO-1", lines=_LINES)
    if kind == "orderConfirmation":
        body.pop("validUntil")
    doc = _check(await client.post(base, json=body), section, f"POST {base}")
    doc_id = doc["id"]
    _check(await client.get(f"{base}/{doc_id}"), section, f"GET {base}/{{id}}")
    _check(await client.patch(f"{base}/{doc_id}", json={**body, "notes": "Revised"}), section, f"PATCH {base}/{{id}}")
    _check(await client.post(f"{base}/{doc_id}/send", json={}), section, f"POST {base}/{{id}}/send")
    emailed = await client.post(f"{base}/{doc_id}/send", json={"deliveryType": "Email", "recipientEmail": "x@y.dk"})
    _check(emailed, section, f"POST {base}/{{id}}/send")
    _check(await client.get(base), section, f"GET {base}")
    _check(await convert(client, kind, doc_id, target="invoice"), section, f"POST {base}/{{id}}/convert")
    # A converted document (every link set) answers the same keys.
    _check(await client.get(f"{base}/{doc_id}"), section, f"GET {base}/{{id}}")
    _check(await client.get(base, params={"status": "converted"}), section, f"GET {base}")


async def test_a_quote_converted_to_an_order_confirmation_and_its_result(client: httpx.AsyncClient) -> None:
    quote = await create(client, lines=_LINES)
    await client.post(f"/v1/quotes/{quote['id']}/send")
    converted = await convert(client, "quote", quote["id"], target="orderConfirmation")
    result = _check(converted, "quotes", "POST /v1/quotes/{id}/convert")
    oc_path = "/v1/order-confirmations/{id}"
    _check(await client.get(f"/v1/order-confirmations/{result['targetId']}"), "orderConfirmations", f"GET {oc_path}")
    status_body = {"customerId": seed.CUSTOMER_FJORD_ID, "date": "2026-01-15", "status": "sent", "lines": _LINES}
    marked = await client.patch(f"/v1/order-confirmations/{result['targetId']}", json=status_body)
    _check(marked, "orderConfirmations", f"PATCH {oc_path}")


async def test_the_customers_answer_to_a_quote_is_a_published_quote(client: httpx.AsyncClient) -> None:
    for decision in ("accept", "reject"):
        quote = await create(client)
        await client.post(f"/v1/quotes/{quote['id']}/send")
        _check(await client.post(f"/_sandbox/quotes/{quote['id']}/{decision}"), "quotes", "GET /v1/quotes/{id}")


async def test_invoices_answer_the_contracts_shape(client: httpx.AsyncClient) -> None:
    quote = await create(client, customerContactId=seed.CONTACT_METTE_ID, lines=_LINES)
    await client.post(f"/v1/quotes/{quote['id']}/send")
    invoice_id = (await convert(client, "quote", quote["id"], target="invoice")).json()["targetId"]
    _check(await client.get(f"/v1/invoices/{invoice_id}"), "invoices", "GET /v1/invoices/{id}")
    _check(await client.get("/v1/invoices"), "invoices", "GET /v1/invoices")
