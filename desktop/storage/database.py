"""Opening the client's encrypted SQLCipher database.

The key is a raw 32-byte data key (see the key wrapping in this package), passed as
`PRAGMA key = "x'…'"`, which skips SQLCipher's own slow KDF; a large page cache keeps
multi-condition queries close to plain SQLite speed (../shared/FACTS.md).
"""
from __future__ import annotations

from pathlib import Path

import sqlcipher3
from sqlalchemy import Engine, create_engine, event


def open_database(path: str | Path, key: bytes) -> Engine:
    """An engine over the encrypted file at `path` (created if missing)."""
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
        cur.execute("PRAGMA cache_size = -65536")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = OFF")
        cur.execute("PRAGMA busy_timeout = 10000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        conn.exec_driver_sql("BEGIN")

    return engine
