"""Customers and their contacts: `/v1/customers` (shapes defined by this project: docs/api-contract.md)."""

from __future__ import annotations

from typing import Generic, TypeAlias, TypeVar

from ledgerbee_mcp.api.models.common import Page, ResponseModel

__all__ = ["Address", "Contact", "Customer", "CustomerList", "DataEnvelope"]

T = TypeVar("T")


class Address(ResponseModel):
    """A postal address."""

    street: str | None = None
    """Street and number."""
    postal_code: str | None = None
    """Postal code."""
    city: str | None = None
    """City."""
    country: str | None = None
    """Country."""


class Customer(ResponseModel):
    """A customer."""

    id: str
    """Customer identifier."""
    name: str
    """Customer name."""
    email: str | None = None
    """The customer's e-mail (the last fallback recipient of an e-mail send)."""
    currency: str | None = None
    """The customer's currency code."""
    vat_number: str | None = None
    """VAT registration number."""
    address: Address | None = None
    """Postal address."""


CustomerList: TypeAlias = Page[Customer]


class Contact(ResponseModel):
    """A contact person of a customer."""

    id: str
    """Contact identifier."""
    customer_id: str
    """The customer this contact belongs to."""
    name: str
    """Contact name."""
    email: str | None = None
    """The contact's e-mail."""


class DataEnvelope(ResponseModel, Generic[T]):
    """An unpaged list answer `{data: [...]}`."""

    data: list[T]
    """The items."""
