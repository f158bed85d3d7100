"""xlsx exports of a filtered list (openpyxl write_only: rows streamed, memory flat): masked
unless the user asks for clear values and may see them; every export is in the operation log.
Runs in the caller's transaction (never commits); a background export gets its own session."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.masking import mask
from common.schema import Base, User
from common.schema.fields import sensitive_fields, spec

from .oplog import log_operation
from .records import RecordFilters, _cell, list_records
from .scope import Scope

BATCH = 2000
# Who may export ID numbers and phones in clear (the others always get them masked).
CLEAR_EXPORT_ROLES = ("county_admin", "township_office")


def may_export_clear(user: User) -> bool:
    return user.role in CLEAR_EXPORT_ROLES


def count(session: Session, scope: Scope, entity: type[Base], query: RecordFilters) -> int:
    return list_records(session, scope, entity, replace(query, limit=0, offset=0))[1]


def write_xlsx(session: Session, scope: Scope, user: User, entity: type[Base],
               query: RecordFilters, columns: list[str], path: Path | BinaryIO, *, now: dt.datetime,
               clear: bool = False, labels: dict[str, dict[str, str]] | None = None,
               progress: Callable[[int, int], None] | None = None) -> int:
    """Every record matching `query` (in scope) into the xlsx file `path` (or an open binary
    file); the row count.
    `clear` without the right: forbidden. Dictionary codes are written as their labels."""
    if clear and not may_export_clear(user):
        raise DomainError("forbidden")
    kinds = {} if clear else sensitive_fields(entity)
    labels = labels or {}
    total = count(session, scope, entity, query)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(entity.__tablename__)
    sheet.append([spec(entity, c).label for c in columns])
    done = 0
    while done < total:
        rows, _ = list_records(session, scope, entity, replace(query, limit=BATCH, offset=done))
        if not rows:
            break
        for row in rows:
            sheet.append([_value(row, c, kinds, labels) for c in columns])
        done += len(rows)
        if progress:
            progress(done, total)
    if isinstance(path, Path):
        path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    log_operation(session, user=user, action="export", now=now, entity=entity.__tablename__,
                  details={"format": "xlsx", "rows": done, "clear": clear,
                           "filters": {**query.filters, "q": query.q}})
    return done


def _value(row: Base, key: str, kinds: dict[str, str], labels: dict[str, dict[str, str]]
           ) -> Any:
    value = getattr(row, key)
    if key in labels and value is not None:
        value = labels[key].get(value, value)
    value = mask(kinds.get(key), value)
    return _cell(value) if isinstance(value, str) else value
