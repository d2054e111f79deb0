"""Every tool against the real sandbox, through a real MCP client."""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp_types import EmbeddedResource, ResourceTemplateReference

from ledgerbee_mcp.sandbox import seed
from ledgerbee_mcp.server import INSTRUCTIONS
from tests.results import error_text, ok

pytestmark = pytest.mark.anyio


async def stored(sandbox: httpx.AsyncClient, kind: str, document_id: str) -> dict[str, Any]:
    """The sandbox's stored record: what the published answer leaves out (contact, department, price links)."""
    response = await sandbox.get(f"/_sandbox/documents/{kind}/{document_id}")
    response.raise_for_status()
    return response.json()


async def new_quote(client: Client, **extra: Any) -> dict[str, Any]:
    args = {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID, "quantity": 2}]}
    return ok(await client.call_tool("create_quote", args | extra))


async def test_lookups(client: Client) -> None:
    customers = ok(await client.call_tool("list_customers", {"search": "fjord", "include_contacts": True}))
    assert [c["name"] for c in customers["items"]] == ["Fjord Foods A/S"]
    assert {k["name"] for k in customers["items"][0]["contacts"]} == {"Mette Larsen", "Lars Holm"}
    without = ok(await client.call_tool("list_customers", {}))
    assert without["total"] >= 3
    assert all("contacts" not in c for c in without["items"])
    products = ok(await client.call_tool("list_products", {"search": "workshop"}))
    price_ids = [p["price_id"] for item in products["items"] for p in item["prices"]]
    assert seed.PRICE_WORKSHOP_ID in price_ids


async def test_create_get_update_quote(client: Client, sandbox: httpx.AsyncClient) -> None:
    created = await new_quote(
        client, valid_until="2099-01-31", notes="Hello", customer_contact_id=seed.CONTACT_METTE_ID
    )
    assert created["status"] == "draft"
    assert "number" not in created
    assert created["subtotal"] == "25000.00"
    assert created["vat"] == "6250.00"
    assert created["amount"] == "31250.00"
    assert created["valid_until"] == "2099-01-31"
    # what LedgerBee stored (not an echo of the arguments): the price's description, price and VAT, and the link
    assert created["lines"] == [
        {
            "description": "Workshop day",
            "line_type": "product",
            "quantity": "2",
            "unit_price": "12500.00",
            "vat_rate": "25",
            "total_price": "25000.00",
            "price_id": seed.PRICE_WORKSHOP_ID,
        }
    ]

    quote = ok(await client.call_tool("get_quote", {"quote_id": created["id"]}))
    assert quote["type"] == "quote"
    assert quote["valid_until"] == "2099-01-31"
    assert quote["lines"][0]["total_price"] == "25000.00"

    updated = ok(await client.call_tool("update_quote", {"quote_id": created["id"], "reference": "PO-1"}))
    assert updated["amount"] == "31250.00"  # lines kept when omitted
    again = ok(await client.call_tool("get_quote", {"quote_id": created["id"]}))
    assert again["reference"] == "PO-1"
    assert again["notes"] == "Hello"
    assert again["valid_until"] == "2099-01-31"
    # what the answer does not show was carried over from the body this server wrote, not dropped
    record = await stored(sandbox, "quotes", created["id"])
    assert record["customerContactId"] == seed.CONTACT_METTE_ID
    assert [line["priceId"] for line in record["lines"]] == [seed.PRICE_WORKSHOP_ID]

    replaced = ok(
        await client.call_tool(
            "update_quote",
            {"quote_id": created["id"], "lines": [{"description": "Hours", "unit_price": "100.00", "quantity": 3}]},
        )
    )
    assert replaced["subtotal"] == "300.00"
    assert [(ln["description"], ln["quantity"], ln.get("price_id")) for ln in replaced["lines"]] == [
        ("Hours", "3", None)
    ]


async def test_list_quotes_is_compact_and_pages(client: Client) -> None:
    for _ in range(3):
        await new_quote(client)
    page = ok(await client.call_tool("list_quotes", {"limit": 2}))
    assert page["total"] == 3
    assert page["total_pages"] == 2
    assert page["next_page"] == 2
    assert len(page["items"]) == 2
    assert "lines" not in page["items"][0]
    last = ok(await client.call_tool("list_quotes", {"limit": 2, "page": 2}))
    assert "next_page" not in last
    drafts = ok(await client.call_tool("list_quotes", {"status": "draft", "customer_id": seed.CUSTOMER_FJORD_ID}))
    assert drafts["total"] == 3


