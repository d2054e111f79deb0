"""`list_activity`: what was sent or converted, when, how, to whom, with which number and by which consent.

How and to whom exist only in this server's audit log; LedgerBee shows when a document was last sent (sentAt)
but not by whom. So the answer joins the two: the audit's rows, each with the document's customer, amount and
sentAt read from LedgerBee, and the documents LedgerBee shows as sent in the range that the audit has no record
of, flagged as sent outside this server. It says what it rests on: the audit's span, lines it could not read, and
how far LedgerBee's lists were scanned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

import anyio
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from ledgerbee_mcp.api import LedgerBeeError
from ledgerbee_mcp.server.activity_log import NOT_RECORDED, AuditEntry, AuditHistory, activity_rows, read_history
from ledgerbee_mcp.server.errors import describe
from ledgerbee_mcp.server.inputs import DocumentId
from ledgerbee_mcp.server.kinds import KINDS, DocKind, KindName
from ledgerbee_mcp.server.outputs import ActivityPage, ActivityRow
from ledgerbee_mcp.server.runtime import Runtime
from ledgerbee_mcp.server.tools.spec import READ, ToolSpec

__all__ = ["OUTSIDE", "activity_tools"]

OUTSIDE = "sent outside this server (no record of delivery or recipient here)"
AUDIT_OFF = "sent (LedgerBee's record; the audit is off, so how and to whom is not known here)"

SCAN_LIMIT = 1000
"""At most this many documents of each kind are listed to find what LedgerBee shows as sent in the range."""
READ_LIMIT = 100
"""At most this many documents are read one by one to join the audit's rows with LedgerBee."""
_PAGE = 100
_CONCURRENT = 8
_SAME_SEND = dt.timedelta(minutes=10)
"""An audit record this close to LedgerBee's sentAt is taken as the record of that send (clocks differ)."""
_SHOWN = frozenset({"done", NOT_RECORDED, "unknown"})


@dataclass(frozen=True)
class _Doc:
    """What LedgerBee shows of a document: from a list row or a read."""

    kind: KindName
    number: str | None
    customer_id: str | None
    amount: Decimal
    currency: str
    sent_at: dt.datetime | None


def _doc(kind: KindName, item: Any) -> _Doc:
    return _Doc(kind, item.document_number, item.customer_id, item.amount, item.currency, item.sent_at)


@dataclass
class _Scan:
    kind: DocKind
    scanned: int = 0
    complete: bool = False
    error: str | None = None


def _local_day(at: dt.datetime) -> dt.date:
    """The calendar day of a timestamp where the server runs, the day `today` is."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
    return aware.astimezone().date()


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min).astimezone()


async def _scan(rt: Runtime, scan: _Scan, customer_id: str | None, found: dict[str, _Doc]) -> None:
    """Page through the kind's documents, newest date first, up to `SCAN_LIMIT`."""
    listing = scan.kind.list(rt.client)
    page_no = 1
    try:
        while scan.scanned < SCAN_LIMIT:
            batch = await listing(page=page_no, limit=_PAGE, customer_id=customer_id, sort_by="date", sort_order="DESC")
            scan.scanned += len(batch.data)
            for item in batch.data:
                found[item.id] = _doc(scan.kind.name, item)
            if not batch.data or page_no >= batch.total_pages:
                scan.complete = True
                return
            page_no += 1
    except LedgerBeeError as error:
        # Kept, not raised: the audit's side still answers, and the note says what could not be read.
        scan.error = describe(error)


async def _read_missing(rt: Runtime, wanted: list[tuple[KindName, str]], found: dict[str, _Doc]) -> int:
    """Read the documents the rows name that the scan did not see; returns how many could not be read."""
    limiter = anyio.CapacityLimiter(_CONCURRENT)
    failed = 0

    async def one(kind: KindName, doc_id: str) -> None:
        nonlocal failed
        async with limiter:
            try:
                found[doc_id] = _doc(kind, await KINDS[kind].get(rt.client)(doc_id))
            except LedgerBeeError:
                failed += 1

    async with anyio.create_task_group() as tg:
        for kind, doc_id in wanted:
            tg.start_soon(one, kind, doc_id)
    return failed


