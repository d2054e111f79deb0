"""Send, convert, the error table, recipients, outbox, events and PDFs."""

from __future__ import annotations

import io

import httpx
import pytest
from pypdf import PdfReader

from ledgerbee_mcp.sandbox import seed

from ._support import (
    assert_error,
    body_of,
    convert,
    create,
    created_and_sent,
    error_fields,
    path_of,
    send,
    stored,
)

pytestmark = pytest.mark.anyio

KINDS = ["quote", "orderConfirmation"]


async def _outbox(client: httpx.AsyncClient) -> list[dict[str, object]]:
    return (await client.get("/_sandbox/outbox")).json()["data"]


async def _events(client: httpx.AsyncClient) -> list[dict[str, object]]:
    return (await client.get("/_sandbox/events")).json()["data"]


# -- send ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "first_number"), [("quote", "1001"), ("orderConfirmation", "5001")])
async def test_manual_send_allocates_the_number_and_marks_sent_without_email(
    client: httpx.AsyncClient, kind: str, first_number: str
) -> None:
    doc = await create(client, kind)
    sent = await send(client, kind, doc["id"])
    assert (sent["status"], sent["displayStatus"], sent["documentNumber"]) == ("sent", "sent", first_number)
    assert sent["sentAt"] is not None
    assert await _outbox(client) == []
    [event] = await _events(client)
    assert event["topic"] == f"{kind}.sent"
    assert event["payload"] == {
        "id": doc["id"],
        "documentNumber": first_number,
        "deliveryType": "Manual",
        "recipientEmail": None,
    }


async def test_numbers_are_sequential_per_type_and_a_resend_keeps_its_number(client: httpx.AsyncClient) -> None:
    q1 = await created_and_sent(client, "quote")
    oc1 = await created_and_sent(client, "orderConfirmation")
    q2 = await created_and_sent(client, "quote")
    assert (q1["documentNumber"], q2["documentNumber"], oc1["documentNumber"]) == ("1001", "1002", "5001")
    again = await send(client, "quote", q1["id"], deliveryType="Email")
    assert again["documentNumber"] == "1001"
    assert (await created_and_sent(client, "quote"))["documentNumber"] == "1003"


async def test_number_is_allocated_at_send_not_at_create(client: httpx.AsyncClient) -> None:
    first = await create(client)
    second = await create(client)
    assert (await send(client, "quote", second["id"]))["documentNumber"] == "1001"
    assert (await send(client, "quote", first["id"]))["documentNumber"] == "1002"


@pytest.mark.parametrize("kind", KINDS)
async def test_email_send_goes_to_the_customer_email_with_the_pdf(client: httpx.AsyncClient, kind: str) -> None:
    doc = await create(client, kind, customerId=seed.CUSTOMER_BOLGE_ID)
    sent = await send(client, kind, doc["id"], deliveryType="Email")
    [mail] = await _outbox(client)
    label = "Quote" if kind == "quote" else "Order confirmation"
    assert mail == {
        "id": mail["id"],
        "to": seed.CUSTOMER_BOLGE_EMAIL,
        "subject": f"{label} {sent['documentNumber']} from Nordlys ApS",
        "documentType": kind,
        "documentId": doc["id"],
        "documentNumber": sent["documentNumber"],
        "pdfBytes": mail["pdfBytes"],
        "sentAt": sent["sentAt"],
    }
    assert isinstance(mail["pdfBytes"], int)
    assert mail["pdfBytes"] > 500
    [event] = await _events(client)
    assert event["payload"] == {
        "id": doc["id"],
        "documentNumber": sent["documentNumber"],
        "deliveryType": "Email",
        "recipientEmail": seed.CUSTOMER_BOLGE_EMAIL,
    }
    # the customer's own e-mail is not made a contact
    assert (await stored(client, kind, doc["id"]))["customerContactId"] is None


async def test_recipient_prefers_the_documents_contact_over_the_customer(client: httpx.AsyncClient) -> None:
    doc = await create(client, customerContactId=seed.CONTACT_METTE_ID)
    await send(client, "quote", doc["id"], deliveryType="Email")
    assert [m["to"] for m in await _outbox(client)] == [seed.CONTACT_METTE_EMAIL]


async def test_a_contact_without_email_falls_back_to_the_customer(client: httpx.AsyncClient) -> None:
    doc = await create(client, customerContactId=seed.CONTACT_LARS_ID)
    await send(client, "quote", doc["id"], deliveryType="Email")
    assert [m["to"] for m in await _outbox(client)] == [seed.CUSTOMER_FJORD_EMAIL]


