"""The one SQLite connection, the lock that serialises it, and the transactions requests run in.

Every request does its database work as one function run in a worker thread under the lock, inside one
`BEGIN IMMEDIATE` transaction for writes: a request that fails part-way writes nothing, and read-modify-write
steps (number allocation, convert-once) cannot interleave.
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from importlib import resources
from typing import TypeVar

import anyio.to_thread

from ledgerbee_mcp.sandbox import seed

__all__ = ["Database"]

_log = logging.getLogger(__name__)
T = TypeVar("T")

# Tables a tenant owns rows in, wiped by a per-tenant reset (document lines go with their documents).
_TENANT_TABLES = ("customers", "contacts", "products", "prices", "documents", "counters", "outbox", "events")


class Database:
    def __init__(self, path: str | os.PathLike[str] = ":memory:", *, seed_data: bool = True) -> None:
        self.path = os.fspath(path)
        self._lock = threading.Lock()
        # One connection shared by the worker threads; the lock is what makes that safe.
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA busy_timeout = 5000")
        if self.path != ":memory:":
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
        self._conn.create_function("casefold", 1, _casefold, deterministic=True)
        schema = resources.files("ledgerbee_mcp.sandbox").joinpath("schema.sql").read_text(encoding="utf-8")
        with self._lock:
            self._conn.executescript(schema)
        self.write(functools.partial(_seed_once, catalog=seed_data))

    def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` in one write transaction; any exception rolls all of it back."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                result = work(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            return result

    def read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` in one read transaction, so its several queries see one state."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                return work(self._conn)
            finally:
                self._conn.execute("COMMIT")

    async def awrite(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return await anyio.to_thread.run_sync(functools.partial(self.write, work))

    async def aread(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return await anyio.to_thread.run_sync(functools.partial(self.read, work))

    def reset_tenant(self, tenant_id: str) -> None:
        self.write(functools.partial(wipe_and_seed, tenant_id=tenant_id))

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _casefold(value: object) -> str | None:
    return value.casefold() if isinstance(value, str) else None


def wipe_and_seed(conn: sqlite3.Connection, tenant_id: str) -> None:
    conn.execute(
        "DELETE FROM document_lines WHERE document_id IN (SELECT id FROM documents WHERE tenant_id = ?)",
        (tenant_id,),
    )
    for table in _TENANT_TABLES:
        conn.execute(f"DELETE FROM {table} WHERE tenant_id = ?", (tenant_id,))  # noqa: S608 -- constant table names
    conn.execute("DELETE FROM tenants WHERE id = ?", (tenant_id,))
    seed.seed_tenant(conn, tenant_id)


def _seed_once(conn: sqlite3.Connection, *, catalog: bool) -> None:
    """Seed a new database once; an existing one keeps its data.

    Without `catalog` only the tenants (the companies the keys belong to) are created, so requests still
    authenticate and render, but there are no customers or products.
    """
    if conn.execute("SELECT 1 FROM meta WHERE key = 'seeded'").fetchone() is not None:
        return
    for tenant_id in seed.TENANT_IDS:
        conn.execute("DELETE FROM tenants WHERE id = ?", (tenant_id,))
        seed.seed_tenant(conn, tenant_id, catalog=catalog)
    conn.execute("INSERT INTO meta (key, value) VALUES ('seeded', ?)", ("full" if catalog else "tenants",))
    _log.info("sandbox database seeded (%s)", "full" if catalog else "tenants only")
