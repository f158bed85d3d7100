"""Applying what the server sends to the local replica: rows, departures, conflicts, the cursor.

Server rows are the truth; local changes still waiting in the outbox are laid back on top, so
nothing the user typed disappears from the screen while it waits to be sent. Runs on the one
writer thread; one pulled batch is one transaction with its cursor, so a cut connection costs at
most the batch in flight.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from common.schema import ENTITIES
from common.sync import Ack, PullResponse, hlc
from common.sync.codec import expand_clocks, from_wire, values_from_wire

from .changes import sync_state
from .tables import Conflict, Departure, OutboxEntry, Quarantined


def apply_acks(session: Session, acks: list[Ack], entities_of: dict[str, tuple[str, str]]) -> None:
    """For accepted changes the server marked `settled`, the local row already equals the
    server's: only its rev moves. `entities_of` maps change id -> (entity, record_id)."""
    for ack in acks:
        if ack.status != "accepted" or not ack.settled or ack.change_id not in entities_of:
            continue
        entity_name, record_id = entities_of[ack.change_id]
        entity = ENTITIES.get(entity_name)
        row = session.get(entity, record_id) if entity else None
        if row is not None and (ack.rev or 0) > (row.rev or 0):
            row.rev = ack.rev


def apply_pull(session: Session, pull: PullResponse, *, now: dt.datetime) -> dict[str, int]:
    """Apply one pulled batch and move the cursor; returns counts for progress reports."""
    state = sync_state(session)
    overlay = _pending_overlay(session)
    seen = state.last_clock
    rows = 0
    for name, block in pull.data.items():
        entity = ENTITIES.get(name)
        if entity is None:
            continue  # an entity this client does not know yet (newer schema): skip
        cols = block.cols
        records = [dict(zip(cols, values)) for values in block.rows]
        # Load the rows this batch touches in one query, so the upserts below find them in
        # the session instead of asking the database once per row.
        ids = [r["id"] for r in records]
        existing: dict[str, Any] = {}
        for i in range(0, len(ids), 500):
            existing.update((row.id, row) for row in session.scalars(
                select(entity).where(entity.id.in_(ids[i:i + 500]))))
        for record in records:
            record["field_clock"] = expand_clocks(record.get("field_clock"))
            seen = hlc.observe(seen, max(record["field_clock"].values(), default=None))
            _upsert(session, entity, record, overlay.get((name, record["id"])),
                    existing.get(record["id"]))
            rows += 1
        # A record the server sends is in the scope (again): a departure noted for it
        # earlier, waiting for its edits to settle, no longer applies.
        for i in range(0, len(ids), 500):
            session.execute(delete(Departure).where(Departure.entity == name,
                                                    Departure.record_id.in_(ids[i:i + 500])))
    left = 0
    for name, record_id in pull.exits:
        if (name, record_id) in overlay or _has_quarantine(session, record_id):
            session.merge(Departure(entity=name, record_id=record_id))
        else:
            _drop(session, name, record_id)
            left += 1
    for c in pull.conflicts:
        session.merge(Conflict(
            id=c.id, rev=c.rev, entity=c.entity, record_id=c.record_id, field=c.field,
            winner_value=c.winner_value, winner_clock=c.winner_clock,
            loser_value=c.loser_value, loser_clock=c.loser_clock, loser_actor=c.loser_actor,
            created_at=dt.datetime.fromisoformat(c.created_at), resolved=c.resolved,
            resolution=c.resolution))
    state.cursor = max(state.cursor or 0, pull.cursor)
    state.last_clock = seen
    session.flush()
    return {"rows": rows, "exits": left, "conflicts": len(pull.conflicts)}


def drop_settled_departures(session: Session) -> int:
    """Drop departed records whose local changes have all been settled."""
    overlay = _pending_overlay(session)
    dropped = 0
    for d in list(session.scalars(select(Departure))):
        if (d.entity, d.record_id) not in overlay and not _has_quarantine(session, d.record_id):
            _drop(session, d.entity, d.record_id)
            session.delete(d)
            dropped += 1
    return dropped


def _upsert(session: Session, entity: Any, record: dict[str, Any],
            pending: list[OutboxEntry] | None, row: Any) -> None:
    if row is None:
        row = entity(id=record["id"])
        session.add(row)
    for key, value in record.items():
        if key != "id":
            setattr(row, key, from_wire(entity, key, value))
    if pending:
        clocks = dict(row.field_clock or {})
        for entry in pending:
            for key, value in values_from_wire(entity, entry.values).items():
                setattr(row, key, value)
                clocks[key] = entry.clock
        row.field_clock = clocks


def _pending_overlay(session: Session) -> dict[tuple[str, str], list[OutboxEntry]]:
    out: dict[tuple[str, str], list[OutboxEntry]] = {}
    for entry in session.scalars(select(OutboxEntry).order_by(OutboxEntry.seq)):
        out.setdefault((entry.entity, entry.record_id), []).append(entry)
    return out


def _has_quarantine(session: Session, record_id: str) -> bool:
    return session.scalar(select(Quarantined.change_id)
                          .where(Quarantined.record_id == record_id).limit(1)) is not None


def _drop(session: Session, name: str, record_id: str) -> None:
    entity = ENTITIES.get(name)
    if entity is not None:
        session.execute(delete(entity).where(entity.id == record_id))
    session.execute(delete(Conflict).where(Conflict.record_id == record_id))


__all__ = ["apply_pull", "apply_acks", "drop_settled_departures"]