async def test_recipient_email_wins_and_becomes_a_contact_linked_to_the_document(client: httpx.AsyncClient) -> None:
    doc = await create(client, customerContactId=seed.CONTACT_METTE_ID)
    sent = await send(client, "quote", doc["id"], deliveryType="Email", recipientEmail="cfo@fjordfoods.dk")
    assert [m["to"] for m in await _outbox(client)] == ["cfo@fjordfoods.dk"]
    contacts = (await client.get(f"/v1/customers/{seed.CUSTOMER_FJORD_ID}/contacts")).json()["data"]
    [new] = [c for c in contacts if c["email"] == "cfo@fjordfoods.dk"]
    assert new["customerId"] == seed.CUSTOMER_FJORD_ID
    assert (await stored(client, "quote", sent["id"]))["customerContactId"] == new["id"]
    assert len(contacts) == 3


async def test_recipient_email_of_an_existing_contact_creates_no_new_one(client: httpx.AsyncClient) -> None:
    doc = await create(client)
    sent = await send(client, "quote", doc["id"], deliveryType="Email", recipientEmail=seed.CONTACT_METTE_EMAIL.upper())
    contacts = (await client.get(f"/v1/customers/{seed.CUSTOMER_FJORD_ID}/contacts")).json()["data"]
    assert len(contacts) == 2
    assert (await stored(client, "quote", sent["id"]))["customerContactId"] is None


@pytest.mark.parametrize("kind", KINDS)
async def test_email_send_without_any_recipient_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, kind: str
) -> None:
    doc = await create(client, kind, customerId=seed.CUSTOMER_HALVO_ID)
    response = await client.post(f"{path_of(kind)}/{doc['id']}/send", json={"deliveryType": "Email"})
    assert_error(response, 400, "SALES_DOCUMENT_MISSING_RECIPIENT")
    assert (await client.get(f"{path_of(kind)}/{doc['id']}")).json() == doc
    assert await _outbox(client) == []
    assert await _events(client) == []
    # Manual needs no recipient, and recipientEmail rescues an Email send
    assert (await send(client, kind, doc["id"]))["documentNumber"] is not None


async def test_manual_send_ignores_recipient_email(client: httpx.AsyncClient) -> None:
    doc = await create(client, customerId=seed.CUSTOMER_HALVO_ID)
    sent = await send(client, "quote", doc["id"], recipientEmail="someone@halvo.dk")
    assert (await stored(client, "quote", sent["id"]))["customerContactId"] is None
    assert await _outbox(client) == []


async def test_send_body_is_validated(client: httpx.AsyncClient) -> None:
    doc = await create(client)
    response = await client.post(
        f"/v1/quotes/{doc['id']}/send", json={"deliveryType": "Sproom", "recipientEmail": "nope", "cc": "x"}
    )
    assert error_fields(response) == ["cc", "deliveryType", "recipientEmail"]
    assert (await client.get(f"/v1/quotes/{doc['id']}")).json()["documentNumber"] is None


async def test_send_without_body_is_manual(client: httpx.AsyncClient) -> None:
    doc = await create(client)
    response = await client.post(f"/v1/quotes/{doc['id']}/send")
    assert response.status_code == 200
    assert response.json()["status"] == "sent"


# -- convert --------------------------------------------------------------------------------------------------


async def test_quote_converts_to_a_draft_order_confirmation_linked_both_ways(client: httpx.AsyncClient) -> None:
    quote = await created_and_sent(
        client, "quote", reference="PO-9", notes="Note", customerContactId=seed.CONTACT_METTE_ID
    )
    response = await convert(client, "quote", quote["id"], target="orderConfirmation")
    assert response.status_code == 200
    result = response.json()
    assert set(result) == {"targetType", "targetId"}
    assert result["targetType"] == "orderConfirmation"
    oc = (await client.get(f"/v1/order-confirmations/{result['targetId']}")).json()
    assert (oc["status"], oc["documentNumber"], oc["sourceDocumentId"]) == ("draft", None, quote["id"])
    for field in ("date", "currency", "reference", "notes", "customerId", "amount", "vat"):
        assert oc[field] == quote[field], field
    assert (await stored(client, "orderConfirmation", oc["id"]))["customerContactId"] == seed.CONTACT_METTE_ID
    assert [(line["description"], line["quantity"], line["unitPrice"]) for line in oc["lines"]] == [
        (line["description"], line["quantity"], line["unitPrice"]) for line in quote["lines"]
    ]
    assert {line["id"] for line in oc["lines"]}.isdisjoint(line["id"] for line in quote["lines"])
    source = (await client.get(f"/v1/quotes/{quote['id']}")).json()
    assert (source["status"], source["displayStatus"]) == ("sent", "converted")
    assert (source["convertedToDocumentId"], source["convertedToInvoiceId"]) == (oc["id"], None)
    topics = [e["topic"] for e in await _events(client)]
    assert topics == ["quote.sent", "quote.converted"]
    converted_event = (await _events(client))[1]
    assert converted_event["payload"] == {"id": quote["id"], "targetType": "orderConfirmation", "targetId": oc["id"]}


