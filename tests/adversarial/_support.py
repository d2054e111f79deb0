"""What the adversarial suites share: a fault-injecting transport, a snapshot of the sandbox's state, people
who answer confirmations, and one way to call a tool that remembers everything the agent was shown (the
secrets guard in conftest.py reads it back after each test)."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import anyio
import httpx
from mcp import Client
from mcp_types import CallToolResult, ElicitResult
from starlette.applications import Starlette

from ledgerbee_mcp.sandbox import FULL_KEY, seed
from tests.results import text_of

# A credential no real system uses, so finding it anywhere means it leaked from this suite's settings.
LIVE_KEY = "lb_live_ADVERSARIAL_9q7Zt4Kx2Wm8"
CONFIRM_SECRET = "confirm-secret-ADVERSARIAL-0123456789abcdef"
SECRETS = (FULL_KEY, LIVE_KEY, CONFIRM_SECRET)
GATEWAY_URL = "https://ledgerbee.gateway.test"

ID = r"[0-9a-fA-F-]{36}"

# Everything a tool call or an elicitation showed the agent or the person in the running test.
SEEN: list[str] = []


# -- calling tools -------------------------------------------------------------------------------------------


def remember(result: CallToolResult) -> CallToolResult:
    SEEN.append(text_of(result))
    SEEN.append(json.dumps(result.structured_content, default=str))
    return result


async def call(c: Client, tool: str, args: dict[str, Any]) -> CallToolResult:
    return remember(await c.call_tool(tool, args))


def assert_not_generic(tool: str, text: str) -> None:
    """A crash surfaces as the SDK's bare "Error executing tool <name>": the agent learns nothing from it."""
    stripped = text.strip()
    assert stripped, "empty error text"
    assert stripped.rstrip(":").strip() != f"Error executing tool {tool}", f"generic crash message: {text!r}"


class Person:
    """An elicitation callback that always answers the same way and remembers every question."""

    def __init__(self, action: Literal["accept", "decline", "cancel"] = "accept") -> None:
        self.action = action
        self.messages: list[str] = []

    async def __call__(self, context: Any, params: Any) -> ElicitResult:
        self.messages.append(params.message)
        SEEN.append(params.message)
        content = {"confirm": True} if self.action == "accept" else None
        return ElicitResult(action=self.action, content=content)


# -- the question the person reads ---------------------------------------------------------------------------

QUESTION_SEPARATOR = "\u2500" * 24
DECISION_LABELS = ("Action", "Number", "Amount", "Delivery", "Recipient", "Can be undone")
_ROW = re.compile(r"(?P<label>[A-Z][A-Za-z ]*): (?P<value>.*)")
# What could break a line, reorder or hide text if it reached the person raw.
_RAW_FORBIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


@dataclass(frozen=True)
class Question:
    """The question as rows, checked for the shape that keeps data from forging any of it."""

    decision: list[tuple[str, str]]
    details: list[tuple[str, str]]

    def values(self, label: str) -> list[str]:
        return [value for name, value in self.decision + self.details if name == label]

    def one(self, label: str) -> str:
        found = self.values(label)
        assert len(found) == 1, f"{len(found)} {label} rows: {found}"
        return found[0]


def question(message: str) -> Question:
    """Parse a question and assert its shape: every line is one `Label: value` row (or the separator), no raw
    character that breaks or reorders a line, the decision rows (in order) before the separator, then details."""
    for char in message:
        if char != "\n":
            assert unicodedata.category(char) not in _RAW_FORBIDDEN, f"raw U+{ord(char):04X} in the question"
    lines = message.split("\n")
    assert message.splitlines() == lines, "a line break other than \\n reached the question"
    assert lines.count(QUESTION_SEPARATOR) == 1, message
    cut = lines.index(QUESTION_SEPARATOR)
    parsed: list[list[tuple[str, str]]] = []
    for part in (lines[:cut], lines[cut + 1 :]):
        rows: list[tuple[str, str]] = []
        for line in part:
            match = _ROW.fullmatch(line)
            assert match is not None, f"not a row: {line!r}"
            rows.append((match["label"], match["value"]))
        parsed.append(rows)
    decision, details = parsed
    labels = [label for label, _ in decision]
    assert labels == [label for label in DECISION_LABELS if label in labels], labels
    assert set(labels) <= set(DECISION_LABELS), labels
    assert {"Action", "Number", "Amount", "Can be undone"} <= set(labels), labels
    assert not set(DECISION_LABELS) & {label for label, _ in details}, "a decision row among the details"
    assert details[0][0] == "Customer", details
    assert details[-1][0] == "Document", details
    return Question(decision, details)


