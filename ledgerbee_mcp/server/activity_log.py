"""Reading the audit log back: what this server sent or converted, for `list_activity`.

The reader never fails on what it finds: a line that is not JSON, or a record without the fields an entry needs,
is skipped and counted. Records come from sources (`audit_sources`): today the server's own JSON-lines file; a
stream shared by several replicas is one more source there, and `history` merges them in time order, so the tool
does not change when one is added.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from ledgerbee_mcp.server.runtime import Runtime

__all__ = [
    "NOT_RECORDED",
    "AuditEntry",
    "AuditHistory",
    "RecordSource",
    "activity_rows",
    "audit_sources",
    "file_records",
    "history",
    "read_history",
]

NOT_RECORDED = "attempted, outcome not recorded"
"""An attempt with no outcome after it: the server stopped (or is still waiting) after asking LedgerBee."""

_AFTER_ATTEMPT = frozenset({"done", "refused", "unknown", "not_done", "cancelled"})
"""Outcomes that close an attempt (a refusal after an attempt is LedgerBee's error: nothing was done)."""
_BEFORE_ATTEMPT = frozenset({"declined", "confirmation_required"})

RecordSource = Callable[[], Iterable[object]]
"""Yields record dicts, or anything else for a record that could not be read (it is counted as skipped)."""


@dataclass(frozen=True)
class AuditEntry:
    action: str
    document_type: str
    document_id: str
    outcome: str
    at: dt.datetime
    """When it was recorded, timezone-aware."""
    consent: str | None = None
    delivery_type: str | None = None
    recipient: str | None = None
    target: str | None = None
    document_number: str | None = None
    produced_document_id: str | None = None
    differences: tuple[str, ...] = ()
    reason: str | None = None
    batch: str | None = None


@dataclass
class AuditHistory:
    """The entries read, oldest first, and what could not be read."""

    entries: list[AuditEntry] = field(default_factory=list[AuditEntry])
    skipped: int = 0
    """Lines or records skipped as malformed."""
    first_at: dt.datetime | None = None
    """The oldest record seen in any source (whether or not inside the window asked for)."""
    last_at: dt.datetime | None = None
    sources: list[str] = field(default_factory=list[str])
    """What was read, for the answer's note."""


def _text(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    return value if isinstance(value, str) and value else None


def _timestamp(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        at = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


def parse_record(raw: object) -> AuditEntry | None:
    """One record as the audit writes it, or None when it lacks what an entry needs."""
    if not isinstance(raw, dict):
        return None
    record = cast(dict[str, Any], raw)
    action, kind, doc_id, outcome = (_text(record, k) for k in ("action", "document_type", "document_id", "outcome"))
    at = _timestamp(record.get("at"))
    if action is None or kind is None or doc_id is None or outcome is None or at is None:
        return None
    found = record.get("differences")
    differences = tuple(str(d) for d in cast(list[object], found)) if isinstance(found, list) else ()
    return AuditEntry(
        action=action,
        document_type=kind,
        document_id=doc_id,
        outcome=outcome,
        at=at,
        consent=_text(record, "consent"),
        delivery_type=_text(record, "delivery_type"),
        recipient=_text(record, "recipient"),
        target=_text(record, "target"),
        document_number=_text(record, "document_number"),
        produced_document_id=_text(record, "produced_document_id"),
        differences=differences,
        reason=_text(record, "reason"),
        batch=_text(record, "batch"),
    )


def file_records(path: Path) -> RecordSource:
    """The records of a JSON-lines file; a missing file has none, a line that is not JSON yields None."""

    def read() -> Iterator[object]:
        try:
            fh = path.open("rb")
        except FileNotFoundError:
            return
        with fh:
            for line in fh:
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except ValueError:  # not JSON, or not UTF-8
                    yield None

    return read


def history(
    records: Iterable[object], *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> AuditHistory:
    """The valid entries among `records` (from any number of sources), in time order; entries outside
    [since, until] are counted in the span but not kept."""
    out = AuditHistory()
    for raw in records:
        entry = parse_record(raw)
        if entry is None:
            out.skipped += 1
            continue
        if out.first_at is None or entry.at < out.first_at:
            out.first_at = entry.at
        if out.last_at is None or entry.at > out.last_at:
            out.last_at = entry.at
        if (since is None or entry.at >= since) and (until is None or entry.at <= until):
            out.entries.append(entry)
    out.entries.sort(key=lambda e: e.at)  # stable: one source's order is kept between equal times
    return out


def audit_sources(rt: Runtime) -> list[tuple[str, RecordSource]]:
    """Where audit records are read from, each with how the note names it; empty when the audit is off."""
    path = rt.audit.path
    return [] if path is None else [(f"this server's audit log {path}", file_records(path))]


def read_history(rt: Runtime, *, since: dt.datetime | None = None, until: dt.datetime | None = None) -> AuditHistory:
    """Every source's records merged (blocking: run it in a worker thread)."""
    sources = audit_sources(rt)

    def merged() -> Iterator[object]:
        for _, source in sources:
            yield from source()

    found = history(merged(), since=since, until=until)
    found.sources = [name for name, _ in sources]
    return found


def activity_rows(entries: Iterable[AuditEntry]) -> list[tuple[AuditEntry, str]]:
    """Each action once, with how it ended: the outcome that closed an attempt (`done`, `unknown`, ...), an
    attempt nothing closed as `NOT_RECORDED`, and the answers given before any attempt (declined, refused,
    confirmation_required) as they are. Entries must be in time order."""
    rows: list[tuple[AuditEntry, str]] = []
    pending: dict[tuple[str, str], AuditEntry] = {}
    for entry in entries:
        key = (entry.action, entry.document_id)
        if entry.outcome == "attempt":
            earlier = pending.pop(key, None)
            if earlier is not None:
                rows.append((earlier, NOT_RECORDED))
            pending[key] = entry
            continue
        attempt = pending.pop(key, None) if entry.outcome in _AFTER_ATTEMPT else None
        if entry.outcome in _AFTER_ATTEMPT or entry.outcome in _BEFORE_ATTEMPT:
            rows.append((_with_attempt(entry, attempt), entry.outcome))
        else:
            rows.append((entry, entry.outcome))  # an outcome this reader does not know: shown as written
    rows += [(attempt, NOT_RECORDED) for attempt in pending.values()]
    rows.sort(key=lambda row: row[0].at)
    return rows


def _with_attempt(entry: AuditEntry, attempt: AuditEntry | None) -> AuditEntry:
    """The outcome's entry, with what only its attempt recorded (consent) filled in."""
    if attempt is None or entry.consent is not None:
        return entry
    return dataclasses.replace(entry, consent=attempt.consent)
