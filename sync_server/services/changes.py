"""The one write path for synced records on the server.

Every write to a synced table, whether from a REST call, a sync push or an import, goes through
`apply_change` (or `merge_change_into`, which also says what the merge decided): it validates,
merges field by field (common.sync.merge), numbers the change with the next `rev`, keeps the
record's field clocks, writes the field-level change log, records conflicts and scope exits.
Scope is checked by the caller (it knows the actor). Never commits: the caller owns the
transaction, so a batch is all-or-nothing where it needs to be.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationErrors
from common.rules import PLACE_NUMBERS, new_person_values, place_problems, tags_left_behind
from common.schema import SYNC_COLUMNS, Base, Person, PersonTag, new_id
from common.sync import FieldConflict, hlc, merge_change
from common.sync.codec import to_wire
from common.validation import check_fields

from ..db.sync_tables import ChangeLog, ScopeExit, SyncConflict
from ..db.tables import Counter

SERVER_NODE = "server"


def next_rev(session: Session, count: int = 1) -> int:
    """Take the next change number, or the last of a block of `count` (serialised by the row
    lock on PostgreSQL, by the write lock on SQLite): revs therefore become visible in order,
    which the pull cursor relies on."""
    value = session.execute(
        update(Counter).where(Counter.name == "rev").values(value=Counter.value + count)
        .returning(Counter.value)
    ).scalar_one_or_none()
    if value is None:
        session.add(Counter(name="rev", value=count))
        session.flush()
        value = count
    return value


def current_rev(session: Session) -> int:
    return session.scalar(select(Counter.value).where(Counter.name == "rev")) or 0


@dataclass
class Applied:
    """What one change did: the row, the rev it got, the conflicts it produced, whether any of
    its own values lost, and whether the stamps stored differ from the ones sent."""

    row: Base
    rev: int
    created: bool
    conflicts: list[FieldConflict] = field(default_factory=list)
    lost: bool = False
    restamped: bool = False
    moved_from: str | None = None


def apply_change(session: Session, entity: type[Base], record_id: str | None,
                 values: dict[str, Any], *, now: dt.datetime, deleted: bool = False,
                 clock: str | None = None, base: dict[str, str] | None = None,
                 actor_id: str | None = None, device_id: str | None = None,
                 change_id: str | None = None) -> Base:
    """Create or update one record (or tombstone it with `deleted=True`) and return it.

    `values` holds user fields only (plus `deleted` from a sync push); unknown fields and
    values their column cannot hold are refused (common.validation.check_fields). `clock` is
    the change's clock stamp and `base` the field stamps its author had seen (a sync push
    passes both); the server's own writes pass neither: they are stamped after everything the
    record holds, so they never conflict.
    """
    return merge_change_into(session, entity, record_id, values, now=now, deleted=deleted,
                             clock=clock, base=base, actor_id=actor_id, device_id=device_id,
                             change_id=change_id).row


def merge_change_into(session: Session, entity: type[Base], record_id: str | None,
                      values: dict[str, Any], *, now: dt.datetime, deleted: bool = False,
                      clock: str | None = None, base: dict[str, str] | None = None,
                      actor_id: str | None = None, device_id: str | None = None,
                      change_id: str | None = None, rev: int | None = None) -> Applied:
    """`apply_change`, also reporting what the merge decided (see Applied). `rev`: a number
    the caller took beforehand from a block (`next_rev(session, n)`), else one is taken."""
    values = dict(values)
    if deleted:
        values["deleted"] = True
    # Whatever the path, nothing stored breaks a read: each value as its column declares it
    # (services/authorize.py has already checked a push or a REST write the same way).
    values = check_fields(entity, values)
    row = session.get(entity, record_id) if record_id else None
    creating = row is None
    if entity is Person:
        user_values = {k: v for k, v in values.items() if k != "deleted"}
        checked = _validate_person(user_values if not creating else _with_defaults(user_values),
                                   now)
        values = {**checked, **({"deleted": values["deleted"]} if "deleted" in values else {})}
    if entity.__tablename__ in PLACE_TABLES:
        _check_place(entity, row, values)
    if creating:
        row = entity(id=record_id) if record_id else entity()
        row.created_at = now
        row.field_clock = {}
        row.deleted = False
        session.add(row)
    clocks = dict(row.field_clock or {})
    if clock is None:
        top = max(clocks.values(), default=None)
        clock = hlc.tick(top, _ms(now), SERVER_NODE)
        base = dict(clocks)
    current = {k: getattr(row, k, None) for k in values}
    current["deleted"] = bool(row.deleted)
    result = merge_change(_wire_dict(current), clocks, _wire_dict(values), clock, base or {})
    old_grid = getattr(row, "grid_id", None)
    applied_old, applied_new = {}, {}
    restamped = False
    for key, (_, stamp) in result.apply.items():
        value = values[key]
        if not creating:
            applied_old[key] = to_wire(getattr(row, key, None))
        setattr(row, key, value)
        applied_new[key] = to_wire(value)
        clocks[key] = stamp
        restamped = restamped or stamp != clock
    row.field_clock = clocks
    row.updated_at = now
    rev = row.rev = rev if rev is not None else next_rev(session)
    grid = getattr(row, "grid_id", None)
    session.add(ChangeLog(rev=rev, entity=entity.__tablename__, record_id=row.id, grid_id=grid,
                          actor_id=actor_id, device_id=device_id, change_id=change_id,
                          values=applied_new, old_values=applied_old, clock=clock, at=now))
    for c in result.conflicts:
        session.add(SyncConflict(
            id=new_id(), rev=rev, entity=entity.__tablename__, record_id=row.id, grid_id=grid,
            field=c.field, winner_value=c.winner_value, winner_clock=c.winner_clock,
            loser_value=c.loser_value, loser_clock=c.loser_clock,
            loser_actor=(actor_id if c.incoming_lost
                         else _last_actor(session, entity.__tablename__, row.id, c.field)),
            created_at=now, resolved=False))
    moved_from = None
    if not creating and "grid_id" in result.apply and old_grid != grid:
        moved_from = old_grid
        session.add(ScopeExit(rev=rev, entity=entity.__tablename__, record_id=row.id,
                              old_grid_id=old_grid, new_grid_id=grid, at=now))
    session.flush()
    return Applied(row, rev, creating, result.conflicts, result.incoming_lost_any, restamped,
                   moved_from)


def move_tags_with(session: Session, person: Person, *, now: dt.datetime,
                   actor_id: str | None) -> None:
    """A person's live tags follow them to their grid (a tag belongs to its person's scope):
    every path that moves a person (REST, sync push, bundle relay) calls this after the move."""
    live = session.scalars(select(PersonTag).where(PersonTag.person_id == person.id,
                                                   PersonTag.deleted.is_(False)))
    for tag in tags_left_behind(list(live), person.grid_id):
        apply_change(session, PersonTag, tag.id, {"grid_id": person.grid_id}, now=now,
                     actor_id=actor_id)


def _last_actor(session: Session, table: str, record_id: str, field_name: str) -> str | None:
    """Who wrote the value that just lost (from the change log), for the conflict list."""
    for log in session.scalars(select(ChangeLog).where(ChangeLog.entity == table,
                                                       ChangeLog.record_id == record_id)
                               .order_by(ChangeLog.rev.desc()).limit(50)):
        if field_name in (log.values or {}):
            return log.actor_id
    return None


def _wire_dict(values: dict[str, Any]) -> dict[str, Any]:
    return {k: to_wire(v) for k, v in values.items()}


def _ms(now: dt.datetime) -> int:
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.timezone.utc)
    return int(now.timestamp() * 1000)


PLACE_TABLES = frozenset(t for t, _ in PLACE_NUMBERS) | {"building_units"}


def _check_place(entity: type[Base], row: Base | None, values: dict[str, Any]) -> None:
    """The place rules (common/rules.place_problems) over the record as the change leaves it."""
    merged = {c.key: getattr(row, c.key, None) for c in entity.__table__.columns} if row else {}
    merged.update(values)
    problems = place_problems(entity, merged)
    if problems:
        raise ValidationErrors(problems)


def _validate_person(values: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    from common.validation import validate_person
    return validate_person(values, today=now.date())


def _with_defaults(values: dict[str, Any]) -> dict[str, Any]:
    return new_person_values(values)


__all__ = ["apply_change", "merge_change_into", "Applied", "next_rev", "current_rev",
           "DomainError", "SYNC_COLUMNS", "select"]
