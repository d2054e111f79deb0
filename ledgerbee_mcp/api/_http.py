"""The transport core: one keep-alive `httpx.AsyncClient`, retries for safe calls, none for unsafe ones.

Reads (GET) and the idempotent update (PATCH) are retried on connection failures, timeouts, 408, 429 and
5xx, with exponential backoff and jitter, honouring `Retry-After`. Create, send and convert (POST) are sent
once: when it cannot be known whether one took effect, `OutcomeUnknown` says so instead of a retry that could
send an e-mail twice or convert twice.

Every httpx exception is turned into one of ours outside the `except` block, so no exception we raise chains
to an httpx one (whose request carries the credential header).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import httpx
import stamina
from pydantic import BaseModel

from ledgerbee_mcp.api import errors as e
from ledgerbee_mcp.api._responses import api_error, excerpt, parse_model, request_id, retry_after_seconds
from ledgerbee_mcp.api._secrets import SecretAuth, SecretStr

__all__ = ["HttpCore"]

logger = logging.getLogger("ledgerbee_mcp.api")

M = TypeVar("M", bound=BaseModel)
Params = Mapping[str, str | int]

# Backoff between retries: 0.25 s, 0.5 s, 1 s ... capped at 8 s, plus up to 0.5 s of jitter.
_WAIT_INITIAL: Final = 0.25
_WAIT_MAX: Final = 8.0
_WAIT_JITTER: Final = 0.5
_RETRY_STATUSES: Final = frozenset({408, 429})

# Failures that happen before any byte of the request reached the server: repeating those is always safe.
_NOT_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


@dataclass(frozen=True, slots=True)
class _Failure:
    """A transport failure, reduced to words (the httpx exception itself is not kept)."""

    cause: str
    timeout: bool
    request_sent: bool


class _Retryable(Exception):
    """Carries a retryable outcome of one attempt through stamina; never leaves this module."""

    def __init__(self, outcome: e.APIError | _Failure, retry_after: float | None) -> None:
        super().__init__(type(outcome).__name__)
        self.outcome = outcome
        self.retry_after = retry_after


class HttpCore:
    def __init__(
        self,
        *,
        base_url: str,
        auth: SecretAuth,
        user_agent: str,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None,
        read_attempts: int,
        retry_timeout: float,
    ) -> None:
        self._secret: SecretStr = auth.secret
        self._read_attempts = read_attempts
        self._retry_timeout = retry_timeout
        self._client = httpx.AsyncClient(
            base_url=base_url,
            auth=auth,
            headers={"User-Agent": user_agent},
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"HttpCore(base_url={str(self._client.base_url)!r})"

    @property
    def base_url(self) -> str:
        return str(self._client.base_url)

    @property
    def is_closed(self) -> bool:
        return self._client.is_closed

    async def aclose(self) -> None:
        await self._client.aclose()

    def _redact(self, text: str) -> str:
        return self._secret.redact(text)

    # -- public entry points used by the resources ---------------------------------------------------------

    async def get_model(self, path: str, model: type[M], *, expected: str, params: Params | None = None) -> M:
        response = await self._retrying("GET", path, params=params, body=None, accept="application/json")
        return parse_model(response, model, expected=expected, method="GET", path=path, redact=self._redact)

    async def get_pdf(self, path: str, *, params: Params | None = None) -> bytes:
        response = await self._retrying("GET", path, params=params, body=None, accept="application/pdf")
        body = response.content
        # A PDF ends with %%EOF (trailing whitespace allowed): without it the file was cut off in transit.
        if not body.startswith(b"%PDF-") or b"%%EOF" not in body[-64:]:
            raise e.MalformedResponseError(
                expected="a whole PDF document (application/pdf, from %PDF- to %%EOF)",
                status_code=response.status_code,
                content_type=response.headers.get("content-type"),
                excerpt=excerpt(response, self._redact),
                method="GET",
                path=path,
                request_id=request_id(response, self._redact),
            )
        return body

    async def idempotent_write(
        self, method: str, path: str, body: dict[str, Any], model: type[M], *, expected: str
    ) -> M:
        response = await self._retrying(method, path, params=None, body=body, accept="application/json")
        return parse_model(response, model, expected=expected, method=method, path=path, redact=self._redact)

    async def unsafe_write(
        self,
        path: str,
        body: dict[str, Any],
        model: type[M],
        *,
        expected: str,
        action: str,
        document_id: str | None,
    ) -> M:
        """POST once. A failure after the request may have gone out raises `OutcomeUnknown`."""
        method = "POST"
        outcome = await self._attempt(method, path, params=None, body=body, accept="application/json", attempt=1)
        if isinstance(outcome, _Failure):
            if not outcome.request_sent:
                raise self._connection_error(method, path, outcome, attempts=1)
            raise e.OutcomeUnknown(
                action=action,
                method=method,
                path=path,
                document_id=document_id,
                attempted=body,
                cause=outcome.cause,
            )
        if outcome.is_success:
            return parse_model(outcome, model, expected=expected, method=method, path=path, redact=self._redact)
        error = api_error(outcome, method=method, path=path, redact=self._redact)
        if outcome.status_code >= 500:
            raise e.OutcomeUnknown(
                action=action,
                method=method,
                path=path,
                document_id=document_id,
                attempted=body,
                cause=f"the server failed with {error.status_code}"
                + (f" {error.code}" if error.code else "")
                + f": {error.message}",
                status_code=error.status_code,
                request_id=error.request_id,
            )
        raise error

    # -- internals ------------------------------------------------------------------------------------------

    def _connection_error(self, method: str, path: str, failure: _Failure, *, attempts: int) -> e.APIConnectionError:
        cls = e.APITimeoutError if failure.timeout else e.APIConnectionError
        return cls(
            method=method,
            path=path,
            cause=failure.cause,
            request_sent=failure.request_sent,
            attempts=attempts,
        )

    async def _attempt(
        self,
        method: str,
        path: str,
        *,
        params: Params | None,
        body: dict[str, Any] | None,
        accept: str,
        attempt: int,
    ) -> httpx.Response | _Failure:
        started = time.perf_counter()
        response: httpx.Response | None = None
        failure: _Failure | None = None
        try:
            response = await self._client.request(method, path, params=params, json=body, headers={"Accept": accept})
        except httpx.HTTPError as exc:
            failure = _Failure(
                cause=self._redact(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__),
                timeout=isinstance(exc, httpx.TimeoutException),
                request_sent=not isinstance(exc, _NOT_SENT),
            )
        except httpx.InvalidURL as exc:
            failure = _Failure(cause=self._redact(f"invalid URL: {exc}"), timeout=False, request_sent=False)
        elapsed_ms = (time.perf_counter() - started) * 1000
        if response is None:
            failure = failure or _Failure(cause="no response", timeout=False, request_sent=True)
            logger.warning(
                "%s %s failed after %.0f ms: %s (attempt %d)",
                method,
                path,
                elapsed_ms,
                failure.cause,
                attempt,
            )
            return failure
        logger.info(
            "%s %s -> %d in %.0f ms (request id %s, attempt %d)",
            method,
            path,
            response.status_code,
            elapsed_ms,
            request_id(response, self._redact) or "-",
            attempt,
        )
        return response

    async def _retrying(
        self, method: str, path: str, *, params: Params | None, body: dict[str, Any] | None, accept: str
    ) -> httpx.Response:
        """Send a safe-to-repeat request, retrying transient failures; answer the 2xx response or raise."""
        attempt_no = 0
        started = time.monotonic()

        async def once() -> httpx.Response:
            outcome = await self._attempt(method, path, params=params, body=body, accept=accept, attempt=attempt_no)
            if isinstance(outcome, _Failure):
                raise _Retryable(outcome, None)
            if outcome.is_success:
                return outcome
            error = api_error(outcome, method=method, path=path, redact=self._redact)
            if outcome.status_code in _RETRY_STATUSES or outcome.status_code >= 500:
                raise _Retryable(error, retry_after_seconds(outcome))
            raise error

        def should_retry(exc: Exception) -> bool | float:
            if not isinstance(exc, _Retryable):
                return False
            remaining = self._retry_timeout - (time.monotonic() - started)
            if exc.retry_after is not None and exc.retry_after > remaining:
                # Waiting past the retry budget is the caller's decision; the error carries retry_after.
                return False
            if attempt_no < self._read_attempts:
                wait = "backoff" if exc.retry_after is None else f"{exc.retry_after:.1f} s (Retry-After)"
                logger.info("%s %s: retrying after attempt %d, wait %s", method, path, attempt_no, wait)
            return True if exc.retry_after is None else exc.retry_after

        last: _Retryable | None = None
        try:
            async for attempt in stamina.retry_context(
                on=should_retry,
                attempts=self._read_attempts,
                timeout=self._retry_timeout,
                wait_initial=_WAIT_INITIAL,
                wait_max=_WAIT_MAX,
                wait_jitter=_WAIT_JITTER,
            ):
                with attempt:
                    attempt_no = attempt.num
                    return await once()
        except _Retryable as exhausted:
            last = exhausted
        if last is None:
            raise RuntimeError("retry loop ended without an outcome")
        # Raised outside the except block: the internal carrier must not show up as the context.
        if isinstance(last.outcome, _Failure):
            raise self._connection_error(method, path, last.outcome, attempts=attempt_no)
        raise last.outcome
