"""Over the wire: the console script as an MCP client launches it, on stdio."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp_types import ElicitResult

from ledgerbee_mcp.sandbox import seed

pytestmark = pytest.mark.anyio


def _command() -> tuple[str, list[str]]:
    script = shutil.which("ledgerbee-mcp", path=str(Path(sys.executable).parent))
    return (script, ["--sandbox"]) if script else (sys.executable, ["-m", "ledgerbee_mcp", "--sandbox"])


async def test_chain_over_stdio(tmp_path: Path) -> None:
    command, args = _command()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERBEE_")} | {
        "LEDGERBEE_SANDBOX_DB": str(tmp_path / "sandbox.sqlite3"),
        "LEDGERBEE_CONFIRM": "auto",
        # the audit log is on by default, in the state directory: here, not in the developer's own
        "LEDGERBEE_STATE_DIR": str(tmp_path / "state"),
    }
    params = StdioServerParameters(command=command, args=args, env=env)
    asked: list[str] = []

    async def person(context: object, params: object) -> ElicitResult:
        asked.append(getattr(params, "message", ""))
        return ElicitResult(action="accept", content={"confirm": True})

    async with Client(params, elicitation_callback=person) as client:
        assert len((await client.list_tools()).tools) == 20
        created = await client.call_tool(
            "create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}]}
        )
        quote_id = created.structured_content["id"]  # type: ignore[index]
        sent = await client.call_tool("send_quote", {"quote_id": quote_id, "delivery_type": "Manual"})
        assert sent.structured_content["outcome"] == "done"  # type: ignore[index]
        converted = await client.call_tool("convert_quote", {"quote_id": quote_id, "target": "invoice"})
        invoice_id = converted.structured_content["produced_document_id"]  # type: ignore[index]
        invoice = await client.call_tool("get_invoice", {"invoice_id": invoice_id})
        assert invoice.structured_content["source_document_id"] == quote_id  # type: ignore[index]
        pdf = await client.read_resource(f"ledgerbee://invoices/{invoice_id}/pdf")
        assert pdf.contents[0].mime_type == "application/pdf"
    assert len(asked) == 2
    assert (tmp_path / "sandbox.sqlite3").exists()
    audit = (tmp_path / "state" / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["outcome"] for line in audit] == ["attempt", "done", "attempt", "done"]
