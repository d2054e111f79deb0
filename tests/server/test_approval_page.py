"""The approval page, end to end: the real MCP client (no elicitation), the real server, the in-process sandbox,
and a real headless Chromium where the person clicks.

Every "nothing happened" is checked in the sandbox itself. No timed assertions but the explicit timeout case: the
tests wait on events (the page opened, a progress notification came, the call returned).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from anyio.abc import TaskGroup
from mcp import Client
from mcp.server import MCPServer
from mcp_types import CallToolResult, ElicitResult
from playwright.async_api import Browser, Page, async_playwright
from starlette.applications import Starlette

from ledgerbee_mcp.config import ConfirmMode, Settings
from ledgerbee_mcp.sandbox import FULL_KEY, seed
from ledgerbee_mcp.server import approval, build_server
from ledgerbee_mcp.server.approval import WAITING_MESSAGE, BrowserOpener, browser_available
from tests.results import ok, text_of

pytestmark = pytest.mark.anyio

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# -- fixtures ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    # Module-wide, so that one browser serves every test of the module.
    return "asyncio"


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed; .ci/run installs it with apt-get install chromium")
        pytest.skip("chromium is not installed (apt-get install chromium): the approval page tests need it")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context()
    try:
        yield await context.new_page()
    finally:
        await context.close()


class Person:
    """The opener handed to the server: the approval page opens in the test's headless browser tab."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.urls: list[str] = []
        self.opened = anyio.Event()

    async def __call__(self, url: str) -> bool:
        self.urls.append(url)
        await self.page.goto(url)
        self.opened.set()
        return True

    @property
    def url(self) -> str:
        assert len(self.urls) == 1
        return self.urls[0]

    async def click(self, decision: str) -> tuple[str, str]:
        """Click Approve or Decline; the title and text of the page that answers."""
        async with self.page.expect_navigation():
            await self.page.click(f"button[value={decision}]")
        return await self.page.inner_text("#title"), await self.page.inner_text("#message")


@pytest.fixture
def person(page: Page) -> Person:
    return Person(page)


MakeServer = Callable[..., MCPServer]


@pytest.fixture
def make_server(sandbox_app: Starlette, audit_path: Path) -> MakeServer:
    def make(open_browser: BrowserOpener | None = None, **overrides: Any) -> MCPServer:
        settings = Settings(sandbox=True, audit_log=audit_path, **({"confirm": ConfirmMode.PAGE} | overrides))
        return build_server(settings, transport=httpx.ASGITransport(app=sandbox_app), open_browser=open_browser)

    return make


@pytest.fixture
async def sandbox(sandbox_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sandbox_app), base_url="http://sandbox", headers={"x-api-key": FULL_KEY}
    ) as client:
        yield client


@pytest.fixture
def no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(approval, "_platform", lambda: "linux")


# -- helpers ----------------------------------------------------------------------------------------------------


def audit_lines(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="ascii") if path.exists() else ""
    return [json.loads(line) for line in text.splitlines()]


async def new_quote(c: Client, **extra: Any) -> str:
    args = {"customer_id": seed.CUSTOMER_FJORD_ID, "lines": [{"price_id": seed.PRICE_WORKSHOP_ID}]} | extra
    return ok(await c.call_tool("create_quote", args))["id"]


def manual_send(quote_id: str) -> dict[str, Any]:
    return {"quote_id": quote_id, "delivery_type": "Manual"}


def email_send(quote_id: str) -> dict[str, Any]:
    return {"quote_id": quote_id, "delivery_type": "Email", "recipient_email": seed.CUSTOMER_FJORD_EMAIL}


async def quote(sandbox: httpx.AsyncClient, quote_id: str) -> dict[str, Any]:
    response = await sandbox.get(f"/v1/quotes/{quote_id}")
    response.raise_for_status()
    return response.json()


async def outbox(sandbox: httpx.AsyncClient) -> list[dict[str, Any]]:
    return (await sandbox.get("/_sandbox/outbox")).json()["data"]


async def assert_unsent(sandbox: httpx.AsyncClient, quote_id: str) -> None:
    q = await quote(sandbox, quote_id)
    assert (q["status"], q["sentAt"], q["documentNumber"]) == ("draft", None, None)
    assert await outbox(sandbox) == []


