"""包户 on the device: the households a cadre is assigned to (synced `HouseholdCadre` records),
when each was last visited by them and whether that is within the assignment's period. The
visit tasks the assignments drive are made by the server (sync_server/services/cadres.py, one
per assignment and period) and arrive with the sync like every task. Reads on a reader thread.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from common.schema import Household, HouseholdCadre, Person, Visit


@dataclass(frozen=True)
class CadreHousehold:
    """One household of a cadre, with its head, last visit by the cadre and coverage."""

    assignment_id: str
    household_id: str
    household_no: str
    head: str
    address: str
    interval_days: int
    last_visit: dt.datetime | None
    covered: bool


def _members(session: Session, household_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {h: [] for h in household_ids}
    for pid, hid in session.execute(select(Person.id, Person.household_id).where(
            Person.household_id.in_(household_ids), Person.deleted.is_(False))):
        out[hid].append(pid)
    return out


def _last_visits(session: Session, cadre_id: str, households: list[Household],
                 members: dict[str, list[str]]) -> dict[str, dt.datetime | None]:
    """The cadre's latest visit to each household (to a member, or to its house)."""
    people = {p for ids in members.values() for p in ids}
    houses = {h.house_id for h in households if h.house_id}
    rows = session.execute(select(Visit.person_id, Visit.house_id, Visit.visited_at).where(
        Visit.deleted.is_(False), Visit.visitor_id == cadre_id,
        or_(Visit.person_id.in_(people), Visit.house_id.in_(houses)))).all()
    out: dict[str, dt.datetime | None] = {}
    for h in households:
        mine = set(members.get(h.id, ()))
        times = [at for pid, house, at in rows
                 if (pid and pid in mine) or (h.house_id and house == h.house_id)]
        out[h.id] = max(times) if times else None
    return out


def my_households(session: Session, cadre_id: str, *, today: dt.date) -> list[CadreHousehold]:
    """The cadre's live assignments, households not visited within their period first."""
    pairs = session.execute(select(HouseholdCadre, Household).join(
        Household, Household.id == HouseholdCadre.household_id).where(
        HouseholdCadre.cadre_id == cadre_id, HouseholdCadre.deleted.is_(False),
        Household.deleted.is_(False))).all()
    households = [h for _, h in pairs]
    members = _members(session, [h.id for h in households])
    last = _last_visits(session, cadre_id, households, members)
    heads = dict(session.execute(select(Person.id, Person.name).where(
        Person.id.in_({h.head_person_id for h in households if h.head_person_id}))).all())
    out = []
    for a, h in pairs:
        seen = last.get(h.id)
        covered = seen is not None and seen.date() > today - dt.timedelta(days=a.interval_days)
        out.append(CadreHousehold(a.id, h.id, h.household_no, heads.get(h.head_person_id, ""),
                                  h.address or "", a.interval_days, seen, covered))
    return sorted(out, key=lambda r: (r.covered, r.household_no))


def coverage(rows: list[CadreHousehold]) -> tuple[int, int]:
    """(households visited within their period, households)."""
    return sum(r.covered for r in rows), len(rows)
