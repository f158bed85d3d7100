"""Large first syncs: a scope's full content prepared once as a job, as compressed batch files
on disk, shared by every device with the same scope (docs/SYNC.md, Large first syncs).

A snapshot is the ordinary pull from cursor 0, cut into batches (each a `PullResponse` in the
column-wise form of codec.columnar, zstd JSON, ~75 KB compressed) and written to `<dir>/<snapshot id>/<index>.zst`; the manifest
lists each batch's end cursor, so a device resumes at the first batch past its own cursor (a cut
costs at most one batch) and then continues with the incremental pull from the snapshot's rev.
Each batch is read in its own short transaction, like a device pulling, so preparation never
holds the database. Jobs run on a small pool off the request path (`JOBS` threads), so a morning
of onboarding does not slow the incremental syncs of others; requests get 202 and progress.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import heapq
import json
import os
import re
import shutil
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple

import zstandard
from sqlalchemy import JSON, Text, cast, select
from sqlalchemy.orm import Session, sessionmaker

from common.errors import DomainError
from common.schema import ENTITIES, OrgNode
from common.sync.codec import columnar, compact_clocks

from ..db.engine import unit_of_work
from ..db.snapshot_tables import ScopeSnapshot
from ..db.sync_tables import SyncConflict
from .changes import current_rev
from .scope import Scope
from .sync_pull import _conflict_wire

JOBS = 1
"""Snapshots prepared at once (each is a CPU-bound compression run; the machine has 2 cores)."""
BATCH_BYTES = 800_000
"""Rows' JSON per batch file: about 75 KB on the wire (column-wise, zstd), 10 s on a 2G link,
which is what a cut link costs; larger batches compress a little better."""
LEVEL = 17
"""zstd level of the batch files: prepared once, downloaded by every device of the scope over a
slow link; 17 is the smallest of the levels here (19 and up choose worse matches on this JSON)
for about 40 ms of CPU per batch."""
FRESH_FOR = dt.timedelta(hours=6)
"""A ready snapshot younger than this is reused; the device then pulls what changed since."""
RENEW_AFTER = dt.timedelta(hours=4)
"""Kept ready (`keep_ready`): a scope's snapshot older than this is prepared again in the
background, so one fresh for at least two more hours is always there."""
KEEP_READY_LEVELS = ("grid",)
"""The scopes kept ready without being asked: those of the grid workers, whose first sync
crosses the slowest links (a grid's snapshot takes about a second to prepare); larger scopes
are prepared when their user signs in or asks."""
CACHE_BYTES = 64 * 1024 * 1024
LONG_POLL = 25.0
"""Longest a status request waits for its job to finish (`?wait=`): devices learn at once."""


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
        self.waiters: dict[str, list[tuple[asyncio.AbstractEventLoop, asyncio.Future]]] = {}
        self.stopping = threading.Event()
        """Set when the server stops: a job being prepared ends after its current batch."""

    async def wait(self, snap_id: str, timeout: float) -> bool | None:
        """Wait (on the event loop, holding no thread) until this process's job `snap_id`
        ends (True) or `timeout` seconds pass (False); None at once if no such job runs here."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future = loop.create_future()
        with self.lock:
            if snap_id not in self.running:
                return None
            self.waiters.setdefault(snap_id, []).append((loop, done))
        try:
            await asyncio.wait_for(done, timeout)
            return True
        except TimeoutError:
            return False
        finally:
            with self.lock:
                mine = self.waiters.get(snap_id, [])
                if (loop, done) in mine:
                    mine.remove((loop, done))
                if not mine:
                    self.waiters.pop(snap_id, None)

    def _wake(self, snap_id: str) -> None:
        with self.lock:
            self.running.discard(snap_id)
            waiting = self.waiters.pop(snap_id, [])
        for loop, done in waiting:
            try:
                loop.call_soon_threadsafe(_finish, done)
            except RuntimeError:  # that request's loop is gone (server stopping)
                pass

    def request(self, scope: Scope, fresh_for: dt.timedelta = FRESH_FOR) -> ScopeSnapshot:
        """The snapshot a device of `scope` should download: a ready one younger than
        `fresh_for`, the one being prepared, or a new job (its row committed at once, so
        concurrent requests of the same scope share it)."""
        if scope.empty:
            raise DomainError("out_of_scope")
        now = self.clock()
        # Most requests of a morning find the shared snapshot: a read, no write lock.
        with self.factory() as session:
            found = self._usable(session, scope, now, fresh_for=fresh_for)
        if found is not None:
            return found
        with self.lock:
            with unit_of_work(self.factory) as session:
                found = self._usable(session, scope, now, repair=True, fresh_for=fresh_for)
                if found is not None:
                    return found
                snap_id = _snapshot_id(scope.path or "", current_rev(session), now)
                snap = ScopeSnapshot(id=snap_id, scope_path=scope.path, rev=0,
                                     status="preparing", batches=0, rows=0, wire_bytes=0,
                                     raw_bytes=0, created_at=now, prepare_seconds=0.0)
                session.add(snap)
            self.running.add(snap_id)
        self.pool.submit(self._run, snap_id, scope)
        return snap

    def keep_ready(self, scopes: list[Scope]) -> int:
        """Start a job for each of `scopes` whose snapshot is missing or older than
        RENEW_AFTER (called by the server's housekeeping); returns how many were started."""
        started = 0
        for scope in scopes:
            snap = self.request(scope, fresh_for=RENEW_AFTER)
            started += snap.status == "preparing" and snap.batches == 0
        return started

    def _usable(self, session: Session, scope: Scope, now: dt.datetime, *,
                repair: bool = False, fresh_for: dt.timedelta = FRESH_FOR
                ) -> ScopeSnapshot | None:
        rows = session.scalars(select(ScopeSnapshot).where(
            ScopeSnapshot.scope_path == scope.path,
            ScopeSnapshot.status.in_(("ready", "preparing")))
            .order_by(ScopeSnapshot.created_at.desc())).all()
        for snap in rows:
            if snap.status == "ready" and now - snap.created_at < fresh_for \
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
        known: dict[str, int] = {}  # the snapshot's identifiers: each sent once, in one batch
        try:
            # One read transaction (a consistent view on SQLite; on PostgreSQL each entity's
            # statement is consistent and rows changed meanwhile come with the next pull).
            with self.factory() as reader:
                for batch in stream_batches(reader, scope, self.batch_bytes):
                    if self.stopping.is_set():  # the server stops: the next start redoes it
                        raise RuntimeError("interrupted")
                    text = _encode(columnar(json.loads(batch.text), known)).encode()
                    data = compressor.compress(text)
                    _write(folder / f"{index}.zst", data)
                    rows += batch.rows
                    wire += len(data)
                    raw += len(text)
                    cursors.append(batch.cursor)
                    index += 1
                    with unit_of_work(self.factory) as s:  # progress, one batch at a time
                        snap = s.get(ScopeSnapshot, snap_id)
                        snap.batches, snap.rows, snap.wire_bytes, snap.raw_bytes = \
                            index, rows, wire, raw
                        if not batch.more:
                            _write(folder / "cursors", ",".join(map(str, cursors)).encode())
                            snap.rev, snap.status = batch.cursor, "ready"
                            snap.finished_at = self.clock()
                            snap.prepare_seconds = time.perf_counter() - started
        except Exception as exc:  # noqa: BLE001 - a job thread's boundary: whatever failed is
            # recorded on the job's row and the next request starts a new job
            with unit_of_work(self.factory) as s:
                snap = s.get(ScopeSnapshot, snap_id)
                if snap is not None:
                    snap.status, snap.error = "failed", str(exc)[:200]
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            self._wake(snap_id)

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

    def close(self) -> None:
        """Stop: jobs not started are dropped, a job being prepared ends after its current
        batch (recorded as interrupted, its files removed); returns once none runs."""
        self.stopping.set()
        self.pool.shutdown(wait=True, cancel_futures=True)


class Batch(NamedTuple):
    """One batch file's content: the PullResponse JSON (UTF-8), its end cursor, whether more
    follow, and how many rows it holds."""

    text: bytes
    cursor: int
    more: bool
    rows: int


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""The wire's JSON form (as `codec.pack`): each row is encoded once, in this form."""


def stream_batches(session: Session, scope: Scope, budget: int) -> Iterator[Batch]:
    """The whole scope up to the current rev, as pull batches (PullResponse JSON), in ONE pass:
    every entity's rows stream in rev order and are merged by rev, so each row is read once (the
    incremental pull, made for small increments, re-reads its lookahead on every batch). A batch
    is cut at a rev boundary once `budget` characters of JSON are reached; its cursor then covers
    every in-scope row up to it. Exits are left out (a new device holds nothing that could
    leave); conflicts of the scope come in rev order too.

    Each row is encoded to JSON once: its length counts towards the budget and the encoded rows
    are joined into the batch (the same bytes `json.dumps` of the whole batch would give). JSON
    columns other than the field stamps are read as their stored text and spliced in unchanged
    when that text is already the wire form (compact, no escapes: `[]`, `{}`, ...)."""
    high = current_rev(session)
    streams = []
    shapes: dict[str, list[tuple[bool, list[int]]]] = {}
    for name, entity in ENTITIES.items():
        table = entity.__table__
        raw = [isinstance(c.type, JSON) and c.name != "field_clock" for c in table.columns]
        picked = [cast(c, Text).label(c.name) if r else c for c, r in zip(table.columns, raw)]
        shapes[name] = _segments(raw)
        result = session.execute(
            select(*picked).where(table.c.rev > 0, table.c.rev <= high, scope.condition(entity))
            .order_by(table.c.rev).execution_options(yield_per=2000))
        streams.append(_tagged(result, name, list(table.columns.keys()).index("rev")))
    nodes = select(OrgNode.id).where(OrgNode.path.startswith(scope.path, autoescape=True))
    conflicts = session.scalars(
        select(SyncConflict).where(SyncConflict.rev > 0, SyncConflict.rev <= high,
                                   SyncConflict.grid_id.in_(nodes))
        .order_by(SyncConflict.rev).execution_options(yield_per=500))
    streams.append(_tagged(conflicts, "", 0))
    heads = {name: _encode(name) + ':{"cols":' + _encode([c.name for c in e.__table__.columns])
             + ',"rows":[' for name, e in ENTITIES.items()}
    clock_at = {name: list(e.__table__.columns.keys()).index("field_clock")
                for name, e in ENTITIES.items()}
    data: dict[str, list[str]] = {}
    wires: list[str] = []
    used, last, count = 0, 0, 0
    for rev, name, row in heapq.merge(*streams, key=lambda item: item[0]):
        if used >= budget and rev != last:
            yield _batch(heads, data, wires, last, count, more=True)
            data, wires, used, count = {}, [], 0, 0
        last = rev
        if name:
            values = [v.isoformat() if isinstance(v, (dt.datetime, dt.date)) else v
                      for v in row]
            at = clock_at[name]
            values[at] = compact_clocks(values[at])
            text = _row(values, shapes[name])
            data.setdefault(name, []).append(text)
            count += 1
        else:
            text = _encode(_conflict_wire(row).model_dump(mode="json"))
            wires.append(text)
        used += len(text)
    yield _batch(heads, data, wires, high, count, more=False)


def _segments(raw: list[bool]) -> list[tuple[bool, list[int]]]:
    """A row's columns as runs: (False, plain columns encoded together) or (True, [one JSON
    column read as text])."""
    out: list[tuple[bool, list[int]]] = []
    for i, r in enumerate(raw):
        if r:
            out.append((True, [i]))
        elif out and not out[-1][0]:
            out[-1][1].append(i)
        else:
            out.append((False, [i]))
    return out


def _row(values: list[Any], shape: list[tuple[bool, list[int]]]) -> str:
    if len(shape) == 1:
        return _encode(values)
    parts = []
    for raw, at in shape:
        if raw:
            parts.append(_json_text(values[at[0]]))
        else:
            parts.append(_encode([values[i] for i in at])[1:-1])
    return "[" + ",".join(parts) + "]"


def _json_text(stored: str | None) -> str:
    """A JSON column's stored text in the wire form: as it is when it already is (compact, no
    escapes; what most rows hold: `[]`, `{}`), else decoded and encoded again."""
    if stored is None:
        return "null"
    if not _ODD.search(stored):
        return stored
    return _encode(json.loads(stored))


_ODD = re.compile(r'[\\\s]|^$')
"""Anything that may make stored JSON text differ from the wire form: an escape (`\\uXXXX`,
which the wire writes as the character), or whitespace (separators such as `, `)."""


def _tagged(rows: Any, name: str, rev_at: int) -> Iterator[tuple[int, str, Any]]:
    for row in rows:
        yield (row[rev_at] if name else row.rev), name, row


def _batch(heads: dict[str, str], data: dict[str, list[str]], wires: list[str], cursor: int,
           count: int, *, more: bool) -> Batch:
    body = ",".join(heads[name] + ",".join(rows) + "]}" for name, rows in data.items())
    text = ('{"cursor":' + str(cursor) + ',"more":' + ("true" if more else "false")
            + ',"exits":[],"conflicts":[' + ",".join(wires) + '],"data":{' + body + "}}")
    return Batch(text.encode(), cursor, more, count)


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


def _finish(done: asyncio.Future) -> None:
    if not done.done():
        done.set_result(True)


__all__ = ["SnapshotJobs", "get_snapshot", "JOBS", "BATCH_BYTES"]
