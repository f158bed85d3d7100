"""Desktop client releases (客户端版本, contract item 107): a county admin publishes a build with
release notes and a minimum version; a client below the minimum is refused by sync with the
notes and where to download the build from this server, and verifies what it downloads by its
SHA-256 (desktop/services/updates.py).

Files are stored content-addressed (`<sha256>.bin`) under `Settings.releases_dir`: written to a
temporary file first and renamed, so a cut upload leaves no half file behind a release row."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import User
from common.version import is_version, version_key

from ..db.tables import ClientRelease
from .oplog import log_operation

_FILENAME = re.compile(r"^[\w.\-() ]{1,128}$")
NOTES_MAX = 4000


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    path: Path


def store_file(folder: Path, chunks: Iterable[bytes], *, max_bytes: int) -> StoredFile:
    """Stream `chunks` into `folder`, named by their hash. Refuses (and removes) a file over
    `max_bytes`; an existing file with the same content is kept as it is."""
    folder.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise DomainError("release_too_large", "file", max_mb=max_bytes // 2**20)
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise DomainError("release_file_empty", "file")
        sha = digest.hexdigest()
        final = folder / f"{sha}.bin"
        os.replace(tmp, final)
        return StoredFile(sha, size, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def publish(session: Session, actor: User, stored: StoredFile, *, version: str,
            min_version: str, notes: str, filename: str, now: dt.datetime) -> ClientRelease:
    """Record a release of a file already stored by `store_file`. Never commits."""
    version, min_version = version.strip(), min_version.strip()
    problems = []
    if not is_version(version):
        problems.append(DomainError("version_invalid", "version", value=version))
    if not is_version(min_version):
        problems.append(DomainError("version_invalid", "min_version", value=min_version))
    if problems:
        raise problems[0]
    if version_key(min_version) > version_key(version):
        raise DomainError("min_version_above_version", "min_version", version=version,
                          min_version=min_version)
    latest = latest_release(session)
    if latest is not None and version_key(version) <= version_key(latest.version):
        raise DomainError("version_not_newer", "version", version=version,
                          latest=latest.version)
    if len(notes) > NOTES_MAX:
        raise DomainError("too_long", "notes", label="更新说明", max=NOTES_MAX,
                          length=len(notes))
    name = Path(filename or "").name
    if not _FILENAME.match(name):
        raise DomainError("release_filename_invalid", "file", value=name[:40])
    release = ClientRelease(version=version, min_version=min_version, notes=notes.strip(),
                            filename=name, sha256=stored.sha256, size=stored.size,
                            published_at=now, published_by=actor.id)
    session.add(release)
    log_operation(session, user=actor, action="create", now=now, entity="client_releases",
                  record_id=version, details={"min_version": min_version, "sha256": stored.sha256,
                                              "size": stored.size})
    return release


def releases(session: Session) -> list[ClientRelease]:
    """Every release, newest first."""
    rows = session.scalars(select(ClientRelease)).all()
    return sorted(rows, key=lambda r: version_key(r.version), reverse=True)


def latest_release(session: Session) -> ClientRelease | None:
    found = releases(session)
    return found[0] if found else None


def release(session: Session, version: str) -> ClientRelease:
    found = session.get(ClientRelease, version)
    if found is None:
        raise DomainError("not_found")
    return found


def required_update(session: Session, client_version: str | None) -> ClientRelease | None:
    """The latest release when `client_version` is below its minimum (or unknown while a
    minimum is set: a client that predates versioned syncs), else None."""
    latest = latest_release(session)
    if latest is None:
        return None
    if client_version is None or not is_version(client_version):
        return latest
    return latest if version_key(client_version) < version_key(latest.min_version) else None


def file_path(folder: Path, found: ClientRelease) -> Path:
    path = folder / f"{found.sha256}.bin"
    if not path.is_file():
        raise DomainError("release_file_missing", version=found.version)
    return path


def describe(found: ClientRelease) -> dict[str, object]:
    """What a client needs to show and fetch the release (sync's 426 answer, /api/client)."""
    return {"version": found.version, "min_version": found.min_version, "notes": found.notes,
            "filename": found.filename, "sha256": found.sha256, "size": found.size,
            "published_at": found.published_at.isoformat(),
            "download": f"/api/client/releases/{found.version}/download"}
