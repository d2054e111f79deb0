"""What this server last wrote to each draft, for the parts of a document LedgerBee never shows again.

LedgerBee's PATCH replaces a document's editable fields and lines wholesale, but its answers leave out the contact,
the department and which product price each line bills. So an update can only carry those over from a body this
server sent itself, and only while the document is unchanged since: the record is bound to the `updatedAt` of
LedgerBee's answer to that write. Any later change (an edit elsewhere, a send, a conversion) moves `updatedAt`, and
the record no longer applies.

The records outlive the process in a small SQLite file in the state directory (`LEDGERBEE_DRAFT_MEMORY`): a
desktop client starts the server afresh with every session, and "add a line to yesterday's quote" should not cost
the person its contact or its price links. Every server process on the machine shares the file, so the one that
wrote last is the one whose body matches. A file that cannot be opened or written costs only that: the records
stay in memory, and an update it would have served asks for the missing fields instead (fail closed). Each record
is keyed by where it was written too (the API's base URL, or the sandbox's database), so the sandbox's drafts and
LedgerBee's never mix. A record is one statement on a local file, run on the event loop: well under a millisecond,
once per create or update, beside the call to LedgerBee it follows.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ledgerbee_mcp.api import DocumentInputCommon

if TYPE_CHECKING:
    # Imported on the first create or update, not at start-up: listing tools never pays for it.
    import sqlite3

__all__ = ["WrittenBodies"]

logger = logging.getLogger("ledgerbee_mcp.server")

_MAX_DOCUMENTS = 500
_SCHEMA = """
CREATE TABLE IF NOT EXISTS written (
    scope TEXT NOT NULL,
    document_id TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    body TEXT NOT NULL,
    written_at REAL NOT NULL,
    PRIMARY KEY (scope, document_id)
)
"""
_FIELDS = frozenset(DocumentInputCommon.model_fields)


def _instant(updated_at: dt.datetime) -> str:
    """`updatedAt` as one spelling per instant (an offset written another way is the same moment)."""
    return updated_at.astimezone(dt.UTC).isoformat() if updated_at.tzinfo else updated_at.isoformat()


@dataclass
class WrittenBodies:
    """The last create/update body per document id, with the `updatedAt` LedgerBee answered it with; in memory,
    and in the SQLite file at `path` when there is one."""

    path: Path | None = None
    scope: str = ""
    """Where the documents live: bodies written to one LedgerBee (or sandbox) never answer for another."""
    max_documents: int = _MAX_DOCUMENTS
    _bodies: OrderedDict[str, tuple[str, DocumentInputCommon]] = field(
        default_factory=OrderedDict[str, tuple[str, DocumentInputCommon]]
    )
    _db: sqlite3.Connection | None = None
    _unavailable: bool = False

    def put(self, document_id: str, updated_at: dt.datetime, body: DocumentInputCommon) -> None:
        common = DocumentInputCommon.model_validate(body.model_dump(include=set(_FIELDS)))
        instant = _instant(updated_at)
        self._bodies[document_id] = (instant, common)
        self._bodies.move_to_end(document_id)
        while len(self._bodies) > self.max_documents:
            self._bodies.popitem(last=False)
        db = self._connection()
        if db is None:
            return
        import sqlite3

        try:
            db.execute(
                "INSERT OR REPLACE INTO written VALUES (?, ?, ?, ?, ?)",
                (self.scope, document_id, instant, common.model_dump_json(), time.time()),
            )
            db.execute(
                "DELETE FROM written WHERE scope = ? AND document_id NOT IN "
                "(SELECT document_id FROM written WHERE scope = ? ORDER BY written_at DESC LIMIT ?)",
                (self.scope, self.scope, self.max_documents),
            )
        except sqlite3.Error as error:
            self._give_up(error)

    def get(self, document_id: str, updated_at: dt.datetime) -> DocumentInputCommon | None:
        """The body, if LedgerBee's document is still exactly what that write left."""
        instant = _instant(updated_at)
        entry = self._bodies.get(document_id)
        if entry is not None and entry[0] == instant:
            return entry[1]
        db = self._connection()
        if db is None:
            return None
        import sqlite3

        try:
            row = db.execute(
                "SELECT body FROM written WHERE scope = ? AND document_id = ? AND updated_at = ?",
                (self.scope, document_id, instant),
            ).fetchone()
        except sqlite3.Error as error:
            self._give_up(error)
            return None
        if row is None:
            return None
        try:
            return DocumentInputCommon.model_validate_json(row[0])
        except ValueError:
            logger.warning("draft memory: the record of %s could not be read; it is not used", document_id)
            return None

    def close(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            db.close()

    def _connection(self) -> sqlite3.Connection | None:
        if self.path is None or self._unavailable:
            return None
        if self._db is None:
            import sqlite3

            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # Autocommit: each record is one statement; a second process waits up to the timeout for it.
                db = sqlite3.connect(self.path, timeout=5, isolation_level=None, check_same_thread=False)
                db.execute(_SCHEMA)
            except (OSError, sqlite3.Error) as error:
                self._give_up(error)
                return None
            self._db = db
        return self._db

    def _give_up(self, error: Exception) -> None:
        """Keep to memory from now on: an update the file would have served asks for the fields instead."""
        logger.warning(
            "draft memory %s cannot be used (%s: %s); what this server writes to drafts is kept in memory only",
            self.path,
            type(error).__name__,
            error,
        )
        self._unavailable = True
        self.close()
