"""Seeding the default dictionaries (common.dictionaries.DEFAULTS) as DictEntry records."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.dictionaries import DEFAULTS
from common.schema import DictEntry

from .changes import apply_change

# Stable ids: a client seeding its own copy before its first sync makes the same ids, so the two
# copies merge instead of duplicating every entry.
_NAMESPACE = uuid.UUID("6b1f6f0e-3c1e-4f53-9a57-2f6d3c0a2123")


def dict_entry_id(dict_code: str, code: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{dict_code}:{code}"))


def seed_dictionaries(session: Session, *, now: dt.datetime) -> int:
    """Add every default entry that is missing (idempotent; never overwrites an admin's edits).
    Returns how many were added. Never commits."""
    present = {(d, c) for d, c in session.execute(select(DictEntry.dict_code, DictEntry.code))}
    added = 0
    for dict_code, entries in DEFAULTS.items():
        for sort, (code, label) in enumerate(entries):
            if (dict_code, code) in present:
                continue
            apply_change(session, DictEntry, dict_entry_id(dict_code, code), {
                "dict_code": dict_code, "code": code, "label": label, "sort": sort,
                "active": True, "grid_id": None}, now=now)
            added += 1
    return added
