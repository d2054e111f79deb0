"""`LedgerBeeClient`: the entry point, owning one keep-alive HTTP connection pool."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import httpx

from ledgerbee_mcp import __version__
from ledgerbee_mcp.api._http import HttpCore
from ledgerbee_mcp.api._secrets import SecretAuth, SecretStr
from ledgerbee_mcp.api.resources import (
    CustomersResource,
    InvoicesResource,
    OrderConfirmationsResource,
    PricesResource,
    ProductsResource,
    QuotesResource,
)

__all__ = ["DEFAULT_BASE_URL", "LedgerBeeClient"]

DEFAULT_BASE_URL = "https://api.ledgerbee.com/api"


def _credential(value: str | None, name: str) -> SecretStr | None:
    if value is None:
        return None
    # A header value must be visible ASCII; checked here so that httpx never reports the value itself.
    if not value or not value.isascii() or not value.isprintable() or any(ch.isspace() for ch in value):
        raise ValueError(f"{name} must be a non-empty string of visible ASCII characters")
    return SecretStr(value)


class LedgerBeeClient:
    """Async client of the LedgerBee billing API.

    Give exactly one of `api_key` (sent as `x-api-key`) or `access_token` (an OAuth token, sent as
    `Authorization: Bearer`). Use it as an async context manager, or call `aclose()` when done.

    Reads and updates are retried on transient failures (at most `read_attempts` attempts within
    `retry_timeout` seconds); create, send and convert are never retried (see `OutcomeUnknown`).
    """

    quotes: QuotesResource
    order_confirmations: OrderConfirmationsResource
    customers: CustomersResource
    products: ProductsResource
    prices: PricesResource
    invoices: InvoicesResource

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str | None = None,
        access_token: str | None = None,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        read_attempts: int = 4,
        retry_timeout: float = 20.0,
    ) -> None:
        if (api_key is None) == (access_token is None):
            raise ValueError("pass exactly one of api_key or access_token")
        if read_attempts < 1:
            raise ValueError("read_attempts must be >= 1")
        if retry_timeout <= 0 or timeout <= 0:
            raise ValueError("timeout and retry_timeout must be > 0")
        auth = SecretAuth(
            api_key=_credential(api_key, "api_key"), access_token=_credential(access_token, "access_token")
        )
        self._core = HttpCore(
            base_url=base_url,
            auth=auth,
            user_agent=f"ledgerbee-mcp/{__version__}",
            timeout=timeout,
            transport=transport,
            read_attempts=read_attempts,
            retry_timeout=retry_timeout,
        )
        self.quotes = QuotesResource(self._core)
        self.order_confirmations = OrderConfirmationsResource(self._core)
        self.customers = CustomersResource(self._core)
        self.products = ProductsResource(self._core)
        self.prices = PricesResource(self._core)
        self.invoices = InvoicesResource(self._core)

    def __repr__(self) -> str:
        state = "closed" if self._core.is_closed else "open"
        return f"LedgerBeeClient(base_url={self._core.base_url!r}, {state})"

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._core.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
