"""The /_sandbox control endpoints: reset, accept/reject, clock, outbox and events."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from ledgerbee_mcp.sandbox import OTHER_TENANT_KEY, READONLY_KEY, seed

from ._support import UNKNOWN_ID, assert_error, convert, create, created_and_sent, error_fields, send
from .conftest import MakeClient

pytestmark = pytest.mark.anyio


async def test_reset_wipes_the_tenant_and_reseeds_it(make_client: MakeClient, client: httpx.AsyncClient) -> None:
    other = make_client(OTHER_TENANT_KEY)
    theirs = await created_and_sent(other, customerId=seed.OTHER_CUSTOMER_ID, lines=[{"priceId": seed.OTHER_PRICE_ID}])
    doc = await create(client)
    await send(client, "quote", doc["id"], deliveryType="Email", recipientEmail="new@fjordfoods.dk")
    await client.put("/_sandbox/clock", json={"today": "2030-01-01"})
    response = await client.post("/_sandbox/reset")
    assert response.status_code == 200
    assert response.json() == {"tenantId": seed.TENANT_ID, "today": dt.date.today().isoformat(), "overridden": False}
    assert (await client.get("/v1/quotes")).json()["total"] == 0
    assert (await client.get("/_sandbox/outbox")).json()["data"] == []
    assert (await client.get("/_sandbox/events")).json()["data"] == []
    contacts = (await client.get(f"/v1/customers/{seed.CUSTOMER_FJORD_ID}/contacts")).json()["data"]
    assert [c["id"] for c in contacts] == [seed.CONTACT_METTE_ID, seed.CONTACT_LARS_ID]
    assert (await created_and_sent(client))["documentNumber"] == "1001"
    # the other tenant is untouched
    assert (await other.get(f"/v1/quotes/{theirs['id']}")).status_code == 200


async def test_accept_and_reject_a_sent_quote(client: httpx.AsyncClient) -> None:
    accepted = await created_and_sent(client)
    response = await client.post(f"/_sandbox/quotes/{accepted['id']}/accept")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["displayStatus"]) == ("accepted", "accepted")
    rejected = await created_and_sent(client)
    assert (await client.post(f"/_sandbox/quotes/{rejected['id']}/reject")).json()["status"] == "rejected"


async def test_accept_and_reject_refuse_what_the_customer_cannot_answer(client: httpx.AsyncClient) -> None:
    draft = await create(client)
    assert_error(await client.post(f"/_sandbox/quotes/{draft['id']}/accept"), 400, "SANDBOX_INVALID_TRANSITION")
    decided = await created_and_sent(client)
    await client.post(f"/_sandbox/quotes/{decided['id']}/accept")
    assert_error(await client.post(f"/_sandbox/quotes/{decided['id']}/reject"), 400, "SANDBOX_INVALID_TRANSITION")
    rejected = await created_and_sent(client)
    await client.post(f"/_sandbox/quotes/{rejected['id']}/reject")
    assert_error(await client.post(f"/_sandbox/quotes/{rejected['id']}/reject"), 400, "SANDBOX_INVALID_TRANSITION")
    converted = await created_and_sent(client)
    await convert(client, "quote", converted["id"], target="invoice")
    assert_error(await client.post(f"/_sandbox/quotes/{converted['id']}/reject"), 400, "SANDBOX_INVALID_TRANSITION")
    assert_error(await client.post(f"/_sandbox/quotes/{UNKNOWN_ID}/accept"), 404)
    assert error_fields(await client.post("/_sandbox/quotes/nope/accept")) == ["id"]
    oc = await created_and_sent(client, "orderConfirmation")
    assert_error(await client.post(f"/_sandbox/quotes/{oc['id']}/accept"), 404)


async def test_a_rejected_quote_can_still_be_accepted(client: httpx.AsyncClient) -> None:
    """The customer may change their mind in the portal; an accepted quote stays accepted."""
    quote = await created_and_sent(client)
    await client.post(f"/_sandbox/quotes/{quote['id']}/reject")
    response = await client.post(f"/_sandbox/quotes/{quote['id']}/accept")
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"


async def test_resending_an_accepted_quote_keeps_it_accepted(client: httpx.AsyncClient) -> None:
    quote = await created_and_sent(client)
    await client.post(f"/_sandbox/quotes/{quote['id']}/accept")
    again = await send(client, "quote", quote["id"])
    assert (again["status"], again["documentNumber"]) == ("accepted", "1001")


async def test_clock_can_be_set_read_and_cleared(client: httpx.AsyncClient) -> None:
    response = await client.put("/_sandbox/clock", json={"today": "2031-02-03"})
    assert response.json() == {"today": "2031-02-03", "overridden": True}
    assert (await client.get("/_sandbox/clock")).json() == {"today": "2031-02-03", "overridden": True}
    cleared = (await client.put("/_sandbox/clock", json={"today": None})).json()
    assert cleared == {"today": dt.date.today().isoformat(), "overridden": False}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, ["today"]),
        ({"today": "2031-2-3"}, ["today"]),
        ({"today": 20310203}, ["today"]),
        ({"today": "2031-02-30"}, ["today"]),
        ({"today": None, "tz": "UTC"}, ["tz"]),
    ],
)
async def test_clock_body_is_validated(client: httpx.AsyncClient, body: dict[str, object], fields: list[str]) -> None:
    assert error_fields(await client.put("/_sandbox/clock", json=body)) == fields


async def test_clock_is_per_tenant(make_client: MakeClient, client: httpx.AsyncClient) -> None:
    await client.put("/_sandbox/clock", json={"today": "2031-02-03"})
    other = make_client(OTHER_TENANT_KEY)
    assert (await other.get("/_sandbox/clock")).json()["overridden"] is False


async def test_outbox_and_events_are_per_tenant(make_client: MakeClient, client: httpx.AsyncClient) -> None:
    doc = await create(client)
    await send(client, "quote", doc["id"], deliveryType="Email")
    other = make_client(OTHER_TENANT_KEY)
    assert (await other.get("/_sandbox/outbox")).json() == {"data": []}
    assert (await other.get("/_sandbox/events")).json() == {"data": []}
    [event] = (await client.get("/_sandbox/events")).json()["data"]
    assert set(event) == {"id", "topic", "documentType", "documentId", "createdAt", "payload"}
    assert (event["topic"], event["documentType"], event["documentId"]) == ("quote.sent", "quote", doc["id"])


async def test_control_endpoints_need_a_valid_key(make_client: MakeClient) -> None:
    nobody = make_client("nope")
    for response in (
        await nobody.post("/_sandbox/reset"),
        await nobody.put("/_sandbox/clock", json={"today": None}),
        await nobody.get("/_sandbox/outbox"),
    ):
        assert_error(response, 401)


async def test_stored_document_shows_what_the_answers_do_not(client: httpx.AsyncClient) -> None:
    quote = await create(
        client,
        customerContactId=seed.CONTACT_METTE_ID,
        customerDepartmentId=UNKNOWN_ID,
        lines=[{"priceId": seed.PRICE_WORKSHOP_ID, "quantity": 2}, {"description": "Travel", "unitPrice": "400.00"}],
    )
    response = await client.get(f"/_sandbox/documents/quotes/{quote['id']}")
    assert response.status_code == 200
    record = response.json()
    answered = {k: v for k, v in record.items() if k not in {"customerContactId", "customerDepartmentId", "lines"}}
    assert answered == {k: v for k, v in quote.items() if k != "lines"}
    assert (record["customerContactId"], record["customerDepartmentId"]) == (seed.CONTACT_METTE_ID, UNKNOWN_ID)
    assert [line["priceId"] for line in record["lines"]] == [seed.PRICE_WORKSHOP_ID, None]
    for line, published in zip(record["lines"], quote["lines"], strict=True):
        assert {k: v for k, v in line.items() if k != "priceId"} == published


async def test_stored_document_of_every_kind(client: httpx.AsyncClient) -> None:
    quote = await created_and_sent(client, customerContactId=seed.CONTACT_METTE_ID)
    oc_id = (await convert(client, "quote", quote["id"], target="orderConfirmation")).json()["targetId"]
    await send(client, "orderConfirmation", oc_id)
    invoice_id = (await convert(client, "orderConfirmation", oc_id, target="invoice")).json()["targetId"]
    for segment, doc_id, number_key in (
        ("order-confirmations", oc_id, "convertedToInvoiceId"),
        ("invoices", invoice_id, "dueDate"),
    ):
        record = (await client.get(f"/_sandbox/documents/{segment}/{doc_id}")).json()
        assert record["id"] == doc_id
        assert record["customerContactId"] == seed.CONTACT_METTE_ID
        assert number_key in record
    invoice = (await client.get(f"/_sandbox/documents/invoices/{invoice_id}")).json()
    assert "convertedToInvoiceId" not in invoice
    assert invoice["type"] == "invoice"


async def test_stored_document_keeps_kind_and_tenant_apart(make_client: MakeClient, client: httpx.AsyncClient) -> None:
    quote = await create(client)
    assert_error(await client.get(f"/_sandbox/documents/order-confirmations/{quote['id']}"), 404)
    assert_error(await client.get(f"/_sandbox/documents/credit-notes/{quote['id']}"), 404)
    assert_error(await client.get(f"/_sandbox/documents/quotes/{UNKNOWN_ID}"), 404)
    assert error_fields(await client.get("/_sandbox/documents/quotes/nope")) == ["id"]
    assert_error(await make_client(OTHER_TENANT_KEY).get(f"/_sandbox/documents/quotes/{quote['id']}"), 404)
    assert_error(await make_client("nope").get(f"/_sandbox/documents/quotes/{quote['id']}"), 401)
    # Like the other controls, it needs a valid key but no scope.
    readonly = make_client(READONLY_KEY)
    assert (await readonly.get(f"/_sandbox/documents/quotes/{quote['id']}")).status_code == 200
