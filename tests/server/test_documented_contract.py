"""The tools are correct against answers shaped exactly as LedgerBee documents them.

The documented answers do not show a document's contact, its department, nor which product price a line bills.
What LedgerBee really stored is read from the sandbox's control endpoint, never from what the server says.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.server import MCPServer
from mcp.shared.exceptions import MCPError
from starlette.applications import Starlette

from ledgerbee_mcp.config import ConfirmMode, Settings
from ledgerbee_mcp.sandbox import FULL_KEY, seed
from ledgerbee_mcp.server import build_server
from tests.results import error_text, ok
from tests.server.conftest import approve
from tests.transports import SendGate, while_a_send_is_held

pytestmark = pytest.mark.anyio

MakeServer = Callable[..., MCPServer]


async def stored(sandbox: httpx.AsyncClient, kind: str, doc_id: str) -> dict[str, Any]:
    response = await sandbox.get(f"/_sandbox/documents/{kind}/{doc_id}")
    response.raise_for_status()
    return response.json()


async def outbox(sandbox: httpx.AsyncClient) -> list[dict[str, Any]]:
    return (await sandbox.get("/_sandbox/outbox")).json()["data"]


async def foreign_quote(sandbox: httpx.AsyncClient, **extra: Any) -> str:
    """A quote made outside this server (in LedgerBee's UI, say): with a contact and a 0 % VAT priced line."""
    body = {
        "customerId": seed.CUSTOMER_FJORD_ID,
        "customerContactId": seed.CONTACT_METTE_ID,
        "date": "2026-11-20",
        "lines": [{"priceId": seed.PRICE_EXPORT_ID, "quantity": 1}],
    } | extra
    response = await sandbox.post("/v1/quotes", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


# -- updates change exactly what the agent asked ------------------------------------------------------------------


async def test_an_update_of_only_the_notes_keeps_price_links_contact_and_vat(
    client: Client, sandbox: httpx.AsyncClient
) -> None:
    created = ok(
        await client.call_tool(
            "create_quote",
            {
                "customer_id": seed.CUSTOMER_FJORD_ID,
                "customer_contact_id": seed.CONTACT_METTE_ID,
                "lines": [{"price_id": seed.PRICE_EXPORT_ID}, {"price_id": seed.PRICE_WORKSHOP_ID, "quantity": 2}],
            },
        )
    )
    before = await stored(sandbox, "quotes", created["id"])

    updated = ok(await client.call_tool("update_quote", {"quote_id": created["id"], "notes": "Thanks!"}))

    after = await stored(sandbox, "quotes", created["id"])
    assert after["notes"] == "Thanks!"
    assert after["customerContactId"] == seed.CONTACT_METTE_ID
    assert [ln["priceId"] for ln in after["lines"]] == [seed.PRICE_EXPORT_ID, seed.PRICE_WORKSHOP_ID]
    assert [ln["vatRate"] for ln in after["lines"]] == [ln["vatRate"] for ln in before["lines"]]
    assert updated["vat"] == created["vat"]
    assert updated["amount"] == created["amount"]


async def test_an_update_of_a_quote_this_server_did_not_write_names_what_is_missing_and_changes_nothing(
    client: Client, sandbox: httpx.AsyncClient
) -> None:
    qid = await foreign_quote(sandbox)
    before = await stored(sandbox, "quotes", qid)

    text = error_text(await client.call_tool("update_quote", {"quote_id": qid, "notes": "Thanks!"}))

    assert "Nothing was changed" in text
    for missing in ("lines", "customer_contact_id", "customer_department_id", "list_products", "list_customers"):
        assert missing in text
    assert await stored(sandbox, "quotes", qid) == before


async def test_an_update_that_gives_what_cannot_be_read_back_works(client: Client, sandbox: httpx.AsyncClient) -> None:
    qid = await foreign_quote(sandbox)

    ok(
        await client.call_tool(
            "update_quote",
            {
                "quote_id": qid,
                "notes": "Thanks!",
                "lines": [{"price_id": seed.PRICE_EXPORT_ID}],
                "customer_contact_id": seed.CONTACT_METTE_ID,
                "clear": ["customer_department_id"],
            },
        )
    )

    after = await stored(sandbox, "quotes", qid)
    assert after["notes"] == "Thanks!"
    assert after["customerContactId"] == seed.CONTACT_METTE_ID
    assert after["customerDepartmentId"] is None
    assert [ln["priceId"] for ln in after["lines"]] == [seed.PRICE_EXPORT_ID]
    assert after["vat"] == "0.00"


async def test_after_a_send_the_update_needs_the_unreadable_fields_again(
    client: Client, sandbox: httpx.AsyncClient
) -> None:
    created = ok(
        await client.call_tool(
            "create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"price_id": seed.PRICE_EXPORT_ID}]}
        )
    )
    ok(await client.call_tool("send_quote", {"quote_id": created["id"], "delivery_type": "Manual"}))

    text = error_text(await client.call_tool("update_quote", {"quote_id": created["id"], "notes": "later"}))

    assert "Nothing was changed" in text
    assert (await stored(sandbox, "quotes", created["id"]))["notes"] is None


async def test_clear_empties_a_field_and_leaving_it_out_keeps_it(client: Client, sandbox: httpx.AsyncClient) -> None:
    created = ok(
        await client.call_tool(
            "create_quote",
            {
                "customer_id": seed.CUSTOMER_FJORD_ID,
                "customer_contact_id": seed.CONTACT_METTE_ID,
                "valid_until": "2027-01-31",
                "reference": "PO-1",
                "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}],
            },
        )
    )
    qid = created["id"]

    ok(await client.call_tool("update_quote", {"quote_id": qid, "notes": "kept the rest"}))
    kept = await stored(sandbox, "quotes", qid)
    assert (kept["validUntil"], kept["reference"], kept["customerContactId"]) == (
        "2027-01-31",
        "PO-1",
        seed.CONTACT_METTE_ID,
    )

    ok(await client.call_tool("update_quote", {"quote_id": qid, "clear": ["valid_until", "customer_contact_id"]}))
    cleared = await stored(sandbox, "quotes", qid)
    assert cleared["validUntil"] is None
    assert cleared["customerContactId"] is None
    assert cleared["reference"] == "PO-1"
    assert cleared["notes"] == "kept the rest"


async def test_repeated_clear_fields_clear_once(client: Client, sandbox: httpx.AsyncClient) -> None:
    """`clear` advertises no length bound: a field named twice is no error, and clears once."""
    created = ok(
        await client.call_tool(
            "create_quote",
            {
                "customer_id": seed.CUSTOMER_FJORD_ID,
                "reference": "PO-1",
                "notes": "n",
                "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}],
            },
        )
    )
    clear = ["notes", "notes", "reference", "notes", "reference", "notes", "notes"]
    ok(await client.call_tool("update_quote", {"quote_id": created["id"], "clear": clear}))
    after = await stored(sandbox, "quotes", created["id"])
    assert (after["notes"], after["reference"]) == (None, None)


async def test_a_field_both_given_and_cleared_is_refused(client: Client, sandbox: httpx.AsyncClient) -> None:
    created = ok(
        await client.call_tool(
            "create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}]}
        )
    )
    before = await stored(sandbox, "quotes", created["id"])
    text = error_text(
        await client.call_tool(
            "update_quote", {"quote_id": created["id"], "notes": "x", "clear": ["notes"]}
        )
    )
    assert "notes" in text
    assert "Nothing was changed" in text
    assert await stored(sandbox, "quotes", created["id"]) == before


async def test_an_update_waits_for_a_send_of_the_same_document(
    sandbox_app: Starlette, sandbox: httpx.AsyncClient, audit_path: Any
) -> None:
    gate = SendGate(httpx.ASGITransport(app=sandbox_app))
    server = build_server(Settings(sandbox=True, audit_log=audit_path), transport=gate)
    async with Client(server, elicitation_callback=approve) as c:
        qid = ok(
            await c.call_tool(
                "create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}]}
            )
        )["id"]
        send, update, meanwhile = await while_a_send_is_held(
            c, gate, qid, "update_quote", {"quote_id": qid, "notes": "while sending"}
        )
    # The send held the document's lock: the update had not even read the quote yet.
    assert meanwhile == []

    ok(send)
    # By then the quote was sent (updatedAt moved), so the update refuses rather than guess; nothing overlapped.
    assert "Nothing was changed" in error_text(update)
    assert (await stored(sandbox, "quotes", qid))["notes"] is None


# -- the e-mail goes to the address the preview showed --------------------------------------------------------------


async def test_an_email_send_refuses_to_guess_between_contacts_and_lists_the_candidates(
    client: Client, sandbox: httpx.AsyncClient
) -> None:
    # LedgerBee would e-mail the document's contact (Mette), which no documented answer reveals.
    qid = await foreign_quote(sandbox)

    text = error_text(await client.call_tool("send_quote", {"quote_id": qid, "delivery_type": "Email"}))

    assert "Mette Larsen" in text
    assert seed.CONTACT_METTE_EMAIL in text
    assert seed.CUSTOMER_FJORD_EMAIL in text
    assert "recipient_email" in text
    assert await outbox(sandbox) == []
    assert (await stored(sandbox, "quotes", qid))["status"] == "draft"


async def test_the_email_goes_to_the_recipient_the_preview_showed(
    make_server: MakeServer, sandbox: httpx.AsyncClient
) -> None:
    qid = await foreign_quote(sandbox)
    args = {"quote_id": qid, "delivery_type": "Email", "recipient_email": seed.CUSTOMER_FJORD_EMAIL}
    async with Client(make_server(confirm=ConfirmMode.TOKEN)) as c:
        first = ok(await c.call_tool("send_quote", args))
        assert first["preview"]["recipient"]["email"] == seed.CUSTOMER_FJORD_EMAIL
        ok(await c.call_tool("send_quote", args | {"confirmation_token": first["confirmation_token"]}))
    assert [m["to"] for m in await outbox(sandbox)] == [seed.CUSTOMER_FJORD_EMAIL]


async def test_the_preview_says_when_ledgerbee_will_create_a_contact_and_only_then(
    make_server: MakeServer, sandbox: httpx.AsyncClient
) -> None:
    async with Client(make_server(confirm=ConfirmMode.TOKEN)) as c:
        bolge = ok(
            await c.call_tool(
                "create_quote", {"customer_id": seed.CUSTOMER_BOLGE_ID, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}]}
            )
        )["id"]
        fjord = ok(
            await c.call_tool(
                "create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}]}
            )
        )["id"]
        # Bølge has no contacts: its own address is used, passed explicitly, and becomes a contact.
        args = {"quote_id": bolge, "delivery_type": "Email"}
        first = ok(await c.call_tool("send_quote", args))
        assert first["preview"]["recipient"] == {
            "email": seed.CUSTOMER_BOLGE_EMAIL,
            "source": "customer e-mail",
            "is_contact": False,
        }
        assert any("LedgerBee will create it as a contact" in w for w in first["preview"]["warnings"])
        ok(await c.call_tool("send_quote", args | {"confirmation_token": first["confirmation_token"]}))

        # Now Bølge's contact and its own address are the same one address: that one distinct address is used
        # (no refusal listing the "candidates"), it is a contact, and nothing more will be created.
        again = ok(
            await c.call_tool(
                "create_quote", {"customer_id": seed.CUSTOMER_BOLGE_ID, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}]}
            )
        )["id"]
        second = ok(await c.call_tool("send_quote", {"quote_id": again, "delivery_type": "Email"}))
        recipient = second["preview"]["recipient"]
        assert (recipient["email"], recipient["source"], recipient["is_contact"]) == (
            seed.CUSTOMER_BOLGE_EMAIL,
            "customer e-mail",
            True,
        )
        assert not any("create" in w for w in second["preview"]["warnings"])
        ok(
            await c.call_tool(
                "send_quote",
                {"quote_id": again, "delivery_type": "Email", "confirmation_token": second["confirmation_token"]},
            )
        )

        known = ok(
            await c.call_tool(
                "send_quote", {"quote_id": fjord, "delivery_type": "Email", "recipient_email": seed.CONTACT_METTE_EMAIL}
            )
        )
        assert not any("create" in w for w in known["preview"]["warnings"])

    assert [(m["documentId"], m["to"]) for m in await outbox(sandbox)] == [
        (bolge, seed.CUSTOMER_BOLGE_EMAIL),
        (again, seed.CUSTOMER_BOLGE_EMAIL),
    ]
    contacts = (await sandbox.get(f"/v1/customers/{seed.CUSTOMER_BOLGE_ID}/contacts")).json()["data"]
    assert [c["email"] for c in contacts] == [seed.CUSTOMER_BOLGE_EMAIL]  # created once, by the first send


