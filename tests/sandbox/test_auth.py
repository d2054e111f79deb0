"""Keys, scopes, tenants, id formats, the order in which failures are reported, and x-request-id."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from ledgerbee_mcp.sandbox import FULL_KEY, OTHER_TENANT_KEY, READONLY_KEY, catalog, seed

from ._support import UNKNOWN_ID, assert_error, body_of, create, created_and_sent, error_fields, path_of
from .conftest import MakeClient

pytestmark = pytest.mark.anyio

KINDS = ["quote", "orderConfirmation"]
OTHER_PRICE = seed.OTHER_PRICE_ID


async def test_missing_or_unknown_key_answers_401_without_code(make_client: MakeClient) -> None:
    nobody = make_client("")
    del nobody.headers["x-api-key"]
    for path in ("/v1/quotes", "/v1/customers", "/_sandbox/outbox"):
        assert_error(await nobody.get(path), 401)
    assert_error(await make_client("lb_wrong").get("/v1/quotes"), 401)


async def test_bearer_token_is_accepted(make_client: MakeClient) -> None:
    bearer = make_client("")
    del bearer.headers["x-api-key"]
    response = await bearer.get("/v1/quotes", headers={"authorization": f"Bearer {FULL_KEY}"})
    assert response.status_code == 200
    assert_error(await bearer.get("/v1/quotes", headers={"authorization": "Bearer nope"}), 401)
    assert_error(await bearer.get("/v1/quotes", headers={"authorization": f"Basic {FULL_KEY}"}), 401)


@pytest.mark.parametrize("kind", KINDS)
async def test_readonly_key_reads_but_every_write_answers_403(
    make_client: MakeClient, client: httpx.AsyncClient, kind: str
) -> None:
    doc = await created_and_sent(client, kind)
    readonly = make_client(READONLY_KEY)
    assert (await readonly.get(path_of(kind))).json()["total"] == 1
    assert (await readonly.get(f"{path_of(kind)}/{doc['id']}")).status_code == 200
    assert (await readonly.get(f"{path_of(kind)}/{doc['id']}/pdf")).status_code == 200
    base = path_of(kind)
    writes = [
        readonly.post(base, json=body_of(kind)),
        readonly.patch(f"{base}/{doc['id']}", json=body_of(kind)),
        readonly.post(f"{base}/{doc['id']}/send", json={}),
        readonly.post(f"{base}/{doc['id']}/convert", json={"target": "invoice"}),
    ]
    for write in writes:
        body = assert_error(await write, 403)
        assert "write" in body["message"]
    assert (await client.get(base)).json()["total"] == 1


async def test_readonly_key_may_use_the_control_endpoints(make_client: MakeClient) -> None:
    readonly = make_client(READONLY_KEY)
    assert (await readonly.get("/_sandbox/events")).status_code == 200
    assert (await readonly.put("/_sandbox/clock", json={"today": None})).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
async def test_another_tenants_document_answers_404(
    make_client: MakeClient, client: httpx.AsyncClient, kind: str
) -> None:
    doc = await created_and_sent(client, kind)
    other = make_client(OTHER_TENANT_KEY)
    base = f"{path_of(kind)}/{doc['id']}"
    for response in (
        await other.get(base),
        await other.get(f"{base}/pdf"),
        await other.patch(
            base, json=body_of(kind, customerId=seed.OTHER_CUSTOMER_ID, lines=[{"priceId": OTHER_PRICE}])
        ),
        await other.post(f"{base}/send", json={}),
        await other.post(f"{base}/convert", json={"target": "invoice"}),
    ):
        assert_error(response, 404)
    assert (await other.get(path_of(kind))).json()["total"] == 0


async def test_each_tenant_numbers_its_own_documents(make_client: MakeClient, client: httpx.AsyncClient) -> None:
    other = make_client(OTHER_TENANT_KEY)
    mine = await created_and_sent(client)
    theirs = await created_and_sent(other, customerId=seed.OTHER_CUSTOMER_ID, lines=[{"priceId": seed.OTHER_PRICE_ID}])
    assert mine["documentNumber"] == theirs["documentNumber"] == "1001"
    assert [e["documentId"] for e in (await other.get("/_sandbox/events")).json()["data"]] == [theirs["id"]]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/quotes/123",
        "/v1/quotes/not-a-uuid/pdf",
        "/v1/order-confirmations/xyz",
        "/v1/invoices/1",
        "/v1/customers/abc",
        "/v1/customers/abc/contacts",
        "/v1/product-prices/abc",
    ],
)
async def test_a_non_uuid_id_is_a_validation_error_naming_id(client: httpx.AsyncClient, path: str) -> None:
    assert error_fields(await client.get(path)) == ["id"]


@pytest.mark.parametrize(
    "path",
    [
        f"/v1/quotes/{UNKNOWN_ID}",
        f"/v1/order-confirmations/{UNKNOWN_ID}/pdf",
        f"/v1/invoices/{UNKNOWN_ID}",
        f"/v1/customers/{UNKNOWN_ID}",
        f"/v1/customers/{UNKNOWN_ID}/contacts",
        f"/v1/product-prices/{UNKNOWN_ID}",
    ],
)
async def test_an_unknown_id_answers_404_without_code(client: httpx.AsyncClient, path: str) -> None:
    assert_error(await client.get(path), 404)


async def test_failures_are_reported_auth_then_scope_then_id_then_existence_then_body_then_rule(
    make_client: MakeClient, client: httpx.AsyncClient
) -> None:
    bad_body = {"deliveryType": "Fax"}
    nobody = make_client("nobody")
    readonly = make_client(READONLY_KEY)
    assert_error(await nobody.post("/v1/quotes/xyz/send", json=bad_body), 401)
    assert_error(await readonly.post("/v1/quotes/xyz/send", json=bad_body), 403)
    assert error_fields(await client.post("/v1/quotes/xyz/send", json=bad_body)) == ["id"]
    assert_error(await client.post(f"/v1/quotes/{UNKNOWN_ID}/send", json=bad_body), 404)
    halvo = await create(client, customerId=seed.CUSTOMER_HALVO_ID)
    assert error_fields(await client.post(f"/v1/quotes/{halvo['id']}/send", json=bad_body)) == ["deliveryType"]
    assert_error(
        await client.post(f"/v1/quotes/{halvo['id']}/send", json={"deliveryType": "Email"}),
        400,
        "SALES_DOCUMENT_MISSING_RECIPIENT",
    )


async def test_malformed_body_on_an_unknown_id_is_404(client: httpx.AsyncClient) -> None:
    response = await client.patch(
        f"/v1/quotes/{UNKNOWN_ID}", content=b"{oops", headers={"content-type": "application/json"}
    )
    assert_error(response, 404)


async def test_every_answer_carries_a_request_id(make_client: MakeClient, client: httpx.AsyncClient) -> None:
    nobody = make_client("nobody")
    responses = [
        await client.get("/v1/quotes"),
        await client.post("/v1/quotes", json={}),
        await client.get(f"/v1/quotes/{UNKNOWN_ID}"),
        await client.get("/nowhere"),
        await nobody.get("/v1/quotes"),
        await client.delete("/v1/quotes"),
    ]
    ids = [r.headers["x-request-id"] for r in responses]
    assert all(ids)
    assert len(set(ids)) == len(ids)


async def test_a_callers_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/quotes", headers={"x-request-id": "trace-42"})
    assert response.headers["x-request-id"] == "trace-42"
    odd = await client.get("/v1/quotes", headers={"x-request-id": "has spaces; and <markup>"})
    assert odd.headers["x-request-id"] != "has spaces; and <markup>"


async def test_unknown_route_and_method_answer_json(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/nowhere"), 404)
    assert_error(await client.delete("/v1/quotes"), 405)


async def test_openapi_document_needs_no_key(make_client: MakeClient) -> None:
    nobody = make_client("")
    del nobody.headers["x-api-key"]
    response = await nobody.get("/openapi.json")
    assert response.status_code == 200
    assert "/v1/quotes" in response.json()["paths"]


async def test_an_unexpected_failure_answers_500_json_with_a_request_id(
    app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(catalog, "list_customers", broken)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox", headers={"x-api-key": FULL_KEY}) as c:
        response = await c.get("/v1/customers", headers={"x-request-id": "boom-1"})
    assert response.status_code == 500
    assert response.json() == {"statusCode": 500, "message": "Internal sandbox error"}
    assert response.headers["x-request-id"] == "boom-1"
