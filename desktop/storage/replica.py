"""Applying what the server sends to the local replica: rows, departures, conflicts, the cursor.

Server rows are the truth; local changes still waiting in the outbox are laid back on top, so
nothing the user typed disappears from the screen while it waits to be sent. Runs on the one
writer thread; one pulled batch is one transaction with its cursor, so a cut connection costs at
most the batch in flight.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from sqlalchemy import Date, DateTime, delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from common.schema import ENTITIES
from common.sync import Ack, PullResponse, hlc
from common.sync.codec import expand_clocks, values_from_wire

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
    """Apply one pulled batch and move the cursor; returns counts for progress reports.

    Rows are written in bulk: one `INSERT ... ON CONFLICT (id) DO UPDATE` per entity (and per
    set of columns), the pulled columns replacing the stored ones and the unsent local changes
    of a record laid over them with their own stamps. The ORM objects of those entities still
    in the session are expired afterwards, so later reads in this transaction see the rows
    written here."""
    session.flush()
    state = sync_state(session)
    overlay = _pending_overlay(session)
    seen = state.last_clock
    rows = 0
    departures = session.scalar(select(Departure.record_id).limit(1)) is not None
    touched: set[type] = set()
    for name, block in pull.data.items():
        entity = ENTITIES.get(name)
        if entity is None:
            continue  # an entity this client does not know yet (newer schema): skip
        table = entity.__table__
        # Columns this client does not have (a newer server schema) are left out, as
        # setting them on an ORM object never reached the database either.
        picks = [(i, c, _converter(table, c)) for i, c in enumerate(block.cols)
                 if c in table.columns and c != "field_clock"]
        clock_at = block.cols.index("field_clock") if "field_clock" in block.cols else None
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        plain_keys = tuple(c for _, c, _ in picks) + ("field_clock",)
        plain = groups.setdefault(plain_keys, [])
        ids = []
        for values in block.rows:
            record = {c: (conv(values[i]) if conv else values[i]) for i, c, conv in picks}
            clocks = expand_clocks(values[clock_at] if clock_at is not None else None)
            seen = hlc.observe(seen, max(clocks.values(), default=None))
            record["field_clock"] = clocks
            ids.append(record["id"])
            pending = overlay.get((name, record["id"]))
            if pending:
                clocks = dict(clocks)
                for entry in pending:
                    for key, value in values_from_wire(entity, entry.values).items():
                        if key in table.columns:
                            record[key] = value
                            clocks[key] = entry.clock
                record["field_clock"] = clocks
                groups.setdefault(tuple(record), []).append(record)
            else:
                plain.append(record)
        for keys, group in groups.items():
            if group:
                stmt = sqlite_insert(table)
                stmt = stmt.on_conflict_do_update(
                    index_elements=[table.c.id],
                    set_={k: stmt.excluded[k] for k in keys if k != "id"})
                session.execute(stmt, group)
        rows += len(ids)
        touched.add(entity)
        # A record the server sends is in the scope (again): a departure noted for it
        # earlier, waiting for its edits to settle, no longer applies.
        if departures:
            for i in range(0, len(ids), 500):
                session.execute(delete(Departure).where(Departure.entity == name,
                                                        Departure.record_id.in_(ids[i:i + 500])))
    for obj in list(session.identity_map.values()):
        if type(obj) in touched:
            session.expire(obj)
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


def _converter(table: Any, column: str) -> Callable[[Any], Any] | None:
    """What `from_wire` does for one column, chosen once per batch instead of once per value."""
    kind = table.columns[column].type
    if isinstance(kind, DateTime):
        return lambda v: dt.datetime.fromisoformat(v) if isinstance(v, str) else v
    if isinstance(kind, Date):
        return lambda v: dt.date.fromisoformat(v[:10]) if isinstance(v, str) else v
    return None


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
