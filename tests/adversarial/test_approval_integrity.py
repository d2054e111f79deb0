"""Approval integrity: what the person approves is what LedgerBee does, or the person hears that it is not.

One attack class per test (or small parametrised group), each through the real MCP client against the in-process
sandbox, each checked where it counts: the document's status and number, the outbox, the events and the stored
record in the sandbox, and the audit file.

- a writer outside this server changes the quote, or the customer's e-mail, right before LedgerBee sends;
- recipients that look like they are in the allowlist but are not (RFC 5322 tricks, look-alike domains), typed by
  the agent or planted in a contact or customer;
- the document edited while the person decides: on protocol 2026-07-28 the question changes (its state row), so the
  person is asked again; on the legacy revision the re-check under the lock refuses;
- customer names built to forge rows of the question;
- a cancelled call, an audit log that cannot be written, answers that are not a plain yes;
- a re-send right after an edit;
- audit lines that data tries to split.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
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

from ledgerbee_mcp.config import ConfirmMode
from ledgerbee_mcp.sandbox import seed
from tests.results import error_text, ok

from ._support import SEEN, FaultTransport, call, document, draft, edit_sandbox, events, outbox, question, sent

pytestmark = pytest.mark.anyio

MakeServer = Callable[..., MCPServer]
ATTACKER = "attacker@evil.example"
METTE = f"“Mette Larsen” <{seed.CONTACT_METTE_EMAIL}>"
# "fjordfoods.dk" with the two o's of "foods" written as CYRILLIC SMALL LETTER O (U+043E).
LOOK_ALIKE_DOMAIN = "fjordf\u043e\u043eds.dk"
LOOK_ALIKE_PUNYCODE = LOOK_ALIKE_DOMAIN.encode("idna").decode("ascii")


# -- helpers ---------------------------------------------------------------------------------------------------


def audit(path: Path) -> list[dict[str, Any]]:
    """The audit file's records; each line must be one JSON object, and the file pure ASCII."""
    if not path.exists():
        return []
    raw = path.read_bytes()
    assert raw.isascii(), "the audit file is not ASCII"
    text = raw.decode("ascii")
    lines = text.splitlines()
    assert len(lines) == text.count("\n"), "a record was split by a line break other than \\n"
    records = [json.loads(line) for line in lines]
    assert all(isinstance(r, dict) for r in records)
    return records


def outcomes(records: list[dict[str, Any]], doc_id: str) -> list[str]:
    return [r["outcome"] for r in records if r["document_id"] == doc_id]


class Person:
    """Answers every question with `content` (a plain yes by default) and remembers each one. `meanwhile` runs
    while the person reads the first question: someone else acting in LedgerBee at that moment."""

    def __init__(
        self,
        action: str = "accept",
        content: dict[str, Any] | None = None,
        *,
        meanwhile: Callable[[], Awaitable[None]] | None = None,
        keep_empty: bool = False,
    ) -> None:
        self.action = action
        self.content = content if content is not None or keep_empty else {"confirm": True}
        if action != "accept":
            self.content = None
        self.meanwhile = meanwhile
        self.messages: list[str] = []

    async def __call__(self, context: Any, params: Any) -> ElicitResult:
        self.messages.append(params.message)
        SEEN.append(params.message)
        if self.meanwhile is not None and len(self.messages) == 1:
            await self.meanwhile()
        return ElicitResult(action=self.action, content=self.content)  # type: ignore[arg-type]


async def assert_nothing_sent(sandbox: httpx.AsyncClient, doc_id: str, kind: str = "quotes") -> None:
    doc = await document(sandbox, kind, doc_id)
    assert doc["status"] == "draft"
    assert doc["documentNumber"] is None
    assert doc["sentAt"] is None
    assert [m for m in await outbox(sandbox) if m["documentId"] == doc_id] == []
    assert [e for e in await events(sandbox) if e["documentId"] == doc_id] == []


async def stored(sandbox: httpx.AsyncClient, kind: str, doc_id: str) -> dict[str, Any]:
    response = await sandbox.get(f"/_sandbox/documents/{kind}/{doc_id}")
    response.raise_for_status()
    return response.json()


async def edit_quote(sandbox: httpx.AsyncClient, qid: str, **fields: Any) -> None:
    """Someone edits the quote in LedgerBee (an update replaces the fields wholesale, so the body is complete)."""
    body: dict[str, Any] = {
        "customerId": seed.CUSTOMER_FJORD_ID,
        "date": "2026-01-15",
        "lines": [{"priceId": seed.PRICE_WORKSHOP_ID, "quantity": 1}],
    } | fields
    (await sandbox.patch(f"/v1/quotes/{qid}", json=body)).raise_for_status()


