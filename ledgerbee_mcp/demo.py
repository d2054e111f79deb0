"""`ledgerbee-mcp demo`: the whole chain, quote -> order confirmation -> invoice, through real MCP tool calls.

It starts `ledgerbee-mcp --sandbox` as a subprocess over stdio (as any MCP client would), on a fresh sandbox
database, connects the SDK's own client, and prints a transcript. The person's confirmations are answered
by the demo itself, and it says so each time.
"""

from __future__ import annotations

import base64
import json
import sys
import tempfile
from pathlib import Path
from typing import Any, cast

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp_types import BlobResourceContents, CallToolResult, ElicitRequestParams, ElicitResult, EmbeddedResource

__all__ = ["run_demo"]


def _say(text: str = "") -> None:
    # The demo is a terminal program (not the stdio server), so stdout is its own.
    print(text, flush=True)


class _Walk:
    def __init__(self, client: Client, out: Path) -> None:
        self.client = client
        self.out = out

    async def call(self, tool: str, args: dict[str, Any]) -> dict[str, Any]:
        shown = json.dumps(args, ensure_ascii=False)
        _say(f"\n> {tool} {shown if len(shown) < 160 else shown[:157] + '...'}")
        result: CallToolResult = await self.client.call_tool(tool, args)
        if result.is_error:
            text = " ".join(getattr(c, "text", "") for c in result.content)
            raise RuntimeError(f"{tool} failed: {text}")
        return dict(result.structured_content or {})

    async def save_pdf(self, document_type: str, document_id: str, name: str, *, draft: bool = False) -> None:
        _say(f"\n> get_document_pdf {document_type} {document_id} draft={draft}")
        result = await self.client.call_tool(
            "get_document_pdf", {"document_type": document_type, "document_id": document_id, "draft": draft}
        )
        for block in result.content:
            if isinstance(block, EmbeddedResource) and isinstance(block.resource, BlobResourceContents):
                path = self.out / name
                path.write_bytes(base64.b64decode(block.resource.blob))
                _say(f"  saved {path} ({path.stat().st_size} bytes)")
                return
        raise RuntimeError(f"no PDF came back for {document_type} {document_id}")


async def _person(context: Any, params: ElicitRequestParams) -> ElicitResult:
    _say("  --- the server asks the person to confirm ---")
    for line in params.message.splitlines():
        _say(f"  | {line}")
    _say("  --- (demo) the person answers: yes ---")
    return ElicitResult(action="accept", content={"confirm": True})


async def _walk(client: Client, out: Path) -> None:
    w = _Walk(client, out)
    tools = await client.list_tools()
    _say(f"Connected over stdio. {len(tools.tools)} tools: {', '.join(t.name for t in tools.tools)}")

    customers = await w.call("list_customers", {"search": "Fjord", "include_contacts": True})
    customer = customers["items"][0]
    contact = customer["contacts"][0]
    _say(f"  customer {customer['name']} <{customer['email']}>, {len(customer['contacts'])} contact(s)")
    products = await w.call("list_products", {})
    prices = {p["name"]: p["prices"][0] for p in products["items"] if p["prices"]}
    for name, price in prices.items():
        _say(f"  {name}: {price['unit_price']} {price['currency']} ex. VAT, {price['vat_rate']}% VAT")
    chosen = [p["price_id"] for p in list(prices.values())[:2]]

    quote = await w.call(
        "create_quote",
        {
            "customer_id": customer["id"],
            "customer_contact_id": contact["id"],
            "lines": [{"price_id": chosen[0], "quantity": 2}, {"price_id": chosen[1], "quantity": 12}],
            "reference": "PO-4711",
            "notes": "Thank you for the enquiry.",
        },
    )
    totals = f"{quote['subtotal']} + VAT {quote['vat']} = {quote['amount']} {quote['currency']}"
    _say(f"  draft quote {quote['id']}: {totals}")
    await w.save_pdf("quote", quote["id"], "1-quote-draft-preview.pdf", draft=True)

    # The guarded send takes no guess between the contact and the customer's own address: the person names one.
    to = contact["email"]
    sent = await w.call("send_quote", {"quote_id": quote["id"], "delivery_type": "Email", "recipient_email": to})
    _say(f"  {sent['outcome']}: {sent['message']}")
    converted = await w.call("convert_quote", {"quote_id": quote["id"], "target": "orderConfirmation"})
    _say(f"  {converted['outcome']}: {converted['message']}")
    oc_id = converted["produced_document_id"]
    oc_sent = await w.call("send_order_confirmation", {"order_confirmation_id": oc_id, "delivery_type": "Manual"})
    _say(f"  {oc_sent['outcome']}: {oc_sent['message']}")
    invoiced = await w.call("convert_order_confirmation", {"order_confirmation_id": oc_id})
    _say(f"  {invoiced['outcome']}: {invoiced['message']}")
    invoice_id = invoiced["produced_document_id"]
    invoice_sent = await w.call(
        "send_invoice", {"invoice_id": invoice_id, "delivery_type": "Email", "recipient_email": to}
    )
    _say(f"  {invoice_sent['outcome']}: {invoice_sent['message']}")
    invoice = await w.call("get_invoice", {"invoice_id": invoiced["produced_document_id"]})
    _say(f"  invoice {invoice['id']} ({invoice['status']}): {invoice['amount']} {invoice['currency']}")
    _say(f"  due {invoice['due_date']}, converted from {invoice['source_document_id']}")

    again = await client.call_tool("convert_quote", {"quote_id": quote["id"], "target": "invoice"})
    _say("\n> convert_quote again (the guardrail refuses before calling LedgerBee)")
    _say("  " + " ".join(getattr(c, "text", "") for c in again.content))

    await w.save_pdf("quote", quote["id"], "2-quote.pdf")
    await w.save_pdf("order_confirmation", oc_id, "3-order-confirmation.pdf")
    await w.save_pdf("invoice", invoice["id"], "4-invoice.pdf")


def _reason(error: BaseException) -> BaseException:
    # The SDK's task groups wrap the one real failure; "unhandled errors in a TaskGroup" tells nobody anything.
    if not isinstance(error, BaseExceptionGroup):
        return error
    group = cast("BaseExceptionGroup[BaseException]", error)
    return _reason(group.exceptions[0]) if len(group.exceptions) == 1 else group


def run_demo(out_dir: str) -> int:
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ledgerbee-demo-") as state:
        params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "ledgerbee_mcp", "--sandbox"],
            env={"LEDGERBEE_SANDBOX_DB": str(Path(state) / "sandbox.sqlite3"), "LEDGERBEE_CONFIRM": "auto"},
        )

        async def main() -> None:
            async with Client(params, elicitation_callback=_person) as client:
                await _walk(client, out)

        _say("ledgerbee-mcp demo: the MCP server runs against a fresh local sandbox (no account needed).")
        try:
            anyio.run(main)
        except Exception as error:
            _say(f"\ndemo failed: {_reason(error)}")
            return 1
    _say(f"\nDone. The PDFs are in {out}")
    return 0
