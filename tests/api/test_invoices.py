"""`client.invoices`: send, delivery status and the list, against the sandbox in process and against faults."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from ledgerbee_mcp.api import (
    DeliveryType,
    DocumentType,
    Invoice,
    InvoiceDeliveryState,
    InvoiceDeliveryStatus,
    InvoiceDisplayStatus,
    InvoiceSortBy,
    InvoiceStatus,
    LedgerBeeClient,
    MissingRecipientError,
    NotFoundError,
    OutcomeUnknown,
    PermissionDeniedError,
    QuoteConvertTarget,
    QuoteCreate,
    SortOrder,
)

from ._fakes import Script, client_for, error, ok
from .conftest import READONLY_KEY, UNKNOWN_ID, MakeClient

pytestmark = pytest.mark.anyio

sandbox = pytest.importorskip("ledgerbee_mcp.sandbox")
seed = pytest.importorskip("ledgerbee_mcp.sandbox.seed")

INVOICE_ID = "0197a943-2325-7829-b835-b6c71a2930b1"


async def _draft_invoice(client: LedgerBeeClient, **fields: Any) -> Invoice:
    """A draft invoice, made as the sandbox makes them: a sent quote converted into one."""
    body: dict[str, Any] = {
        "customer_id": seed.CUSTOMER_FJORD_ID,
        "date": "2026-01-15",
        "valid_until": "2099-12-31",
        "lines": [{"price_id": seed.PRICE_WORKSHOP_ID, "quantity": 2}],
    }
    body.update(fields)
    quote = await client.quotes.create(QuoteCreate.model_validate(body))
    await client.quotes.send(quote.id)
    result = await client.quotes.convert(quote.id, target=QuoteConvertTarget.INVOICE)
    return await client.invoices.get(result.target_id)


# -- against the sandbox -----------------------------------------------------------------------------------


async def test_manual_send_numbers_and_marks_the_invoice_sent(client: LedgerBeeClient) -> None:
    draft = await _draft_invoice(client)
    assert (draft.status, draft.document_number) == (InvoiceStatus.DRAFT, None)
    status = await client.invoices.delivery_status(draft.id)
    assert status == InvoiceDeliveryStatus(invoice_id=draft.id, status=InvoiceDeliveryState.NOT_SENT)

    sent = await client.invoices.send(draft.id)
    assert isinstance(sent, Invoice)
    assert (sent.type, sent.status, sent.display_status, sent.document_number) == (
        DocumentType.INVOICE,
        InvoiceStatus.SENT,
        "sent",
        "10001",
    )
    assert sent.sent_at == sent.updated_at
    assert sent.model_extra == {}
    assert await client.invoices.get(draft.id) == sent
    status = await client.invoices.delivery_status(draft.id)
    assert status.status is InvoiceDeliveryState.SENT_MANUALLY
    assert (status.delivery_type, status.recipient_email, status.sent_at) == (DeliveryType.MANUAL, None, sent.sent_at)


async def test_email_send_and_its_delivery_status(client: LedgerBeeClient) -> None:
    draft = await _draft_invoice(client)
    sent = await client.invoices.send(
        draft.id, delivery_type=DeliveryType.EMAIL, recipient_email="cfo@fjordfoods.dk"
    )
    again = await client.invoices.send(draft.id, delivery_type=DeliveryType.EMAIL)
    assert sent.document_number == again.document_number == "10001"
    status = await client.invoices.delivery_status(draft.id)
    assert status.status is InvoiceDeliveryState.EMAILED
    assert status.delivery_type is DeliveryType.EMAIL
    # The second send named no recipient: the contact the first one created and linked is resolved.
    assert status.recipient_email == "cfo@fjordfoods.dk"
    assert status.sent_at == again.sent_at
    contacts = await client.customers.contacts(seed.CUSTOMER_FJORD_ID)
    assert "cfo@fjordfoods.dk" in {c.email for c in contacts}


async def test_send_errors_surface_as_their_exceptions(make_client: MakeClient, client: LedgerBeeClient) -> None:
    draft = await _draft_invoice(client, customer_id=seed.CUSTOMER_HALVO_ID)
    with pytest.raises(MissingRecipientError):
        await client.invoices.send(draft.id, delivery_type=DeliveryType.EMAIL)
    with pytest.raises(PermissionDeniedError):
        await make_client(READONLY_KEY).invoices.send(draft.id)
    with pytest.raises(NotFoundError):
        await client.invoices.send(UNKNOWN_ID)
    with pytest.raises(NotFoundError):
        await client.invoices.delivery_status(UNKNOWN_ID)
    readonly_status = await make_client(READONLY_KEY).invoices.delivery_status(draft.id)
    assert readonly_status.status is InvoiceDeliveryState.NOT_SENT
    with pytest.raises(ValueError, match="invoice id"):
        await client.invoices.delivery_status(" ")


async def test_list_filters_and_sorts(client: LedgerBeeClient) -> None:
    small = await _draft_invoice(client, lines=[{"description": "Timer", "quantity": 1, "unit_price": "100.00"}])
    big = await _draft_invoice(client, customer_id=seed.CUSTOMER_BOLGE_ID)
    await client.invoices.send(small.id)

    sent = await client.invoices.list(status=InvoiceDisplayStatus.SENT)
    assert [i.id for i in sent.data] == [small.id]
    # The stored-status enum keeps working as the filter (the same values).
    drafts = await client.invoices.list(status=InvoiceStatus.DRAFT, customer_id=seed.CUSTOMER_BOLGE_ID)
    assert [i.id for i in drafts.data] == [big.id]
    by_amount = await client.invoices.list(sort_by=InvoiceSortBy.AMOUNT, sort_order=SortOrder.ASC)
    assert [i.id for i in by_amount.data] == [small.id, big.id]
    by_number = await client.invoices.list(sort_by=InvoiceSortBy.DOCUMENT_NUMBER, sort_order=SortOrder.DESC)
    assert [i.id for i in by_number.data] == [small.id, big.id]
    walked = [i.id async for i in client.invoices.iter(sort_by=InvoiceSortBy.AMOUNT, page_size=1)]
    assert walked == [big.id, small.id]
    page = await client.invoices.list(page=2, limit=1)
    assert (page.total, page.page, page.total_pages, [i.id for i in page.data]) == (2, 2, 2, [small.id])


# -- against faults ------------------------------------------------------------------------------------------


def _invoice_json(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": INVOICE_ID,
        "type": "invoice",
        "status": "sent",
        "displayStatus": "sent",
        "documentNumber": "10001",
        "date": "2026-01-15",
        "dueDate": "2026-01-29",
        "amount": "2500.00",
        "subtotal": "2000.00",
        "vat": "500.00",
        "currency": "DKK",
        "reference": None,
        "ourReference": None,
        "notes": None,
        "customerId": "0197a943-2325-7829-b835-b6c71a293065",
        "sourceDocumentId": None,
        "sentAt": "2026-01-15T10:00:00Z",
        "createdAt": "2026-01-15T09:00:00Z",
        "updatedAt": "2026-01-15T10:00:00Z",
        "lines": [],
    }
    body.update(overrides)
    return body


async def test_500_on_send_is_outcome_unknown_after_exactly_one_request() -> None:
    script = Script(error(500, {"statusCode": 500, "message": "Internal server error"}), ok(_invoice_json()))
    async with client_for(script) as client:
        with pytest.raises(OutcomeUnknown) as caught:
            await client.invoices.send(INVOICE_ID, delivery_type=DeliveryType.EMAIL, recipient_email="a@b.dk")
    assert len(script.requests) == 1
    err = caught.value
    assert (err.action, err.method, err.path, err.document_id) == (
        "send",
        "POST",
        f"/v1/invoices/{INVOICE_ID}/send",
        INVOICE_ID,
    )
    assert err.attempted == {"deliveryType": "Email", "recipientEmail": "a@b.dk"}
    assert err.status_code == 500
    assert "not retried" in str(err)


async def test_read_timeout_on_send_is_outcome_unknown() -> None:
    script = Script(httpx.ReadTimeout("timed out"), ok(_invoice_json()))
    async with client_for(script) as client:
        with pytest.raises(OutcomeUnknown) as caught:
            await client.invoices.send(INVOICE_ID)
    assert len(script.requests) == 1
    assert caught.value.attempted == {"deliveryType": "Manual"}


async def test_send_goes_out_as_the_documented_body() -> None:
    script = Script(ok(_invoice_json()))
    async with client_for(script) as client:
        sent = await client.invoices.send(INVOICE_ID)
    [request] = script.requests
    assert (request.method, request.url.path) == ("POST", f"/api/v1/invoices/{INVOICE_ID}/send")
    assert script.bodies == [{"deliveryType": "Manual"}]
    assert sent.document_number == "10001"


async def test_delivery_status_is_a_read_retried_on_a_5xx() -> None:
    answer = {
        "invoiceId": INVOICE_ID,
        "status": "emailed",
        "deliveryType": "Email",
        "recipientEmail": "a@b.dk",
        "sentAt": "2026-01-15T10:00:00Z",
    }
    script = Script(error(503), ok(answer))
    async with client_for(script) as client:
        status = await client.invoices.delivery_status(INVOICE_ID)
    assert len(script.requests) == 2
    assert all(r.url.path == f"/api/v1/invoices/{INVOICE_ID}/delivery-status" for r in script.requests)
    assert (status.status, status.delivery_type, status.recipient_email) == (
        InvoiceDeliveryState.EMAILED,
        DeliveryType.EMAIL,
        "a@b.dk",
    )


async def test_delivery_status_keeps_values_it_does_not_know(caplog: pytest.LogCaptureFixture) -> None:
    answer = {
        "invoiceId": INVOICE_ID,
        "status": "bounced",
        "deliveryType": "Sproom",
        "recipientEmail": None,
        "sentAt": "2026-01-15T10:00:00Z",
        "attempts": 2,
    }
    with caplog.at_level(logging.WARNING, logger="ledgerbee_mcp.api"):
        async with client_for(Script(ok(answer))) as client:
            status = await client.invoices.delivery_status(INVOICE_ID)
    assert (status.status, status.delivery_type) == ("bounced", "Sproom")
    assert not isinstance(status.status, InvoiceDeliveryState)
    assert status.model_extra == {"attempts": 2}
    assert "bounced" in caplog.text