def is_send(request: httpx.Request) -> bool:
    return request.method == "POST" and request.url.path.endswith("/send")


def once_before_send(action: Callable[[], Awaitable[None]]) -> Callable[[httpx.Request], Awaitable[None]]:
    """A `hold` for FaultTransport: `action` runs once, right before the first send is forwarded to LedgerBee."""
    done = False

    async def hold(request: httpx.Request) -> None:
        nonlocal done
        if is_send(request) and not done:
            done = True
            await action()

    return hold


# -- a writer outside this server ------------------------------------------------------------------------------


async def test_a_quote_changed_by_someone_else_right_before_the_send_is_reported_and_audited(
    make_server: MakeServer, sandbox: httpx.AsyncClient, faults: FaultTransport, audit_path: Path
) -> None:
    qid = await draft(sandbox)

    async def someone_edits() -> None:
        # Someone in LedgerBee's UI triples the quantity after the re-check under the lock, before the send.
        lines = [{"priceId": seed.PRICE_WORKSHOP_ID, "quantity": 3, "description": "Three workshop days"}]
        await edit_quote(sandbox, qid, lines=lines)

    faults.hold = once_before_send(someone_edits)
    person = Person()
    async with Client(make_server(), elicitation_callback=person) as c:
        args = {"quote_id": qid, "delivery_type": "Email", "recipient_email": seed.CONTACT_METTE_EMAIL}
        done = ok(await call(c, "send_quote", args))
    (asked,) = person.messages
    assert question(asked).one("Amount") == "15,625.00 DKK including VAT"
    assert done["outcome"] == "done"
    found = done["differences"]
    assert "amount: approved 15,625.00 DKK, LedgerBee now shows 46,875.00 DKK" in found
    assert any(d.startswith("lines: approved 1 line(s)") for d in found), found
    assert "But what LedgerBee shows now differs from what the person approved" in done["message"]
    # what really happened: the edited quote went out, once, to the address the person approved
    after = await stored(sandbox, "quotes", qid)
    assert after["status"] == "sent"
    assert [(ln["quantity"], ln["description"]) for ln in after["lines"]] == [(3, "Three workshop days")]
    assert [(m["documentId"], m["to"]) for m in await outbox(sandbox)] == [(qid, seed.CONTACT_METTE_EMAIL)]
    records = audit(audit_path)
    assert outcomes(records, qid) == ["attempt", "done"]
    assert records[-1]["differences"] == found
    assert "differences" not in records[-2]  # the attempt is written before anything is known


@pytest.mark.parametrize("moment", ["right-before-the-send", "while-the-person-decides"])
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_with_an_allowlist_a_customer_email_changed_elsewhere_never_receives_the_document(
    make_server: MakeServer,
    sandbox: httpx.AsyncClient,
    sandbox_app: Starlette,
    faults: FaultTransport,
    audit_path: Path,
    moment: str,
    mode: str,
) -> None:
    # Bølge has no contacts: the server resolves its own address and shows it.
    qid = await draft(sandbox, customerId=seed.CUSTOMER_BOLGE_ID)

    async def someone_changes_the_email() -> None:
        edit_sandbox(sandbox_app, "UPDATE customers SET email = ? WHERE id = ?", (ATTACKER, seed.CUSTOMER_BOLGE_ID))

    if moment == "right-before-the-send":
        faults.hold = once_before_send(someone_changes_the_email)
        person = Person()
    else:
        person = Person(meanwhile=someone_changes_the_email)
    server = make_server(recipient_domains=("bolgedesign.dk",))
    async with Client(server, elicitation_callback=person, mode=mode) as c:  # type: ignore[arg-type]
        result = await call(c, "send_quote", {"quote_id": qid, "delivery_type": "Email"})
    assert f"Recipient: {seed.CUSTOMER_BOLGE_EMAIL}" in person.messages[0]
    assert all(ATTACKER not in message for message in person.messages)
    mails = await outbox(sandbox)
    assert ATTACKER not in [m["to"] for m in mails]
    if moment == "right-before-the-send":
        # The send names the shown recipient explicitly: LedgerBee does not fall back to the customer's address.
        assert ok(result)["outcome"] == "done"
        assert [(m["documentId"], m["to"]) for m in mails] == [(qid, seed.CUSTOMER_BOLGE_EMAIL)]
        records = audit(audit_path)
        assert outcomes(records, qid) == ["attempt", "done"]
        assert records[-1]["requested"] == {"deliveryType": "Email", "recipientEmail": seed.CUSTOMER_BOLGE_EMAIL}
    else:
        # Legacy: the re-check under the lock sees another recipient. Modern: the question is rebuilt, and the
        # new address is outside the allowlist, so nobody is even asked about it.
        # (legacy: the re-check under the lock runs the same checks, allowlist first)
        text = error_text(result)
        assert "Refused before calling LedgerBee" in text, text
        assert f"would go to {ATTACKER}, outside the allowed recipient domains (bolgedesign.dk)" in text
        assert len(person.messages) == 1
        await assert_nothing_sent(sandbox, qid)
        assert "attempt" not in outcomes(audit(audit_path), qid)


