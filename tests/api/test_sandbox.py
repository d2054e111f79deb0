"""Every client method against the sandbox, in process (`httpx.ASGITransport`), and every documented error
code surfacing as its exception class with its hint."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from ledgerbee_mcp.api import (
    AlreadyConvertedError,
    AuthenticationError,
    ConvertDocument,
    ConvertRequiresSentError,
    DeliveryType,
    DocumentLockedError,
    DocumentType,
    InvalidRequestError,
    InvoiceStatus,
    LedgerBeeClient,
    LineInput,
    LineType,
    MissingRecipientError,
    NotFoundError,
    OrderConfirmationCreate,
    OrderConfirmationDisplayStatus,
    OrderConfirmationSortBy,
    OrderConfirmationStatus,
    OrderConfirmationUpdate,
    PermissionDeniedError,
    PriceStatus,
    Quote,
    QuoteConvertTarget,
    QuoteCreate,
    QuoteDisplayStatus,
    QuoteSortBy,
    QuoteStatus,
    QuoteUpdate,
    SortOrder,
)

from .conftest import FULL_KEY, READONLY_KEY, UNKNOWN_ID, MakeClient

pytestmark = pytest.mark.anyio

seed = pytest.importorskip("ledgerbee_mcp.sandbox.seed")
sandbox = pytest.importorskip("ledgerbee_mcp.sandbox")
if not hasattr(sandbox, "create_app"):
    pytest.skip("the sandbox app (ledgerbee_mcp.sandbox.create_app) has not landed", allow_module_level=True)

OTHER_KEY = "lb_sandbox_other"


def _quote_body(customer_id: str | None = None, **extra: Any) -> QuoteCreate:
    return QuoteCreate(
        customer_id=customer_id or seed.CUSTOMER_FJORD_ID,
        date=dt.date(2026, 1, 15),
        valid_until=dt.date(2099, 2, 15),
        lines=[LineInput(price_id=seed.PRICE_WORKSHOP_ID, quantity=Decimal(2))],
        **extra,
    )


def _oc_body(customer_id: str | None = None) -> OrderConfirmationCreate:
    return OrderConfirmationCreate(
        customer_id=customer_id or seed.CUSTOMER_FJORD_ID,
        date=dt.date(2026, 1, 15),
        lines=[
            LineInput(price_id=seed.PRICE_SUBSCRIPTION_ID, quantity=Decimal(3)),
            LineInput(description="Delivered on site", line_type=LineType.TEXT),
        ],
    )


async def _sent_quote(client: LedgerBeeClient) -> Quote:
    quote = await client.quotes.create(_quote_body())
    return await client.quotes.send(quote.id)


# -- supporting reads --------------------------------------------------------------------------------------


async def test_customers(client: LedgerBeeClient) -> None:
    page = await client.customers.list(search="FJORD")
    assert [c.id for c in page.data] == [seed.CUSTOMER_FJORD_ID]
    assert page.total == 1
    customer = await client.customers.get(seed.CUSTOMER_FJORD_ID)
    assert customer.email == seed.CUSTOMER_FJORD_EMAIL
    assert customer.address is not None
    assert customer.address.city == "Aarhus C"
    contacts = await client.customers.contacts(seed.CUSTOMER_FJORD_ID)
    assert {c.id for c in contacts} == {seed.CONTACT_METTE_ID, seed.CONTACT_LARS_ID}
    assert all(c.customer_id == seed.CUSTOMER_FJORD_ID for c in contacts)
    everyone = [c.id async for c in client.customers.iter(page_size=1)]
    assert len(everyone) == 3


async def test_products_and_prices(client: LedgerBeeClient) -> None:
    page = await client.products.list(limit=2)
    assert page.total == 3
    assert page.total_pages == 2
    products = [p async for p in client.products.iter(page_size=2)]
    assert {p.id for p in products} == {seed.PRODUCT_WORKSHOP_ID, seed.PRODUCT_SUBSCRIPTION_ID, seed.PRODUCT_EXPORT_ID}
    price = await client.prices.get(seed.PRICE_WORKSHOP_ID)
    assert (price.unit_price, price.vat_rate, price.status) == (Decimal("12500.00"), Decimal(25), PriceStatus.ACTIVE)
    archived = await client.prices.get(seed.PRICE_ARCHIVED_ID)
    assert archived.status is PriceStatus.ARCHIVED
    assert archived.line_type is LineType.SUBSCRIPTION


# -- the quote -> order confirmation -> invoice chain -------------------------------------------------------


async def test_quote_lifecycle(client: LedgerBeeClient) -> None:
    quote = await client.quotes.create(_quote_body(reference="PO-7", notes="Thanks"))
    assert quote.status is QuoteStatus.DRAFT
    assert quote.document_number is None
    assert quote.type is DocumentType.QUOTE
    assert (quote.subtotal, quote.vat, quote.amount) == (Decimal("25000.00"), Decimal("6250.00"), Decimal("31250.00"))
    assert quote.lines[0].unit_price == Decimal("12500.00")
    assert quote.reference == "PO-7"

    assert (await client.quotes.get(quote.id)).model_dump() == quote.model_dump()
    assert (await client.quotes.pdf(quote.id, draft=True)).startswith(b"%PDF-")

    update = QuoteUpdate.model_validate(
        {**_quote_body().model_dump(), "lines": [LineInput(description="Half day", unit_price=Decimal("1000.00"))]}
    )
    updated = await client.quotes.update(quote.id, update)
    assert updated.lines[0].unit_price == Decimal("1000.00")
    assert updated.lines[0].line_type is LineType.PRODUCT
    assert updated.amount == Decimal("1250.00")
    assert updated.reference is None

    sent = await client.quotes.send(quote.id)
    assert sent.status is QuoteStatus.SENT
    assert sent.document_number is not None
    assert sent.sent_at is not None
    resent = await client.quotes.send(quote.id)
    assert resent.document_number == sent.document_number
    assert (await client.quotes.pdf(quote.id)).startswith(b"%PDF-")

    result = await client.quotes.convert(quote.id, target=QuoteConvertTarget.ORDER_CONFIRMATION)
    assert result.target_type is DocumentType.ORDER_CONFIRMATION
    source = await client.quotes.get(quote.id)
    assert source.display_status is QuoteDisplayStatus.CONVERTED
    assert source.converted_to_document_id == result.target_id

    oc = await client.order_confirmations.get(result.target_id)
    assert oc.source_document_id == quote.id
    assert oc.status is OrderConfirmationStatus.DRAFT
    assert oc.document_number is None
    assert oc.amount == updated.amount


async def test_quote_lists_filter_and_sort(client: LedgerBeeClient) -> None:
    draft = await client.quotes.create(_quote_body())
    sent = await _sent_quote(client)
    drafts = await client.quotes.list(status=QuoteDisplayStatus.DRAFT)
    assert [q.id for q in drafts.data] == [draft.id]
    by_amount = await client.quotes.list(sort_by=QuoteSortBy.DOCUMENT_NUMBER, sort_order=SortOrder.ASC)
    assert {q.id for q in by_amount.data} == {draft.id, sent.id}
    mine = [q.id async for q in client.quotes.iter(customer_id=seed.CUSTOMER_FJORD_ID, page_size=1)]
    assert sorted(mine) == sorted([draft.id, sent.id])
    assert [q async for q in client.quotes.iter(customer_id=seed.CUSTOMER_BOLGE_ID)] == []


async def test_order_confirmation_lifecycle_to_invoice(client: LedgerBeeClient) -> None:
    oc = await client.order_confirmations.create(_oc_body())
    assert oc.subtotal == Decimal("4485.00")
    assert oc.lines[1].line_type is LineType.TEXT
    assert oc.lines[1].total_price == Decimal("0.00")

    body = OrderConfirmationUpdate.model_validate({**_oc_body().model_dump(), "notes": "Rush"})
    assert (await client.order_confirmations.update(oc.id, body)).notes == "Rush"
    assert (await client.order_confirmations.pdf(oc.id, draft=True)).startswith(b"%PDF-")

    sent = await client.order_confirmations.send(
        oc.id, delivery_type=DeliveryType.EMAIL, recipient_email="buyer@fjordfoods.dk"
    )
    assert sent.status is OrderConfirmationStatus.SENT
    assert sent.document_number is not None

    listed = await client.order_confirmations.list(
        status=OrderConfirmationDisplayStatus.SENT, sort_by=OrderConfirmationSortBy.DATE, sort_order=SortOrder.DESC
    )
    assert [d.id for d in listed.data] == [oc.id]

    result = await client.order_confirmations.convert(oc.id)
    assert result.target_type is DocumentType.INVOICE
    converted = await client.order_confirmations.get(oc.id)
    assert converted.display_status is OrderConfirmationDisplayStatus.CONVERTED
    assert converted.converted_to_invoice_id == result.target_id

    invoice = await client.invoices.get(result.target_id)
    assert invoice.type is DocumentType.INVOICE
    assert invoice.status is InvoiceStatus.DRAFT
    assert invoice.source_document_id == oc.id
    assert invoice.due_date == invoice.date + dt.timedelta(days=14)
    assert invoice.amount == sent.amount
    assert len(invoice.lines) == 2
    drafts = await client.invoices.list(status=InvoiceStatus.DRAFT, customer_id=seed.CUSTOMER_FJORD_ID)
    assert [i.id for i in drafts.data] == [invoice.id]
    assert [i.id async for i in client.invoices.iter()] == [invoice.id]
    assert (await client.invoices.pdf(invoice.id)).startswith(b"%PDF-")


async def test_convert_with_document_overrides(client: LedgerBeeClient) -> None:
    quote = await _sent_quote(client)
    overrides = ConvertDocument(notes="Adjusted", lines=[LineInput(price_id=seed.PRICE_EXPORT_ID, quantity=Decimal(1))])
    result = await client.quotes.convert(quote.id, target=QuoteConvertTarget.INVOICE, document=overrides)
    invoice = await client.invoices.get(result.target_id)
    assert invoice.notes == "Adjusted"
    assert invoice.amount == Decimal("4000.00")
    assert (await client.quotes.get(quote.id)).converted_to_invoice_id == invoice.id


async def test_order_confirmation_update_may_set_the_stored_status(client: LedgerBeeClient) -> None:
    oc = await client.order_confirmations.create(_oc_body())
    body = OrderConfirmationUpdate.model_validate({**_oc_body().model_dump(), "status": "sent"})
    assert (await client.order_confirmations.update(oc.id, body)).status is OrderConfirmationStatus.SENT


async def test_email_send_resolves_the_customer_email(client: LedgerBeeClient) -> None:
    quote = await client.quotes.create(_quote_body(seed.CUSTOMER_BOLGE_ID))
    sent = await client.quotes.send(quote.id, delivery_type=DeliveryType.EMAIL)
    assert sent.status is QuoteStatus.SENT


# -- documented errors ---------------------------------------------------------------------------------------


async def test_converting_a_draft(client: LedgerBeeClient) -> None:
    quote = await client.quotes.create(_quote_body())
    with pytest.raises(ConvertRequiresSentError) as caught:
        await client.quotes.convert(quote.id, target=QuoteConvertTarget.INVOICE)
    assert caught.value.code == "SALES_DOCUMENT_CONVERT_REQUIRES_SENT"
    assert caught.value.hint is not None
    assert caught.value.hint.startswith("Send the document first")
    oc = await client.order_confirmations.create(_oc_body())
    with pytest.raises(ConvertRequiresSentError):
        await client.order_confirmations.convert(oc.id)


async def test_re_converting_answers_both_codes(client: LedgerBeeClient) -> None:
    to_oc = await _sent_quote(client)
    await client.quotes.convert(to_oc.id, target=QuoteConvertTarget.ORDER_CONFIRMATION)
    with pytest.raises(AlreadyConvertedError) as caught:
        await client.quotes.convert(to_oc.id, target=QuoteConvertTarget.INVOICE)
    assert caught.value.code == "SALES_DOCUMENT_ALREADY_CONVERTED_TO_DOCUMENT"
    assert caught.value.hint == "Read convertedToDocumentId / convertedToInvoiceId on the source."

    to_invoice = await _sent_quote(client)
    await client.quotes.convert(to_invoice.id, target=QuoteConvertTarget.INVOICE)
    with pytest.raises(AlreadyConvertedError) as caught:
        await client.quotes.convert(to_invoice.id, target=QuoteConvertTarget.INVOICE)
    assert caught.value.code == "SALES_DOCUMENT_ALREADY_CONVERTED_TO_INVOICE"


async def test_editing_or_sending_a_converted_document(client: LedgerBeeClient) -> None:
    quote = await _sent_quote(client)
    await client.quotes.convert(quote.id, target=QuoteConvertTarget.ORDER_CONFIRMATION)
    with pytest.raises(DocumentLockedError) as caught:
        await client.quotes.update(quote.id, QuoteUpdate.model_validate(_quote_body().model_dump()))
    assert caught.value.code == "SALES_DOCUMENT_LOCKED_CONVERTED"
    assert caught.value.hint == "Act on the document the conversion produced instead."
    with pytest.raises(DocumentLockedError):
        await client.quotes.send(quote.id)


async def test_missing_recipient(client: LedgerBeeClient) -> None:
    quote = await client.quotes.create(_quote_body(seed.CUSTOMER_HALVO_ID))
    with pytest.raises(MissingRecipientError) as caught:
        await client.quotes.send(quote.id, delivery_type=DeliveryType.EMAIL)
    assert caught.value.hint == "Pass recipientEmail, or set an e-mail on the customer or contact."
    assert (await client.quotes.get(quote.id)).status is QuoteStatus.DRAFT
    sent = await client.quotes.send(quote.id, delivery_type=DeliveryType.EMAIL, recipient_email="ejer@halvo.dk")
    assert sent.status is QuoteStatus.SENT
    assert any(c.email == "ejer@halvo.dk" for c in await client.customers.contacts(seed.CUSTOMER_HALVO_ID))


async def test_readonly_key_cannot_write(make_client: MakeClient) -> None:
    readonly = make_client(READONLY_KEY)
    assert (await readonly.quotes.list()).total == 0
    with pytest.raises(PermissionDeniedError) as caught:
        await readonly.quotes.create(_quote_body())
    assert caught.value.status_code == 403
    assert caught.value.code is None
    assert caught.value.hint == "Grant the matching read or write scope."


async def test_unknown_and_other_tenants_ids_are_not_found(make_client: MakeClient) -> None:
    client = make_client(FULL_KEY)
    with pytest.raises(NotFoundError) as caught:
        await client.quotes.get(UNKNOWN_ID)
    assert caught.value.hint == "Pass a UUID id that exists for your tenant."
    quote = await client.quotes.create(_quote_body())
    other = make_client(OTHER_KEY)
    with pytest.raises(NotFoundError):
        await other.quotes.get(quote.id)
    with pytest.raises(NotFoundError):
        await client.customers.get(seed.OTHER_CUSTOMER_ID)


async def test_a_non_uuid_id_is_a_bad_request(client: LedgerBeeClient) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        await client.order_confirmations.get("not-a-uuid")
    err = caught.value
    assert err.status_code == 400
    assert err.code == "VALIDATION_ERROR"
    assert [f.field for f in err.field_errors] == ["id"]
    assert err.hint == "Pass a UUID id that exists for your tenant."


async def test_validation_error_names_the_fields(client: LedgerBeeClient) -> None:
    body = QuoteCreate(
        customer_id=seed.CUSTOMER_FJORD_ID,
        date=dt.date(2026, 1, 15),
        lines=[LineInput(description="No price", quantity=Decimal(-1))],
    )
    with pytest.raises(InvalidRequestError) as caught:
        await client.quotes.create(body)
    err = caught.value
    assert err.code == "VALIDATION_ERROR"
    fields = {f.field for f in err.field_errors}
    assert "lines[0].quantity" in fields
    assert err.hint == "Fix the named fields and retry."
    assert "lines[0].quantity" in str(err)


async def test_a_wrong_key_is_an_authentication_error(make_client: MakeClient) -> None:
    with pytest.raises(AuthenticationError) as caught:
        await make_client("lb_sandbox_nope").quotes.list()
    assert caught.value.status_code == 401
    assert "lb_sandbox_nope" not in str(caught.value)
