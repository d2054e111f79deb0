"""The batch send (send_documents, for every document type), end to end: a real MCP client, the real
server, the in-process sandbox. What happened is checked in the sandbox (status, outbox) and the audit file."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client
from mcp.server import MCPServer
from mcp_types import ElicitResult
from starlette.applications import Starlette

from ledgerbee_mcp.config import ConfirmMode, Settings
from ledgerbee_mcp.guardrails.render import SEPARATOR
from ledgerbee_mcp.sandbox import seed
from ledgerbee_mcp.server import build_server
from tests.results import error_text, ok

pytestmark = pytest.mark.anyio

MakeServer = Callable[..., MCPServer]
HALVO_EMAIL = "kontor@halvo.dk"
AMOUNT = "15,625.00 DKK"  # one workshop day, 12,500.00 + 25% VAT


# -- helpers ----------------------------------------------------------------------------------------------------


class Person:
    """Answers every question the same way and remembers each; `meanwhile` runs while the first is read."""

    def __init__(self, action: str = "accept", *, meanwhile: Callable[[], Awaitable[None]] | None = None) -> None:
        self.action = action
        self.meanwhile = meanwhile
        self.messages: list[str] = []

    async def __call__(self, context: Any, params: Any) -> ElicitResult:
        self.messages.append(params.message)
        if self.meanwhile is not None and len(self.messages) == 1:
            await self.meanwhile()
        content = {"confirm": True} if self.action == "accept" else None
        return ElicitResult(action=self.action, content=content)  # type: ignore[arg-type]


def rows(message: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The question's decision rows and detail rows; every line one `Label: value` row."""
    lines = message.split("\n")
    assert message.splitlines() == lines
    cut = lines.index(SEPARATOR)
    parts: list[list[tuple[str, str]]] = []
    for part in (lines[:cut], lines[cut + 1 :]):
        parsed: list[tuple[str, str]] = []
        for line in part:
            label, sep, value = line.partition(": ")
            assert sep, line
            parsed.append((label, value))
        parts.append(parsed)
    return parts[0], parts[1]


def values(found: list[tuple[str, str]], prefix: str) -> list[str]:
    return [value for label, value in found if label.startswith(prefix)]


async def draft(sandbox: httpx.AsyncClient, customer_id: str) -> str:
    body = {"customerId": customer_id, "date": "2026-01-15", "lines": [{"priceId": seed.PRICE_WORKSHOP_ID}]}
    response = await sandbox.post("/v1/quotes", json=body)
    response.raise_for_status()
    return response.json()["id"]


async def edit(sandbox: httpx.AsyncClient, qid: str, customer_id: str, notes: str) -> None:
    body = {
        "customerId": customer_id,
        "date": "2026-01-15",
        "lines": [{"priceId": seed.PRICE_WORKSHOP_ID}],
        "notes": notes,
    }
    (await sandbox.patch(f"/v1/quotes/{qid}", json=body)).raise_for_status()


async def document(sandbox: httpx.AsyncClient, kind: str, doc_id: str) -> dict[str, Any]:
    response = await sandbox.get(f"/v1/{kind}/{doc_id}")
    response.raise_for_status()
    return response.json()


async def outbox(sandbox: httpx.AsyncClient) -> list[tuple[str, str]]:
    return [(m["documentId"], m["to"]) for m in (await sandbox.get("/_sandbox/outbox")).json()["data"]]


def audit(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="ascii").splitlines()] if path.exists() else []


def outcomes(path: Path, doc_id: str) -> list[str]:
    return [r["outcome"] for r in audit(path) if r["document_id"] == doc_id]


async def five_quotes(sandbox: httpx.AsyncClient) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """Five drafts for three customers: (ids, recipient_emails for the two with more than one address and the one
    with none, where each should go)."""
    customers = [
        seed.CUSTOMER_BOLGE_ID,
        seed.CUSTOMER_FJORD_ID,
        seed.CUSTOMER_BOLGE_ID,
        seed.CUSTOMER_HALVO_ID,
        seed.CUSTOMER_FJORD_ID,
    ]
    ids = [await draft(sandbox, customer) for customer in customers]
    emails = {ids[1]: seed.CONTACT_METTE_EMAIL, ids[3]: HALVO_EMAIL, ids[4]: seed.CUSTOMER_FJORD_EMAIL}
    expected = {
        ids[0]: seed.CUSTOMER_BOLGE_EMAIL,
        ids[2]: seed.CUSTOMER_BOLGE_EMAIL,
    } | emails
    return ids, emails, expected


