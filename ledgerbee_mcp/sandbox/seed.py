"""The deterministic seed: two tenants, their customers, contacts, products and prices.

Ids are constants so tests, demos and benchmarks can name them. Every amount is in DKK.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ledgerbee_mcp.sandbox.clock import now_iso

__all__ = [
    "CONTACT_LARS_ID",
    "CONTACT_METTE_EMAIL",
    "CONTACT_METTE_ID",
    "CUSTOMER_BOLGE_EMAIL",
    "CUSTOMER_BOLGE_ID",
    "CUSTOMER_FJORD_EMAIL",
    "CUSTOMER_FJORD_ID",
    "CUSTOMER_HALVO_ID",
    "OTHER_CUSTOMER_ID",
    "OTHER_PRICE_ID",
    "OTHER_TENANT_ID",
    "PRICE_ARCHIVED_ID",
    "PRICE_EXPORT_ID",
    "PRICE_SUBSCRIPTION_ID",
    "PRICE_WORKSHOP_ID",
    "PRODUCT_EXPORT_ID",
    "PRODUCT_SUBSCRIPTION_ID",
    "PRODUCT_WORKSHOP_ID",
    "TENANT_ID",
    "seed_tenant",
]

# Tenant behind `lb_sandbox_full` and `lb_sandbox_readonly`: Nordlys ApS, Copenhagen.
TENANT_ID = "5eed0000-0000-4000-8000-000000000001"
# Tenant behind `lb_sandbox_other`, so "another tenant's id answers 404" can be shown.
OTHER_TENANT_ID = "5eed0000-0000-4000-8000-000000000002"

# A customer with an e-mail and two contacts (Mette has an e-mail, Lars has none).
CUSTOMER_FJORD_ID = "5eed0001-0000-4000-8000-000000000001"
CUSTOMER_FJORD_EMAIL = "indkob@fjordfoods.dk"
CONTACT_METTE_ID = "5eed0002-0000-4000-8000-000000000001"
CONTACT_METTE_EMAIL = "mette.larsen@fjordfoods.dk"
CONTACT_LARS_ID = "5eed0002-0000-4000-8000-000000000002"
# A customer with an e-mail and no contacts.
CUSTOMER_BOLGE_ID = "5eed0001-0000-4000-8000-000000000002"
CUSTOMER_BOLGE_EMAIL = "hej@bolgedesign.dk"
# A customer with neither e-mail nor contacts: an Email send to it needs `recipientEmail`.
CUSTOMER_HALVO_ID = "5eed0001-0000-4000-8000-000000000003"

PRODUCT_WORKSHOP_ID = "5eed0003-0000-4000-8000-000000000001"
PRICE_WORKSHOP_ID = "5eed0004-0000-4000-8000-000000000001"  # one-off, 12,500.00 at 25% VAT
PRODUCT_SUBSCRIPTION_ID = "5eed0003-0000-4000-8000-000000000002"
PRICE_SUBSCRIPTION_ID = "5eed0004-0000-4000-8000-000000000002"  # monthly, 1,495.00 at 25% VAT
PRICE_ARCHIVED_ID = "5eed0004-0000-4000-8000-000000000003"  # the old monthly price, archived
PRODUCT_EXPORT_ID = "5eed0003-0000-4000-8000-000000000003"
PRICE_EXPORT_ID = "5eed0004-0000-4000-8000-000000000004"  # 0% VAT service, 4,000.00

OTHER_CUSTOMER_ID = "5eed0001-0000-4000-8000-000000000101"
OTHER_PRICE_ID = "5eed0004-0000-4000-8000-000000000101"
_OTHER_PRODUCT_ID = "5eed0003-0000-4000-8000-000000000101"


@dataclass(frozen=True)
class _Customer:
    id: str
    name: str
    email: str | None
    vat_number: str | None
    street: str
    postal_code: str
    city: str


@dataclass(frozen=True)
class _Price:
    id: str
    name: str
    unit_price: str
    vat_rate: str
    line_type: str
    status: str


@dataclass(frozen=True)
class _Product:
    id: str
    name: str
    description: str | None
    prices: tuple[_Price, ...]


@dataclass(frozen=True)
class _Tenant:
    id: str
    name: str
    street: str
    postal_code: str
    city: str
    email: str
    vat_number: str
    customers: tuple[_Customer, ...]
    contacts: tuple[tuple[str, str, str, str | None], ...]  # id, customer id, name, e-mail
    products: tuple[_Product, ...]


_TENANTS: dict[str, _Tenant] = {
    TENANT_ID: _Tenant(
        id=TENANT_ID,
        name="Nordlys ApS",
        street="Store Kongensgade 40",
        postal_code="1264",
        city="København K",
        email="faktura@nordlys.dk",
        vat_number="DK41234567",
        customers=(
            _Customer(CUSTOMER_FJORD_ID, "Fjord Foods A/S", CUSTOMER_FJORD_EMAIL, "DK38765432",
                      "Havnegade 12", "8000", "Aarhus C"),
            _Customer(CUSTOMER_BOLGE_ID, "Bølge Design ApS", CUSTOMER_BOLGE_EMAIL, "DK29871234",
                      "Jægersborggade 7", "2200", "København N"),
            _Customer(CUSTOMER_HALVO_ID, "Halvø Tømrerfirma", None, None,
                      "Strandvejen 3", "5700", "Svendborg"),
        ),
        contacts=(
            (CONTACT_METTE_ID, CUSTOMER_FJORD_ID, "Mette Larsen", CONTACT_METTE_EMAIL),
            (CONTACT_LARS_ID, CUSTOMER_FJORD_ID, "Lars Holm", None),
        ),
        products=(
            _Product(PRODUCT_WORKSHOP_ID, "Consulting workshop", "Full-day on-site process workshop",
                     (_Price(PRICE_WORKSHOP_ID, "Workshop day", "12500.00", "25", "product", "active"),)),
            _Product(PRODUCT_SUBSCRIPTION_ID, "Bookkeeping subscription", "Monthly bookkeeping service",
                     (_Price(PRICE_SUBSCRIPTION_ID, "Monthly", "1495.00", "25", "subscription", "active"),
                      _Price(PRICE_ARCHIVED_ID, "Monthly (2025 list price)", "1295.00", "25", "subscription",
                             "archived"))),
            _Product(PRODUCT_EXPORT_ID, "Export advisory", "Advisory for customers outside the EU",
                     (_Price(PRICE_EXPORT_ID, "Advisory package", "4000.00", "0", "product", "active"),)),
        ),
    ),
    OTHER_TENANT_ID: _Tenant(
        id=OTHER_TENANT_ID,
        name="Sydhavn Revision ApS",
        street="Sluseholmen 2",
        postal_code="2450",
        city="København SV",
        email="bogholderi@sydhavnrevision.dk",
        vat_number="DK39998877",
        customers=(
            _Customer(OTHER_CUSTOMER_ID, "Amager Bryghus ApS", "ordre@amagerbryghus.dk", "DK30112233",
                      "Kastrupvej 9", "2300", "København S"),
        ),
        contacts=(),
        products=(
            _Product(_OTHER_PRODUCT_ID, "Annual audit", None,
                     (_Price(OTHER_PRICE_ID, "Audit", "18000.00", "25", "product", "active"),)),
        ),
    ),
}

TENANT_IDS: tuple[str, ...] = tuple(_TENANTS)


def seed_tenant(conn: sqlite3.Connection, tenant_id: str, *, catalog: bool = True) -> None:
    """Insert one tenant's seed rows; the caller has wiped that tenant first and holds the transaction.

    `catalog=False` inserts the tenant's company only (no customers, contacts or products).
    """
    t = _TENANTS[tenant_id]
    conn.execute(
        "INSERT INTO tenants (id, name, street, postal_code, city, country, email, vat_number, currency)"
        " VALUES (?, ?, ?, ?, ?, 'DK', ?, ?, 'DKK')",
        (t.id, t.name, t.street, t.postal_code, t.city, t.email, t.vat_number),
    )
    if not catalog:
        return
    conn.executemany(
        "INSERT INTO customers (id, tenant_id, name, email, currency, vat_number, street, postal_code, city,"
        " country) VALUES (?, ?, ?, ?, 'DKK', ?, ?, ?, ?, 'DK')",
        [(c.id, t.id, c.name, c.email, c.vat_number, c.street, c.postal_code, c.city) for c in t.customers],
    )
    created = now_iso()
    conn.executemany(
        "INSERT INTO contacts (id, tenant_id, customer_id, name, email, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(cid, t.id, customer, name, email, created) for cid, customer, name, email in t.contacts],
    )
    for product in t.products:
        conn.execute(
            "INSERT INTO products (id, tenant_id, name, description) VALUES (?, ?, ?, ?)",
            (product.id, t.id, product.name, product.description),
        )
        conn.executemany(
            "INSERT INTO prices (id, tenant_id, product_id, name, unit_price, currency, vat_rate, line_type,"
            " status, position) VALUES (?, ?, ?, ?, ?, 'DKK', ?, ?, ?, ?)",
            [
                (p.id, t.id, product.id, p.name, p.unit_price, p.vat_rate, p.line_type, p.status, pos)
                for pos, p in enumerate(product.prices)
            ],
        )
