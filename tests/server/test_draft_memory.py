"""The draft memory (server/written.py, `LEDGERBEE_DRAFT_MEMORY`): what this server last wrote to a draft outlives
the process, so "add a line to yesterday's quote" keeps the contact, the department and the price links that
LedgerBee's answers never show; and it only ever answers for the exact state it wrote."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import stat
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client
from mcp.server import MCPServer
from mcp_types import CallToolResult
from starlette.applications import Starlette

from ledgerbee_mcp.api import LineInput
from ledgerbee_mcp.config import Settings
from ledgerbee_mcp.sandbox import seed, tenant_today
from ledgerbee_mcp.server import build_server
from ledgerbee_mcp.server.written import Carried, WrittenBodies
from tests.results import error_text, ok

pytestmark = pytest.mark.anyio

AT = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
SEEN = "digest-of-what-ledgerbee-shows"


def carried(contact: str = seed.CONTACT_METTE_ID) -> Carried:
    return Carried(
        customer_id=seed.CUSTOMER_FJORD_ID,
        customer_contact_id=contact,
        customer_department_id="5eed0009-0000-4000-8000-000000000001",
        lines=(LineInput(price_id=seed.PRICE_WORKSHOP_ID, quantity=Decimal("2.5"), unit_price=Decimal("12500.00")),),
    )


# -- the store --------------------------------------------------------------------------------------------------


async def test_a_record_outlives_the_process_and_answers_only_for_the_state_it_was_written_for(tmp_path: Path) -> None:
    path = tmp_path / "state" / "drafts.sqlite3"  # the folder is made on first use
    first = WrittenBodies(path=path, scope="https://api.example")
    await first.put("q1", AT, SEEN, carried())
    first.close()

    again = WrittenBodies(path=path, scope="https://api.example")
    assert await again.get("q1", AT, SEEN) == carried()
    assert await again.get("q1", AT.astimezone(dt.timezone(dt.timedelta(hours=1))), SEEN) == carried()  # same instant
    assert await again.get("q1", AT + dt.timedelta(seconds=1), SEEN) is None  # changed since: not this record
    assert await again.get("q1", AT, "something else shows now") is None  # the same second, but changed
    assert await again.get("q2", AT, SEEN) is None
    # another LedgerBee (or the sandbox) never gets this one
    assert await WrittenBodies(path=path, scope="sandbox:/tmp/x.sqlite3").get("q1", AT, SEEN) is None


async def test_the_file_is_for_its_owner_only_and_holds_only_what_is_carried_over(tmp_path: Path) -> None:
    path = tmp_path / "drafts.sqlite3"
    await WrittenBodies(path=path).put("q1", AT, SEEN, carried())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    (text,) = sqlite3.connect(path).execute("SELECT carried FROM written").fetchone()
    assert set(json.loads(text)) == {"customer_id", "customer_contact_id", "customer_department_id", "lines"}


async def test_the_last_write_wins_across_processes(tmp_path: Path) -> None:
    path = tmp_path / "drafts.sqlite3"
    one, two = WrittenBodies(path=path), WrittenBodies(path=path)
    await one.put("q1", AT, SEEN, carried())
    later = AT + dt.timedelta(minutes=1)
    await two.put("q1", later, SEEN, carried("5eed0003-0000-4000-8000-000000000099"))
    assert await one.get("q1", later, SEEN) == carried("5eed0003-0000-4000-8000-000000000099")
    # its own memory of the state it wrote stays (harmless: LedgerBee's updatedAt never goes back to it)
    assert await one.get("q1", AT, SEEN) == carried()


async def test_two_writes_of_one_state_with_other_links_answer_for_neither(tmp_path: Path) -> None:
    """Two processes update one draft within LedgerBee's one-second updatedAt, with the same visible result but
    other contacts: which one LedgerBee kept cannot be known, so neither is carried over."""
    path = tmp_path / "drafts.sqlite3"
    one, two = WrittenBodies(path=path), WrittenBodies(path=path)
    await one.put("q1", AT, SEEN, carried("5eed0003-0000-4000-8000-00000000000a"))
    await two.put("q1", AT, SEEN, carried("5eed0003-0000-4000-8000-00000000000b"))
    assert await one.get("q1", AT, SEEN) is None  # its own memory does not overrule the file
    assert await two.get("q1", AT, SEEN) is None
    assert await WrittenBodies(path=path).get("q1", AT, SEEN) is None
    # a later write is a new state, and answers again
    later = AT + dt.timedelta(seconds=1)
    await one.put("q1", later, SEEN, carried())
    assert await two.get("q1", later, SEEN) == carried()


async def test_only_the_newest_drafts_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "drafts.sqlite3"
    store = WrittenBodies(path=path, max_documents=3)
    for n in range(5):
        await store.put(f"q{n}", AT, SEEN, carried())
    fresh = WrittenBodies(path=path, max_documents=3)
    assert [await fresh.get(f"q{n}", AT, SEEN) is not None for n in range(5)] == [False, False, True, True, True]
    (count,) = sqlite3.connect(path).execute("SELECT count(*) FROM written").fetchone()
    assert count == 3


async def test_a_file_locked_by_another_process_waits_off_the_event_loop_and_distrusts_what_it_missed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "drafts.sqlite3"
    store = WrittenBodies(path=path, busy_seconds=0.3)
    await store.put("q0", AT, SEEN, carried())
    await store.put("q1", AT, SEEN, carried())
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await anyio.sleep(0.01)

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(tick)
        # this process updates q1 again while another process holds the file: the record cannot be written
        await store.put("q1", AT + dt.timedelta(seconds=5), SEEN, carried("5eed0003-0000-4000-8000-00000000000c"))
        assert await store.get("q0", AT, SEEN) is None  # unknown while locked: not answered from memory
        tasks.cancel_scope.cancel()
    holder.execute("ROLLBACK")
    holder.close()
    assert ticks > 10  # the event loop ran on while the worker thread waited
    assert "was not kept" in caplog.text
    # the file is still used afterwards
    assert await store.get("q0", AT, SEEN) == carried()
    # q1's last write is not in the file, so no record answers for q1 here until the next write reaches it
    assert await store.get("q1", AT + dt.timedelta(seconds=5), SEEN) is None
    await store.put("q1", AT + dt.timedelta(seconds=9), SEEN, carried())
    assert await WrittenBodies(path=path).get("q1", AT + dt.timedelta(seconds=9), SEEN) == carried()
    assert await store.get("q1", AT + dt.timedelta(seconds=9), SEEN) == carried()


async def test_one_process_writing_one_state_twice_keeps_its_last_write(tmp_path: Path) -> None:
    """Create, then change only the contact within the same second: the state LedgerBee shows is the same, and the
    later write is the one that stands (the document's lock orders one process's writes)."""
    path = tmp_path / "drafts.sqlite3"
    store = WrittenBodies(path=path)
    await store.put("q1", AT, SEEN, carried())
    await store.put("q1", AT, SEEN, carried("5eed0003-0000-4000-8000-00000000000d"))
    assert await WrittenBodies(path=path).get("q1", AT, SEEN) == carried("5eed0003-0000-4000-8000-00000000000d")


async def test_a_file_of_another_layout_is_started_afresh_or_left_alone(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    with sqlite3.connect(old) as db:  # from before layouts were numbered
        db.execute("CREATE TABLE written (scope TEXT, document_id TEXT, updated_at TEXT, body TEXT)")
    old.chmod(0o644)
    store = WrittenBodies(path=old)
    await store.put("q1", AT, SEEN, carried())
    assert await WrittenBodies(path=old).get("q1", AT, SEEN) == carried()
    assert stat.S_IMODE(old.stat().st_mode) == 0o600  # an existing file is made private too
    newer = tmp_path / "newer.sqlite3"
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version = 99")
    store = WrittenBodies(path=newer)
    await store.put("q1", AT, SEEN, carried())
    assert await store.get("q1", AT, SEEN) == carried()  # memory only: a newer server's file is not touched
    assert sqlite3.connect(newer).execute("PRAGMA user_version").fetchone() == (99,)


async def test_a_store_that_cannot_be_opened_keeps_to_memory(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    store = WrittenBodies(path=blocker / "drafts.sqlite3")
    await store.put("q1", AT, SEEN, carried())
    assert await store.get("q1", AT, SEEN) == carried()
    assert "kept in memory only" in caplog.text


async def test_a_record_that_cannot_be_read_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "drafts.sqlite3"
    await WrittenBodies(path=path).put("q1", AT, SEEN, carried())
    with sqlite3.connect(path) as db:
        db.execute("UPDATE written SET carried = '{\"customer_id\": 5}'")
    assert await WrittenBodies(path=path).get("q1", AT, SEEN) is None


# -- through the server: a restart ------------------------------------------------------------------------------


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


NOTES_ONLY = {"notes": "Thanks!"}


async def update_after_a_restart(
    make: Callable[[Path | None], MCPServer],
    memory: Path | None,
    meanwhile: Callable[[str], Awaitable[object]] | None = None,
) -> tuple[dict[str, Any], CallToolResult]:
    """A quote created in one session, `meanwhile` (given its id), then a notes-only update in a new session: a new
    server process with the same state directory."""
    async with Client(make(memory)) as first:
        created = ok(await first.call_tool("create_quote", CREATE))
    if meanwhile is not None:
        await meanwhile(created["id"])
    async with Client(make(memory)) as second:
        return created, await second.call_tool("update_quote", {"quote_id": created["id"]} | NOTES_ONLY)


_SET_PRICE = {
    "unit_price": "UPDATE prices SET unit_price = ? WHERE id = ?",
    "vat_rate": "UPDATE prices SET vat_rate = ? WHERE id = ?",
}


def set_workshop_price(sandbox_app: Starlette, column: str, value: str) -> Callable[[str], Awaitable[None]]:
    """The workshop price changed in LedgerBee meanwhile (the sandbox has no endpoint for it)."""

    async def change(_: str) -> None:
        sandbox_app.state.database.write(lambda conn: conn.execute(_SET_PRICE[column], (value, seed.PRICE_WORKSHOP_ID)))

    return change


async def test_an_update_after_a_restart_keeps_the_contact_and_the_price_links(
    make_server_with: Callable[[Path | None], MCPServer], sandbox: httpx.AsyncClient, tmp_path: Path
) -> None:
    created, result = await update_after_a_restart(make_server_with, tmp_path / "drafts.sqlite3")
    updated = ok(result)
    after = await stored(sandbox, created["id"])
    assert after["notes"] == "Thanks!"
    assert after["customerContactId"] == seed.CONTACT_METTE_ID
    assert [ln["priceId"] for ln in after["lines"]] == [seed.PRICE_EXPORT_ID, seed.PRICE_WORKSHOP_ID]
    assert updated["amount"] == created["amount"]


async def test_without_the_memory_a_restart_asks_for_what_it_cannot_know(
    make_server_with: Callable[[Path | None], MCPServer], sandbox: httpx.AsyncClient
) -> None:
    snapshots: list[dict[str, Any]] = []

    async def keep(document_id: str) -> None:
        snapshots.append(await stored(sandbox, document_id))

    created, result = await update_after_a_restart(make_server_with, None, keep)
    text = error_text(result)
    assert "customer_contact_id" in text
    assert "Nothing was changed" in text
    assert await stored(sandbox, created["id"]) == snapshots[0]


async def test_a_draft_changed_elsewhere_after_the_restart_is_not_answered_from_the_memory(
    make_server_with: Callable[[Path | None], MCPServer], sandbox: httpx.AsyncClient, tmp_path: Path
) -> None:
    snapshots: list[dict[str, Any]] = []

    async def edit_in_ledgerbee(document_id: str) -> None:
        # updatedAt moves, so what this server wrote no longer describes the draft
        lines = [{"priceId": seed.PRICE_EXPORT_ID}]
        patch = {"customerId": seed.CUSTOMER_FJORD_ID, "date": "2026-01-15", "lines": lines}
        (await sandbox.patch(f"/v1/quotes/{document_id}", json=patch)).raise_for_status()
        snapshots.append(await stored(sandbox, document_id))

    created, result = await update_after_a_restart(make_server_with, tmp_path / "drafts.sqlite3", edit_in_ledgerbee)
    assert "customer_contact_id" in error_text(result)
    assert await stored(sandbox, created["id"]) == snapshots[0]


async def test_a_price_changed_since_the_write_does_not_change_the_quote_on_a_notes_only_update(
    make_server_with: Callable[[Path | None], MCPServer],
    sandbox: httpx.AsyncClient,
    sandbox_app: Starlette,
    tmp_path: Path,
) -> None:
    """The lines go back as LedgerBee shows them, with their price links: a line sent with only its price_id
    would be priced anew, and a notes-only update would quietly change the amount."""
    dearer = set_workshop_price(sandbox_app, "unit_price", "99999.00")
    created, result = await update_after_a_restart(make_server_with, tmp_path / "drafts.sqlite3", dearer)
    assert ok(result)["amount"] == created["amount"]
    after = await stored(sandbox, created["id"])
    assert [ln["priceId"] for ln in after["lines"]] == [seed.PRICE_EXPORT_ID, seed.PRICE_WORKSHOP_ID]
    assert after["lines"][1]["unitPrice"] != "99999.00"


async def test_a_vat_rate_changed_since_the_write_is_asked_about_not_applied(
    make_server_with: Callable[[Path | None], MCPServer],
    sandbox: httpx.AsyncClient,
    sandbox_app: Starlette,
    tmp_path: Path,
) -> None:
    """A request line cannot carry a VAT rate: sending a priced line back applies its price's rate now."""
    snapshots: list[dict[str, Any]] = []
    exempt = set_workshop_price(sandbox_app, "vat_rate", "0")

    async def change_and_keep(document_id: str) -> None:
        await exempt(document_id)
        snapshots.append(await stored(sandbox, document_id))

    created, result = await update_after_a_restart(make_server_with, tmp_path / "drafts.sqlite3", change_and_keep)
    text = error_text(result)
    assert "lines[1]: the price it bills now has 0 % VAT, the quote shows 25 %" in text
    assert "Nothing was changed" in text
    assert await stored(sandbox, created["id"]) == snapshots[0]


def test_the_setting_names_the_file_or_turns_it_off(tmp_path: Path) -> None:
    key = {"LEDGERBEE_API_KEY": "k", "LEDGERBEE_STATE_DIR": str(tmp_path / "state")}
    assert Settings.from_env(key).draft_memory == tmp_path / "state" / "drafts.sqlite3"
    assert Settings.from_env(key | {"LEDGERBEE_DRAFT_MEMORY": "off"}).draft_memory is None
    named = Settings.from_env(key | {"LEDGERBEE_DRAFT_MEMORY": str(tmp_path / "d.sqlite3")})
    assert named.draft_memory == tmp_path / "d.sqlite3"
