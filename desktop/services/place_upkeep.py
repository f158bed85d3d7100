"""Places upkeep in the field: a grid worker adds and edits parks, buildings, units, floors and
houses offline (a rural self-built house directly under a village's grid included), finds them
by name, plate or address, and counts them by type and use (contract items 9, 93-97).

Every write goes through `records.save_record` (row + outbox in one transaction, so the edit
syncs and merges field by field like a person's) after the place rules of common/rules.py and
a check that the parent exists on this device. A new record takes its grid from its parent
(a house in a building, the building's grid); only a park, a building outside any park and a
rural house choose a grid. Saves run on the writer thread, reads on a reader thread.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError, ValidationErrors
from common.rules import place_problems
from common.schema import Building, BuildingUnit, Floor, House, OrgNode, Park, label_of, \
    user_fields
from common.schema.base import Base
from common.schema.places import STAT_GROUPS
from common.sorting import sort_key

from .records import clean_values, load_dictionaries, save_record
from .work_context import grids_in_scope

PLACE_KINDS: dict[str, type[Base]] = {"park": Park, "building": Building, "unit": BuildingUnit,
                                      "floor": Floor, "house": House}
PARENT_OF: dict[str, tuple[str, ...]] = {
    # kind: the reference columns set by where the record hangs (not typed in the form)
    "park": (), "building": ("park_id",), "unit": ("building_id",),
    "floor": ("building_id", "unit_id"), "house": ("building_id", "unit_id", "floor_id"),
}
CHILD_KINDS: dict[str, tuple[str, ...]] = {
    # what may be added under a node of the places tree
    "org": ("park", "building", "house"), "park": ("building",),
    "building": ("unit", "floor", "house"), "unit": ("floor", "house"), "floor": ("house",),
}
KIND_TITLES = {"park": "园区/小区", "building": "建筑", "unit": "单元", "floor": "楼层",
               "house": "房屋"}


def form_fields_of(kind: str) -> list[str]:
    """The fields a worker types for a place of `kind` (its place in the tree sets the rest)."""
    entity = PLACE_KINDS[kind]
    return [f for f in user_fields(entity) if f != "grid_id" and f not in PARENT_OF[kind]]


def get_place(session: Session, kind: str, place_id: str) -> dict[str, Any]:
    row = session.get(PLACE_KINDS[kind], place_id)
    if row is None or row.deleted:
        raise DomainError("not_found")
    return {f: getattr(row, f) for f in user_fields(PLACE_KINDS[kind])}


def parent_values(session: Session, kind: str, parent_kind: str, parent_id: str,
                  scope_node_id: str | None) -> dict[str, Any]:
    """The reference and grid values of a new `kind` hung under the tree node
    (`parent_kind`, `parent_id`): a house under a floor names the floor, its unit and building.
    Under an org node the record goes into that grid (a village or above: refused, a place
    belongs to one grid)."""
    if kind not in CHILD_KINDS.get(parent_kind, ()):
        raise DomainError("place_wrong_parent", kind=KIND_TITLES.get(kind, kind),
                          parent=KIND_TITLES.get(parent_kind, "区划"))
    if parent_kind == "org":
        node = session.get(OrgNode, parent_id)
        if node is None or node.deleted or node.level != "grid" \
                or parent_id not in grids_in_scope(session, scope_node_id):
            raise DomainError("place_needs_grid")
        return {"grid_id": parent_id}
    parent = _live(session, PLACE_KINDS[parent_kind], parent_id, "grid_id")
    out: dict[str, Any] = {"grid_id": parent.grid_id}
    if parent_kind == "park":
        out["park_id"] = parent.id
    elif parent_kind == "building":
        out["building_id"] = parent.id
    elif parent_kind == "unit":
        out.update(building_id=parent.building_id, unit_id=parent.id)
    elif parent_kind == "floor":
        out.update(building_id=parent.building_id, floor_id=parent.id)
        if parent.unit_id:
            out["unit_id"] = parent.unit_id
    return {k: v for k, v in out.items() if k in user_fields(PLACE_KINDS[kind])}


def save_place(session: Session, kind: str, place_id: str | None, values: dict[str, Any], *,
               now: dt.datetime, actor_id: str, scope_node_id: str | None = None) -> str:
    """Create (`place_id` None; `values` then carries its parent references and grid from
    `parent_values`) or edit one place; returns its id. Refuses, naming each field: a value
    its column cannot hold, a code not in its dictionary, a parent that is gone, a unit or
    floor without a building, a number out of range, a grid outside the user's scope."""
    entity = PLACE_KINDS[kind]
    dictionaries = load_dictionaries(session)
    current = get_place(session, kind, place_id) if place_id else {}
    errors: list[ValidationError] = []
    cleaned: dict[str, Any] = {}
    for key, value in values.items():  # field by field, so every wrong field is named at once
        try:
            cleaned.update(clean_values(entity, {key: value}, dictionaries))
        except ValidationErrors as err:
            errors += err.errors
    merged = {**current, **cleaned}
    errors += place_problems(entity, merged)
    for key in PARENT_OF[kind]:
        target = merged.get(key)
        if target and key in cleaned:
            ref = entity.__table__.columns[key].info["ref"]
            parent = session.get(_by_table(ref), target)
            if parent is None or parent.deleted:
                errors.append(ValidationError("place_parent_missing", key,
                                              label=label_of(entity, key)))
    grid = merged.get("grid_id")
    if not grid or grid not in grids_in_scope(session, scope_node_id):
        errors.append(ValidationError("out_of_scope", "grid_id"))
    if errors:
        raise ValidationErrors(errors)
    return save_record(session, entity, place_id, values, now=now, actor_id=actor_id,
                       dictionaries=dictionaries).id


