"""Scripted `httpx.MockTransport` fakes and canned API answers for the fault tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from ledgerbee_mcp.api import LedgerBeeClient

API_KEY = "lb_test_key_7f3a9c2e5d"
BASE_URL = "https://api.test/api"
QUOTE_ID = "0197a943-2325-7829-b835-b6c71a293066"

Step = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def quote_json(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": QUOTE_ID,
        "type": "quote",
        "status": "draft",
        "displayStatus": "draft",
        "documentNumber": None,
        "date": "2026-01-15",
        "validUntil": "2026-02-15",
        "amount": "2500.00",
        "subtotal": "2000.00",
        "vat": "500.00",
        "currency": "DKK",
        "reference": None,
        "ourReference": None,
        "notes": None,
        "customerId": "0197a943-2325-7829-b835-b6c71a293065",
        "sourceDocumentId": None,
        "convertedToDocumentId": None,
        "convertedToInvoiceId": None,
        "sentAt": None,
        "createdAt": "2026-01-15T09:00:00Z",
        "updatedAt": "2026-01-15T09:00:00Z",
        "lines": [
            {
                "id": "0197a943-2325-7829-b835-b6c71a2930aa",
                "description": "Workshop",
                "lineType": "product",
                "quantity": 2,
                "unitPrice": "1000.00",
                "totalPrice": "2000.00",
                "vatRate": "25",
                "vatAmount": "500.00",
            }
        ],
    }
    body.update(overrides)
    return body


def page_json(items: list[dict[str, Any]], *, total: int, page: int, limit: int) -> dict[str, Any]:
    pages = (total + limit - 1) // limit
    return {"data": items, "total": total, "page": page, "limit": limit, "totalPages": pages}


def ok(body: object, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body, headers={"x-request-id": "req-ok"})


def error(status: int, body: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
    payload = body if body is not None else {"statusCode": status, "message": httpx.codes.get_reason_phrase(status)}
    extra = {name.replace("_", "-"): value for name, value in headers.items()}
    return httpx.Response(status, json=payload, headers={"x-request-id": f"req-{status}", **extra})


def raw(status: int, content: bytes, content_type: str) -> httpx.Response:
    return httpx.Response(status, content=content, headers={"content-type": content_type, "x-request-id": "req-raw"})


class Script:
    """Answers requests with the scripted steps in order (the last one repeats); records every request."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            if isinstance(step, httpx.RequestError):
                step._request = request  # httpx exceptions raised by a transport carry their request
            raise step
        if isinstance(step, httpx.Response):
            return step
        return step(request)

    @property
    def bodies(self) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests]


def client_for(script: Script, **kwargs: Any) -> LedgerBeeClient:
    options: dict[str, Any] = {"base_url": BASE_URL, "api_key": API_KEY, "transport": httpx.MockTransport(script)}
    options.update(kwargs)
    return LedgerBeeClient(**options)
