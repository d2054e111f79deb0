"""Lookups an agent needs to fill in a document: customers (with contacts), products (with price ids),
and the invoice a conversion produced."""

from typing import Annotated

import anyio
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from ledgerbee_mcp.api import Customer, LedgerBeeError
from ledgerbee_mcp.server.errors import api_errors, describe
from ledgerbee_mcp.server.inputs import LimitArg, PageArg, SearchArg
from ledgerbee_mcp.server.outputs import (
    ContactOut,
    CustomerOut,
    CustomerPage,
    PriceOut,
    ProductOut,
    ProductPage,
)
from ledgerbee_mcp.server.runtime import Runtime
from ledgerbee_mcp.server.tools.spec import READ, ToolSpec

__all__ = ["lookup_tools"]


def _next(page: int, total_pages: int) -> int | None:
    return page + 1 if page < total_pages else None


def list_customers(rt: Runtime) -> ToolSpec:
    async def list_customers(
        search: SearchArg = None,
        include_contacts: bool = False,
        page: PageArg = 1,
        limit: Annotated[int, Field(ge=1, le=100)] = 10,
    ) -> CustomerPage:
        with api_errors():
            result = await rt.client.customers.list(search=search, page=page, limit=limit)
        items = [CustomerOut(id=c.id, name=c.name, email=c.email, currency=c.currency) for c in result.data]
        if include_contacts:
            failures: list[LedgerBeeError] = []

            async def fill(out: CustomerOut, customer: Customer) -> None:
                try:
                    contacts = await rt.client.customers.contacts(customer.id)
                except LedgerBeeError as error:
                    # Kept, not raised: raised inside the task group it would reach the agent wrapped in an
                    # exception group, as a bare "Error executing tool".
                    failures.append(error)
                    return
                out.contacts = [ContactOut(id=k.id, name=k.name, email=k.email) for k in contacts]

            async with anyio.create_task_group() as tg:
                for out, customer in zip(items, result.data, strict=True):
                    tg.start_soon(fill, out, customer)
            if failures:
                raise ToolError(
                    f"The customers were found, but their contacts could not be read: {describe(failures[0])} "
                    "Call again, or without include_contacts."
                )
        return CustomerPage(
            items=items,
            page=result.page,
            total=result.total,
            total_pages=result.total_pages,
            next_page=_next(result.page, result.total_pages),
        )

    return ToolSpec(
        list_customers,
        "list_customers",
        "Find customers",
        "Find customers by name or e-mail, with e-mail and currency, and with include_contacts their contacts "
        "(for customer_contact_id).",
        READ,
    )


def list_products(rt: Runtime) -> ToolSpec:
    async def list_products(search: SearchArg = None, page: PageArg = 1, limit: LimitArg = 25) -> ProductPage:
        with api_errors():
            result = await rt.client.products.list(search=search, page=page, limit=limit)
        items = [
            ProductOut(
                id=p.id,
                name=p.name,
                description=p.description,
                prices=[
                    PriceOut(
                        price_id=pr.id,
                        name=pr.name,
                        unit_price=pr.unit_price,
                        currency=pr.currency,
                        vat_rate=pr.vat_rate,
                        line_type=str(pr.line_type),
                        status=str(pr.status),
                    )
                    for pr in p.prices
                ],
            )
            for p in result.data
        ]
        return ProductPage(
            items=items,
            page=result.page,
            total=result.total,
            total_pages=result.total_pages,
            next_page=_next(result.page, result.total_pages),
        )

    return ToolSpec(
        list_products,
        "list_products",
        "Find products and prices",
        "Find products with their prices (unit price excl. VAT, VAT rate, status); an active price_id on a line "
        "bills that price.",
        READ,
    )


def lookup_tools(rt: Runtime) -> list[ToolSpec]:
    return [list_customers(rt), list_products(rt)]
