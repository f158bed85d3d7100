"""A lost laptop: when the server says this device is revoked, wipe the local profile.

The server answers any request from a revoked device with code `device_revoked` (HTTP 403). The
sync engine, the attachment uploader and sign-in pass such refusals to `handle_refusal`, which
wipes the profile folder (encrypted database, wrapped key, photo store) and re-raises the error so
the UI shows why the profile is gone. The wrapped key goes first: once it is deleted nothing left
behind can be decrypted, even if the rest of the deletion is interrupted. A small marker beside the
folder (no personal data) lets the sign-in screen explain what happened.

Qt-free; call it from whichever worker met the refusal, after closing the profile's engine.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.errors import DomainError

KEY_FILES = ("key.json",)
"""Deleted before anything else: without the wrapped key the database and blobs are noise."""


@dataclass(frozen=True)
class WipeReport:
    profile: str
    path: Path
    files_removed: int
    wiped_at: dt.datetime


def marker_path(profile_path: Path) -> Path:
    return profile_path.parent / f".{profile_path.name}.wiped.json"


def wipe_profile(profile_path: str | Path, *, now: dt.datetime, reason: str = "device_revoked",
                 engine: Any | None = None) -> WipeReport:
    """Delete a profile folder and everything in it; leave a marker saying when and why."""
    path = Path(profile_path)
    if engine is not None:
        engine.dispose()  # SQLCipher connections hold the file open
    removed = 0
    for name in KEY_FILES:
        key = path / name
        if key.exists():
            _shred(key)
            removed += 1
    if path.exists():
        removed += sum(1 for p in path.rglob("*") if p.is_file())
        shutil.rmtree(path, ignore_errors=False)
    marker = marker_path(path)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"profile": path.name, "reason": reason,
                                  "wiped_at": now.isoformat(timespec="seconds")}),
                      encoding="utf-8")
    return WipeReport(path.name, path, removed, now)


def _shred(path: Path) -> None:
    # One overwrite of a small file, then unlink: the wrapped key should not linger on disk.
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.write(os.urandom(size))
        f.flush()
        os.fsync(f.fileno())
    path.unlink()


def was_wiped(profile_path: str | Path) -> dict[str, Any] | None:
    """The marker of a wiped profile (for the sign-in screen), or None."""
    marker = marker_path(Path(profile_path))
    if not marker.exists():
        return None
    try:
        return json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def handle_refusal(err: DomainError, profile_path: str | Path, *, now: dt.datetime,
                   engine: Any | None = None) -> WipeReport | None:
    """Wipe the profile if `err` is the server's device_revoked refusal; None otherwise."""
    if err.code != "device_revoked":
        return None
    return wipe_profile(profile_path, now=now, engine=engine)


def guarded(call: Callable[[], Any], profile_path: str | Path, *,
            clock: Callable[[], dt.datetime], engine: Any | None = None) -> Any:
    """Run a network call; if the server revoked this device, wipe and re-raise the refusal."""
    try:
        return call()
    except DomainError as err:
        if handle_refusal(err, profile_path, now=clock(), engine=engine) is not None:
            raise DomainError("device_revoked", wiped=True) from err
        raise