class Call:
    """A tool call running in the background while the test plays the person."""

    def __init__(self) -> None:
        self.result: CallToolResult | None = None
        self.progress: list[tuple[float, float | None, str | None]] = []
        self.progressed = anyio.Event()
        self.finished = anyio.Event()

    async def on_progress(self, progress: float, total: float | None, message: str | None) -> None:
        self.progress.append((progress, total, message))
        self.progressed.set()

    def start(self, tg: TaskGroup, c: Client, tool: str, args: dict[str, Any]) -> None:
        async def run() -> None:
            try:
                self.result = await c.call_tool(tool, args, progress_callback=self.on_progress)
            finally:
                self.finished.set()

        tg.start_soon(run)

    async def page_opens(self, person: Person) -> None:
        """Wait until the page is open in the browser; fail if the call ends first."""
        async with anyio.create_task_group() as tg:

            async def first(event: anyio.Event) -> None:
                await event.wait()
                tg.cancel_scope.cancel()

            tg.start_soon(first, person.opened)
            tg.start_soon(first, self.finished)
        assert person.opened.is_set(), f"the call ended without opening the approval page: {self.result}"

    @property
    def done(self) -> CallToolResult:
        assert self.result is not None
        return self.result


async def forged(url: str, *, csrf: str | None, origin: str | None, host: str | None = None) -> httpx.Response:
    """A POST that does not come from the person's click on the page."""
    headers = {"content-type": "application/x-www-form-urlencoded"}
    if origin is not None:
        headers["origin"] = origin
    if host is not None:
        headers["host"] = host
    body = {"decision": "approve"} | ({"csrf": csrf} if csrf is not None else {})
    async with httpx.AsyncClient() as client:
        return await client.post(url, data=body, headers=headers)


def origin_of(url: str) -> str:
    return url.split("/approve/")[0]


# -- the person answers on the page -----------------------------------------------------------------------------