# -- the allowlist against tricks and look-alikes ---------------------------------------------------------------

TRICKS = {
    "quoted-local-part": (f'"{ATTACKER}"@fjordfoods.dk', "double quote"),
    "comment": (f"{ATTACKER}(fjordfoods.dk)", "comment in parentheses"),
    "comment-in-domain": ("mette@fjordfoods.dk(evil.example)", "comment in parentheses"),
    "display-name": (f"Mette Larsen <{ATTACKER}>", "angle brackets"),
    "brackets-only": (f"<{ATTACKER}>", "angle brackets"),
    "domain-literal": ("mette@[10.0.0.1]", "square brackets"),
    "backslash": ("attacker\\@evil.example@fjordfoods.dk", "backslash"),
    "two-at-signs": ("mette@fjordfoods.dk@evil.example", "2 @ signs"),
    "list": (f"mette@fjordfoods.dk,{ATTACKER}", "comma"),
    "group": (f"fjordfoods.dk:{ATTACKER};", "semicolon"),
    "header-injection": (f"mette@fjordfoods.dk\nBcc: {ATTACKER}", "U+000A"),
    "line-separator": (f"mette@fjordfoods.dk\u2028{ATTACKER}", "U+2028"),
    "zero-width": ("mette@fjordfoods.dk\u200b.evil.example", "U+200B"),
    "bidi-override": ("mette@\u202eelpmaxe.live\u202c", "U+202E"),
    "cyrillic-local-part": ("m\u0435tte@fjordfoods.dk", "U+0435"),
    "ideographic-dot": ("mette@fjordfoods\u3002dk", "reads as a dot"),
    "fullwidth-letters": ("mette@\uff46jordfoods.dk", "would be read as"),
    "suffix-not-subdomain": ("mette@evilfjordfoods.dk", "outside the allowed recipient domains"),
    "allowed-name-as-subdomain": ("mette@fjordfoods.dk.evil.example", "outside the allowed recipient domains"),
    "look-alike-domain": (f"mette@{LOOK_ALIKE_DOMAIN}", "outside the allowed recipient domains"),
    "look-alike-punycode": (f"mette@{LOOK_ALIKE_PUNYCODE}", "outside the allowed recipient domains"),
}


