"""Local profiles: one folder per signed-in user under a base directory, kept apart.

Layout: `<base>/profiles/<name>/` holds `local.db` (SQLCipher), `key.json` (the data key wrapped by
the password, see keys.py) and `profile.json` (server URL and who the user is: no secrets).
The base directory is the platform's user data folder, or `$YZB_HOME` (tests, portable installs).

Signing in offline is opening the profile with the password last used online: it unwraps the
data key or raises DomainError("wrong_password").
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from common.errors import DomainError

from . import keys
from .blobs import derive_blob_key
from .database import open_database, read_only
from .errors import READ_ONLY, StorageError
from .migrations import migrate
from .tables import SyncState

_NAME = re.compile(r"^[\w.\-@]{1,64}$")


def base_dir() -> Path:
    env = os.environ.get("YZB_HOME")
    return Path(env) if env else Path(platformdirs.user_data_dir("yizhangbiao", "yizhangbiao"))


def profile_dir(name: str) -> Path:
    if not _NAME.match(name) or name in (".", ".."):
        raise DomainError("bad_profile_name", value=name)
    return base_dir() / "profiles" / name


@dataclass
class Profile:
    """An open profile: the encrypted database's engine and who the user is. Owned by the one
    caller that opened it (the app or the CLI); close() disposes the engine."""

    name: str
    path: Path
    engine: Engine
    info: dict[str, Any] = field(default_factory=dict)
    blob_key: bytes = field(default=b"", repr=False)  # photo-store key, derived from the data key
    data_key: bytes = field(default=b"", repr=False)  # to open a rebuilt copy (services/rebuild.py)

    def blob_store(self) -> Any:
        """The profile's encrypted photo store (desktop/storage/blobs.py), under `<path>/blobs`."""
        from .blobs import BlobStore
        return BlobStore.from_blob_key(self.path / "blobs", self.blob_key)

    @property
    def db_path(self) -> Path:
        return self.path / "local.db"

    @property
    def server_url(self) -> str | None:
        return self.info.get("server_url")

    @property
    def username(self) -> str | None:
        return self.info.get("username")

    @property
    def user_id(self) -> str | None:
        return self.info.get("user_id")

    def sessions(self) -> sessionmaker[Session]:
        return sessionmaker(self.engine, expire_on_commit=False)

    def device_id(self) -> str:
        with Session(read_only(self.engine)) as s:
            return s.get(SyncState, 1).device_id

    def update_info(self, **info: Any) -> None:
        self.info.update(info)
        _write_json(self.path / "profile.json", self.info)

    def close(self) -> None:
        self.engine.dispose()


def list_profiles() -> list[dict[str, Any]]:
    """Every profile on this machine with its public info (for a sign-in screen)."""
    root = base_dir() / "profiles"
    out = []
    for d in sorted(root.iterdir()) if root.exists() else []:
        if (d / "key.json").exists():
            info = json.loads((d / "profile.json").read_text("utf-8")) \
                if (d / "profile.json").exists() else {}
            out.append({"name": d.name, **info})
    return out


def create_profile(name: str, password: str, *, server_url: str | None = None,
                   kdf: dict[str, Any] | None = None, **user_info: Any) -> Profile:
    """Create a profile with a fresh random data key wrapped by `password`; the database is
    created and migrated. `user_info`: username, user_id, display_name, role, scope_node_id…"""
    path = profile_dir(name)
    if (path / "key.json").exists():
        raise DomainError("profile_exists", value=name)
    path.mkdir(parents=True, exist_ok=True)
    _owner_only(path)
    data_key = keys.new_data_key()
    _write_json(path / "key.json", keys.wrap(data_key, password, kdf))
    info = {"server_url": server_url, **user_info}
    _write_json(path / "profile.json", info)
    (path / "local.db").touch(mode=0o600)  # SQLite gives its -wal/-shm files the same mode
    engine = open_database(path / "local.db", data_key)
    migrate(engine)
    _owner_only(path)
    with Session(engine) as s, s.begin():
        if s.get(SyncState, 1) is None:
            s.add(SyncState(id=1, device_id=str(uuid.uuid4()), cursor=0, clock_offset_ms=0,
                            server_url=server_url, user_id=user_info.get("user_id")))
    return Profile(name, path, engine, info, blob_key=derive_blob_key(data_key),
                   data_key=data_key)


def open_profile(name: str, password: str) -> Profile:
    """Open (sign in offline to) a profile; runs pending client migrations."""
    path = profile_dir(name)
    if not (path / "key.json").exists():
        raise DomainError("profile_missing", value=name)
    data_key = keys.unwrap(json.loads((path / "key.json").read_text("utf-8")), password)
    try:
        _owner_only(path)  # profiles made before this rule are tightened when next opened
    except PermissionError as err:  # a file or folder this account may not change
        raise StorageError(READ_ONLY, value=str(path)) from err
    engine = open_database(path / "local.db", data_key)
    try:
        migrate(engine)  # StorageError: locked, read-only, damaged, wrong key, too new
    except BaseException:
        engine.dispose()
        raise
    info = json.loads((path / "profile.json").read_text("utf-8")) \
        if (path / "profile.json").exists() else {}
    return Profile(name, path, engine, info, blob_key=derive_blob_key(data_key),
                   data_key=data_key)


def change_password(name: str, old_password: str, new_password: str) -> None:
    """Re-wrap the data key under a new password; the database file is not touched."""
    path = profile_dir(name)
    data_key = keys.unwrap(json.loads((path / "key.json").read_text("utf-8")), old_password)
    _write_json(path / "key.json", keys.wrap(data_key, new_password))


def _owner_only(path: Path) -> None:
    """The profile folder 0700 and its files 0600: another account on the same laptop cannot
    read the wrapped key, the profile or the database (on Windows the per-user data folder's
    ACL does this)."""
    if os.name != "posix":
        return
    for folder in (path.parent, path):
        folder.chmod(0o700)
    for item in path.iterdir():
        if item.is_file():
            item.chmod(0o600)
        elif item.is_dir():
            item.chmod(0o700)


def _write_json(path: Path, obj: Any) -> None:
    # Write then rename, so a crash never leaves a half-written key file. Created 0600: the
    # file never exists readable by others, not even for a moment.
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(json.dumps(obj, ensure_ascii=False, indent=1))
    os.replace(tmp, path)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


__all__ = ["Profile", "base_dir", "profile_dir", "list_profiles", "create_profile",
           "open_profile", "change_password"]
