"""The resource objects a `LedgerBeeClient` exposes (`client.quotes`, `client.customers`, ...)."""

from ledgerbee_mcp.api.resources.customers import CustomersResource
from ledgerbee_mcp.api.resources.invoices import InvoicesResource
from ledgerbee_mcp.api.resources.order_confirmations import OrderConfirmationsResource
from ledgerbee_mcp.api.resources.prices import PricesResource
from ledgerbee_mcp.api.resources.products import ProductsResource
from ledgerbee_mcp.api.resources.quotes import QuotesResource

__all__ = [
    "CustomersResource",
    "InvoicesResource",
    "OrderConfirmationsResource",
    "PricesResource",
    "ProductsResource",
    "QuotesResource",
]