def _by_table(table: str) -> type[Base]:
    return {e.__tablename__: e for e in PLACE_KINDS.values()}[table]


def _live(session: Session, entity: type[Base], record_id: str, field: str) -> Any:
    row = session.get(entity, record_id)
    if row is None or row.deleted:
        raise ValidationError("place_parent_missing", field, label=entity.__label__)
    return row


@dataclass(frozen=True)
class PlaceHit:
    """One place found by `search_places`: what it is, its name and where it is."""

    kind: str
    id: str
    title: str
    detail: str


def search_places(session: Session, text: str, *, limit: int = 200) -> list[PlaceHit]:
    """Parks, buildings and houses whose name, door plate or address contains `text` (all of
    them, up to `limit`, when `text` is blank), parks first, each in natural order."""
    like = f"%{text.strip()}%"
    d = load_dictionaries(session)
    parks = session.execute(select(Park).where(Park.deleted.is_(False), or_(
        Park.name.like(like), Park.address.like(like))).limit(limit)).scalars().all()
    buildings = session.execute(select(Building).where(Building.deleted.is_(False), or_(
        Building.name.like(like), Building.address.like(like))).limit(limit)).scalars().all()
    houses = session.execute(select(House).where(House.deleted.is_(False), or_(
        House.door_plate.like(like), House.address.like(like))).limit(limit)).scalars().all()
    names = dict(session.execute(select(Building.id, Building.name).where(
        Building.id.in_({h.building_id for h in houses if h.building_id}))).all())
    out = [PlaceHit("park", p.id, p.name, " ".join(x for x in (
        d.label("park_kind", p.kind) or "", p.address or "") if x))
        for p in sorted(parks, key=lambda p: sort_key(p.name))]
    out += [PlaceHit("building", b.id, b.name, " · ".join(x for x in (
        d.label("building_type", b.building_type) or "", d.label("building_use", b.use) or "",
        b.address or "") if x)) for b in sorted(buildings, key=lambda b: sort_key(b.name))]
    out += [PlaceHit("house", h.id, h.door_plate, " ".join(x for x in (
        names.get(h.building_id, ""),
        h.address or "", d.label("house_type", h.house_type) or "") if x))
        for h in sorted(houses, key=lambda h: (sort_key(h.address or ""),
                                               sort_key(h.door_plate)))]
    return out[:limit]


def place_stats(session: Session) -> list[tuple[str, list[tuple[str, int]]]]:
    """Live parks, buildings and houses on this device counted by type and by use:
    [(group title, [(label, count)])], most first."""
    d = load_dictionaries(session)
    out = []
    for title, entity, column in STAT_GROUPS:
        col = getattr(entity, column)
        dict_code = entity.__table__.columns[column].info["dict"]
        rows = session.execute(select(col, func.count()).where(entity.deleted.is_(False))
                               .group_by(col)).all()
        rows.sort(key=lambda r: (-r[1], r[0] is None, r[0] or ""))
        out.append((title, [((d.label(dict_code, k) or k) if k else "未填", n)
                            for k, n in rows]))
    return out
