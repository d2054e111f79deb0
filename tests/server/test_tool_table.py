"""The tools made from the kinds table (server/kinds.py, tools/signatures.py) keep what the SDK reads from a
signature: every guarded tool still has its resolvers (a preview and the person's answer), which the SDK would
drop without a word if it could not read them, and no resolver leaks into the arguments the agent sees."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.server import MCPServer
from mcp_types import ElicitResult

from ledgerbee_mcp.sandbox import seed
from ledgerbee_mcp.server.kinds import KINDS

pytestmark = pytest.mark.anyio

SINGLE = {f"send_{k.name}": k for k in KINDS.values()} | {
    f"convert_{k.name}": k for k in KINDS.values() if k.convert_targets
}
# The one batch send, once for each document type it takes.
BATCH = {f"send_documents:{k.name}": k for k in KINDS.values()}
GUARDED = sorted(SINGLE | BATCH)
RESOLVED = {"prepared", "approval", "ctx", "consent"}


class Decliner:
    def __init__(self) -> None:
        self.messages: list[str] = []

    async def __call__(self, context: Any, params: Any) -> ElicitResult:
        self.messages.append(params.message)
        return ElicitResult(action="decline")


async def _document(sandbox: httpx.AsyncClient, tool: str) -> tuple[str, str, dict[str, Any]]:
    """A document the tool may act on: its path, id and the tool's arguments."""
    kind = (SINGLE | BATCH)[tool]
    body = {"customerId": seed.CUSTOMER_FJORD_ID, "date": "2026-01-15", "lines": [{"priceId": seed.PRICE_WORKSHOP_ID}]}
    source = "order-confirmations" if kind.name == "order_confirmation" else "quotes"
    doc_id = (await sandbox.post(f"/v1/{source}", json=body)).json()["id"]
    if kind.name == "invoice" or tool.startswith("convert_"):
        (await sandbox.post(f"/v1/{source}/{doc_id}/send", json={"deliveryType": "Manual"})).raise_for_status()
    if kind.name == "invoice":
        doc_id = (await sandbox.post(f"/v1/quotes/{doc_id}/convert", json={"target": "invoice"})).json()["targetId"]
    args: dict[str, Any] = (
        {"document_type": kind.name, "document_ids": [doc_id]} if tool in BATCH else {kind.id_arg: doc_id}
    )
    if tool.startswith("send_"):
        args["delivery_type"] = "Manual"
    elif len(kind.convert_targets) > 1:
        args["target"] = "invoice"
    return kind.segment, doc_id, args


def test_every_kind_with_documents_has_its_guarded_tools() -> None:
    assert set(GUARDED) == {
        "send_quote",
        "send_order_confirmation",
        "send_invoice",
        "send_documents:quote",
        "send_documents:order_confirmation",
        "send_documents:invoice",
        "convert_quote",
        "convert_order_confirmation",
    }


async def test_no_resolver_is_an_argument(make_server: Callable[..., MCPServer]) -> None:
    async with Client(make_server()) as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
    for name in GUARDED:
        schema = tools[name.split(":")[0]].input_schema
        assert not set(schema.get("properties", {})) & RESOLVED, name
        assert "confirmation_token" in schema["properties"], name


@pytest.mark.parametrize("tool", GUARDED)
async def test_every_guarded_tool_asks_the_person_before_acting(
    make_server: Callable[..., MCPServer], sandbox: httpx.AsyncClient, tool: str
) -> None:
    segment, doc_id, args = await _document(sandbox, tool)
    before = (await sandbox.get(f"/v1/{segment}/{doc_id}")).json()
    events = len((await sandbox.get("/_sandbox/events")).json()["data"])
    person = Decliner()
    async with Client(make_server(), elicitation_callback=person) as c:
        result = await c.call_tool(tool.split(":")[0], args)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    assert result.structured_content["outcome"] == "declined"
    assert len(person.messages) == 1  # the consent resolver ran, once
    assert (await sandbox.get(f"/v1/{segment}/{doc_id}")).json() == before
    assert len((await sandbox.get("/_sandbox/events")).json()["data"]) == events
