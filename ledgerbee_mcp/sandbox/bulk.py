"""Synthetic documents in bulk, for benchmarks and scale tests (not reachable over HTTP)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from decimal import Decimal

from starlette.applications import Starlette

from ledgerbee_mcp.sandbox import seed
from ledgerbee_mcp.sandbox.clock import real_today
from ledgerbee_mcp.sandbox.db import Database
from ledgerbee_mcp.sandbox.kinds import KINDS, KindName
from ledgerbee_mcp.sandbox.money import format_money, line_amounts, minor_units

__all__ = ["bulk_insert_documents"]

_CUSTOMERS = (seed.CUSTOMER_FJORD_ID, seed.CUSTOMER_BOLGE_ID, seed.CUSTOMER_HALVO_ID)
# Stored states cycled through, per kind; "converted" sets a (synthetic) forward link instead of a status.
_STATES: dict[KindName, tuple[str, ...]] = {
    "quote": ("draft", "sent", "sent", "accepted", "rejected", "converted", "draft", "sent"),
    "orderConfirmation": ("draft", "sent", "converted", "sent"),
    "invoice": ("draft", "sent"),
}


def bulk_insert_documents(
    target: Starlette | Database,
    count: int,
    *,
    today: dt.date | None = None,
    kind: KindName = "quote",
    tenant_id: str = seed.TENANT_ID,
) -> int:
    """Insert `count` synthetic documents of `kind` (one line each) for the seeded customers, in one transaction.

    Statuses, dates (the year before `today`), amounts and customers vary so that every filter and sort has
    work to do; about a third of the sent quotes are expired against `today`. Sent documents get real,
    gap-free numbers. Returns `count`.
    """
    database = target if isinstance(target, Database) else target.state.database
    if not isinstance(database, Database):
        raise TypeError("target must be a sandbox app (create_app) or its Database")
    document_kind = KINDS[kind]
    base_day = today or real_today()
    created_base = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=count + 1)
    states = _STATES[kind]

    def work(conn: sqlite3.Connection) -> int:
        conn.execute(
            "INSERT OR IGNORE INTO counters (tenant_id, kind, next_value) VALUES (?, ?, ?)",
            (tenant_id, kind, document_kind.number_start),
        )
        next_number: int = conn.execute(
            "SELECT next_value FROM counters WHERE tenant_id = ? AND kind = ?", (tenant_id, kind)
        ).fetchone()[0]
        documents: list[tuple[object, ...]] = []
        lines: list[tuple[object, ...]] = []
        for i in range(count):
            doc_id = str(uuid.uuid4())
            state = states[i % len(states)]
            converted = state == "converted"
            status = "sent" if converted else state
            number: int | None = None
            if status != "draft":
                number = next_number
                next_number += 1
            date = base_day - dt.timedelta(days=i % 365)
            valid_until = date + dt.timedelta(days=(i % 3) * 30 + 1) if document_kind.has_valid_until else None
            unit_price = Decimal(1000) + Decimal(i % 97) * Decimal("13.50")
            quantity = Decimal(1 + i % 5)
            amounts = line_amounts(quantity, unit_price, Decimal(25))
            total = amounts.total_price + amounts.vat_amount
            created = (created_base + dt.timedelta(seconds=i)).isoformat(timespec="microseconds")
            created = created.replace("+00:00", "Z")
            documents.append((
                doc_id, tenant_id, kind, status, None if number is None else str(number), number,
                date.isoformat(), None if valid_until is None else valid_until.isoformat(),
                (date + dt.timedelta(days=14)).isoformat() if document_kind.has_due_date else None,
                "DKK", f"PO-{i}", _CUSTOMERS[i % len(_CUSTOMERS)],
                str(uuid.uuid4()) if converted and kind == "quote" and i % 2 else None,
                str(uuid.uuid4()) if converted and not (kind == "quote" and i % 2) else None,
                format_money(amounts.total_price), format_money(amounts.vat_amount), format_money(total),
                minor_units(total), created if status != "draft" else None, created, created,
            ))
            lines.append((
                str(uuid.uuid4()), doc_id, 0, None, f"Synthetic line {i}", "product", str(quantity),
                str(unit_price), "25", format_money(amounts.total_price), format_money(amounts.vat_amount),
            ))
        conn.executemany(
            "INSERT INTO documents (id, tenant_id, kind, status, document_number, number_seq, date, valid_until,"
            " due_date, currency, reference, customer_id, converted_to_document_id, converted_to_invoice_id,"
            " subtotal, vat, amount, amount_minor, sent_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            documents,
        )
        conn.executemany(
            "INSERT INTO document_lines (id, document_id, position, price_id, description, line_type, quantity,"
            " unit_price, vat_rate, total_price, vat_amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            lines,
        )
        conn.execute(
            "UPDATE counters SET next_value = ? WHERE tenant_id = ? AND kind = ?", (next_number, tenant_id, kind)
        )
        return count

    return database.write(work)