async def test_whole_chain_to_invoice(client: Client, sandbox: httpx.AsyncClient) -> None:
    quote = await new_quote(client)
    args = {"quote_id": quote["id"], "delivery_type": "Email", "recipient_email": seed.CUSTOMER_FJORD_EMAIL}
    sent = ok(await client.call_tool("send_quote", args))
    assert sent["outcome"] == "done"
    assert sent["document_number"] == "1001"
    outbox = (await sandbox.get("/_sandbox/outbox")).json()["data"]
    assert [m["to"] for m in outbox] == ["indkob@fjordfoods.dk"]

    converted = ok(await client.call_tool("convert_quote", {"quote_id": quote["id"], "target": "orderConfirmation"}))
    assert converted["outcome"] == "done"
    assert converted["produced_document_type"] == "order_confirmation"
    oc_id = converted["produced_document_id"]
    oc = ok(await client.call_tool("get_order_confirmation", {"order_confirmation_id": oc_id}))
    assert oc["source_document_id"] == quote["id"]
    assert oc["status"] == "draft"

    # LedgerBee made the order confirmation, not this server: it cannot know the contact, department or price
    # links, so an update must state them
    note = {"order_confirmation_id": oc_id, "notes": "Delivery week 2"}
    refused = error_text(await client.call_tool("update_order_confirmation", note))
    assert "Nothing was changed." in refused
    for missing in ("lines:", "customer_contact_id:", "customer_department_id:"):
        assert missing in refused
    assert (await stored(sandbox, "order-confirmations", oc_id))["notes"] is None
    full = note | {
        "lines": [{"price_id": seed.PRICE_WORKSHOP_ID, "quantity": 2}],
        "customer_contact_id": seed.CONTACT_METTE_ID,
        "clear": ["customer_department_id"],
    }
    ok(await client.call_tool("update_order_confirmation", full))
    record = await stored(sandbox, "order-confirmations", oc_id)
    assert record["notes"] == "Delivery week 2"
    assert record["customerContactId"] == seed.CONTACT_METTE_ID
    assert [line["priceId"] for line in record["lines"]] == [seed.PRICE_WORKSHOP_ID]
    listed = ok(await client.call_tool("list_order_confirmations", {"status": "draft"}))
    assert [i["id"] for i in listed["items"]] == [oc_id]

    oc_sent = ok(
        await client.call_tool("send_order_confirmation", {"order_confirmation_id": oc_id, "delivery_type": "Manual"})
    )
    assert oc_sent["document_number"] == "5001"
    invoiced = ok(await client.call_tool("convert_order_confirmation", {"order_confirmation_id": oc_id}))
    assert invoiced["produced_document_type"] == "invoice"
    invoice = ok(await client.call_tool("get_invoice", {"invoice_id": invoiced["produced_document_id"]}))
    assert invoice["type"] == "invoice"
    assert invoice["source_document_id"] == oc_id
    assert invoice["amount"] == quote["amount"]


async def test_create_order_confirmation_directly(client: Client) -> None:
    created = ok(
        await client.call_tool(
            "create_order_confirmation",
            {"customer_id": seed.CUSTOMER_BOLGE_ID, "lines": [{"price_id": seed.PRICE_EXPORT_ID}]},
        )
    )
    assert created["vat"] == "0.00"
    assert created["status"] == "draft"


async def test_api_errors_carry_code_and_fix(client: Client) -> None:
    missing = await client.call_tool("get_quote", {"quote_id": "00000000-0000-4000-8000-000000000000"})
    assert "404" in error_text(missing)
    bad_price = await client.call_tool(
        "create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"price_id": seed.PRICE_ARCHIVED_ID}]}
    )
    text = error_text(bad_price)
    assert "VALIDATION_ERROR" in text
    assert "lines[0].priceId" in text
    assert "Fix:" in text