# -- inputs the client must not round ------------------------------------------------------------------------------


async def test_a_unit_price_with_more_decimals_than_accepted_is_refused_with_the_reason(
    client: Client, sandbox: httpx.AsyncClient
) -> None:
    result = await client.call_tool(
        "create_quote",
        {
            "customer_id": seed.CUSTOMER_FJORD_ID,
            "lines": [{"description": "Consulting", "unit_price": "12.3456"}],
        },
    )
    text = error_text(result)
    assert "unit_price" in text
    assert "at most 2 decimals" in text
    assert (await sandbox.get("/v1/quotes")).json()["total"] == 0


@pytest.mark.parametrize("amount", ["1.200", "12.500", "1,200.50", "1.200,50", "1200,5"])
async def test_an_amount_ambiguous_between_decimal_conventions_is_refused(
    client: Client, sandbox: httpx.AsyncClient, amount: str
) -> None:
    text = error_text(
        await client.call_tool(
            "create_quote",
            {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"description": "Consulting", "unit_price": amount}]},
        )
    )
    assert "unit_price" in text
    assert "nothing was done" in text
    assert "errors.pydantic.dev" not in text
    assert (await sandbox.get("/v1/quotes")).json()["total"] == 0


@pytest.mark.parametrize(
    ("quantity", "advice"), [("1.500", 'write "1500" if you mean 1500, or "1.5"'), ("1,5", "comma")]
)
async def test_a_quantity_ambiguous_between_decimal_conventions_is_refused(
    client: Client, sandbox: httpx.AsyncClient, quantity: str, advice: str
) -> None:
    """A quantity is advertised as a decimal string, so an agent writes one: "1.500" must not become 1.5."""
    line = {"price_id": seed.PRICE_WORKSHOP_ID, "quantity": quantity}
    text = error_text(await client.call_tool("create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [line]}))
    assert "lines[0].quantity" in text
    assert advice in text
    assert (await sandbox.get("/v1/quotes")).json()["total"] == 0


async def test_a_name_given_as_an_id_points_to_the_tool_that_finds_it(client: Client) -> None:
    text = error_text(await client.call_tool("get_quote", {"quote_id": "Fjord Foods"}))
    assert "quote_id" in text
    assert "list_quotes" in text
    assert "UUID" in text
    for boilerplate in ("errors.pydantic.dev", "type=", "validation error for"):
        assert boilerplate not in text


async def test_a_value_of_the_wrong_type_is_refused_with_an_example_of_the_right_one(client: Client) -> None:
    ids = error_text(await client.call_tool("get_quote", {"quote_id": 1042}))
    assert "quote_id: must be an id (a UUID) such as" in ids
    assert "list_quotes" in ids
    clear = error_text(await client.call_tool("update_quote", {"quote_id": seed.CUSTOMER_FJORD_ID, "clear": "notes"}))
    assert 'clear: must be a list (a JSON array), such as ["valid_until"]' in clear
    lines = error_text(
        await client.call_tool(
            "create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": {"price_id": seed.PRICE_WORKSHOP_ID}}
        )
    )
    assert "lines: must be a list (a JSON array), such as [{" in lines
    batch = error_text(
        await client.call_tool(
            "send_documents",
            {"document_type": "quote", "document_ids": seed.CUSTOMER_FJORD_ID, "delivery_type": "Manual"},
        )
    )
    assert "document_ids: must be a list (a JSON array), such as [" in batch
    numbers = error_text(
        await client.call_tool(
            "send_documents",
            {
                "document_type": "quote",
                "document_ids": ["10001"],
                "delivery_type": "Email",
                "recipient_emails": {"Q-10001": "a@example.com"},
            },
        )
    )
    assert "document_ids[0]: must be an id (a UUID) such as" in numbers
    assert "recipient_emails key: must be a document id (a UUID) such as" in numbers
    assert "Q-10001" in numbers
    for text in (ids, clear, lines, batch, numbers):
        for boilerplate in ("errors.pydantic.dev", "type=", "validation error for", "Input should be", "pattern"):
            assert boilerplate not in text, text


# -- what the tools tell the person --------------------------------------------------------------------------------


async def test_convert_texts_do_not_claim_the_produced_document_is_a_draft(
    client: Client, sandbox: httpx.AsyncClient
) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    for name in ("convert_quote", "convert_order_confirmation"):
        assert "draft order confirmation" not in (tools[name].description or "")
        assert "draft invoice" not in (tools[name].description or "")

    qid = ok(
        await client.call_tool(
            "create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}]}
        )
    )["id"]
    ok(await client.call_tool("send_quote", {"quote_id": qid, "delivery_type": "Manual"}))
    done = ok(await client.call_tool("convert_quote", {"quote_id": qid, "target": "invoice"}))
    assert done["outcome"] == "done"
    assert "draft" not in done["message"]
    assert done["produced_document_id"] in done["message"]


async def test_a_rejected_quotes_convert_refusal_does_not_send_the_user_round_in_circles(
    client: Client, sandbox: httpx.AsyncClient
) -> None:
    qid = ok(
        await client.call_tool(
            "create_quote", {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}]}
        )
    )["id"]
    ok(await client.call_tool("send_quote", {"quote_id": qid, "delivery_type": "Manual"}))
    assert (await sandbox.post(f"/_sandbox/quotes/{qid}/reject")).status_code == 200

    text = error_text(await client.call_tool("convert_quote", {"quote_id": qid, "target": "invoice"}))

    assert "rejected" in text
    assert "send_quote" not in text
    assert "send it first" not in text
    assert "create_quote" in text