async def test_quote_converts_to_a_draft_invoice_due_in_14_days(client: httpx.AsyncClient) -> None:
    quote = await created_and_sent(client, "quote")
    result = (await convert(client, "quote", quote["id"], target="invoice")).json()
    assert result["targetType"] == "invoice"
    invoice = (await client.get(f"/v1/invoices/{result['targetId']}")).json()
    assert (invoice["type"], invoice["status"], invoice["documentNumber"]) == ("invoice", "draft", None)
    assert (invoice["date"], invoice["dueDate"]) == ("2026-01-15", "2026-01-29")
    assert invoice["sourceDocumentId"] == quote["id"]
    assert invoice["amount"] == quote["amount"]
    source = (await client.get(f"/v1/quotes/{quote['id']}")).json()
    assert (source["convertedToInvoiceId"], source["convertedToDocumentId"]) == (invoice["id"], None)


async def test_the_whole_chain_quote_order_confirmation_invoice(client: httpx.AsyncClient) -> None:
    quote = await created_and_sent(client, "quote")
    oc_id = (await convert(client, "quote", quote["id"], target="orderConfirmation")).json()["targetId"]
    oc = await send(client, "orderConfirmation", oc_id)
    assert oc["documentNumber"] == "5001"
    result = (await convert(client, "orderConfirmation", oc_id, target="invoice")).json()
    assert result["targetType"] == "invoice"
    invoice = (await client.get(f"/v1/invoices/{result['targetId']}")).json()
    assert invoice["sourceDocumentId"] == oc_id
    oc_after = (await client.get(f"/v1/order-confirmations/{oc_id}")).json()
    assert (oc_after["displayStatus"], oc_after["convertedToInvoiceId"]) == ("converted", invoice["id"])
    assert [e["topic"] for e in await _events(client)] == [
        "quote.sent",
        "quote.converted",
        "orderConfirmation.sent",
        "orderConfirmation.converted",
    ]


async def test_convert_document_overrides_fields_and_replaces_lines(client: httpx.AsyncClient) -> None:
    quote = await created_and_sent(client, "quote", notes="Original", reference="PO-1")
    response = await convert(
        client,
        "quote",
        quote["id"],
        target="orderConfirmation",
        document={
            "notes": "Adjusted",
            "date": "2026-02-01",
            "lines": [{"priceId": seed.PRICE_EXPORT_ID, "quantity": 1}],
        },
    )
    oc = (await client.get(f"/v1/order-confirmations/{response.json()['targetId']}")).json()
    assert (oc["notes"], oc["date"], oc["reference"]) == ("Adjusted", "2026-02-01", "PO-1")
    assert [line["description"] for line in oc["lines"]] == ["Advisory package"]
    assert (oc["subtotal"], oc["vat"], oc["amount"]) == ("4000.00", "0.00", "4000.00")


async def test_convert_override_of_the_customer_drops_the_copied_contact(client: httpx.AsyncClient) -> None:
    quote = await created_and_sent(client, "quote", customerContactId=seed.CONTACT_METTE_ID)
    response = await convert(
        client, "quote", quote["id"], target="invoice", document={"customerId": seed.CUSTOMER_BOLGE_ID}
    )
    invoice = await stored(client, "invoice", response.json()["targetId"])
    assert (invoice["customerId"], invoice["customerContactId"]) == (seed.CUSTOMER_BOLGE_ID, None)


async def test_convert_override_is_validated_like_create_and_writes_nothing(client: httpx.AsyncClient) -> None:
    quote = await created_and_sent(client, "quote")
    response = await convert(
        client,
        "quote",
        quote["id"],
        target="orderConfirmation",
        document={
            "date": "01/02/2026",
            "validUntil": "2026-03-01",
            "customerContactId": seed.CONTACT_METTE_ID,
            "customerId": seed.CUSTOMER_BOLGE_ID,
            "lines": [{"description": "Only text", "lineType": "text"}],
        },
    )
    assert sorted(error_fields(response)) == sorted(
        ["document.validUntil", "document.date", "document.customerContactId", "document.lines"]
    )
    source = (await client.get(f"/v1/quotes/{quote['id']}")).json()
    assert source["convertedToDocumentId"] is None
    assert (await client.get("/v1/order-confirmations")).json()["total"] == 0


