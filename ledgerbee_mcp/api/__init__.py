"""Typed async client for the LedgerBee billing REST API.

    async with LedgerBeeClient(api_key=key) as client:
        quote = await client.quotes.get(quote_id)

The contract it is written against is docs/api-contract.md.
"""

from typing import TYPE_CHECKING, Any

from ledgerbee_mcp.api.errors import (
    AlreadyConvertedError,
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    ConvertRequiresSentError,
    DocumentLockedError,
    FieldError,
    InvalidRequestError,
    LedgerBeeError,
    MalformedResponseError,
    MissingRecipientError,
    NotFoundError,
    OutcomeUnknown,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from ledgerbee_mcp.api.models import (
    Address,
    Contact,
    ConvertDocument,
    ConvertRequest,
    ConvertResult,
    Customer,
    CustomerList,
    DeliveryType,
    DocumentType,
    Invoice,
    InvoiceList,
    InvoiceListItem,
    InvoiceStatus,
    Line,
    LineInput,
    LineType,
    Money,
    OrderConfirmation,
    OrderConfirmationConvertTarget,
    OrderConfirmationCreate,
    OrderConfirmationDisplayStatus,
    OrderConfirmationList,
    OrderConfirmationListItem,
    OrderConfirmationSortBy,
    OrderConfirmationStatus,
    OrderConfirmationUpdate,
    Page,
    Price,
    PriceStatus,
    Product,
    ProductList,
    Quantity,
    Quote,
    QuoteConvertTarget,
    QuoteCreate,
    QuoteDisplayStatus,
    QuoteList,
    QuoteListItem,
    QuoteSortBy,
    QuoteStatus,
    QuoteUpdate,
    SendRequest,
    SortOrder,
    VatRate,
)

if TYPE_CHECKING:
    from ledgerbee_mcp.api._client import DEFAULT_BASE_URL, LedgerBeeClient

__all__ = [
    "DEFAULT_BASE_URL",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "Address",
    "AlreadyConvertedError",
    "AuthenticationError",
    "Contact",
    "ConvertDocument",
    "ConvertRequest",
    "ConvertRequiresSentError",
    "ConvertResult",
    "Customer",
    "CustomerList",
    "DeliveryType",
    "DocumentLockedError",
    "DocumentType",
    "FieldError",
    "InvalidRequestError",
    "Invoice",
    "InvoiceList",
    "InvoiceListItem",
    "InvoiceStatus",
    "LedgerBeeClient",
    "LedgerBeeError",
    "Line",
    "LineInput",
    "LineType",
    "MalformedResponseError",
    "MissingRecipientError",
    "Money",
    "NotFoundError",
    "OrderConfirmation",
    "OrderConfirmationConvertTarget",
    "OrderConfirmationCreate",
    "OrderConfirmationDisplayStatus",
    "OrderConfirmationList",
    "OrderConfirmationListItem",
    "OrderConfirmationSortBy",
    "OrderConfirmationStatus",
    "OrderConfirmationUpdate",
    "OutcomeUnknown",
    "Page",
    "PermissionDeniedError",
    "Price",
    "PriceStatus",
    "Product",
    "ProductList",
    "Quantity",
    "Quote",
    "QuoteConvertTarget",
    "QuoteCreate",
    "QuoteDisplayStatus",
    "QuoteList",
    "QuoteListItem",
    "QuoteSortBy",
    "QuoteStatus",
    "QuoteUpdate",
    "RateLimitError",
    "SendRequest",
    "ServerError",
    "SortOrder",
    "VatRate",
]


def __getattr__(name: str) -> Any:
    # The client (and with it httpx and stamina) loads on first use: a server answering `tools/list` needs
    # the models and errors, not the HTTP stack, and its cold start pays for every import.
    if name in ("LedgerBeeClient", "DEFAULT_BASE_URL"):
        from ledgerbee_mcp.api import _client

        return getattr(_client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
