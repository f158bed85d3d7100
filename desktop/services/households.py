"""户籍 use cases: list households, their members with the relation to the head, create/edit a
household, add or move a person into a household. Writes run on the writer thread."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from common.errors import DomainError
from common.schema import Household, House, Person
from common.sorting import sorted_naturally

from .people import mask_id_number
from .records import save_record


@dataclass
class HouseholdRow:
    id: str
    household_no: str
    head_name: str | None
    members: int
    address: str | None
    house_plate: str | None


def list_households(session: Session, text: str = "", *, limit: int = 500,
                    grid_ids: tuple[str, ...] = ()) -> list[HouseholdRow]:
    """Households ordered by number; `text` matches the number, the address or the head's name."""
    head = aliased(Person)
    members = (select(Person.household_id, func.count().label("n"))
               .where(Person.deleted.is_(False), Person.status == "normal")
               .group_by(Person.household_id).subquery())
    # The head is the household's head_person_id, or else the member registered as 户主.
    member_head = (select(Person.id).where(Person.household_id == Household.id,
                                           Person.relation_to_head == "head",
                                           Person.deleted.is_(False))
                   .limit(1).correlate(Household).scalar_subquery())
    stmt = (select(Household.id, Household.household_no, head.name, members.c.n,
                   Household.address, House.door_plate)
            .select_from(Household)
            .outerjoin(head, head.id == func.coalesce(Household.head_person_id, member_head))
            .outerjoin(members, members.c.household_id == Household.id)
            .outerjoin(House, House.id == Household.house_id)
            .where(Household.deleted.is_(False)))
    if grid_ids:
        stmt = stmt.where(Household.grid_id.in_(grid_ids))
    t = text.strip()
    if t:
        like = f"%{t}%"
        stmt = stmt.where(or_(Household.household_no.like(like), Household.address.like(like),
                              head.name.like(like)))
    rows = session.execute(stmt.order_by(Household.household_no).limit(limit)).all()
    return [HouseholdRow(r[0], r[1], r[2], r[3] or 0, r[4], r[5])
            for r in sorted_naturally(rows, key=lambda r: r[1])]


@dataclass
class MemberRow:
    person_id: str
    name: str
    relation: str | None
    id_masked: str
    status: str
    sex: str


def household_members(session: Session, household_id: str) -> list[MemberRow]:
    """Members, the head first."""
    rows = session.execute(
        select(Person.id, Person.name, Person.relation_to_head, Person.id_number, Person.status,
               Person.sex)
        .where(Person.household_id == household_id, Person.deleted.is_(False))
        .order_by((Person.relation_to_head != "head"), Person.birth_date)).all()
    return [MemberRow(r[0], r[1], r[2], mask_id_number(r[3]), r[4], r[5]) for r in rows]


def get_household(session: Session, household_id: str) -> dict[str, Any]:
    h = session.get(Household, household_id)
    if h is None or h.deleted:
        raise DomainError("not_found")
    return {"id": h.id, "household_no": h.household_no, "head_person_id": h.head_person_id,
            "house_id": h.house_id, "address": h.address, "grid_id": h.grid_id}


def save_household(session: Session, household_id: str | None, values: dict[str, Any], *,
                   now: dt.datetime, actor_id: str) -> str:
    return save_record(session, Household, household_id, values, now=now,
                       actor_id=actor_id).id


def set_member(session: Session, household_id: str, person_id: str, relation: str, *,
               now: dt.datetime, actor_id: str) -> None:
    """Put a person into a household with their relation to the head; a new head replaces the
    household's head (the old head becomes 其他 until someone sets their relation)."""
    h = session.get(Household, household_id)
    if h is None or h.deleted:
        raise DomainError("not_found")
    save_record(session, Person, person_id,
                {"household_id": household_id, "relation_to_head": relation},
                now=now, actor_id=actor_id)
    if relation == "head" and h.head_person_id != person_id:
        if h.head_person_id:
            old = session.get(Person, h.head_person_id)
            if old is not None and old.household_id == household_id:
                save_record(session, Person, old.id, {"relation_to_head": "other"}, now=now,
                            actor_id=actor_id)
        save_record(session, Household, household_id, {"head_person_id": person_id}, now=now,
                    actor_id=actor_id)