@pytest.mark.parametrize(
    ("kind", "target"),
    [("quote", "creditNote"), ("quote", "quote"), ("orderConfirmation", "orderConfirmation"), ("quote", None)],
)
async def test_a_wrong_or_missing_target_is_a_validation_error(
    client: httpx.AsyncClient, kind: str, target: str | None
) -> None:
    doc = await created_and_sent(client, kind)
    body = {} if target is None else {"target": target}
    assert error_fields(await client.post(f"{path_of(kind)}/{doc['id']}/convert", json=body)) == ["target"]


@pytest.mark.parametrize("kind", KINDS)
async def test_converting_a_draft_requires_sent(client: httpx.AsyncClient, kind: str) -> None:
    doc = await create(client, kind)
    assert_error(await convert(client, kind, doc["id"], target="invoice"), 400, "SALES_DOCUMENT_CONVERT_REQUIRES_SENT")
    assert (await client.get("/v1/invoices")).json()["total"] == 0


async def test_an_accepted_quote_converts_and_a_rejected_one_does_not(client: httpx.AsyncClient) -> None:
    accepted = await created_and_sent(client)
    await client.post(f"/_sandbox/quotes/{accepted['id']}/accept")
    assert (await convert(client, "quote", accepted["id"], target="invoice")).status_code == 200
    rejected = await created_and_sent(client)
    await client.post(f"/_sandbox/quotes/{rejected['id']}/reject")
    refused = assert_error(
        await convert(client, "quote", rejected["id"], target="invoice"), 400, "SALES_DOCUMENT_CONVERT_REQUIRES_SENT"
    )
    # Re-sending keeps a rejected quote rejected, so the message must not send the caller round to a send.
    assert "send it first" not in refused["message"]
    assert "rejected by the customer" in refused["message"]
    assert f"/_sandbox/quotes/{rejected['id']}/accept" in refused["message"]
    assert (await send(client, "quote", rejected["id"]))["status"] == "rejected"


async def test_a_rejected_quote_the_customer_then_accepts_converts(client: httpx.AsyncClient) -> None:
    quote = await created_and_sent(client)
    await client.post(f"/_sandbox/quotes/{quote['id']}/reject")
    accepted = await client.post(f"/_sandbox/quotes/{quote['id']}/accept")
    assert (accepted.json()["status"], accepted.json()["displayStatus"]) == ("accepted", "accepted")
    assert (await convert(client, "quote", quote["id"], target="orderConfirmation")).status_code == 200


@pytest.mark.parametrize(
    ("first", "second", "code"),
    [
        ("orderConfirmation", "invoice", "SALES_DOCUMENT_ALREADY_CONVERTED_TO_DOCUMENT"),
        ("orderConfirmation", "orderConfirmation", "SALES_DOCUMENT_ALREADY_CONVERTED_TO_DOCUMENT"),
        ("invoice", "orderConfirmation", "SALES_DOCUMENT_ALREADY_CONVERTED_TO_INVOICE"),
        ("invoice", "invoice", "SALES_DOCUMENT_ALREADY_CONVERTED_TO_INVOICE"),
    ],
)
async def test_a_quote_converts_once(client: httpx.AsyncClient, first: str, second: str, code: str) -> None:
    quote = await created_and_sent(client)
    assert (await convert(client, "quote", quote["id"], target=first)).status_code == 200
    assert_error(await convert(client, "quote", quote["id"], target=second), 400, code)


async def test_an_order_confirmation_converts_once(client: httpx.AsyncClient) -> None:
    oc = await created_and_sent(client, "orderConfirmation")
    assert (await convert(client, "orderConfirmation", oc["id"], target="invoice")).status_code == 200
    assert_error(
        await convert(client, "orderConfirmation", oc["id"], target="invoice"),
        400,
        "SALES_DOCUMENT_ALREADY_CONVERTED_TO_INVOICE",
    )


@pytest.mark.parametrize("kind", KINDS)
async def test_a_converted_document_cannot_be_edited_or_sent(client: httpx.AsyncClient, kind: str) -> None:
    doc = await created_and_sent(client, kind)
    await convert(client, kind, doc["id"], target="invoice")
    before = (await client.get(f"{path_of(kind)}/{doc['id']}")).json()
    patch = await client.patch(f"{path_of(kind)}/{doc['id']}", json=body_of(kind, notes="Too late"))
    assert_error(patch, 400, "SALES_DOCUMENT_LOCKED_CONVERTED")
    for delivery in ("Manual", "Email"):
        resend = await client.post(f"{path_of(kind)}/{doc['id']}/send", json={"deliveryType": delivery})
        assert_error(resend, 400, "SALES_DOCUMENT_LOCKED_CONVERTED")
    assert (await client.get(f"{path_of(kind)}/{doc['id']}")).json() == before


