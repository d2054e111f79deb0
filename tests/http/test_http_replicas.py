"""Two real replicas of the remote server (`--transport http`) sharing one Redis, one sandbox and one OAuth issuer:
what holds across processes, what a token may do, and what a crash leaves behind."""

from __future__ import annotations

import json
import signal
import time
from typing import Any

import anyio
import httpx
import pytest
import redis
from _http_support import ALL_SCOPES, LOCK_TTL, Cluster, connect
from auth.conftest import AUDIENCE, SigningKey
from mcp_types import CallToolResult, ElicitResult
from mcp_types import TextContent as Text

from ledgerbee_mcp import __version__
from ledgerbee_mcp.sandbox import seed

pytestmark = pytest.mark.anyio

READ = "ledgerbee.read"


def text_of(result: CallToolResult) -> str:
    return " ".join(block.text for block in result.content if isinstance(block, Text))


def ok(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    return result.structured_content


def draft(cluster: Cluster) -> str:
    body = {
        "customerId": seed.CUSTOMER_FJORD_ID,
        "date": "2026-01-15",
        "lines": [{"priceId": seed.PRICE_WORKSHOP_ID, "quantity": 1}],
    }
    return cluster.sandbox_post("/v1/quotes", body)["id"]


def send_args(qid: str) -> dict[str, Any]:
    return {"quote_id": qid, "delivery_type": "Email", "recipient_email": seed.CONTACT_METTE_EMAIL}


def audit_lines(cluster: Cluster) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for replica in cluster.replicas:
        if replica.audit.exists():
            lines += [json.loads(line) for line in replica.audit.read_text().splitlines()]
    return lines


class Yes:
    """An elicitation callback that says yes."""

    def __init__(self) -> None:
        self.asked = 0

    async def __call__(self, context: Any, params: Any) -> ElicitResult:
        self.asked += 1
        return ElicitResult(action="accept", content={"confirm": True})


# -- the HTTP surface ----------------------------------------------------------------------------------------


def test_health_reports_version_and_redis(cluster: Cluster) -> None:
    for replica in cluster.replicas:
        answer = httpx.get(replica.base + "/healthz")
        assert answer.status_code == 200
        assert answer.json() == {"status": "ok", "version": __version__, "redis": True}


def test_a_foreign_host_header_is_refused(cluster: Cluster) -> None:
    headers = {"Host": "evil.example", "Content-Type": "application/json", "Authorization": f"Bearer {cluster.token()}"}
    answer = httpx.post(cluster.replicas[0].url, headers=headers, content="{}")
    assert answer.status_code == 421


def test_no_token_gets_401_pointing_at_the_resource_metadata(cluster: Cluster) -> None:
    replica = cluster.replicas[0]
    answer = httpx.post(replica.url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert answer.status_code == 401
    challenge = answer.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'resource_metadata="https://mcp.example.test/.well-known/oauth-protected-resource/mcp"' in challenge
    metadata = httpx.get(replica.base + "/.well-known/oauth-protected-resource/mcp").json()
    assert metadata["resource"] == AUDIENCE
    assert metadata["authorization_servers"] == [cluster.issuer.url]
    assert READ in metadata["scopes_supported"]


def _post_with(cluster: Cluster, token: str) -> httpx.Response:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    }
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream"}
    return httpx.post(cluster.replicas[1].url, json=body, headers=headers)


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "https://other.example.test/mcp"},
        {"iss": "https://not-the-issuer.example.test"},
        {"exp": 1_000_000_000, "iat": 999_999_000, "nbf": 999_999_000},
    ],
    ids=["wrong-audience", "wrong-issuer", "expired"],
)
def test_tokens_not_for_this_server_get_401(cluster: Cluster, claims: dict[str, Any]) -> None:
    answer = _post_with(cluster, cluster.token(**claims))
    assert answer.status_code == 401
    assert "invalid_token" in answer.headers["www-authenticate"]


def test_a_token_signed_by_another_key_gets_401(cluster: Cluster) -> None:
    stranger = SigningKey.rsa(cluster.issuer.rsa_key.kid)  # same kid, a key the issuer never published
    answer = _post_with(cluster, cluster.issuer.token(stranger, scope=ALL_SCOPES))
    assert answer.status_code == 401


def test_a_token_without_the_read_scope_gets_403(cluster: Cluster) -> None:
    answer = _post_with(cluster, cluster.token(scope="ledgerbee.write"))
    assert answer.status_code == 403
    assert "insufficient_scope" in answer.headers["www-authenticate"]


def test_a_valid_token_is_served(cluster: Cluster) -> None:
    assert _post_with(cluster, cluster.token()).status_code == 200


# -- scopes --------------------------------------------------------------------------------------------------


async def test_tools_outside_the_callers_scopes_are_hidden_and_refused(cluster: Cluster) -> None:
    qid = draft(cluster)
    async with connect(cluster.replicas[0].url, cluster.token(scope=READ)) as reader:
        names = {tool.name for tool in (await reader.list_tools()).tools}
        assert "get_quote" in names
        assert not {"send_quote", "create_quote", "update_quote", "convert_quote"} & names
        refused = await reader.call_tool("send_quote", send_args(qid))
        assert refused.is_error
        assert "ledgerbee.send" in text_of(refused)
        assert ok(await reader.call_tool("get_quote", {"quote_id": qid}))["id"] == qid
    async with connect(cluster.replicas[1].url, cluster.token(scope=f"{READ} ledgerbee.write")) as writer:
        names = {tool.name for tool in (await writer.list_tools()).tools}
        assert {"get_quote", "create_quote", "update_quote"} <= names
        assert "send_quote" not in names
    assert cluster.outbox(qid) == []