async def test_the_allowlist_refuses_recipient_email_tricks_with_the_reason(
    make_server: MakeServer, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    person = Person()
    wrong: dict[str, str] = {}
    drafts: list[str] = []
    allowed = ("fjordfoods.dk",)
    async with (
        Client(make_server(recipient_domains=allowed), elicitation_callback=person) as c,
        Client(make_server(recipient_domains=allowed, confirm=ConfirmMode.TOKEN)) as t,
    ):
        for trick, (address, reason) in TRICKS.items():
            qid = await draft(sandbox)
            drafts.append(qid)
            args = {"quote_id": qid, "delivery_type": "Email", "recipient_email": address}
            for client in (c, t):  # asked by elicitation, or by token: refused before either
                text = error_text(await call(client, "send_quote", args))
                # the refused text is quoted, never raw, so the refusal is one line
                if "Refused before calling LedgerBee" not in text or reason not in text or len(text.splitlines()) != 1:
                    wrong[trick] = text
    assert wrong == {}
    assert person.messages == []
    records = audit(audit_path)
    for qid in drafts:
        await assert_nothing_sent(sandbox, qid)
        assert outcomes(records, qid) == ["refused", "refused"]


async def test_a_look_alike_domain_is_shown_as_punycode_with_a_warning_and_the_latin_entry_does_not_match_it(
    make_server: MakeServer, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    qid = await draft(sandbox)
    look_alike = f"mette@{LOOK_ALIKE_DOMAIN}"
    shown = f"mette@{LOOK_ALIKE_PUNYCODE} (shown in Unicode as {look_alike})"
    args = {"quote_id": qid, "delivery_type": "Email", "recipient_email": look_alike}
    # Without an allowlist the person is asked, and sees the mail form first, with a look-alike warning.
    person = Person("decline")
    async with Client(make_server(), elicitation_callback=person) as c:
        assert ok(await call(c, "send_quote", args))["outcome"] == "declined"
    asked = question(person.messages[0])
    assert asked.one("Recipient") == shown
    assert any("look-alike" in w and LOOK_ALIKE_PUNYCODE in w for w in asked.values("Warning")), asked.details
    # With the Latin domain allowed, the Cyrillic one is another domain: refused, shown in the same two forms.
    async with Client(make_server(recipient_domains=("fjordfoods.dk",)), elicitation_callback=person) as c:
        text = error_text(await call(c, "send_quote", args))
    assert f"would go to {shown}, outside the allowed recipient domains (fjordfoods.dk)" in text
    assert len(person.messages) == 1
    await assert_nothing_sent(sandbox, qid)
    assert outcomes(audit(audit_path), qid) == ["declined", "refused"]


PLANTED = {
    "quoted": f'"{ATTACKER}"@fjordfoods.dk',
    "comment": f"{ATTACKER}(fjordfoods.dk)",
    "display-name": f"Fjord Foods <{ATTACKER}>",
    "line-separator": f"indkob@fjordfoods.dk\u2028{ATTACKER}",
    "look-alike": f"indkob@{LOOK_ALIKE_DOMAIN}",
}


def plant(app: Starlette, where: str, address: str) -> None:
    if where == "contact":
        # Fjord's only address is its contact's: the server would use it without recipient_email.
        edit_sandbox(app, "UPDATE customers SET email = NULL WHERE id = ?", (seed.CUSTOMER_FJORD_ID,))
        edit_sandbox(app, "UPDATE contacts SET email = ? WHERE id = ?", (address, seed.CONTACT_METTE_ID))
    else:
        # Bølge has no contacts: its own address is the only one.
        edit_sandbox(app, "UPDATE customers SET email = ? WHERE id = ?", (address, seed.CUSTOMER_BOLGE_ID))


@pytest.mark.parametrize("where", ["contact", "customer"])
async def test_a_hostile_address_planted_in_ledgerbee_is_refused_and_nothing_is_sent(
    make_server: MakeServer, sandbox: httpx.AsyncClient, sandbox_app: Starlette, audit_path: Path, where: str
) -> None:
    person = Person()
    allowed = ("fjordfoods.dk", "bolgedesign.dk")
    customer = seed.CUSTOMER_FJORD_ID if where == "contact" else seed.CUSTOMER_BOLGE_ID
    whose = "the contact “Mette Larsen”" if where == "contact" else "the customer's own address"
    wrong: dict[str, str] = {}
    drafts: list[str] = []
    async with Client(make_server(recipient_domains=allowed), elicitation_callback=person) as c:
        for name, planted in PLANTED.items():
            plant(sandbox_app, where, planted)
            qid = await draft(sandbox, customerId=customer)
            drafts.append(qid)
            text = error_text(await call(c, "send_quote", {"quote_id": qid, "delivery_type": "Email"}))
            if LOOK_ALIKE_DOMAIN in planted:
                expected = [f"{LOOK_ALIKE_PUNYCODE} (shown in Unicode as", "outside the allowed recipient domains"]
            else:
                expected = [f"cannot be e-mailed to {whose}: ", "is not a usable e-mail address"]
            expected.append("Refused before calling LedgerBee")
            if not all(part in text for part in expected) or len(text.splitlines()) != 1:
                wrong[name] = text
    assert wrong == {}
    assert person.messages == []
    records = audit(audit_path)
    for qid in drafts:
        await assert_nothing_sent(sandbox, qid)
        assert outcomes(records, qid) == ["refused"]


# -- the document changes while the person decides -------------------------------------------------------------

EDITS = {
    "notes-only": {"notes": "Edited in LedgerBee while the person read the question"},
    "line-description": {
        "lines": [{"priceId": seed.PRICE_WORKSHOP_ID, "description": "Workshop day (and a free dinner)"}]
    },
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_an_edit_while_the_person_decides_is_asked_again_or_refused(
    make_server: MakeServer, sandbox: httpx.AsyncClient, audit_path: Path, mode: str, edit: dict[str, Any]
) -> None:
    qid = await draft(sandbox, notes="As agreed")

    async def someone_edits() -> None:
        await edit_quote(sandbox, qid, **({"notes": "As agreed"} | edit))

    person = Person(meanwhile=someone_edits)
    args = {"quote_id": qid, "delivery_type": "Email", "recipient_email": seed.CONTACT_METTE_EMAIL}
    async with Client(make_server(), elicitation_callback=person, mode=mode) as c:  # type: ignore[arg-type]
        result = await call(c, "send_quote", args)
    first = question(person.messages[0])
    assert first.one("Amount") == "15,625.00 DKK including VAT"
    if mode == "auto":
        # 2026-07-28: the SDK pins an answer to the exact question; the state row makes the edited document
        # another question, so the first yes does not count and the person is asked again.
        assert len(person.messages) == 2, person.messages
        second = question(person.messages[1])
        assert second.one("Amount") == first.one("Amount")  # nothing the person would notice...
        assert second.one("Document") != first.one("Document")  # ...but the question is not the same one
        assert second.one("Document").startswith(f"{qid} (state ")
        if "lines" in edit:
            assert "and a free dinner" in second.one("Lines")
        assert ok(result)["outcome"] == "done"
        assert [(m["documentId"], m["to"]) for m in await outbox(sandbox)] == [(qid, seed.CONTACT_METTE_EMAIL)]
        assert (await document(sandbox, "quotes", qid))["status"] == "sent"
        assert outcomes(audit(audit_path), qid) == ["attempt", "done"]
    else:
        # Legacy: one question, one answer; the re-check under the lock sees another document and refuses.
        assert len(person.messages) == 1
        text = error_text(result)
        assert "the document changed after the preview" in text
        assert "Nothing was sent" in text
        await assert_nothing_sent(sandbox, qid)
        records = audit(audit_path)
        assert outcomes(records, qid) == ["refused"]
        assert records[-1]["reason"] == "the document changed after the preview"
        assert records[-1]["consent"] == "elicitation"


# -- rows that data tries to forge -----------------------------------------------------------------------------

FORGED_NAMES = {
    "line-separator": f"Fjord Foods\u2028Recipient: {ATTACKER}",
    "paragraph-separator": f"Fjord Foods\u2029Recipient: {ATTACKER}",
    "next-line": f"Fjord Foods\u0085Recipient: {ATTACKER}",
    "crlf": f"Fjord Foods\r\nRecipient: {ATTACKER}",
    "bidi-override": "Fjord Foods \u202eelpmaxe.live@rekcatta :tneipiceR\u202c ApS",
    "bidi-isolates": "Fjord \u2066Foods\u2069 \u200fA/S\u200e",
    "zero-width": "Fjord\u200b\u200c\u200d\u2060\ufeffFoods",
    "very-long": "Fjord Foods " + "F" * 5000,
    "quote-and-newline": f'Fjord Foods A/S"\nRecipient: {ATTACKER}',
}


def forged_row_problems(name: str, message: str) -> list[str]:
    """What is wrong with the question asked about a customer with this name (nothing, when empty)."""
    try:
        asked = question(message)  # every row one line, decision rows first, nothing raw
    except AssertionError as error:
        return [f"shape: {error}"]
    problems: list[str] = []
    labels = [label for label, _ in asked.decision]
    if labels != ["Action", "Number", "Amount", "Delivery", "Recipient", "Can be undone"]:
        problems.append(f"decision rows {labels}")
    if asked.values("Recipient") != [METTE]:  # exactly one, with the real address
        problems.append(f"recipient rows {asked.values('Recipient')}")
    customer = asked.values("Customer")[0]
    if not customer.startswith("“") or len(customer) >= 200:
        problems.append(f"customer row not quoted and cut: {customer[:80]!r}…")
    for char in sorted(set(name)):
        if (char == '"' or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")) and (
            f"⟨U+{ord(char):04X}⟩" not in customer
        ):
            problems.append(f"U+{ord(char):04X} not shown as its code point")
    if len(name) > 200 and not customer.endswith("more characters cut⟩"):
        problems.append("a long name is not said to be cut")
    problems += [f"{ATTACKER} in the {label} row" for label, value in asked.decision + asked.details
                 if label != "Customer" and ATTACKER in value]  # fmt: skip
    return problems


async def test_a_customer_name_cannot_forge_a_row_of_the_question(
    make_server: MakeServer, sandbox: httpx.AsyncClient, sandbox_app: Starlette
) -> None:
    person = Person("decline")
    wrong: dict[str, list[str]] = {}
    drafts: list[str] = []
    async with Client(make_server(), elicitation_callback=person) as c:
        for label, name in FORGED_NAMES.items():
            edit_sandbox(sandbox_app, "UPDATE customers SET name = ? WHERE id = ?", (name, seed.CUSTOMER_FJORD_ID))
            qid = await draft(sandbox)
            drafts.append(qid)
            args = {"quote_id": qid, "delivery_type": "Email", "recipient_email": seed.CONTACT_METTE_EMAIL}
            assert ok(await call(c, "send_quote", args))["outcome"] == "declined"
            if problems := forged_row_problems(name, person.messages[-1]):
                wrong[label] = problems
    assert wrong == {}
    assert len(person.messages) == len(FORGED_NAMES)
    for qid in drafts:
        await assert_nothing_sent(sandbox, qid)


# -- cancellation, the audit sink, answers that are not a yes ---------------------------------------------------


async def test_a_call_cancelled_while_ledgerbee_sends_is_still_recorded_and_sends_once(
    make_server: MakeServer, sandbox: httpx.AsyncClient, faults: FaultTransport, audit_path: Path
) -> None:
    qid = await draft(sandbox)
    arrived, release = anyio.Event(), anyio.Event()

    async def hold(request: httpx.Request) -> None:
        if is_send(request):
            arrived.set()
            await release.wait()

    faults.hold = hold
    async with Client(make_server(), elicitation_callback=Person()) as c:
        args = {"quote_id": qid, "delivery_type": "Email", "recipient_email": seed.CONTACT_METTE_EMAIL}
        async with anyio.create_task_group() as tg:

            async def send() -> None:
                with anyio.CancelScope() as scope:
                    calls.append(scope)
                    await c.call_tool("send_quote", args)
                    finished.append(True)

            calls: list[anyio.CancelScope] = []
            finished: list[bool] = []
            tg.start_soon(send)
            await arrived.wait()  # LedgerBee has the request
            assert outcomes(audit(audit_path), qid) == ["attempt"]
            calls[0].cancel()  # the client gives up on the call
            await anyio.wait_all_tasks_blocked()  # the cancellation has reached the server
            assert finished == []
            release.set()  # LedgerBee finishes the send
        # leaving the client waits for the server's shielded work to end
    assert [(m["documentId"], m["to"]) for m in await outbox(sandbox)] == [(qid, seed.CONTACT_METTE_EMAIL)]
    assert faults.count("POST", "/v1/quotes/{id}/send", forwarded=True) == 1
    doc = await document(sandbox, "quotes", qid)
    assert doc["status"] == "sent"
    records = audit(audit_path)
    assert outcomes(records, qid) == ["attempt", "done"]
    assert records[-1]["document_number"] == doc["documentNumber"]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_an_unwritable_audit_log_refuses_the_send(
    make_server: MakeServer, sandbox: httpx.AsyncClient, tmp_path: Path, mode: str
) -> None:
    blocked = tmp_path / "audit-is-a-directory"
    blocked.mkdir()
    qid = await draft(sandbox)
    person = Person()
    args = {"quote_id": qid, "delivery_type": "Email", "recipient_email": seed.CONTACT_METTE_EMAIL}
    async with Client(make_server(audit_log=blocked), elicitation_callback=person, mode=mode) as c:  # type: ignore[arg-type]
        text = error_text(await call(c, "send_quote", args))
    assert len(person.messages) == 1  # the person said yes; the missing record of the attempt stops it
    assert "Refused: the audit log " in text, text
    assert str(blocked) in text
    assert "cannot be written" in text
    assert "so nothing was sent" in text
    await assert_nothing_sent(sandbox, qid)
    assert list(blocked.iterdir()) == []


UNRECORDABLE = {
    "token-preview": ({"confirm": ConfirmMode.TOKEN}, "accept", {"recipient_email": seed.CONTACT_METTE_EMAIL}),
    "declined": ({}, "decline", {"recipient_email": seed.CONTACT_METTE_EMAIL}),
    "refused-before-ledgerbee": ({}, "accept", {"recipient_email": f"<{ATTACKER}>"}),
}


@pytest.mark.parametrize(("settings", "answer", "extra"), UNRECORDABLE.values(), ids=UNRECORDABLE.keys())
async def test_an_unwritable_audit_log_never_lets_anything_through(
    make_server: MakeServer,
    sandbox: httpx.AsyncClient,
    tmp_path: Path,
    settings: dict[str, Any],
    answer: str,
    extra: dict[str, Any],
) -> None:
    """Every other record (a token issued, a decline, a refusal) that cannot be written also ends the call."""
    blocked = tmp_path / "audit-is-a-directory"
    blocked.mkdir()
    qid = await draft(sandbox)
    args = {"quote_id": qid, "delivery_type": "Email"} | extra
    async with Client(make_server(audit_log=blocked, **settings), elicitation_callback=Person(answer)) as c:
        result = await call(c, "send_quote", args)
    assert result.is_error
    assert result.structured_content is None or result.structured_content.get("confirmation_token") is None
    await assert_nothing_sent(sandbox, qid)


@pytest.mark.parametrize(("settings", "answer", "extra"), UNRECORDABLE.values(), ids=UNRECORDABLE.keys())
async def test_an_unwritable_audit_log_is_named_whatever_the_record(
    make_server: MakeServer,
    sandbox: httpx.AsyncClient,
    tmp_path: Path,
    settings: dict[str, Any],
    answer: str,
    extra: dict[str, Any],
) -> None:
    blocked = tmp_path / "audit-is-a-directory"
    blocked.mkdir()
    qid = await draft(sandbox)
    args = {"quote_id": qid, "delivery_type": "Email"} | extra
    async with Client(make_server(audit_log=blocked, **settings), elicitation_callback=Person(answer)) as c:
        text = error_text(await call(c, "send_quote", args))
    assert "Refused" in text, text
    assert "cannot be written" in text, text
    assert str(blocked) in text
    await assert_nothing_sent(sandbox, qid)


MALFORMED = {
    "string-yes": {"confirm": "yes"},
    "string-true": {"confirm": "true"},
    "string-on": {"confirm": "on"},
    "one": {"confirm": 1},
    "empty": {},
    "extra-field": {"confirm": True, "recipient_email": ATTACKER},
}


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_an_answer_that_is_not_a_plain_yes_is_recorded_as_declined(
    make_server: MakeServer, sandbox: httpx.AsyncClient, audit_path: Path, mode: str
) -> None:
    wrong: dict[str, object] = {}
    drafts: list[str] = []
    person = Person()
    async with Client(make_server(), elicitation_callback=person, mode=mode) as c:  # type: ignore[arg-type]
        for label, content in MALFORMED.items():
            person.content = content  # the client sends this instead of {"confirm": true}
            qid = await draft(sandbox)
            drafts.append(qid)
            args = {"quote_id": qid, "delivery_type": "Email", "recipient_email": seed.CONTACT_METTE_EMAIL}
            answer = ok(await call(c, "send_quote", args))
            if answer["outcome"] != "declined" or "Nothing was sent" not in answer["message"]:
                wrong[label] = answer
            records = [r for r in audit(audit_path) if r["document_id"] == qid]
            reason = records[-1].get("reason", "") if records else ""
            if [r["outcome"] for r in records] != ["declined"] or not reason.startswith(
                "elicitation malformed answer " + json.dumps(content, ensure_ascii=True)[:200]
            ):
                wrong[label] = records
    assert wrong == {}
    for qid in drafts:
        await assert_nothing_sent(sandbox, qid)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_an_accepted_answer_without_content_is_refused_and_audited(
    make_server: MakeServer, sandbox: httpx.AsyncClient, audit_path: Path, mode: str
) -> None:
    qid = await draft(sandbox)
    person = Person(content=None, keep_empty=True)
    args = {"quote_id": qid, "delivery_type": "Email", "recipient_email": seed.CONTACT_METTE_EMAIL}
    async with Client(make_server(), elicitation_callback=person, mode=mode) as c:  # type: ignore[arg-type]
        result = await call(c, "send_quote", args)
    assert result.is_error
    assert len(person.messages) == 1
    await assert_nothing_sent(sandbox, qid)
    records = audit(audit_path)
    assert outcomes(records, qid) == ["refused"]
    assert records[-1]["reason"].startswith("the person's answer could not be read"), records[-1]
    assert records[-1]["action"] == "send"
    assert records[-1]["document_type"] == "quote"


async def test_a_batch_answer_without_content_is_refused_and_audited_per_document_with_its_type(
    make_server: MakeServer, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    ids = [await draft(sandbox), await draft(sandbox)]
    person = Person(content=None, keep_empty=True)
    args = {"document_type": "quote", "document_ids": ids, "delivery_type": "Manual"}
    async with Client(make_server(), elicitation_callback=person) as c:
        result = await call(c, "send_documents", args)
        activity = ok(await call(c, "list_activity", {"document_type": "quote", "include_refused": True}))
    assert result.is_error
    for qid in ids:
        await assert_nothing_sent(sandbox, qid)
    records = audit(audit_path)
    for qid in ids:
        assert outcomes(records, qid) == ["refused"]
        (record,) = [r for r in records if r["document_id"] == qid]
        assert (record["action"], record["document_type"]) == ("send", "quote")
        assert record["reason"].startswith("the person's answer could not be read")
    # so the refusals are where the person looks for them
    assert {row["document_id"] for row in activity["items"]} == set(ids)


# -- a re-send right after an edit -----------------------------------------------------------------------------


async def test_a_resend_right_after_an_edit_is_flagged_even_within_the_same_second(
    make_server: MakeServer, sandbox: httpx.AsyncClient, sandbox_app: Starlette
) -> None:
    qid = await sent(sandbox)
    await edit_quote(sandbox, qid, notes="Changed after sending")
    # Pin the edit to 1 ms after the send, so "within the same second" does not depend on how fast this ran.
    sent_at = dt.datetime.fromisoformat((await document(sandbox, "quotes", qid))["sentAt"].replace("Z", "+00:00"))
    edited = (sent_at + dt.timedelta(milliseconds=1)).isoformat(timespec="microseconds").replace("+00:00", "Z")
    edit_sandbox(sandbox_app, "UPDATE documents SET updated_at = ? WHERE id = ?", (edited, qid))
    doc = await document(sandbox, "quotes", qid)
    assert doc["updatedAt"] > doc["sentAt"]
    person = Person("decline")
    async with Client(make_server(), elicitation_callback=person) as c:
        assert ok(await call(c, "send_quote", {"quote_id": qid, "delivery_type": "Manual"}))["outcome"] == "declined"
    warnings = question(person.messages[0]).values("Warning")
    assert any("Already sent" in w for w in warnings), warnings
    assert "The quote was edited after it was last sent." in warnings
    assert len(await events(sandbox)) == 1  # only the first send


# -- the audit file ----------------------------------------------------------------------------------------------


async def test_every_audit_line_is_one_json_object_whatever_the_data_holds(
    make_server: MakeServer, sandbox: httpx.AsyncClient, sandbox_app: Starlette, audit_path: Path
) -> None:
    hostile_name = "Bølge\nDesign\u2028ApS\u2029 \u0085 \u202eSpA ngiseD\u202c 日本"
    hostile_recipient = f"hej@bolgedesign.dk\u2028\nBcc: {ATTACKER} ø"
    edit_sandbox(sandbox_app, "UPDATE customers SET name = ? WHERE id = ?", (hostile_name, seed.CUSTOMER_FJORD_ID))
    qid = await draft(sandbox)
    mette = {"quote_id": qid, "delivery_type": "Email", "recipient_email": seed.CONTACT_METTE_EMAIL}
    async with Client(make_server(), elicitation_callback=Person(content={"confirm": "ja\u2028tak\n"})) as c:
        # refused by the grammar: the raw recipient, with its line breaks, goes into the record
        error_text(await call(c, "send_quote", mette | {"recipient_email": hostile_recipient}))
        # refused between candidates: the reason quotes the hostile name
        error_text(await call(c, "send_quote", {"quote_id": qid, "delivery_type": "Email"}))
        # an answer with line breaks in it: declined, and the answer is in the reason
        assert ok(await call(c, "send_quote", mette))["outcome"] == "declined"
    async with Client(make_server(), elicitation_callback=Person()) as c:
        # an internationalised domain that is sent to: recorded in its ASCII form
        done = ok(await call(c, "send_quote", mette | {"recipient_email": "hej@bølgedesign.dk"}))
        assert done["outcome"] == "done"
    records = audit(audit_path)  # ASCII, one JSON object per line
    assert [r["outcome"] for r in records] == ["refused", "refused", "declined", "attempt", "done"]
    assert records[0]["recipient"] == hostile_recipient  # exactly what was given, recovered from one line
    assert "⟨U+2028⟩" in records[1]["reason"]
    assert "Bølge⟨U+000A⟩Design" in records[1]["reason"]
    assert "\\u2028" in records[2]["reason"]
    punycode = "hej@" + "bølgedesign.dk".encode("idna").decode("ascii")
    assert records[3]["recipient"] == records[4]["recipient"] == punycode
    assert [m["to"] for m in await outbox(sandbox)] == [punycode]
