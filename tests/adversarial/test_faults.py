"""A misbehaving network between the server and LedgerBee, on every endpoint the tools use.

Each fault is injected either before the request reaches the sandbox (it never happened) or after the sandbox
did the work (only the answer is lost or garbled). What must hold: reads recover or fail with a message that
says what went wrong; create, send and convert go out once and are never repeated; an unknown outcome is
reconciled by a re-read and reported as it really is; and the server keeps serving afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.server import MCPServer
from mcp_types import CallToolResult
from starlette.applications import Starlette

from ledgerbee_mcp.config import ConfirmMode
from ledgerbee_mcp.sandbox import seed
from tests.results import error_text, ok, text_of

from ._support import (
    Fault,
    FaultTransport,
    Person,
    assert_not_generic,
    call,
    document,
    draft,
    effects_on,
    outbox,
    rule,
    sent,
    state_digest,
)

pytestmark = pytest.mark.anyio

MakeServer = Callable[..., MCPServer]


def audit_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


# -- reads ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Docs:
    quote: str
    order_confirmation: str
    invoice: str


@dataclass(frozen=True)
class Read:
    method: str
    template: str
    tool: str
    args: Callable[[Docs], dict[str, Any]]
    token_mode: bool = False

    @property
    def id(self) -> str:
        return f"{self.method} {self.template} via {self.tool}"


READS = [
    Read("GET", "/v1/quotes", "list_quotes", lambda d: {}),
    Read("GET", "/v1/quotes/{id}", "get_quote", lambda d: {"quote_id": d.quote}),
    Read(
        "GET",
        "/v1/quotes/{id}/pdf",
        "get_document_pdf",
        lambda d: {"document_type": "quote", "document_id": d.quote, "draft": True},
    ),
    Read("GET", "/v1/order-confirmations", "list_order_confirmations", lambda d: {}),
    Read(
        "GET",
        "/v1/order-confirmations/{id}",
        "get_order_confirmation",
        lambda d: {"order_confirmation_id": d.order_confirmation},
    ),
    Read(
        "GET",
        "/v1/order-confirmations/{id}/pdf",
        "get_document_pdf",
        lambda d: {"document_type": "order_confirmation", "document_id": d.order_confirmation},
    ),
    Read("GET", "/v1/customers", "list_customers", lambda d: {"search": "fjord"}),
    Read(
        "GET", "/v1/customers/{id}/contacts", "list_customers", lambda d: {"search": "fjord", "include_contacts": True}
    ),
    # The preview of a send reads the customer: in token mode its first call is a pure read.
    Read(
        "GET",
        "/v1/customers/{id}",
        "send_quote",
        lambda d: {"quote_id": d.quote, "delivery_type": "Email", "recipient_email": seed.CONTACT_METTE_EMAIL},
        token_mode=True,
    ),
    Read("GET", "/v1/products", "list_products", lambda d: {}),
    Read("GET", "/v1/invoices/{id}", "get_invoice", lambda d: {"invoice_id": d.invoice}),
    Read(
        "GET",
        "/v1/invoices/{id}/pdf",
        "get_document_pdf",
        lambda d: {"document_type": "invoice", "document_id": d.invoice},
    ),
]

# Transient: the first attempt fails, the retry succeeds.
RECOVERABLE = [
    Fault("connect"),
    Fault("timeout"),
    Fault("reset"),
    Fault("timeout", after=True),
    Fault("status", 500),
    Fault("html", 502),
    Fault("status", 503),
    Fault("status", 504, after=True),
    Fault("status", 429, retry_after="1"),
]

# Persistent, or not worth retrying: the tool must fail, and say why. The words are what the agent needs:
# a status, "timed out", or that the answer was unreadable.
FAILING: list[tuple[Fault, tuple[str, ...]]] = [
    (Fault("status", 503), ("503",)),
    (Fault("html", 502), ("502",)),
    (Fault("timeout"), ("timed out",)),
    (Fault("reset"), ("reset",)),
    (Fault("connect"), ("refused", "reach")),
    (Fault("status", 429, retry_after="3600"), ("429",)),
    (Fault("truncated", after=True), ("malformed", "unreadabl", "not valid json")),
    (Fault("not_json", after=True), ("malformed", "unreadabl", "text/html")),
]


async def make_docs(sandbox: httpx.AsyncClient) -> Docs:
    quote = await draft(sandbox)
    order_confirmation = await draft(sandbox, "order-confirmations")
    to_invoice = await sent(sandbox)
    converted = await sandbox.post(f"/v1/quotes/{to_invoice}/convert", json={"target": "invoice"})
    converted.raise_for_status()
    return Docs(quote, order_confirmation, converted.json()["targetId"])


def assert_healthy(read: Read, result: CallToolResult) -> None:
    body = ok(result)
    if read.token_mode:
        assert body["outcome"] == "confirmation_required"


@pytest.mark.parametrize("read", READS, ids=[r.id for r in READS])
async def test_reads_recover_from_transient_faults_and_explain_persistent_ones(
    make_server: MakeServer, sandbox: httpx.AsyncClient, sandbox_app: Starlette, faults: FaultTransport, read: Read
) -> None:
    docs = await make_docs(sandbox)
    args = read.args(docs)
    mode = ConfirmMode.TOKEN if read.token_mode else ConfirmMode.AUTO
    before = state_digest(sandbox_app)
    async with Client(make_server(confirm=mode), elicitation_callback=Person("decline")) as c:
        for fault in RECOVERABLE:
            faults.arm(rule(read.method, read.template, fault, times=1))
            seen = faults.count(read.method, read.template)
            result = await call(c, read.tool, args)
            assert not result.is_error, (fault.label, text_of(result))
            assert_healthy(read, result)
            assert faults.count(read.method, read.template) - seen >= 2, f"{fault.label}: no retry"
        for fault, words in FAILING:
            if fault.kind == "truncated" and read.template.endswith("/pdf"):
                continue  # a cut-off PDF has its own test below
            if read.template.endswith("/contacts"):
                continue  # so does a failing contacts read
            faults.arm(rule(read.method, read.template, fault))
            result = await call(c, read.tool, args)
            text = error_text(result)
            assert_not_generic(read.tool, text)
            assert "LedgerBee" in text, (fault.label, text)
            assert any(w in text.lower() for w in words), (fault.label, text)
            faults.disarm()
            # the same call, now that the network behaves: the server was not left in a broken state
            assert_healthy(read, await call(c, read.tool, args))
    # a read (or a preview) never writes, whatever the network did
    assert state_digest(sandbox_app) == before


CONTACTS = next(r for r in READS if r.template.endswith("/contacts"))


@pytest.mark.parametrize(("fault", "words"), FAILING, ids=[f.label for f, _ in FAILING])
async def test_a_failing_contacts_read_is_explained(
    make_server: MakeServer, sandbox: httpx.AsyncClient, faults: FaultTransport, fault: Fault, words: tuple[str, ...]
) -> None:
    async with Client(make_server()) as c:
        faults.arm(rule(CONTACTS.method, CONTACTS.template, fault))
        text = error_text(await call(c, CONTACTS.tool, CONTACTS.args(await make_docs(sandbox))))
    assert_not_generic(CONTACTS.tool, text)
    assert any(w in text.lower() for w in words), text


PDF_READS = [r for r in READS if r.template.endswith("/pdf")]


@pytest.mark.parametrize("read", PDF_READS, ids=[r.id for r in PDF_READS])
async def test_a_truncated_pdf_is_not_passed_off_as_a_document(
    make_server: MakeServer, sandbox: httpx.AsyncClient, faults: FaultTransport, read: Read
) -> None:
    docs = await make_docs(sandbox)
    async with Client(make_server()) as c:
        faults.arm(rule(read.method, read.template, Fault("truncated", after=True)))
        result = await call(c, read.tool, read.args(docs))
    assert result.is_error, result.structured_content
    assert_not_generic(read.tool, text_of(result))


# -- PATCH: idempotent, so retried ---------------------------------------------------------------------------

UPDATES = [
    ("update_quote", "quotes", "quote_id"),
    ("update_order_confirmation", "order-confirmations", "order_confirmation_id"),
]


# The drafts are made directly in the sandbox, so this server never wrote them: an update states the lines and
# the (absent) contact and department, which LedgerBee's answers do not show.
FULL_UPDATE: dict[str, Any] = {
    "lines": [{"price_id": seed.PRICE_WORKSHOP_ID, "quantity": 1}],
    "clear": ["customer_contact_id", "customer_department_id"],
}


async def stored_record(sandbox: httpx.AsyncClient, kind: str, doc_id: str) -> dict[str, Any]:
    """The sandbox's stored record, with what the published answer leaves out (contact, department, prices)."""
    response = await sandbox.get(f"/_sandbox/documents/{kind}/{doc_id}")
    response.raise_for_status()
    return response.json()


