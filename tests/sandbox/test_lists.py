"""Lists: paging and its bounds, the display-status filter (derived states included), customer filter, sorting."""

from __future__ import annotations

import httpx
import pytest

from ledgerbee_mcp.sandbox import seed

from ._support import convert, create, created_and_sent, error_fields, path_of

pytestmark = pytest.mark.anyio


async def _list(client: httpx.AsyncClient, path: str = "/v1/quotes", **params: object) -> dict[str, object]:
    response = await client.get(path, params={k: str(v) for k, v in params.items()})
    assert response.status_code == 200, response.text
    return response.json()


def _ids(page: dict[str, object]) -> list[str]:
    data = page["data"]
    assert isinstance(data, list)
    return [item["id"] for item in data]


async def test_empty_list_shape(client: httpx.AsyncClient) -> None:
    assert await _list(client) == {"data": [], "total": 0, "page": 1, "limit": 25, "totalPages": 0}


async def test_default_order_is_newest_first_by_date_then_creation(client: httpx.AsyncClient) -> None:
    older = (await create(client, date="2026-01-10"))["id"]
    newer = (await create(client, date="2026-01-12"))["id"]
    same_day = [(await create(client, date="2026-01-11"))["id"] for _ in range(2)]
    oldest = (await create(client, date="2026-01-09"))["id"]
    newest_first = [newer, same_day[1], same_day[0], older, oldest]
    assert _ids(await _list(client)) == newest_first
    assert _ids(await _list(client, sortBy="date")) == newest_first
    # sortOrder alone turns the default order round.
    assert _ids(await _list(client, sortOrder="ASC")) == list(reversed(newest_first))


async def test_paging_splits_the_list_and_counts_pages(client: httpx.AsyncClient) -> None:
    created = [(await create(client))["id"] for _ in range(5)]
    newest_first = list(reversed(created))
    first = await _list(client, limit=2)
    assert (first["total"], first["page"], first["limit"], first["totalPages"]) == (5, 1, 2, 3)
    pages = [_ids(await _list(client, limit=2, page=n)) for n in (1, 2, 3, 4)]
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:5], []]


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"page": "0"}, ["page"]),
        ({"page": "-1"}, ["page"]),
        ({"page": "x"}, ["page"]),
        ({"limit": "0"}, ["limit"]),
        ({"limit": "101"}, ["limit"]),
        ({"limit": "2.5"}, ["limit"]),
        (
            {"page": "0", "limit": "500", "status": "lost", "sortBy": "colour", "sortOrder": "UP", "customerId": "7"},
            ["page", "limit", "status", "customerId", "sortBy", "sortOrder"],
        ),
    ],
)
async def test_out_of_bounds_query_is_a_validation_error(
    client: httpx.AsyncClient, params: dict[str, str], fields: list[str]
) -> None:
    assert error_fields(await client.get("/v1/quotes", params=params)) == fields


async def test_limit_bounds_are_inclusive(client: httpx.AsyncClient) -> None:
    await create(client)
    assert (await _list(client, limit=100))["limit"] == 100
    assert (await _list(client, limit=1))["totalPages"] == 1


async def test_status_filter_covers_all_six_display_statuses(client: httpx.AsyncClient) -> None:
    await client.put("/_sandbox/clock", json={"today": "2026-03-01"})
    draft = await create(client)
    sent = await created_and_sent(client, validUntil="2026-03-01")  # valid through today: not expired
    expired = await created_and_sent(client, validUntil="2026-02-28")
    accepted = await created_and_sent(client, validUntil="2026-02-01")  # accepted stays accepted past validUntil
    await client.post(f"/_sandbox/quotes/{accepted['id']}/accept")
    rejected = await created_and_sent(client)
    await client.post(f"/_sandbox/quotes/{rejected['id']}/reject")
    converted = await created_and_sent(client, validUntil="2026-01-01")  # converted wins over expired
    await convert(client, "quote", converted["id"], target="invoice")
    expected = {
        "draft": draft,
        "sent": sent,
        "expired": expired,
        "accepted": accepted,
        "rejected": rejected,
        "converted": converted,
    }
    for status, doc in expected.items():
        page = await _list(client, status=status)
        assert _ids(page) == [doc["id"]], status
        assert page["total"] == 1
        [item] = page["data"]  # type: ignore[misc]
        assert item["displayStatus"] == status
    assert (await _list(client))["total"] == 6


