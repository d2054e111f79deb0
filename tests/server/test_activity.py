"""`list_activity`: what was sent or converted, how and to whom, from the audit joined with LedgerBee, through the
real MCP client against the in-process sandbox; sends made outside the server are read from the sandbox's API."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.server import MCPServer
from starlette.applications import Starlette

from ledgerbee_mcp.config import ConfirmMode, Settings
from ledgerbee_mcp.sandbox import seed
from ledgerbee_mcp.server import build_server
from ledgerbee_mcp.server.activity_log import NOT_RECORDED, activity_rows, history
from tests.results import ok
from tests.server.conftest import approve

pytestmark = pytest.mark.anyio

MakeServer = Callable[..., MCPServer]
OUTSIDE = "sent outside this server (no record of delivery or recipient here)"


async def new_quote(client: Client, customer_id: str = seed.CUSTOMER_FJORD_ID) -> str:
    created = await client.call_tool(
        "create_quote", {"customer_id": customer_id, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}]}
    )
    return ok(created)["id"]


async def customer_name(sandbox: httpx.AsyncClient, customer_id: str) -> str:
    return (await sandbox.get(f"/v1/customers/{customer_id}")).json()["name"]


async def activity(client: Client, **arguments: Any) -> dict[str, Any]:
    return ok(await client.call_tool("list_activity", arguments))


def by_id(page: dict[str, Any], action: str = "send") -> dict[str, dict[str, Any]]:
    return {row["document_id"]: row for row in page["items"] if row["action"] == action}


async def test_sends_conversion_and_a_send_outside_the_server(client: Client, sandbox: httpx.AsyncClient) -> None:
    emailed, manual, outside = [await new_quote(client) for _ in range(3)]
    ok(
        await client.call_tool(
            "send_quote",
            {"quote_id": emailed, "delivery_type": "Email", "recipient_email": seed.CUSTOMER_FJORD_EMAIL},
        )
    )
    ok(await client.call_tool("send_quote", {"quote_id": manual, "delivery_type": "Manual"}))
    converted = ok(await client.call_tool("convert_quote", {"quote_id": manual, "target": "invoice"}))
    response = await sandbox.post(f"/v1/quotes/{outside}/send", json={"deliveryType": "Manual"})
    assert response.status_code == 200, response.text
    fjord = await customer_name(sandbox, seed.CUSTOMER_FJORD_ID)

    page = await activity(client)

    assert page["today"] == dt.date.today().isoformat()
    assert page["date_from"] == page["date_to"] == page["today"]
    assert page["audit"] == "on"
    sends = by_id(page)
    assert set(sends) == {emailed, manual, outside}
    email_row, manual_row, outside_row = sends[emailed], sends[manual], sends[outside]
    assert email_row["outcome"] == "done"
    assert (email_row["delivery_type"], email_row["recipient"], email_row["consent"]) == (
        "Email",
        seed.CUSTOMER_FJORD_EMAIL,
        "elicitation",
    )
    assert email_row["number"]
    assert email_row["customer_name"] == fjord
    assert email_row["amount"] == "15625.00"
    assert email_row["sent_at"]
    assert (manual_row["outcome"], manual_row["delivery_type"], manual_row["consent"]) == (
        "done",
        "Manual",
        "elicitation",
    )
    assert manual_row.get("recipient") is None
    assert manual_row["number"]
    assert manual_row["number"] != email_row["number"]
    assert manual_row["customer_name"] == fjord

    conversion = by_id(page, "convert")[manual]
    assert conversion["outcome"] == "done"
    assert conversion["produced_document_id"] == converted["produced_document_id"]
    assert conversion["target"] == "invoice"
    assert conversion["customer_name"] == fjord

    assert outside_row["outcome"] == OUTSIDE
    assert outside_row["number"]
    assert outside_row["customer_name"] == fjord
    assert outside_row.get("delivery_type") is None
    assert outside_row.get("recipient") is None
    assert page["total"] == 4
    assert [row["at"] for row in page["items"]] == sorted((row["at"] for row in page["items"]), reverse=True)
    assert "audit log" in page["note"]
    assert "scanned" in page["note"]
    assert "conversions made outside this server are not listed" in page["note"]

    only_conversions = await activity(client, action="convert")
    assert [(r["action"], r["document_id"]) for r in only_conversions["items"]] == [("convert", manual)]
    assert (await activity(client, document_type="invoice"))["items"] == []
    assert len((await activity(client, limit=2))["items"]) == 2
    assert (await activity(client, customer_id=seed.CUSTOMER_BOLGE_ID))["items"] == []
    assert (await activity(client, customer_id=seed.CUSTOMER_FJORD_ID))["total"] == 4


async def test_refusals_are_shown_only_when_asked(make_server: MakeServer, sandbox: httpx.AsyncClient) -> None:
    async with Client(make_server(confirm=ConfirmMode.TOKEN)) as c:
        qid = await new_quote(c)
        refused = await c.call_tool(
            "send_quote", {"quote_id": qid, "delivery_type": "Manual", "confirmation_token": "not-a-token"}
        )
        assert refused.is_error
        pending = ok(await c.call_tool("send_quote", {"quote_id": qid, "delivery_type": "Manual"}))
        assert pending["outcome"] == "confirmation_required"

        assert (await activity(c))["items"] == []
        shown = await activity(c, include_refused=True)

    outcomes = sorted(row["outcome"] for row in shown["items"])
    assert outcomes == ["confirmation_required", "refused"]
    refusal = next(row for row in shown["items"] if row["outcome"] == "refused")
    assert refusal["document_id"] == qid
    assert refusal["reason"]


async def test_with_the_audit_off_only_ledgerbees_side_is_shown(sandbox_app: Starlette) -> None:
    server = build_server(Settings(sandbox=True, audit_log=None), transport=httpx.ASGITransport(app=sandbox_app))
    async with Client(server, elicitation_callback=approve) as c:
        qid = await new_quote(c)
        ok(await c.call_tool("send_quote", {"quote_id": qid, "delivery_type": "Manual"}))
        converted = await new_quote(c)
        ok(await c.call_tool("send_quote", {"quote_id": converted, "delivery_type": "Manual"}))
        ok(await c.call_tool("convert_quote", {"quote_id": converted, "target": "invoice"}))
        page = await activity(c)

    assert page["audit"] == "off"
    assert "audit log is off" in page["note"]
    assert {row["document_id"] for row in page["items"]} == {qid, converted}
    for row in page["items"]:
        assert row["action"] == "send"
        assert "audit is off" in row["outcome"]
        assert row.get("delivery_type") is None
        assert row.get("consent") is None
        assert row["number"]
        assert row["customer_name"]


async def test_a_malformed_audit_line_is_skipped_and_counted(client: Client, audit_path: Path) -> None:
    qid = await new_quote(client)
    ok(await client.call_tool("send_quote", {"quote_id": qid, "delivery_type": "Manual"}))
    with audit_path.open("a", encoding="utf-8") as fh:
        fh.write("{not json\n")
        fh.write(json.dumps({"action": "send", "outcome": "done"}) + "\n")  # no document, no time
        fh.write("\n")

    page = await activity(client)

    assert page["skipped_lines"] == 2
    assert "2 malformed line(s) skipped" in page["note"]
    assert [row["document_id"] for row in page["items"]] == [qid]


async def test_date_filters(client: Client, audit_path: Path) -> None:
    qid = await new_quote(client)
    ok(await client.call_tool("send_quote", {"quote_id": qid, "delivery_type": "Manual"}))
    today = dt.date.today()
    earlier = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC).astimezone()
    old = {
        "action": "send",
        "document_type": "quote",
        "document_id": qid,
        "outcome": "done",
        "consent": "token",
        "delivery_type": "Manual",
        "document_number": "900",
        "at": earlier.isoformat(),
    }
    with audit_path.open("a", encoding="ascii") as fh:
        fh.write(json.dumps(old) + "\n")

    that_day = await activity(client, date_from=earlier.date().isoformat(), date_to=earlier.date().isoformat())
    assert [(row["document_id"], row["number"], row["consent"]) for row in that_day["items"]] == [(qid, "900", "token")]

    assert [row["document_id"] for row in (await activity(client))["items"]] == [qid]
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert (await activity(client, date_to=yesterday, date_from="2026-01-06"))["items"] == []
    assert (await activity(client, date_from=tomorrow))["items"] == []
    span = await activity(client, date_from=earlier.date().isoformat())
    assert span["date_to"] == today.isoformat()
    assert len(span["items"]) == 2

    backwards = await client.call_tool("list_activity", {"date_from": tomorrow, "date_to": yesterday})
    assert backwards.is_error


def test_the_reader_pairs_attempts_with_their_outcomes_from_any_source() -> None:
    def record(outcome: str, minute: int, doc: str = "d1") -> dict[str, object]:
        at = dt.datetime(2026, 3, 1, 9, minute, tzinfo=dt.UTC).isoformat()
        return {"action": "send", "document_type": "quote", "document_id": doc, "outcome": outcome, "at": at}

    file_source = [record("attempt", 1, "d1"), record("done", 2, "d1"), "garbage", record("attempt", 5, "d2")]
    other_replica = [record("attempt", 3, "d3"), record("unknown", 4, "d3"), {"action": "send"}]

    found = history([*file_source, *other_replica])
    rows = [(entry.document_id, outcome) for entry, outcome in activity_rows(found.entries)]

    assert found.skipped == 2
    assert rows == [("d1", "done"), ("d3", "unknown"), ("d2", NOT_RECORDED)]
