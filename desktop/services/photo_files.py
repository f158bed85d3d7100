"""Photos attached to visits and events: read picture files into the profile's encrypted blob
store (desktop/storage/blobs.py) and build the records' photo references (common/attachments).

Runs on the writer thread, inside the record's transaction: a photo that cannot be read stops
the whole save, so a visit is never saved with half of its photos.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from common.attachments import photo_ref
from common.errors import DomainError
from desktop.storage.blobs import BlobStore


def add_photo(store: BlobStore, source: str | Path) -> dict[str, Any]:
    """Store one picture file (once, by content) and return its reference."""
    try:
        data = Path(source).read_bytes()
    except OSError:
        raise DomainError("image_unreadable", path=str(source)) from None
    sha, mime, thumb = store.put_photo(data)
    return photo_ref(sha, len(data), mime, thumb)


def add_photos(store: BlobStore | None, sources: list[str | Path]) -> list[dict[str, Any]]:
    if not sources:
        return []
    if store is None:
        raise ValueError("no photo store open for this profile")
    return [add_photo(store, s) for s in sources]