async def test_approve_sends_exactly_once_and_the_audit_names_the_page(
    make_server: MakeServer, person: Person, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    async with Client(make_server(person)) as c:
        qid = await new_quote(c)
        call = Call()
        async with anyio.create_task_group() as tg:
            call.start(tg, c, "send_quote", email_send(qid))
            await call.page_opens(person)
            assert await person.page.inner_text("table.decision th >> nth=0") == "Action"
            title, message = await person.click("approve")
            assert title == "Approved", message
            assert "checks the document once more" in message
        done = ok(call.done)
    assert done["outcome"] == "done"
    q = await quote(sandbox, qid)
    assert q["status"] == "sent"
    assert q["sentAt"] is not None
    assert q["documentNumber"] == done["document_number"]
    assert [m["to"] for m in await outbox(sandbox)] == [seed.CUSTOMER_FJORD_EMAIL]
    records = audit_lines(audit_path)
    assert [(r["outcome"], r.get("consent")) for r in records] == [
        ("attempt", "approval page"),
        ("done", "approval page"),
    ]


async def test_the_page_shows_the_preview_escaped_with_the_decision_rows_first(
    make_server: MakeServer, person: Person, sandbox: httpx.AsyncClient
) -> None:
    planted = "<img src=x onerror=alert(1)></td><b>Approve</b>"
    async with Client(make_server(person)) as c:
        lines = [{"description": planted, "unit_price": "100.00"}]
        qid = await new_quote(c, lines=lines)
        call = Call()
        async with anyio.create_task_group() as tg:
            call.start(tg, c, "send_quote", manual_send(qid))
            await call.page_opens(person)
            page = person.page
            decision = await page.locator("table.decision th").all_inner_texts()
            assert decision[0] == "Action"
            assert "Can be undone" in decision
            details = await page.locator("table.details th").all_inner_texts()
            assert "Lines" in details
            assert "Document" in details
            assert planted in await page.inner_text("table.details")
            assert await page.locator("img").count() == 0
            assert await page.locator("table b").count() == 0
            assert await page.locator("script").count() == 0
            await person.click("decline")
        assert ok(call.done)["outcome"] == "declined"
    await assert_unsent(sandbox, qid)


async def test_decline_sends_nothing_and_is_audited(
    make_server: MakeServer, person: Person, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    async with Client(make_server(person)) as c:
        qid = await new_quote(c)
        call = Call()
        async with anyio.create_task_group() as tg:
            call.start(tg, c, "send_quote", email_send(qid))
            await call.page_opens(person)
            title, _ = await person.click("decline")
            assert title == "Declined"
        declined = ok(call.done)
    assert declined["outcome"] == "declined"
    assert "Nothing was sent" in declined["message"]
    await assert_unsent(sandbox, qid)
    [record] = audit_lines(audit_path)
    assert (record["outcome"], record["reason"]) == ("declined", "approval page decline")


async def test_no_answer_in_time_is_not_consent(
    make_server: MakeServer, person: Person, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    async with Client(make_server(person, approval_timeout_seconds=1.0)) as c:
        qid = await new_quote(c)
        result = await c.call_tool("send_quote", email_send(qid))
        timed_out = ok(result)
        assert timed_out["outcome"] == "declined"
        assert "no answer within 1 s" in timed_out["message"]
        # The page the person still has open answers no more.
        title, message = await person.click("approve")
        assert title == "No longer pending"
        assert "This approval is no longer pending" in message
    await assert_unsent(sandbox, qid)
    [record] = audit_lines(audit_path)
    assert (record["outcome"], record["reason"]) == ("declined", "approval page no answer within 1 s")


async def test_a_document_edited_while_the_page_is_open_is_refused(
    make_server: MakeServer, person: Person, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    async with Client(make_server(person)) as c:
        qid = await new_quote(c)
        call = Call()
        async with anyio.create_task_group() as tg:
            call.start(tg, c, "send_quote", email_send(qid))
            await call.page_opens(person)
            shown = await quote(sandbox, qid)
            body = {
                "customerId": shown["customerId"],
                "date": shown["date"],
                "lines": [{"priceId": seed.PRICE_WORKSHOP_ID, "quantity": 2}],
            }
            (await sandbox.patch(f"/v1/quotes/{qid}", json=body)).raise_for_status()
            await person.click("approve")
        result = call.done
    assert result.is_error
    assert "the document changed after the preview" in text_of(result)
    await assert_unsent(sandbox, qid)
    [record] = audit_lines(audit_path)
    assert (record["outcome"], record["consent"]) == ("refused", "approval page")
    assert record["reason"] == "the document changed after the preview"


async def test_cancelling_the_call_closes_the_page(
    make_server: MakeServer, person: Person, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    async with Client(make_server(person)) as c:
        qid = await new_quote(c)
        call = Call()
        async with anyio.create_task_group() as tg:
            call.start(tg, c, "send_quote", email_send(qid))
            await call.page_opens(person)
            tg.cancel_scope.cancel()
        assert call.result is None
        title, message = await person.click("approve")
        assert title == "No longer pending"
        assert "This approval is no longer pending" in message
        await assert_unsent(sandbox, qid)
        # The server goes on serving: the next call gets a page of its own.
        assert ok(await c.call_tool("get_quote", {"quote_id": qid}))["status"] == "draft"
    [record] = audit_lines(audit_path)
    assert record["outcome"] == "declined"
    assert record["reason"] == "approval page closed: the tool call was cancelled"


async def test_progress_is_reported_while_the_page_waits(make_server: MakeServer, person: Person) -> None:
    async with Client(make_server(person)) as c:
        qid = await new_quote(c)
        call = Call()
        async with anyio.create_task_group() as tg:
            call.start(tg, c, "send_quote", email_send(qid))
            await call.page_opens(person)
            await call.progressed.wait()
            await person.click("approve")
        assert ok(call.done)["outcome"] == "done"
    progress, total, message = call.progress[0]
    assert (progress, total, message) == (0, 300, WAITING_MESSAGE)


# -- what does not come from the person's click is refused ------------------------------------------------------


async def test_forged_answers_are_refused_and_a_page_answers_once(
    make_server: MakeServer, person: Person, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    async with Client(make_server(person)) as c:
        qid = await new_quote(c)
        call = Call()
        async with anyio.create_task_group() as tg:
            call.start(tg, c, "send_quote", email_send(qid))
            await call.page_opens(person)
            url, origin = person.url, origin_of(person.url)
            csrf = await person.page.get_attribute("input[name=csrf]", "value")
            assert csrf
            refused = [
                await forged(url, csrf=None, origin=origin),
                await forged(url, csrf="x" * len(csrf), origin=origin),
                await forged(url, csrf=csrf, origin=None),
                await forged(url, csrf=csrf, origin="http://evil.example"),
                await forged(url, csrf=csrf, origin=origin.replace("127.0.0.1", "localhost")),
                await forged(url, csrf=csrf, origin=origin, host="rebound.example"),
            ]
            assert [r.status_code for r in refused] == [403] * len(refused)
            guessed = f"{origin}/approve/{secrets.token_urlsafe(32)}"
            assert (await forged(guessed, csrf=csrf, origin=origin)).status_code == 404
            async with httpx.AsyncClient() as client:
                assert (await client.get(guessed)).status_code == 404
                assert (await client.get(f"{origin}/")).status_code == 404
            # Nothing was decided: the call still waits, and the person's own click counts.
            assert call.result is None
            await assert_unsent(sandbox, qid)
            title, _ = await person.click("decline")
            assert title == "Declined"
        assert ok(call.done)["outcome"] == "declined"
        # The page has answered: a second answer, even a well-formed one, is refused.
        again = await forged(url, csrf=csrf, origin=origin)
        assert again.status_code == 410
        async with httpx.AsyncClient() as client:
            assert (await client.get(url)).status_code == 410
    await assert_unsent(sandbox, qid)
    [record] = audit_lines(audit_path)
    assert record["outcome"] == "declined"


async def test_a_form_on_another_origin_cannot_answer(
    make_server: MakeServer, person: Person, browser: Browser, sandbox: httpx.AsyncClient
) -> None:
    async with Client(make_server(person)) as c:
        qid = await new_quote(c)
        call = Call()
        async with anyio.create_task_group() as tg:
            call.start(tg, c, "send_quote", email_send(qid))
            await call.page_opens(person)
            csrf = await person.page.get_attribute("input[name=csrf]", "value")
            attacker = await (await browser.new_context()).new_page()
            await attacker.set_content(
                f'<form method="post" action="{person.url}"><input name="csrf" value="{csrf}">'
                '<button name="decision" value="approve">go</button></form>'
            )
            async with attacker.expect_navigation():
                await attacker.click("button")
            assert await attacker.inner_text("#title") == "Refused"
            await attacker.context.close()
            assert call.result is None
            await person.click("decline")
        assert ok(call.done)["outcome"] == "declined"
    await assert_unsent(sandbox, qid)


async def test_the_url_reaches_only_the_browser(
    make_server: MakeServer, person: Person, caplog: pytest.LogCaptureFixture, audit_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    async with Client(make_server(person)) as c:
        qid = await new_quote(c)
        call = Call()
        async with anyio.create_task_group() as tg:
            call.start(tg, c, "send_quote", email_send(qid))
            await call.page_opens(person)
            await call.progressed.wait()
            await person.click("approve")
        result = call.done
        listed = await c.call_tool("get_quote", {"quote_id": qid})
    page_id = person.url.rsplit("/", 1)[1]
    assert len(page_id) >= 43
    seen = [
        result.model_dump_json(),
        listed.model_dump_json(),
        json.dumps(call.progress),
        json.dumps(audit_lines(audit_path)),
    ]
    assert not [text for text in seen if page_id in text]
    assert not [r for r in caplog.records if r.levelno >= logging.INFO and page_id in r.getMessage()]
    assert not [r for r in caplog.records if r.name.startswith("ledgerbee_mcp") and page_id in r.getMessage()]


# -- which route consent takes ----------------------------------------------------------------------------------


async def test_auto_prefers_the_page_over_the_token_where_a_browser_opens(
    make_server: MakeServer, person: Person, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    async with Client(make_server(person, confirm=ConfirmMode.AUTO)) as c:
        qid = await new_quote(c)
        call = Call()
        async with anyio.create_task_group() as tg:
            call.start(tg, c, "send_quote", manual_send(qid))
            await call.page_opens(person)
            await person.click("approve")
        done = ok(call.done)
    assert done["outcome"] == "done"
    assert done.get("confirmation_token") is None
    assert [r.get("consent") for r in audit_lines(audit_path)] == ["approval page", "approval page"]


async def test_auto_asks_by_elicitation_first(make_server: MakeServer, audit_path: Path) -> None:
    opened: list[str] = []

    async def opener(url: str) -> bool:
        opened.append(url)
        return True

    async def approve(context: Any, params: Any) -> ElicitResult:
        return ElicitResult(action="accept", content={"confirm": True})

    async with Client(make_server(opener, confirm=ConfirmMode.AUTO), elicitation_callback=approve) as c:
        qid = await new_quote(c)
        assert ok(await c.call_tool("send_quote", manual_send(qid)))["outcome"] == "done"
    assert opened == []
    assert audit_lines(audit_path)[-1]["consent"] == "elicitation"


@pytest.mark.usefixtures("no_display")
async def test_auto_without_a_browser_takes_the_token_and_the_audit_says_so(
    make_server: MakeServer, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    async with Client(make_server(confirm=ConfirmMode.AUTO)) as c:
        qid = await new_quote(c)
        args = manual_send(qid)
        first = ok(await c.call_tool("send_quote", args))
        assert first["outcome"] == "confirmation_required"
        done = ok(await c.call_tool("send_quote", args | {"confirmation_token": first["confirmation_token"]}))
        assert done["outcome"] == "done"
    assert [(r["outcome"], r.get("consent")) for r in audit_lines(audit_path)] == [
        ("confirmation_required", None),
        ("attempt", "token"),
        ("done", "token"),
    ]


@pytest.mark.usefixtures("no_display")
async def test_page_mode_without_a_browser_fails_closed(
    make_server: MakeServer, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    async with Client(make_server()) as c:
        qid = await new_quote(c)
        result = await c.call_tool("send_quote", manual_send(qid))
        token = await c.call_tool("send_quote", manual_send(qid) | {"confirmation_token": "forged.token"})
    assert result.is_error
    assert "LEDGERBEE_CONFIRM=page" in text_of(result)
    assert "Nothing was done" in text_of(result)
    assert token.is_error
    await assert_unsent(sandbox, qid)
    assert [r["outcome"] for r in audit_lines(audit_path)] == ["refused", "refused"]


async def test_a_browser_that_does_not_open_is_a_refusal(
    make_server: MakeServer, sandbox: httpx.AsyncClient, audit_path: Path
) -> None:
    async def fails(url: str) -> bool:
        return False

    async with Client(make_server(fails)) as c:
        qid = await new_quote(c)
        result = await c.call_tool("send_quote", manual_send(qid))
    assert result.is_error
    assert "approval page could not be shown" in text_of(result)
    await assert_unsent(sandbox, qid)
    [record] = audit_lines(audit_path)
    assert record["outcome"] == "refused"


async def test_one_server_serves_every_page_of_the_process(make_server: MakeServer, person: Person) -> None:
    async with Client(make_server(person)) as c:
        first, second = await new_quote(c), await new_quote(c)
        for qid in (first, second):
            person.opened = anyio.Event()
            call = Call()
            async with anyio.create_task_group() as tg:
                call.start(tg, c, "send_quote", manual_send(qid))
                await call.page_opens(person)
                await person.click("decline")
            assert ok(call.done)["outcome"] == "declined"
    assert len(person.urls) == 2
    assert origin_of(person.urls[0]) == origin_of(person.urls[1])
    assert person.urls[0] != person.urls[1]


@pytest.mark.parametrize(
    ("platform", "env", "injected", "expected"),
    [
        ("linux", {}, False, False),
        ("linux", {"DISPLAY": ":0"}, False, True),
        ("linux", {"WAYLAND_DISPLAY": "wayland-0"}, False, True),
        ("linux", {"DISPLAY": " "}, False, False),
        ("linux", {}, True, True),
        ("darwin", {}, False, True),
        ("win32", {}, False, True),
    ],
)
def test_where_a_browser_can_be_opened(platform: str, env: dict[str, str], injected: bool, expected: bool) -> None:
    assert browser_available(opener_injected=injected, env=env, platform=platform) is expected


def test_the_settings() -> None:
    env = {"LEDGERBEE_CONFIRM": "page", "LEDGERBEE_APPROVAL_TIMEOUT_SECONDS": "45"}
    settings = Settings.from_env(env, sandbox=True)
    assert settings.confirm is ConfirmMode.PAGE
    assert settings.approval_timeout_seconds == 45
    assert Settings.from_env({}, sandbox=True).approval_timeout_seconds == 300


@pytest.mark.parametrize("platform", ["darwin", "win32", "linux"])
def test_the_browser_can_be_ruled_out_on_any_platform(platform: str) -> None:
    from ledgerbee_mcp.server.approval import browser_available

    desktop = {"DISPLAY": ":0"}
    assert browser_available(opener_injected=False, env=desktop, platform=platform)
    assert not browser_available(
        opener_injected=False, env=desktop | {"LEDGERBEE_OPEN_BROWSER": "off"}, platform=platform
    )
    # An opener handed in (the composition root's, or a test's) is an explicit choice and wins.
    assert browser_available(opener_injected=True, env={"LEDGERBEE_OPEN_BROWSER": "off"}, platform=platform)