async def test_the_clock_moves_a_sent_quote_into_expired(client: httpx.AsyncClient) -> None:
    quote = await created_and_sent(client, validUntil="2026-06-30")
    await client.put("/_sandbox/clock", json={"today": "2026-06-30"})
    assert (await client.get(f"/v1/quotes/{quote['id']}")).json()["displayStatus"] == "sent"
    await client.put("/_sandbox/clock", json={"today": "2026-07-01"})
    got = (await client.get(f"/v1/quotes/{quote['id']}")).json()
    assert (got["status"], got["displayStatus"]) == ("sent", "expired")
    assert _ids(await _list(client, status="expired")) == [quote["id"]]
    assert (await _list(client, status="sent"))["total"] == 0


async def test_a_sent_quote_without_valid_until_never_expires(client: httpx.AsyncClient) -> None:
    quote = await create(client)
    await client.patch(
        f"/v1/quotes/{quote['id']}",
        json={
            "customerId": seed.CUSTOMER_FJORD_ID,
            "date": "2026-01-15",
            "lines": [{"priceId": seed.PRICE_WORKSHOP_ID}],
        },
    )
    await client.post(f"/v1/quotes/{quote['id']}/send")
    await client.put("/_sandbox/clock", json={"today": "2099-01-01"})
    assert _ids(await _list(client, status="sent")) == [quote["id"]]


async def test_order_confirmation_statuses(client: httpx.AsyncClient) -> None:
    path = path_of("orderConfirmation")
    draft = await create(client, "orderConfirmation")
    sent = await created_and_sent(client, "orderConfirmation")
    converted = await created_and_sent(client, "orderConfirmation")
    await convert(client, "orderConfirmation", converted["id"], target="invoice")
    for status, doc in {"draft": draft, "sent": sent, "converted": converted}.items():
        assert _ids(await _list(client, path, status=status)) == [doc["id"]]
    for quote_only in ("expired", "accepted", "rejected"):
        assert error_fields(await client.get(path, params={"status": quote_only})) == ["status"]


async def test_customer_filter(client: httpx.AsyncClient) -> None:
    fjord = await create(client)
    bolge = await create(client, customerId=seed.CUSTOMER_BOLGE_ID)
    assert _ids(await _list(client, customerId=seed.CUSTOMER_FJORD_ID)) == [fjord["id"]]
    assert _ids(await _list(client, customerId=seed.CUSTOMER_BOLGE_ID)) == [bolge["id"]]
    page = await _list(client, customerId=seed.CUSTOMER_BOLGE_ID, status="draft")
    assert (page["total"], _ids(page)) == (1, [bolge["id"]])
    assert (await _list(client, customerId=seed.CUSTOMER_HALVO_ID, status="draft"))["total"] == 0


async def test_sort_by_amount_both_ways(client: httpx.AsyncClient) -> None:
    docs = {}
    for quantity in (3, 1, 2):
        doc = await create(client, lines=[{"priceId": seed.PRICE_EXPORT_ID, "quantity": quantity}])
        docs[quantity] = doc["id"]
    assert _ids(await _list(client, sortBy="amount", sortOrder="ASC")) == [docs[1], docs[2], docs[3]]
    assert _ids(await _list(client, sortBy="amount", sortOrder="DESC")) == [docs[3], docs[2], docs[1]]
    assert _ids(await _list(client, sortBy="amount")) == [docs[3], docs[2], docs[1]]  # DESC by default