async def _names(rt: Runtime, ids: set[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    limiter = anyio.CapacityLimiter(_CONCURRENT)

    async def one(customer_id: str) -> None:
        async with limiter:
            try:
                names[customer_id] = (await rt.client.customers.get(customer_id)).name
            except LedgerBeeError:
                return  # a name is a convenience: the row keeps its customer id

    async with anyio.create_task_group() as tg:
        for customer_id in ids:
            tg.start_soon(one, customer_id)
    return names


def _audit_row(entry: AuditEntry, outcome: str, doc: _Doc | None) -> ActivityRow:
    return ActivityRow(
        at=entry.at,
        action=entry.action,
        outcome=outcome,
        document_type=entry.document_type,
        document_id=entry.document_id,
        number=entry.document_number or (doc.number if doc else None),
        customer_id=doc.customer_id if doc else None,
        amount=doc.amount if doc else None,
        currency=doc.currency if doc else None,
        delivery_type=entry.delivery_type,
        recipient=entry.recipient,
        consent=entry.consent,
        batch=entry.batch,
        target=entry.target,
        produced_document_id=entry.produced_document_id,
        sent_at=doc.sent_at if doc else None,
        differences=list(entry.differences) or None,
        reason=entry.reason if outcome not in ("done", NOT_RECORDED) else None,
    )


def _recorded_send(entries: list[AuditEntry], doc_id: str, sent_at: dt.datetime) -> bool:
    """Whether the audit has this send: a send of the document attempted or done close to LedgerBee's sentAt."""
    return any(
        e.action == "send"
        and e.document_id == doc_id
        and e.outcome in ("attempt", "done", "unknown")
        and abs(e.at - sent_at) <= _SAME_SEND
        for e in entries
    )


def _span(found: AuditHistory) -> str:
    if found.first_at is None or found.last_at is None:
        return "no records yet"
    first, last = (at.isoformat(timespec="seconds") for at in (found.first_at, found.last_at))
    return f"records from {first} to {last}"


def _note(
    found: AuditHistory | None,
    scans: list[_Scan],
    *,
    unread: int,
    unmatched_customer: int,
    listed_sends: bool,
) -> str:
    parts: list[str] = []
    if found is None:
        parts.append(
            "The audit log is off (LEDGERBEE_AUDIT_LOG=off), so only LedgerBee's side is shown: when documents "
            "were sent, not how, to whom, by which consent, nor conversions."
        )
    else:
        where = "; ".join(found.sources) or "this server's audit log"
        skipped = f", {found.skipped} malformed line(s) skipped" if found.skipped else ""
        parts.append(f"Based on {where} ({_span(found)}{skipped}).")
    if listed_sends:
        seen = ", ".join(
            f"{s.kind.label}s: could not be read ({s.error})"
            if s.error
            else f"{s.kind.label}s: all {s.scanned}"
            if s.complete
            else f"{s.kind.label}s: the {s.scanned} newest by date only (sends of older ones may be missing)"
            for s in scans
        )
        parts.append(f"LedgerBee's lists scanned for sentAt in the range: {seen}.")
        if found is not None:
            parts.append("LedgerBee shows no conversion time, so conversions made outside this server are not listed.")
    if unread:
        parts.append(f"{unread} document(s) could not be read from LedgerBee: their rows have no customer or amount.")
    if unmatched_customer:
        parts.append(f"{unmatched_customer} row(s) whose customer could not be read were left out by customer_id.")
    return " ".join(parts)


def list_activity(rt: Runtime) -> ToolSpec:
    async def list_activity(
        date_from: Annotated[dt.date | None, Field(description="Default today.")] = None,
        date_to: Annotated[dt.date | None, Field(description="Inclusive; default today.")] = None,
        action: Literal["send", "convert", "all"] = "all",
        document_type: Literal["quote", "order_confirmation", "invoice", "all"] = "all",
        customer_id: DocumentId | None = None,
        include_refused: Annotated[
            bool, Field(description="Also refusals, declines, pending confirmations and actions not done.")
        ] = False,
        limit: Annotated[int, Field(ge=1, le=100)] = 50,
    ) -> ActivityPage:
        today = rt.today()
        if date_from is None and date_to is None:
            date_from = date_to = today
        elif date_from is None:
            assert date_to is not None
            date_from = min(today, date_to)
        elif date_to is None:
            date_to = max(today, date_from)
        if date_from > date_to:
            raise ToolError(f"date_from {date_from} is after date_to {date_to}; nothing was read.")
        start, end = _day_start(date_from), _day_start(date_to + dt.timedelta(days=1))

        def in_range(at: dt.datetime) -> bool:
            return date_from <= _local_day(at) <= date_to

        kinds = [k for k in KINDS.values() if document_type in ("all", k.name)]
        names_of_kinds = {k.name for k in kinds}

        found: AuditHistory | None = None
        rows: list[tuple[AuditEntry, str]] = []
        if rt.audit.path is not None:
            # A day either side, so an attempt and its outcome pair up across the range's edges.
            margin = dt.timedelta(days=1)
            found = await anyio.to_thread.run_sync(lambda: read_history(rt, since=start - margin, until=end + margin))
            rows = [
                (entry, outcome)
                for entry, outcome in activity_rows(found.entries)
                if in_range(entry.at)
                and action in ("all", entry.action)
                and entry.document_type in names_of_kinds
                and (include_refused or outcome in _SHOWN)
            ]

        docs: dict[str, _Doc] = {}
        listed_sends = action in ("send", "all")
        scans = [_Scan(k) for k in kinds] if listed_sends else []
        async with anyio.create_task_group() as tg:
            for scan in scans:
                tg.start_soon(_scan, rt, scan, customer_id, docs)

        wanted: dict[str, KindName] = {}
        for entry, _ in rows:
            kind_name: KindName = next(k.name for k in kinds if k.name == entry.document_type)  # rows are of these
            if entry.document_id not in docs:
                wanted.setdefault(entry.document_id, kind_name)
        to_read: list[tuple[KindName, str]] = [(kind, doc_id) for doc_id, kind in wanted.items()]
        unread = len(to_read[READ_LIMIT:])
        unread += await _read_missing(rt, to_read[:READ_LIMIT], docs)

        items = [_audit_row(entry, outcome, docs.get(entry.document_id)) for entry, outcome in rows]
        unmatched_customer = 0
        if customer_id is not None:
            unmatched_customer = sum(1 for row in items if row.customer_id is None)
            items = [row for row in items if row.customer_id == customer_id]

        if listed_sends:
            entries = found.entries if found is not None else []
            for doc_id, doc in docs.items():
                if doc.sent_at is None or not in_range(doc.sent_at) or doc.kind not in names_of_kinds:
                    continue
                if customer_id is not None and doc.customer_id != customer_id:
                    continue
                if found is not None and _recorded_send(entries, doc_id, doc.sent_at):
                    continue
                items.append(
                    ActivityRow(
                        at=doc.sent_at,
                        action="send",
                        outcome=OUTSIDE if found is not None else AUDIT_OFF,
                        document_type=doc.kind,
                        document_id=doc_id,
                        number=doc.number,
                        customer_id=doc.customer_id,
                        amount=doc.amount,
                        currency=doc.currency,
                        sent_at=doc.sent_at,
                    )
                )

        items.sort(key=lambda row: row.at, reverse=True)
        total = len(items)
        items = items[:limit]
        names = await _names(rt, {row.customer_id for row in items if row.customer_id})
        for row in items:
            row.customer_name = names.get(row.customer_id or "")
        return ActivityPage(
            items=items,
            total=total,
            date_from=date_from,
            date_to=date_to,
            today=today,
            audit="off" if found is None else "on",
            skipped_lines=found.skipped if found is not None else 0,
            note=_note(found, scans, unread=unread, unmatched_customer=unmatched_customer, listed_sends=listed_sends),
        )

    return ToolSpec(
        list_activity,
        "list_activity",
        "What was sent or converted",
        "What was sent or converted in a date range (default: today): when, how, to whom, number, customer, "
        "amount, consent, and what a conversion produced; from the audit log and LedgerBee's sentAt (sends made "
        "elsewhere are flagged); `note` says what it rests on.",
        READ,
    )


def activity_tools(rt: Runtime) -> list[ToolSpec]:
    return [list_activity(rt)]
