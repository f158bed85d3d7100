"""The client's photo store: files named by SHA-256, encrypted at rest, each with a small thumbnail.

Layout under the profile folder (`<profile>/blobs/`):
    ab/abcdef….blob     the original, AES-256-GCM encrypted (nonce || ciphertext+tag)
    ab/abcdef….thumb    its JPEG thumbnail, encrypted the same way
    ab/abcdef….sent     an empty marker: the server confirmed it holds the whole original
The key is derived (HKDF-SHA256) from the profile's 32-byte data key, so nothing here is readable
without the user's password, and the hash is the AES-GCM associated data, so a file cannot be
swapped for another. Writing is atomic (temp file + rename): a crash leaves either no file or a
whole one. The same photo added twice is stored once (content addressing).

Thread: any; writes of one hash are idempotent, so the one-writer rule is not needed here.
"""
from __future__ import annotations

import io
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from common.attachments import (THUMB_MAX_BYTES, THUMB_MAX_PX, check_attachment, is_sha256,
                                require_sha256, sha256_hex)
from common.errors import DomainError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_MAGIC = b"YZB1"
_NONCE = 12


def derive_blob_key(data_key: bytes) -> bytes:
    """The AES key for blobs, derived from (never equal to) the profile's database key."""
    if len(data_key) != 32:
        raise ValueError("the data key must be 32 bytes")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"yizhangbiao blobs v1").derive(data_key)


def make_thumbnail(data: bytes, *, max_px: int = THUMB_MAX_PX,
                   max_bytes: int = THUMB_MAX_BYTES) -> bytes:
    """A small JPEG of an image, under `max_bytes` (quality steps down until it fits)."""
    from PIL import Image, ImageOps  # Pillow is heavy to import; only photo code needs it

    with Image.open(io.BytesIO(data)) as img:
        img = ImageOps.exif_transpose(img)
        img.thumbnail((max_px, max_px))
        if img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        out = b""
        for quality in (70, 55, 40, 30, 20):
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=quality, optimize=True)
            out = buf.getvalue()
            if len(out) <= max_bytes:
                break
        return out


def verify_image(data: bytes) -> str:
    """Refuse what is too large or not a real image (magic bytes, then Pillow's own check)."""
    mime = check_attachment(len(data), data[:16])
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DomainError("attachment_not_image") from exc
    return mime


class BlobStore:
    """Content-addressed, encrypted photo files of one profile. Owns the folder `root`."""

    def __init__(self, root: str | Path, data_key: bytes) -> None:
        self.root = Path(root)
        self._aead = AESGCM(derive_blob_key(data_key))

    @classmethod
    def from_blob_key(cls, root: str | Path, blob_key: bytes) -> "BlobStore":
        """A store from an already derived blob key (what an open Profile keeps in memory)."""
        if len(blob_key) != 32:
            raise ValueError("the blob key must be 32 bytes")
        store = cls.__new__(cls)
        store.root = Path(root)
        store._aead = AESGCM(blob_key)
        return store

    # -- paths --------------------------------------------------------------------------------
    def _path(self, sha256: str, suffix: str) -> Path:
        require_sha256(sha256)
        return self.root / sha256[:2] / f"{sha256}.{suffix}"

    # -- encryption ---------------------------------------------------------------------------
    def _seal(self, sha256: str, plain: bytes) -> bytes:
        nonce = secrets.token_bytes(_NONCE)
        return _MAGIC + nonce + self._aead.encrypt(nonce, plain, sha256.encode())

    def _open(self, sha256: str, sealed: bytes) -> bytes:
        if not sealed.startswith(_MAGIC):
            raise DomainError("attachment_corrupt", sha256=sha256)
        nonce = sealed[len(_MAGIC):len(_MAGIC) + _NONCE]
        try:
            return self._aead.decrypt(nonce, sealed[len(_MAGIC) + _NONCE:], sha256.encode())
        except InvalidTag as exc:
            raise DomainError("attachment_corrupt", sha256=sha256) from exc

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    # -- public API ---------------------------------------------------------------------------
    def has(self, sha256: str) -> bool:
        return is_sha256(sha256) and self._path(sha256, "blob").exists()

    def put(self, data: bytes, *, thumbnail: bytes | None = None) -> str:
        """Store `data` (and its thumbnail) unless already present; return its SHA-256."""
        sha = sha256_hex(data)
        if not self.has(sha):
            self._write(self._path(sha, "blob"), self._seal(sha, data))
        if thumbnail is not None and not self._path(sha, "thumb").exists():
            self._write(self._path(sha, "thumb"), self._seal(sha, thumbnail))
        return sha

    def put_photo(self, data: bytes) -> tuple[str, str, bytes]:
        """Check that `data` is an acceptable image, store it with a thumbnail.

        Returns (sha256, mime, thumbnail). Raises DomainError attachment_too_large /
        attachment_not_image / attachment_empty."""
        mime = verify_image(data)
        thumb = make_thumbnail(data)
        return self.put(data, thumbnail=thumb), mime, thumb

    def get(self, sha256: str) -> bytes:
        """The original's bytes, checked against its name."""
        path = self._path(sha256, "blob")
        if not path.exists():
            raise DomainError("attachment_missing", sha256=sha256)
        data = self._open(sha256, path.read_bytes())
        if sha256_hex(data) != sha256:
            raise DomainError("attachment_corrupt", sha256=sha256)
        return data

    def thumbnail(self, sha256: str) -> bytes | None:
        path = self._path(sha256, "thumb")
        return self._open(sha256, path.read_bytes()) if path.exists() else None

    def size(self, sha256: str) -> int:
        path = self._path(sha256, "blob")
        return max(0, path.stat().st_size - len(_MAGIC) - _NONCE - 16) if path.exists() else 0

    def mark_sent(self, sha256: str) -> None:
        self._write(self._path(sha256, "sent"), b"")

    def is_sent(self, sha256: str) -> bool:
        return self._path(sha256, "sent").exists()

    def hashes(self) -> Iterator[str]:
        """Every original held, in no particular order."""
        if not self.root.exists():
            return
        for path in self.root.glob("??/*.blob"):
            if is_sha256(path.stem):
                yield path.stem

    def unsent(self) -> list[str]:
        """Originals the server has not yet confirmed holding."""
        return sorted(h for h in self.hashes() if not self.is_sent(h))

    def delete(self, sha256: str) -> None:
        for suffix in ("blob", "thumb", "sent"):
            self._path(sha256, suffix).unlink(missing_ok=True)


def referenced_photo_hashes(session: "Session") -> list[str]:
    """Every photo hash the local visits and events refer to (what the device should upload,
    and which originals it may fetch)."""
    from sqlalchemy import select

    from common.attachments import photo_hashes
    from common.schema import Event, Visit

    out: dict[str, None] = {}
    for entity in (Visit, Event):
        for photos in session.scalars(select(entity.photos).where(entity.deleted.is_(False))):
            out.update(dict.fromkeys(photo_hashes(photos)))
    return list(out)
