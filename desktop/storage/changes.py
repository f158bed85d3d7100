"""The one write path for synced records on the client: the row and its outbox entry together."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.orm import Session

from common.errors import ValidationError, ValidationErrors
from common.rules import new_person_values
from common.schema import Base, Person, new_id, user_fields
from common.sync import hlc
from common.sync.codec import to_wire

from .tables import LocalHistory, OutboxEntry, SyncState


def wall_ms(now: dt.datetime) -> int:
    """Milliseconds since the epoch; a naive `now` is taken as UTC."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.timezone.utc)
    return int(now.timestamp() * 1000)


def sync_state(session: Session) -> SyncState:
    """The device's sync state row, created on first use (a bare database opened in a test)."""
    state = session.get(SyncState, 1)
    if state is None:
        state = SyncState(id=1, device_id=str(uuid.uuid4()), cursor=0, clock_offset_ms=0)
        session.add(state)
        session.flush()
    return state


def next_clock(session: Session, now: dt.datetime) -> str:
    """A fresh hybrid-logical-clock stamp for a local edit: the laptop's time corrected by the
    offset to the server's clock measured at the last sync, and after every stamp seen so far."""
    state = sync_state(session)
    node = state.device_id.replace("-", "")[:12]
    value = hlc.tick(state.last_clock, wall_ms(now) + (state.clock_offset_ms or 0), node)
    state.last_clock = value
    return value


def record_change(session: Session, entity: type[Base], record_id: str | None,
                  values: dict[str, Any], *, now: dt.datetime, deleted: bool = False,
                  restore: bool = False) -> Base:
    """Create or update one record locally (or tombstone it, or `restore` a tombstoned one) and
    queue the change for the server. Never commits: the caller's transaction holds both the row
    and the outbox entry. Runs on the one writer thread.
    """
    allowed = set(user_fields(entity))
    unknown = [k for k in values if k not in allowed]
    if unknown:
        raise ValidationErrors([ValidationError("unknown_field", k) for k in unknown])
    row = session.get(entity, record_id) if record_id else None
    creating = row is None
    if entity is Person:
        if creating:
            values = new_person_values(values)
        values = validate_person_values(values, now)
    stamp = next_clock(session, now)
    if creating:
        row = entity(id=record_id or new_id(), created_at=now, field_clock={}, deleted=False,
                     rev=0)
        session.add(row)
    clocks = dict(row.field_clock or {})
    wire = {k: to_wire(v) for k, v in values.items()}
    if deleted or restore:
        wire["deleted"] = bool(deleted)
    base = {k: clocks[k] for k in wire if k in clocks}
    if "deleted" in clocks:
        base["deleted"] = clocks["deleted"]
    old = {k: to_wire(getattr(row, k, None)) for k in wire} if not creating else {}
    for key, value in values.items():
        setattr(row, key, value)
        clocks[key] = stamp
    if deleted or restore:
        row.deleted = bool(deleted)
        clocks["deleted"] = stamp
    row.field_clock = clocks
    row.updated_at = now
    change_id = new_id()
    session.add(OutboxEntry(change_id=change_id, entity=entity.__tablename__, record_id=row.id,
                            values=wire, deleted=bool(deleted), clock=stamp, created_at=now,
                            base=base, seen_rev=sync_state(session).cursor or 0))
    session.add(LocalHistory(change_id=change_id, entity=entity.__tablename__, record_id=row.id,
                             values=wire, old_values=old, at=now, clock=stamp))
    session.flush()
    return row


def validate_person_values(values: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    from common.validation import validate_person
    return validate_person(values, today=now.date())


__all__ = ["record_change", "next_clock", "sync_state", "wall_ms"]
