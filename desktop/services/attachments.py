"""Moving photos between the device and the server: resumable upload, on-demand download.

Upload (after the records that reference the photos, or before: the server does not mind): one
request asks which of the device's unsent hashes the server lacks and how much of each it holds;
then each missing original is sent in raw chunks from the received offset. A cut link raises
`server_unreachable`; the next call asks again and continues where the server's staging file
ends, so a cut costs at most the chunk in flight. A photo attached to many records is one hash:
sent once. Download fetches an original on demand (thumbnails travel inside the records).

Qt-free; runs on the network pool (it reads the blob store and, read-only, the database).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from common.attachments import CHUNK_SIZE, sha256_hex
from common.errors import DomainError
from desktop.net.attachments import AttachmentClient
from desktop.storage.blobs import BlobStore, referenced_photo_hashes
from desktop.storage.database import read_only

Progress = Callable[[str, int, int], None]
"""progress(sha256, bytes the server holds, total bytes)."""

RETRYABLE = frozenset({"server_unreachable", "server_error"})


@dataclass
class UploadReport:
    """What one upload run did: originals completed, already there, refused (with the code)."""

    sent: list[str] = field(default_factory=list)
    already_there: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    bytes_sent: int = 0
    chunks_sent: int = 0
    bytes_attempted: int = 0
    """Chunk bytes handed to the link, including chunks lost to a cut (re-sent later)."""


class AttachmentSync:
    """Uploads a profile's unsent photos and fetches originals. Owns nothing but its counters."""

    def __init__(self, store: BlobStore, client: AttachmentClient, *,
                 progress: Progress | None = None, chunk_size: int = CHUNK_SIZE) -> None:
        self.store = store
        self.client = client
        self.progress = progress
        self.chunk_size = chunk_size

    def upload_pending(self, hashes: list[str] | None = None, *,
                       report: UploadReport | None = None) -> UploadReport:
        """Send every original the server lacks (default: all the store has not marked sent).

        Raises DomainError server_unreachable when the link drops (call again to resume) and
        device_revoked when the server refuses this device. `report` accumulates across calls."""
        report = report if report is not None else UploadReport()
        todo = [h for h in (hashes if hashes is not None else self.store.unsent())
                if self.store.has(h) and not self.store.is_sent(h)]
        if not todo:
            return report
        states = self.client.status(todo)
        for sha in todo:
            state = states.get(sha)
            if state is not None and state.complete:
                self.store.mark_sent(sha)
                report.already_there.append(sha)
                continue
            try:
                self._upload_one(sha, state.received if state else 0, report)
            except DomainError as err:
                if err.code in RETRYABLE or err.code == "device_revoked":
                    raise
                report.refused[sha] = err.code
        return report

    def upload_until_done(self, *, attempts: int = 20, wait: float = 2.0,
                          hashes: list[str] | None = None) -> UploadReport:
        """upload_pending, retried after link failures (for the CLI and tests; the GUI retries
        on its next sync instead of blocking)."""
        report = UploadReport()
        for attempt in range(attempts):
            try:
                return self.upload_pending(hashes, report=report)
            except DomainError as err:
                if err.code not in RETRYABLE or attempt == attempts - 1:
                    raise
                time.sleep(wait)
        return report

    def _upload_one(self, sha: str, offset: int, report: UploadReport) -> None:
        data = self.store.get(sha)  # decrypted once per upload, checked against its hash
        total = len(data)
        restarted = False
        while True:
            chunk = data[offset:offset + self.chunk_size]
            report.bytes_attempted += len(chunk)
            try:
                receipt = self.client.put_chunk(sha, offset, total, chunk)
            except DomainError as err:
                if err.code == "attachment_offset_mismatch" and "received" in err.params:
                    offset = err.params["received"]  # someone else (or a lost answer) moved it
                    continue
                if err.code == "attachment_hash_mismatch" and not restarted:
                    restarted, offset = True, 0  # corrupted on the way: once more from scratch
                    continue
                raise
            report.bytes_sent += len(chunk)
            report.chunks_sent += 1
            offset = receipt.received
            if self.progress:
                self.progress(sha, offset, total)
            if receipt.complete:
                self.store.mark_sent(sha)
                report.sent.append(sha)
                return

    def fetch_original(self, sha: str) -> bytes:
        """The original photo: from the store, else downloaded (resuming after a cut is the
        caller's retry; what arrived is kept in memory only for this call) and stored."""
        if self.store.has(sha):
            return self.store.get(sha)
        received = bytearray()
        for _ in range(10):
            try:
                self.client.download(sha, len(received), sink=received.extend)
                break
            except DomainError as err:
                if err.code not in RETRYABLE:
                    raise
        data = bytes(received)
        if sha256_hex(data) != sha:
            raise DomainError("attachment_corrupt", sha256=sha)
        self.store.put(data)
        self.store.mark_sent(sha)
        return data


def pending_photos(session: Session, store: BlobStore) -> list[str]:
    """The photos to send: referenced by a live visit or event, held here, not yet confirmed by
    the server (the network upload and the USB bundle export both send exactly these)."""
    return [h for h in referenced_photo_hashes(session) if store.has(h) and not store.is_sent(h)]


def sync_photos(profile: object, server_url: str, token: str, *,
                progress: Progress | None = None) -> UploadReport:
    """Upload the photos a profile's visits and events refer to that the server may lack
    (called by the sync engine after each sync). A photo attached and then dropped before the
    record was saved is not sent: 2G is too dear for it.

    `profile`: desktop.storage.profiles.Profile (its database, blob store and device id). A
    dropped link raises server_unreachable; what was sent stays sent and the next sync resumes."""
    store = profile.blob_store()  # type: ignore[attr-defined]
    with Session(read_only(profile.engine)) as session:  # type: ignore[attr-defined]
        wanted = pending_photos(session, store)
    if not wanted:
        return UploadReport()
    device_id = profile.device_id()  # type: ignore[attr-defined]
    with AttachmentClient(server_url, token, device_id=device_id) as client:
        return AttachmentSync(store, client, progress=progress).upload_pending(wanted)
