"""Transport faults and odd answers, faked with `httpx.MockTransport`: what is retried, what is not, and what
each failure surfaces as."""

from __future__ import annotations

import logging

import httpx
import pytest

from ledgerbee_mcp.api import (
    APIConnectionError,
    APITimeoutError,
    DeliveryType,
    InvalidRequestError,
    LedgerBeeError,
    LineInput,
    MalformedResponseError,
    MissingRecipientError,
    NotFoundError,
    OutcomeUnknown,
    Quote,
    QuoteConvertTarget,
    QuoteCreate,
    QuoteUpdate,
    RateLimitError,
    ServerError,
)

from ._fakes import QUOTE_ID, Script, client_for, error, ok, quote_json, raw

pytestmark = pytest.mark.anyio

HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>nginx</body></html>"


def _create_body() -> QuoteCreate:
    return QuoteCreate.model_validate(
        {
            "customer_id": "0197a943-2325-7829-b835-b6c71a293065",
            "date": "2026-01-15",
            "lines": [LineInput(price_id="0197a943-2325-7829-b835-b6c71a293099", quantity=2)],
        }
    )


# -- reads: retried -----------------------------------------------------------------------------------------


async def test_read_timeout_then_success_is_retried() -> None:
    script = Script(httpx.ReadTimeout("timed out"), ok(quote_json()))
    async with client_for(script) as client:
        quote = await client.quotes.get(QUOTE_ID)
    assert isinstance(quote, Quote)
    assert len(script.requests) == 2


async def test_read_timeouts_exhaust_attempts_as_api_timeout_error() -> None:
    script = Script(httpx.ReadTimeout("timed out"))
    async with client_for(script, read_attempts=3) as client:
        with pytest.raises(APITimeoutError) as caught:
            await client.quotes.get(QUOTE_ID)
    assert len(script.requests) == 3
    assert caught.value.attempts == 3
    assert "after 3 attempts" in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


async def test_connection_reset_on_read_is_retried() -> None:
    script = Script(httpx.ReadError("[Errno 104] Connection reset by peer"), ok(quote_json()))
    async with client_for(script) as client:
        await client.quotes.get(QUOTE_ID)
    assert len(script.requests) == 2


async def test_connection_refused_on_read_exhausts_as_connection_error() -> None:
    script = Script(httpx.ConnectError("[Errno 111] Connection refused"))
    async with client_for(script, read_attempts=2) as client:
        with pytest.raises(APIConnectionError) as caught:
            await client.customers.list()
    assert not isinstance(caught.value, APITimeoutError)
    assert caught.value.request_sent is False
    assert len(script.requests) == 2


