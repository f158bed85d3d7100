"""The pull half of a sync exchange: everything in a device's scope past its cursor, in rev
order, cut into batches by a byte budget.

Revs are taken under the counter's lock and committed in order, and every query of one batch is
bounded by the counter's value read first (the high-water mark), so a change committing while
the batch is read is never skipped: it has a higher rev and comes in the next batch.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, exists, literal, not_, select, union_all
from sqlalchemy.orm import Session

from common.schema import ENTITIES, OrgNode
from common.sync.codec import compact_clocks, to_wire
from common.sync.messages import ConflictWire, EntityRows, PullResponse

from ..db.sync_tables import ScopeExit, SyncConflict
from .changes import current_rev
from .scope import Scope

MIN_BYTES, MAX_BYTES = 4_000, 4_000_000


def pull_batch(session: Session, scope: Scope, cursor: int, max_bytes: int,
               skip: dict[tuple[str, str], int] | None = None) -> PullResponse:
    """One batch past `cursor`. `skip`: records (with their rev) the device already holds in
    the server's state (it has just pushed them), left out to save bytes."""
    cursor = max(0, int(cursor))
    high = current_rev(session)
    if scope.empty or cursor >= high:
        return PullResponse(cursor=cursor)
    budget = max(MIN_BYTES, min(MAX_BYTES, max_bytes))
    limit = max(50, budget // 120)
    items: list[tuple[int, str, Any, int]] = []   # (rev, kind, payload, size)
    bound = high
    # One query (index-only on each table's rev) tells which entities changed, so a device
    # with little to fetch costs a few lookups, not a scan of every table. (Not the change
    # log: bulk-loaded data, e.g. the demo county, has rows but no log entries.)
    changed = _changed_entities(session, cursor, high)
    for name, entity in ENTITIES.items():
        if name not in changed:
            continue
        table = entity.__table__
        rows = session.execute(
            select(table).where(table.c.rev > cursor, table.c.rev <= high,
                                scope.condition(entity))
            .order_by(table.c.rev).limit(limit)).mappings().all()
        if len(rows) == limit:
            bound = min(bound, rows[-1]["rev"])
        for r in rows:
            if skip and skip.get((name, r["id"])) == r["rev"]:
                items.append((r["rev"], "skip", None, 0))
                continue
            values = [compact_clocks(r[c.name]) if c.name == "field_clock" else to_wire(r[c.name])
                      for c in table.columns]
            items.append((r["rev"], name, values, _size(values)))
    if not changed:
        return PullResponse(cursor=high)
    nodes = select(OrgNode.id).where(OrgNode.path.startswith(scope.path, autoescape=True))
    exits = session.execute(
        select(ScopeExit.rev, ScopeExit.entity, ScopeExit.record_id)
        .where(ScopeExit.rev > cursor, ScopeExit.rev <= high, ScopeExit.old_grid_id.in_(nodes),
               not_(and_(ScopeExit.new_grid_id.is_not(None), ScopeExit.new_grid_id.in_(nodes))))
        .order_by(ScopeExit.rev).limit(limit)).all()
    if len(exits) == limit:
        bound = min(bound, exits[-1].rev)
    back = _back_in_scope(session, scope, exits)
    items += [(e.rev, "exit", (e.entity, e.record_id), 80) for e in exits
              if (e.entity, e.record_id) not in back]
    conflicts = session.scalars(
        select(SyncConflict).where(SyncConflict.rev > cursor, SyncConflict.rev <= high,
                                   SyncConflict.grid_id.in_(nodes))
        .order_by(SyncConflict.rev).limit(limit)).all()
    if len(conflicts) == limit:
        bound = min(bound, conflicts[-1].rev)
    for c in conflicts:
        wire = _conflict_wire(c)
        items.append((c.rev, "conflict", wire, _size(wire.model_dump())))
    return _cut(items, cursor, bound, high, budget)


def _back_in_scope(session: Session, scope: Scope, exits: list[Any]) -> set[tuple[str, str]]:
    """The exits whose record is in the scope again (moved out and back, by one device or by
    two). Such a record is not sent as an exit: the device keeps it, and its current row (rev
    past the exit's) reaches the device in this batch or a later one. Sending the exit too
    would let the device drop a record it should hold, whichever order it applied them in."""
    wanted: dict[str, list[str]] = {}
    for e in exits:
        wanted.setdefault(e.entity, []).append(e.record_id)
    back: set[tuple[str, str]] = set()
    for name, ids in wanted.items():
        entity = ENTITIES.get(name)
        if entity is None:
            continue
        table = entity.__table__
        for i in range(0, len(ids), 500):
            back.update((name, rid) for rid in session.scalars(
                select(table.c.id).where(table.c.id.in_(ids[i:i + 500]),
                                         scope.condition(entity))))
    return back


def _changed_entities(session: Session, cursor: int, high: int) -> set[str]:
    return set(session.scalars(_probe_statement(), {"cursor": cursor, "high": high}))


@lru_cache(maxsize=1)
def _probe_statement() -> Any:
    """One UNION ALL of index-only EXISTS probes, built once (bound parameters only)."""
    lo, hi = bindparam("cursor"), bindparam("high")
    probes = [select(literal(name).label("entity")).where(
        exists().where(e.__table__.c.rev > lo, e.__table__.c.rev <= hi))
        for name, e in ENTITIES.items()]
    probes.append(select(literal("_conflicts").label("entity")).where(
        exists().where(SyncConflict.rev > lo, SyncConflict.rev <= hi)))
    return union_all(*probes)


def _cut(items: list[tuple[int, str, Any, int]], cursor: int, bound: int, high: int,
         budget: int) -> PullResponse:
    """Take items in rev order up to the budget, never splitting one rev across batches."""
    items.sort(key=lambda i: i[0])
    out = PullResponse(cursor=cursor)
    data: dict[str, list[list[Any]]] = {}
    used, last_rev, more = 0, cursor, bound < high
    for rev, kind, payload, size in items:
        if rev > bound:
            more = True
            break
        if used + size > budget and rev != last_rev and used > 0:
            more = True
            break
        used += size
        last_rev = rev
        if kind == "exit":
            out.exits.append(payload)
        elif kind == "conflict":
            out.conflicts.append(payload)
        elif kind != "skip":
            data.setdefault(kind, []).append(payload)
    out.cursor = last_rev if more else high
    out.more = more
    for name, rows in data.items():
        out.data[name] = EntityRows(cols=[c.name for c in ENTITIES[name].__table__.columns],
                                    rows=rows)
    return out


def _conflict_wire(c: SyncConflict) -> ConflictWire:
    return ConflictWire(id=c.id, rev=c.rev, entity=c.entity, record_id=c.record_id,
                        field=c.field, winner_value=c.winner_value, winner_clock=c.winner_clock,
                        loser_value=c.loser_value, loser_clock=c.loser_clock,
                        loser_actor=c.loser_actor, created_at=c.created_at.isoformat(),
                        resolved=c.resolved, resolution=c.resolution)


def _size(values: Any) -> int:
    return len(json.dumps(values, ensure_ascii=False, default=str))


__all__ = ["pull_batch"]
