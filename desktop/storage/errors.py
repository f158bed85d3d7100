"""The local database's failures a user can act on, as known errors with codes.

SQLite says what went wrong only in its message text (the driver maps every code to
OperationalError or DatabaseError), so `known_error` reads the text: a locked database, a file or
folder that cannot be written, a full disk, a file that is damaged or was encrypted with another
key, and a database written by a newer client (raised by `migrations.check_version`). Each
becomes a `StorageError` whose code `common/messages.py` turns into Chinese; anything else stays
the bug it is.
"""
from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager

from common.errors import DomainError

LOCKED = "database_locked"
READ_ONLY = "database_read_only"
DISK_FULL = "disk_full"
CORRUPT = "database_corrupt"
TOO_NEW = "database_too_new"

_SIGNS: tuple[tuple[str, str], ...] = (
    ("database is locked", LOCKED),
    ("database table is locked", LOCKED),
    ("attempt to write a readonly database", READ_ONLY),
    ("unable to open database file", READ_ONLY),
    ("readonly database", READ_ONLY),
    ("database or disk is full", DISK_FULL),
    ("no space left on device", DISK_FULL),
    ("file is not a database", CORRUPT),
    ("database disk image is malformed", CORRUPT),
    ("file is encrypted or is not a database", CORRUPT),
)


class StorageError(DomainError):
    """A failure of the local database file that the user can do something about (wait, free
    disk space, fix the folder's permissions, restore or re-download the data, update the
    client). Raised on whichever thread touched the database."""


def known_error(exc: BaseException) -> StorageError | None:
    """The StorageError `exc` stands for, or None when it is not a known database failure."""
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return StorageError(DISK_FULL)
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:  # SQLAlchemy wraps the driver's error
        seen.add(id(exc))
        text = str(exc).lower()
        for sign, code in _SIGNS:
            if sign in text:
                return StorageError(code)
        exc = getattr(exc, "orig", None) or exc.__cause__
    return None


def is_disk_full(exc: BaseException) -> bool:
    """SQLite's SQLITE_FULL ("database or disk is full") or an OS write refused for space."""
    found = known_error(exc)
    return found is not None and found.code == DISK_FULL


@contextmanager
def translated() -> Iterator[None]:
    """Known database failures inside the block leave it as StorageError."""
    try:
        yield
    except StorageError:
        raise
    except Exception as exc:  # noqa: BLE001 - re-raised unchanged unless it is a known failure
        found = known_error(exc)
        if found is None:
            raise
        raise found from exc


__all__ = ["StorageError", "known_error", "is_disk_full", "translated", "LOCKED", "READ_ONLY",
           "DISK_FULL", "CORRUPT", "TOO_NEW"]
