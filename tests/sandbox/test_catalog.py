"""The supporting reads: customers, contacts, products, prices and invoices."""

from __future__ import annotations

import httpx
import pytest

from ledgerbee_mcp.sandbox import seed

from ._support import INVOICE_KEYS, convert, created_and_sent, error_fields

pytestmark = pytest.mark.anyio


async def test_customers_list_in_name_order_with_paging(client: httpx.AsyncClient) -> None:
    page = (await client.get("/v1/customers")).json()
    assert [c["name"] for c in page["data"]] == ["Bølge Design ApS", "Fjord Foods A/S", "Halvø Tømrerfirma"]
    assert (page["total"], page["page"], page["limit"], page["totalPages"]) == (3, 1, 25, 1)
    second = (await client.get("/v1/customers", params={"limit": 2, "page": 2})).json()
    assert [c["id"] for c in second["data"]] == [seed.CUSTOMER_HALVO_ID]
    assert error_fields(await client.get("/v1/customers", params={"limit": 0})) == ["limit"]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("fjord", [seed.CUSTOMER_FJORD_ID]),
        ("BØLGE", [seed.CUSTOMER_BOLGE_ID]),
        ("bolgedesign.dk", [seed.CUSTOMER_BOLGE_ID]),
        ("zzz", []),
    ],
)
async def test_customer_search_matches_name_or_email_ignoring_case(
    client: httpx.AsyncClient, search: str, expected: list[str]
) -> None:
    page = (await client.get("/v1/customers", params={"search": search})).json()
    assert [c["id"] for c in page["data"]] == expected
    assert page["total"] == len(expected)


async def test_customer_shape(client: httpx.AsyncClient) -> None:
    customer = (await client.get(f"/v1/customers/{seed.CUSTOMER_FJORD_ID}")).json()
    assert customer == {
        "id": seed.CUSTOMER_FJORD_ID,
        "name": "Fjord Foods A/S",
        "email": seed.CUSTOMER_FJORD_EMAIL,
        "currency": "DKK",
        "vatNumber": "DK38765432",
        "address": {"street": "Havnegade 12", "postalCode": "8000", "city": "Aarhus C", "country": "DK"},
    }
    halvo = (await client.get(f"/v1/customers/{seed.CUSTOMER_HALVO_ID}")).json()
    assert (halvo["email"], halvo["vatNumber"]) == (None, None)


async def test_contacts_of_a_customer(client: httpx.AsyncClient) -> None:
    contacts = (await client.get(f"/v1/customers/{seed.CUSTOMER_FJORD_ID}/contacts")).json()
    assert contacts == {
        "data": [
            {
                "id": seed.CONTACT_METTE_ID,
                "customerId": seed.CUSTOMER_FJORD_ID,
                "name": "Mette Larsen",
                "email": seed.CONTACT_METTE_EMAIL,
            },
            {"id": seed.CONTACT_LARS_ID, "customerId": seed.CUSTOMER_FJORD_ID, "name": "Lars Holm", "email": None},
        ]
    }
    assert (await client.get(f"/v1/customers/{seed.CUSTOMER_BOLGE_ID}/contacts")).json() == {"data": []}


async def test_products_carry_all_their_prices(client: httpx.AsyncClient) -> None:
    page = (await client.get("/v1/products")).json()
    assert [p["name"] for p in page["data"]] == ["Bookkeeping subscription", "Consulting workshop", "Export advisory"]
    subscription = page["data"][0]
    assert [(p["id"], p["status"]) for p in subscription["prices"]] == [
        (seed.PRICE_SUBSCRIPTION_ID, "active"),
        (seed.PRICE_ARCHIVED_ID, "archived"),
    ]
    searched = (await client.get("/v1/products", params={"search": "WORKSHOP"})).json()
    assert [p["id"] for p in searched["data"]] == [seed.PRODUCT_WORKSHOP_ID]


async def test_price_shape(client: httpx.AsyncClient) -> None:
    price = (await client.get(f"/v1/product-prices/{seed.PRICE_WORKSHOP_ID}")).json()
    assert price == {
        "id": seed.PRICE_WORKSHOP_ID,
        "productId": seed.PRODUCT_WORKSHOP_ID,
        "name": "Workshop day",
        "unitPrice": "12500.00",
        "currency": "DKK",
        "vatRate": "25",
        "lineType": "product",
        "status": "active",
    }
    export = (await client.get(f"/v1/product-prices/{seed.PRICE_EXPORT_ID}")).json()
    assert export["vatRate"] == "0"


async def test_other_tenants_catalog_is_invisible(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"/v1/customers/{seed.OTHER_CUSTOMER_ID}")).status_code == 404
    assert (await client.get(f"/v1/product-prices/{seed.OTHER_PRICE_ID}")).status_code == 404


async def test_invoices_list_filters_and_get(client: httpx.AsyncClient) -> None:
    fjord = await created_and_sent(client)
    bolge = await created_and_sent(client, customerId=seed.CUSTOMER_BOLGE_ID)
    first = (await convert(client, "quote", fjord["id"], target="invoice")).json()["targetId"]
    second = (await convert(client, "quote", bolge["id"], target="invoice")).json()["targetId"]
    page = (await client.get("/v1/invoices")).json()
    assert [i["id"] for i in page["data"]] == [second, first]
    assert all("lines" not in item for item in page["data"])
    assert all(item["dueDate"] for item in page["data"])
    by_customer = (await client.get("/v1/invoices", params={"customerId": seed.CUSTOMER_BOLGE_ID})).json()
    assert [i["id"] for i in by_customer["data"]] == [second]
    assert (await client.get("/v1/invoices", params={"status": "sent"})).json()["total"] == 0
    assert (await client.get("/v1/invoices", params={"status": "draft"})).json()["total"] == 2
    assert error_fields(await client.get("/v1/invoices", params={"status": "converted"})) == ["status"]
    invoice = (await client.get(f"/v1/invoices/{first}")).json()
    assert list(invoice) == INVOICE_KEYS
