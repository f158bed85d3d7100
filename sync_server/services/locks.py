"""Transaction-scoped locks that make a "count, then insert" limit exact under concurrency.

A limit such as "10 reports a day per resident" reads a count and then inserts a row; two
requests of one resident at the same instant could both read 9 and both insert. `hold(session,
key, ...)` takes, on PostgreSQL, an advisory lock per key (pg_advisory_xact_lock, released when
the request's transaction ends), so the second request counts only after the first committed
or rolled back. On SQLite a writing session already began with BEGIN IMMEDIATE (db/engine.py):
writers are serialised there, and `hold` does nothing. Keys are taken in sorted order, so two
requests holding overlapping keys cannot deadlock.
"""
from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def key_number(key: str) -> int:
    """The signed 64-bit number PostgreSQL's advisory lock takes for a text key."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


def hold(session: Session, *keys: str) -> None:
    """Lock every key until the session's transaction ends (PostgreSQL; no-op on SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for number in sorted({key_number(k) for k in keys}):
        session.execute(text("SELECT pg_advisory_xact_lock(:n)"), {"n": number})
