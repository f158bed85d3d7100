"""Large first syncs: a scope's full content prepared once as a job, as compressed batch files
on disk, shared by every device with the same scope (docs/SYNC.md, Large first syncs).

A snapshot is the ordinary pull from cursor 0, cut into batches (each a `PullResponse`, zstd
JSON, ~1 MB before compression) and written to `<dir>/<snapshot id>/<index>.zst`; the manifest
lists each batch's end cursor, so a device resumes at the first batch past its own cursor (a cut
costs at most one batch) and then continues with the incremental pull from the snapshot's rev.
Each batch is read in its own short transaction, like a device pulling, so preparation never
holds the database. Jobs run on a small pool off the request path (`JOBS` threads), so a morning
of onboarding does not slow the incremental syncs of others; requests get 202 and progress.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import json
import os
import shutil
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator

import zstandard
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from common.errors import DomainError
from common.schema import ENTITIES, OrgNode
from common.sync.codec import compact_clocks, to_wire

from ..db.engine import write_session
from ..db.snapshot_tables import ScopeSnapshot
from ..db.sync_tables import SyncConflict
from .changes import current_rev
from .scope import Scope
from .sync_pull import MAX_BYTES, _conflict_wire

JOBS = 1
"""Snapshots prepared at once (each is a CPU-bound compression run; the machine has 2 cores)."""
BATCH_BYTES = MAX_BYTES
"""Uncompressed JSON per batch file: large batches compress better (wire goal: 1.5x one file)."""
LEVEL = 9
FRESH_FOR = dt.timedelta(hours=6)
"""A ready snapshot younger than this is reused; the device then pulls what changed since."""
KEEP_FOR = dt.timedelta(days=2)
CACHE_BYTES = 64 * 1024 * 1024


class SnapshotJobs:
    """The app's snapshot jobs: one pool, the jobs this process runs, the folder of files."""

    def __init__(self, factory: sessionmaker[Session], folder: Path, *, jobs: int = JOBS,
                 clock: Callable[[], dt.datetime], batch_bytes: int = BATCH_BYTES) -> None:
        self.factory = factory
        self.batch_bytes = batch_bytes
        self.folder = Path(folder)
        self.clock = clock
        self.pool = ThreadPoolExecutor(jobs, thread_name_prefix="snapshot")
        self.running: set[str] = set()
        self.cache: OrderedDict[str, bytes] = OrderedDict()
        self.cached = 0
        self.lock = threading.Lock()

    def request(self, scope: Scope) -> ScopeSnapshot:
        """The snapshot a device of `scope` should download: a fresh ready one, the one being
        prepared, or a new job (its row committed at once, so concurrent requests of the same
        scope share it)."""
        if scope.empty:
            raise DomainError("out_of_scope")
        now = self.clock()
        # Most requests of a morning find the shared snapshot: a read, no write lock.
        with self.factory() as session:
            found = self._usable(session, scope, now)
        if found is not None:
            return found
        with self.lock, write_session(self.factory) as session:
            found = self._usable(session, scope, now, repair=True)
            if found is not None:
                return found
            snap_id = _snapshot_id(scope.path or "", current_rev(session), now)
            snap = ScopeSnapshot(id=snap_id, scope_path=scope.path, rev=0, status="preparing",
                                 batches=0, rows=0, wire_bytes=0, raw_bytes=0, created_at=now,
                                 prepare_seconds=0.0)
            session.add(snap)
            session.commit()
            self.running.add(snap_id)
        self.pool.submit(self._run, snap_id, scope)
        return snap

    def _usable(self, session: Session, scope: Scope, now: dt.datetime, *,
                repair: bool = False) -> ScopeSnapshot | None:
        rows = session.scalars(select(ScopeSnapshot).where(
            ScopeSnapshot.scope_path == scope.path,
            ScopeSnapshot.status.in_(("ready", "preparing")))
            .order_by(ScopeSnapshot.created_at.desc())).all()
        for snap in rows:
            if snap.status == "ready" and now - snap.created_at < FRESH_FOR \
                    and (self.folder / snap.id).is_dir():
                return snap
            if snap.status == "preparing" and snap.id in self.running:
                return snap
            if snap.status == "preparing" and repair:  # its process died (server restart)
                snap.status, snap.error = "failed", "interrupted"
        return None

    def _run(self, snap_id: str, scope: Scope) -> None:
        started = time.perf_counter()
        folder = self.folder / snap_id
        folder.mkdir(parents=True, exist_ok=True)
        index, rows, wire, raw, cursors = 0, 0, 0, 0, []
        compressor = zstandard.ZstdCompressor(level=LEVEL)
        try:
            # One read transaction (a consistent view on SQLite; on PostgreSQL each entity's
            # statement is consistent and rows changed meanwhile come with the next pull).
            with self.factory() as reader:
                for batch in stream_batches(reader, scope, self.batch_bytes):
                    text = _json(batch)
                    data = compressor.compress(text)
                    _write(folder / f"{index}.zst", data)
                    rows += sum(len(b["rows"]) for b in batch["data"].values())
                    wire += len(data)
                    raw += len(text)
                    cursors.append(batch["cursor"])
                    index += 1
                    with write_session(self.factory) as s:
                        snap = s.get(ScopeSnapshot, snap_id)
                        snap.batches, snap.rows, snap.wire_bytes, snap.raw_bytes = \
                            index, rows, wire, raw
                        if not batch["more"]:
                            _write(folder / "cursors", ",".join(map(str, cursors)).encode())
                            snap.rev, snap.status = batch["cursor"], "ready"
                            snap.finished_at = self.clock()
                            snap.prepare_seconds = time.perf_counter() - started
                        s.commit()
        except Exception as exc:  # noqa: BLE001 - recorded; the next request starts a new job
            with write_session(self.factory) as s:
                snap = s.get(ScopeSnapshot, snap_id)
                if snap is not None:
                    snap.status, snap.error = "failed", str(exc)[:200]
                    s.commit()
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            with self.lock:
                self.running.discard(snap_id)

    def manifest(self, snap: ScopeSnapshot) -> dict[str, Any]:
        """What a device needs: status and progress; when ready, the end cursor of each batch
        and its size."""
        out: dict[str, Any] = {"id": snap.id, "status": snap.status, "rev": snap.rev,
                               "batches_done": snap.batches, "rows": snap.rows,
                               "wire_bytes": snap.wire_bytes, "raw_bytes": snap.raw_bytes,
                               "prepare_seconds": round(snap.prepare_seconds or 0.0, 3)}
        if snap.status == "ready":
            cursors = (self.folder / snap.id / "cursors").read_text().split(",")
            out["batches"] = [{"index": i, "cursor": int(c),
                               "bytes": (self.folder / snap.id / f"{i}.zst").stat().st_size}
                              for i, c in enumerate(cursors)]
        return out

    def batch_path(self, snap: ScopeSnapshot, index: int) -> Path:
        path = self.folder / snap.id / f"{int(index)}.zst"
        if snap.status != "ready" or not 0 <= index < snap.batches or not path.exists():
            raise DomainError("snapshot_gone")
        return path

    def batch_data(self, snap: ScopeSnapshot, index: int) -> bytes:
        """One batch file's bytes, kept in memory while devices of the scope fetch it (every
        device of a scope fetches the same files; reading them once saves a disk read and a
        thread hop per chunk for each of 300 devices)."""
        path = self.batch_path(snap, index)
        key = str(path)
        with self.lock:
            data = self.cache.get(key)
            if data is not None:
                self.cache.move_to_end(key)
                return data
        data = path.read_bytes()
        with self.lock:
            self.cache[key] = data
            self.cached += len(data)
            while self.cached > CACHE_BYTES and len(self.cache) > 1:
                _, old = self.cache.popitem(last=False)
                self.cached -= len(old)
        return data

    def purge(self, session: Session) -> int:
        """Remove snapshots older than KEEP_FOR (a server maintenance call)."""
        old = session.scalars(select(ScopeSnapshot).where(
            ScopeSnapshot.created_at < self.clock() - KEEP_FOR)).all()
        for snap in old:
            shutil.rmtree(self.folder / snap.id, ignore_errors=True)
            session.delete(snap)
        return len(old)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def stream_batches(session: Session, scope: Scope, budget: int) -> Iterator[dict[str, Any]]:
    """The whole scope up to the current rev, as pull batches (JSON-safe dicts in the
    PullResponse shape), in ONE pass: every entity's rows stream in rev order and are merged by
    rev, so each row is read once (the incremental pull, made for small increments, re-reads
    its lookahead on every batch). A batch is cut at a rev boundary once `budget` bytes of JSON
    are reached; its cursor then covers every in-scope row up to it. Exits are left out (a new
    device holds nothing that could leave); conflicts of the scope come in rev order too."""
    high = current_rev(session)
    streams = []
    for name, entity in ENTITIES.items():
        table = entity.__table__
        result = session.execute(
            select(table).where(table.c.rev > 0, table.c.rev <= high, scope.condition(entity))
            .order_by(table.c.rev).execution_options(yield_per=2000)).mappings()
        streams.append(_tagged(result, name))
    nodes = select(OrgNode.id).where(OrgNode.path.startswith(scope.path, autoescape=True))
    conflicts = session.scalars(
        select(SyncConflict).where(SyncConflict.rev > 0, SyncConflict.rev <= high,
                                   SyncConflict.grid_id.in_(nodes))
        .order_by(SyncConflict.rev).execution_options(yield_per=500))
    streams.append(_tagged(conflicts, ""))
    cols = {name: [c.name for c in e.__table__.columns] for name, e in ENTITIES.items()}
    data: dict[str, list[list[Any]]] = {}
    wires: list[dict[str, Any]] = []
    used, last = 0, 0
    for rev, name, row in heapq.merge(*streams, key=lambda item: item[0]):
        if used >= budget and rev != last:
            yield _batch(cols, data, wires, last, more=True)
            data, wires, used = {}, [], 0
        last = rev
        if name:
            values = [compact_clocks(row[c]) if c == "field_clock" else to_wire(row[c])
                      for c in cols[name]]
            data.setdefault(name, []).append(values)
        else:
            values = _conflict_wire(row).model_dump(mode="json")
            wires.append(values)
        used += len(json.dumps(values, ensure_ascii=False, default=str))
    yield _batch(cols, data, wires, high, more=False)


def _tagged(rows: Any, name: str) -> Iterator[tuple[int, str, Any]]:
    for row in rows:
        yield (row["rev"] if name else row.rev), name, row


def _batch(cols: dict[str, list[str]], data: dict[str, list[list[Any]]],
           wires: list[dict[str, Any]], cursor: int, *, more: bool) -> dict[str, Any]:
    return {"cursor": cursor, "more": more, "exits": [], "conflicts": wires,
            "data": {name: {"cols": cols[name], "rows": rows} for name, rows in data.items()}}


def get_snapshot(session: Session, scope: Scope, snap_id: str) -> ScopeSnapshot:
    """A snapshot of the caller's own scope (another scope's answers not_found)."""
    snap = session.get(ScopeSnapshot, snap_id)
    if snap is None or scope.empty or snap.scope_path != scope.path:
        raise DomainError("not_found")
    return snap


def _snapshot_id(path: str, rev: int, now: dt.datetime) -> str:
    return hashlib.sha256(f"{path}|{rev}|{now.isoformat()}|{os.urandom(8).hex()}".encode()
                          ).hexdigest()[:32]


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _json(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


__all__ = ["SnapshotJobs", "get_snapshot", "JOBS", "BATCH_BYTES"]
