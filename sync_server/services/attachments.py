"""Attachments on the server: resumable chunked upload, verification, dedupe and download.

Files live under the ATTACHMENTS_DIR setting:
    staging/<sha256>.part   an upload in progress; its length is the received offset
    staging/<sha256>.lock   its lock (flock): serialises two devices uploading the same photo
    <ab>/<sha256>           a complete, verified original (named by its hash, so stored once)
The staging file is the truth about progress: it only ever holds a prefix of the upload, so a
cut mid-chunk loses at most that chunk, and a restarted server resumes where the file ends. On
the last chunk the whole file is hashed and checked to be a real image before it is moved into
place; a bad upload is thrown away with a reason. Never commits: the route owns the transaction.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import io
import os
from pathlib import Path

from sqlalchemy import String, cast, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.attachments import (MAX_ATTACHMENT_BYTES, MAX_CHUNK_BODY, AttachmentState,
                                ChunkReceipt, check_attachment, require_sha256)
from common.errors import DomainError
from common.schema import Event, Visit

from ..db.attachment_tables import Attachment
from .scope import Scope


class AttachmentFiles:
    """The attachment folder of one server. Owns `root`; any thread (file locks serialise)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        (self.root / "staging").mkdir(parents=True, exist_ok=True)

    def final(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def staging(self, sha256: str) -> Path:
        return self.root / "staging" / f"{sha256}.part"


def status(session: Session, files: AttachmentFiles, hashes: list[str], *,
           scope: Scope | None = None, user_id: str | None = None) -> list[AttachmentState]:
    """How much of each attachment the server holds (one answer for many hashes).

    With a `scope` (a signed-in caller), only about photos the caller uploaded or a record in
    their scope refers to: any other hash is answered as "not held", so nobody learns whether
    another grid's photo exists (issue 10, finding 7)."""
    out = []
    for sha in dict.fromkeys(hashes):
        require_sha256(sha)
        row = session.get(Attachment, sha)
        if scope is not None and (row is None or row.uploaded_by != user_id) and \
                not _referenced_in_scope(session, scope, sha):
            out.append(AttachmentState(sha256=sha, received=0, size=None))
            continue
        if row is not None and row.complete and files.final(sha).exists():
            out.append(AttachmentState(sha256=sha, received=row.size, size=row.size,
                                       complete=True))
            continue
        part = files.staging(sha)
        received = part.stat().st_size if part.exists() else 0
        out.append(AttachmentState(sha256=sha, received=received,
                                   size=row.size if row is not None else None))
    return out


def receive_chunk(session: Session, files: AttachmentFiles, sha256: str, *, offset: int,
                  total: int, body: bytes, user_id: str | None, device_id: str | None,
                  now: dt.datetime) -> ChunkReceipt:
    """Append one chunk at `offset` of an upload of `total` bytes; finish it on the last one.

    Refusals (DomainError): attachment_too_large, attachment_not_image (checked on the first
    chunk by its magic bytes and on the last by decoding), attachment_offset_mismatch (with the
    received offset, so the client continues from there), attachment_hash_mismatch.
    """
    require_sha256(sha256)
    if total > MAX_ATTACHMENT_BYTES or len(body) > MAX_CHUNK_BODY:
        raise DomainError("attachment_too_large", size_mb=f"{total / 1048576:.1f}",
                          limit_mb=MAX_ATTACHMENT_BYTES // 1048576)
    row = session.get(Attachment, sha256)
    if row is not None and row.complete and files.final(sha256).exists():
        return ChunkReceipt(sha256=sha256, received=row.size, size=row.size, complete=True)
    if offset == 0:
        mime = check_attachment(total, body[:16])
    elif row is None:
        # Only the first chunk creates an upload; anything else means the client lost track.
        raise DomainError("attachment_offset_mismatch", received=0)
    else:
        mime = row.mime
    if offset < 0 or offset + len(body) > total or (row is not None and row.size != total):
        raise DomainError("attachment_offset_mismatch", received=0)
    if row is None:
        row = _create_row(session, Attachment(sha256=sha256, size=total, mime=mime,
                                              complete=False, uploaded_by=user_id,
                                              device_id=device_id, created_at=now))
    received, finished = _append_locked(files, sha256, offset, total, body)
    if finished and not row.complete:
        row.complete = True
        row.completed_at = now
    session.flush()
    return ChunkReceipt(sha256=sha256, received=received, size=total, complete=finished)


def receive_whole(session: Session, files: AttachmentFiles, sha256: str, data: bytes, *,
                  user_id: str | None, device_id: str | None, now: dt.datetime) -> ChunkReceipt:
    """A whole original that arrived at once (inside a USB bundle), through the same chunk path
    and checks as a network upload: continues a network upload left half done, and starts
    once more from 0 if that half turns out not to match. Same refusals as receive_chunk."""
    require_sha256(sha256)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise DomainError("attachment_too_large", size_mb=f"{len(data) / 1048576:.1f}",
                          limit_mb=MAX_ATTACHMENT_BYTES // 1048576)
    (state,) = status(session, files, [sha256])
    offset = 0 if state.complete or state.size not in (None, len(data)) else state.received
    restarted = False
    while True:
        try:
            receipt = receive_chunk(session, files, sha256, offset=offset, total=len(data),
                                    body=data[offset:offset + MAX_CHUNK_BODY], user_id=user_id,
                                    device_id=device_id, now=now)
        except DomainError as err:
            if err.code == "attachment_offset_mismatch" and not restarted:
                restarted, offset = True, int(err.params.get("received") or 0)
                continue
            if err.code == "attachment_hash_mismatch" and not restarted and offset:
                restarted, offset = True, 0  # a stale half from the network: from scratch
                continue
            raise
        if receipt.complete:
            return receipt
        offset = receipt.received


def _create_row(session: Session, row: Attachment) -> Attachment:
    """Insert the row of a new upload; if another device's upload of the same photo inserted it
    first (PostgreSQL runs them side by side), use theirs: the file lock orders the chunks."""
    try:
        with session.begin_nested():
            session.add(row)
        return row
    except IntegrityError:
        return session.get(Attachment, row.sha256, populate_existing=True)


def _append_locked(files: AttachmentFiles, sha256: str, offset: int, total: int,
                   body: bytes) -> tuple[int, bool]:
    """Under the upload's lock: write `body` at `offset` if that is where the staging file ends,
    and finish the upload when it is whole. Returns (received, complete).

    The lock is a separate `<sha256>.lock` file (the staging file itself is renamed away on
    completion). Whoever takes the lock first checks whether another upload already finished.
    An empty body at offset == total just asks the server to finish (after a lost answer)."""
    lock = files.root / "staging" / f"{sha256}.lock"
    lock_fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        if files.final(sha256).exists():
            lock.unlink(missing_ok=True)  # we may have just re-created it: leave nothing behind
            return total, True
        part = files.staging(sha256)
        if not part.exists() and offset != 0:
            raise DomainError("attachment_offset_mismatch", received=0)
        fd = os.open(part, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            if offset != size:
                raise DomainError("attachment_offset_mismatch", received=size)
            os.lseek(fd, offset, os.SEEK_SET)
            view = memoryview(body)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        received = offset + len(body)
        if received < total:
            return received, False
        try:
            _finish(files, sha256)
        finally:
            # Finished or thrown away: either way no staging file is left to guard. A waiter
            # holding the old lock checks for the final file before touching anything.
            lock.unlink(missing_ok=True)
        return total, True
    finally:
        os.close(lock_fd)  # also releases the lock


def _finish(files: AttachmentFiles, sha256: str) -> None:
    part = files.staging(sha256)
    digest = hashlib.sha256()
    with open(part, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != sha256:
        part.unlink(missing_ok=True)
        raise DomainError("attachment_hash_mismatch")
    try:
        _verify_image(part)
    except DomainError:
        part.unlink(missing_ok=True)
        raise
    target = files.final(sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(part, target)


def _verify_image(path: Path) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(path.read_bytes())) as img:
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DomainError("attachment_not_image") from exc


def original_path(session: Session, files: AttachmentFiles, sha256: str, *,
                  scope: Scope | None = None, user_id: str | None = None) -> tuple[Path, str]:
    """The file of a complete attachment and its MIME type; attachment_missing otherwise.
    With a `scope`: only a photo its reader uploaded, or one a visit or event in the reader's
    scope refers to (attachment_out_of_scope otherwise)."""
    require_sha256(sha256)
    row = session.get(Attachment, sha256)
    path = files.final(sha256)
    if row is None or not row.complete or not path.exists():
        raise DomainError("attachment_missing", sha256=sha256)
    if scope is not None and row.uploaded_by != user_id and \
            not _referenced_in_scope(session, scope, sha256):
        raise DomainError("attachment_out_of_scope", sha256=sha256)
    return path, row.mime


def _referenced_in_scope(session: Session, scope: Scope, sha256: str) -> bool:
    """Whether a record in the scope lists the photo (its references are JSON: the hash is
    looked for in their text, which works the same on SQLite and PostgreSQL)."""
    for entity in (Visit, Event):
        found = session.scalar(select(entity.id).where(
            cast(entity.photos, String).contains(sha256), scope.condition(entity)).limit(1))
        if found is not None:
            return True
    return False


def purge_abandoned(files: AttachmentFiles, *, now: dt.datetime,
                    older_than: dt.timedelta = dt.timedelta(days=14)) -> int:
    """Delete uploads nobody continued for `older_than` (their staging and lock files), so a
    laptop that never came back does not fill the disk. Returns how many were removed. An upload
    resumed later simply starts again from 0 (its `attachments` row is reused)."""
    limit = (now - older_than).replace(tzinfo=dt.UTC).timestamp()
    removed = 0
    for part in (files.root / "staging").glob("*.part"):
        sha = part.name.removesuffix(".part")
        lock = files.root / "staging" / f"{sha}.lock"
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a chunk is being written right now: not abandoned
            if part.exists() and part.stat().st_mtime < limit:
                part.unlink()
                lock.unlink(missing_ok=True)
                removed += 1
        finally:
            os.close(fd)
    return removed