async def test_429_with_retry_after_then_success(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ledgerbee_mcp.api")
    script = Script(error(429, retry_after="2"), ok(quote_json()))
    async with client_for(script) as client:
        await client.quotes.get(QUOTE_ID)
    assert len(script.requests) == 2
    assert any("2.0 s (Retry-After)" in r.getMessage() for r in caplog.records)


async def test_429_with_retry_after_beyond_the_budget_is_not_waited_for() -> None:
    script = Script(error(429, retry_after="3600"), ok(quote_json()))
    async with client_for(script, retry_timeout=20.0) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.quotes.get(QUOTE_ID)
    assert caught.value.retry_after == 3600.0
    assert caught.value.hint is not None
    assert len(script.requests) == 1


async def test_429_until_attempts_run_out_raises_rate_limit_error() -> None:
    script = Script(error(429, retry_after="0"))
    async with client_for(script, read_attempts=4) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.quotes.list()
    assert caught.value.status_code == 429
    assert len(script.requests) == 4


async def test_500_then_success_on_a_read() -> None:
    script = Script(error(500), ok(quote_json()))
    async with client_for(script) as client:
        await client.quotes.get(QUOTE_ID)
    assert len(script.requests) == 2


async def test_408_is_retried_on_a_read() -> None:
    script = Script(error(408), ok(quote_json()))
    async with client_for(script) as client:
        await client.quotes.get(QUOTE_ID)
    assert len(script.requests) == 2


async def test_html_502_page_on_a_read_is_a_server_error_after_retries() -> None:
    script = Script(raw(502, HTML_502, "text/html"))
    async with client_for(script, read_attempts=2) as client:
        with pytest.raises(ServerError) as caught:
            await client.quotes.get(QUOTE_ID)
    assert len(script.requests) == 2
    err = caught.value
    assert err.status_code == 502
    assert err.code is None
    assert "text/html" in str(err)
    assert "502 Bad Gateway" in err.message
    assert "\n" not in str(err)


async def test_404_is_not_retried() -> None:
    script = Script(error(404, {"statusCode": 404, "message": "Quote not found"}))
    async with client_for(script) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.quotes.get(QUOTE_ID)
    assert len(script.requests) == 1
    assert caught.value.hint == "Pass a UUID id that exists for your tenant."
    assert caught.value.request_id == "req-404"


# -- garbage bodies -----------------------------------------------------------------------------------------


async def test_truncated_json_is_a_malformed_response() -> None:
    script = Script(raw(200, b'{"id": "q", "status": "dra', "application/json"))
    async with client_for(script) as client:
        with pytest.raises(MalformedResponseError) as caught:
            await client.quotes.get(QUOTE_ID)
    err = caught.value
    assert err.status_code == 200
    assert err.content_type == "application/json"
    assert "not valid JSON" in str(err)
    assert "a quote" in str(err)
    assert err.excerpt.startswith('{"id": "q"')
    assert len(script.requests) == 1


async def test_html_page_with_200_is_a_malformed_response() -> None:
    script = Script(raw(200, b"<html><body>Please log in to the proxy</body></html>", "text/html"))
    async with client_for(script) as client:
        with pytest.raises(MalformedResponseError) as caught:
            await client.customers.list()
    assert "text/html" in str(caught.value)
    assert "Please log in" in caught.value.excerpt


async def test_json_of_the_wrong_shape_is_a_malformed_response() -> None:
    script = Script(ok({"items": [], "count": 0}))
    async with client_for(script) as client:
        with pytest.raises(MalformedResponseError) as caught:
            await client.quotes.list()
    text = str(caught.value)
    assert "wrong shape" in text
    assert "data" in text
    assert "a page of quotes" in text


async def test_long_excerpts_are_shortened_and_flattened() -> None:
    script = Script(raw(200, b"<html>\n" + b"x" * 5000 + b"\x00\x01</html>", "text/html"))
    async with client_for(script) as client:
        with pytest.raises(MalformedResponseError) as caught:
            await client.quotes.get(QUOTE_ID)
    assert len(caught.value.excerpt) <= 160
    assert "\n" not in str(caught.value)


async def test_pdf_that_is_not_a_pdf_is_a_malformed_response() -> None:
    script = Script(raw(200, b"<html>oops</html>", "text/html"))
    async with client_for(script) as client:
        with pytest.raises(MalformedResponseError) as caught:
            await client.quotes.pdf(QUOTE_ID)
    assert "PDF" in str(caught.value)


async def test_pdf_bytes_and_draft_flag() -> None:
    whole, no_final_newline = b"%PDF-1.7\n...\n%%EOF\n", b"%PDF-1.7\n...%%EOF"
    script = Script(raw(200, whole, "application/pdf"), raw(200, no_final_newline, "application/pdf"))
    async with client_for(script) as client:
        assert (await client.quotes.pdf(QUOTE_ID, draft=True)).startswith(b"%PDF-")
        await client.invoices.pdf(QUOTE_ID)
    assert script.requests[0].url.params["draft"] == "true"
    assert script.requests[0].headers["accept"] == "application/pdf"
    assert "draft" not in script.requests[1].url.params


@pytest.mark.parametrize("body", [b"%PDF-1.7\n1 0 obj", b"%PDF-1.7\n%%EOF\n" + b"x" * 200, b"<html>%%EOF"])
async def test_a_cut_off_or_foreign_pdf_is_refused(body: bytes) -> None:
    script = Script(raw(200, body, "application/pdf"))
    async with client_for(script) as client:
        with pytest.raises(MalformedResponseError, match="from %PDF- to %%EOF"):
            await client.quotes.pdf(QUOTE_ID)


# -- PATCH: idempotent, retried -----------------------------------------------------------------------------


async def test_patch_is_retried_on_503_with_the_same_body() -> None:
    script = Script(error(503), ok(quote_json(notes="new")))
    body = QuoteUpdate.model_validate({**_create_body().model_dump(), "notes": "new"})
    async with client_for(script) as client:
        quote = await client.quotes.update(QUOTE_ID, body)
    assert quote.notes == "new"
    assert [r.method for r in script.requests] == ["PATCH", "PATCH"]
    assert script.bodies[0] == script.bodies[1]
    assert script.bodies[0]["notes"] == "new"


# -- POST create/send/convert: never retried ----------------------------------------------------------------


async def test_500_on_send_is_outcome_unknown_and_not_retried() -> None:
    script = Script(error(500, {"statusCode": 500, "message": "Internal server error"}), ok(quote_json()))
    async with client_for(script) as client:
        with pytest.raises(OutcomeUnknown) as caught:
            await client.quotes.send(QUOTE_ID, delivery_type=DeliveryType.EMAIL, recipient_email="a@b.dk")
    assert len(script.requests) == 1
    err = caught.value
    assert err.action == "send"
    assert err.method == "POST"
    assert err.path == f"/v1/quotes/{QUOTE_ID}/send"
    assert err.document_id == QUOTE_ID
    assert err.attempted == {"deliveryType": "Email", "recipientEmail": "a@b.dk"}
    assert err.status_code == 500
    assert err.request_id == "req-500"
    assert "500" in err.cause
    assert "not retried" in str(err)


async def test_read_timeout_on_send_is_outcome_unknown() -> None:
    script = Script(httpx.ReadTimeout("timed out"), ok(quote_json()))
    async with client_for(script) as client:
        with pytest.raises(OutcomeUnknown) as caught:
            await client.order_confirmations.send(QUOTE_ID)
    assert len(script.requests) == 1
    assert "ReadTimeout" in caught.value.cause
    assert caught.value.attempted == {"deliveryType": "Manual"}


@pytest.mark.parametrize(
    "fault",
    [
        httpx.ReadError("connection reset"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.WriteError("broken pipe"),
        httpx.WriteTimeout("write timed out"),
    ],
    ids=["read-error", "remote-protocol", "write-error", "write-timeout"],
)
async def test_dropped_connection_on_create_is_outcome_unknown(fault: Exception) -> None:
    script = Script(fault, ok(quote_json(), 201))
    async with client_for(script) as client:
        with pytest.raises(OutcomeUnknown) as caught:
            await client.quotes.create(_create_body())
    assert len(script.requests) == 1
    err = caught.value
    assert err.action == "create"
    assert err.document_id is None
    assert err.attempted["customerId"] == "0197a943-2325-7829-b835-b6c71a293065"
    assert err.attempted["lines"] == [{"priceId": "0197a943-2325-7829-b835-b6c71a293099", "quantity": 2}]


async def test_502_html_on_convert_is_outcome_unknown() -> None:
    script = Script(raw(502, HTML_502, "text/html"))
    async with client_for(script) as client:
        with pytest.raises(OutcomeUnknown) as caught:
            await client.quotes.convert(QUOTE_ID, target=QuoteConvertTarget.INVOICE)
    assert len(script.requests) == 1
    assert caught.value.action == "convert"
    assert caught.value.attempted == {"target": "invoice"}


async def test_connect_error_on_send_is_a_connection_error_the_caller_may_retry() -> None:
    script = Script(httpx.ConnectError("[Errno 111] Connection refused"))
    async with client_for(script) as client:
        with pytest.raises(APIConnectionError) as caught:
            await client.quotes.send(QUOTE_ID)
    assert not isinstance(caught.value, OutcomeUnknown)
    assert not isinstance(caught.value, APITimeoutError)
    assert caught.value.request_sent is False
    assert len(script.requests) == 1


async def test_connect_timeout_on_send_is_a_timeout_error() -> None:
    script = Script(httpx.ConnectTimeout("connect timed out"))
    async with client_for(script) as client:
        with pytest.raises(APITimeoutError) as caught:
            await client.quotes.convert(QUOTE_ID, target=QuoteConvertTarget.ORDER_CONFIRMATION)
    assert caught.value.request_sent is False
    assert len(script.requests) == 1


async def test_400_on_send_is_the_plain_api_error() -> None:
    body = {"statusCode": 400, "code": "SALES_DOCUMENT_MISSING_RECIPIENT", "message": "No recipient"}
    script = Script(error(400, body))
    async with client_for(script) as client:
        with pytest.raises(MissingRecipientError) as caught:
            await client.quotes.send(QUOTE_ID, delivery_type=DeliveryType.EMAIL)
    assert len(script.requests) == 1
    assert isinstance(caught.value, InvalidRequestError)
    assert caught.value.hint == "Pass recipientEmail, or set an e-mail on the customer or contact."


async def test_429_on_create_is_not_retried() -> None:
    script = Script(error(429, retry_after="1"), ok(quote_json(), 201))
    async with client_for(script) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.quotes.create(_create_body())
    assert caught.value.retry_after == 1.0
    assert len(script.requests) == 1


async def test_malformed_success_on_send_says_the_send_happened() -> None:
    script = Script(raw(200, b"OK", "text/plain"))
    async with client_for(script) as client:
        with pytest.raises(MalformedResponseError) as caught:
            await client.quotes.send(QUOTE_ID)
    assert "reported success" in str(caught.value)


async def test_every_failure_is_a_ledgerbee_error_never_an_httpx_one() -> None:
    faults: list[Exception | httpx.Response] = [
        httpx.ReadTimeout("t"),
        httpx.ConnectError("c"),
        httpx.RemoteProtocolError("r"),
        httpx.PoolTimeout("p"),
        httpx.DecodingError("d"),
        raw(200, b"nope", "text/plain"),
        raw(418, b"teapot", "text/plain"),
        raw(301, b"", "text/plain"),
    ]
    for fault in faults:
        async with client_for(Script(fault), read_attempts=1) as client:
            for call in (client.quotes.get(QUOTE_ID), client.quotes.send(QUOTE_ID)):
                with pytest.raises(LedgerBeeError) as caught:
                    await call
                assert not isinstance(caught.value, httpx.HTTPError)


async def test_each_attempt_is_logged_with_method_path_status_request_id_and_attempt(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="ledgerbee_mcp.api")
    script = Script(error(503), ok(quote_json()))
    async with client_for(script) as client:
        await client.quotes.get(QUOTE_ID)
    lines = [r.getMessage() for r in caplog.records if r.name == "ledgerbee_mcp.api"]
    path = f"/v1/quotes/{QUOTE_ID}"
    assert any(f"GET {path} -> 503" in m and "request id req-503" in m and "attempt 1" in m for m in lines)
    assert any(f"GET {path} -> 200" in m and "request id req-ok" in m and "attempt 2" in m for m in lines)
    assert all(" ms " in m for m in lines if "->" in m)