@pytest.mark.parametrize(("tool", "kind", "id_arg"), UPDATES, ids=[u[0] for u in UPDATES])
async def test_updates_are_retried_and_land_once(
    make_server: MakeServer, sandbox: httpx.AsyncClient, faults: FaultTransport, tool: str, kind: str, id_arg: str
) -> None:
    template = f"/v1/{kind}/{{id}}"
    async with Client(make_server()) as c:
        for fault in RECOVERABLE:
            doc_id = await draft(sandbox, kind)
            faults.arm(rule("PATCH", template, fault, times=1))
            note = f"after {fault.label}"
            result = await call(c, tool, {id_arg: doc_id, "notes": note} | FULL_UPDATE)
            assert not result.is_error, (fault.label, text_of(result))
            stored = await stored_record(sandbox, kind, doc_id)
            assert stored["notes"] == note
            assert len(stored["lines"]) == 1, "a replayed PATCH replaces the lines, it never appends"
            assert stored["lines"][0]["priceId"] == seed.PRICE_WORKSHOP_ID
            assert stored["status"] == "draft"

        doc_id = await draft(sandbox, kind)
        faults.arm(rule("PATCH", template, Fault("status", 503)))
        text = error_text(await call(c, tool, {id_arg: doc_id, "notes": "never stored"} | FULL_UPDATE))
        assert_not_generic(tool, text)
        assert "503" in text
        assert (await document(sandbox, kind, doc_id))["notes"] is None

        # the update happened, its answer came back cut off: not retried, and the agent is told to read it back
        faults.arm(rule("PATCH", template, Fault("truncated", after=True)))
        seen = faults.count("PATCH", template)
        text = error_text(await call(c, tool, {id_arg: doc_id, "notes": "stored, answer lost"} | FULL_UPDATE))
        assert_not_generic(tool, text)
        assert "reported success" in text or "read the document back" in text, text
        assert faults.count("PATCH", template) - seen == 1
        assert (await document(sandbox, kind, doc_id))["notes"] == "stored, answer lost"
        faults.disarm()
        # the server never read its answer, so it does not know the body stands: it asks again rather than guess
        refused = error_text(await call(c, tool, {id_arg: doc_id, "notes": "healthy again"}))
        assert "Nothing was changed." in refused
        assert (await document(sandbox, kind, doc_id))["notes"] == "stored, answer lost"
        ok(await call(c, tool, {id_arg: doc_id, "notes": "healthy again"} | FULL_UPDATE))
        # now it wrote the body and read LedgerBee's answer: only notes keeps the lines and their price links
        ok(await call(c, tool, {id_arg: doc_id, "notes": "only the notes"}))
        stored = await stored_record(sandbox, kind, doc_id)
        assert stored["notes"] == "only the notes"
        assert [line["priceId"] for line in stored["lines"]] == [seed.PRICE_WORKSHOP_ID]


