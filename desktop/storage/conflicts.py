"""Conflicts on this device: list them, resolve them (keep the losing value, keep the winner, or
type another). A resolution is an ordinary local edit plus a "resolved" change, both synced.

Choices for `resolve_conflict`:
- "restore": the losing value comes back (the UI says 保留我的 to the user whose value lost);
- "accept": the winning value stays (采用对方的);
- "other": `value` replaces both (输入其他值).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import ENTITIES, new_id
from common.sync.codec import from_wire
from common.sync.messages import CONFLICTS

from .changes import next_clock, record_change
from .tables import Conflict, OutboxEntry

CHOICES = ("restore", "accept", "other")


def list_conflicts(session: Session, *, entity: str | None = None, record_id: str | None = None,
                   include_resolved: bool = False) -> list[Conflict]:
    """Conflicts, newest first; filter by entity and/or record."""
    q = select(Conflict).order_by(Conflict.created_at.desc())
    if not include_resolved:
        q = q.where(Conflict.resolved.is_(False))
    if entity:
        q = q.where(Conflict.entity == entity)
    if record_id:
        q = q.where(Conflict.record_id == record_id)
    return list(session.scalars(q))


def resolve_conflict(session: Session, conflict_id: str, choice: str, *, now: dt.datetime,
                     value: Any = None) -> Conflict:
    """Resolve one conflict (see the module docstring). Never commits."""
    if choice not in CHOICES:
        raise DomainError("bad_choice", value=choice)
    conflict = session.get(Conflict, conflict_id)
    if conflict is None:
        raise DomainError("not_found")
    entity = ENTITIES[conflict.entity]
    if choice != "accept" and session.get(entity, conflict.record_id) is not None:
        new = conflict.loser_value if choice == "restore" else value
        if conflict.field == "deleted":
            record_change(session, entity, conflict.record_id, {}, now=now,
                          deleted=bool(new), restore=not new)
        else:
            record_change(session, entity, conflict.record_id,
                          {conflict.field: from_wire(entity, conflict.field, new)}, now=now)
    conflict.resolved = True
    conflict.resolution = choice
    session.add(OutboxEntry(change_id=new_id(), entity=CONFLICTS, record_id=conflict.id,
                            values={"resolution": choice}, deleted=False,
                            clock=next_clock(session, now), created_at=now, base={}))
    session.flush()
    return conflict


__all__ = ["CHOICES", "list_conflicts", "resolve_conflict"]
