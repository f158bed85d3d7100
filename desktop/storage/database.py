"""Opening the client's encrypted SQLCipher database.

The key is a raw 32-byte data key (see the key wrapping in this package), passed as
`PRAGMA key = "x'…'"`, which skips SQLCipher's own slow KDF; a large page cache keeps
multi-condition queries close to plain SQLite speed (../shared/FACTS.md).

Transactions start with BEGIN IMMEDIATE: a deferred transaction that reads and then writes
(saving a person, applying a pulled batch) cannot wait for another writer once it holds a
read snapshot, and fails with "database is locked" whatever the busy timeout. IMMEDIATE takes the
write lock first, so writers queue behind each other for up to the busy timeout. Sessions that
only read say so with `read_only(engine)` and start a deferred transaction, running beside a
writer (WAL).
"""
from __future__ import annotations

from pathlib import Path

import sqlcipher3
from sqlalchemy import Engine, create_engine, event

READ_ONLY = "yzb_read_only"
"""Execution option: this connection only reads (BEGIN DEFERRED)."""


BUSY_TIMEOUT_MS = 10_000
"""How long a write waits for another writer (another process) before `database_locked`."""


def open_database(path: str | Path, key: bytes, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS
                  ) -> Engine:
    """An engine over the encrypted file at `path` (created if missing). Nothing is read until
    the first connection: a wrong key or a damaged file shows there (errors.py names it)."""
    if len(key) != 32:
        raise ValueError("the data key must be 32 bytes")
    engine = create_engine(f"sqlite:///{path}", module=sqlcipher3.dbapi2)
    hex_key = key.hex()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        # The driver's own transaction handling skips BEGIN before DDL, so a failed migration
        # would leave half its tables; SQLAlchemy emits BEGIN itself (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA key = \"x'{hex_key}'\"")
        # 256 MB of page cache per connection (filled only as pages are read, so a township
        # profile of ~80 MB never reaches it): with 64 MB a county profile (~490 MB) re-read
        # and decrypted pages on every search, 1.16-1.26x plain SQLite; with 256 MB it is at
        # par (benchmarks.sqlcipher, docs/BENCHMARKS.md). The raw 32-byte key skips
        # SQLCipher's KDF and cipher_memory_security is already off by default in 4.x.
        cur.execute("PRAGMA cache_size = -262144")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = OFF")
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms):d}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        reads = conn.get_execution_options().get(READ_ONLY)
        conn.exec_driver_sql("BEGIN DEFERRED" if reads else "BEGIN IMMEDIATE")

    return engine


def read_only(engine: Engine) -> Engine:
    """The same engine (same pool) for sessions that only read: they start a deferred
    transaction and never take the write lock, so they run beside the writer lane."""
    engine = base_engine(engine)
    view = engine.__dict__.get("_yzb_read_only")
    if view is None:
        view = engine.execution_options(**{READ_ONLY: True})
        view._yzb_base = engine  # type: ignore[attr-defined]
        engine._yzb_read_only = view  # type: ignore[attr-defined]
    return view


def base_engine(bind: Engine) -> Engine:
    """The profile's engine behind a `read_only` view (what caches per database key on)."""
    return getattr(bind, "_yzb_base", bind)
