"""What differs between the document types, as data: routes and rules are written once against this."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["INVOICE", "KINDS", "ORDER_CONFIRMATION", "QUOTE", "DocumentKind", "KindName"]

KindName = Literal["quote", "orderConfirmation", "invoice"]


@dataclass(frozen=True)
class DocumentKind:
    name: KindName
    path: str  # collection path segment under /v1
    label: str  # how messages and e-mail subjects name it
    read_scope: str
    write_scope: str
    stored_statuses: tuple[str, ...]
    display_statuses: tuple[str, ...]
    sort_fields: tuple[str, ...]
    convert_targets: tuple[KindName, ...]
    number_start: int
    has_valid_until: bool = False
    has_due_date: bool = False
    # Only quotes (and invoices) carry a `type` field in their answers.
    type_field: bool = False
    # An order confirmation's PATCH body may set its stored status.
    patch_sets_status: bool = False
    # Create (POST) and update (PATCH) are served. Invoices: the reference names "Create a draft invoice" but
    # prints no body for it, so the sandbox makes invoices by conversion only and serves no invoice PATCH.
    editable: bool = True
    # Schema names as the reference pages print them (`PublicQuote`, ...); False: this project's own names.
    published_schemas: bool = True
    # `GET /{id}/delivery-status` is served (the reference lists it for invoices; its shape is this project's).
    has_delivery_status: bool = False
    # What a send's `deliveryType` other than Manual or Email is told.
    delivery_refusal: str = "must be Manual or Email (there is no e-invoice delivery for this type)"

    def event_topic(self, action: Literal["sent", "converted"]) -> str:
        return f"{self.name}.{action}"


QUOTE = DocumentKind(
    name="quote",
    path="quotes",
    label="Quote",
    read_scope="quotes-read",
    write_scope="quotes-write",
    stored_statuses=("draft", "sent", "accepted", "rejected"),
    display_statuses=("draft", "sent", "accepted", "rejected", "expired", "converted"),
    sort_fields=("date", "documentNumber", "amount", "status", "validUntil"),
    convert_targets=("orderConfirmation", "invoice"),
    number_start=1001,
    has_valid_until=True,
    type_field=True,
)

ORDER_CONFIRMATION = DocumentKind(
    name="orderConfirmation",
    path="order-confirmations",
    label="Order confirmation",
    read_scope="order-confirmations-read",
    write_scope="order-confirmations-write",
    stored_statuses=("draft", "sent"),
    display_statuses=("draft", "sent", "converted"),
    sort_fields=("date", "documentNumber", "amount", "status"),
    convert_targets=("invoice",),
    number_start=5001,
    patch_sets_status=True,
)

INVOICE = DocumentKind(
    name="invoice",
    path="invoices",
    label="Invoice",
    read_scope="invoices-read",
    write_scope="invoices-write",
    stored_statuses=("draft", "sent"),
    display_statuses=("draft", "sent"),
    sort_fields=("date", "documentNumber", "amount", "status"),
    convert_targets=(),
    number_start=10001,
    has_due_date=True,
    type_field=True,
    editable=False,
    published_schemas=False,
    has_delivery_status=True,
    # The quote page: "Sproom / e-invoice does not apply to quotes": for invoices it may, but no page says how.
    delivery_refusal="must be Manual or Email (the sandbox does not emulate e-invoice delivery)",
)

KINDS: dict[KindName, DocumentKind] = {k.name: k for k in (QUOTE, ORDER_CONFIRMATION, INVOICE)}
