"""The first sync of a new profile from a prepared snapshot (docs/SYNC.md, Large first syncs).

A device whose cursor is 0 asks the server for its scope's snapshot, waits while it is prepared
(progress from the server), then downloads the batches one by one (the next on its way while
one is written), each applied in one local transaction with its end cursor: a cut connection costs at most the batch in flight, and the next
attempt resumes at the first batch past the device's cursor. The ordinary incremental pull then
continues from the snapshot's rev. Unsent local changes are laid over the rows as usual.
"""
from __future__ import annotations

import datetime as dt
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy.orm import Session, sessionmaker

from common.errors import DomainError
from common.sync.codec import IdTable, batch_ids, expand_columnar
from common.sync.messages import PullResponse
from desktop.net.snapshots import SnapshotClient
from desktop.storage import replica
from desktop.storage.changes import sync_state
from desktop.storage.database import read_only
from desktop.storage.migrations import DROPPED_INDEXES
from desktop.storage.settings import drop_settings, get_setting, put_setting

POLL_SECONDS = 1.0
MAX_WAIT_SECONDS = 1800.0
AHEAD = 4
"""Batches downloaded and decoded ahead of the one being written."""
GROUP_ROWS = 20_000
"""Rows of batches already here written in one transaction (one commit for several batches
on a fast link; one batch each on a slow one)."""
MARK = "first_sync"
"""Client setting naming the snapshot being downloaded (cleared when done)."""
IDS = "first_sync_ids/"
"""Client settings `IDS<index>`: the identifiers batch <index> added to its snapshot's table
(codec.columnar), kept while the download runs so that a resumed download can read the batches
after it (they name those identifiers by position); removed when done."""
INDEXES = DROPPED_INDEXES
"""Client setting: the secondary indexes of the entity tables dropped while an empty copy is
filled ([name, CREATE INDEX statement] each), built again by the transaction that ends the first
sync. A cut or crash leaves them dropped until the resumed first sync ends (queries meanwhile
are right, only slower), or until a client update migrates the copy (migrations.migrate builds
them first)."""


@dataclass
class FirstSyncReport:
    """What a first sync did: batches fetched (and skipped as already applied), rows, bytes."""

    snapshot_id: str = ""
    rev: int = 0
    batches: int = 0
    fetched: int = 0
    skipped: int = 0
    rows: int = 0
    wire_bytes: int = 0
    waited_polls: int = 0
    wait_seconds: float = 0.0
    """From asking for the snapshot to its manifest saying ready (the server preparing it)."""
    transfer_seconds: float = 0.0
    """Waiting for batches to arrive (the link) and be decoded, beyond what overlapped writing
    earlier ones."""
    apply_seconds: float = 0.0
    """Writing batches to the local copy (decoding the next one meanwhile)."""


