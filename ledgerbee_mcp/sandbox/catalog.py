"""Queries for what documents refer to: the tenant's company, customers, contacts, products and prices."""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from decimal import Decimal

from ledgerbee_mcp.sandbox.clock import now_iso

__all__ = [
    "Company",
    "Contact",
    "Customer",
    "Price",
    "Product",
    "add_contact",
    "contacts_of",
    "get_company",
    "get_contact",
    "get_customer",
    "get_price",
    "list_customers",
    "list_products",
    "prices_of",
]


@dataclass(frozen=True)
class Company:
    id: str
    name: str
    street: str
    postal_code: str
    city: str
    country: str
    email: str | None
    vat_number: str | None
    currency: str


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    email: str | None
    currency: str
    vat_number: str | None
    street: str
    postal_code: str
    city: str
    country: str


@dataclass(frozen=True)
class Contact:
    id: str
    customer_id: str
    name: str
    email: str | None


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    description: str | None


@dataclass(frozen=True)
class Price:
    id: str
    product_id: str
    name: str
    unit_price: Decimal
    currency: str
    vat_rate: Decimal
    line_type: str
    status: str


_CUSTOMER_COLUMNS = "id, name, email, currency, vat_number, street, postal_code, city, country"
_PRICE_COLUMNS = "id, product_id, name, unit_price, currency, vat_rate, line_type, status"


def _customer(row: sqlite3.Row) -> Customer:
    return Customer(*row)


def _price(row: sqlite3.Row) -> Price:
    return Price(row[0], row[1], row[2], Decimal(row[3]), row[4], Decimal(row[5]), row[6], row[7])


def get_company(conn: sqlite3.Connection, tenant_id: str) -> Company:
    row = conn.execute(
        "SELECT id, name, street, postal_code, city, country, email, vat_number, currency"
        " FROM tenants WHERE id = ?",
        (tenant_id,),
    ).fetchone()
    if row is None:
        raise LookupError(f"tenant {tenant_id} is not seeded")
    return Company(*row)


def get_customer(conn: sqlite3.Connection, tenant_id: str, customer_id: str) -> Customer | None:
    row = conn.execute(
        f"SELECT {_CUSTOMER_COLUMNS} FROM customers WHERE tenant_id = ? AND id = ?",  # noqa: S608 -- constant column list
        (tenant_id, customer_id),
    ).fetchone()
    return None if row is None else _customer(row)


def _search_clause(search: str | None, columns: tuple[str, str]) -> tuple[str, list[object]]:
    if not search:
        return "", []
    needle = search.casefold()
    first, second = columns
    return (
        f" AND (instr(casefold({first}), ?) > 0 OR instr(casefold(coalesce({second}, '')), ?) > 0)",
        [needle, needle],
    )


def list_customers(
    conn: sqlite3.Connection, tenant_id: str, search: str | None, offset: int, limit: int
) -> tuple[list[Customer], int]:
    clause, params = _search_clause(search, ("name", "email"))
    where = f"WHERE tenant_id = ?{clause}"
    total: int = conn.execute(f"SELECT count(*) FROM customers {where}", [tenant_id, *params]).fetchone()[0]  # noqa: S608 -- clause is built from constants
    rows = conn.execute(
        f"SELECT {_CUSTOMER_COLUMNS} FROM customers {where} ORDER BY name, id LIMIT ? OFFSET ?",  # noqa: S608 -- same
        [tenant_id, *params, limit, offset],
    ).fetchall()
    return [_customer(r) for r in rows], total


def contacts_of(conn: sqlite3.Connection, tenant_id: str, customer_id: str) -> list[Contact]:
    rows = conn.execute(
        "SELECT id, customer_id, name, email FROM contacts WHERE tenant_id = ? AND customer_id = ?"
        " ORDER BY created_at, id",
        (tenant_id, customer_id),
    ).fetchall()
    return [Contact(*r) for r in rows]


def get_contact(conn: sqlite3.Connection, tenant_id: str, contact_id: str) -> Contact | None:
    row = conn.execute(
        "SELECT id, customer_id, name, email FROM contacts WHERE tenant_id = ? AND id = ?",
        (tenant_id, contact_id),
    ).fetchone()
    return None if row is None else Contact(*row)


def add_contact(
    conn: sqlite3.Connection, tenant_id: str, customer_id: str, name: str, email: str | None
) -> Contact:
    contact = Contact(str(uuid.uuid4()), customer_id, name, email)
    conn.execute(
        "INSERT INTO contacts (id, tenant_id, customer_id, name, email, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (contact.id, tenant_id, customer_id, name, email, now_iso()),
    )
    return contact


def list_products(
    conn: sqlite3.Connection, tenant_id: str, search: str | None, offset: int, limit: int
) -> tuple[list[Product], int]:
    clause, params = _search_clause(search, ("name", "description"))
    where = f"WHERE tenant_id = ?{clause}"
    total: int = conn.execute(f"SELECT count(*) FROM products {where}", [tenant_id, *params]).fetchone()[0]  # noqa: S608 -- clause is built from constants
    rows = conn.execute(
        f"SELECT id, name, description FROM products {where} ORDER BY name, id LIMIT ? OFFSET ?",  # noqa: S608 -- same
        [tenant_id, *params, limit, offset],
    ).fetchall()
    return [Product(*r) for r in rows], total


def prices_of(conn: sqlite3.Connection, tenant_id: str, product_ids: list[str]) -> dict[str, list[Price]]:
    found: dict[str, list[Price]] = {pid: [] for pid in product_ids}
    if not product_ids:
        return found
    marks = ", ".join("?" for _ in product_ids)
    rows = conn.execute(
        f"SELECT {_PRICE_COLUMNS} FROM prices WHERE tenant_id = ? AND product_id IN ({marks})"  # noqa: S608 -- placeholders only
        " ORDER BY product_id, position",
        [tenant_id, *product_ids],
    ).fetchall()
    for row in rows:
        price = _price(row)
        found[price.product_id].append(price)
    return found


def get_price(conn: sqlite3.Connection, tenant_id: str, price_id: str) -> Price | None:
    row = conn.execute(
        f"SELECT {_PRICE_COLUMNS} FROM prices WHERE tenant_id = ? AND id = ?",  # noqa: S608 -- constant column list
        (tenant_id, price_id),
    ).fetchone()
    return None if row is None else _price(row)
