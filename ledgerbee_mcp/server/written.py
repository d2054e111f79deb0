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
and the same visible state with different contacts: the record is then marked conflicted and answers for neither
(one process's own writes are serialised by the document's lock, so the later one simply wins). Whatever the file
holds for a document state wins over this process's own memory, which serves only where the file has nothing for
that state or cannot be used.

Fail closed, never stall: a missing, conflicted or unreadable record only makes the update tool ask for the
contact, department and lines. The file is used from a worker thread, never on the event loop; another process's
lock is waited for up to five seconds. A record that still cannot be written makes this process distrust that
draft's record until its next write (another process may hold one for a state this write replaced); a file that
cannot be opened or has another layout is left for the rest of the process, with a warning. Only what an update
carries over is kept (customer, contact, department, lines), in a file only its owner can read (on POSIX; on
Windows it has the state folder's permissions), keyed by where it was written too (the API's base URL, or the
sandbox's database), so the sandbox's drafts and LedgerBee's never mix.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import anyio.to_thread
from pydantic import BaseModel, ConfigDict, ValidationError

from ledgerbee_mcp.api import LineInput

if TYPE_CHECKING:
    # Imported on the first create or update, not at start-up: listing tools never pays for it.
    import sqlite3

__all__ = ["Carried", "WrittenBodies"]

logger = logging.getLogger("ledgerbee_mcp.server")

_MAX_DOCUMENTS = 500
_BUSY_SECONDS = 5.0
_LAYOUT = 2
"""`PRAGMA user_version` of the table below; a file with another layout is not used."""
_SCHEMA = """
CREATE TABLE IF NOT EXISTS written (
    scope TEXT NOT NULL,
    document_id TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    seen TEXT NOT NULL,
    carried TEXT NOT NULL,
    writer TEXT NOT NULL,
    conflicted INTEGER NOT NULL DEFAULT 0,
    written_at REAL NOT NULL,
    PRIMARY KEY (scope, document_id)
)
"""
# Another process's write for the same state of the document, with other fields carried: which one LedgerBee
# kept cannot be known, so neither may answer for it (until a write moves the state on).
_PUT = """
INSERT INTO written (scope, document_id, updated_at, seen, carried, writer, conflicted, written_at)
VALUES (?, ?, ?, ?, ?, ?, 0, ?)
ON CONFLICT (scope, document_id) DO UPDATE SET
    conflicted = CASE
        WHEN updated_at = excluded.updated_at AND seen = excluded.seen
            THEN conflicted OR (carried != excluded.carried AND writer != excluded.writer)
        ELSE 0
    END,
    updated_at = excluded.updated_at,
    seen = excluded.seen,
    carried = excluded.carried,
    writer = excluded.writer,
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


def _lay_out(db: sqlite3.Connection) -> None:
    """Make the table, or check it is this layout."""
    import sqlite3

    layout = int(db.execute("PRAGMA user_version").fetchone()[0])
    if layout not in (0, _LAYOUT):
        raise sqlite3.DatabaseError(f"the file has layout {layout}, this server writes {_LAYOUT}")
    if layout == 0:
        # New, or from before layouts were numbered: a cache, so starting afresh loses nothing but a question the
        # update tool would ask anyway.
        db.execute("DROP TABLE IF EXISTS written")
        db.execute(_SCHEMA)
        db.execute(f"PRAGMA user_version = {_LAYOUT}")


_BUSY_CODES = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED: another process holds the file


def _busy(error: Exception) -> bool:
    return getattr(error, "sqlite_errorcode", None) in _BUSY_CODES


@dataclass
class WrittenBodies:
    """Per document id, what the last create/update carried, bound to the state LedgerBee answered it with; in
    memory, and in the SQLite file at `path` when there is one."""

    path: Path | None = None
    scope: str = ""
    """Where the documents live: records written to one LedgerBee (or sandbox) never answer for another."""
    max_documents: int = _MAX_DOCUMENTS
    busy_seconds: float = _BUSY_SECONDS
    """How long a statement waits for another process's lock on the file (in the worker thread)."""
    writer: str = field(default_factory=lambda: secrets.token_hex(8))
    """This process, in the file: its own writes of one state never conflict with each other."""
    _memory: OrderedDict[str, tuple[str, str, Carried]] = field(
        default_factory=OrderedDict[str, tuple[str, str, Carried]]
    )
    _distrusted: set[str] = field(default_factory=set[str])
    """Drafts whose last write could not reach the file: no record answers for them until the next write does."""
    _db: sqlite3.Connection | None = None
    _unavailable: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def put(self, document_id: str, updated_at: dt.datetime, seen: str, carried: Carried) -> None:
        instant = _instant(updated_at)
        self._memory[document_id] = (instant, seen, carried)
        self._memory.move_to_end(document_id)
        while len(self._memory) > self.max_documents:
            self._memory.popitem(last=False)
        if self.path is None or self._unavailable:
            return
        row = (self.scope, document_id, instant, seen, _text(carried), self.writer, time.time())
        if await anyio.to_thread.run_sync(self._put_in_file, row):
            self._distrusted.discard(document_id)
        else:
            self._distrusted.add(document_id)

    async def get(self, document_id: str, updated_at: dt.datetime, seen: str) -> Carried | None:
        """What to carry over, if LedgerBee's document is still exactly what that write left."""
        if document_id in self._distrusted:
            return None
        instant = _instant(updated_at)
        if self.path is not None and not self._unavailable:
            found = await anyio.to_thread.run_sync(self._get_from_file, document_id, instant)
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
        with self._lock:
            db, self._db = self._db, None
        if db is not None:
            db.close()

    def _put_in_file(self, row: tuple[object, ...]) -> bool:
        """Whether the record reached the file (or the file is not used at all any more)."""
        import sqlite3

        with self._lock:
            db = self._connection()
            if db is None:
                return self._unavailable
            try:
                db.execute(_PUT, row)
                db.execute(_PRUNE, (self.scope, self.scope, self.max_documents))
            except sqlite3.Error as error:
                if not _busy(error):
                    self._give_up(error)
                    return True
                logger.warning("draft memory: the record of %s was not kept (%s)", row[1], error)
                return False
            return True

    def _get_from_file(self, document_id: str, instant: str) -> tuple[str, str, bool] | None:
        import sqlite3

        with self._lock:
            db = self._connection()
            if db is None:
                # Locked at opening: unknown, not absent, so memory must not answer for it either.
                return None if self._unavailable else ("", "", True)
            try:
                row = db.execute(
                    "SELECT seen, carried, conflicted FROM written "
                    "WHERE scope = ? AND document_id = ? AND updated_at = ?",
                    (self.scope, document_id, instant),
                ).fetchone()
            except sqlite3.Error as error:
                if not _busy(error):
                    self._give_up(error)
                    return None
                logger.warning("draft memory: the record of %s could not be read (%s)", document_id, error)
                return ("", "", True)
        return None if row is None else (str(row[0]), str(row[1]), bool(row[2]))

    def _connection(self) -> sqlite3.Connection | None:
        """The open file, under `_lock`; None when it is not used, or is busy at opening (then try again later)."""
        if self.path is None or self._unavailable:
            return None
        if self._db is None:
            import sqlite3

            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.path.touch(mode=0o600)  # before SQLite makes it: only its owner reads a draft's links
                os.chmod(self.path, 0o600)  # and if it was there already
                db = sqlite3.connect(
                    self.path, timeout=self.busy_seconds, isolation_level=None, check_same_thread=False
                )
                try:
                    _lay_out(db)
                except BaseException:
                    db.close()
                    raise
            except (OSError, sqlite3.Error) as error:
                if _busy(error):
                    return None
                self._give_up(error)
                return None
            self._db = db
        return self._db

    def _give_up(self, error: Exception) -> None:
        """Keep to memory from now on: an update the file would have served asks for the fields instead. Called
        under `_lock`."""
        logger.warning(
            "draft memory %s cannot be used (%s: %s); what this server writes to drafts is kept in memory only",
            self.path,
            type(error).__name__,
            error,
        )
        self._unavailable = True
        db, self._db = self._db, None
        if db is not None:
            db.close()
