"""Grid overview and management: the grids in scope with their counts of people, households,
houses and organisations (one query), and a grid's create, rename and retire through
services/records (the same checks as the JSON routes for org nodes)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import Household, House, OrgNode, Organisation, Person, User

from . import records
from .org import move_node
from .scope import Scope

COUNTED = (("people", Person), ("households", Household), ("houses", House),
           ("organisations", Organisation))


@dataclass(frozen=True)
class GridRow:
    id: str
    name: str
    code: str | None
    village_id: str | None
    village: str | None
    people: int
    households: int
    houses: int
    organisations: int


def overview(session: Session, scope: Scope) -> list[GridRow]:
    """Every live grid in scope with its live record counts, by village then name; one query
    (a correlated count per measure)."""
    village = OrgNode.__table__.alias("village")
    counts = [select(func.count()).select_from(entity)
              .where(entity.grid_id == OrgNode.id, entity.deleted.is_(False),
                     *_limits(scope, entity))
              .correlate(OrgNode).scalar_subquery().label(name) for name, entity in COUNTED]
    rows = session.execute(
        select(OrgNode.id, OrgNode.name, OrgNode.code, OrgNode.parent_id,
               village.c.name.label("village"), *counts)
        .outerjoin(village, village.c.id == OrgNode.parent_id)
        .where(scope.condition(OrgNode), OrgNode.level == "grid", OrgNode.deleted.is_(False))
        .order_by(village.c.name, OrgNode.name, OrgNode.id)).all()
    return [GridRow(r.id, r.name, r.code, r.parent_id, r.village, r.people, r.households,
                    r.houses, r.organisations) for r in rows]


def _limits(scope: Scope, entity: type) -> list:
    """A role limited to some people's tags counts only those people (services/scope.py)."""
    person = scope.person_condition(entity)
    return [] if person is None else [person]


def villages(session: Session, scope: Scope) -> list[OrgNode]:
    """The villages/communities in scope a grid may be created under."""
    return list(session.scalars(select(OrgNode).where(
        scope.condition(OrgNode), OrgNode.level == "village", OrgNode.deleted.is_(False))
        .order_by(OrgNode.name, OrgNode.id)))


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationErrors([ValidationError("required", "name", label="名称")])
    return name


def _unique(session: Session, parent_id: str | None, name: str, own_id: str | None) -> None:
    conds = [OrgNode.parent_id == parent_id, OrgNode.name == name,
             OrgNode.deleted.is_(False)]
    if own_id:
        conds.append(OrgNode.id != own_id)
    if session.scalar(select(func.count()).select_from(OrgNode).where(*conds)):
        raise ValidationErrors([ValidationError("name_taken", "name", value=name)])


def create_grid(session: Session, scope: Scope, user: User, *, village_id: str, name: str,
                code: str | None, now: dt.datetime) -> OrgNode:
    village = session.get(OrgNode, village_id) if village_id else None
    errors = []
    if (village is None or village.deleted or village.level != "village"
            or not scope.contains_path(village.path)):
        errors.append(ValidationError("required", "village_id", label="所属村（社区）"))
    if not (name or "").strip():
        errors.append(ValidationError("required", "name", label="名称"))
    if errors:
        raise ValidationErrors(errors)
    name = _name(name)
    _unique(session, village_id, name, None)
    return records.create_record(session, scope, user, OrgNode,
                                 {"parent_id": village_id, "level": "grid", "name": name,
                                  "code": (code or "").strip() or None}, now=now)


def grid(session: Session, scope: Scope, grid_id: str) -> OrgNode:
    row = records.get_record(session, scope, OrgNode, grid_id)
    if row.level != "grid":
        raise DomainError("not_found", entity="org_nodes")
    return row


def rename_grid(session: Session, scope: Scope, user: User, grid_id: str, *, name: str,
                code: str | None, now: dt.datetime) -> OrgNode:
    row = grid(session, scope, grid_id)
    name = _name(name)
    _unique(session, row.parent_id, name, row.id)
    return records.update_record(session, scope, user, OrgNode, grid_id,
                                 {"name": name, "code": (code or "").strip() or None},
                                 now=now)


def move_grid(session: Session, scope: Scope, user: User, grid_id: str, *, village_id: str,
              now: dt.datetime) -> OrgNode:
    """Put a grid under another village of the scope (services/org.move_node: its records'
    scope follows, the accounts whose scope changed re-sync)."""
    grid(session, scope, grid_id)
    return move_node(session, scope, user, grid_id, parent_id=village_id, now=now,
                     field_name="village_id", label="所属村（社区）").node


def retire_grid(session: Session, scope: Scope, user: User, grid_id: str, *,
                now: dt.datetime) -> OrgNode:
    """Tombstone a grid; refused (node_not_empty, with counts) while it holds records or
    active accounts (records.delete_record → admin.check_node_empty)."""
    grid(session, scope, grid_id)
    return records.delete_record(session, scope, user, OrgNode, grid_id, now=now)
