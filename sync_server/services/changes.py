"""The one write path for synced records on the server.

Every write to a synced table, whether from a REST call, a sync push or an import, goes through
`apply_change`: it validates, stamps, numbers the change with the next `rev` and updates the
record's field clocks. Scope is checked by the caller (it knows the actor). Never commits: the
caller owns the transaction, so a batch is all-or-nothing where it needs to be.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import SYNC_COLUMNS, Base, Person, user_fields
from common.validation import validate_person

from ..db.tables import Counter


def next_rev(session: Session) -> int:
    """Take the next change number (serialised by the row lock on PostgreSQL)."""
    value = session.execute(
        update(Counter).where(Counter.name == "rev").values(value=Counter.value + 1)
        .returning(Counter.value)
    ).scalar_one_or_none()
    if value is None:
        session.add(Counter(name="rev", value=1))
        session.flush()
        value = 1
    return value


def apply_change(session: Session, entity: type[Base], record_id: str | None,
                 values: dict[str, Any], *, now: dt.datetime, deleted: bool = False,
                 clock: str | None = None) -> Base:
    """Create or update one record (or tombstone it with `deleted=True`) and return it.

    `values` holds user fields only; unknown fields are refused. `clock` is the change's
    clock stamp (the server's own writes pass None and get one from `now`).
    """
    allowed = set(user_fields(entity))
    unknown = [k for k in values if k not in allowed]
    if unknown:
        raise ValidationErrors([ValidationError("unknown_field", k, field=k) for k in unknown])
    row = session.get(entity, record_id) if record_id else None
    creating = row is None
    if entity is Person:
        values = validate_person(values if not creating else _with_defaults(values),
                                 today=now.date())
    stamp = clock or now.isoformat(timespec="microseconds")
    if creating:
        row = entity(id=record_id) if record_id else entity()
        row.created_at = now
        row.field_clock = {}
        row.deleted = False
        session.add(row)
    clocks = dict(row.field_clock or {})
    for key, value in values.items():
        setattr(row, key, value)
        clocks[key] = stamp
    if deleted:
        row.deleted = True
        clocks["deleted"] = stamp
    row.field_clock = clocks
    row.updated_at = now
    row.rev = next_rev(session)
    session.flush()
    return row


def _with_defaults(values: dict[str, Any]) -> dict[str, Any]:
    out = {"resident_type": "registered", "status": "normal"}
    out.update(values)
    for name in ("id_number", "name"):
        out.setdefault(name, None)
    return out


__all__ = ["apply_change", "next_rev", "DomainError", "SYNC_COLUMNS", "select"]
