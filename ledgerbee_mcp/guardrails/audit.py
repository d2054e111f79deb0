"""An append-only JSON-lines record of every irreversible action, confirmed or refused."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["AuditLog", "AuditRecord"]

logger = logging.getLogger("ledgerbee_mcp.audit")


@dataclass(frozen=True)
class AuditRecord:
    action: str
    """`send` or `convert`."""
    document_type: str
    document_id: str
    outcome: str
    """done, declined, refused, confirmation_required, not_done or unknown."""
    reason: str | None = None
    consent: str | None = None
    """How consent was given: `elicitation`, `token`, or None when none was."""
    delivery_type: str | None = None
    recipient: str | None = None
    target: str | None = None
    document_number: str | None = None
    produced_document_id: str | None = None
    at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"))


class AuditLog:
    """Appends records to a file when one is configured; otherwise logs them at debug level only."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()

    @property
    def path(self) -> Path | None:
        return self._path

    def record(self, entry: AuditRecord) -> None:
        line = json.dumps({k: v for k, v in asdict(entry).items() if v is not None}, ensure_ascii=False)
        logger.debug("audit %s", line)
        if self._path is None:
            return
        try:
            with self._lock:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                with self._path.open("a", encoding="utf-8") as fh:
                    fh.write(line + "\n")
        except OSError:
            # The action already happened (or was refused); losing the audit line must not hide that
            # outcome from the agent, so it is reported on stderr instead.
            logger.exception("could not append to the audit log %s", self._path)
