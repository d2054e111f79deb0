"""Queries for documents (quotes, order confirmations, invoices), their lines, numbers, outbox and events.

Functions take the connection of the caller's transaction (see `db.Database`); none of them commits.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from decimal import Decimal

from ledgerbee_mcp.sandbox.clock import real_today
from ledgerbee_mcp.sandbox.kinds import DocumentKind, KindName
from ledgerbee_mcp.sandbox.money import minor_units
from ledgerbee_mcp.sandbox.statuses import DISPLAY_STATUS_SQL, display_status_filter, tally_status_filter

__all__ = [
    "DocumentRecord",
    "EventRecord",
    "LineRecord",
    "ListQuery",
    "OutboxRecord",
    "add_event",
    "add_outbox",
    "allocate_number",
    "get_document",
    "get_lines",
    "insert_document",
    "last_event",
    "list_documents",
    "list_events",
    "list_outbox",
    "replace_lines",
    "save_document",
    "set_today",
    "tenant_today",
]


@dataclass(frozen=True)
class LineRecord:
    id: str
    position: int
    price_id: str | None
    description: str
    line_type: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    total_price: Decimal
    vat_amount: Decimal


@dataclass(frozen=True)
class DocumentRecord:
    id: str
    tenant_id: str
    kind: KindName
    status: str
    document_number: str | None
    number_seq: int | None
    date: str
    valid_until: str | None
    due_date: str | None
    currency: str
    reference: str | None
    our_reference: str | None
    notes: str | None
    customer_id: str
    customer_contact_id: str | None
    customer_department_id: str | None
    source_document_id: str | None
    converted_to_document_id: str | None
    converted_to_invoice_id: str | None
    subtotal: Decimal
    vat: Decimal
    amount: Decimal
    sent_at: str | None
    created_at: str
    updated_at: str
    version: int
    # Derived on read (statuses.DISPLAY_STATUS_SQL); ignored on write.
    display_status: str = ""

    @property
    def converted(self) -> bool:
        return self.converted_to_document_id is not None or self.converted_to_invoice_id is not None


_STORED = tuple(f.name for f in fields(DocumentRecord) if f.name != "display_status")
_MONEY = {"subtotal", "vat", "amount"}
_SELECT = f"SELECT {', '.join(_STORED)}, {DISPLAY_STATUS_SQL} AS display_status FROM documents"  # noqa: S608 -- constants
_LINE_COLUMNS = tuple(f.name for f in fields(LineRecord))


def _document(row: sqlite3.Row | tuple[object, ...]) -> DocumentRecord:
    names = (*_STORED, "display_status")
    values = [Decimal(v) if name in _MONEY else v for name, v in zip(names, row, strict=True)]
    return DocumentRecord(*values)  # pyright: ignore[reportArgumentType] -- column order mirrors the fields


def _document_params(doc: DocumentRecord) -> dict[str, object]:
    params: dict[str, object] = {
        name: (str(value) if isinstance(value, Decimal) else value)
        for name, value in zip(_STORED, astuple(doc)[: len(_STORED)], strict=True)
    }
    params["amount_minor"] = minor_units(doc.amount)
    return params


def tenant_today(conn: sqlite3.Connection, tenant_id: str) -> dt.date:
    row = conn.execute("SELECT today_override FROM tenants WHERE id = ?", (tenant_id,)).fetchone()
    if row is None or row[0] is None:
        return real_today()
    return dt.date.fromisoformat(row[0])


def set_today(conn: sqlite3.Connection, tenant_id: str, today: dt.date | None) -> None:
    conn.execute(
        "UPDATE tenants SET today_override = ? WHERE id = ?",
        (None if today is None else today.isoformat(), tenant_id),
    )


def get_document(
    conn: sqlite3.Connection, tenant_id: str, kind: KindName, doc_id: str, today: dt.date
) -> DocumentRecord | None:
    row = conn.execute(
        f"{_SELECT} WHERE tenant_id = :tenant AND kind = :kind AND id = :id",
        {"tenant": tenant_id, "kind": kind, "id": doc_id, "today": today.isoformat()},
    ).fetchone()
    return None if row is None else _document(row)


def insert_document(conn: sqlite3.Connection, doc: DocumentRecord, lines: Sequence[LineRecord]) -> None:
    params = _document_params(doc)
    columns = ", ".join(params)
    marks = ", ".join(f":{name}" for name in params)
    conn.execute(f"INSERT INTO documents ({columns}) VALUES ({marks})", params)  # noqa: S608 -- column names are field names
    replace_lines(conn, doc.id, lines)


def save_document(conn: sqlite3.Connection, doc: DocumentRecord) -> None:
    """Write every stored column of `doc` (its version is expected to be bumped by the caller)."""
    params = _document_params(doc)
    assignments = ", ".join(f"{name} = :{name}" for name in params if name not in {"id", "tenant_id", "kind"})
    conn.execute(f"UPDATE documents SET {assignments} WHERE id = :id", params)  # noqa: S608 -- same


def get_lines(conn: sqlite3.Connection, doc_id: str) -> list[LineRecord]:
    rows = conn.execute(
        f"SELECT {', '.join(_LINE_COLUMNS)} FROM document_lines WHERE document_id = ? ORDER BY position",  # noqa: S608 -- constant columns
        (doc_id,),
    ).fetchall()
    return [
        LineRecord(r[0], r[1], r[2], r[3], r[4], *(Decimal(v) for v in r[5:]))
        for r in rows
    ]


def replace_lines(conn: sqlite3.Connection, doc_id: str, lines: Sequence[LineRecord]) -> None:
    conn.execute("DELETE FROM document_lines WHERE document_id = ?", (doc_id,))
    conn.executemany(
        "INSERT INTO document_lines (document_id, id, position, price_id, description, line_type, quantity,"
        " unit_price, vat_rate, total_price, vat_amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(doc_id, *(str(v) if isinstance(v, Decimal) else v for v in astuple(line))) for line in lines],
    )


def allocate_number(conn: sqlite3.Connection, tenant_id: str, kind: DocumentKind) -> tuple[int, str]:
    """The next number of this type for this tenant; gap-free because it only moves inside a transaction."""
    conn.execute(
        "INSERT OR IGNORE INTO counters (tenant_id, kind, next_value) VALUES (?, ?, ?)",
        (tenant_id, kind.name, kind.number_start),
    )
    row = conn.execute(
        "UPDATE counters SET next_value = next_value + 1 WHERE tenant_id = ? AND kind = ?"
        " RETURNING next_value - 1",
        (tenant_id, kind.name),
    ).fetchone()
    seq = int(row[0])
    return seq, str(seq)


@dataclass(frozen=True)
class ListQuery:
    page: int = 1
    limit: int = 25
    status: str | None = None
    customer_id: str | None = None
    sort_by: str | None = None
    descending: bool = True


_SORT_COLUMNS = {
    "date": "date",
    "documentNumber": "number_seq",
    "amount": "amount_minor",
    "status": "status",
    "validUntil": "valid_until",
}


def list_documents(
    conn: sqlite3.Connection, tenant_id: str, kind: KindName, query: ListQuery, today: dt.date
) -> tuple[list[DocumentRecord], int]:
    """One page and the total; every filter, the derived status and the order run in SQL on indexes."""
    where = ["tenant_id = :tenant", "kind = :kind"]
    params: dict[str, object] = {"tenant": tenant_id, "kind": kind, "today": today.isoformat()}
    if query.status is not None:
        where.append(display_status_filter(query.status))
        params["status"] = query.status
    if query.customer_id is not None:
        where.append("customer_id = :customer")
        params["customer"] = query.customer_id
    clause = " AND ".join(where)
    direction = "DESC" if query.descending else "ASC"
    # Without sortBy, "newest first" is by the document's date, then by creation (documents_by_date). Every
    # sort ends with the same direction on (created_at, id) so one index serves order and tie-break.
    order = [f"{_SORT_COLUMNS[query.sort_by or 'date']} {direction}", f"created_at {direction}", f"id {direction}"]
    if query.customer_id is None:
        # Without a customer filter the total comes from the tallies (a few rows, whatever the volume).
        tally_where = ["tenant_id = :tenant", "kind = :kind"]
        if query.status is not None:
            tally_where.append(tally_status_filter(query.status))
        total_sql = f"SELECT coalesce(sum(n), 0) FROM document_tallies WHERE {' AND '.join(tally_where)}"  # noqa: S608 -- fragments are constants
    else:
        total_sql = f"SELECT count(*) FROM documents WHERE {clause}"  # noqa: S608 -- same
    total: int = conn.execute(total_sql, params).fetchone()[0]
    params.update(limit=query.limit, offset=(query.page - 1) * query.limit)
    rows = conn.execute(
        f"{_SELECT} WHERE {clause} ORDER BY {', '.join(order)} LIMIT :limit OFFSET :offset", params
    ).fetchall()
    return [_document(r) for r in rows], total


@dataclass(frozen=True)
class OutboxRecord:
    id: str
    to: str
    subject: str
    document_type: str
    document_id: str
    document_number: str | None
    pdf_bytes: int
    sent_at: str


@dataclass(frozen=True)
class EventRecord:
    id: str
    topic: str
    document_type: str
    document_id: str
    created_at: str
    payload: str  # JSON text


def add_outbox(conn: sqlite3.Connection, tenant_id: str, mail: OutboxRecord) -> None:
    conn.execute(
        "INSERT INTO outbox (id, tenant_id, to_email, subject, document_type, document_id, document_number,"
        " pdf_bytes, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (mail.id, tenant_id, mail.to, mail.subject, mail.document_type, mail.document_id,
         mail.document_number, mail.pdf_bytes, mail.sent_at),
    )


def list_outbox(conn: sqlite3.Connection, tenant_id: str) -> list[OutboxRecord]:
    rows = conn.execute(
        "SELECT id, to_email, subject, document_type, document_id, document_number, pdf_bytes, sent_at"
        " FROM outbox WHERE tenant_id = ? ORDER BY seq",
        (tenant_id,),
    ).fetchall()
    return [OutboxRecord(*r) for r in rows]


def add_event(conn: sqlite3.Connection, tenant_id: str, event: EventRecord) -> None:
    conn.execute(
        "INSERT INTO events (id, tenant_id, topic, document_type, document_id, created_at, payload)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (event.id, tenant_id, event.topic, event.document_type, event.document_id, event.created_at,
         event.payload),
    )


def list_events(conn: sqlite3.Connection, tenant_id: str) -> list[EventRecord]:
    rows = conn.execute(
        "SELECT id, topic, document_type, document_id, created_at, payload FROM events"
        " WHERE tenant_id = ? ORDER BY seq",
        (tenant_id,),
    ).fetchall()
    return [EventRecord(*r) for r in rows]


def last_event(conn: sqlite3.Connection, tenant_id: str, document_id: str, topic: str) -> EventRecord | None:
    """The newest event of `topic` about one document, or None."""
    row = conn.execute(
        "SELECT id, topic, document_type, document_id, created_at, payload FROM events"
        " WHERE tenant_id = ? AND document_id = ? AND topic = ? ORDER BY seq DESC LIMIT 1",
        (tenant_id, document_id, topic),
    ).fetchone()
    return None if row is None else EventRecord(*row)
