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
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA key = \"x'{hex_key}'\"")
        cur.execute("PRAGMA cache_size = -65536")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = OFF")
        cur.close()

    return engine
