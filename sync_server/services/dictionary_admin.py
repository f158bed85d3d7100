"""Dictionaries as data (配置中心/字典): read by everyone signed in, edited by county admins."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import DictEntry, User

from .changes import apply_change
from .dictionaries import dict_entry_id
from .ledger_admin import _code, _text
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


ENTRY_CODE_RE = re.compile(r"[A-Za-z0-9_]{1,32}")


def _checked(dict_code: str | None, code: str | None, label: str | None) -> None:
    """The rules of an entry's dictionary code (a new one is a new code type), code and label,
    every wrong field at once."""
    errors: list[ValidationError] = []
    if dict_code is not None:
        _code(dict_code, "dict_code", "字典代码", errors)
    if code is not None:
        if not code.strip():
            errors.append(ValidationError("required", "code", label="代码"))
        elif not ENTRY_CODE_RE.fullmatch(code):
            errors.append(ValidationError("dict_entry_code_invalid", "code", label="代码",
                                          value=code))
    if label is not None:
        _text(label, "label", "名称", 64, errors, required=True)
    if errors:
        raise ValidationErrors(errors)


def add_entry(session: Session, actor: User, *, dict_code: str, code: str, label: str,
              sort: int | None, now: dt.datetime) -> DictEntry:
    """A new code in a dictionary (e.g. a new tag); codes are unique within their dictionary.
    A dictionary code not used before starts a new code type."""
    if actor.role != "county_admin":
        raise DomainError("forbidden")
    _checked(dict_code, code, label)
    label = label.strip()
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
    if actor.role != "county_admin":
        raise DomainError("forbidden")
    row = session.get(DictEntry, entry_id)
    if row is None or row.deleted or row.dict_code == PLATE_KEY_DICT:
        raise DomainError("not_found", entity="dict_entries")
    if "label" in values:
        _checked(None, None, values["label"])
        values = {**values, "label": values["label"].strip()}
    values = {k: v for k, v in values.items() if getattr(row, k) != v}
    if values:
        row = apply_change(session, DictEntry, entry_id, values, now=now, actor_id=actor.id)
        log_operation(session, user=actor, action="update", now=now, entity="dict_entries",
                      record_id=row.id, details={"fields": sorted(values)})
    return row
