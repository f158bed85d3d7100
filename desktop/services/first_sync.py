"""The first sync of a new profile from a prepared snapshot (docs/SYNC.md, Large first syncs).

A device whose cursor is 0 asks the server for its scope's snapshot, waits while it is prepared
(progress from the server), then downloads the batches one by one (the next on its way while
one is written), each applied in one local transaction with its end cursor: a cut connection costs at most the batch in flight, and the next
attempt resumes at the first batch past the device's cursor. The ordinary incremental pull then
continues from the snapshot's rev. Unsent local changes are laid over the rows as usual.
"""
from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy.orm import Session, sessionmaker

from common.errors import DomainError
from common.sync.codec import batch_ids, expand_columnar, hex_ids
from common.sync.messages import PullResponse
from desktop.net.snapshots import SnapshotClient
from desktop.storage import replica
from desktop.storage.changes import sync_state
from desktop.storage.database import read_only
from desktop.storage.settings import drop_settings, get_setting, put_setting

POLL_SECONDS = 1.0
MAX_WAIT_SECONDS = 1800.0
MARK = "first_sync"
"""Client setting naming the snapshot being downloaded (cleared when done)."""
IDS = "first_sync_ids/"
"""Client settings `IDS<index>`: the identifiers batch <index> added to its snapshot's table
(codec.columnar), kept while the download runs so that a resumed download can read the batches
after it (they name those identifiers by position); removed when done."""


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
    """Waiting for batches to arrive (the link), beyond what overlapped writing earlier ones."""
    apply_seconds: float = 0.0
    """Decoding batches and writing them to the local copy."""


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
        manifest = client.request()
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
    todo = [b for b in batches if b["cursor"] > cursor]
    known = _known_ids(reads, report.snapshot_id, batches, todo[0]["index"] if todo else 0)
    if known is None:  # another snapshot than the one begun, or its table is lost: start over
        todo, known = list(batches), []
    report.skipped = len(batches) - len(todo)  # applied before the connection was cut
    # While one batch is written locally the next is already on its way (one request in
    # flight at a time, on the same connection): the slow link never waits for the disk.
    with ThreadPoolExecutor(1, thread_name_prefix="first-sync") as pool:
        ahead = pool.submit(client.batch, report.snapshot_id, todo[0]["index"]) if todo else None
        try:
            for k, batch in enumerate(todo):
                waiting = clock()
                sent, size = ahead.result()
                applying = clock()
                report.transfer_seconds += applying - waiting
                ahead = pool.submit(client.batch, report.snapshot_id, todo[k + 1]["index"]) \
                    if k + 1 < len(todo) else None
                pull = PullResponse.model_validate(expand_columnar(sent, known))
                added = batch_ids(sent)

                def apply(s: Session, pull: Any = pull, index: int = batch["index"],
                          added: str = added) -> int:
                    rows = replica.apply_pull(s, pull, now=now())["rows"]
                    # Committed with the batch: the next attempt resumes this snapshot, not the
                    # incremental pull (which would fetch the rest again as one file).
                    put_setting(s, MARK, {"snapshot": report.snapshot_id, "rev": report.rev},
                                now=now())
                    if index + 1 < len(batches):
                        put_setting(s, f"{IDS}{index}",
                                    {"snapshot": report.snapshot_id, "ids": added}, now=now())
                    return rows
                report.rows += write(apply)
                report.apply_seconds += clock() - applying
                report.fetched += 1
                report.wire_bytes += size
                if on_progress:
                    on_progress("download", batch["index"] + 1, len(batches))
        finally:
            if ahead is not None:  # a batch fetched for nothing after a failure
                ahead.cancel()
                try:
                    ahead.result()
                except Exception:  # noqa: BLE001 - the failure that matters is raised above
                    pass

    def done(s: Session) -> None:
        put_setting(s, MARK, {}, now=now())
        drop_settings(s, IDS)
    write(done)
    return report


def _known_ids(reads: sessionmaker[Session], snapshot_id: str, batches: list[dict[str, Any]],
               start: int) -> list[str] | None:
    """The snapshot's identifiers added by its batches before `start`, as kept when they were
    applied; None if any is missing or belongs to another snapshot."""
    known: list[str] = []
    with reads() as s:
        for b in batches[:start]:
            kept = get_setting(s, f"{IDS}{b['index']}")
            if not isinstance(kept, dict) or kept.get("snapshot") != snapshot_id:
                return None
            known += hex_ids(kept.get("ids", ""))
    return known


def first_sync_pending(engine: Any) -> bool:
    """Whether this copy is empty or in the middle of a snapshot download."""
    with sessionmaker(read_only(engine))() as s:
        return not (sync_state(s).cursor or 0) or bool((get_setting(s, MARK) or {}).get(
            "snapshot"))


__all__ = ["first_sync", "first_sync_pending", "FirstSyncReport"]
