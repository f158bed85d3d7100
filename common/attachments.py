"""Attachments (photos) on both sides: limits, chunking, hashes, wire types, photo references.

An attachment is named by the SHA-256 of its bytes (lower-case hex), so the same photo attached
twice is one file on each side and crosses the link once. A record (Visit.photos, Event.photos)
holds a list of photo references: `{"sha256", "size", "mime", "thumb"}` where `thumb` is a small
JPEG (base64) that lets a list show the photo without fetching the original.

Upload is resumable: the client asks which of its hashes the server lacks (one request for many),
then sends raw chunks of CHUNK_SIZE bytes at explicit offsets; after a cut it asks for the received
offset again and continues from there, so a cut costs at most the chunk in flight.
Pure module: no files, sockets or clocks.
"""
from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from pydantic import BaseModel, Field

from .errors import DomainError

CHUNK_SIZE = 64 * 1024
"""Bytes per upload chunk: 16 s on a 32 kbit/s uplink, so a cut wastes little; headers stay <1%."""
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_CHUNK_BODY = 1024 * 1024
"""The server refuses a chunk body larger than this (bounds its memory per request)."""
MAX_STATUS_HASHES = 500
THUMB_MAX_PX = 72
THUMB_MAX_BYTES = 1600
"""A thumbnail stays under this many bytes, so 50 visits' thumbnails fit in well under 100 KB."""

IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
"""Accepted attachment types (MIME -> Pillow format name)."""

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_sha256(value: object) -> bool:
    return isinstance(value, str) and bool(_HEX64.match(value))


def require_sha256(value: str) -> str:
    if not is_sha256(value):
        raise DomainError("attachment_bad_hash", value=str(value)[:80])
    return value


def sniff_image_type(head: bytes) -> str | None:
    """The MIME type of an accepted image format from its first bytes (magic numbers), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_attachment(size: int, head: bytes) -> str:
    """Refuse an attachment that is empty, too large or not an image; return its MIME type."""
    if size <= 0:
        raise DomainError("attachment_empty")
    if size > MAX_ATTACHMENT_BYTES:
        raise DomainError("attachment_too_large", size_mb=f"{size / 1048576:.1f}",
                          limit_mb=MAX_ATTACHMENT_BYTES // 1048576)
    mime = sniff_image_type(head)
    if mime is None:
        raise DomainError("attachment_not_image")
    return mime


def chunk_count(size: int, chunk_size: int = CHUNK_SIZE) -> int:
    return max(1, -(-size // chunk_size))


def chunk_at(data: bytes, offset: int, chunk_size: int = CHUNK_SIZE) -> bytes:
    """The chunk starting at `offset` (offsets need not be chunk-aligned after a partial write)."""
    return data[offset:offset + chunk_size]


# -- photo references inside records ------------------------------------------------------------

def photo_ref(sha256: str, size: int, mime: str, thumb: bytes | None) -> dict[str, Any]:
    """The JSON a record stores for one photo."""
    ref: dict[str, Any] = {"sha256": require_sha256(sha256), "size": int(size), "mime": mime}
    if thumb:
        ref["thumb"] = base64.b64encode(thumb).decode("ascii")
    return ref


def photo_hashes(photos: Any) -> list[str]:
    """The SHA-256 names in a record's `photos` list, in order, without repeats.

    Accepts references (dicts with "sha256") and bare hash strings (older local records)."""
    out: list[str] = []
    for item in photos or []:
        value = item.get("sha256") if isinstance(item, dict) else item
        if is_sha256(value) and value not in out:
            out.append(value)
    return out


def thumb_bytes(ref: Any) -> bytes | None:
    """The thumbnail JPEG carried inline by a photo reference, if any."""
    if isinstance(ref, dict) and isinstance(ref.get("thumb"), str):
        try:
            return base64.b64decode(ref["thumb"], validate=True)
        except ValueError:
            return None
    return None


# -- wire types ------------------------------------------------------------------------------------

class AttachmentStatusRequest(BaseModel):
    """Which of these attachments does the server hold, and how much of each?"""

    hashes: list[str] = Field(max_length=MAX_STATUS_HASHES)


class AttachmentState(BaseModel):
    sha256: str
    received: int = 0
    """Bytes of the upload the server holds (== size when complete)."""
    size: int | None = None
    complete: bool = False


class AttachmentStatusResponse(BaseModel):
    items: list[AttachmentState]
    chunk_size: int = CHUNK_SIZE
    max_bytes: int = MAX_ATTACHMENT_BYTES


class ChunkReceipt(BaseModel):
    """The server's answer to one uploaded chunk."""

    sha256: str
    received: int
    size: int
    complete: bool
