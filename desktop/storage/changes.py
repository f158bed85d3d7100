"""The one write path for synced records on the client: the row and its outbox entry together."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from common.errors import ValidationError, ValidationErrors
from common.schema import Base, Person, new_id, user_fields
from common.validation import validate_person

from .tables import OutboxEntry


def record_change(session: Session, entity: type[Base], record_id: str | None,
                  values: dict[str, Any], *, now: dt.datetime, deleted: bool = False) -> Base:
    """Create or update one record locally (or tombstone it) and queue the change for the server.

    Never commits: the caller's transaction holds both the row and the outbox entry.
    """
    allowed = set(user_fields(entity))
    unknown = [k for k in values if k not in allowed]
    if unknown:
        raise ValidationErrors([ValidationError("unknown_field", k, field=k) for k in unknown])
    row = session.get(entity, record_id) if record_id else None
    creating = row is None
    if entity is Person:
        if creating:
            values = {"resident_type": "registered", "status": "normal", "id_number": None,
                      "name": None, **values}
        values = validate_person(values, today=now.date())
    stamp = now.isoformat(timespec="microseconds")
    if creating:
        row = entity(id=record_id or new_id(), created_at=now, field_clock={}, deleted=False,
                     rev=0)
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
    session.add(OutboxEntry(change_id=new_id(), entity=entity.__tablename__, record_id=row.id,
                            values=_jsonable(values), deleted=deleted, clock=stamp,
                            created_at=now))
    session.flush()
    return row


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v)
            for k, v in values.items()}
