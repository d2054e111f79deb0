"""What this server last wrote to each draft, for the parts of a document LedgerBee never shows again.

LedgerBee's PATCH replaces a document's editable fields and lines wholesale, but its answers leave out the contact,
the department and which product price each line bills. So an update can only carry those over from a body this
server sent itself, and only while the document is unchanged since. A record is bound to two things LedgerBee's
answer to that write showed: its `updatedAt`, and a digest of everything else it shows (`seen`: lines, dates,
texts, customer). A later change (an edit elsewhere, a send, a conversion) moves one of them, and the record no
longer applies.

The records outlive the process in a small SQLite file in the state directory (`LEDGERBEE_DRAFT_MEMORY`): a
desktop client starts the server afresh with every session, and "add a line to yesterday's quote" should not cost
the person its contact or its price links. Every server process on the machine shares the file. Two of them
writing one draft within the same second (LedgerBee's `updatedAt` is to the second) may leave the same `updatedAt`
and the same visible state with different contacts: the record is then marked conflicted and answers for neither.
Whatever the file holds for a document state wins over this process's own memory, which serves only where the
file has nothing for that state or cannot be used.

Fail closed, never stall: a missing, conflicted or unreadable record only makes the update tool ask for the
contact, department and lines. A file another process holds locked is waited for a quarter of a second (the
statement runs on the event loop), then that one record is skipped; a file that cannot be opened at all is left
for the rest of the process, with a warning. Only what an update carries over is kept (customer, contact,
department, lines), in a file only its owner can read, keyed by where it was written too (the API's base URL, or
the sandbox's database), so the sandbox's drafts and LedgerBee's never mix.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, ValidationError

from ledgerbee_mcp.api import LineInput

if TYPE_CHECKING:
    # Imported on the first create or update, not at start-up: listing tools never pays for it.
    import sqlite3

__all__ = ["Carried", "WrittenBodies"]

logger = logging.getLogger("ledgerbee_mcp.server")

_MAX_DOCUMENTS = 500
_BUSY_SECONDS = 0.25
_SCHEMA = """
CREATE TABLE IF NOT EXISTS written (
    scope TEXT NOT NULL,
    document_id TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    seen TEXT NOT NULL,
    carried TEXT NOT NULL,
    conflicted INTEGER NOT NULL DEFAULT 0,
    written_at REAL NOT NULL,
    PRIMARY KEY (scope, document_id)
)
"""
# A second write for the same state of the document, with other fields carried: neither may answer for it.
_PUT = """
INSERT INTO written (scope, document_id, updated_at, seen, carried, conflicted, written_at)
VALUES (?, ?, ?, ?, ?, 0, ?)
ON CONFLICT (scope, document_id) DO UPDATE SET
    conflicted = CASE
        WHEN updated_at = excluded.updated_at AND seen = excluded.seen THEN conflicted OR carried != excluded.carried
        ELSE 0
    END,
    updated_at = excluded.updated_at,
    seen = excluded.seen,
    carried = excluded.carried,
    written_at = excluded.written_at
"""
_PRUNE = """
DELETE FROM written WHERE scope = ? AND document_id NOT IN
    (SELECT document_id FROM written WHERE scope = ? ORDER BY written_at DESC, rowid DESC LIMIT ?)
"""


class Carried(BaseModel):
    """What an update carries over from the last write: what LedgerBee's answers do not show, and the lines they
    belong to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    customer_id: str
    customer_contact_id: str | None = None
    customer_department_id: str | None = None
    lines: tuple[LineInput, ...]


def _instant(updated_at: dt.datetime) -> str:
    """`updatedAt` as one spelling per instant (an offset written another way is the same moment)."""
    return updated_at.astimezone(dt.UTC).isoformat() if updated_at.tzinfo else updated_at.isoformat()


def _text(carried: Carried) -> str:
    return json.dumps(carried.model_dump(mode="json", by_alias=False), sort_keys=True, separators=(",", ":"))


@dataclass
class WrittenBodies:
    """Per document id, what the last create/update carried, bound to the state LedgerBee answered it with; in
    memory, and in the SQLite file at `path` when there is one."""

    path: Path | None = None
    scope: str = ""
    """Where the documents live: records written to one LedgerBee (or sandbox) never answer for another."""
    max_documents: int = _MAX_DOCUMENTS
    _memory: OrderedDict[str, tuple[str, str, Carried]] = field(
        default_factory=OrderedDict[str, tuple[str, str, Carried]]
    )
    _db: sqlite3.Connection | None = None
    _unavailable: bool = False

    def put(self, document_id: str, updated_at: dt.datetime, seen: str, carried: Carried) -> None:
        instant = _instant(updated_at)
        self._memory[document_id] = (instant, seen, carried)
        self._memory.move_to_end(document_id)
        while len(self._memory) > self.max_documents:
            self._memory.popitem(last=False)
        db = self._connection()
        if db is None:
            return
        import sqlite3

        try:
            db.execute(_PUT, (self.scope, document_id, instant, seen, _text(carried), time.time()))
            db.execute(_PRUNE, (self.scope, self.scope, self.max_documents))
        except sqlite3.OperationalError as error:
            # Locked by another process past the wait: this record is not kept; the next update asks instead.
            logger.warning("draft memory: the record of %s was not kept (%s)", document_id, error)
        except sqlite3.Error as error:
            self._give_up(error)

    def get(self, document_id: str, updated_at: dt.datetime, seen: str) -> Carried | None:
        """What to carry over, if LedgerBee's document is still exactly what that write left."""
        instant = _instant(updated_at)
        found = self._from_file(document_id, instant)
        if found is not None:
            # The file knows this state of the document: its word is final, this process's memory or not.
            file_seen, text, conflicted = found
            if conflicted or file_seen != seen:
                return None
            try:
                return Carried.model_validate_json(text)
            except ValidationError:
                logger.warning("draft memory: the record of %s could not be read; it is not used", document_id)
                return None
        entry = self._memory.get(document_id)
        if entry is None or entry[:2] != (instant, seen):
            return None
        return entry[2]

    def close(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            db.close()

    def _from_file(self, document_id: str, instant: str) -> tuple[str, str, bool] | None:
        db = self._connection()
        if db is None:
            return None
        import sqlite3

        try:
            row = db.execute(
                "SELECT seen, carried, conflicted FROM written WHERE scope = ? AND document_id = ? AND updated_at = ?",
                (self.scope, document_id, instant),
            ).fetchone()
        except sqlite3.OperationalError as error:
            logger.warning("draft memory: the record of %s could not be read (%s)", document_id, error)
            # Unknown, not absent: another process may have written this state; memory must not answer for it.
            return ("", "", True)
        except sqlite3.Error as error:
            self._give_up(error)
            return None
        return None if row is None else (str(row[0]), str(row[1]), bool(row[2]))

    def _connection(self) -> sqlite3.Connection | None:
        if self.path is None or self._unavailable:
            return None
        if self._db is None:
            import sqlite3

            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.path.touch(mode=0o600)  # before SQLite makes it: only its owner reads a draft's links
                db = sqlite3.connect(self.path, timeout=_BUSY_SECONDS, isolation_level=None, check_same_thread=False)
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
