"""Resumable photo uploads of the resident side: the browser sends each (already shrunk) photo
of a 随手拍 in raw chunks at explicit offsets, like the desktop's photo upload
(services/attachments.py), and after a cut asks how much arrived and continues from there; the
report is filed once its photos are in, naming the uploads (services/resident_reports.py then
checks and re-encodes the pictures through the same door as a photo sent with the form).

The bytes wait in the attachment folder as staging/h5-<id>.part (its length is the received
offset; a cut mid-chunk loses at most that chunk); services/attachments.purge_abandoned removes
one nobody continued. An upload belongs to the resident who started it and is used once.
Never commits.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.errors import DomainError

from ..db.resident_tables import Resident, ResidentUpload
from . import locks
from .attachments import AttachmentFiles
from .resident_reports import MAX_PHOTO_BYTES, MAX_PHOTOS

CHUNK_SIZE = 64 * 1024
"""What the browser sends at a time, as the desktop does: about 16 s up on a 2G link (a cut
loses at most that), three requests for a shrunk photo."""
CHUNK_MAX = 256 * 1024
"""The largest chunk accepted."""
OPEN_MAX = 4 * MAX_PHOTOS
"""Unused uploads a resident may have started in the last day."""


@dataclass(frozen=True)
class UploadState:
    id: str
    received: int
    size: int

    @property
    def complete(self) -> bool:
        return self.received == self.size


def _path(files: AttachmentFiles, upload_id: str) -> Path:
    return files.root / "staging" / f"h5-{upload_id}.part"


def _received(files: AttachmentFiles, upload_id: str) -> int:
    path = _path(files, upload_id)
    return path.stat().st_size if path.exists() else 0


def start(session: Session, files: AttachmentFiles, resident: Resident, *, size: int,
          now: dt.datetime) -> UploadState:
    """A new upload of `size` bytes (at most MAX_PHOTO_BYTES)."""
    if not 0 < size <= MAX_PHOTO_BYTES:
        raise DomainError("resident_photo_too_large", "photos", n=1,
                          size_mb=f"{max(size, 0) / 1048576:.1f}",
                          limit_mb=MAX_PHOTO_BYTES // 1048576)
    locks.hold(session, f"resident_upload:{resident.id}")
    started = session.scalar(select(func.count()).where(
        ResidentUpload.resident_id == resident.id, ResidentUpload.event_id.is_(None),
        ResidentUpload.created_at > now - dt.timedelta(days=1))) or 0
    if started >= OPEN_MAX:
        raise DomainError("resident_upload_limit", "photos", max=OPEN_MAX)
    row = ResidentUpload(id=str(uuid.uuid4()), resident_id=resident.id, size=size,
                         created_at=now)
    session.add(row)
    session.flush()
    _path(files, row.id).touch()
    return UploadState(row.id, 0, size)


def _mine(session: Session, resident: Resident, upload_id: str) -> ResidentUpload:
    row = session.get(ResidentUpload, upload_id) if upload_id else None
    if row is None or row.resident_id != resident.id:
        raise DomainError("not_found")  # another resident's upload is as unknown as none
    return row


def state(session: Session, files: AttachmentFiles, resident: Resident,
          upload_id: str) -> UploadState:
    row = _mine(session, resident, upload_id)
    received = row.size if row.event_id else _received(files, row.id)
    return UploadState(row.id, received, row.size)


def receive(session: Session, files: AttachmentFiles, resident: Resident, upload_id: str, *,
            offset: int, body: bytes) -> UploadState:
    """Append `body` at `offset`. A chunk at another offset than what has arrived is refused
    with the received offset (attachment_offset_mismatch), and the browser continues there."""
    row = _mine(session, resident, upload_id)
    if row.event_id:
        return UploadState(row.id, row.size, row.size)
    if len(body) > CHUNK_MAX or offset + len(body) > row.size:
        raise DomainError("resident_upload_chunk_invalid", "photos")
    path = _path(files, row.id)
    lock = path.with_suffix(".lock")
    with open(lock, "a") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        received = _received(files, row.id)
        if offset != received:
            raise DomainError("attachment_offset_mismatch", received=received)
        with open(path, "ab") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        received += len(body)
    return UploadState(row.id, received, row.size)


def take(session: Session, files: AttachmentFiles, resident: Resident,
         upload_ids: list[str]) -> list[bytes]:
    """The bytes of the resident's complete, unused uploads, in order."""
    out = []
    for i, upload_id in enumerate(upload_ids):
        row = _mine(session, resident, upload_id)
        if row.event_id or _received(files, row.id) != row.size:
            raise DomainError("resident_upload_incomplete", "photos", n=i + 1)
        out.append(_path(files, row.id).read_bytes())
    return out


def used_by(session: Session, resident: Resident, upload_ids: list[str]) -> str | None:
    """The report these uploads already went into (a resubmitted form after a lost answer)."""
    if not upload_ids:
        return None
    events = set(session.scalars(select(ResidentUpload.event_id).where(
        ResidentUpload.id.in_(upload_ids), ResidentUpload.resident_id == resident.id)))
    return events.pop() if len(events) == 1 and None not in events else None


def mark_used(session: Session, files: AttachmentFiles, resident: Resident,
              upload_ids: list[str], event_id: str) -> None:
    for upload_id in upload_ids:
        _mine(session, resident, upload_id).event_id = event_id
    session.flush()
    for upload_id in upload_ids:  # the photos now live, re-encoded, in the attachment store
        for path in (_path(files, upload_id), _path(files, upload_id).with_suffix(".lock")):
            path.unlink(missing_ok=True)