async def test_sort_by_date_valid_until_and_number(client: httpx.AsyncClient) -> None:
    a = await create(client, date="2026-03-01", validUntil="2026-12-01")
    b = await create(client, date="2026-01-01", validUntil="2026-11-01")
    c = await create(client, date="2026-02-01", validUntil="2026-10-01")
    assert _ids(await _list(client, sortBy="date", sortOrder="ASC")) == [b["id"], c["id"], a["id"]]
    assert _ids(await _list(client, sortBy="validUntil", sortOrder="ASC")) == [c["id"], b["id"], a["id"]]
    for doc in (c, a, b):
        await client.post(f"/v1/quotes/{doc['id']}/send")
    # numbers 1001 (c), 1002 (a), 1003 (b): numeric order, not text order
    assert _ids(await _list(client, sortBy="documentNumber", sortOrder="ASC")) == [c["id"], a["id"], b["id"]]
    assert _ids(await _list(client, sortBy="documentNumber", sortOrder="desc")) == [b["id"], a["id"], c["id"]]


async def test_numbers_sort_numerically_past_a_digit_boundary(client: httpx.AsyncClient) -> None:
    await client.put("/_sandbox/clock", json={"today": "2026-01-01"})
    docs = [await created_and_sent(client) for _ in range(3)]
    assert [d["documentNumber"] for d in docs] == ["1001", "1002", "1003"]
    assert _ids(await _list(client, sortBy="documentNumber", sortOrder="ASC")) == [d["id"] for d in docs]


async def test_sort_by_status(client: httpx.AsyncClient) -> None:
    draft = await create(client)
    sent = await created_and_sent(client)
    accepted = await created_and_sent(client)
    await client.post(f"/_sandbox/quotes/{accepted['id']}/accept")
    assert _ids(await _list(client, sortBy="status", sortOrder="ASC")) == [accepted["id"], draft["id"], sent["id"]]


async def test_valid_until_is_not_a_sort_field_of_order_confirmations(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/order-confirmations", params={"sortBy": "validUntil"})
    assert error_fields(response) == ["sortBy"]


async def test_totals_match_the_items_after_every_kind_of_change(client: httpx.AsyncClient) -> None:
    """The list totals come from running tallies; they must agree with the documents themselves."""
    await client.put("/_sandbox/clock", json={"today": "2026-05-20"})
    quotes = [await create(client, validUntil=f"2026-0{m}-15") for m in range(1, 9)]
    for quote in quotes[:6]:
        await client.post(f"/v1/quotes/{quote['id']}/send")
    await client.post(f"/_sandbox/quotes/{quotes[0]['id']}/accept")
    await client.post(f"/_sandbox/quotes/{quotes[1]['id']}/reject")
    await convert(client, "quote", quotes[2]["id"], target="orderConfirmation")
    await client.patch(
        f"/v1/quotes/{quotes[3]['id']}",
        json={
            "customerId": seed.CUSTOMER_FJORD_ID,
            "date": "2026-01-15",
            "validUntil": "2026-12-01",
            "lines": [{"priceId": seed.PRICE_WORKSHOP_ID}],
        },
    )
    everything = (await _list(client, limit=100))["data"]
    assert isinstance(everything, list)
    for status in ("draft", "sent", "accepted", "rejected", "expired", "converted"):
        expected = sum(1 for item in everything if item["displayStatus"] == status)
        assert (await _list(client, status=status))["total"] == expected, status
    assert (await _list(client, status="expired"))["total"] == 1  # quote 4 (May 15); quote 3 moved to December


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/v1/quotes", "date, documentNumber, amount, status, validUntil"),
        ("/v1/order-confirmations", "date, documentNumber, amount, status"),
    ],
)
async def test_an_unlisted_sort_field_is_refused_naming_the_listed_ones(
    client: httpx.AsyncClient, path: str, fields: str
) -> None:
    response = await client.get(path, params={"sortBy": "createdAt"})
    [error] = response.json()["errors"]
    assert error == {"field": "sortBy", "message": f"must be one of {fields}"}
