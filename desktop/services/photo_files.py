"""Photo files of visits and events: stored content-addressed by SHA-256 in the profile folder.

A photo is copied to `<profile>/photos/<first two hex>/<sha256><ext>` (the same picture added
twice is stored once) with a small JPEG thumbnail beside it in `photos/thumbs/`, and referenced
from a record's `photos` list as {"sha256", "ext", "bytes"}; the photo sync (issue 6) moves files
by that hash. Runs on the writer thread (it is called from inside the record's transaction).
"""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from common.errors import DomainError

THUMB_SIZE = (240, 240)
_EXTS = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif", ".tif", ".tiff"}


def photo_path(profile_dir: Path, ref: dict[str, Any]) -> Path:
    sha = ref["sha256"]
    return Path(profile_dir) / "photos" / sha[:2] / f"{sha}{ref.get('ext', '.jpg')}"


def thumb_path(profile_dir: Path, ref: dict[str, Any]) -> Path:
    return Path(profile_dir) / "photos" / "thumbs" / f"{ref['sha256']}.jpg"


def store_photo(profile_dir: Path, source: str | Path) -> dict[str, Any]:
    """Copy one picture into the profile's photo store; its reference for a `photos` list."""
    source = Path(source)
    try:
        data = source.read_bytes()
    except OSError:
        raise DomainError("image_unreadable", path=str(source)) from None
    sha = hashlib.sha256(data).hexdigest()
    ext = source.suffix.lower() if source.suffix.lower() in _EXTS else ".jpg"
    ref = {"sha256": sha, "ext": ext, "bytes": len(data)}
    target = photo_path(profile_dir, ref)
    thumb = thumb_path(profile_dir, ref)
    try:
        with Image.open(source) as img:
            img.thumbnail(THUMB_SIZE)
            small = img.convert("RGB")
    except (UnidentifiedImageError, OSError):
        raise DomainError("image_unreadable", path=str(source)) from None
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(source, tmp)
        tmp.replace(target)  # never leave a half-written file under its final name
    if not thumb.exists():
        thumb.parent.mkdir(parents=True, exist_ok=True)
        small.save(thumb, "JPEG", quality=80)
    return ref


def store_photos(profile_dir: Path | None, sources: list[str | Path]) -> list[dict[str, Any]]:
    if not sources:
        return []
    if profile_dir is None:
        raise ValueError("no profile folder to store photos in")
    return [store_photo(profile_dir, s) for s in sources]