# -- create: POST, never retried -----------------------------------------------------------------------------

CREATES = [("create_quote", "quotes"), ("create_order_confirmation", "order-confirmations")]

BEFORE = [
    Fault("connect"),
    Fault("timeout"),
    Fault("reset"),
    Fault("status", 500),
    Fault("html", 502),
    Fault("status", 503),
    Fault("status", 504),
    Fault("status", 429, retry_after="1"),
]
AFTER = [
    Fault("timeout", after=True),
    Fault("reset", after=True),
    Fault("status", 500, after=True),
    Fault("html", 502, after=True),
    Fault("status", 503, after=True),
    Fault("status", 504, after=True),
    Fault("truncated", after=True),
    Fault("not_json", after=True),
]


async def count_documents(sandbox: httpx.AsyncClient, kind: str) -> int:
    return (await sandbox.get(f"/v1/{kind}", params={"limit": 1})).json()["total"]


@pytest.mark.parametrize(("tool", "kind"), CREATES, ids=[c[0] for c in CREATES])
async def test_a_create_goes_out_once_and_an_unknown_outcome_says_so(
    make_server: MakeServer, sandbox: httpx.AsyncClient, faults: FaultTransport, tool: str, kind: str
) -> None:
    args = {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}]}
    async with Client(make_server()) as c:
        for fault in [*BEFORE, *AFTER]:
            faults.arm(rule("POST", f"/v1/{kind}", fault))
            posts = faults.count("POST", f"/v1/{kind}")
            existing = await count_documents(sandbox, kind)
            text = error_text(await call(c, tool, args))
            assert_not_generic(tool, text)
            assert faults.count("POST", f"/v1/{kind}") - posts == 1, f"{fault.label}: a create was retried"
            created = await count_documents(sandbox, kind) - existing
            assert created == (1 if fault.after else 0), fault.label
            if fault.after:
                # it did happen: the message must not read as a plain failure, and must say how to find out
                lowered = text.lower()
                assert "outcome unknown" in lowered or "reported success" in lowered, (fault.label, text)
            faults.disarm()
            ok(await call(c, tool, args))