@pytest.mark.parametrize("kind", KINDS)
async def test_a_converted_document_answers_its_lock_whatever_the_body(client: httpx.AsyncClient, kind: str) -> None:
    """No body can make a converted document editable, so its fields are not worth naming."""
    doc = await created_and_sent(client, kind)
    await convert(client, kind, doc["id"], target="invoice")
    patch = await client.patch(f"{path_of(kind)}/{doc['id']}", json={"notes": 5, "colour": "blue"})
    assert_error(patch, 400, "SALES_DOCUMENT_LOCKED_CONVERTED")
    resend = await client.post(f"{path_of(kind)}/{doc['id']}/send", json={"deliveryType": "Sproom", "cc": "x"})
    assert_error(resend, 400, "SALES_DOCUMENT_LOCKED_CONVERTED")
    reconvert = await convert(client, kind, doc["id"], target="creditNote")
    assert_error(reconvert, 400, "SALES_DOCUMENT_ALREADY_CONVERTED_TO_INVOICE")


async def test_a_draft_answers_requires_sent_whatever_the_convert_body(client: httpx.AsyncClient) -> None:
    draft = await create(client)
    response = await convert(client, "quote", draft["id"], target="creditNote")
    body = assert_error(response, 400, "SALES_DOCUMENT_CONVERT_REQUIRES_SENT")
    assert "send it first" in body["message"]


async def test_validation_of_an_unconverted_document_still_names_every_field(client: httpx.AsyncClient) -> None:
    quote = await created_and_sent(client)
    patch = await client.patch(f"/v1/quotes/{quote['id']}", json={"notes": "no customer"})
    assert error_fields(patch) == ["customerId", "date", "lines"]
    assert error_fields(await convert(client, "quote", quote["id"], target="creditNote")) == ["target"]


async def test_send_changes_updated_at_and_keeps_created_at(client: httpx.AsyncClient) -> None:
    doc = await create(client)
    sent = await send(client, "quote", doc["id"])
    assert sent["updatedAt"] > doc["updatedAt"]
    assert sent["createdAt"] == doc["createdAt"]
    assert sent["sentAt"] == sent["updatedAt"]
    resent = await send(client, "quote", doc["id"], deliveryType="Email")
    assert resent["updatedAt"] > sent["updatedAt"]
    assert resent["sentAt"] == resent["updatedAt"]


# -- PDF ------------------------------------------------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize("kind", KINDS)
async def test_pdf_of_a_sent_document_is_final_unless_a_draft_preview_is_asked(
    client: httpx.AsyncClient, kind: str
) -> None:
    doc = await created_and_sent(client, kind)
    final = await client.get(f"{path_of(kind)}/{doc['id']}/pdf")
    assert final.status_code == 200
    assert final.headers["content-type"] == "application/pdf"
    assert final.content.startswith(b"%PDF")
    text = _pdf_text(final.content)
    assert doc["documentNumber"] in text
    assert "Fjord Foods A/S" in text
    assert "DRAFT" not in text
    preview = await client.get(f"{path_of(kind)}/{doc['id']}/pdf", params={"draft": "true"})
    assert "DRAFT" in _pdf_text(preview.content)


@pytest.mark.parametrize("kind", KINDS)
async def test_pdf_of_a_draft_is_always_watermarked(client: httpx.AsyncClient, kind: str) -> None:
    """A draft has no number yet: `draft=false` does not make a final-looking PDF of it."""
    doc = await create(client, kind)
    for params in ({}, {"draft": "false"}, {"draft": "true"}):
        response = await client.get(f"{path_of(kind)}/{doc['id']}/pdf", params=params)
        assert "DRAFT" in _pdf_text(response.content)


async def test_pdf_draft_flag_is_validated(client: httpx.AsyncClient) -> None:
    doc = await create(client)
    assert error_fields(await client.get(f"/v1/quotes/{doc['id']}/pdf", params={"draft": "maybe"})) == ["draft"]


async def test_invoice_pdf(client: httpx.AsyncClient) -> None:
    quote = await created_and_sent(client)
    invoice_id = (await convert(client, "quote", quote["id"], target="invoice")).json()["targetId"]
    response = await client.get(f"/v1/invoices/{invoice_id}/pdf")
    assert response.headers["content-type"] == "application/pdf"
    assert "Invoice" in _pdf_text(response.content)
