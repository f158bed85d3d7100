"""Client settings kept inside the encrypted database (never synced), and the door-plate keys.

Secrets such as the door-plate key live here rather than in the platform config folder because
this file is SQLCipher-encrypted; the JSON config folder holds only non-secret settings.

Door-plate keys reach a device with its scope as county reference data: a synced DictEntry with
dict_code "plate_key", code = key id, label = the key in hex (grid_id NULL: every device of the
county receives it, inside its encrypted database). A device that has none yet when it first
prints plates makes one and records it the same way (through record_change), so it reaches the
server and every other device at the next sync; should the server refuse it (only the county may
write reference data), the key stays local in this settings table and those plates verify on
this device only until the county key arrives. Older keys are kept, so plates printed before a
rotation still verify.
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


PLATE_KEY_DICT = "plate_key"


def _county_keys(session: Session) -> list[tuple[str, bytes]]:
    """Plate keys delivered as reference data, oldest first."""
    from common.schema import DictEntry
    rows = session.scalars(select(DictEntry).where(
        DictEntry.dict_code == PLATE_KEY_DICT, DictEntry.deleted.is_(False),
        DictEntry.active.is_not(False)).order_by(DictEntry.created_at, DictEntry.code))
    out = []
    for row in rows:
        try:
            key = bytes.fromhex(row.label or "")
        except ValueError:
            continue
        if len(key) == 32:
            out.append((row.code, key))
    return out


def plate_keys(session: Session) -> tuple[str | None, dict[str, bytes]]:
    """The current plate key id (the newest county key, else this device's own) and every plate
    key this device holds (id -> 32 bytes)."""
    stored = get_setting(session, PLATE_KEYS) or {}
    keys = {kid: bytes.fromhex(hexkey) for kid, hexkey in (stored.get("keys") or {}).items()}
    county = _county_keys(session)
    keys.update(county)
    current = county[-1][0] if county else stored.get("current")
    return current, keys


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
    """The current plate key, making one if this device holds none yet (recorded as county
    reference data so that it syncs, and kept locally in case the server refuses it)."""
    current, keys = plate_keys(session)
    if current and current in keys:
        return current, keys[current]
    from common.schema import DictEntry

    from .changes import record_change
    key_id = "K" + secrets.token_hex(4)
    key = secrets.token_bytes(32)
    add_plate_key(session, key_id, key, now=now)
    record_change(session, DictEntry, None, {
        "dict_code": PLATE_KEY_DICT, "code": key_id, "label": key.hex(), "grid_id": None,
        "active": True, "sort": 0}, now=now)
    return key_id, key


def all_settings(session: Session) -> dict[str, Any]:
    _ensure_table(session)
    return {r.name: r.value for r in session.scalars(select(ClientSetting))}