# -- send and convert: never retried, reconciled ---------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    tool: str
    kind: str
    id_arg: str
    verb: str
    extra: dict[str, Any]

    @property
    def template(self) -> str:
        return f"/v1/{self.kind}/{{id}}/{'send' if self.verb == 'sent' else 'convert'}"


ACTIONS = [
    # Fjord Foods has a contact with an e-mail: the server does not guess, the agent names the recipient (a
    # contact here, the customer's own address for the order confirmation)
    Action(
        "send_quote",
        "quotes",
        "quote_id",
        "sent",
        {"delivery_type": "Email", "recipient_email": seed.CONTACT_METTE_EMAIL},
    ),
    Action("convert_quote", "quotes", "quote_id", "converted", {"target": "orderConfirmation"}),
    Action(
        "send_order_confirmation",
        "order-confirmations",
        "order_confirmation_id",
        "sent",
        {"delivery_type": "Email", "recipient_email": seed.CUSTOMER_FJORD_EMAIL},
    ),
    Action("convert_order_confirmation", "order-confirmations", "order_confirmation_id", "converted", {}),
]


async def happened(sandbox: httpx.AsyncClient, action: Action, doc_id: str) -> int:
    """How many times the action took effect on the document, counted in the outbox and the webhook events."""
    mails, sends, converts = await effects_on(sandbox, doc_id)
    if action.verb == "sent":
        assert mails == sends, "every e-mail send publishes exactly one event"
        return sends
    return converts


async def subject(sandbox: httpx.AsyncClient, action: Action) -> str:
    return await (draft(sandbox, action.kind) if action.verb == "sent" else sent(sandbox, action.kind))


@pytest.mark.parametrize("action", ACTIONS, ids=[a.tool for a in ACTIONS])
async def test_send_and_convert_happen_at_most_once_and_are_reported_truthfully(
    make_server: MakeServer, sandbox: httpx.AsyncClient, faults: FaultTransport, audit_path: Path, action: Action
) -> None:
    person = Person("accept")
    async with Client(make_server(), elicitation_callback=person) as c:
        for fault in [*BEFORE, *AFTER]:
            doc_id = await subject(sandbox, action)
            args = {action.id_arg: doc_id} | action.extra
            faults.arm(rule("POST", action.template, fault))
            posts = faults.count("POST", action.template)
            result = await call(c, action.tool, args)
            assert faults.count("POST", action.template) - posts == 1, f"{fault.label}: retried blindly"
            count = await happened(sandbox, action, doc_id)
            assert count == (1 if fault.after else 0), fault.label
            record = next(r for r in reversed(audit_lines(audit_path)) if r["document_id"] == doc_id)
            if count:
                body = ok(result)
                assert body["outcome"] == "done", (fault.label, body)
                stored = await document(sandbox, action.kind, doc_id)
                if action.verb == "sent":
                    assert body["document_number"] == stored["documentNumber"]
                else:
                    produced = stored.get("convertedToDocumentId") or stored["convertedToInvoiceId"]
                    assert body["produced_document_id"] == produced
                assert record["outcome"] == "done"
            else:
                assert_not_generic(action.tool, text_of(result))
                assert f"nothing was {action.verb}" in text_of(result).lower(), (fault.label, text_of(result))
                if not result.is_error:
                    assert ok(result)["outcome"] == "not_done", fault.label
                assert record["outcome"] in ("not_done", "refused"), record
            faults.disarm()
            # The agent tries again on a healthy network. A convert that happened is refused; one that did not
            # now happens. (A send that happened is not repeated here: a re-send is a legitimate, new action.)
            if count and action.verb == "sent":
                reader = "get_quote" if action.kind == "quotes" else "get_order_confirmation"
                assert ok(await call(c, reader, {action.id_arg: doc_id}))["status"] == "sent"
            else:
                again = await call(c, action.tool, args)
                if count:
                    assert "already converted" in error_text(again), text_of(again)
                else:
                    assert ok(again)["outcome"] == "done"
            assert await happened(sandbox, action, doc_id) == 1, fault.label
    if action.verb == "sent":
        mails = await outbox(sandbox)
        assert len(mails) == len(BEFORE) + len(AFTER)  # one e-mail per draft, none twice
        assert {m["to"] for m in mails} == {action.extra["recipient_email"]}


