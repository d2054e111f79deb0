"""HTTP routes of the supporting reads: customers, contacts, products, prices (invoices: routes_documents).

Their shapes are this project's own (docs/api-contract.md, "Supporting reads"), kept in shapes.py.
"""

from __future__ import annotations

import sqlite3

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ledgerbee_mcp.sandbox import catalog
from ledgerbee_mcp.sandbox.errors import not_found
from ledgerbee_mcp.sandbox.shapes import Json, contact_json, customer_json, page_json, price_json, product_json
from ledgerbee_mcp.sandbox.validation import page_query, path_id
from ledgerbee_mcp.sandbox.web import caller, database, json_response

__all__ = ["catalog_routes"]

CUSTOMERS_READ = "customers-read"
PRODUCTS_READ = "products-read"


async def list_customers(request: Request) -> Response:
    principal = caller(request, CUSTOMERS_READ)
    page, limit = page_query(request.query_params)
    search = request.query_params.get("search") or None

    def work(conn: sqlite3.Connection) -> Json:
        found, total = catalog.list_customers(conn, principal.tenant_id, search, (page - 1) * limit, limit)
        return page_json([customer_json(c) for c in found], total, page, limit)

    return json_response(await database(request).aread(work))


def _customer(conn: sqlite3.Connection, tenant_id: str, customer_id: str) -> catalog.Customer:
    customer = catalog.get_customer(conn, tenant_id, customer_id)
    if customer is None:
        raise not_found("Customer", customer_id)
    return customer


async def get_customer(request: Request) -> Response:
    principal = caller(request, CUSTOMERS_READ)
    customer_id = path_id(request.path_params["id"])

    def work(conn: sqlite3.Connection) -> Json:
        return customer_json(_customer(conn, principal.tenant_id, customer_id))

    return json_response(await database(request).aread(work))


async def list_contacts(request: Request) -> Response:
    principal = caller(request, CUSTOMERS_READ)
    customer_id = path_id(request.path_params["id"])

    def work(conn: sqlite3.Connection) -> Json:
        _customer(conn, principal.tenant_id, customer_id)
        return {"data": [contact_json(c) for c in catalog.contacts_of(conn, principal.tenant_id, customer_id)]}

    return json_response(await database(request).aread(work))


async def list_products(request: Request) -> Response:
    principal = caller(request, PRODUCTS_READ)
    page, limit = page_query(request.query_params)
    search = request.query_params.get("search") or None

    def work(conn: sqlite3.Connection) -> Json:
        found, total = catalog.list_products(conn, principal.tenant_id, search, (page - 1) * limit, limit)
        prices = catalog.prices_of(conn, principal.tenant_id, [p.id for p in found])
        return page_json([product_json(p, prices[p.id]) for p in found], total, page, limit)

    return json_response(await database(request).aread(work))


async def get_price(request: Request) -> Response:
    principal = caller(request, PRODUCTS_READ)
    price_id = path_id(request.path_params["id"])

    def work(conn: sqlite3.Connection) -> Json:
        price = catalog.get_price(conn, principal.tenant_id, price_id)
        if price is None:
            raise not_found("Product price", price_id)
        return price_json(price)

    return json_response(await database(request).aread(work))


def catalog_routes() -> list[Route]:
    return [
        Route("/v1/customers", list_customers, methods=["GET"]),
        Route("/v1/customers/{id}", get_customer, methods=["GET"]),
        Route("/v1/customers/{id}/contacts", list_contacts, methods=["GET"]),
        Route("/v1/products", list_products, methods=["GET"]),
        Route("/v1/product-prices/{id}", get_price, methods=["GET"]),
    ]
