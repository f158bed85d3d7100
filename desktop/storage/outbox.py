"""Reading and settling the outbox and the quarantine (what waits to be sent, what was refused).

All functions take the caller's Session and never commit. Writes run on the one writer thread.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from common.sync import Ack, Change

from .tables import OutboxEntry, Quarantined


def pending(session: Session, limit: int | None = None) -> list[OutboxEntry]:
    """Unsent changes, oldest first."""
    q = select(OutboxEntry).order_by(OutboxEntry.seq)
    if limit:
        q = q.limit(limit)
    return list(session.scalars(q))


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxEntry)) or 0


def as_change(entry: OutboxEntry) -> Change:
    return Change(id=entry.change_id, entity=entry.entity, record_id=entry.record_id,
                  values=entry.values, clock=entry.clock, base=entry.base or {},
                  seen_rev=entry.seen_rev)


def settle(session: Session, acks: list[Ack], *, now: dt.datetime) -> tuple[int, int]:
    """Apply the server's acknowledgements: accepted changes leave the outbox, refused ones move
    to the quarantine with the server's reason. Returns (accepted, refused)."""
    accepted = refused = 0
    by_id = {e.change_id: e for e in session.scalars(
        select(OutboxEntry).where(OutboxEntry.change_id.in_([a.change_id for a in acks])))}
    for ack in acks:
        entry = by_id.get(ack.change_id)
        if entry is None:
            continue  # already settled by an earlier (duplicated) response
        if ack.status == "refused":
            err = ack.error or {}
            session.merge(Quarantined(
                change_id=entry.change_id, entity=entry.entity, record_id=entry.record_id,
                values=entry.values, deleted=entry.deleted, clock=entry.clock, base=entry.base,
                created_at=entry.created_at, refused_at=now, code=err.get("code", "refused"),
                reason=err.get("message") or err.get("code", ""), error=err))
            refused += 1
        else:
            accepted += 1
        session.delete(entry)
    session.flush()
    return accepted, refused


def quarantined(session: Session) -> list[Quarantined]:
    """Refused changes with the server's reason (`reason`, in Chinese), newest first."""
    return list(session.scalars(select(Quarantined).order_by(Quarantined.refused_at.desc())))


def retry_quarantined(session: Session, change_id: str, values: dict[str, Any] | None = None,
                      *, now: dt.datetime) -> None:
    """Put a refused change back in the outbox, optionally with corrected values (the user fixed
    what the server complained about). It gets a new change id: the server keeps a receipt of
    the refusal under the old one."""
    from common.schema import new_id
    q = session.get(Quarantined, change_id)
    if q is None:
        return
    session.add(OutboxEntry(change_id=new_id(), entity=q.entity, record_id=q.record_id,
                            values=values if values is not None else q.values,
                            deleted=q.deleted, clock=q.clock, base=q.base, created_at=now))
    session.delete(q)
    session.flush()


def discard_quarantined(session: Session, change_id: str) -> None:
    """Give up a refused change (the local row keeps the value until the server overwrites it)."""
    session.execute(delete(Quarantined).where(Quarantined.change_id == change_id))


__all__ = ["pending", "pending_count", "as_change", "settle", "quarantined",
           "retry_quarantined", "discard_quarantined"]
