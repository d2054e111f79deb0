"""Request bodies and small steps the sandbox tests share."""

from __future__ import annotations

from typing import Any

import httpx

from ledgerbee_mcp.sandbox import seed

# The invoice's contract shape (docs/api-contract.md, "Supporting reads"), in order.
INVOICE_KEYS = [
    "id",
    "type",
    "status",
    "displayStatus",
    "documentNumber",
    "date",
    "dueDate",
    "amount",
    "subtotal",
    "vat",
    "currency",
    "reference",
    "ourReference",
    "notes",
    "customerId",
    "sourceDocumentId",
    "sentAt",
    "createdAt",
    "updatedAt",
    "lines",
]

FAR_FUTURE = "2099-12-31"
UNKNOWN_ID = "5eed0fff-0000-4000-8000-000000000fff"


def quote_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customerId": seed.CUSTOMER_FJORD_ID,
        "date": "2026-01-15",
        "validUntil": FAR_FUTURE,
        "lines": [{"priceId": seed.PRICE_WORKSHOP_ID, "quantity": 2}],
    }
    body.update(overrides)
    return body


def oc_body(**overrides: Any) -> dict[str, Any]:
    body = quote_body(**overrides)
    body.pop("validUntil", None)
    return body


_SEGMENTS = {"quote": "quotes", "orderConfirmation": "order-confirmations", "invoice": "invoices"}


def path_of(kind: str) -> str:
    return f"/v1/{_SEGMENTS[kind]}"


async def stored(client: httpx.AsyncClient, kind: str, doc_id: str) -> dict[str, Any]:
    """The sandbox's stored record of a document: its answer plus customerContactId, customerDepartmentId and
    each line's priceId, which the published answers do not carry."""
    response = await client.get(f"/_sandbox/documents/{_SEGMENTS[kind]}/{doc_id}")
    assert response.status_code == 200, response.text
    return response.json()


def body_of(kind: str, **overrides: Any) -> dict[str, Any]:
    return quote_body(**overrides) if kind == "quote" else oc_body(**overrides)


async def create(client: httpx.AsyncClient, kind: str = "quote", **overrides: Any) -> dict[str, Any]:
    response = await client.post(path_of(kind), json=body_of(kind, **overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def send(client: httpx.AsyncClient, kind: str, doc_id: str, **body: Any) -> dict[str, Any]:
    response = await client.post(f"{path_of(kind)}/{doc_id}/send", json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def created_and_sent(client: httpx.AsyncClient, kind: str = "quote", **overrides: Any) -> dict[str, Any]:
    doc = await create(client, kind, **overrides)
    return await send(client, kind, doc["id"])


async def convert(client: httpx.AsyncClient, kind: str, doc_id: str, **body: Any) -> httpx.Response:
    return await client.post(f"{path_of(kind)}/{doc_id}/convert", json=body)


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The documented error body: statusCode and message always, code when given, errors only on validation."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["statusCode"] == status
    assert isinstance(body["message"], str)
    assert body["message"]
    if code is None:
        assert "code" not in body
    else:
        assert body["code"] == code
    assert ("errors" in body) == (code == "VALIDATION_ERROR")
    assert response.headers["x-request-id"]
    return body


def error_fields(response: httpx.Response) -> list[str]:
    body = assert_error(response, 400, "VALIDATION_ERROR")
    return [e["field"] for e in body["errors"]]


async def draft_invoice(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """A draft invoice, made the one way the sandbox makes invoices: a sent quote converted into one."""
    quote = await created_and_sent(client, "quote", **overrides)
    response = await convert(client, "quote", quote["id"], target="invoice")
    assert response.status_code == 200, response.text
    invoice = await client.get(f"/v1/invoices/{response.json()['targetId']}")
    assert invoice.status_code == 200, invoice.text
    return invoice.json()
