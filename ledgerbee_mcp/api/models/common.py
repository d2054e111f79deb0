"""Types shared by every resource: money, enums, paging, document lines and the document field sets."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, ValidatorFunctionWrapHandler, WrapValidator
from pydantic.alias_generators import to_camel

__all__ = [
    "OPEN_ENUM",
    "ConvertDocument",
    "ConvertRequest",
    "ConvertResult",
    "DeliveryType",
    "DocumentCommon",
    "DocumentInputCommon",
    "DocumentType",
    "InvoiceDeliveryState",
    "InvoiceDisplayStatus",
    "InvoiceSortBy",
    "InvoiceStatus",
    "Line",
    "LineInput",
    "LineType",
    "Money",
    "OpenDeliveryType",
    "OpenInvoiceDeliveryState",
    "OpenInvoiceStatus",
    "OpenLineType",
    "OpenOrderConfirmationDisplayStatus",
    "OpenOrderConfirmationStatus",
    "OpenPriceStatus",
    "OpenQuoteDisplayStatus",
    "OpenQuoteStatus",
    "OrderConfirmationConvertTarget",
    "OrderConfirmationDisplayStatus",
    "OrderConfirmationSortBy",
    "OrderConfirmationStatus",
    "Page",
    "PriceStatus",
    "Quantity",
    "QuoteConvertTarget",
    "QuoteDisplayStatus",
    "QuoteSortBy",
    "QuoteStatus",
    "RequestModel",
    "ResponseModel",
    "SendRequest",
    "SortOrder",
    "VatRate",
]

logger = logging.getLogger("ledgerbee_mcp.api")


def _money_to_wire(value: Decimal) -> str:
    # Exactly what the caller gave, in plain notation ("1E+3" goes out as "1000"): rounding here would change
    # an amount behind the caller's back, so deciding how many decimals are acceptable is the caller's job.
    return format(value, "f")


def _quantity_to_wire(value: Decimal) -> int | float:
    # The API documents quantity as a JSON number; an integral one goes out without a fraction (2, not 2.0).
    if value == value.to_integral_value():
        return int(value)
    return float(value)


Money = Annotated[Decimal, Field(allow_inf_nan=False), PlainSerializer(_money_to_wire, return_type=str)]
"""An amount: `Decimal` here, a decimal string on the wire, exactly as given (never rounded on the way out)."""

Quantity = Annotated[Decimal, Field(allow_inf_nan=False), PlainSerializer(_quantity_to_wire)]
"""A line quantity: `Decimal` here, a JSON number on the wire."""

VatRate = Annotated[Decimal, Field(allow_inf_nan=False), PlainSerializer(str, return_type=str)]
"""A VAT rate in percent: `Decimal` here, a string such as `"25"` on the wire."""


def _keep_unknown(value: object, handler: ValidatorFunctionWrapHandler) -> object:
    result = handler(value)
    if not isinstance(result, Enum):
        # LedgerBee may add a status or line type before this client knows it: the document stays readable.
        logger.warning("LedgerBee sent a value this client does not know: %r (kept as is)", result)
    return result


OPEN_ENUM = WrapValidator(_keep_unknown)
"""Marks `Annotated[SomeEnum | str, Field(union_mode="left_to_right"), OPEN_ENUM]`: a known value becomes the
enum member, an unknown one stays a plain string and is logged."""


class RequestModel(BaseModel):
    """A request body: unknown fields are refused here rather than by the server."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        serialize_by_alias=True,
        defer_build=True,
        extra="forbid",
    )


class ResponseModel(BaseModel):
    """An answer of the API: fields the server adds later are kept (in `model_extra`), not refused."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        serialize_by_alias=True,
        defer_build=True,
        extra="allow",
    )


class QuoteStatus(StrEnum):
    """Stored lifecycle status of a quote."""

    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class QuoteDisplayStatus(StrEnum):
    """A quote's status as displayed (and as the list filter takes it): adds `expired` and `converted`."""

    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CONVERTED = "converted"


class OrderConfirmationStatus(StrEnum):
    """Stored lifecycle status of an order confirmation."""

    DRAFT = "draft"
    SENT = "sent"


class OrderConfirmationDisplayStatus(StrEnum):
    """An order confirmation's status as displayed (and as the list filter takes it): adds `converted`."""

    DRAFT = "draft"
    SENT = "sent"
    CONVERTED = "converted"


class InvoiceStatus(StrEnum):
    """Stored lifecycle status of an invoice."""

    DRAFT = "draft"
    SENT = "sent"


