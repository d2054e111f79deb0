"""Create, read and update of quotes and order confirmations: fields, lines, totals, validation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerbee_mcp.sandbox import seed

from ._support import UNKNOWN_ID, assert_error, body_of, create, error_fields, oc_body, path_of, quote_body, stored

pytestmark = pytest.mark.anyio

KINDS = ["quote", "orderConfirmation"]


@pytest.mark.parametrize("kind", KINDS)
async def test_create_answers_201_with_a_draft_without_number_and_server_totals(
    client: httpx.AsyncClient, kind: str
) -> None:
    response = await client.post(path_of(kind), json=body_of(kind, reference="PO-7", notes="Thanks"))
    assert response.status_code == 201
    doc = response.json()
    assert doc["status"] == doc["displayStatus"] == "draft"
    assert doc["documentNumber"] is None
    assert doc["sentAt"] is None
    assert (doc["subtotal"], doc["vat"], doc["amount"]) == ("25000.00", "6250.00", "31250.00")
    assert (doc["reference"], doc["notes"], doc["ourReference"]) == ("PO-7", "Thanks", None)
    assert doc["currency"] == "DKK"
    assert doc["createdAt"] == doc["updatedAt"]
    [line] = doc["lines"]
    assert line["id"]
    assert "priceId" not in line
    assert (await stored(client, kind, doc["id"]))["lines"][0]["priceId"] == seed.PRICE_WORKSHOP_ID
    assert (line["quantity"], line["unitPrice"], line["totalPrice"], line["vatRate"], line["vatAmount"]) == (
        2,
        "12500.00",
        "25000.00",
        "25",
        "6250.00",
    )


async def test_quote_answer_carries_type_valid_until_and_both_conversion_links(client: httpx.AsyncClient) -> None:
    quote = await create(client, "quote")
    assert quote["type"] == "quote"
    assert quote["validUntil"] == "2099-12-31"
    assert quote["convertedToDocumentId"] is None
    assert quote["convertedToInvoiceId"] is None
    assert quote["sourceDocumentId"] is None


async def test_order_confirmation_answer_has_no_quote_only_fields(client: httpx.AsyncClient) -> None:
    oc = await create(client, "orderConfirmation")
    assert "type" not in oc
    assert "validUntil" not in oc
    assert "convertedToDocumentId" not in oc
    assert oc["convertedToInvoiceId"] is None


async def test_valid_until_is_refused_on_an_order_confirmation(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/order-confirmations", json={**oc_body(), "validUntil": "2099-01-01"})
    assert error_fields(response) == ["validUntil"]


async def test_price_only_line_takes_description_price_vat_and_type_from_the_price(client: httpx.AsyncClient) -> None:
    doc = await create(client, lines=[{"priceId": seed.PRICE_SUBSCRIPTION_ID}])
    [line] = doc["lines"]
    assert (line["description"], line["lineType"], line["quantity"], line["unitPrice"], line["vatRate"]) == (
        "Monthly",
        "subscription",
        1,
        "1495.00",
        "25",
    )


async def test_explicit_line_fields_override_the_price(client: httpx.AsyncClient) -> None:
    doc = await create(
        client,
        lines=[
            {
                "priceId": seed.PRICE_WORKSHOP_ID,
                "description": "Half-day workshop",
                "unitPrice": "6250.00",
                "lineType": "subscription",
                "quantity": 1,
            }
        ],
    )
    [line] = doc["lines"]
    assert (line["description"], line["unitPrice"], line["lineType"], line["vatRate"]) == (
        "Half-day workshop",
        "6250.00",
        "subscription",
        "25",
    )


async def test_zero_rated_price_carries_no_vat(client: httpx.AsyncClient) -> None:
    doc = await create(client, lines=[{"priceId": seed.PRICE_EXPORT_ID, "quantity": 3}])
    assert (doc["subtotal"], doc["vat"], doc["amount"]) == ("12000.00", "0.00", "12000.00")
    assert doc["lines"][0]["vatRate"] == "0"


async def test_line_without_price_needs_description_and_unit_price_and_gets_25_percent(
    client: httpx.AsyncClient,
) -> None:
    doc = await create(client, lines=[{"description": "Travel", "unitPrice": "400", "quantity": 1}])
    [line] = doc["lines"]
    assert (line["unitPrice"], line["vatRate"], line["vatAmount"]) == ("400.00", "25", "100.00")
    assert (await stored(client, "quote", doc["id"]))["lines"][0]["priceId"] is None


@pytest.mark.parametrize(
    ("quantity", "unit_price", "total", "vat"),
    [
        (3, "33.335", "100.01", "25.00"),  # 100.005 rounds half-up (banker's rounding would give 100.00)
        (1, "0.125", "0.13", "0.03"),  # 0.125 -> 0.13; VAT 0.0325 -> 0.03
        (1, "0.10", "0.10", "0.03"),  # VAT 0.025 -> 0.03
        (1.5, "99.99", "149.99", "37.50"),  # 149.985 -> 149.99; VAT 37.4975 -> 37.50
    ],
)
async def test_line_amounts_round_half_up_to_two_places(
    client: httpx.AsyncClient, quantity: float, unit_price: str, total: str, vat: str
) -> None:
    doc = await create(client, lines=[{"description": "Item", "unitPrice": unit_price, "quantity": quantity}])
    [line] = doc["lines"]
    assert (line["totalPrice"], line["vatAmount"]) == (total, vat)
    assert (doc["subtotal"], doc["vat"]) == (total, vat)


async def test_document_totals_are_sums_of_rounded_lines(client: httpx.AsyncClient) -> None:
    lines = [{"description": f"Item {i}", "unitPrice": "0.005", "quantity": 1} for i in range(3)]
    doc = await create(client, lines=lines)
    # each line rounds 0.005 -> 0.01 on its own, so the subtotal is 0.03, not round(0.015) = 0.02
    assert (doc["subtotal"], doc["vat"], doc["amount"]) == ("0.03", "0.00", "0.03")


async def test_quantity_keeps_its_decimals_without_float_noise(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/quotes",
        content=b'{"customerId": "%s", "date": "2026-01-15", "lines": '
        b'[{"description": "Hours", "unitPrice": "0.10", "quantity": 0.1}, '
        b'{"description": "Hours", "unitPrice": "0.10", "quantity": 0.2}]}' % seed.CUSTOMER_FJORD_ID.encode(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 201
    assert b'"quantity":0.1,' in response.content
    assert b'"quantity":0.2,' in response.content
    assert response.json()["subtotal"] == "0.03"


async def test_currency_defaults_to_the_customers_and_can_be_given(client: httpx.AsyncClient) -> None:
    assert (await create(client))["currency"] == "DKK"
    assert (await create(client, currency="EUR"))["currency"] == "EUR"


async def test_text_line_has_zero_amounts_and_does_not_count_as_product_line(client: httpx.AsyncClient) -> None:
    doc = await create(
        client,
        lines=[
            {"priceId": seed.PRICE_WORKSHOP_ID, "quantity": 1},
            {"description": "Delivered on site", "lineType": "text"},
        ],
    )
    text = doc["lines"][1]
    assert (text["lineType"], text["unitPrice"], text["totalPrice"], text["vatAmount"]) == (
        "text",
        "0.00",
        "0.00",
        "0.00",
    )
    response = await client.post(
        "/v1/quotes", json=quote_body(lines=[{"description": "Only text", "lineType": "text"}])
    )
    assert error_fields(response) == ["lines"]


async def test_text_line_carries_a_description_only(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/quotes",
        json=quote_body(
            lines=[
                {"priceId": seed.PRICE_WORKSHOP_ID},
                {"lineType": "text", "priceId": seed.PRICE_WORKSHOP_ID, "unitPrice": "1.00"},
                {"lineType": "text"},
            ]
        ),
    )
    assert error_fields(response) == ["lines[1].priceId", "lines[1].unitPrice", "lines[2].description"]


async def test_empty_lines_is_a_validation_error_naming_lines(client: httpx.AsyncClient) -> None:
    assert error_fields(await client.post("/v1/quotes", json=quote_body(lines=[]))) == ["lines"]


async def test_validation_names_every_bad_field_at_once_and_writes_nothing(client: httpx.AsyncClient) -> None:
    body: dict[str, Any] = {
        "customerId": UNKNOWN_ID,
        "date": "2026-1-5",
        "validUntil": "tomorrow",
        "currency": "dkk",
        "colour": "blue",
        "lines": [
            {"priceId": seed.PRICE_WORKSHOP_ID, "quantity": 0},
            {"description": "x", "unitPrice": 12.5, "quantity": 1},
            {"priceId": seed.PRICE_ARCHIVED_ID, "quantity": 1},
            {"priceId": UNKNOWN_ID, "quantity": 1},
            {"description": "x", "unitPrice": "1.00", "lineType": "service"},
            {"description": "x", "unitPrice": "1.00", "discount": "5"},
            {"description": "x", "unitPrice": "1.00", "quantity": "2"},
            {"description": "x", "unitPrice": "1,00", "quantity": -1},
            {"quantity": 1},
            "not a line",
        ],
    }
    response = await client.post("/v1/quotes", json=body)
    body_json = assert_error(response, 400, "VALIDATION_ERROR")
    assert sorted(e["field"] for e in body_json["errors"]) == sorted(
        [
            "colour",
            "customerId",
            "date",
            "validUntil",
            "currency",
            "lines[0].quantity",
            "lines[1].unitPrice",
            "lines[2].priceId",
            "lines[3].priceId",
            "lines[4].lineType",
            "lines[5].discount",
            "lines[6].quantity",
            "lines[7].unitPrice",
            "lines[7].quantity",
            "lines[8].description",
            "lines[8].unitPrice",
            "lines[9]",
        ]
    )
    messages = {e["field"]: e["message"] for e in body_json["errors"]}
    assert "not a JSON number" in messages["lines[1].unitPrice"]
    assert "archived" in messages["lines[2].priceId"]
    assert (await client.get("/v1/quotes")).json()["total"] == 0


async def test_missing_required_fields_are_each_named(client: httpx.AsyncClient) -> None:
    assert error_fields(await client.post("/v1/quotes", json={})) == ["customerId", "date", "lines"]


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"", b'{"quantity": NaN}'])
async def test_a_body_that_is_not_a_json_object_is_named_body(client: httpx.AsyncClient, raw: bytes) -> None:
    response = await client.post("/v1/quotes", content=raw, headers={"content-type": "application/json"})
    assert error_fields(response) == ["body"]


async def test_contact_must_belong_to_the_customer(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/quotes", json=quote_body(customerId=seed.CUSTOMER_BOLGE_ID, customerContactId=seed.CONTACT_METTE_ID)
    )
    assert error_fields(response) == ["customerContactId"]
    doc = await create(client, customerContactId=seed.CONTACT_METTE_ID)
    assert "customerContactId" not in doc  # stored, not answered
    assert (await stored(client, "quote", doc["id"]))["customerContactId"] == seed.CONTACT_METTE_ID


async def test_another_tenants_customer_and_price_are_unknown(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/quotes",
        json=quote_body(customerId=seed.OTHER_CUSTOMER_ID, lines=[{"priceId": seed.OTHER_PRICE_ID}]),
    )
    assert error_fields(response) == ["customerId", "lines[0].priceId"]


async def test_get_has_lines_and_list_items_do_not(client: httpx.AsyncClient) -> None:
    doc = await create(client)
    got = (await client.get(f"/v1/quotes/{doc['id']}")).json()
    assert got == doc
    [item] = (await client.get("/v1/quotes")).json()["data"]
    assert "lines" not in item
    assert item == {k: v for k, v in doc.items() if k != "lines"}


async def test_ids_in_paths_are_case_insensitive(client: httpx.AsyncClient) -> None:
    doc = await create(client)
    assert (await client.get(f"/v1/quotes/{doc['id'].upper()}")).json()["id"] == doc["id"]


async def test_patch_replaces_fields_and_lines_wholesale(client: httpx.AsyncClient) -> None:
    doc = await create(client, notes="Old notes", reference="PO-1")
    body = quote_body(
        reference="PO-2",
        lines=[
            {"description": "Replacement", "unitPrice": "100.00", "quantity": 2},
            {"priceId": seed.PRICE_EXPORT_ID},
        ],
    )
    response = await client.patch(f"/v1/quotes/{doc['id']}", json=body)
    assert response.status_code == 200
    updated = response.json()
    assert updated["notes"] is None  # omitted from the full set: cleared
    assert updated["reference"] == "PO-2"
    assert [line["description"] for line in updated["lines"]] == ["Replacement", "Advisory package"]
    assert (updated["subtotal"], updated["vat"], updated["amount"]) == ("4200.00", "50.00", "4250.00")
    assert updated["updatedAt"] > doc["updatedAt"]
    assert updated["createdAt"] == doc["createdAt"]
    assert (await client.get(f"/v1/quotes/{doc['id']}")).json() == updated


async def test_patch_changes_valid_until(client: httpx.AsyncClient) -> None:
    doc = await create(client)
    updated = (await client.patch(f"/v1/quotes/{doc['id']}", json=quote_body(validUntil="2030-03-01"))).json()
    assert updated["validUntil"] == "2030-03-01"


async def test_patch_that_fails_validation_changes_nothing(client: httpx.AsyncClient) -> None:
    doc = await create(client)
    response = await client.patch(f"/v1/quotes/{doc['id']}", json=quote_body(notes=5, lines=[{"quantity": 1}]))
    assert error_fields(response) == ["notes", "lines[0].description", "lines[0].unitPrice"]
    assert (await client.get(f"/v1/quotes/{doc['id']}")).json() == doc


async def test_quote_patch_cannot_set_status(client: httpx.AsyncClient) -> None:
    doc = await create(client)
    response = await client.patch(f"/v1/quotes/{doc['id']}", json=quote_body(status="sent"))
    assert error_fields(response) == ["status"]


async def test_order_confirmation_patch_sets_status_within_its_type(client: httpx.AsyncClient) -> None:
    oc = await create(client, "orderConfirmation")
    bad = await client.patch(f"/v1/order-confirmations/{oc['id']}", json=oc_body(status="accepted"))
    assert error_fields(bad) == ["status"]
    kept = (await client.patch(f"/v1/order-confirmations/{oc['id']}", json=oc_body(status="draft"))).json()
    assert (kept["status"], kept["documentNumber"], kept["sentAt"]) == ("draft", None, None)


async def test_order_confirmation_patch_to_sent_is_the_manual_send_it_stands_for(client: httpx.AsyncClient) -> None:
    oc = await create(client, "orderConfirmation")
    sent = (await client.patch(f"/v1/order-confirmations/{oc['id']}", json=oc_body(status="sent"))).json()
    assert (sent["status"], sent["displayStatus"], sent["documentNumber"]) == ("sent", "sent", "5001")
    assert sent["sentAt"] == sent["updatedAt"]
    assert sent["updatedAt"] > oc["updatedAt"]
    [event] = (await client.get("/_sandbox/events")).json()["data"]
    assert (event["topic"], event["documentId"]) == ("orderConfirmation.sent", oc["id"])
    payload = {"id": oc["id"], "documentNumber": "5001", "deliveryType": "Manual", "recipientEmail": None}
    assert event["payload"] == payload
    assert (await client.get("/_sandbox/outbox")).json()["data"] == []  # Manual: nothing is e-mailed
    # Setting "sent" again is an edit of a sent document, not another send.
    again = (await client.patch(f"/v1/order-confirmations/{oc['id']}", json=oc_body(status="sent", notes="x"))).json()
    assert (again["documentNumber"], again["sentAt"], again["notes"]) == ("5001", sent["sentAt"], "x")
    assert len((await client.get("/_sandbox/events")).json()["data"]) == 1


async def test_a_sent_order_confirmation_cannot_be_patched_back_to_draft(client: httpx.AsyncClient) -> None:
    oc = await create(client, "orderConfirmation")
    sent = (await client.post(f"/v1/order-confirmations/{oc['id']}/send")).json()
    back = await client.patch(f"/v1/order-confirmations/{oc['id']}", json=oc_body(status="draft", notes=5))
    body = assert_error(back, 400, "VALIDATION_ERROR")
    assert [e["field"] for e in body["errors"]] == ["notes", "status"]
    assert "cannot go back to draft" in body["errors"][1]["message"]
    assert (await client.get(f"/v1/order-confirmations/{oc['id']}")).json() == sent


async def test_editing_a_sent_document_keeps_it_sent(client: httpx.AsyncClient) -> None:
    doc = await create(client)
    await client.post(f"/v1/quotes/{doc['id']}/send", json={})
    updated = (await client.patch(f"/v1/quotes/{doc['id']}", json=quote_body(notes="Revised"))).json()
    assert (updated["status"], updated["documentNumber"], updated["notes"]) == ("sent", "1001", "Revised")
