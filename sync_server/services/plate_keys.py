"""The county's door-plate signing key: made once per deployment, delivered to devices.

Devices sign the QR codes they print and verify the ones they scan offline, so every device of
the county needs the key (common/doorplate.py). It travels as reference data: a DictEntry with
dict_code "plate_key", code = key id, label = the 32-byte key in hex, grid_id NULL, so it reaches
every device inside its encrypted database through the ordinary pull. It is kept out of the
dictionaries REST list (only sync carries it). Rotating = adding a newer entry; older ones stay so
plates printed before still verify.
"""
from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import DictEntry

from .changes import apply_change
from .dictionaries import dict_entry_id

PLATE_KEY_DICT = "plate_key"


def ensure_plate_key(session: Session, *, now: dt.datetime) -> bool:
    """Create the county plate key if there is none yet. Returns True when one was made.
    Never commits."""
    present = session.scalar(select(DictEntry.id).where(
        DictEntry.dict_code == PLATE_KEY_DICT, DictEntry.deleted.is_(False)).limit(1))
    if present is not None:
        return False
    key_id = "K" + secrets.token_hex(4)
    apply_change(session, DictEntry, dict_entry_id(PLATE_KEY_DICT, key_id), {
        "dict_code": PLATE_KEY_DICT, "code": key_id, "label": secrets.token_bytes(32).hex(),
        "sort": 0, "active": True, "grid_id": None}, now=now)
    return True