class InvoiceDisplayStatus(StrEnum):
    """An invoice's status as the list filter takes it (the sandbox derives no further state for invoices)."""

    DRAFT = "draft"
    SENT = "sent"


class InvoiceDeliveryState(StrEnum):
    """How an invoice was delivered, as `GET /v1/invoices/{id}/delivery-status` reports it (this project's shape)."""

    NOT_SENT = "not_sent"
    """Never sent."""
    SENT_MANUALLY = "sent_manually"
    """Last sent with `Manual` delivery: numbered and marked sent, nothing e-mailed."""
    EMAILED = "emailed"
    """Last sent with `Email` delivery, to `recipient_email`."""


class DocumentType(StrEnum):
    """The kind of a sales document (`type` of a document, `targetType` of a conversion)."""

    QUOTE = "quote"
    ORDER_CONFIRMATION = "orderConfirmation"
    INVOICE = "invoice"


class DeliveryType(StrEnum):
    """How a send delivers the document."""

    MANUAL = "Manual"
    """Allocate the number and mark sent; you deliver the PDF yourself."""
    EMAIL = "Email"
    """E-mail the rendered PDF to the resolved recipient."""


class QuoteConvertTarget(StrEnum):
    """What a quote can be converted into."""

    ORDER_CONFIRMATION = "orderConfirmation"
    INVOICE = "invoice"


class OrderConfirmationConvertTarget(StrEnum):
    """What an order confirmation can be converted into."""

    INVOICE = "invoice"


class SortOrder(StrEnum):
    """Direction of a list's `sort_by` (lists default to newest first)."""

    ASC = "ASC"
    DESC = "DESC"


class QuoteSortBy(StrEnum):
    """Fields a quote list can be sorted by."""

    DATE = "date"
    DOCUMENT_NUMBER = "documentNumber"
    AMOUNT = "amount"
    STATUS = "status"
    VALID_UNTIL = "validUntil"


class OrderConfirmationSortBy(StrEnum):
    """Fields an order confirmation list can be sorted by (no `validUntil`: only quotes carry it)."""

    DATE = "date"
    DOCUMENT_NUMBER = "documentNumber"
    AMOUNT = "amount"
    STATUS = "status"


class InvoiceSortBy(StrEnum):
    """Fields an invoice list can be sorted by (as for order confirmations: no `validUntil`)."""

    DATE = "date"
    DOCUMENT_NUMBER = "documentNumber"
    AMOUNT = "amount"
    STATUS = "status"


class LineType(StrEnum):
    """What a document line bills."""

    PRODUCT = "product"
    SUBSCRIPTION = "subscription"
    TEXT = "text"
    """A description-only line: no amounts, and it does not count as the required product line."""


class PriceStatus(StrEnum):
    """Lifecycle of a product price."""

    ACTIVE = "active"
    """Only an active price can be put on a line."""
    ARCHIVED = "archived"
    DISABLED = "disabled"


_OPEN = Field(union_mode="left_to_right")

OpenQuoteStatus = Annotated[QuoteStatus | str, _OPEN, OPEN_ENUM]
OpenQuoteDisplayStatus = Annotated[QuoteDisplayStatus | str, _OPEN, OPEN_ENUM]
OpenOrderConfirmationStatus = Annotated[OrderConfirmationStatus | str, _OPEN, OPEN_ENUM]
OpenOrderConfirmationDisplayStatus = Annotated[OrderConfirmationDisplayStatus | str, _OPEN, OPEN_ENUM]
OpenInvoiceStatus = Annotated[InvoiceStatus | str, _OPEN, OPEN_ENUM]
OpenInvoiceDeliveryState = Annotated[InvoiceDeliveryState | str, _OPEN, OPEN_ENUM]
OpenDeliveryType = Annotated[DeliveryType | str, _OPEN, OPEN_ENUM]
OpenLineType = Annotated[LineType | str, _OPEN, OPEN_ENUM]
OpenPriceStatus = Annotated[PriceStatus | str, _OPEN, OPEN_ENUM]

T = TypeVar("T")


class Page(ResponseModel, Generic[T]):
    """One page of a list answer."""

    data: list[T]
    """The items of this page."""
    total: int
    """Number of items matching the query, over all pages."""
    page: int
    """This page's number (1-indexed)."""
    limit: int
    """Maximum number of items per page."""
    total_pages: int
    """Number of pages available."""