# -- shared state --------------------------------------------------------------------------------------------


async def test_a_confirmation_token_from_one_replica_is_redeemed_on_the_other(cluster: Cluster) -> None:
    qid = draft(cluster)
    a, b = cluster.replicas
    async with connect(a.url, cluster.token(sub="alice")) as client:
        preview = ok(await client.call_tool("send_quote", send_args(qid)))
    assert preview["outcome"] == "confirmation_required"
    async with connect(b.url, cluster.token(sub="alice")) as client:
        redeem = send_args(qid) | {"confirmation_token": preview["confirmation_token"]}
        done = ok(await client.call_tool("send_quote", redeem))
    assert done["outcome"] == "done"
    assert [m["to"] for m in cluster.outbox(qid)] == [seed.CONTACT_METTE_EMAIL]
    records = [r for r in audit_lines(cluster) if r["document_id"] == qid]
    assert {r["subject"] for r in records} == {"alice"}
    assert any(r["outcome"] == "done" for r in records)


async def test_elicitation_state_sealed_by_one_replica_opens_on_the_other(cluster: Cluster) -> None:
    """Every HTTP request goes to the other replica in turn, so the question and its answer cross replicas."""
    qid = draft(cluster)
    ports = [replica.port for replica in cluster.replicas]
    person = Yes()
    async with connect(cluster.replicas[0].url, cluster.token(), elicitation=person, balance=ports) as client:
        done = ok(await client.call_tool("send_quote", send_args(qid)))
    assert done["outcome"] == "done", done
    assert person.asked == 1
    assert len(cluster.outbox(qid)) == 1


@pytest.mark.parametrize("repeat", range(3))
async def test_two_replicas_sending_one_draft_at_once_send_once(cluster: Cluster, repeat: int) -> None:
    qid = draft(cluster)
    a, b = cluster.replicas
    async with connect(a.url, cluster.token()) as first:
        token = ok(await first.call_tool("send_quote", send_args(qid)))["confirmation_token"]
    results: list[CallToolResult] = []

    async def send(url: str) -> None:
        async with connect(url, cluster.token()) as client:
            results.append(await client.call_tool("send_quote", send_args(qid) | {"confirmation_token": token}))

    async with anyio.create_task_group() as tg:
        tg.start_soon(send, a.url)
        tg.start_soon(send, b.url)
    assert sorted("error" if r.is_error else ok(r)["outcome"] for r in results) == ["done", "error"], [
        text_of(r) for r in results
    ]
    assert "Nothing was sent" in text_of(next(r for r in results if r.is_error))
    assert len(cluster.outbox(qid)) == 1


async def test_the_audit_reaches_the_shared_stream_from_both_replicas(cluster: Cluster) -> None:
    qid = draft(cluster)
    for replica in cluster.replicas:
        async with connect(replica.url, cluster.token(sub=f"user-{replica.name}")) as client:
            ok(await client.call_tool("send_quote", send_args(qid)))
    client = redis.Redis.from_url(cluster.redis_url)
    try:
        rows = client.xrevrange("ledgerbee:audit", count=200)
    finally:
        client.close()
    mine = [json.loads(fields[b"record"]) for _, fields in rows if qid.encode() in fields[b"record"]]
    assert {r["subject"] for r in mine} == {"user-a", "user-b"}


# -- a crash while holding a document ------------------------------------------------------------------------


async def test_a_replica_killed_holding_a_lock_blocks_the_document_no_longer_than_the_ttl(cluster: Cluster) -> None:
    """Replica C takes the document's lock for an update and stalls on LedgerBee (the sandbox is paused); C is
    SIGKILLed. Once the lock's TTL runs out, replica A sends the draft."""
    qid = draft(cluster)
    a = cluster.replicas[0]
    c = cluster.start_replica("c")
    lock_key = f"ledgerbee:lock:{qid}"
    store = redis.Redis.from_url(cluster.redis_url)
    try:
        async with connect(a.url, cluster.token()) as client:
            token = ok(await client.call_tool("send_quote", send_args(qid)))["confirmation_token"]
        redeem = send_args(qid) | {"confirmation_token": token}
        cluster.sandbox.send_signal(signal.SIGSTOP)
        try:
            async with anyio.create_task_group() as tg:

                async def stalled() -> None:
                    async with connect(c.url, cluster.token()) as client:
                        await client.call_tool("update_quote", {"quote_id": qid, "notes": "never stored"})

                tg.start_soon(stalled)
                with anyio.fail_after(10):
                    while not store.exists(lock_key):  # noqa: ASYNC110 -- polling another process's state
                        await anyio.sleep(0.02)
                c.process.send_signal(signal.SIGKILL)
                c.process.wait()
                killed_at = time.monotonic()
                tg.cancel_scope.cancel()
        finally:
            cluster.sandbox.send_signal(signal.SIGCONT)
        assert store.exists(lock_key), "the dead replica's lock is still there until it expires"
        async with connect(a.url, cluster.token()) as client:
            done = ok(await client.call_tool("send_quote", redeem))
        waited = time.monotonic() - killed_at
    finally:
        store.close()
        if c.process.poll() is None:
            c.process.kill()
    assert done["outcome"] == "done"
    assert waited < LOCK_TTL + 3.0, waited
    assert len(cluster.outbox(qid)) == 1
