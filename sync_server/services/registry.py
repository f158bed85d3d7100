"""What the registry pages show beside a record: reference choices, a household's members, a
person's tags, an organisation's employees, a building's units/floors/houses, the group
statistics of the people in scope. Read-only; writes go through services/records."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from common.schema import (ENTITIES, Base, Building, BuildingUnit, Employee, Floor,
                           House, Household, OrgNode, Organisation, Park, Person, PersonTag)

from .dictionary_admin import list_entries
from .records import tags_of
from .scope import Scope

# The field a record is named by, per table (lists, selects, confirmations).
TITLE = {"people": "name", "households": "household_no", "parks": "name", "buildings": "name",
         "building_units": "name", "floors": "number", "houses": "door_plate",
         "organisations": "name", "employees": "name", "org_nodes": "name"}
REFERENCE_LIMIT = 500
AGE_BANDS = ((0, 17, "0-17 岁"), (18, 34, "18-34 岁"), (35, 59, "35-59 岁"),
             (60, 79, "60-79 岁"), (80, 200, "80 岁及以上"))


def title_of(row: Base) -> str:
    value = getattr(row, TITLE.get(row.__tablename__, "id"), None)
    return str(value) if value is not None else row.id


def reference_options(session: Session, scope: Scope, table: str) -> list[tuple[str, str]]:
    """(id, title) of the live records in scope a reference field may point at (grids for
    grid_id), by title; at most REFERENCE_LIMIT."""
    entity = ENTITIES[table]
    conds = [scope.condition(entity), entity.deleted.is_(False)]
    if entity is OrgNode:
        conds.append(OrgNode.level == "grid")
    title = getattr(entity, TITLE.get(table, "id"))
    rows = session.execute(select(entity.id, title).where(*conds).order_by(title, entity.id)
                           .limit(REFERENCE_LIMIT)).all()
    return [(r[0], str(r[1])) for r in rows]


def _labels(session: Session, dict_code: str) -> dict[str, str]:
    return {e.code: e.label for e in list_entries(session, dict_code)}


def status_label(session: Session, code: str) -> str:
    return _labels(session, "person_status").get(code, code)


def _live(session: Session, scope: Scope, entity: type[Base], *conds: Any) -> list[Any]:
    return list(session.scalars(select(entity).where(
        scope.condition(entity), entity.deleted.is_(False), *conds)
        .order_by(getattr(entity, TITLE[entity.__tablename__]), entity.id)))


def details(session: Session, scope: Scope, row: Base) -> dict[str, Any]:
    """The related records a record's page lists (each in scope)."""
    out: dict[str, Any] = {"related": []}
    if isinstance(row, Person):
        tags = _labels(session, "tag")
        out["tags"] = [(c, tags.get(c, c)) for c in tags_of(session, [row.id])[row.id]]
        out["tag_options"] = sorted(tags.items(), key=lambda kv: kv[1])
    elif isinstance(row, Household):
        relation = _labels(session, "relation")
        members = _live(session, scope, Person, Person.household_id == row.id)
        out["related"].append(("户成员", "people", [
            (p.id, p.name + ("（户主）" if p.id == row.head_person_id else ""),
             relation.get(p.relation_to_head or "", "")) for p in members]))
    elif isinstance(row, Organisation):
        out["related"].append(("从业人员", "employees", [
            (e.id, e.name, e.position or "") for e in _live(session, scope, Employee,
                                                           Employee.organisation_id == row.id)]))
    elif isinstance(row, Park):
        out["related"].append(("建筑", "buildings", [
            (b.id, b.name, "") for b in _live(session, scope, Building,
                                              Building.park_id == row.id)]))
    elif isinstance(row, Building):
        for label, slug, entity in (("单元", "units", BuildingUnit), ("楼层", "floors", Floor),
                                    ("房屋", "houses", House)):
            out["related"].append((label, slug, [
                (r.id, title_of(r), "") for r in _live(session, scope, entity,
                                                       entity.building_id == row.id)]))
    elif isinstance(row, House):
        out["related"].append(("住户", "people", [
            (p.id, p.name, "") for p in _live(session, scope, Person,
                                              Person.house_id == row.id)]))
    return out


def group_counts(session: Session, scope: Scope, *, today: dt.date
                 ) -> list[tuple[str, list[tuple[str, int]]]]:
    """The live people in scope counted by ethnicity, age band, resident type, status and
    tag: [(group title, [(label, count)])]."""
    live = [scope.condition(Person), Person.deleted.is_(False)]
    out = []
    for title, key, dict_code in (("民族", Person.ethnicity, "ethnicity"),
                                  ("人口类型", Person.resident_type, "resident_type"),
                                  ("人员状态", Person.status, "person_status")):
        labels = _labels(session, dict_code)
        rows = session.execute(select(key, func.count()).where(*live).group_by(key)
                               .order_by(func.count().desc(), key)).all()
        out.append((title, [(labels.get(k, k or "未填"), n) for k, n in rows]))
    bands = []
    for low, high, label in AGE_BANDS:
        # Born on or before today minus `low` years and after today minus `high + 1` years.
        latest = _years_before(today, low)
        earliest = _years_before(today, high + 1)
        bands.append(func.sum(case((Person.birth_date.between(
            earliest + dt.timedelta(days=1), latest), 1), else_=0)))
    sums = session.execute(select(*bands).where(*live)).one()
    out.append(("年龄段", [(label, int(n or 0)) for (_, _, label), n in zip(AGE_BANDS, sums)]))
    tags = _labels(session, "tag")
    rows = session.execute(
        select(PersonTag.tag_code, func.count()).join(Person, Person.id == PersonTag.person_id)
        .where(*live, PersonTag.deleted.is_(False)).group_by(PersonTag.tag_code)
        .order_by(func.count().desc(), PersonTag.tag_code)).all()
    out.append(("标签", [(tags.get(k, k), n) for k, n in rows]))
    return out


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


__all__ = ["details", "group_counts", "reference_options", "status_label", "title_of"]
