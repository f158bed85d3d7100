"""包户 on the device: the households a cadre is assigned to (synced `HouseholdCadre` records),
when each was last visited by them and whether that is within the assignment's period; the
assignments make the cadre's visit tasks (one open task per assignment, due a period after the
last visit, today if never visited). Reads on a reader thread, task making on the writer.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from common.schema import Household, HouseholdCadre, Person, Visit, VisitTask
from desktop.storage.changes import record_change

from .visits import RULE_HORIZON_DAYS

_NS = uuid.UUID("0b6a1f5e-4f1e-4f7e-9d11-3c0c9a6f2b44")


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


def task_id(assignment_id: str, due: dt.date) -> str:
    return str(uuid.uuid5(_NS, f"{assignment_id}/{due.isoformat()}"))


def generate_cadre_tasks(session: Session, cadre_id: str, *, today: dt.date,
                         now: dt.datetime) -> int:
    """Make the cadre's 包户 visit tasks: for each assignment without an open task, one due
    `interval_days` after the cadre's last visit (today if never), when due within the
    horizon the visit rules use. The task names the head (or a member) and the house, so
    recording a visit there completes it (services/visits). Returns how many were made."""
    horizon = today + dt.timedelta(days=RULE_HORIZON_DAYS)
    made = 0
    rows = my_households(session, cadre_id, today=today)
    for r in rows:
        if _open_task_for(session, r.assignment_id, cadre_id):
            continue
        due = today if r.last_visit is None else max(
            today, r.last_visit.date() + dt.timedelta(days=r.interval_days))
        if due > horizon:
            continue
        tid = task_id(r.assignment_id, due)
        if session.get(VisitTask, tid) is not None:
            continue
        household = session.get(Household, r.household_id)
        person = household.head_person_id or session.scalar(
            select(Person.id).where(Person.household_id == household.id,
                                    Person.deleted.is_(False)).order_by(Person.id).limit(1))
        record_change(session, VisitTask, tid, {
            "title": f"包户走访：{r.head or r.household_no}户", "kind": "person",
            "person_id": person, "house_id": household.house_id, "assignee_id": cadre_id,
            "due_date": due, "status": "open", "grid_id": household.grid_id}, now=now)
        made += 1
    return made


def _open_task_for(session: Session, assignment_id: str, cadre_id: str) -> bool:
    """Whether an earlier due date's task of this assignment is still open."""
    ids = set(session.scalars(select(VisitTask.id).where(
        VisitTask.assignee_id == cadre_id, VisitTask.status == "open",
        VisitTask.deleted.is_(False))))
    if not ids:
        return False
    # a task id is derived from (assignment, due date): compare over the open ones' dates
    dates = session.scalars(select(VisitTask.due_date).where(VisitTask.id.in_(ids))
                            .distinct()).all()
    return any(task_id(assignment_id, d) in ids for d in dates)
