"""The approval page: a one-off page on loopback where the person approves or declines a send or convert.

Where the client cannot ask the person, the agent must not be the one who says yes. The server opens a page in
the person's own browser, at an unguessable URL that only the browser is given (never a tool result, a progress
message or a log line), and the tool call waits for the answer posted from that page. The agent has only the MCP
tools: it can neither see the page nor post to it.

One small HTTP server per process, on 127.0.0.1 and a free port, started on first use and reused. It speaks just
enough HTTP/1.1 for a browser's GET and form POST, one request per connection. A page answers once: its POST must
carry the page's CSRF token, come from the server's own origin and name the server's own host; then the page is
gone, and so it is when the call is cancelled or times out.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import secrets
import subprocess
import sys
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qs

import anyio

from ledgerbee_mcp.guardrails.audit import AuditUnavailable
from ledgerbee_mcp.guardrails.outcomes import PersonAnswer, Refused
from ledgerbee_mcp.guardrails.preview import Prepared
from ledgerbee_mcp.server.approval_page import message_html, page_html

if TYPE_CHECKING:
    from ledgerbee_mcp.server.runtime import Runtime

__all__ = [
    "APPROVAL_PAGE",
    "WAITING_MESSAGE",
    "ApprovalPages",
    "BrowserOpener",
    "Decision",
    "PageUnavailable",
    "ask_on_page",
    "browser_available",
    "open_in_browser",
]

logger = logging.getLogger("ledgerbee_mcp.approval")

Decision = Literal["approve", "decline", "timeout"]
BrowserOpener = Callable[[str], Awaitable[bool]]
"""Shows a URL to the person; False when no browser could be opened."""
Progress = Callable[[float, float | None, str], Awaitable[None]]

APPROVAL_PAGE = "approval page"
"""How the audit names consent given on the approval page."""
WAITING_MESSAGE = "Waiting for the person to approve or decline on the approval page in their browser."

_HOST = "127.0.0.1"
_PATH = "/approve/"
_HEAD_LIMIT = 16 * 1024
_BODY_LIMIT = 4 * 1024
_REQUEST_SECONDS = 10.0
_CLOSED_KEPT = 1024
_OPEN_SECONDS = 20.0

# Run in a child process whose output goes nowhere: a browser that writes to an inherited stdout would write into
# the MCP channel on stdio. The URL goes in on stdin, not on the command line.
_OPEN_SCRIPT = "import sys, webbrowser; sys.exit(0 if webbrowser.open(sys.stdin.readline().strip(), new=2) else 1)"
_children: list[subprocess.Popen[bytes]] = []


class PageUnavailable(Exception):
    """The approval page could not be shown to the person."""


def _platform() -> str:
    return sys.platform


def browser_available(
    *, opener_injected: bool, env: Mapping[str, str] | None = None, platform: str | None = None
) -> bool:
    """Whether a page can be opened in the person's browser: an opener was handed in, or there is a desktop
    (macOS, Windows, or on Linux and the BSDs a `DISPLAY` or `WAYLAND_DISPLAY`) and `LEDGERBEE_OPEN_BROWSER` is not
    `off`."""
    if opener_injected:
        return True
    env = os.environ if env is None else env
    if env.get("LEDGERBEE_OPEN_BROWSER", "").strip().lower() in ("off", "false", "0", "no"):
        # Headless use (and test runs on a desktop) can rule the page out whatever the platform.
        return False
    platform = _platform() if platform is None else platform
    if platform in ("darwin", "win32"):
        return True
    return bool(env.get("DISPLAY", "").strip() or env.get("WAYLAND_DISPLAY", "").strip())


def _open_blocking(url: str) -> bool:
    _children[:] = [child for child in _children if child.poll() is None]
    try:
        child = subprocess.Popen(  # noqa: S603 -- this interpreter, a fixed script; the URL goes in on stdin
            [sys.executable, "-c", _OPEN_SCRIPT],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as error:
        logger.warning("could not start the browser opener: %s", error)
        return False
    try:
        child.communicate((url + "\n").encode("ascii"), timeout=_OPEN_SECONDS)
    except subprocess.TimeoutExpired:
        # A browser that stays in the foreground: it is showing the page. Reaped on a later call.
        _children.append(child)
        return True
    return child.returncode == 0


async def open_in_browser(url: str) -> bool:
    """The default opener: `webbrowser.open`, in a child process with its output discarded."""
    return await anyio.to_thread.run_sync(_open_blocking, url)


@dataclass
class _Page:
    preview: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    answered: anyio.Event = field(default_factory=anyio.Event)
    decision: Literal["approve", "decline"] | None = None


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes
    nonce: str


_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    410: "Gone",
    413: "Content Too Large",
}


class _BadRequest(Exception):
    pass


class ApprovalPages:
    """The pending approvals of this process and the loopback server that shows them."""

    def __init__(self, opener: BrowserOpener | None = None, *, progress_interval: float = 5.0) -> None:
        self._opener = opener or open_in_browser
        self._interval = progress_interval
        self._server: asyncio.Server | None = None
        self._port = 0
        self._start_lock = asyncio.Lock()
        self._pages: dict[str, _Page] = {}
        self._closed: OrderedDict[str, None] = OrderedDict()

    @property
    def origin(self) -> str:
        return f"http://{_HOST}:{self._port}"

    async def _start(self) -> None:
        async with self._start_lock:
            if self._server is None:
                server = await asyncio.start_server(self._serve, host=_HOST, port=0, limit=_HEAD_LIMIT)
                self._port = int(server.sockets[0].getsockname()[1])
                self._server = server
                logger.debug("approval page server listening on %s", self.origin)

    async def aclose(self) -> None:
        server, self._server = self._server, None
        for page_id in list(self._pages):
            self._close(page_id)
        if server is not None:
            server.close()
            with contextlib.suppress(Exception):
                await server.wait_closed()

    def _close(self, page_id: str) -> None:
        if self._pages.pop(page_id, None) is not None:
            self._closed[page_id] = None
            while len(self._closed) > _CLOSED_KEPT:
                self._closed.popitem(last=False)

    async def decide(self, preview: str, *, wait_seconds: float, progress: Progress) -> Decision:
        """Show `preview` on a new page in the person's browser and wait for their answer.

        Raises `PageUnavailable` when no browser could be opened. Reports progress while it waits; a cancelled
        call, like a timeout, closes the page (a later click is told it is no longer pending).
        """
        await self._start()
        page_id = secrets.token_urlsafe(32)
        page = _Page(preview=preview)
        self._pages[page_id] = page
        try:
            try:
                opened = await self._opener(f"{self.origin}{_PATH}{page_id}")
            except Exception as error:
                raise PageUnavailable(f"the browser could not be opened ({type(error).__name__})") from None
            if not opened:
                raise PageUnavailable("no browser could be opened")
            logger.debug("approval page opened; waiting up to %g s", wait_seconds)
            started = anyio.current_time()
            with anyio.move_on_after(wait_seconds):
                while page.decision is None:
                    await self._progress(progress, min(anyio.current_time() - started, wait_seconds), wait_seconds)
                    with anyio.move_on_after(self._interval):
                        await page.answered.wait()
        finally:
            self._close(page_id)
        return page.decision or "timeout"

    @staticmethod
    async def _progress(progress: Progress, done: float, total: float) -> None:
        try:
            await progress(round(done, 1), total, WAITING_MESSAGE)
        except Exception as error:  # a lost notification must not decide anything
            logger.debug("progress notification failed: %s", error)

    # --- HTTP -----------------------------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonce = secrets.token_urlsafe(16)
        try:
            try:
                async with asyncio.timeout(_REQUEST_SECONDS):
                    response = await self._respond(reader, nonce)
            except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, _BadRequest, ValueError):
                response = self._message(400, nonce, "Bad request", "This request could not be read.")
            writer.write(self._encode(response))
            await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    @staticmethod
    def _message(status: int, nonce: str, title: str, text: str) -> _Response:
        return _Response(status, message_html(title, text, nonce=nonce), nonce)

    @staticmethod
    def _encode(response: _Response) -> bytes:
        headers = [
            f"HTTP/1.1 {response.status} {_REASONS.get(response.status, 'Error')}",
            "Content-Type: text/html; charset=utf-8",
            f"Content-Length: {len(response.body)}",
            "Cache-Control: no-store",
            "Connection: close",
            "Content-Security-Policy: default-src 'none'; "
            f"style-src 'nonce-{response.nonce}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            "X-Frame-Options: DENY",
            "X-Content-Type-Options: nosniff",
            "Referrer-Policy: same-origin",  # no-referrer would make the browser post `Origin: null`
            "Cross-Origin-Opener-Policy: same-origin",
            "Cross-Origin-Resource-Policy: same-origin",
        ]
        return ("\r\n".join(headers) + "\r\n\r\n").encode("ascii") + response.body

    async def _respond(self, reader: asyncio.StreamReader, nonce: str) -> _Response:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        request_line, *header_lines = head[:-4].split("\r\n")
        parts = request_line.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise _BadRequest
        method, target, _ = parts
        headers: dict[str, str] = {}
        for line in header_lines:
            name, sep, value = line.partition(":")
            key = name.strip().lower()
            if not sep or not key or key in headers:
                raise _BadRequest  # a repeated Host, Origin or Content-Length is never a browser's
            headers[key] = value.strip()
        if headers.get("host") != f"{_HOST}:{self._port}":
            return self._message(403, nonce, "Refused", "This page is served only to its own address.")
        path = target.partition("?")[0]
        page_id = path.removeprefix(_PATH) if path.startswith(_PATH) else None
        if method == "GET":
            return self._show(page_id, nonce)
        if method == "POST":
            return await self._answer(page_id, headers, reader, nonce)
        return self._message(405, nonce, "Not allowed", "Only GET and POST are served here.")

    def _gone(self, page_id: str | None, nonce: str) -> _Response:
        if page_id is not None and page_id in self._closed:
            return self._message(
                410, nonce, "No longer pending", "This approval is no longer pending. Nothing was decided here."
            )
        return self._message(404, nonce, "Not found", "There is no approval at this address.")

    def _show(self, page_id: str | None, nonce: str) -> _Response:
        page = self._pages.get(page_id) if page_id is not None else None
        if page is None:
            return self._gone(page_id, nonce)
        return _Response(200, page_html(page.preview, csrf=page.csrf, nonce=nonce), nonce)

    async def _answer(
        self, page_id: str | None, headers: dict[str, str], reader: asyncio.StreamReader, nonce: str
    ) -> _Response:
        if headers.get("origin") != self.origin or headers.get("sec-fetch-site", "same-origin") != "same-origin":
            return self._message(403, nonce, "Refused", "An answer is taken only from the approval page itself.")
        if headers.get("content-type", "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
            return self._message(400, nonce, "Bad request", "The answer must be the page's form.")
        length = int(headers.get("content-length", "-1"))
        if length < 0:
            raise _BadRequest
        if length > _BODY_LIMIT:
            return self._message(413, nonce, "Too large", "The answer is larger than the page's form.")
        body = (await reader.readexactly(length)).decode("ascii")
        page = self._pages.get(page_id) if page_id is not None else None
        if page is None or page_id is None:
            return self._gone(page_id, nonce)
        form = parse_qs(body, keep_blank_values=True, max_num_fields=8)
        csrf = form.get("csrf", [])
        if len(csrf) != 1 or not hmac.compare_digest(csrf[0].encode(), page.csrf.encode()):
            return self._message(403, nonce, "Refused", "This answer does not come from the approval page.")
        decision = form.get("decision", [])
        if decision not in (["approve"], ["decline"]):
            return self._message(400, nonce, "Bad request", "The answer must be Approve or Decline.")
        page.decision = "approve" if decision == ["approve"] else "decline"
        self._close(page_id)
        page.answered.set()
        if page.decision == "approve":
            return self._message(
                200,
                nonce,
                "Approved",
                "Your approval was received. The server checks the document once more before acting; the result "
                "is shown in your client. You can close this tab.",
            )
        return self._message(200, nonce, "Declined", "You declined. Nothing will be done. You can close this tab.")


async def ask_on_page(
    rt: Runtime, question: str, documents: Sequence[Prepared], *, progress: Progress
) -> PersonAnswer:
    """Ask the person `question` on the approval page: their answer, a timeout (not approved), or `Refused` when
    the page cannot be shown. Every way it ends without a yes is recorded, for each of the `documents` it is about
    (one, or a batch's; a no and a timeout by the guarded flow)."""
    timeout = rt.settings.approval_timeout_seconds
    try:
        decision = await rt.approvals.decide(question, wait_seconds=timeout, progress=progress)
    except PageUnavailable as error:
        refusal = (
            f"Refused: the approval page could not be shown to the person ({error}). Nothing was done. Next step: "
            "run the server where the person has a desktop session, or have the operator set "
            "LEDGERBEE_CONFIRM=token for headless use."
        )
        for prepared in documents:
            rt.audit.record(prepared.audit_record("refused", reason=refusal))
        raise Refused(refusal) from None
    except anyio.get_cancelled_exc_class():
        # The page is closed already; the record says why nothing was done.
        with contextlib.suppress(AuditUnavailable):
            for prepared in documents:
                rt.audit.record(
                    prepared.audit_record("declined", reason=f"{APPROVAL_PAGE} closed: the tool call was cancelled")
                )
        raise
    if decision == "timeout":
        return PersonAnswer(confirmed=False, action=f"no answer within {timeout:g} s", via=APPROVAL_PAGE)
    return PersonAnswer(confirmed=decision == "approve", action=decision, via=APPROVAL_PAGE)
