"""The demo's row writer: seeded ids, sequential revs, and chunked Core inserts per table."""
from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import Counter
from typing import Any

from sqlalchemy import Connection, Table

from common.schema import ENTITIES

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


class Writer:
    """Buffers rows per table and inserts them in chunks through one connection.

    Ids come from a seeded RNG (uuid4-shaped), revs count 1..N in the order rows are added, so
    the same seed and `now` give identical databases. Never commits: the caller owns the
    transaction.
    """

    def __init__(self, conn: Connection, seed: int, *, rev_start: int = 0) -> None:
        self.conn = conn
        self._ids = random.Random(f"ids:{seed}")
        self.rev = rev_start
        self.counts: Counter[str] = Counter()
        self._tables = {name: cls.__table__ for name, cls in ENTITIES.items()}
        self._templates = {name: _defaults(t) for name, t in self._tables.items()}
        self._buffers: dict[str, list[dict[str, Any]]] = {name: [] for name in self._tables}

    def new_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

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
        if buf:
            self.conn.execute(self._tables[table].insert(), buf)
            self.counts[table] += len(buf)
            self._buffers[table] = []

    def flush(self) -> None:
        """Insert everything still buffered, parents' tables first."""
        for name in self._tables:
            self._flush(name)
