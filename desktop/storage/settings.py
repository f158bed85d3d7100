"""Client settings kept inside the encrypted database (never synced), and the door-plate keys.

Secrets such as the door-plate key live here rather than in the platform config folder because
this file is SQLCipher-encrypted; the JSON config folder holds only non-secret settings.

Door-plate keys reach a device with its scope as county reference data: a synced DictEntry with
dict_code "plate_key", code = key id, label = the key in hex (grid_id NULL: every device of the
county receives it, inside its encrypted database). Only the county (an admin on the server)
writes reference data, so devices never make keys of their own: a plate printed with a
device-made key would fail on every other laptop. A key may also be provisioned into this
settings table directly (add_plate_key). Older keys are kept, so plates printed before a
rotation still verify.
"""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import JSON, DateTime, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from common.errors import DomainError

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


def drop_settings(session: Session, prefix: str) -> None:
    """Remove every setting whose name starts with `prefix`; never commits."""
    _ensure_table(session)
    session.execute(delete(ClientSetting).where(ClientSetting.name.startswith(prefix,
                                                                               autoescape=True)))


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


def current_plate_key(session: Session) -> tuple[str, bytes]:
    """The key new plates are signed with; DomainError plate_key_missing until the county key
    has arrived (printing then would make plates no other device can read)."""
    current, keys = plate_keys(session)
    if not current or current not in keys:
        raise DomainError("plate_key_missing")
    return current, keys[current]


def new_plate_key() -> tuple[str, bytes]:
    """A fresh key id and key, for the county admin's tooling (and tests)."""
    return "K" + secrets.token_hex(4), secrets.token_bytes(32)

