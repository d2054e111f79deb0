"""Invoices: the send (numbers, recipients, contacts, outbox, event), the delivery status, the list and scopes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from ledgerbee_mcp.sandbox import OTHER_TENANT_KEY, READONLY_KEY, seed

from ._support import INVOICE_KEYS, UNKNOWN_ID, assert_error, draft_invoice, error_fields, send, stored
from .conftest import MakeClient

pytestmark = pytest.mark.anyio

LINE_KEYS = ["id", "description", "lineType", "quantity", "unitPrice", "totalPrice", "vatRate", "vatAmount"]
DELIVERY_KEYS = ["invoiceId", "status", "deliveryType", "recipientEmail", "sentAt"]


async def _outbox(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    return [m for m in (await client.get("/_sandbox/outbox")).json()["data"] if m["documentType"] == "invoice"]


async def _invoice_events(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    return [e for e in (await client.get("/_sandbox/events")).json()["data"] if e["documentType"] == "invoice"]


async def _delivery(client: httpx.AsyncClient, invoice_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/invoices/{invoice_id}/delivery-status")
    assert response.status_code == 200, response.text
    return response.json()


async def _send_invoice(client: httpx.AsyncClient, invoice_id: str, **body: Any) -> dict[str, Any]:
    return await send(client, "invoice", invoice_id, **body)


# -- send ----------------------------------------------------------------------------------------------------


async def test_manual_send_numbers_the_invoice_from_10001_and_marks_it_sent(client: httpx.AsyncClient) -> None:
    draft = await draft_invoice(client)
    assert (draft["status"], draft["documentNumber"], draft["sentAt"]) == ("draft", None, None)
    sent = await _send_invoice(client, draft["id"])
    assert list(sent) == INVOICE_KEYS
    assert all(list(line) == LINE_KEYS for line in sent["lines"])
    assert (sent["type"], sent["status"], sent["displayStatus"], sent["documentNumber"]) == (
        "invoice",
        "sent",
        "sent",
        "10001",
    )
    assert sent["sentAt"] == sent["updatedAt"]
    assert sent["updatedAt"] > draft["updatedAt"]
    assert sent["createdAt"] == draft["createdAt"]
    assert (sent["dueDate"], sent["amount"], sent["lines"]) == (draft["dueDate"], draft["amount"], draft["lines"])
    # The answer is the invoice as GET shows it.
    assert (await client.get(f"/v1/invoices/{draft['id']}")).json() == sent
    assert await _outbox(client) == []
    [event] = await _invoice_events(client)
    assert (event["topic"], event["documentId"]) == ("invoice.sent", draft["id"])
    assert event["payload"] == {
        "id": draft["id"],
        "documentNumber": "10001",
        "deliveryType": "Manual",
        "recipientEmail": None,
    }


async def test_send_without_a_body_is_manual(client: httpx.AsyncClient) -> None:
    draft = await draft_invoice(client)
    response = await client.post(f"/v1/invoices/{draft['id']}/send")
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["documentNumber"]) == ("sent", "10001")
    assert await _outbox(client) == []


async def test_concurrent_sends_allocate_gap_free_invoice_numbers(client: httpx.AsyncClient) -> None:
    drafts = [await draft_invoice(client, customerId=seed.CUSTOMER_BOLGE_ID) for _ in range(30)]
    # Half by e-mail, so PDFs are drawn (outside the lock) while other sends hold it.
    responses = await asyncio.gather(
        *(
            client.post(f"/v1/invoices/{d['id']}/send", json={"deliveryType": "Email" if i % 2 else "Manual"})
            for i, d in enumerate(drafts)
        )
    )
    assert [r.status_code for r in responses] == [200] * 30
    assert sorted(int(r.json()["documentNumber"]) for r in responses) == list(range(10001, 10031))
    outbox = await _outbox(client)
    assert len(outbox) == 15
    assert all(mail["pdfBytes"] > 0 for mail in outbox)
    assert len(await _invoice_events(client)) == 30
    # The quotes' own sequence is untouched by the invoices'.
    assert {q["documentNumber"] for q in (await client.get("/v1/quotes", params={"limit": 100})).json()["data"]} == {
        str(n) for n in range(1001, 1031)
    }


async def test_concurrent_resends_of_one_invoice_keep_one_number(client: httpx.AsyncClient) -> None:
    draft = await draft_invoice(client)
    responses = await asyncio.gather(*(client.post(f"/v1/invoices/{draft['id']}/send", json={}) for _ in range(10)))
    assert {r.json()["documentNumber"] for r in responses} == {"10001"}
    second = await draft_invoice(client)
    assert (await _send_invoice(client, second["id"]))["documentNumber"] == "10002"


async def test_a_resend_keeps_the_number_and_moves_sent_at(client: httpx.AsyncClient) -> None:
    draft = await draft_invoice(client)
    first = await _send_invoice(client, draft["id"])
    again = await _send_invoice(client, draft["id"], deliveryType="Email")
    assert again["documentNumber"] == first["documentNumber"] == "10001"
    assert again["sentAt"] == again["updatedAt"]
    assert again["updatedAt"] > first["updatedAt"]
    assert again["createdAt"] == first["createdAt"]
    assert [m["documentNumber"] for m in await _outbox(client)] == ["10001"]
    assert [e["payload"]["documentNumber"] for e in await _invoice_events(client)] == ["10001", "10001"]


async def test_email_send_goes_to_the_customer_email_with_the_pdf(client: httpx.AsyncClient) -> None:
    draft = await draft_invoice(client, customerId=seed.CUSTOMER_BOLGE_ID)
    sent = await _send_invoice(client, draft["id"], deliveryType="Email")
    [mail] = await _outbox(client)
    assert mail == {
        "id": mail["id"],
        "to": seed.CUSTOMER_BOLGE_EMAIL,
        "subject": "Invoice 10001 from Nordlys ApS",
        "documentType": "invoice",
        "documentId": draft["id"],
        "documentNumber": "10001",
        "pdfBytes": mail["pdfBytes"],
        "sentAt": sent["sentAt"],
    }
    assert mail["pdfBytes"] > 500
    [event] = await _invoice_events(client)
    assert event["payload"] == {
        "id": draft["id"],
        "documentNumber": "10001",
        "deliveryType": "Email",
        "recipientEmail": seed.CUSTOMER_BOLGE_EMAIL,
    }
    # the customer's own e-mail is not made a contact
    assert (await stored(client, "invoice", draft["id"]))["customerContactId"] is None


async def test_email_recipient_is_the_invoices_contact_before_the_customer(client: httpx.AsyncClient) -> None:
    # The contact is copied from the quote by the conversion.
    with_contact = await draft_invoice(client, customerContactId=seed.CONTACT_METTE_ID)
    without_email = await draft_invoice(client, customerContactId=seed.CONTACT_LARS_ID)
    await _send_invoice(client, with_contact["id"], deliveryType="Email")
    await _send_invoice(client, without_email["id"], deliveryType="Email")
    assert [m["to"] for m in await _outbox(client)] == [seed.CONTACT_METTE_EMAIL, seed.CUSTOMER_FJORD_EMAIL]


async def test_email_send_without_any_recipient_is_refused_and_writes_nothing(client: httpx.AsyncClient) -> None:
    draft = await draft_invoice(client, customerId=seed.CUSTOMER_HALVO_ID)
    response = await client.post(f"/v1/invoices/{draft['id']}/send", json={"deliveryType": "Email"})
    assert_error(response, 400, "SALES_DOCUMENT_MISSING_RECIPIENT")
    assert (await client.get(f"/v1/invoices/{draft['id']}")).json() == draft
    assert await _outbox(client) == []
    assert await _invoice_events(client) == []
    assert (await _delivery(client, draft["id"]))["status"] == "not_sent"
    # No number was used up: the refused send left the sequence where it was.
    rescued = await _send_invoice(client, draft["id"], deliveryType="Email", recipientEmail="bogholderi@halvo.dk")
    assert rescued["documentNumber"] == "10001"
    assert [m["to"] for m in await _outbox(client)] == ["bogholderi@halvo.dk"]


async def test_recipient_email_wins_and_becomes_a_contact_linked_to_the_invoice(client: httpx.AsyncClient) -> None:
    draft = await draft_invoice(client, customerContactId=seed.CONTACT_METTE_ID)
    await _send_invoice(client, draft["id"], deliveryType="Email", recipientEmail="cfo@fjordfoods.dk")
    assert [m["to"] for m in await _outbox(client)] == ["cfo@fjordfoods.dk"]
    contacts = (await client.get(f"/v1/customers/{seed.CUSTOMER_FJORD_ID}/contacts")).json()["data"]
    [new] = [c for c in contacts if c["email"] == "cfo@fjordfoods.dk"]
    assert new["customerId"] == seed.CUSTOMER_FJORD_ID
    assert len(contacts) == 3
    assert (await stored(client, "invoice", draft["id"]))["customerContactId"] == new["id"]


async def test_recipient_email_of_an_existing_contact_creates_no_new_one(client: httpx.AsyncClient) -> None:
    draft = await draft_invoice(client)
    await _send_invoice(client, draft["id"], deliveryType="Email", recipientEmail=seed.CONTACT_METTE_EMAIL.upper())
    contacts = (await client.get(f"/v1/customers/{seed.CUSTOMER_FJORD_ID}/contacts")).json()["data"]
    assert len(contacts) == 2
    assert (await stored(client, "invoice", draft["id"]))["customerContactId"] is None


async def test_manual_send_ignores_recipient_email(client: httpx.AsyncClient) -> None:
    draft = await draft_invoice(client, customerId=seed.CUSTOMER_HALVO_ID)
    await _send_invoice(client, draft["id"], recipientEmail="someone@halvo.dk")
    assert (await stored(client, "invoice", draft["id"]))["customerContactId"] is None
    assert await _outbox(client) == []
    assert (await _delivery(client, draft["id"]))["recipientEmail"] is None


async def test_send_body_is_validated_and_there_is_no_e_invoice_delivery(client: httpx.AsyncClient) -> None:
    draft = await draft_invoice(client)
    response = await client.post(
        f"/v1/invoices/{draft['id']}/send", json={"deliveryType": "Sproom", "recipientEmail": "nope", "cc": "x"}
    )
    assert error_fields(response) == ["cc", "deliveryType", "recipientEmail"]
    [delivery] = [e for e in response.json()["errors"] if e["field"] == "deliveryType"]
    assert "Manual or Email" in delivery["message"]
    assert "e-invoice" in delivery["message"]
    assert (await client.get(f"/v1/invoices/{draft['id']}")).json() == draft


# -- delivery status -------------------------------------------------------------------------------------------


async def test_delivery_status_follows_the_last_send(client: httpx.AsyncClient) -> None:
    draft = await draft_invoice(client)
    never = await _delivery(client, draft["id"])
    assert list(never) == DELIVERY_KEYS
    assert never == {
        "invoiceId": draft["id"],
        "status": "not_sent",
        "deliveryType": None,
        "recipientEmail": None,
        "sentAt": None,
    }
    manual = await _send_invoice(client, draft["id"])
    assert await _delivery(client, draft["id"]) == {
        "invoiceId": draft["id"],
        "status": "sent_manually",
        "deliveryType": "Manual",
        "recipientEmail": None,
        "sentAt": manual["sentAt"],
    }
    emailed = await _send_invoice(client, draft["id"], deliveryType="Email", recipientEmail="cfo@fjordfoods.dk")
    assert await _delivery(client, draft["id"]) == {
        "invoiceId": draft["id"],
        "status": "emailed",
        "deliveryType": "Email",
        "recipientEmail": "cfo@fjordfoods.dk",
        "sentAt": emailed["sentAt"],
    }
    # A later Manual send is the last send: nothing was e-mailed by it.
    again = await _send_invoice(client, draft["id"])
    status = await _delivery(client, draft["id"])
    assert (status["status"], status["deliveryType"], status["recipientEmail"]) == ("sent_manually", "Manual", None)
    assert status["sentAt"] == again["sentAt"]


async def test_delivery_status_of_the_resolved_recipient(client: httpx.AsyncClient) -> None:
    draft = await draft_invoice(client, customerContactId=seed.CONTACT_METTE_ID)
    await _send_invoice(client, draft["id"], deliveryType="Email")
    status = await _delivery(client, draft["id"])
    assert (status["status"], status["recipientEmail"]) == ("emailed", seed.CONTACT_METTE_EMAIL)


async def test_delivery_status_errors(make_client: MakeClient, client: httpx.AsyncClient) -> None:
    assert error_fields(await client.get("/v1/invoices/nope/delivery-status")) == ["id"]
    assert_error(await client.get(f"/v1/invoices/{UNKNOWN_ID}/delivery-status"), 404)
    draft = await draft_invoice(client)
    assert_error(await make_client(OTHER_TENANT_KEY).get(f"/v1/invoices/{draft['id']}/delivery-status"), 404)
    assert_error(await make_client("nobody").get(f"/v1/invoices/{draft['id']}/delivery-status"), 401)
    # A quote's id is no invoice's.
    quote_id = draft["sourceDocumentId"]
    assert_error(await client.get(f"/v1/invoices/{quote_id}/delivery-status"), 404)
    assert (await client.get(f"/v1/quotes/{quote_id}/delivery-status")).status_code == 404


# -- scopes and what invoices do not serve ---------------------------------------------------------------------


async def test_send_needs_invoices_write_and_the_reads_invoices_read(
    make_client: MakeClient, client: httpx.AsyncClient
) -> None:
    draft = await draft_invoice(client)
    readonly = make_client(READONLY_KEY)
    refused = await readonly.post(f"/v1/invoices/{draft['id']}/send", json={})
    assert_error(refused, 403)
    assert "invoices-write" in refused.json()["message"]
    assert (await readonly.get(f"/v1/invoices/{draft['id']}/delivery-status")).status_code == 200
    assert (await readonly.get(f"/v1/invoices/{draft['id']}")).json()["documentNumber"] is None
    assert_error(await make_client("nobody").post(f"/v1/invoices/{draft['id']}/send", json={}), 401)
    assert_error(await make_client(OTHER_TENANT_KEY).post(f"/v1/invoices/{draft['id']}/send", json={}), 404)
    assert_error(await client.post(f"/v1/invoices/{UNKNOWN_ID}/send", json={}), 404)
    assert error_fields(await client.post("/v1/invoices/123/send", json={})) == ["id"]
    assert await _invoice_events(client) == []


async def test_invoices_are_not_created_edited_or_converted_through_the_sandbox(client: httpx.AsyncClient) -> None:
    draft = await draft_invoice(client)
    assert (await client.post("/v1/invoices", json={})).status_code == 405
    assert (await client.patch(f"/v1/invoices/{draft['id']}", json={})).status_code == 405
    assert (await client.post(f"/v1/invoices/{draft['id']}/convert", json={"target": "invoice"})).status_code == 404


# -- list ------------------------------------------------------------------------------------------------------


async def test_invoice_list_filters_and_sorts_like_the_other_lists(client: httpx.AsyncClient) -> None:
    small = await draft_invoice(client, lines=[{"description": "Timer", "quantity": 1, "unitPrice": "100.00"}])
    big = await draft_invoice(
        client, customerId=seed.CUSTOMER_BOLGE_ID, lines=[{"priceId": seed.PRICE_WORKSHOP_ID, "quantity": 3}]
    )
    later = await draft_invoice(client, date="2026-02-01")
    await _send_invoice(client, later["id"])
    await _send_invoice(client, small["id"])

    async def ids(**params: str) -> list[str]:
        response = await client.get("/v1/invoices", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["data"]]

    assert await ids() == [later["id"], big["id"], small["id"]]
    assert await ids(sortOrder="ASC") == [small["id"], big["id"], later["id"]]
    assert await ids(status="sent") == [later["id"], small["id"]]
    assert await ids(status="draft") == [big["id"]]
    assert await ids(customerId=seed.CUSTOMER_BOLGE_ID) == [big["id"]]
    assert await ids(sortBy="documentNumber", sortOrder="ASC") == [big["id"], later["id"], small["id"]]
    assert await ids(sortBy="amount", sortOrder="ASC") == [small["id"], later["id"], big["id"]]
    assert await ids(sortBy="status", sortOrder="ASC", limit="1", page="2") == [small["id"]]
    page = (await client.get("/v1/invoices", params={"limit": 2})).json()
    assert (page["total"], page["page"], page["limit"], page["totalPages"]) == (3, 1, 2, 2)
    assert all(list(item) == INVOICE_KEYS[:-1] for item in page["data"])
    fields = error_fields(
        await client.get("/v1/invoices", params={"sortBy": "validUntil", "sortOrder": "UP", "status": "converted"})
    )
    assert sorted(fields) == ["sortBy", "sortOrder", "status"]
