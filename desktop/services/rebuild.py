"""Drift repair on the device: state what this copy holds, and rebuild it when the server says
it drifted (docs/SYNC.md, Drift repair).

`local_verify` states the committed cursor and a digest (count, XOR-hash of `id:rev` per
entity) of the rows the server sent. `rebuild_replica` pulls the whole scope into a NEW
SQLCipher file under the same data key, carries over everything that is local only (outbox,
quarantine, conflicts, settings, local history, departures, tokens), lays the unsent changes back
on top (records created offline included), then swaps the file in at once. The unsent changes
are never rewritten: they keep their change ids, clocks and bases, so the server merges them by
HLC and a stale copy cannot overwrite newer server values with its old ones.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from common.errors import DomainError
from common.schema import ENTITIES
from common.sync.digest import Verify, combined, fold
from common.sync.messages import PullRequest, SyncRequest
from desktop.storage import replica
from desktop.storage.changes import sync_state
from desktop.storage.database import open_database, read_only
from desktop.storage.migrations import migrate
from desktop.storage.tables import Departure, OutboxEntry, Quarantined

DERIVED = ("person_search_keys", "person_search_names")
"""Local tables rebuilt from the synced rows (the people search index): not carried over."""
MAX_PULLS = 100_000


def local_verify(session: Session, *, digest: bool = True) -> Verify:
    """This copy's committed cursor and digest, as the server should see it: rows the server
    sent (rev > 0), not those kept only because local changes still wait (departures)."""
    state = sync_state(session)
    if not digest:
        return Verify(cursor=state.cursor or 0)
    departed = {(d.entity, d.record_id) for d in session.scalars(select(Departure))}
    out: dict[str, tuple[int, str]] = {}
    for name, entity in ENTITIES.items():
        table = entity.__table__
        pairs = session.execute(select(table.c.id, table.c.rev).where(table.c.rev > 0))
        count, value = fold((r[0], r[1]) for r in pairs if (name, r[0]) not in departed)
        if count:
            out[name] = (count, value)
    return Verify(cursor=state.cursor or 0, digest=combined(out))


def data_key_of(profile: Any) -> bytes:
    key = getattr(profile, "data_key", None) or getattr(profile, "key", None)
    if not key:
        raise DomainError("rebuild_failed", detail="no data key")
    return key


def db_file_of(profile: Any) -> Path:
    return Path(getattr(profile, "db_path", None) or profile.path)


def rebuild_replica(profile: Any, exchange: Callable[[SyncRequest], Any], *, max_bytes: int,
                    now: dt.datetime,
                    on_batch: Callable[[int, int], None] | None = None,
                    writer: Callable[[Callable[[], Any]], Any] | None = None
                    ) -> dict[str, int]:
    """Rebuild `profile`'s database (its `.engine` over `db_file_of(profile)`) from the server.
    `exchange(request)` sends one pull-only request. Returns counts (rows, pending, pulls).

    The pulls fill the new file, which nobody else opens; the last step (the changes typed
    meanwhile carried over, then the swap) runs on `writer` (the client's one writer: nothing
    is written to the old file between the copy and the swap), default here."""
    old_engine: Engine = profile.engine
    path = db_file_of(profile)
    fresh_path = path.with_name(path.name + ".rebuild")
    _remove(fresh_path)
    fresh = open_database(fresh_path, data_key_of(profile))
    try:
        migrate(fresh)
        device_id = _carry_local_state(old_engine, fresh)
        rows, pulls = _pull_all(fresh, device_id, exchange, max_bytes, now, on_batch)
    except BaseException:
        fresh.dispose()
        raise

    def carry_and_swap() -> int:
        try:
            pending = _carry_late_changes(old_engine, fresh)
            # deferred: a checkpoint cannot run inside a transaction holding the write lock
            with read_only(fresh).connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            fresh.dispose()
        _swap(old_engine, path, fresh_path)
        return pending
    pending = (writer or (lambda fn: fn()))(carry_and_swap)
    return {"rows": rows, "pending": pending, "pulls": pulls}


def _tables(conn: Any) -> list[str]:
    names = [r[0] for r in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    synced = {e.__table__.name for e in ENTITIES.values()}
    return [n for n in names if n not in synced and n not in DERIVED and n != "_migrations"]


def _carry_local_state(old: Engine, fresh: Engine) -> str:
    """Copy every local-only table; the cursor starts again from 0. Returns the device id."""
    with read_only(old).connect() as src, fresh.begin() as dst:
        present = set(_tables(dst))
        for name in _tables(src):
            if name not in present:
                continue
            cols = [r[1] for r in src.exec_driver_sql(f'PRAGMA table_info("{name}")')]
            rows = src.exec_driver_sql(
                f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} FROM "{name}"').all()
            dst.exec_driver_sql(f'DELETE FROM "{name}"')
            if rows:
                marks = ", ".join("?" for _ in cols)
                quoted = ", ".join(f'"{c}"' for c in cols)
                dst.exec_driver_sql(f'INSERT INTO "{name}" ({quoted}) VALUES ({marks})',
                                    [tuple(r) for r in rows])
        dst.execute(text("UPDATE sync_state SET cursor = 0"))
        return dst.execute(text("SELECT device_id FROM sync_state WHERE id = 1")).scalar_one()


def _pull_all(fresh: Engine, device_id: str, exchange: Callable[[SyncRequest], Any],
              max_bytes: int, now: dt.datetime,
              on_batch: Callable[[int, int], None] | None) -> tuple[int, int]:
    """The whole scope from cursor 0, one committed batch at a time (the outbox is already in
    the new file, so apply_pull lays the unsent changes over the rows it writes)."""
    sessions = sessionmaker(fresh, expire_on_commit=False)
    rows = pulls = 0
    cursor = 0
    for _ in range(MAX_PULLS):
        response = exchange(SyncRequest(device_id=device_id,
                                        pull=PullRequest(cursor=cursor, max_bytes=max_bytes)))
        with sessions.begin() as s:
            rows += replica.apply_pull(s, response.pull, now=now)["rows"]
            cursor = sync_state(s).cursor
        pulls += 1
        if on_batch:
            on_batch(pulls, rows)
        if not response.pull.more:
            return rows, pulls
    raise DomainError("rebuild_failed", detail="too many batches")


def _carry_late_changes(old: Engine, fresh: Engine) -> int:
    """Outbox entries written in the old file while the pull ran, and the rows of records only
    this device knows (created offline, not yet sent): copy them so nothing typed is lost."""
    with Session(old) as src, Session(fresh) as dst, dst.begin():
        have = set(dst.scalars(select(OutboxEntry.change_id)))
        for entry in src.scalars(select(OutboxEntry).order_by(OutboxEntry.seq)):
            if entry.change_id not in have:
                dst.merge(_detached(entry))
        dst.flush()
        pending = dst.scalar(select(func.count()).select_from(OutboxEntry)) or 0
        wanted = {(e.entity, e.record_id) for e in dst.scalars(select(OutboxEntry))}
        wanted |= {(q.entity, q.record_id) for q in dst.scalars(select(Quarantined))}
        for name, record_id in wanted:
            entity = ENTITIES.get(name)
            if entity is None or dst.get(entity, record_id) is not None:
                continue
            row = src.get(entity, record_id)
            if row is not None:
                dst.merge(_detached(row))
        # Rows of records this device still holds for its pending changes (they left scope).
        for d in dst.scalars(select(Departure)):
            entity = ENTITIES.get(d.entity)
            if entity is not None and dst.get(entity, d.record_id) is None:
                row = src.get(entity, d.record_id)
                if row is not None:
                    dst.merge(_detached(row))
        return pending


def _detached(row: Any) -> Any:
    cls = type(row)
    return cls(**{c.key: getattr(row, c.key) for c in cls.__mapper__.column_attrs})


def _swap(old: Engine, path: Path, fresh_path: Path) -> None:
    """Replace the file at once. Every connection to the old file is closed first, and its WAL
    removed, so no old journal is ever replayed onto the new file."""
    old.dispose()
    for suffix in ("-wal", "-shm"):
        _remove(path.with_name(path.name + suffix))
    for suffix in ("-wal", "-shm"):
        _remove(fresh_path.with_name(fresh_path.name + suffix))
    os.replace(fresh_path, path)


def _remove(path: Path) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


__all__ = ["local_verify", "rebuild_replica", "data_key_of", "db_file_of"]