@pytest.mark.parametrize(
    ("tool", "args", "field"),
    [
        ("get_quote", {"quote_id": "not-a-uuid"}, "quote_id"),
        ("list_quotes", {"limit": 101}, "limit"),
        ("list_quotes", {"status": "lost"}, "status"),
        ("create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": []}, "lines"),
        (
            "create_quote",
            {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID, "quantity": 0}]},
            "quantity",
        ),
        ("create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"x": 1}]}, "x"),
        ("create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "date": "21/11/2026", "lines": []}, "date"),
        ("send_quote", {"quote_id": seed.CUSTOMER_FJORD_ID, "delivery_type": "Fax"}, "delivery_type"),
    ],
)
async def test_bad_input_is_refused_naming_the_field(
    client: Client, sandbox: httpx.AsyncClient, tool: str, args: dict[str, Any], field: str
) -> None:
    text = error_text(await client.call_tool(tool, args))
    assert field in text
    assert (await sandbox.get("/v1/quotes")).json()["total"] == 0


async def test_free_line_needs_description_and_price(client: Client) -> None:
    result = await client.call_tool(
        "create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"description": "Hours"}]}
    )
    assert "lines[0]" in error_text(result)


async def test_pdf_tool_embeds_a_real_pdf(client: Client) -> None:
    quote = await new_quote(client)
    args = {"document_type": "quote", "document_id": quote["id"], "draft": True}
    result = await client.call_tool("get_document_pdf", args)
    info = ok(result)
    assert info["embedded"] is True
    assert info["uri"] == f"ledgerbee://quotes/{quote['id']}/draft.pdf"
    blocks = [b for b in result.content if isinstance(b, EmbeddedResource)]
    data = base64.b64decode(blocks[0].resource.blob)  # type: ignore[union-attr]
    assert data.startswith(b"%PDF-")
    assert len(data) == info["size_bytes"]


async def test_large_pdf_is_linked_not_embedded(make_server: Any) -> None:
    async with Client(make_server(pdf_inline_max_bytes=10)) as c:
        quote = await new_quote(c)
        result = await c.call_tool("get_document_pdf", {"document_type": "quote", "document_id": quote["id"]})
        assert ok(result)["embedded"] is False
        assert any(getattr(b, "type", "") == "resource_link" for b in result.content)


async def test_the_instructions_name_exactly_the_pdf_resources_there_are(client: Client) -> None:
    templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
    named = set(re.findall(r"ledgerbee://\S+?/(?:draft\.)?pdf", INSTRUCTIONS))
    assert named == templates
    assert "ledgerbee://invoices/{invoice_id}/draft.pdf" not in INSTRUCTIONS  # an invoice has no draft switch


async def test_pdf_resources_and_completions(client: Client) -> None:
    quote = await new_quote(client)
    templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
    assert templates >= {
        "ledgerbee://quotes/{quote_id}/pdf",
        "ledgerbee://quotes/{quote_id}/draft.pdf",
        "ledgerbee://order-confirmations/{order_confirmation_id}/pdf",
        "ledgerbee://order-confirmations/{order_confirmation_id}/draft.pdf",
        "ledgerbee://invoices/{invoice_id}/pdf",
    }
    read = await client.read_resource(f"ledgerbee://quotes/{quote['id']}/draft.pdf")
    content = read.contents[0]
    assert content.mime_type == "application/pdf"
    assert base64.b64decode(content.blob).startswith(b"%PDF-")  # type: ignore[union-attr]
    completion = await client.complete(
        ResourceTemplateReference(type="ref/resource", uri="ledgerbee://quotes/{quote_id}/pdf"),
        {"name": "quote_id", "value": quote["id"][:4]},
    )
    assert quote["id"] in completion.completion.values


async def test_prompts(client: Client) -> None:
    names = {p.name for p in (await client.list_prompts()).prompts}
    assert names == {"draft_quote", "quote_to_invoice"}
    prompt = await client.get_prompt("quote_to_invoice", {"quote_id": "abc"})
    assert "convert_order_confirmation" in str(prompt.messages[0].content)


async def test_rejected_quote_is_refused_before_convert(client: Client, sandbox: httpx.AsyncClient) -> None:
    quote = await new_quote(client)
    ok(await client.call_tool("send_quote", {"quote_id": quote["id"], "delivery_type": "Manual"}))
    assert (await sandbox.post(f"/_sandbox/quotes/{quote['id']}/reject")).status_code == 200
    text = error_text(await client.call_tool("convert_quote", {"quote_id": quote["id"], "target": "invoice"}))
    assert "Refused before calling LedgerBee" in text
    assert "rejected" in text
