"""Quote, order confirmation and invoice, described once as data: the tools, the resources and the guarded flow
are written against this table, so a kind differs from another only here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ledgerbee_mcp.api import ConvertResult, LedgerBeeClient

__all__ = ["INVOICE", "KINDS", "ORDER_CONFIRMATION", "QUOTE", "DocKind", "KindName"]

KindName = Literal["quote", "order_confirmation", "invoice"]
AnyDocument = Any  # Quote | OrderConfirmation | Invoice, kept loose so the table stays import-free at start-up


@dataclass(frozen=True)
class DocKind:
    name: KindName
    label: str
    """How a person reads it: "quote", "order confirmation", "invoice"."""
    article: str
    """"a" or "an", for messages."""
    plural: str
    """Tool-name plural: quotes, order_confirmations, invoices."""
    id_arg: str
    """The tools' argument for its id."""
    segment: str
    """The path segment in API paths and `ledgerbee://` URIs."""
    toolset: str
    display_statuses: tuple[str, ...]
    sort_fields: tuple[str, ...]
    convert_targets: tuple[str, ...]
    """What it converts into, as the API names the targets; empty when it does not convert."""
    converts_from: str = "a sent"
    """Which ones convert, for the tool's description."""
    convert_note: str = ""
    has_valid_until: bool = False
    has_draft_pdf: bool = True
    drafts: bool = True
    """Whether this server offers create/update tools for it."""

    @property
    def a(self) -> str:
        return f"{self.article} {self.label}"

    def get(self, client: LedgerBeeClient) -> Callable[[str], Awaitable[AnyDocument]]:
        return _resource(client, self).get

    def send(self, client: LedgerBeeClient) -> Callable[..., Awaitable[AnyDocument]]:
        return _resource(client, self).send

    def convert(self, client: LedgerBeeClient) -> Callable[..., Awaitable[ConvertResult]]:
        return _resource(client, self).convert

    def list(self, client: LedgerBeeClient) -> Callable[..., Awaitable[Any]]:
        return _resource(client, self).list

    def pdf(self, client: LedgerBeeClient) -> Callable[..., Awaitable[bytes]]:
        return _resource(client, self).pdf


def _resource(client: LedgerBeeClient, kind: DocKind) -> Any:
    return getattr(client, kind.plural)


QUOTE = DocKind(
    name="quote",
    label="quote",
    article="a",
    plural="quotes",
    id_arg="quote_id",
    segment="quotes",
    toolset="quotes",
    display_statuses=("draft", "sent", "accepted", "rejected", "expired", "converted"),
    sort_fields=("date", "documentNumber", "amount", "status", "validUntil"),
    convert_targets=("orderConfirmation", "invoice"),
    converts_from="a sent or accepted",
    convert_note=" (how a quote reaches the books)",
    has_valid_until=True,
)

ORDER_CONFIRMATION = DocKind(
    name="order_confirmation",
    label="order confirmation",
    article="an",
    plural="order_confirmations",
    id_arg="order_confirmation_id",
    segment="order-confirmations",
    toolset="order_confirmations",
    display_statuses=("draft", "sent", "converted"),
    sort_fields=("date", "documentNumber", "amount", "status"),
    convert_targets=("invoice",),
)

INVOICE = DocKind(
    name="invoice",
    label="invoice",
    article="an",
    plural="invoices",
    id_arg="invoice_id",
    segment="invoices",
    toolset="invoices",
    display_statuses=("draft", "sent"),
    sort_fields=("date", "documentNumber", "amount", "status"),
    convert_targets=(),
    # The API has no draft switch for invoices: one that is still a draft renders watermarked anyway.
    has_draft_pdf=False,
    drafts=False,
)

KINDS: dict[KindName, DocKind] = {k.name: k for k in (QUOTE, ORDER_CONFIRMATION, INVOICE)}