def email_args(ids: list[str], emails: dict[str, str]) -> dict[str, Any]:
    return {"document_type": "quote", "document_ids": ids, "delivery_type": "Email", "recipient_emails": emails}


# -- one consent for five -------------------------------------------------------------------------------------


async def test_five_quotes_are_sent_with_one_consent(
    make_server: MakeServer, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    ids, emails, expected = await five_quotes(sandbox)
    person = Person()
    async with Client(make_server(), elicitation_callback=person) as c:
        result = ok(await c.call_tool("send_documents", email_args(ids, emails)))
        activity = ok(await c.call_tool("list_activity", {}))

    assert len(person.messages) == 1
    decision, details = rows(person.messages[0])
    assert decision[0] == ("Action", "Send 5 quotes by e-mail")
    shown = values(decision, "Quote ")
    assert [label for label, _ in decision[1:6]] == [f"Quote {n}" for n in range(1, 6)]
    for value, qid in zip(shown, ids, strict=True):
        assert value.startswith("new number; customer “")
        assert f"{AMOUNT} including VAT; E-mail; to " in value
        assert value.endswith((f"<{expected[qid]}>", f"to {expected[qid]}")), value
    assert "customer “Fjord Foods A/S”" in shown[1]
    assert "to “Mette Larsen” <mette.larsen@fjordfoods.dk>" in shown[1]
    assert ("Total", "78,125.00 DKK") in decision
    assert ("Count", "5 to send") in decision
    assert decision[-1] == ("Can be undone", "no")
    assert [v.split(" (state ")[0] for v in values(details, "Document ")] == ids

    assert result["outcome"] == "done"
    assert "confirmation_token" not in result
    assert result["totals"] == {"DKK": "78125.00"}
    assert [row["document_id"] for row in result["preview"]] == ids
    assert [r["document_id"] for r in result["results"]] == ids
    assert {r["outcome"] for r in result["results"]} == {"done"}
    numbers = [r["document_number"] for r in result["results"]]
    assert len(set(numbers)) == 5
    assert all(numbers)

    assert sorted(await outbox(sandbox)) == sorted(expected.items())
    records = audit(audit_path)
    for qid, number in zip(ids, numbers, strict=True):
        assert (await document(sandbox, "quotes", qid))["documentNumber"] == number
        assert outcomes(audit_path, qid) == ["attempt", "done"]
        done = next(r for r in records if r["document_id"] == qid and r["outcome"] == "done")
        assert done["consent"] == "elicitation"
        assert done["recipient"] == expected[qid]
        assert done["requested"] == {"deliveryType": "Email", "recipientEmail": expected[qid]}
    # the five are tied together: one batch id in every record, and in what list_activity answers
    (batch,) = {r["batch"] for r in records}
    assert batch.startswith("batch:")
    assert {row["document_id"]: row.get("batch") for row in activity["items"]} == dict.fromkeys(ids, batch)


async def test_a_declined_batch_sends_none(
    make_server: MakeServer, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    ids, emails, _ = await five_quotes(sandbox)
    person = Person("decline")
    async with Client(make_server(), elicitation_callback=person) as c:
        result = ok(await c.call_tool("send_documents", email_args(ids, emails)))
    assert len(person.messages) == 1
    assert result["outcome"] == "declined"
    assert "Nothing was sent" in result["message"]
    assert {r["outcome"] for r in result["results"]} == {"declined"}
    assert await outbox(sandbox) == []
    for qid in ids:
        assert (await document(sandbox, "quotes", qid))["status"] == "draft"
        assert outcomes(audit_path, qid) == ["declined"]


# -- the token --------------------------------------------------------------------------------------------------


async def test_one_token_sends_the_batch_and_cannot_be_replayed_or_tampered_with(
    make_server: MakeServer, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    ids, emails, expected = await five_quotes(sandbox)
    args = email_args(ids, emails)
    async with Client(make_server(confirm=ConfirmMode.TOKEN)) as c:
        first = ok(await c.call_tool("send_documents", args))
        assert first["outcome"] == "confirmation_required"
        assert "Nothing was sent" in first["message"]
        assert [row["document_id"] for row in first["preview"]] == ids
        assert [row["recipient"]["email"] for row in first["preview"]] == [expected[q] for q in ids]
        assert {row["amount"] for row in first["preview"]} == {"15625.00"}
        assert first["totals"] == {"DKK": "78125.00"}
        assert {r["outcome"] for r in first["results"]} == {"confirmation_required"}
        token = first["confirmation_token"]
        assert token
        assert first["token_expires_at"]
        assert await outbox(sandbox) == []

        # not for another set of documents, nor other arguments, nor when altered
        fewer = error_text(
            await c.call_tool("send_documents", args | {"document_ids": ids[1:], "confirmation_token": token})
        )
        assert "different action or set of documents" in fewer
        other = error_text(
            await c.call_tool(
                "send_documents",
                args | {"recipient_emails": emails | {ids[3]: "info@halvo.dk"}, "confirmation_token": token},
            )
        )
        assert "the arguments differ" in other
        body, mac = token.split(".")
        tampered = f"{body}.{mac[:-2]}{'AA' if mac[-2:] != 'AA' else 'BB'}"
        assert "not valid here" in error_text(
            await c.call_tool("send_documents", args | {"confirmation_token": tampered})
        )
        # the ids read as another type are not found: each refused, nothing sent
        other_type = ok(
            await c.call_tool("send_documents", args | {"document_type": "invoice", "confirmation_token": token})
        )
        assert other_type["outcome"] == "none_done"
        assert {r["outcome"] for r in other_type["results"]} == {"refused"}
        # a single send's tool does not take it either
        single = {"quote_id": ids[0], "delivery_type": "Email", "confirmation_token": token}
        assert "different action or document" in error_text(await c.call_tool("send_quote", single))
        assert await outbox(sandbox) == []

        done = ok(await c.call_tool("send_documents", args | {"confirmation_token": token}))
        assert done["outcome"] == "done"
        assert {r["outcome"] for r in done["results"]} == {"done"}
        assert sorted(await outbox(sandbox)) == sorted(expected.items())

        replay = error_text(await c.call_tool("send_documents", args | {"confirmation_token": token}))
        assert "a document changed since the preview" in replay
        assert "Nothing was sent" in replay
    assert len(await outbox(sandbox)) == 5
    for qid in ids:
        seen = outcomes(audit_path, qid)
        # the preview, the refused tries (wrong set, other arguments, altered), the send, the replay refused
        assert seen[0] == "confirmation_required"
        assert seen[-3:] == ["attempt", "done", "refused"]
        assert seen.count("done") == 1
        assert [r["consent"] for r in audit(audit_path) if r["document_id"] == qid and r["outcome"] == "done"] == [
            "token"
        ]
    # the preview's records and the send's share the batch id: the token carried out what was previewed
    (batch,) = {
        r["batch"] for r in audit(audit_path) if r["outcome"] in ("confirmation_required", "attempt", "done")
    }
    assert batch.startswith("batch:")


async def test_each_consent_over_the_same_documents_has_its_own_batch_id(
    make_server: MakeServer, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    """A re-send is allowed (with a warning), so one set of documents can see several consents: the batch id
    tells them apart, in the audit and in list_activity."""
    ids = [await draft(sandbox, seed.CUSTOMER_BOLGE_ID) for _ in range(2)]
    args = {"document_type": "quote", "document_ids": ids, "delivery_type": "Manual"}
    for answer in ("decline", "accept", "accept"):
        async with Client(make_server(), elicitation_callback=Person(answer)) as c:
            ok(await c.call_tool("send_documents", args))
    records = [r for r in audit(audit_path) if r["document_id"] in ids]
    by_batch: dict[str, list[str]] = {}
    for r in records:
        by_batch.setdefault(r["batch"], []).append(r["outcome"])
    assert sorted(by_batch.values()) == sorted(
        [["declined", "declined"], ["attempt", "done", "attempt", "done"], ["attempt", "done", "attempt", "done"]]
    )
    async with Client(make_server()) as c:
        activity = ok(await c.call_tool("list_activity", {"include_refused": True}))
    rows = [row for row in activity["items"] if row["document_id"] in ids]
    assert {row["batch"] for row in rows} == set(by_batch)


# -- one document does not stop the others ----------------------------------------------------------------------


async def test_a_converted_quote_is_refused_in_preflight_and_the_other_four_are_sent(
    make_server: MakeServer, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    ids, emails, expected = await five_quotes(sandbox)
    converted = ids[2]
    (await sandbox.post(f"/v1/quotes/{converted}/send", json={"deliveryType": "Manual"})).raise_for_status()
    (await sandbox.post(f"/v1/quotes/{converted}/convert", json={"target": "invoice"})).raise_for_status()
    person = Person()
    async with Client(make_server(), elicitation_callback=person) as c:
        result = ok(await c.call_tool("send_documents", email_args(ids, emails)))

    decision, details = rows(person.messages[0])
    assert decision[0] == ("Action", "Send 4 quotes by e-mail")
    assert len(values(decision, "Quote ")) == 4
    assert ("Total", "62,500.00 DKK") in decision
    assert ("Count", "4 to send, 1 refused (not sent, listed below)") in decision
    [refused_row] = values(details, "Refused")
    assert refused_row.startswith(f"“{converted}”: ")
    assert "was converted to invoice" in refused_row

    assert result["outcome"] == "partly_done"
    assert "Sent 4 of 5 quotes" in result["message"]
    by_id = {r["document_id"]: r for r in result["results"]}
    assert [r["document_id"] for r in result["results"]] == ids
    assert by_id[converted]["outcome"] == "refused"
    assert "was converted to invoice" in by_id[converted]["message"]
    assert all(by_id[q]["outcome"] == "done" for q in ids if q != converted)
    assert converted not in [row["document_id"] for row in result["preview"]]
    del expected[converted]
    assert sorted(await outbox(sandbox)) == sorted(expected.items())
    # refused in each round's preflight (2026-07-28 runs it again when the answer comes back), never attempted
    assert set(outcomes(audit_path, converted)) == {"refused"}


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_quote_edited_while_the_person_decides_is_asked_again_or_refused_alone(
    make_server: MakeServer, sandbox: httpx.AsyncClient, audit_path: Path, mode: str
) -> None:
    ids, emails, expected = await five_quotes(sandbox)
    edited = ids[2]

    async def someone_edits() -> None:
        await edit(sandbox, edited, seed.CUSTOMER_BOLGE_ID, "Edited while the person read the question")

    person = Person(meanwhile=someone_edits)
    async with Client(make_server(), elicitation_callback=person, mode=mode) as c:  # type: ignore[arg-type]
        result = ok(await c.call_tool("send_documents", email_args(ids, emails)))

    first_decision, first_details = rows(person.messages[0])
    if mode == "auto":
        # 2026-07-28: the question carries each document's state, so the edit makes it another question.
        assert len(person.messages) == 2
        second_decision, second_details = rows(person.messages[1])
        assert second_decision == first_decision
        changed = [a for a, b in zip(first_details, second_details, strict=True) if a != b]
        assert [label for label, _ in changed] == ["Document 3"]
        assert result["outcome"] == "done"
        assert sorted(await outbox(sandbox)) == sorted(expected.items())
        assert outcomes(audit_path, edited) == ["attempt", "done"]
    else:
        # Legacy: one answer; the re-check under that document's lock refuses it, and only it.
        assert len(person.messages) == 1
        assert result["outcome"] == "partly_done"
        by_id = {r["document_id"]: r for r in result["results"]}
        assert by_id[edited]["outcome"] == "refused"
        assert "the document changed after the preview" in by_id[edited]["message"]
        assert all(by_id[q]["outcome"] == "done" for q in ids if q != edited)
        del expected[edited]
        assert sorted(await outbox(sandbox)) == sorted(expected.items())
        assert (await document(sandbox, "quotes", edited))["status"] == "draft"
        assert outcomes(audit_path, edited) == ["refused"]
        refusal = next(r for r in audit(audit_path) if r["document_id"] == edited)
        assert refusal["reason"] == "the document changed after the preview"
        assert refusal["consent"] == "elicitation"


async def test_an_ambiguous_recipient_is_refused_until_recipient_emails_names_it(
    make_server: MakeServer, sandbox: httpx.AsyncClient
) -> None:
    bolge, fjord = await draft(sandbox, seed.CUSTOMER_BOLGE_ID), await draft(sandbox, seed.CUSTOMER_FJORD_ID)
    person = Person()
    async with Client(make_server(), elicitation_callback=person) as c:
        args = {"document_type": "quote", "document_ids": [bolge, fjord], "delivery_type": "Email"}
        first = ok(await c.call_tool("send_documents", args))
        assert first["outcome"] == "partly_done"
        refused = first["results"][1]
        assert refused["outcome"] == "refused"
        assert "more than one possible e-mail recipient" in refused["message"]
        assert seed.CONTACT_METTE_EMAIL in refused["message"]
        # the next step in this tool's words: its entry in recipient_emails, not a single send's argument
        assert f"pass it as recipient_emails[{fjord}]" in refused["message"]
        assert re.search(r"\brecipient_email\b", refused["message"]) is None
        assert await outbox(sandbox) == [(bolge, seed.CUSTOMER_BOLGE_EMAIL)]

        second = ok(
            await c.call_tool(
                "send_documents",
                {**args, "document_ids": [fjord], "recipient_emails": {fjord: seed.CONTACT_METTE_EMAIL}},
            )
        )
    assert second["outcome"] == "done"
    assert second["preview"][0]["recipient"] == {
        "email": seed.CONTACT_METTE_EMAIL,
        "source": "argument",
        "is_contact": True,
        "name": "Mette Larsen",
    }
    assert (await outbox(sandbox))[-1] == (fjord, seed.CONTACT_METTE_EMAIL)


async def test_a_batch_where_every_document_is_refused_asks_nobody(
    make_server: MakeServer, sandbox: httpx.AsyncClient
) -> None:
    fjord = await draft(sandbox, seed.CUSTOMER_FJORD_ID)
    person = Person()
    async with Client(make_server(), elicitation_callback=person) as c:
        result = ok(
            await c.call_tool(
                "send_documents", {"document_type": "quote", "document_ids": [fjord], "delivery_type": "Email"}
            )
        )
    assert person.messages == []
    assert result["outcome"] == "none_done"
    assert result["results"][0]["outcome"] == "refused"
    assert await outbox(sandbox) == []


class SlowSends(httpx.AsyncBaseTransport):
    """The sandbox, with every send held until every other task is blocked, so calls overlap without a clock;
    `first_send` is set when the first send arrives (by then the batch's token was accepted)."""

    def __init__(self, app: Starlette) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.first_send = anyio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/send"):
            self.first_send.set()
            await anyio.wait_all_tasks_blocked()
        return await self.inner.handle_async_request(request)


async def test_a_batch_and_a_single_send_of_the_same_quote_overlap_without_deadlock_and_send_it_once(
    sandbox_app: Starlette, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    ids, emails, expected = await five_quotes(sandbox)
    slow = SlowSends(sandbox_app)
    server = build_server(Settings(sandbox=True, audit_log=audit_path, confirm=ConfirmMode.TOKEN), transport=slow)
    single = {"quote_id": ids[4], "delivery_type": "Email", "recipient_email": seed.CUSTOMER_FJORD_EMAIL}
    results: dict[str, dict[str, Any]] = {}
    async with Client(server) as c:
        batch_token = ok(await c.call_tool("send_documents", email_args(ids, emails)))["confirmation_token"]
        single_token = ok(await c.call_tool("send_quote", single))["confirmation_token"]

        async def batch() -> None:
            args = email_args(ids, emails) | {"confirmation_token": batch_token}
            results["batch"] = ok(await c.call_tool("send_documents", args))

        async def one() -> None:
            # Only once the batch is sending: a single send that landed before the batch's token was checked
            # would change the set the person approved, and the whole batch would (rightly) be refused.
            await slow.first_send.wait()
            results["single"] = (
                await c.call_tool("send_quote", single | {"confirmation_token": single_token})
            ).model_dump()

        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                tg.start_soon(batch)
                tg.start_soon(one)
    # The batch reaches the last quote after the single send took it (or the other way round): either way it
    # goes out once, and the one who came second is refused by the re-check under the lock.
    mails = await outbox(sandbox)
    assert sorted(mails) == sorted(expected.items())
    by_id = {r["document_id"]: r for r in results["batch"]["results"]}
    assert all(by_id[q]["outcome"] == "done" for q in ids[:4])
    single_done = not results["single"]["is_error"]
    assert (by_id[ids[4]]["outcome"] == "done") != single_done
    if single_done:
        assert "the document changed after the preview" in by_id[ids[4]]["message"]
    assert outcomes(audit_path, ids[4]).count("done") == 1


# -- the arguments ----------------------------------------------------------------------------------------------


async def test_too_many_or_repeated_ids_are_refused_naming_the_argument(
    make_server: MakeServer, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    qid = await draft(sandbox, seed.CUSTOMER_BOLGE_ID)
    person = Person()
    many = [f"5eed0009-0000-4000-8000-{n:012d}" for n in range(26)]
    async with Client(make_server(), elicitation_callback=person) as c:
        too_many = error_text(
            await c.call_tool(
                "send_documents", {"document_type": "quote", "document_ids": many, "delivery_type": "Manual"}
            )
        )
        assert "document_ids" in too_many
        repeated = error_text(
            await c.call_tool(
                "send_documents",
                {"document_type": "quote", "document_ids": [qid, qid.upper()], "delivery_type": "Manual"},
            )
        )
        assert "document_ids" in repeated
        assert "more than once" in repeated
        empty = error_text(
            await c.call_tool(
                "send_documents", {"document_type": "quote", "document_ids": [], "delivery_type": "Manual"}
            )
        )
        assert "document_ids" in empty
        stray = error_text(
            await c.call_tool(
                "send_documents",
                {
                    "document_type": "quote",
                    "document_ids": [qid],
                    "delivery_type": "Email",
                    "recipient_emails": {many[0]: HALVO_EMAIL},
                },
            )
        )
        assert "recipient_emails" in stray
        assert "not one of document_ids" in stray
        missing = error_text(await c.call_tool("send_documents", {"document_type": "quote", "document_ids": [qid]}))
        assert "delivery_type" in missing
    assert person.messages == []
    assert await outbox(sandbox) == []
    assert (await document(sandbox, "quotes", qid))["status"] == "draft"
    assert audit(audit_path) == []


# -- the other kinds --------------------------------------------------------------------------------------------


async def test_invoices_and_order_confirmations_go_through_the_same_batch_send(
    make_server: MakeServer, sandbox: httpx.AsyncClient
) -> None:
    produced: dict[str, list[str]] = {"invoice": [], "orderConfirmation": []}
    for target in ("invoice", "invoice", "orderConfirmation"):
        qid = await draft(sandbox, seed.CUSTOMER_BOLGE_ID)
        (await sandbox.post(f"/v1/quotes/{qid}/send", json={"deliveryType": "Manual"})).raise_for_status()
        answer = await sandbox.post(f"/v1/quotes/{qid}/convert", json={"target": target})
        answer.raise_for_status()
        produced[target].append(answer.json()["targetId"])
    person = Person()
    async with Client(make_server(), elicitation_callback=person) as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
        hints = tools["send_documents"].annotations
        assert hints is not None
        assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint) == (False, True, False)
        schema = tools["send_documents"].input_schema
        assert set(schema["properties"]) == {
            "document_type",
            "document_ids",
            "delivery_type",
            "recipient_emails",
            "confirmation_token",
        }
        assert schema["properties"]["document_type"]["enum"] == ["quote", "order_confirmation", "invoice"]
        invoices = ok(
            await c.call_tool(
                "send_documents",
                {"document_type": "invoice", "document_ids": produced["invoice"], "delivery_type": "Email"},
            )
        )
        ocs = ok(
            await c.call_tool(
                "send_documents",
                {
                    "document_type": "order_confirmation",
                    "document_ids": produced["orderConfirmation"],
                    "delivery_type": "Manual",
                },
            )
        )
    assert invoices["outcome"] == "done"
    assert ocs["outcome"] == "done"
    assert rows(person.messages[0])[0][0] == ("Action", "Send 2 invoices by e-mail")
    assert values(rows(person.messages[0])[0], "Invoice ") != []
    assert rows(person.messages[1])[0][0] == (
        "Action",
        "Send 1 order confirmation without e-mail (Manual: you deliver the PDFs)",
    )
    assert sorted(await outbox(sandbox)) == sorted((i, seed.CUSTOMER_BOLGE_EMAIL) for i in produced["invoice"])
    for oc in produced["orderConfirmation"]:
        assert (await document(sandbox, "order-confirmations", oc))["status"] == "sent"
