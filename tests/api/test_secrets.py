"""The API key never shows in a repr, an exception message, a formatted traceback or a log record."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable

import httpx
import pytest

from ledgerbee_mcp.api import LedgerBeeClient, LedgerBeeError, QuoteConvertTarget

from ._fakes import API_KEY, QUOTE_ID, Script, client_for, error, ok, raw

pytestmark = pytest.mark.anyio


def _echo_key(request: httpx.Request) -> httpx.Response:
    # A misbehaving server (or proxy) that echoes the credential back in its error body.
    return httpx.Response(400, json={"statusCode": 400, "message": f"bad key {request.headers['x-api-key']}"})


FAULTS: list[httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]] = [
    httpx.ReadTimeout("timed out"),
    httpx.ConnectError("refused"),
    httpx.ReadError("reset"),
    httpx.RemoteProtocolError("disconnected"),
    error(500),
    error(429, retry_after="0"),
    error(401, {"statusCode": 401, "message": "Missing or unknown API key"}),
    raw(502, b"<html>502</html>", "text/html"),
    raw(200, b'{"trunc', "application/json"),
    ok({"wrong": "shape"}),
    _echo_key,
    httpx.ReadError(f"reset while sending key {API_KEY}"),
]


def _texts_of(exc: BaseException) -> list[str]:
    texts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    texts.extend(repr(value) for value in vars(exc).values())
    return texts


async def test_the_key_never_leaks(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    for fault in FAULTS:
        client = client_for(Script(fault), read_attempts=2)
        seen.extend([repr(client), str(vars(client)), repr(vars(client._core))])
        calls: list[Callable[[], Awaitable[object]]] = [
            lambda c=client: c.quotes.get(QUOTE_ID),
            lambda c=client: c.quotes.send(QUOTE_ID),
            lambda c=client: c.quotes.convert(QUOTE_ID, target=QuoteConvertTarget.INVOICE),
            lambda c=client: c.quotes.pdf(QUOTE_ID),
        ]
        async with client:
            for call in calls:
                with pytest.raises(LedgerBeeError) as caught:
                    await call()
                seen.extend(_texts_of(caught.value))
    seen.extend(record.getMessage() for record in caplog.records)
    seen.extend(repr(record.__dict__) for record in caplog.records)
    assert len(seen) > 100
    leaks = [text for text in seen if API_KEY in text]
    assert leaks == []


def test_client_repr_hides_the_credential() -> None:
    client = LedgerBeeClient(api_key=API_KEY)
    assert API_KEY not in repr(client)
    assert API_KEY not in repr(vars(client))
    assert API_KEY not in repr(vars(client._core))
    token_client = LedgerBeeClient(access_token=API_KEY)
    assert API_KEY not in repr(vars(token_client._core))