# -- the sandbox, seen from outside --------------------------------------------------------------------------


def sandbox_http(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox", headers={"x-api-key": FULL_KEY}
    )


async def outbox(sandbox: httpx.AsyncClient) -> list[dict[str, Any]]:
    return (await sandbox.get("/_sandbox/outbox")).json()["data"]


async def events(sandbox: httpx.AsyncClient) -> list[dict[str, Any]]:
    return (await sandbox.get("/_sandbox/events")).json()["data"]


async def document(sandbox: httpx.AsyncClient, kind: str, doc_id: str) -> dict[str, Any]:
    response = await sandbox.get(f"/v1/{kind}/{doc_id}")
    response.raise_for_status()
    return response.json()


async def draft(sandbox: httpx.AsyncClient, kind: str = "quotes", **extra: Any) -> str:
    """A new draft, made directly in the sandbox so that no fault of the test touches its creation."""
    body: dict[str, Any] = {
        "customerId": seed.CUSTOMER_FJORD_ID,
        "date": "2026-01-15",
        "lines": [{"priceId": seed.PRICE_WORKSHOP_ID, "quantity": 1}],
    } | extra
    response = await sandbox.post(f"/v1/{kind}", json=body)
    response.raise_for_status()
    return response.json()["id"]


async def sent(sandbox: httpx.AsyncClient, kind: str = "quotes", **extra: Any) -> str:
    doc_id = await draft(sandbox, kind, **extra)
    (await sandbox.post(f"/v1/{kind}/{doc_id}/send", json={"deliveryType": "Manual"})).raise_for_status()
    return doc_id


async def effects_on(sandbox: httpx.AsyncClient, doc_id: str) -> tuple[int, int, int]:
    """(e-mails, sent events, converted events) for one document."""
    mails = [m for m in await outbox(sandbox) if m["documentId"] == doc_id]
    found = [e for e in await events(sandbox) if e["documentId"] == doc_id]
    sends = [e for e in found if e["topic"].endswith(".sent")]
    converts = [e for e in found if e["topic"].endswith(".converted")]
    return len(mails), len(sends), len(converts)


_TABLES = ("documents", "document_lines", "contacts", "customers", "outbox", "events", "counters")


