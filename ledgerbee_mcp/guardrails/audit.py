"""An append-only JSON-lines record of every irreversible action: attempted, confirmed, refused or failed.

Fail closed: a record that cannot be written raises `AuditUnavailable`, and the guarded flow refuses to act when the
record of an attempt cannot be kept. Each record is one line of ASCII JSON, so no text from data (a customer name
with a line or paragraph separator in it) can start a line of its own.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["AuditLog", "AuditRecord", "AuditUnavailable", "audit_line"]

logger = logging.getLogger("ledgerbee_mcp.audit")


class AuditUnavailable(Exception):
    """The audit record could not be written."""


@dataclass(frozen=True)
class AuditRecord:
    action: str
    """`send` or `convert`."""
    document_type: str
    document_id: str
    outcome: str
    """attempt (written before LedgerBee is asked), done, declined, refused, confirmation_required, not_done,
    unknown, or cancelled (the call was cancelled while LedgerBee was carrying it out)."""
    reason: str | None = None
    consent: str | None = None
    """How consent was given: `elicitation`, `token`, or None when none was."""
    delivery_type: str | None = None
    recipient: str | None = None
    target: str | None = None
    document_number: str | None = None
    produced_document_id: str | None = None
    requested: dict[str, object] | None = None
    """What LedgerBee was asked to do: the request body of the send or convert."""
    differences: list[str] | None = None
    """How what LedgerBee shows after the action differs from what the person approved."""
    batch: str | None = None
    """For a document of a batch send: the batch's id, the same in every record of the documents one consent
    covered (and in their preview's records)."""
    subject: str | None = None
    """Who asked: the caller's OAuth subject (`sub`) on a remote server; None where callers are not identified."""
    at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"))


def audit_line(entry: AuditRecord) -> str:
    """The record as one line: ASCII JSON, fields that are None left out (the file log's line, and the shared
    stream's)."""
    return json.dumps({k: v for k, v in asdict(entry).items() if v is not None}, ensure_ascii=True)


class AuditLog:
    """Appends records to a file when one is configured; otherwise logs them at debug level only."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()

    @property
    def path(self) -> Path | None:
        return self._path

    def record(self, entry: AuditRecord) -> None:
        """Append the record, or raise `AuditUnavailable` when it cannot be kept."""
        line = audit_line(entry)
        logger.debug("audit %s", line)
        if self._path is None:
            return
        try:
            with self._lock:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                with self._path.open("a", encoding="ascii") as fh:
                    fh.write(line + "\n")
                    fh.flush()
        except OSError as error:
            logger.exception("could not append to the audit log %s", self._path)
            reason = error.strerror or str(error)
            raise AuditUnavailable(f"the audit log {self._path} cannot be written ({reason})") from None
