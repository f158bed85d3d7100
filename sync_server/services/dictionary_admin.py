"""Dictionaries as data (配置中心/字典): read by everyone signed in, edited by county admins."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import DictEntry, User

from .changes import apply_change
from .dictionaries import dict_entry_id
from .oplog import log_operation
from .plate_keys import PLATE_KEY_DICT


def list_entries(session: Session, dict_code: str | None = None,
                 include_inactive: bool = False) -> list[DictEntry]:
    # the door-plate signing key travels to devices by sync only, never through this list
    conds = [DictEntry.deleted.is_(False), DictEntry.grid_id.is_(None),
             DictEntry.dict_code != PLATE_KEY_DICT]
    if dict_code:
        conds.append(DictEntry.dict_code == dict_code)
    if not include_inactive:
        conds.append(DictEntry.active.is_(True))
    return list(session.scalars(select(DictEntry).where(*conds).order_by(
        DictEntry.dict_code, DictEntry.sort, DictEntry.code)))


def add_entry(session: Session, actor: User, *, dict_code: str, code: str, label: str,
              sort: int | None, now: dt.datetime) -> DictEntry:
    """A new code in a dictionary (e.g. a new tag); codes are unique within their dictionary."""
    taken = session.scalar(select(func.count()).select_from(DictEntry).where(
        DictEntry.dict_code == dict_code, DictEntry.code == code, DictEntry.deleted.is_(False)))
    if taken:
        raise ValidationErrors([ValidationError("username_taken", "code", label="代码",
                                                value=code)])
    if sort is None:
        sort = (session.scalar(select(func.max(DictEntry.sort)).where(
            DictEntry.dict_code == dict_code)) or 0) + 1
    row = apply_change(session, DictEntry, dict_entry_id(dict_code, code), {
        "dict_code": dict_code, "code": code, "label": label, "sort": sort, "active": True,
        "grid_id": None, "deleted": False}, now=now, actor_id=actor.id)  # revives a tombstone
    log_operation(session, user=actor, action="create", now=now, entity="dict_entries",
                  record_id=row.id, details={"dict_code": dict_code, "code": code})
    return row


def change_entry(session: Session, actor: User, entry_id: str, values: dict[str, Any], *,
                 now: dt.datetime) -> DictEntry:
    """Relabel, reorder or (de)activate an entry. Codes never change: records store them."""
    row = session.get(DictEntry, entry_id)
    if row is None or row.deleted:
        raise DomainError("not_found", entity="dict_entries")
    values = {k: v for k, v in values.items() if getattr(row, k) != v}
    if values:
        row = apply_change(session, DictEntry, entry_id, values, now=now, actor_id=actor.id)
        log_operation(session, user=actor, action="update", now=now, entity="dict_entries",
                      record_id=row.id, details={"fields": sorted(values)})
    return row
