"""The demo's row writer: seeded ids, sequential revs, and chunked Core inserts per table."""
from __future__ import annotations

import datetime as dt
import json
import queue
import random
import threading
import uuid
from collections import Counter
from typing import Any, Callable

from sqlalchemy import JSON, Boolean, Connection, Date, DateTime, Table

from common.schema import ENTITIES

_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)
"""Version 4 and the RFC 4122 variant bits, as uuid.UUID(int=…, version=4) sets them."""

CHUNK = 4000
"""Rows per executemany: large enough to amortise round trips, small enough to bound memory."""


def _defaults(table: Table) -> dict[str, Any]:
    """Every column of `table` with its scalar default (or None), so all rows share one key set
    (executemany needs that) and no per-row default callables run."""
    out: dict[str, Any] = {}
    for col in table.columns:
        default = col.default
        if default is None:
            out[col.key] = None
        elif default.is_scalar:
            out[col.key] = default.arg
        else:  # default=list / default=dict on JSON columns: SQLAlchemy wraps them to take a context
            out[col.key] = default.arg(None)
    return out


def _sqlite_converter(col: Any) -> Callable[[Any], Any] | None:
    """How SQLAlchemy stores a value of this column type in SQLite (its own formats, so rows
    written here read back through SQLAlchemy exactly like rows it wrote)."""
    t = col.type
    if isinstance(t, DateTime):
        return lambda v: v.isoformat(" ", "microseconds")
    if isinstance(t, Date):
        return lambda v: v.isoformat()
    if isinstance(t, JSON):
        return json.dumps
    if isinstance(t, Boolean):
        return int
    return None


class _Inserter:
    """Bulk inserts by the fastest route the connection offers: COPY on PostgreSQL (psycopg 3),
    the driver's executemany on SQLite and SQLCipher, SQLAlchemy Core executemany otherwise.
    The first two skip SQLAlchemy's per-value processing, which costs twice the generation."""

    def __init__(self, conn: Connection, table: Table) -> None:
        self.conn = conn
        self.table = table
        self.cols = [c.key for c in table.columns]
        dialect = conn.dialect
        self.mode = "core"
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            self.mode = "copy"
            from psycopg.types.json import Json
            self.wrap = [(i, Json) for i, c in enumerate(table.columns)
                         if isinstance(c.type, JSON)]
            names = ", ".join(f'"{c}"' for c in self.cols)
            self.sql = f'COPY "{table.name}" ({names}) FROM STDIN'
        elif dialect.name == "sqlite":
            self.mode = "dbapi"
            self.wrap = [(i, f) for i, c in enumerate(table.columns)
                         if (f := _sqlite_converter(c)) is not None]
            names = ", ".join(f'"{c}"' for c in self.cols)
            marks = ", ".join("?" for _ in self.cols)
            self.sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'

    def _tuples(self, rows: list[dict[str, Any]]) -> list[list[Any]]:
        cols, wrap = self.cols, self.wrap
        out = []
        for row in rows:
            values = [row[c] for c in cols]
            for i, fn in wrap:
                if values[i] is not None:
                    values[i] = fn(values[i])
            out.append(values)
        return out

    def insert(self, rows: list[dict[str, Any]]) -> None:
        if self.mode == "core":
            self.conn.execute(self.table.insert(), rows)
            return
        raw = self.conn.connection.driver_connection
        if self.mode == "dbapi":
            cur = raw.cursor()
            try:
                cur.executemany(self.sql, self._tuples(rows))
            finally:
                cur.close()
            return
        with raw.cursor() as cur, cur.copy(self.sql) as copy:
            for values in self._tuples(rows):
                copy.write_row(values)


class Writer:
    """Buffers rows per table and inserts them in chunks through one connection.

    Ids come from a seeded RNG (uuid4-shaped), revs count 1..N in the order rows are added, so
    the same seed and `now` give identical databases. Never commits: the caller owns the
    transaction.

    With `threaded=True` the inserts run on one background thread while generation goes on
    (the drivers release the GIL while the database works, so the two cores both work). Only
    for connections usable from another thread (the server's engines allow it); the generating
    thread must not touch the connection until `close()`.
    """

    def __init__(self, conn: Connection, seed: int, *, rev_start: int = 0,
                 threaded: bool = False) -> None:
        self.conn = conn
        self._ids = random.Random(f"ids:{seed}")
        self.rev = rev_start
        self.counts: Counter[str] = Counter()
        self._tables = {name: cls.__table__ for name, cls in ENTITIES.items()}
        self._templates = {name: _defaults(t) for name, t in self._tables.items()}
        self._inserters = {name: _Inserter(conn, t) for name, t in self._tables.items()}
        self._buffers: dict[str, list[dict[str, Any]]] = {name: [] for name in self._tables}
        self._queue: queue.Queue[tuple[str, list[dict[str, Any]]] | None] | None = None
        self._error: BaseException | None = None
        if threaded:
            self._queue = queue.Queue(maxsize=4)  # bounds memory: a few chunks in flight
            self._thread = threading.Thread(target=self._drain, name="demo-inserts",
                                            daemon=True)
            self._thread.start()

    def new_id(self) -> str:
        """A uuid4-shaped id from the seeded RNG (formatted by hand: uuid.UUID is 3x slower)."""
        h = "%032x" % ((self._ids.getrandbits(128) & _UUID_CLEAR) | _UUID_SET)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def add(self, table: str, grid_id: str | None, at: dt.datetime, values: dict[str, Any],
            *, record_id: str | None = None) -> str:
        """Queue one record created at `at` and return its id."""
        row = dict(self._templates[table])
        row.update(values)
        rid = record_id or values.get("id") or self.new_id()
        self.rev += 1
        row["id"] = rid
        row["grid_id"] = grid_id
        row["created_at"] = at
        row["updated_at"] = at
        row["rev"] = self.rev
        row["field_clock"] = {}
        row["deleted"] = False
        buf = self._buffers[table]
        buf.append(row)
        if len(buf) >= CHUNK:
            self._flush(table)
        return rid

    def _flush(self, table: str) -> None:
        buf = self._buffers[table]
        if not buf:
            return
        self._buffers[table] = []
        self.counts[table] += len(buf)
        if self._queue is None:
            self._inserters[table].insert(buf)
            return
        if self._error is not None:
            raise self._error
        self._queue.put((table, buf))

    def _drain(self) -> None:
        assert self._queue is not None
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._inserters[item[0]].insert(item[1])
                except BaseException as exc:  # handed to the generating thread
                    self._error = exc

    def flush(self) -> None:
        """Insert everything still buffered, parents' tables first, and wait for it."""
        for name in self._tables:
            self._flush(name)
        self.close()

    def close(self) -> None:
        """Stop the insert thread (if any); re-raise what it failed with."""
        if self._queue is not None:
            self._queue.put(None)
            self._thread.join()
            self._queue = None
        if self._error is not None:
            raise self._error