# -- no generic errors ---------------------------------------------------------------------------------------------


class _Broken(httpx.AsyncBaseTransport):
    """A transport that fails in a way no part of the client expects."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise RuntimeError(f"internal detail {FULL_KEY}")


async def test_an_unexpected_failure_is_explained_without_its_details(audit_path: Any) -> None:
    server = build_server(Settings(sandbox=True, audit_log=audit_path), transport=_Broken())
    async with Client(server) as c:
        text = error_text(await c.call_tool("list_customers", {}))
        send = error_text(
            await c.call_tool("send_quote", {"quote_id": str(uuid.uuid4()), "delivery_type": "Manual"})
        )
    assert text != "Error executing tool list_customers"
    assert "list_customers failed inside this server (RuntimeError)" in text
    assert "Nothing was changed" in text
    assert "log" in text
    assert "send_quote failed inside this server" in send
    assert "audit log" in send
    for leaked in ("internal detail", FULL_KEY):
        assert leaked not in text
        assert leaked not in send


async def test_the_pdf_of_an_unknown_document_is_invalid_params_with_ledgerbees_404(client: Client) -> None:
    with pytest.raises(MCPError) as raised:
        await client.read_resource(f"ledgerbee://quotes/{uuid.uuid4()}/pdf")
    assert raised.value.error.code == -32602
    assert "404" in raised.value.error.message


async def test_a_pdf_resource_that_fails_unexpectedly_says_what_failed(audit_path: Any) -> None:
    server = build_server(Settings(sandbox=True, audit_log=audit_path), transport=_Broken())
    async with Client(server) as c:
        with pytest.raises(MCPError) as raised:
            await c.read_resource(f"ledgerbee://invoices/{uuid.uuid4()}/pdf")
    assert raised.value.error.code == -32603
    assert "failed inside this server (RuntimeError)" in raised.value.error.message
    assert "Error creating resource" not in raised.value.error.message
    assert FULL_KEY not in raised.value.error.message