def state_digest(app: Starlette) -> dict[str, tuple[int, str]]:
    """Row count and content hash of every table a tool could write to, read in one transaction."""

    def work(conn: sqlite3.Connection) -> dict[str, tuple[int, str]]:
        out: dict[str, tuple[int, str]] = {}
        for table in _TABLES:
            rows = conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()  # noqa: S608 -- constant names
            out[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        return out

    return app.state.database.read(work)


def edit_sandbox(app: Starlette, sql: str, params: tuple[object, ...]) -> None:
    """Change data the API offers no endpoint for (customer and contact names), as someone in LedgerBee's UI."""
    app.state.database.write(lambda conn: conn.execute(sql, params))


# -- faults --------------------------------------------------------------------------------------------------

FaultKind = Literal["pass", "timeout", "reset", "connect", "status", "html", "truncated", "not_json"]


@dataclass(frozen=True)
class Fault:
    """What goes wrong. `after`: the sandbox did the work and only the answer is lost or garbled;
    otherwise the request never reaches the sandbox."""

    kind: FaultKind
    status: int = 200
    retry_after: str | None = None
    after: bool = False

    @property
    def label(self) -> str:
        what = f"{self.kind}-{self.status}" if self.kind in ("status", "html") else self.kind
        if self.retry_after is not None:
            what += f"-retry-after-{self.retry_after}"
        return f"{what}-{'after' if self.after else 'before'}"


@dataclass
class Rule:
    method: str
    path: re.Pattern[str]
    fault: Fault
    times: int | None = None
    """How many matching requests fail; None: all of them."""
    fired: int = 0
    then: Rule | None = None
    """Armed once this rule has fired: a second fault further along the same story."""

    def matches(self, request: httpx.Request) -> bool:
        if request.method != self.method or not self.path.fullmatch(request.url.path):
            return False
        return self.times is None or self.fired < self.times


def rule(method: str, template: str, fault: Fault, *, times: int | None = None) -> Rule:
    """`template` is a path with `{id}` where a document id goes, e.g. `/v1/quotes/{id}/send`."""
    pattern = re.compile(re.escape(template).replace(re.escape("{id}"), ID))
    return Rule(method, pattern, fault, times)


class FaultTransport(httpx.AsyncBaseTransport):
    """The sandbox behind a misbehaving network: requests matching an armed rule fail as the rule says.

    `keys` maps a credential the server sends to the sandbox key, like a gateway in front of a real tenant: it
    lets a server configured with a distinctive production-style key talk to the sandbox."""

    def __init__(self, app: Starlette, *, keys: dict[str, str] | None = None) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.keys = keys or {}
        self.rules: list[Rule] = []
        self.seen: list[tuple[str, str]] = []
        self.forwarded: list[tuple[str, str]] = []
        self.hold: Callable[[httpx.Request], Any] | None = None

    def arm(self, *rules: Rule) -> None:
        self.rules = list(rules)

    def disarm(self) -> None:
        self.rules = []

    def count(self, method: str, template: str, *, forwarded: bool = False) -> int:
        pattern = re.compile(re.escape(template).replace(re.escape("{id}"), ID))
        pool = self.forwarded if forwarded else self.seen
        return sum(1 for m, p in pool if m == method and pattern.fullmatch(p))

    async def _forward(self, request: httpx.Request) -> httpx.Response:
        key = request.headers.get("x-api-key")
        if key in self.keys:
            request.headers["x-api-key"] = self.keys[key]
        self.forwarded.append((request.method, request.url.path))
        response = await self.inner.handle_async_request(request)
        await response.aread()
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.method, request.url.path))
        if self.hold is not None:
            await self.hold(request)
        active = next((r for r in self.rules if r.matches(request)), None)
        if active is None:
            return await self._forward(request)
        active.fired += 1
        if active.then is not None and active.then not in self.rules:
            self.rules.append(active.then)
        fault = active.fault
        if fault.kind == "connect":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        upstream = await self._forward(request) if fault.after else None
        request_id = {"x-request-id": "req-fault"}
        match fault.kind:
            case "pass":
                return await self._forward(request)
            case "timeout":
                raise httpx.ReadTimeout("timed out waiting for the answer", request=request)
            case "reset":
                raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
            case "status":
                headers = request_id | ({"retry-after": fault.retry_after} if fault.retry_after is not None else {})
                body = {"statusCode": fault.status, "message": httpx.codes.get_reason_phrase(fault.status)}
                return httpx.Response(fault.status, json=body, headers=headers)
            case "html":
                page = (
                    f"<html><body><h1>{fault.status} {httpx.codes.get_reason_phrase(fault.status)}</h1></body></html>"
                )
                return httpx.Response(
                    fault.status, content=page.encode(), headers=request_id | {"content-type": "text/html"}
                )
            case "truncated":
                content = upstream.content if upstream is not None else b'{"id": "00000000-0000-4000-8000-0000'
                return httpx.Response(
                    upstream.status_code if upstream is not None else 200,
                    content=content[: max(1, len(content) // 2)],
                    headers=request_id | {"content-type": "application/json"},
                )
            case "not_json":
                return httpx.Response(
                    200,
                    content=b"<html>Please sign in to the proxy</html>",
                    headers=request_id | {"content-type": "text/html"},
                )
        raise AssertionError(f"unknown fault {fault}")


def barrier(count: int, timeout: float = 2.0) -> Callable[[httpx.Request], Any]:
    """A `hold` for FaultTransport: the first `count` sends or converts wait for each other (or the timeout),
    so that two replicas' actions reach LedgerBee at the same instant."""
    arrived = 0
    everyone = anyio.Event()

    async def hold(request: httpx.Request) -> None:
        nonlocal arrived
        if request.method != "POST" or not request.url.path.endswith(("/send", "/convert")):
            return
        arrived += 1
        if arrived >= count:
            everyone.set()
        with anyio.move_on_after(timeout):
            await everyone.wait()

    return hold
