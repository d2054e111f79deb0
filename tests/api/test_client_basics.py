"""Construction, headers, URL joining, query parameters, paging and the wire format of the models."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
import pytest

import ledgerbee_mcp
import ledgerbee_mcp.api as api
from ledgerbee_mcp.api import (
    ConvertDocument,
    Customer,
    LedgerBeeClient,
    LineInput,
    OrderConfirmationUpdate,
    Quote,
    QuoteCreate,
    QuoteDisplayStatus,
    QuoteSortBy,
    SortOrder,
)
from ledgerbee_mcp.api._responses import retry_after_seconds

from ._fakes import API_KEY, QUOTE_ID, Script, client_for, ok, page_json, quote_json

pytestmark = pytest.mark.anyio


def _list_item(n: int) -> dict[str, Any]:
    item = quote_json(id=f"q-{n}")
    del item["lines"]
    return item


def test_exactly_one_credential_is_required() -> None:
    with pytest.raises(ValueError, match=r"api_key.*access_token"):
        LedgerBeeClient()
    with pytest.raises(ValueError, match=r"api_key.*access_token"):
        LedgerBeeClient(api_key="a", access_token="b")


def test_a_credential_with_whitespace_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError, match="api_key") as caught:
        LedgerBeeClient(api_key="bad key\n")
    assert "bad key" not in str(caught.value)


async def test_api_key_user_agent_and_accept_headers() -> None:
    script = Script(ok(quote_json()))
    async with client_for(script) as client:
        await client.quotes.get(QUOTE_ID)
    request = script.requests[0]
    assert request.headers["x-api-key"] == API_KEY
    assert "authorization" not in request.headers
    assert request.headers["user-agent"] == f"ledgerbee-mcp/{ledgerbee_mcp.__version__}"
    assert request.headers["accept"] == "application/json"


async def test_access_token_is_sent_as_bearer() -> None:
    script = Script(ok(quote_json()))
    async with client_for(script, api_key=None, access_token="tok-123") as client:
        await client.quotes.get(QUOTE_ID)
    assert script.requests[0].headers["authorization"] == "Bearer tok-123"
    assert "x-api-key" not in script.requests[0].headers


@pytest.mark.parametrize("base_url", ["https://api.test/api", "https://api.test/api/"])
async def test_paths_join_the_base_url_with_or_without_a_trailing_slash(base_url: str) -> None:
    script = Script(ok(quote_json()))
    async with client_for(script, base_url=base_url) as client:
        await client.quotes.get(QUOTE_ID)
    assert str(script.requests[0].url) == f"https://api.test/api/v1/quotes/{QUOTE_ID}"


async def test_ids_stay_one_path_segment() -> None:
    script = Script(ok(quote_json()))
    async with client_for(script) as client:
        await client.quotes.get("../customers")
        with pytest.raises(ValueError, match="quote id"):
            await client.quotes.get("")
    assert script.requests[0].url.raw_path == b"/api/v1/quotes/..%2Fcustomers"


async def test_list_query_parameters() -> None:
    script = Script(ok(page_json([_list_item(1)], total=1, page=2, limit=10)))
    async with client_for(script) as client:
        page = await client.quotes.list(
            page=2,
            limit=10,
            status=QuoteDisplayStatus.EXPIRED,
            customer_id="c-1",
            sort_by=QuoteSortBy.VALID_UNTIL,
            sort_order=SortOrder.ASC,
        )
    assert dict(script.requests[0].url.params) == {
        "page": "2",
        "limit": "10",
        "status": "expired",
        "customerId": "c-1",
        "sortBy": "validUntil",
        "sortOrder": "ASC",
    }
    assert page.total_pages == 1
    assert page.data[0].id == "q-1"


async def test_list_rejects_a_limit_over_100_before_sending() -> None:
    script = Script(ok({}))
    async with client_for(script) as client:
        with pytest.raises(ValueError, match="limit"):
            await client.quotes.list(limit=101)
    assert script.requests == []


async def test_iter_walks_pages_until_the_total() -> None:
    items = [_list_item(n) for n in range(5)]

    def answer(request: httpx.Request) -> httpx.Response:
        page, limit = int(request.url.params["page"]), int(request.url.params["limit"])
        return ok(page_json(items[(page - 1) * limit : page * limit], total=len(items), page=page, limit=limit))

    script = Script(answer)
    async with client_for(script) as client:
        ids = [q.id async for q in client.quotes.iter(page_size=2)]
    assert ids == [f"q-{n}" for n in range(5)]
    assert [r.url.params["page"] for r in script.requests] == ["1", "2", "3"]


async def test_iter_stops_at_max_items() -> None:
    items = [_list_item(n) for n in range(5)]
    script = Script(ok(page_json(items[:2], total=5, page=1, limit=2)))
    async with client_for(script) as client:
        ids = [q.id async for q in client.quotes.iter(page_size=2, max_items=2)]
    assert ids == ["q-0", "q-1"]
    assert len(script.requests) == 1


async def test_iter_stops_on_an_empty_page() -> None:
    script = Script(ok(page_json([], total=50, page=1, limit=25)))
    async with client_for(script) as client:
        assert [q async for q in client.order_confirmations.iter()] == []
    assert len(script.requests) == 1


def test_request_money_goes_out_exactly_as_given_and_quantity_is_a_number() -> None:
    body = QuoteCreate(
        customer_id="c",
        date=dt.date(2026, 1, 15),
        valid_until=dt.date(2026, 2, 15),
        lines=[
            LineInput(description="a", unit_price=Decimal("10.005"), quantity=Decimal("1.5")),
            LineInput(description="b", unit_price=Decimal("7"), quantity=Decimal("2.000")),
            LineInput(description="c", unit_price=Decimal("0.004")),
            LineInput(description="d", unit_price=Decimal("1E+3")),
            LineInput(description="e", unit_price=Decimal("12.50")),
        ],
    )
    wire = body.model_dump(mode="json", exclude_none=True)
    assert wire["validUntil"] == "2026-02-15"
    assert wire["lines"] == [
        # never rounded on the way out: how many decimals are acceptable is the caller's (and LedgerBee's) call
        {"description": "a", "unitPrice": "10.005", "quantity": 1.5},
        {"description": "b", "unitPrice": "7", "quantity": 2},
        {"description": "c", "unitPrice": "0.004"},
        {"description": "d", "unitPrice": "1000"},  # plain notation, never "1E+3"
        {"description": "e", "unitPrice": "12.50"},
    ]


def test_request_models_refuse_unknown_fields() -> None:
    with pytest.raises(ValueError, match="bogus"):
        ConvertDocument.model_validate({"bogus": 1})
    with pytest.raises(ValueError, match="status"):
        OrderConfirmationUpdate.model_validate(
            {"customer_id": "c", "date": "2026-01-01", "lines": [], "status": "accepted"}
        )
    assert ConvertDocument().model_dump(exclude_none=True) == {}


def test_response_models_parse_the_documented_wire_format_and_keep_new_fields() -> None:
    quote = Quote.model_validate(quote_json(someNewField=1))
    assert quote.amount == Decimal("2500.00")
    assert quote.lines[0].quantity == Decimal(2)
    assert quote.lines[0].vat_rate == Decimal(25)
    assert quote.valid_until == dt.date(2026, 2, 15)
    assert quote.created_at == dt.datetime(2026, 1, 15, 9, tzinfo=dt.UTC)
    # the published answer has no contact, department nor line price: the models do not pretend to know them
    for name in ("customer_contact_id", "customer_department_id"):
        assert not hasattr(quote, name)
    assert not hasattr(quote.lines[0], "price_id")
    assert quote.model_extra == {"someNewField": 1}
    assert quote.model_dump(mode="json")["lines"][0]["unitPrice"] == "1000.00"


def test_customer_shape() -> None:
    customer = Customer.model_validate(
        {
            "id": "c",
            "name": "Fjord Foods A/S",
            "email": None,
            "currency": "DKK",
            "vatNumber": "DK1",
            "address": {"street": "Havnegade 12", "postalCode": "8000", "city": "Aarhus C", "country": "DK"},
        }
    )
    assert customer.address is not None
    assert customer.address.postal_code == "8000"


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = dt.datetime(2026, 1, 15, 12, 0, 0, tzinfo=dt.UTC)
    seconds = httpx.Response(429, headers={"retry-after": "7"})
    date = httpx.Response(429, headers={"retry-after": "Thu, 15 Jan 2026 12:00:30 GMT"})
    past = httpx.Response(429, headers={"retry-after": "Thu, 15 Jan 2026 11:00:00 GMT"})
    junk = httpx.Response(429, headers={"retry-after": "soon"})
    assert retry_after_seconds(seconds, now) == 7.0
    assert retry_after_seconds(date, now) == 30.0
    assert retry_after_seconds(past, now) == 0.0
    assert retry_after_seconds(junk, now) is None


def test_public_names_are_exported() -> None:
    for name in api.__all__:
        assert hasattr(api, name), name
    for name in ("LedgerBeeClient", "Quote", "QuoteList", "OutcomeUnknown", "DeliveryType", "Page", "FieldError"):
        assert name in api.__all__


def test_iter_checks_its_arguments_at_the_call() -> None:
    client = LedgerBeeClient(api_key=API_KEY)
    with pytest.raises(ValueError, match="limit"):
        client.quotes.iter(page_size=0)
    with pytest.raises(ValueError, match="max_items"):
        client.invoices.iter(max_items=-1)