def first_sync(engine: Any, client: SnapshotClient, *, now: Callable[[], dt.datetime],
               on_progress: Callable[[str, int, int], None] | None = None,
               poll_seconds: float = POLL_SECONDS,
               sleep: Callable[[float], None] = time.sleep,
               clock: Callable[[], float] = time.monotonic,
               write: Callable[[Callable[[Session], Any]], Any] | None = None
               ) -> FirstSyncReport:
    """Fill an empty (or partly filled) copy from the server's snapshot. `on_progress(stage,
    done, total)`: stage 'preparing' (batches prepared so far) or 'download'. `write(fn)`:
    runs `fn(session)` in one write transaction on the client's writer (SyncService.write);
    default: here. The wait for a snapshot being prepared is measured on `clock` (seconds), so
    a long poll that the server holds counts for the time it took, not for the pause after it."""
    sessions = sessionmaker(engine, expire_on_commit=False)
    reads = sessionmaker(read_only(engine), expire_on_commit=False)

    def here(fn: Callable[[Session], Any]) -> Any:
        with sessions.begin() as s:
            return fn(s)
    write = write or here
    report = FirstSyncReport()
    with reads() as s:
        started = (get_setting(s, MARK) or {}).get("snapshot")
    manifest = None
    if started:  # resume the same snapshot (same batch boundaries) if the server still has it
        try:
            manifest = client.status(started)
        except DomainError as err:
            if err.code not in ("not_found", "snapshot_gone"):
                raise
    asked = clock()
    if manifest is None or manifest.get("status") == "failed":
        try:
            manifest = client.request()
        except DomainError as err:
            if err.code == "not_found":  # a server without snapshots: the ordinary pull
                write(lambda s: _finish(s, now()))  # fills the copy, with its indexes
            raise
    since = clock()
    failures = 0
    while manifest.get("status") != "ready":
        if manifest.get("status") == "failed" or clock() - since > MAX_WAIT_SECONDS:
            failures += 1
            if failures > 1:  # a second job failed too: leave it to the next sync
                raise DomainError("snapshot_not_ready")
            manifest = client.request()  # the server starts a new job
            since = clock()
            continue
        if on_progress:
            on_progress("preparing", int(manifest.get("batches_done", 0)), 0)
        pause = min(float(manifest.get("retry_after") or poll_seconds), 10.0)
        sleep(pause)
        report.waited_polls += 1
        manifest = client.status(manifest["id"])
    report.wait_seconds = clock() - asked
    report.snapshot_id, report.rev = manifest["id"], int(manifest["rev"])
    batches = manifest["batches"]
    report.batches = len(batches)
    with reads() as s:
        cursor = sync_state(s).cursor or 0
        unindexed = get_setting(s, INDEXES) is not None
    if not cursor and not unindexed and batches:
        # An empty copy: its secondary indexes are built once, after the last batch.
        def unindex(s: Session) -> None:
            put_setting(s, INDEXES, replica.drop_secondary_indexes(s), now=now())
            put_setting(s, MARK, {"snapshot": report.snapshot_id, "rev": report.rev}, now=now())
        write(unindex)
    todo = [b for b in batches if b["cursor"] > cursor]
    known = _known_ids(reads, report.snapshot_id, batches, todo[0]["index"] if todo else 0)
    if known is None:  # another snapshot than the one begun, or its table is lost: start over
        todo, known = list(batches), IdTable()
    report.skipped = len(batches) - len(todo)  # applied before the connection was cut
    # While batches are written locally the next ones are already on their way (one request
    # in flight at a time, on the same connection) and decoded, up to AHEAD of them: the slow
    # link never waits for the disk, and decoding overlaps the writer's work. Batches that have
    # arrived are written together, one transaction for up to GROUP_ROWS rows; a failed
    # download stops the fetching, and what arrived before it is written first.
    arrived: queue.Queue[Any] = queue.Queue(AHEAD)
    stop = threading.Event()

    def fetch() -> None:
        for b in todo:
            try:
                sent, size = client.batch(report.snapshot_id, b["index"])
                item: Any = (b["index"], PullResponse.model_validate(expand_columnar(
                    sent, known)), batch_ids(sent), size)
            except BaseException as err:  # noqa: BLE001 - raised by the writing side
                item = err
            while not stop.is_set():
                try:
                    arrived.put(item, timeout=0.2)
                    break
                except queue.Full:
                    continue
            if stop.is_set() or isinstance(item, BaseException):
                return

    def apply(s: Session, group: list[tuple[int, PullResponse, str, int]]) -> int:
        rows = 0
        for index, pull, added, _ in group:
            rows += replica.apply_pull(s, pull, now=now())["rows"]
            if index + 1 < len(batches):
                put_setting(s, f"{IDS}{index}", {"snapshot": report.snapshot_id, "ids": added},
                            now=now())
        # Committed with the batches: the next attempt resumes this snapshot, not the
        # incremental pull (which would fetch the rest again as one file).
        put_setting(s, MARK, {"snapshot": report.snapshot_id, "rev": report.rev}, now=now())
        return rows
    fetcher = threading.Thread(target=fetch, name="first-sync", daemon=True)
    fetcher.start()
    failed: BaseException | None = None
    try:
        left = len(todo)
        while left and failed is None:
            waiting = clock()
            group = [arrived.get()]
            applying = clock()
            report.transfer_seconds += applying - waiting
            while not isinstance(group[-1], BaseException) and len(group) < left \
                    and sum(len(r) for g in group for r in _rows(g[1])) < GROUP_ROWS:
                try:
                    group.append(arrived.get_nowait())
                except queue.Empty:
                    break
            if isinstance(group[-1], BaseException):
                failed = group.pop()
            if group:
                report.rows += write(lambda s, group=group: apply(s, group))
                report.apply_seconds += clock() - applying
                left -= len(group)
                for index, _, _, size in group:
                    report.fetched += 1
                    report.wire_bytes += size
                    if on_progress:
                        on_progress("download", index + 1, len(batches))
        if failed is not None:
            raise failed
    finally:
        stop.set()
        fetcher.join()

    write(lambda s: _finish(s, now()))
    return report


def _rows(pull: PullResponse) -> list[list[Any]]:
    return [block.rows for block in pull.data.values()]


def _finish(s: Session, now: dt.datetime) -> None:
    """End a first sync: build the indexes dropped for it, forget the snapshot and its table."""
    indexes = get_setting(s, INDEXES)
    if indexes:
        replica.create_indexes(s, indexes)
    drop_settings(s, INDEXES)
    put_setting(s, MARK, {}, now=now)
    drop_settings(s, IDS)


def _known_ids(reads: sessionmaker[Session], snapshot_id: str, batches: list[dict[str, Any]],
               start: int) -> IdTable | None:
    """The snapshot's identifiers added by its batches before `start`, as kept when they were
    applied; None if any is missing or belongs to another snapshot."""
    known = IdTable()
    with reads() as s:
        for b in batches[:start]:
            kept = get_setting(s, f"{IDS}{b['index']}")
            if not isinstance(kept, dict) or kept.get("snapshot") != snapshot_id:
                return None
            known.extend_hex(kept.get("ids", ""))
    return known


def first_sync_pending(engine: Any) -> bool:
    """Whether this copy is empty or in the middle of a snapshot download."""
    with sessionmaker(read_only(engine))() as s:
        return not (sync_state(s).cursor or 0) or bool((get_setting(s, MARK) or {}).get(
            "snapshot"))


__all__ = ["first_sync", "first_sync_pending", "FirstSyncReport"]
