"""The draft memory (server/written.py, `LEDGERBEE_DRAFT_MEMORY`): what this server last wrote to a draft outlives
the process, so "add a line to yesterday's quote" keeps the contact, the department and the price links that
LedgerBee's answers never show; and it only ever answers for the exact state it wrote."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.server import MCPServer
from mcp_types import CallToolResult
from starlette.applications import Starlette

from ledgerbee_mcp.api import DocumentInputCommon, LineInput
from ledgerbee_mcp.config import Settings
from ledgerbee_mcp.sandbox import seed, tenant_today
from ledgerbee_mcp.server import build_server
from ledgerbee_mcp.server.written import WrittenBodies

pytestmark = pytest.mark.anyio

AT = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)


def body(notes: str = "n") -> DocumentInputCommon:
    return DocumentInputCommon(
        customer_id=seed.CUSTOMER_FJORD_ID,
        date=dt.date(2026, 12, 1),
        lines=[LineInput(price_id=seed.PRICE_WORKSHOP_ID, quantity=Decimal("2.5"))],
        customer_contact_id=seed.CONTACT_METTE_ID,
        customer_department_id="5eed0009-0000-4000-8000-000000000001",
        notes=notes,
    )


# -- the store --------------------------------------------------------------------------------------------------


def test_a_body_outlives_the_process_and_answers_only_for_its_updated_at(tmp_path: Path) -> None:
    path = tmp_path / "state" / "drafts.sqlite3"  # the folder is made on first use
    first = WrittenBodies(path=path, scope="https://api.example")
    first.put("q1", AT, body())
    first.close()

    again = WrittenBodies(path=path, scope="https://api.example")
    assert again.get("q1", AT) == body()
    assert again.get("q1", AT.astimezone(dt.timezone(dt.timedelta(hours=1)))) == body()  # the same instant
    assert again.get("q1", AT + dt.timedelta(seconds=1)) is None  # changed since: not this body
    assert again.get("q2", AT) is None
    # another LedgerBee (or the sandbox) never gets this one
    assert WrittenBodies(path=path, scope="sandbox:/tmp/x.sqlite3").get("q1", AT) is None


def test_the_last_write_wins_across_processes(tmp_path: Path) -> None:
    path = tmp_path / "drafts.sqlite3"
    one, two = WrittenBodies(path=path), WrittenBodies(path=path)
    one.put("q1", AT, body("first"))
    later = AT + dt.timedelta(minutes=1)
    two.put("q1", later, body("second"))
    # `one` remembers its own write, but LedgerBee's document is now what `two` wrote
    assert one.get("q1", later) == body("second")
    assert one.get("q1", AT) == body("first")  # its memory, for the state it wrote (which no longer exists)


def test_only_the_newest_drafts_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "drafts.sqlite3"
    store = WrittenBodies(path=path, max_documents=3)
    for n in range(5):
        store.put(f"q{n}", AT, body())
    fresh = WrittenBodies(path=path, max_documents=3)
    assert [fresh.get(f"q{n}", AT) is not None for n in range(5)] == [False, False, True, True, True]
    (count,) = sqlite3.connect(path).execute("SELECT count(*) FROM written").fetchone()
    assert count == 3


def test_a_store_that_cannot_be_written_keeps_to_memory(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    store = WrittenBodies(path=blocker / "drafts.sqlite3")
    store.put("q1", AT, body())
    assert store.get("q1", AT) == body()
    assert "kept in memory only" in caplog.text


def test_a_record_that_cannot_be_read_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "drafts.sqlite3"
    WrittenBodies(path=path).put("q1", AT, body())
    with sqlite3.connect(path) as db:
        db.execute("UPDATE written SET body = '{\"customerId\": 5}'")
    assert WrittenBodies(path=path).get("q1", AT) is None


# -- through the server: a restart ------------------------------------------------------------------------------


def ok(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


def error_text(result: CallToolResult) -> str:
    assert result.is_error, result.structured_content
    return " ".join(getattr(b, "text", "") for b in result.content)


@pytest.fixture
def make_server_with(sandbox_app: Starlette, audit_path: Path) -> Callable[[Path | None], MCPServer]:
    def make(memory: Path | None) -> MCPServer:
        settings = Settings(sandbox=True, audit_log=audit_path, draft_memory=memory)
        return build_server(
            settings, transport=httpx.ASGITransport(app=sandbox_app), today=lambda: tenant_today(sandbox_app)
        )

    return make


async def stored(sandbox: httpx.AsyncClient, document_id: str) -> dict[str, Any]:
    return (await sandbox.get(f"/_sandbox/documents/quotes/{document_id}")).json()


CREATE = {
    "customer_id": seed.CUSTOMER_FJORD_ID,
    "customer_contact_id": seed.CONTACT_METTE_ID,
    "lines": [{"price_id": seed.PRICE_EXPORT_ID}, {"price_id": seed.PRICE_WORKSHOP_ID, "quantity": "2"}],
}


async def test_an_update_after_a_restart_keeps_the_contact_and_the_price_links(
    make_server_with: Callable[[Path | None], MCPServer], sandbox: httpx.AsyncClient, tmp_path: Path
) -> None:
    memory = tmp_path / "drafts.sqlite3"
    async with Client(make_server_with(memory)) as first:
        created = ok(await first.call_tool("create_quote", CREATE))
    # a new session: a new server process, the same state directory
    async with Client(make_server_with(memory)) as second:
        updated = ok(await second.call_tool("update_quote", {"quote_id": created["id"], "notes": "Thanks!"}))
    after = await stored(sandbox, created["id"])
    assert after["notes"] == "Thanks!"
    assert after["customerContactId"] == seed.CONTACT_METTE_ID
    assert [ln["priceId"] for ln in after["lines"]] == [seed.PRICE_EXPORT_ID, seed.PRICE_WORKSHOP_ID]
    assert updated["amount"] == created["amount"]


async def test_without_the_memory_a_restart_asks_for_what_it_cannot_know(
    make_server_with: Callable[[Path | None], MCPServer], sandbox: httpx.AsyncClient
) -> None:
    async with Client(make_server_with(None)) as first:
        created = ok(await first.call_tool("create_quote", CREATE))
    before = await stored(sandbox, created["id"])
    async with Client(make_server_with(None)) as second:
        text = error_text(await second.call_tool("update_quote", {"quote_id": created["id"], "notes": "Thanks!"}))
    assert "customer_contact_id" in text
    assert "Nothing was changed" in text
    assert await stored(sandbox, created["id"]) == before


async def test_a_draft_changed_elsewhere_after_the_restart_is_not_answered_from_the_memory(
    make_server_with: Callable[[Path | None], MCPServer], sandbox: httpx.AsyncClient, tmp_path: Path
) -> None:
    memory = tmp_path / "drafts.sqlite3"
    async with Client(make_server_with(memory)) as first:
        created = ok(await first.call_tool("create_quote", CREATE))
    # someone edits it in LedgerBee's own app: updatedAt moves, so what this server wrote no longer describes it
    patch = {"customerId": seed.CUSTOMER_FJORD_ID, "date": "2026-01-15", "lines": [{"priceId": seed.PRICE_EXPORT_ID}]}
    (await sandbox.patch(f"/v1/quotes/{created['id']}", json=patch)).raise_for_status()
    before = await stored(sandbox, created["id"])
    async with Client(make_server_with(memory)) as second:
        text = error_text(await second.call_tool("update_quote", {"quote_id": created["id"], "notes": "Thanks!"}))
    assert "customer_contact_id" in text
    assert await stored(sandbox, created["id"]) == before


def test_the_setting_names_the_file_or_turns_it_off(tmp_path: Path) -> None:
    key = {"LEDGERBEE_API_KEY": "k", "LEDGERBEE_STATE_DIR": str(tmp_path / "state")}
    assert Settings.from_env(key).draft_memory == tmp_path / "state" / "drafts.sqlite3"
    assert Settings.from_env(key | {"LEDGERBEE_DRAFT_MEMORY": "off"}).draft_memory is None
    named = Settings.from_env(key | {"LEDGERBEE_DRAFT_MEMORY": str(tmp_path / "d.sqlite3")})
    assert named.draft_memory == tmp_path / "d.sqlite3"
