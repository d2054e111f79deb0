"""Each documented error answer maps to its exception class, with the guide's fix as the hint."""

from __future__ import annotations

from typing import Any

import pytest

from ledgerbee_mcp.api import (
    AlreadyConvertedError,
    APIError,
    AuthenticationError,
    ConvertRequiresSentError,
    DocumentLockedError,
    FieldError,
    InvalidRequestError,
    MissingRecipientError,
    NotFoundError,
    PermissionDeniedError,
    QuoteConvertTarget,
    ServerError,
)

from ._fakes import QUOTE_ID, Script, client_for, error, raw

pytestmark = pytest.mark.anyio

CASES: list[tuple[str, type[APIError], str]] = [
    (
        "SALES_DOCUMENT_MISSING_RECIPIENT",
        MissingRecipientError,
        "Pass recipientEmail, or set an e-mail on the customer or contact.",
    ),
    ("SALES_DOCUMENT_LOCKED_CONVERTED", DocumentLockedError, "Act on the document the conversion produced instead."),
    (
        "SALES_DOCUMENT_ALREADY_CONVERTED_TO_DOCUMENT",
        AlreadyConvertedError,
        "Read convertedToDocumentId / convertedToInvoiceId on the source.",
    ),
    (
        "SALES_DOCUMENT_ALREADY_CONVERTED_TO_INVOICE",
        AlreadyConvertedError,
        "Read convertedToDocumentId / convertedToInvoiceId on the source.",
    ),
    (
        "SALES_DOCUMENT_CONVERT_REQUIRES_SENT",
        ConvertRequiresSentError,
        "Send the document first (POST /{id}/send); a quote may also be converted once the customer has accepted it.",
    ),
]


@pytest.mark.parametrize(("code", "cls", "hint"), CASES, ids=[c[0] for c in CASES])
async def test_documented_codes(code: str, cls: type[APIError], hint: str) -> None:
    script = Script(error(400, {"statusCode": 400, "code": code, "message": "Refused."}))
    async with client_for(script) as client:
        with pytest.raises(cls) as caught:
            await client.quotes.convert(QUOTE_ID, target=QuoteConvertTarget.INVOICE)
    err = caught.value
    assert isinstance(err, InvalidRequestError)
    assert (err.status_code, err.code, err.message, err.hint) == (400, code, "Refused.", hint)
    assert err.request_id == "req-400"
    text = str(err)
    assert code in text
    assert hint in text
    assert "Refused." in text
    assert "\n" not in text


@pytest.mark.parametrize(
    ("status", "cls", "hint"),
    [
        (401, AuthenticationError, "Check the API key or access token"),
        (403, PermissionDeniedError, "Grant the matching read or write scope."),
        (404, NotFoundError, "Pass a UUID id that exists for your tenant."),
        (503, ServerError, "retry later"),
        (409, APIError, None),
    ],
)
async def test_statuses_without_a_code(status: int, cls: type[APIError], hint: str | None) -> None:
    script = Script(error(status, {"statusCode": status, "message": "No."}))
    async with client_for(script, read_attempts=1) as client:
        with pytest.raises(cls) as caught:
            await client.customers.get(QUOTE_ID)
    assert type(caught.value) is cls
    assert caught.value.code is None
    if hint is None:
        assert caught.value.hint is None
    else:
        assert caught.value.hint is not None
        assert hint in caught.value.hint


async def test_validation_error_carries_the_field_errors() -> None:
    body: dict[str, Any] = {
        "statusCode": 400,
        "code": "VALIDATION_ERROR",
        "message": "Request validation failed: lines[0].quantity, date",
        "errors": [
            {"field": "lines[0].quantity", "message": "must be a positive number"},
            {"field": "date", "message": "must be YYYY-MM-DD"},
        ],
    }
    script = Script(error(400, body))
    async with client_for(script) as client:
        with pytest.raises(InvalidRequestError) as caught:
            await client.quotes.send(QUOTE_ID)
    err = caught.value
    assert type(err) is InvalidRequestError
    assert err.field_errors == [
        FieldError("lines[0].quantity", "must be a positive number"),
        FieldError("date", "must be YYYY-MM-DD"),
    ]
    assert err.hint == "Fix the named fields and retry."
    assert "lines[0].quantity: must be a positive number" in str(err)


async def test_a_malformed_path_id_hints_at_the_uuid() -> None:
    body = {
        "statusCode": 400,
        "code": "VALIDATION_ERROR",
        "message": "Request validation failed: id",
        "errors": [{"field": "id", "message": "must be a UUID"}],
    }
    script = Script(error(400, body))
    async with client_for(script) as client:
        with pytest.raises(InvalidRequestError) as caught:
            await client.quotes.get("not-a-uuid")
    assert caught.value.hint == "Pass a UUID id that exists for your tenant."


async def test_an_error_body_without_json_keeps_the_status_class() -> None:
    script = Script(raw(403, b"Forbidden by proxy", "text/plain"))
    async with client_for(script) as client:
        with pytest.raises(PermissionDeniedError) as caught:
            await client.invoices.list()
    assert "Forbidden by proxy" in caught.value.message
    assert caught.value.hint == "Grant the matching read or write scope."
