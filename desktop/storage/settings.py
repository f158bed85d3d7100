"""Client settings kept inside the encrypted database (never synced): plate keys and the like.

Secrets such as the county door-plate key live here rather than in the platform config folder
because this file is SQLCipher-encrypted; the JSON config folder holds only non-secret settings.
"""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import JSON, DateTime, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .migrations import migration
from .tables import ClientBase

PLATE_KEYS = "plate_keys"
"""Setting holding {"current": key id, "keys": {key id: hex key}}."""


class ClientSetting(ClientBase):
    """One named setting: a JSON value. Written on the client's writer thread."""

    __tablename__ = "client_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


@migration("0110_client_settings")
def create_table(connection) -> None:  # noqa: ANN001 - a SQLAlchemy Connection
    """The client migration that adds the settings table (registered on import of this module)."""
    ClientBase.metadata.create_all(connection, tables=[ClientSetting.__table__])


def _ensure_table(session: Session) -> None:
    # A profile migrated before this module was imported lacks the table; DDL is transactional.
    ClientSetting.__table__.create(session.connection(), checkfirst=True)


def get_setting(session: Session, name: str, default: Any = None) -> Any:
    _ensure_table(session)
    row = session.get(ClientSetting, name)
    return default if row is None else row.value


def put_setting(session: Session, name: str, value: Any, *, now: dt.datetime) -> None:
    """Set one setting; never commits (the caller's transaction holds it)."""
    _ensure_table(session)
    row = session.get(ClientSetting, name)
    if row is None:
        session.add(ClientSetting(name=name, value=value, updated_at=now))
    else:
        row.value = value
        row.updated_at = now
    session.flush()


def plate_keys(session: Session) -> tuple[str | None, dict[str, bytes]]:
    """The current plate key id and every plate key this device holds (id -> 32 bytes)."""
    stored = get_setting(session, PLATE_KEYS) or {}
    keys = {kid: bytes.fromhex(hexkey) for kid, hexkey in (stored.get("keys") or {}).items()}
    return stored.get("current"), keys


def add_plate_key(session: Session, key_id: str, key: bytes, *, now: dt.datetime,
                  make_current: bool = True) -> None:
    """Store a plate key delivered with the scope (or made locally), keeping older ones so
    plates printed before a rotation still verify."""
    stored = dict(get_setting(session, PLATE_KEYS) or {})
    keys = dict(stored.get("keys") or {})
    keys[key_id] = key.hex()
    stored["keys"] = keys
    if make_current or not stored.get("current"):
        stored["current"] = key_id
    put_setting(session, PLATE_KEYS, stored, now=now)


def ensure_plate_key(session: Session, *, now: dt.datetime) -> tuple[str, bytes]:
    """The current plate key, making one if this profile has none yet."""
    current, keys = plate_keys(session)
    if current and current in keys:
        return current, keys[current]
    key_id = "L" + secrets.token_hex(3)
    key = secrets.token_bytes(32)
    add_plate_key(session, key_id, key, now=now)
    return key_id, key


def all_settings(session: Session) -> dict[str, Any]:
    _ensure_table(session)
    return {r.name: r.value for r in session.scalars(select(ClientSetting))}