@pytest.mark.parametrize("action", ACTIONS, ids=[a.tool for a in ACTIONS])
async def test_an_unknown_outcome_that_cannot_be_reread_is_reported_as_unknown(
    make_server: MakeServer, sandbox: httpx.AsyncClient, faults: FaultTransport, audit_path: Path, action: Action
) -> None:
    doc_id = await subject(sandbox, action)
    read_fails = rule("GET", f"/v1/{action.kind}/{{id}}", Fault("status", 503))
    lost = rule("POST", action.template, Fault("timeout", after=True))
    lost.then = read_fails  # LedgerBee goes down right after it acted
    faults.arm(lost)
    async with Client(make_server(), elicitation_callback=Person("accept")) as c:
        result = await call(c, action.tool, {action.id_arg: doc_id} | action.extra)
        body = ok(result)
        assert body["outcome"] == "unknown", body
        assert "not retry blindly" in body["message"].lower() or "read the document" in body["message"].lower()
        faults.disarm()
        reader = "get_quote" if action.kind == "quotes" else "get_order_confirmation"
        ok(await call(c, reader, {action.id_arg: doc_id}))
    assert await happened(sandbox, action, doc_id) == 1
    assert audit_lines(audit_path)[-1]["outcome"] == "unknown"


@pytest.mark.parametrize("action", ACTIONS, ids=[a.tool for a in ACTIONS])
async def test_a_failed_reread_after_a_successful_action_still_reports_it_done(
    make_server: MakeServer, sandbox: httpx.AsyncClient, faults: FaultTransport, audit_path: Path, action: Action
) -> None:
    doc_id = await subject(sandbox, action)
    acted = rule("POST", action.template, Fault("pass"))
    acted.then = rule("GET", f"/v1/{action.kind}/{{id}}", Fault("status", 503))
    faults.arm(acted)
    async with Client(make_server(), elicitation_callback=Person("accept")) as c:
        result = await call(c, action.tool, {action.id_arg: doc_id} | action.extra)
    # LedgerBee answered the action itself: that answer is the report, although the re-read after it failed
    assert await happened(sandbox, action, doc_id) == 1
    body = ok(result)
    assert body["outcome"] == "done", body
    stored = await document(sandbox, action.kind, doc_id)
    if action.verb == "sent":
        assert body["document_number"] == stored["documentNumber"]
    else:
        assert body["produced_document_id"] in (stored.get("convertedToDocumentId"), stored["convertedToInvoiceId"])
    assert audit_lines(audit_path)[-1]["outcome"] == "done"


@pytest.mark.parametrize("action", ACTIONS, ids=[a.tool for a in ACTIONS])
async def test_a_token_redeemed_over_a_lost_answer_acts_once(
    make_server: MakeServer, sandbox: httpx.AsyncClient, faults: FaultTransport, action: Action
) -> None:
    doc_id = await subject(sandbox, action)
    args = {action.id_arg: doc_id} | action.extra
    async with Client(make_server(confirm=ConfirmMode.TOKEN)) as c:
        token = ok(await call(c, action.tool, args))["confirmation_token"]
        faults.arm(rule("POST", action.template, Fault("reset", after=True)))
        assert ok(await call(c, action.tool, args | {"confirmation_token": token}))["outcome"] == "done"
        faults.disarm()
        # the same token once more (an agent retrying what looked like a failure): the document changed, so no
        replay = await call(c, action.tool, args | {"confirmation_token": token})
        assert replay.is_error, text_of(replay)
        assert f"nothing was {action.verb}" in text_of(replay).lower() or "already converted" in text_of(replay)
    assert await happened(sandbox, action, doc_id) == 1
