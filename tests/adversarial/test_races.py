"""Two agents acting on one document at the same instant, on one server or on two replicas that share the
LedgerBee tenant (and, for tokens, the confirmation secret). A barrier in the transport holds each send or
convert until the other has arrived too, so both pass every check before either reaches LedgerBee.

What holds across replicas without shared state is what LedgerBee itself refuses: a second convert
(ALREADY_CONVERTED). A second send of a draft is, to the API, a legitimate re-send, so only a lock both replicas
take stops it: with LEDGERBEE_REDIS_URL the document's lock is held in Redis, the second send waits for it,
re-checks the draft, finds it sent and refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client
from mcp.server import MCPServer
from mcp_types import CallToolResult
from shared.conftest import redis_server  # noqa: F401 -- a real redis-server, for the shared lock

from ledgerbee_mcp.config import ConfirmMode
from ledgerbee_mcp.sandbox import seed
from tests.results import ok, text_of

from ._support import FaultTransport as Transport
from ._support import Person, barrier, call, document, draft, effects_on, outbox, sent

pytestmark = pytest.mark.anyio

MakeServer = Callable[..., MCPServer]

async def race(*calls: Callable[[], Any]) -> list[CallToolResult]:
    results: list[CallToolResult] = []

    async def run(fn: Callable[[], Any]) -> None:
        results.append(await fn())

    async with anyio.create_task_group() as tg:
        for fn in calls:
            tg.start_soon(run, fn)
    return results


def outcomes(results: list[CallToolResult]) -> list[str]:
    return sorted("error" if r.is_error else (r.structured_content or {}).get("outcome", "?") for r in results)


# -- converts: LedgerBee guarantees one ----------------------------------------------------------------------


@pytest.mark.parametrize("targets", [("invoice", "invoice"), ("invoice", "orderConfirmation")], ids=["same", "mixed"])
async def test_two_replicas_converting_one_quote_by_elicitation_convert_once(
    make_server: MakeServer, sandbox: httpx.AsyncClient, faults: Transport, targets: tuple[str, str]
) -> None:
    qid = await sent(sandbox)
    faults.hold = barrier(2)
    async with (
        Client(make_server(), elicitation_callback=Person()) as a,
        Client(make_server(), elicitation_callback=Person()) as b,
    ):
        results = await race(
            lambda: call(a, "convert_quote", {"quote_id": qid, "target": targets[0]}),
            lambda: call(b, "convert_quote", {"quote_id": qid, "target": targets[1]}),
        )
    assert faults.count("POST", "/v1/quotes/{id}/convert", forwarded=True) == 2, "both reached LedgerBee"
    assert outcomes(results) == ["done", "error"], [text_of(r) for r in results]
    loser = next(r for r in results if r.is_error)
    assert "ALREADY_CONVERTED" in text_of(loser)
    assert "Nothing was converted" in text_of(loser)
    winner = ok(next(r for r in results if not r.is_error))
    stored = await document(sandbox, "quotes", qid)
    assert winner["produced_document_id"] in (stored["convertedToDocumentId"], stored["convertedToInvoiceId"])
    assert (await effects_on(sandbox, qid))[2] == 1


@pytest.mark.parametrize("kind", ["quotes", "order-confirmations"])
async def test_one_token_redeemed_on_two_replicas_at_once_converts_once(
    make_server: MakeServer, sandbox: httpx.AsyncClient, faults: Transport, kind: str
) -> None:
    doc_id = await sent(sandbox, kind)
    tool, args = (
        ("convert_quote", {"quote_id": doc_id, "target": "orderConfirmation"})
        if kind == "quotes"
        else ("convert_order_confirmation", {"order_confirmation_id": doc_id})
    )
    async with Client(make_server(confirm=ConfirmMode.TOKEN)) as a, Client(make_server(confirm=ConfirmMode.TOKEN)) as b:
        token = ok(await call(a, tool, args))["confirmation_token"]
        faults.hold = barrier(2)
        results = await race(
            lambda: call(a, tool, args | {"confirmation_token": token}),
            lambda: call(b, tool, args | {"confirmation_token": token}),
        )
    assert outcomes(results) == ["done", "error"], [text_of(r) for r in results]
    assert "Nothing was converted" in text_of(next(r for r in results if r.is_error))
    assert (await effects_on(sandbox, doc_id))[2] == 1


# -- sends on one replica: the lock holds --------------------------------------------------------------------


async def test_two_elicited_sends_of_one_draft_on_one_server_send_once(
    make_server: MakeServer, sandbox: httpx.AsyncClient, faults: Transport
) -> None:
    qid = await draft(sandbox)
    # the first send waits for a second that must never arrive while the first holds the document's lock
    faults.hold = barrier(2, timeout=0.5)
    async with Client(make_server(), elicitation_callback=Person()) as c:
        args = {"quote_id": qid, "delivery_type": "Email", "recipient_email": seed.CONTACT_METTE_EMAIL}
        results = await race(lambda: call(c, "send_quote", args), lambda: call(c, "send_quote", args))
    assert outcomes(results) == ["done", "error"], [text_of(r) for r in results]
    assert "Nothing was sent" in text_of(next(r for r in results if r.is_error))
    assert faults.count("POST", "/v1/quotes/{id}/send") == 1
    assert [m["to"] for m in await outbox(sandbox)] == [seed.CONTACT_METTE_EMAIL]


# -- sends on two replicas: what actually happens ------------------------------------------------------------


async def replicas_send(
    make_server: MakeServer, faults: Transport, qid: str, *, token: bool, redis_url: str | None = None
) -> list[CallToolResult]:
    """Two replicas send one draft at the same instant; with `redis_url` they share the document's lock (and the
    barrier gives up soon, since the second send waits for the lock rather than reaching LedgerBee)."""
    args = {"quote_id": qid, "delivery_type": "Email", "recipient_email": seed.CONTACT_METTE_EMAIL}
    mode = ConfirmMode.TOKEN if token else ConfirmMode.AUTO
    shared: dict[str, Any] = {"redis_url": redis_url} if redis_url else {}
    async with (
        Client(make_server(confirm=mode, **shared), elicitation_callback=Person()) as a,
        Client(make_server(confirm=mode, **shared), elicitation_callback=Person()) as b,
    ):
        extra = {"confirmation_token": ok(await call(a, "send_quote", args))["confirmation_token"]} if token else {}
        faults.hold = barrier(2, timeout=0.5) if redis_url else barrier(2)
        return await race(lambda: call(a, "send_quote", args | extra), lambda: call(b, "send_quote", args | extra))


@pytest.mark.parametrize("token", [False, True], ids=["elicitation", "same-token"])
async def test_two_replicas_sending_one_draft_report_what_happened(
    make_server: MakeServer, sandbox: httpx.AsyncClient, faults: Transport, token: bool
) -> None:
    """Whatever the count, each replica's answer is the truth: every "done" is an e-mail that went out, under
    the one number the draft was given (a re-send keeps it)."""
    qid = await draft(sandbox)
    results = await replicas_send(make_server, faults, qid, token=token)
    done = [ok(r) for r in results if not r.is_error and ok(r)["outcome"] == "done"]
    mails = [m for m in await outbox(sandbox) if m["documentId"] == qid]
    assert len(mails) == len(done) >= 1
    number = (await document(sandbox, "quotes", qid))["documentNumber"]
    assert {d["document_number"] for d in done} == {number}
    assert {m["documentNumber"] for m in mails} == {number}
    for refused in (r for r in results if r.is_error):
        assert "Nothing was sent" in text_of(refused)


@pytest.mark.parametrize("token", [False, True], ids=["elicitation", "same-token"])
async def test_two_replicas_sending_one_draft_send_once(
    make_server: MakeServer, sandbox: httpx.AsyncClient, faults: Transport, token: bool, redis_server: str  # noqa: F811
) -> None:
    qid = await draft(sandbox)
    results = await replicas_send(make_server, faults, qid, token=token, redis_url=redis_server)
    assert outcomes(results) == ["done", "error"], [text_of(r) for r in results]
    assert await effects_on(sandbox, qid) == (1, 1, 0)