class LineInput(RequestModel):
    """A document line in a request.

    With only `price_id`, description, unit price, VAT rate and line type come from the price; explicit fields
    override them. Without `price_id` a line needs `description` and `unit_price`.
    """

    price_id: str | None = None
    """Product price to bill."""
    description: str | None = None
    """Line text."""
    line_type: LineType | None = None
    """`product` (the server's default), `subscription` or `text`."""
    quantity: Quantity | None = None
    """Quantity (a JSON number on the wire)."""
    unit_price: Money | None = None
    """Unit price excluding VAT."""


class Line(ResponseModel):
    """A document line in an answer; amounts are computed by the server."""

    id: str
    """Line identifier. (The answer does not say which product price a line bills.)"""
    description: str | None = None
    """Line text."""
    line_type: OpenLineType = LineType.PRODUCT
    """`product`, `subscription` or `text` (a value this client does not know is kept as a string)."""
    quantity: Quantity
    """Quantity."""
    unit_price: Money
    """Unit price excluding VAT."""
    total_price: Money
    """`quantity x unit_price`, rounded half-up to 2 places."""
    vat_rate: VatRate
    """VAT rate in percent (`"25"` on the wire)."""
    vat_amount: Money
    """`total_price x vat_rate / 100`, rounded half-up to 2 places."""


class DocumentInputCommon(RequestModel):
    """The fields a create or update body of a quote or order confirmation shares."""

    customer_id: str
    """Customer this document is for."""
    date: dt.date
    """Document date."""
    lines: list[LineInput]
    """Line items (replaced wholesale on update); at least one product line."""
    customer_department_id: str | None = None
    """Customer department id."""
    customer_contact_id: str | None = None
    """Customer contact id ("Deres ref.")."""
    currency: str | None = None
    """Currency code, e.g. `DKK`."""
    reference: str | None = None
    """PO number ("PO-nr.")."""
    our_reference: str | None = None
    """Our reference ("Vores ref.")."""
    notes: str | None = None
    """Notes shown on the document."""


class ConvertDocument(RequestModel):
    """Overrides for the document a conversion produces; each field given replaces the copied value."""

    customer_id: str | None = None
    """Customer the produced document is for."""
    customer_department_id: str | None = None
    """Customer department id."""
    customer_contact_id: str | None = None
    """Customer contact id ("Deres ref.")."""
    date: dt.date | None = None
    """Document date."""
    currency: str | None = None
    """Currency code."""
    reference: str | None = None
    """PO number ("PO-nr.")."""
    our_reference: str | None = None
    """Our reference ("Vores ref.")."""
    notes: str | None = None
    """Notes."""
    lines: list[LineInput] | None = None
    """Line items; when given they replace the copied lines."""


class SendRequest(RequestModel):
    """Body of `POST /{id}/send`."""

    delivery_type: DeliveryType = DeliveryType.MANUAL
    """`Manual` (default) or `Email`."""
    recipient_email: str | None = None
    """Override recipient for an `Email` send; created as a contact of the customer if it is not one."""


class ConvertRequest(RequestModel):
    """Body of `POST /{id}/convert`."""

    target: QuoteConvertTarget | OrderConfirmationConvertTarget
    """What to convert into."""
    document: ConvertDocument | None = None
    """Overrides for the produced document; omit to copy the source verbatim."""


class ConvertResult(ResponseModel):
    """Answer of a conversion: the document it produced."""

    target_type: DocumentType
    """Type of the produced document (`orderConfirmation` or `invoice`)."""
    target_id: str
    """Identifier of the produced document."""


class DocumentCommon(ResponseModel):
    """The fields every sales document answer (quote, order confirmation, invoice) carries."""

    id: str
    """Document identifier."""
    document_number: str | None = None
    """Allocated document number (null until the first send)."""
    date: dt.date
    """Document date."""
    amount: Money
    """Total amount including VAT."""
    subtotal: Money
    """Subtotal excluding VAT."""
    vat: Money
    """Total VAT."""
    currency: str
    """Currency code."""
    reference: str | None = None
    """PO number ("PO-nr.")."""
    our_reference: str | None = None
    """Our reference ("Vores ref.")."""
    notes: str | None = None
    """Notes."""
    customer_id: str | None = None
    """Customer id. (The published answer has no contact or department: they can be set, not read back.)"""
    source_document_id: str | None = None
    """The document this one was converted from."""
    sent_at: dt.datetime | None = None
    """When the document was (last) sent."""
    created_at: dt.datetime
    """Created timestamp."""
    updated_at: dt.datetime
    """Updated timestamp."""
