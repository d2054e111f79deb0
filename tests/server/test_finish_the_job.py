"""The jobs people bring, end to end through a real MCP client against the sandbox: a quote taken all the way to a
sent invoice with a number; what was sent today and to whom; which drafts expire soon; one customer's documents by
name; a document by its number; a filter over more documents than the server reads (and says so); the tools a
deployment offers; and refusals that say what to pass instead.

Every "it happened" and "nothing happened" is checked in the sandbox itself, not only in what the server says.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client, StdioServerParameters
from mcp.server import MCPServer
from mcp_types import ElicitResult
from starlette.applications import Starlette

from ledgerbee_mcp.cli import main
from ledgerbee_mcp.config import Settings
from ledgerbee_mcp.sandbox import seed
from ledgerbee_mcp.sandbox.bulk import bulk_insert_documents
from ledgerbee_mcp.server import build_server
from ledgerbee_mcp.server.tools.reading import SCAN_LIMIT
from tests.results import error_text, ok

pytestmark = pytest.mark.anyio

MakeServer = Callable[..., MCPServer]
WORKSHOP = [{"price_id": seed.PRICE_WORKSHOP_ID, "quantity": 2}]

# send_documents, the batch send, comes with any document toolset and offers only its types.
QUOTE_TOOLS = {
    "list_quotes",
    "get_quote",
    "create_quote",
    "update_quote",
    "send_quote",
    "send_documents",
    "convert_quote",
}
OC_TOOLS = {
    "list_order_confirmations",
    "get_order_confirmation",
    "create_order_confirmation",
    "update_order_confirmation",
    "send_order_confirmation",
    "send_documents",
    "convert_order_confirmation",
}
INVOICE_TOOLS = {"list_invoices", "get_invoice", "send_invoice", "send_documents"}
LOOKUP_TOOLS = {"list_customers", "list_products", "list_activity", "get_document_pdf"}
READ_TOOLS = (
    {"list_quotes", "get_quote", "list_order_confirmations", "get_order_confirmation"}
    | {
        "list_invoices",
        "get_invoice",
    }
    | LOOKUP_TOOLS
)


# -- helpers ----------------------------------------------------------------------------------------------------


async def new_quote(c: Client, customer_id: str = seed.CUSTOMER_FJORD_ID, **extra: Any) -> dict[str, Any]:
    return ok(await c.call_tool("create_quote", {"customer_id": customer_id, "lines": WORKSHOP} | extra))


async def send_quote(c: Client, quote_id: str) -> dict[str, Any]:
    done = ok(await c.call_tool("send_quote", {"quote_id": quote_id, "delivery_type": "Manual"}))
    assert done["outcome"] == "done", done
    return done


async def get(sandbox: httpx.AsyncClient, path: str) -> Any:
    response = await sandbox.get(path)
    response.raise_for_status()
    return response.json()


async def all_quotes(sandbox: httpx.AsyncClient) -> list[dict[str, Any]]:
    """Every quote, read directly from the sandbox: the ground truth a filtered list is checked against."""
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        batch = await get(sandbox, f"/v1/quotes?page={page}&limit=100")
        found += batch["data"]
        if page >= batch["totalPages"]:
            return found
        page += 1


async def tool_names(server: MCPServer) -> set[str]:
    async with Client(server) as c:
        return {t.name for t in (await c.list_tools()).tools}


def today_now() -> set[dt.date]:
    # The server reads the date itself; a test that straddles midnight may see either day.
    return {dt.date.today(), dt.date.today() - dt.timedelta(days=1)}


# -- a quote all the way to a sent invoice --------------------------------------------------------------------


@pytest.mark.parametrize("delivery", ["Manual", "Email"])
async def test_a_quote_becomes_a_sent_invoice_with_a_number(
    client: Client, sandbox: httpx.AsyncClient, delivery: str
) -> None:
    quote = await new_quote(client)
    assert (await send_quote(client, quote["id"]))["document_number"] == "1001"
    to_oc = {"quote_id": quote["id"], "target": "orderConfirmation"}
    oc_id = ok(await client.call_tool("convert_quote", to_oc))["produced_document_id"]
    oc_sent = ok(
        await client.call_tool("send_order_confirmation", {"order_confirmation_id": oc_id, "delivery_type": "Manual"})
    )
    assert (oc_sent["outcome"], oc_sent["document_number"]) == ("done", "5001")
    invoiced = ok(await client.call_tool("convert_order_confirmation", {"order_confirmation_id": oc_id}))
    assert invoiced["produced_document_type"] == "invoice"
    invoice_id = invoiced["produced_document_id"]

    draft = ok(await client.call_tool("get_invoice", {"invoice_id": invoice_id}))
    assert (draft.get("number"), draft["display_status"], draft.get("sent_at")) == (None, "draft", None)
    assert draft["amount"] == quote["amount"]
    listed = ok(await client.call_tool("list_invoices", {"status": "draft"}))
    assert [(i["id"], i["customer_name"]) for i in listed["items"]] == [(invoice_id, "Fjord Foods A/S")]

    args = {"invoice_id": invoice_id, "delivery_type": delivery}
    if delivery == "Email":
        args["recipient_email"] = seed.CONTACT_METTE_EMAIL
    sent = ok(await client.call_tool("send_invoice", args))
    assert sent["outcome"] == "done", sent
    assert sent["document_number"] == "10001"  # invoices are numbered from 10001, gap-free

    stored = await get(sandbox, f"/v1/invoices/{invoice_id}")
    assert stored["documentNumber"] == "10001"
    assert stored["status"] == "sent"
    assert stored["sentAt"] is not None
    invoice_events = [e for e in (await get(sandbox, "/_sandbox/events"))["data"] if e["documentId"] == invoice_id]
    assert [e["topic"] for e in invoice_events] == ["invoice.sent"]
    mails = [m for m in (await get(sandbox, "/_sandbox/outbox"))["data"] if m["documentId"] == invoice_id]
    if delivery == "Email":
        assert [(m["to"], m["documentNumber"]) for m in mails] == [(seed.CONTACT_METTE_EMAIL, "10001")]
        assert mails[0]["pdfBytes"] > 0
    else:
        assert mails == []  # Manual: numbered and marked sent, no e-mail

    again = ok(await client.call_tool("get_invoice", {"invoice_id": invoice_id}))
    assert (again["number"], again["display_status"]) == ("10001", "sent")
    row = ok(await client.call_tool("list_invoices", {"number": "10001"}))["items"]
    assert [(r["id"], r["status"], r["customer_name"]) for r in row] == [(invoice_id, "sent", "Fjord Foods A/S")]
    assert row[0].get("sent_at") is not None


async def test_send_invoice_asks_the_person_and_sends_nothing_on_no(
    make_server: MakeServer, sandbox: httpx.AsyncClient
) -> None:
    asked: list[str] = []

    async def person(context: Any, params: Any) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action="decline")

    async with Client(make_server(), elicitation_callback=person) as c:
        quote = await new_quote(c)
        (await sandbox.post(f"/v1/quotes/{quote['id']}/send", json={"deliveryType": "Manual"})).raise_for_status()
        converted = await sandbox.post(f"/v1/quotes/{quote['id']}/convert", json={"target": "invoice"})
        invoice_id = converted.json()["targetId"]
        answer = ok(await c.call_tool("send_invoice", {"invoice_id": invoice_id, "delivery_type": "Manual"}))
    assert answer["outcome"] == "declined"
    assert len(asked) == 1
    assert "invoice" in asked[0].lower()
    stored = await get(sandbox, f"/v1/invoices/{invoice_id}")
    assert (stored["documentNumber"], stored["sentAt"]) == (None, None)
    events = (await get(sandbox, "/_sandbox/events"))["data"]
    assert [e for e in events if e["documentId"] == invoice_id] == []


# -- questions answered from list rows -------------------------------------------------------------------------


async def test_what_was_sent_today_and_to_whom(client: Client) -> None:
    fjord = await new_quote(client)
    bolge = await new_quote(client, seed.CUSTOMER_BOLGE_ID)
    still_draft = await new_quote(client, seed.CUSTOMER_HALVO_ID)
    await send_quote(client, fjord["id"])
    await send_quote(client, bolge["id"])

    page = ok(await client.call_tool("list_quotes", {"status": "sent"}))
    assert page["today"] is not None
    today = dt.date.fromisoformat(page["today"])
    assert today in today_now()
    sent_today = {
        row["customer_name"]
        for row in page["items"]
        if row.get("sent_at") is not None and dt.datetime.fromisoformat(row.get("sent_at")).astimezone().date() == today
    }
    assert sent_today == {"Fjord Foods A/S", "Bølge Design ApS"}
    assert still_draft["id"] not in {row["id"] for row in page["items"]}
    # the same from the dates: documents dated today, whatever their status, with who they are for
    dated = ok(await client.call_tool("list_quotes", {"date_from": page["today"], "date_to": page["today"]}))
    assert {(r["customer_name"], r.get("sent_at") is not None) for r in dated["items"]} == {
        ("Fjord Foods A/S", True),
        ("Bølge Design ApS", True),
        ("Halvø Tømrerfirma", False),
    }


async def test_today_is_the_tenants_date(client: Client, sandbox: httpx.AsyncClient) -> None:
    (await sandbox.put("/_sandbox/clock", json={"today": "2031-05-04"})).raise_for_status()
    page = ok(await client.call_tool("list_quotes", {}))
    assert page["today"] == "2031-05-04"


async def test_expiring_quotes_are_found_drafts_included(client: Client) -> None:
    today = dt.date.today()

    def day(n: int) -> str:
        return (today + dt.timedelta(days=n)).isoformat()

    soon = await new_quote(client, valid_until=day(3))
    later = await new_quote(client, valid_until=day(30))
    await new_quote(client)  # no validity at all
    sent_soon = await new_quote(client, seed.CUSTOMER_BOLGE_ID, valid_until=day(5))
    await send_quote(client, sent_soon["id"])

    expiring = ok(await client.call_tool("list_quotes", {"valid_until_before": day(7)}))
    assert {r["id"] for r in expiring["items"]} == {soon["id"], sent_soon["id"]}
    assert {r["status"] for r in expiring["items"]} == {"draft", "sent"}
    assert expiring["total"] == 2
    drafts = ok(await client.call_tool("list_quotes", {"valid_until_before": day(7), "status": "draft"}))
    assert [(r["id"], r["valid_until"]) for r in drafts["items"]] == [(soon["id"], day(3))]
    # the bound is inclusive, and after/before combine into a window
    assert [r["id"] for r in ok(await client.call_tool("list_quotes", {"valid_until_before": day(3)}))["items"]] == [
        soon["id"]
    ]
    window = ok(await client.call_tool("list_quotes", {"valid_until_after": day(4), "valid_until_before": day(30)}))
    assert {r["id"] for r in window["items"]} == {later["id"], sent_soon["id"]}
    assert "note" not in window  # every quote was read


async def test_a_customer_is_found_by_name(client: Client) -> None:
    fjord = [await new_quote(client) for _ in range(2)]
    bolge = await new_quote(client, seed.CUSTOMER_BOLGE_ID)
    await new_quote(client, seed.CUSTOMER_HALVO_ID)

    by_name = ok(await client.call_tool("list_quotes", {"customer": "FJORD"}))
    assert {r["id"] for r in by_name["items"]} == {q["id"] for q in fjord}
    assert {r["customer_name"] for r in by_name["items"]} == {"Fjord Foods A/S"}
    assert by_name["total"] == 2
    accented = ok(await client.call_tool("list_quotes", {"customer": "bølge design"}))
    assert [r["id"] for r in accented["items"]] == [bolge["id"]]
    # a part of a name several customers share: each of theirs, each row naming its customer
    several = ok(await client.call_tool("list_quotes", {"customer": "a"}))
    assert several["total"] == 4
    assert {r["customer_name"] for r in several["items"]} == {
        "Fjord Foods A/S",
        "Bølge Design ApS",
        "Halvø Tømrerfirma",
    }
    # a name and an id that disagree find nothing rather than the id's documents
    both = ok(await client.call_tool("list_quotes", {"customer": "fjord", "customer_id": seed.CUSTOMER_BOLGE_ID}))
    assert both["items"] == []
    unknown = ok(await client.call_tool("list_quotes", {"customer": "Nobody ApS"}))
    assert unknown["items"] == []
    assert "Nobody ApS" in unknown["note"]
    assert "list_customers" in unknown["note"]


async def test_a_document_is_found_by_its_number(client: Client) -> None:
    quotes = [await new_quote(client) for _ in range(3)]
    numbers = [(await send_quote(client, q["id"]))["document_number"] for q in quotes]
    assert numbers == ["1001", "1002", "1003"]
    await new_quote(client)  # a draft has no number

    found = ok(await client.call_tool("list_quotes", {"number": "1002"}))
    assert [(r["id"], r["number"]) for r in found["items"]] == [(quotes[1]["id"], "1002")]
    assert found["total"] == 1
    padded = ok(await client.call_tool("list_quotes", {"number": " 1002 "}))
    assert [r["id"] for r in padded["items"]] == [quotes[1]["id"]]
    assert ok(await client.call_tool("list_quotes", {"number": "100"}))["items"] == []  # whole numbers only
    missing = ok(await client.call_tool("list_quotes", {"number": "9999"}))
    assert (missing["items"], missing["total"], missing.get("note")) == ([], 0, None)
    # a quote's number is not an order confirmation's
    assert ok(await client.call_tool("list_order_confirmations", {"number": "1002"}))["items"] == []


# -- the bounded scan ----------------------------------------------------------------------------------------------


async def test_a_filter_over_more_than_the_bound_says_how_far_it_searched(
    client: Client, sandbox_app: Starlette
) -> None:
    bulk_insert_documents(sandbox_app, SCAN_LIMIT + 50)
    page = ok(await client.call_tool("list_quotes", {"number": "999999"}))
    assert page["items"] == []
    assert page.get("note") is not None
    assert f"first {SCAN_LIMIT} quotes" in page.get("note")
    assert "number" in page.get("note")  # which filter the API could not apply
    for narrower in ("status", "customer_id", "sort_by"):
        assert narrower in page.get("note")
    # the filters LedgerBee applies itself are not bounded, and say nothing
    plain = ok(await client.call_tool("list_quotes", {"limit": 5}))
    assert plain["total"] == SCAN_LIMIT + 50
    assert "note" not in plain


async def test_a_filter_within_the_bound_reads_everything_and_pages_its_matches(
    client: Client, sandbox: httpx.AsyncClient, sandbox_app: Starlette
) -> None:
    today = dt.date.today()
    bulk_insert_documents(sandbox_app, 400, today=today)
    truth = await all_quotes(sandbox)
    start, end = today - dt.timedelta(days=200), today - dt.timedelta(days=100)
    expected = [q["id"] for q in truth if start.isoformat() <= q["date"] <= end.isoformat()]
    assert 0 < len(expected) < 400

    args = {"date_from": start.isoformat(), "date_to": end.isoformat(), "limit": 100}
    first = ok(await client.call_tool("list_quotes", args))
    assert "note" not in first  # all 400 were read: the answer is complete
    assert first["total"] == len(expected)
    seen = [r["id"] for r in first["items"]]
    next_page = first.get("next_page")
    while next_page is not None:
        more = ok(await client.call_tool("list_quotes", args | {"page": next_page}))
        seen += [r["id"] for r in more["items"]]
        next_page = more.get("next_page")
    assert seen == expected  # the API's order, every match once
    assert all(r["customer_name"] for r in first["items"])


async def test_exactly_the_bound_is_a_complete_search(client: Client, sandbox_app: Starlette) -> None:
    bulk_insert_documents(sandbox_app, SCAN_LIMIT)
    page = ok(await client.call_tool("list_quotes", {"number": "999999"}))
    assert (page["items"], page.get("note")) == ([], None)


# -- which tools a deployment offers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toolsets", "read_only", "expected"),
    [
        ({"quotes"}, False, QUOTE_TOOLS),
        ({"quotes", "lookups"}, False, QUOTE_TOOLS | LOOKUP_TOOLS),
        ({"order_confirmations"}, False, OC_TOOLS),
        ({"invoices"}, False, INVOICE_TOOLS),
        ({"invoices"}, True, {"list_invoices", "get_invoice"}),
        ({"quotes", "order_confirmations", "invoices", "lookups"}, True, READ_TOOLS),
        ({"lookups"}, True, LOOKUP_TOOLS),
    ],
)
async def test_toolsets_and_read_only_select_the_tools(
    make_server: MakeServer, toolsets: set[str], read_only: bool, expected: set[str]
) -> None:
    assert await tool_names(make_server(toolsets=frozenset(toolsets), read_only=read_only)) == expected


@pytest.mark.parametrize(
    ("toolsets", "types"),
    [
        ({"quotes"}, ["quote"]),
        ({"invoices", "quotes"}, ["quote", "invoice"]),
        ({"order_confirmations", "lookups"}, ["order_confirmation"]),
    ],
)
async def test_the_batch_send_offers_only_the_chosen_document_types(
    make_server: MakeServer, sandbox: httpx.AsyncClient, toolsets: set[str], types: list[str]
) -> None:
    async with Client(make_server(toolsets=frozenset(toolsets))) as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
        offered = tools["send_documents"].input_schema["properties"]["document_type"]
        assert offered["enum"] == types  # one type too: an enum, not `const` (which Gemini's subset lacks)
        left_out = "invoice" if "invoice" not in types else "order_confirmation"
        refused = await c.call_tool(
            "send_documents",
            {"document_type": left_out, "document_ids": [seed.CUSTOMER_FJORD_ID], "delivery_type": "Manual"},
        )
        assert refused.is_error
        assert "document_type" in " ".join(getattr(b, "text", "") for b in refused.content)
        missing = await c.call_tool("send_documents", {"document_ids": [seed.CUSTOMER_FJORD_ID]})
        text = " ".join(getattr(b, "text", "") for b in missing.content)
        assert f"document_type: is required: one of {', '.join(types)}" in text


async def test_ledgerbee_toolsets_selects_the_tools(sandbox_app: Starlette) -> None:
    settings = Settings.from_env(
        {"LEDGERBEE_TOOLSETS": "invoices, lookups", "LEDGERBEE_AUDIT_LOG": "off"}, sandbox=True
    )
    server = build_server(settings, transport=httpx.ASGITransport(app=sandbox_app))
    assert await tool_names(server) == INVOICE_TOOLS | LOOKUP_TOOLS


async def test_a_tool_left_out_cannot_be_called(make_server: MakeServer, sandbox: httpx.AsyncClient) -> None:
    async with Client(make_server(toolsets=frozenset({"quotes"}), read_only=True)) as c:
        result = await c.call_tool("create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": WORKSHOP})
        assert result.is_error
        assert ok(await c.call_tool("list_quotes", {}))["items"] == []
    assert (await get(sandbox, "/v1/quotes"))["total"] == 0


def test_an_unknown_toolset_on_the_command_line_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sandbox", "--toolsets", "quotes,invoice"]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # stdout belongs to the MCP protocol
    assert "--toolsets" in err
    assert "invoice" in err
    assert "order_confirmations" in err  # the choices are listed


def _command() -> tuple[str, list[str]]:
    script = shutil.which("ledgerbee-mcp", path=str(Path(sys.executable).parent))
    return (script, []) if script else (sys.executable, ["-m", "ledgerbee_mcp"])


async def test_the_command_line_flags_select_the_tools_over_the_environment(tmp_path: Path) -> None:
    command, args = _command()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERBEE_")} | {
        "LEDGERBEE_SANDBOX_DB": str(tmp_path / "sandbox.sqlite3"),
        "LEDGERBEE_STATE_DIR": str(tmp_path / "state"),
        "LEDGERBEE_TOOLSETS": "quotes",  # the flag below says otherwise, and wins
    }
    flags = ["--sandbox", "--read-only", "--toolsets", "invoices,lookups"]
    params = StdioServerParameters(command=command, args=[*args, *flags], env=env)
    async with Client(params) as c:
        names = {t.name for t in (await c.list_tools()).tools}
    assert names == {"list_invoices", "get_invoice"} | LOOKUP_TOOLS


# -- refusals that say what to pass ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "id_arg", "path"),
    [
        ("send_quote", "quote_id", "quotes"),
        ("send_order_confirmation", "order_confirmation_id", "order-confirmations"),
        ("send_invoice", "invoice_id", "invoices"),
    ],
)
async def test_a_send_without_delivery_type_is_refused_naming_the_field(
    client: Client, sandbox: httpx.AsyncClient, tool: str, id_arg: str, path: str
) -> None:
    created = await sandbox.post(
        "/v1/order-confirmations" if path == "order-confirmations" else "/v1/quotes",
        json={
            "customerId": seed.CUSTOMER_FJORD_ID,
            "date": "2026-01-15",
            "lines": [{"priceId": seed.PRICE_WORKSHOP_ID}],
        },
    )
    created.raise_for_status()
    doc_id = created.json()["id"]
    if path == "invoices":
        (await sandbox.post(f"/v1/quotes/{doc_id}/send", json={"deliveryType": "Manual"})).raise_for_status()
        doc_id = (await sandbox.post(f"/v1/quotes/{doc_id}/convert", json={"target": "invoice"})).json()["targetId"]
    before = (await get(sandbox, "/_sandbox/events"))["data"]
    text = error_text(await client.call_tool(tool, {id_arg: doc_id}))
    assert "delivery_type" in text
    assert "nothing was done" in text.lower()
    stored = await get(sandbox, f"/v1/{path}/{doc_id}")
    assert stored["sentAt"] is None
    assert (await get(sandbox, "/_sandbox/events"))["data"] == before


async def test_a_send_without_delivery_type_names_the_values_to_pass(client: Client) -> None:
    quote = await new_quote(client)
    text = error_text(await client.call_tool("send_quote", {"quote_id": quote["id"]}))
    assert "Manual" in text
    assert "Email" in text


async def test_a_price_in_another_currency_is_refused(client: Client, sandbox: httpx.AsyncClient) -> None:
    args = {"customer_id": seed.CUSTOMER_FJORD_ID, "currency": "EUR"}
    lines = [{"description": "Travel", "unit_price": "100.00"}, {"price_id": seed.PRICE_WORKSHOP_ID}]
    for tool in ("create_quote", "create_order_confirmation"):
        text = error_text(await client.call_tool(tool, args | {"lines": lines}))
        assert "lines[1].price_id" in text  # the line at fault, by its index
        assert "DKK" in text
        assert "EUR" in text
        assert "unit_price" in text  # what to pass instead
        assert "Nothing was done." in text
    assert (await get(sandbox, "/v1/quotes"))["total"] == 0
    assert (await get(sandbox, "/v1/order-confirmations"))["total"] == 0
    # with its own price in the document's currency, the priced line is what the person meant
    priced = [{"price_id": seed.PRICE_WORKSHOP_ID, "unit_price": "1700.00"}]
    created = ok(await client.call_tool("create_quote", args | {"lines": priced}))
    assert created["currency"] == "EUR"
    assert [(ln["unit_price"], ln.get("price_id")) for ln in created["lines"]] == [("1700.00", seed.PRICE_WORKSHOP_ID)]
    # the customer's own currency (DKK) when none is given: no refusal
    ok(await client.call_tool("create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": WORKSHOP}))


async def test_an_update_to_another_currency_than_its_prices_is_refused(
    client: Client, sandbox: httpx.AsyncClient
) -> None:
    quote = await new_quote(client)
    text = error_text(await client.call_tool("update_quote", {"quote_id": quote["id"], "currency": "EUR"}))
    assert "price_id" in text
    assert (await get(sandbox, f"/v1/quotes/{quote['id']}"))["currency"] == "DKK"


async def test_a_valid_until_before_the_date_is_refused(client: Client, sandbox: httpx.AsyncClient) -> None:
    args = {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": WORKSHOP, "date": "2026-05-10"}
    text = error_text(await client.call_tool("create_quote", args | {"valid_until": "2026-05-09"}))
    assert "valid_until" in text
    assert "2026-05-09" in text
    assert "2026-05-10" in text
    assert "2026-06-09" in text  # a valid day to pass instead
    assert "Nothing was done." in text
    assert (await get(sandbox, "/v1/quotes"))["total"] == 0
    same_day = ok(await client.call_tool("create_quote", args | {"valid_until": "2026-05-10"}))
    assert (same_day["date"], same_day["valid_until"]) == ("2026-05-10", "2026-05-10")
    # an update that would move either end past the other is refused too, and changes nothing
    for change in ({"valid_until": "2026-05-01"}, {"date": "2026-05-11"}):
        text = error_text(await client.call_tool("update_quote", {"quote_id": same_day["id"]} | change))
        assert "valid_until" in text
        assert "Nothing was changed." in text
    stored = await get(sandbox, f"/v1/quotes/{same_day['id']}")
    assert (stored["date"], stored["validUntil"]) == ("2026-05-10", "2026-05-10")


# -- what create and update stored ------------------------------------------------------------------------------


async def test_create_and_update_show_the_stored_lines_with_their_price_links(
    client: Client, sandbox: httpx.AsyncClient
) -> None:
    lines = [
        {"price_id": seed.PRICE_WORKSHOP_ID, "quantity": 2},
        {"description": "Travel", "unit_price": "450.00", "quantity": 3},
        {"price_id": seed.PRICE_EXPORT_ID, "description": "Export advice, EU"},
    ]
    created = ok(
        await client.call_tool(
            "create_quote",
            {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": lines, "date": "2026-04-01", "valid_until": "2026-04-30"},
        )
    )
    assert (created["date"], created["valid_until"]) == ("2026-04-01", "2026-04-30")
    assert created["lines"] == [
        {
            "description": "Workshop day",
            "line_type": "product",
            "quantity": "2",
            "unit_price": "12500.00",
            "vat_rate": "25",
            "total_price": "25000.00",
            "price_id": seed.PRICE_WORKSHOP_ID,
        },
        {
            "description": "Travel",
            "line_type": "product",
            "quantity": "3",
            "unit_price": "450.00",
            "vat_rate": "25",
            "total_price": "1350.00",
        },
        {
            "description": "Export advice, EU",
            "line_type": "product",
            "quantity": "1",
            "unit_price": "4000.00",
            "vat_rate": "0",
            "total_price": "4000.00",
            "price_id": seed.PRICE_EXPORT_ID,
        },
    ]
    record = await get(sandbox, f"/_sandbox/documents/quotes/{created['id']}")
    assert [ln["priceId"] for ln in record["lines"]] == [ln.get("price_id") for ln in created["lines"]]

    # an update that leaves the lines alone shows them, links kept
    noted = ok(await client.call_tool("update_quote", {"quote_id": created["id"], "notes": "Thanks"}))
    assert noted["lines"] == created["lines"]
    # lines replaced: the new set, as stored
    replaced = ok(
        await client.call_tool(
            "update_quote",
            {"quote_id": created["id"], "lines": [{"price_id": seed.PRICE_SUBSCRIPTION_ID, "quantity": 12}]},
        )
    )
    assert [(ln["description"], ln["quantity"], ln["total_price"], ln.get("price_id")) for ln in replaced["lines"]] == [
        ("Monthly", "12", "17940.00", seed.PRICE_SUBSCRIPTION_ID)
    ]
    record = await get(sandbox, f"/_sandbox/documents/quotes/{created['id']}")
    assert [ln["priceId"] for ln in record["lines"]] == [seed.PRICE_SUBSCRIPTION_ID]


async def test_an_order_confirmation_made_by_converting_shows_its_links_once_this_server_writes_them(
    client: Client,
) -> None:
    quote = await new_quote(client)
    await send_quote(client, quote["id"])
    to_oc = {"quote_id": quote["id"], "target": "orderConfirmation"}
    oc_id = ok(await client.call_tool("convert_quote", to_oc))["produced_document_id"]
    full = {
        "order_confirmation_id": oc_id,
        "lines": WORKSHOP,
        "clear": ["customer_contact_id", "customer_department_id"],
        "date": "2026-04-02",
    }
    updated = ok(await client.call_tool("update_order_confirmation", full))
    assert updated["date"] == "2026-04-02"
    assert "valid_until" not in updated
    assert [(ln["quantity"], ln.get("price_id")) for ln in updated["lines"]] == [("2", seed.PRICE_WORKSHOP_ID)]
    assert updated["amount"] == quote["amount"]
