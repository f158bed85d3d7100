"""包户 (contract item 16): cadres assigned to households, many to many, as synced
`HouseholdCadre` records; the assignments drive the cadres' visit tasks, made here (on
assignment and by the server's housekeeping round: one per assignment and period, ids from
common/cadres.py, so no round and no device adds a duplicate) and synced to the household's
grid; each cadre's households, visit coverage and tasks for the console. Never commits.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from common import cadres as rules
from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import Household, HouseholdCadre, Person, User, Visit, VisitTask

from .changes import apply_change
from .oplog import log_operation
from .records import get_record
from .scope import Scope

ASSIGNERS = ("county_admin", "township_office")


def cadre_options(session: Session, scope: Scope) -> list[tuple[str, str]]:
    """(id, "姓名（账号）") of the active accounts in the scope, who may be assigned."""
    return [(u.id, f"{u.display_name}（{u.username}）") for u in session.scalars(
        select(User).where(scope.condition(User), User.active.is_(True),
                           User.deleted.is_(False)).order_by(User.display_name, User.username))]


def household_options(session: Session, scope: Scope, *, limit: int = 2000
                      ) -> list[tuple[str, str]]:
    heads = select(Person.name).where(Person.id == Household.head_person_id).scalar_subquery()
    return [(i, f"{no} {head or ''}".strip()) for i, no, head in session.execute(
        select(Household.id, Household.household_no, heads).where(
            scope.condition(Household), Household.deleted.is_(False))
        .order_by(Household.household_no).limit(limit))]


def assign(session: Session, scope: Scope, actor: User, values: dict[str, Any], *,
           now: dt.datetime) -> HouseholdCadre:
    """Assign a cadre to a household (a household may have several cadres, a cadre many
    households); the same pair twice is refused."""
    if actor.role not in ASSIGNERS:
        raise DomainError("forbidden")
    errors: list[ValidationError] = []
    household_id = str(values.get("household_id") or "")
    cadre_id = str(values.get("cadre_id") or "")
    household = None
    if not household_id:
        errors.append(ValidationError("required", "household_id", label="户"))
    else:
        try:
            household = get_record(session, scope, Household, household_id)
        except DomainError:
            errors.append(ValidationError("bad_reference", "household_id", label="户"))
    cadre = session.get(User, cadre_id) if cadre_id else None
    if not cadre_id:
        errors.append(ValidationError("required", "cadre_id", label="包户干部"))
    elif cadre is None or cadre.deleted or not cadre.active \
            or not scope.contains(session, cadre):
        errors.append(ValidationError("bad_reference", "cadre_id", label="包户干部"))
    raw = str(values.get("interval_days") or "30").strip()
    interval = int(raw) if raw.isdigit() else -1
    if not 1 <= interval <= 365:
        errors.append(ValidationError("number_range", "interval_days", label="走访周期(天)",
                                      low=1, high=365, value=raw))
    if household is not None and cadre is not None and session.scalar(
            select(HouseholdCadre.id).where(
                HouseholdCadre.household_id == household.id,
                HouseholdCadre.cadre_id == cadre.id, HouseholdCadre.deleted.is_(False))):
        errors.append(ValidationError("cadre_assigned_already", "cadre_id",
                                      name=cadre.display_name, value=household.household_no))
    if errors:
        raise ValidationErrors(errors)
    assert household is not None and cadre is not None
    notes = str(values.get("notes") or "").strip() or None
    row = apply_change(session, HouseholdCadre, None, {
        "household_id": household.id, "cadre_id": cadre.id, "interval_days": interval,
        "notes": notes, "grid_id": household.grid_id}, now=now, actor_id=actor.id)
    made = make_visit_tasks(session, now=now, assignment_ids=[row.id], actor_id=actor.id)
    log_operation(session, user=actor, action="create", now=now, entity="household_cadres",
                  record_id=row.id, details={"household_id": household.id,
                                             "cadre_id": cadre.id, "grid_id": row.grid_id,
                                             "tasks": made})
    return row


def end(session: Session, scope: Scope, actor: User, assignment_id: str, *,
        now: dt.datetime) -> None:
    if actor.role not in ASSIGNERS:
        raise DomainError("forbidden")
    row = get_record(session, scope, HouseholdCadre, assignment_id)
    apply_change(session, HouseholdCadre, row.id, {}, deleted=True, now=now,
                 actor_id=actor.id)
    for task in session.scalars(select(VisitTask).where(
            VisitTask.id.in_(_task_ids(row, now.date())), VisitTask.status == "open",
            VisitTask.deleted.is_(False))):
        apply_change(session, VisitTask, task.id, {}, deleted=True, now=now,
                     actor_id=actor.id)
    log_operation(session, user=actor, action="delete", now=now, entity="household_cadres",
                  record_id=row.id, details={"grid_id": row.grid_id})


def _start(a: HouseholdCadre) -> dt.date:
    return a.created_at.date()


def _task_ids(a: HouseholdCadre, day: dt.date) -> list[str]:
    """The ids of the assignment's current period's task and of the earlier periods' ones."""
    begin, _ = rules.period(_start(a), a.interval_days, day)
    return [rules.task_id(a.id, b) for b in [begin, *rules.earlier_starts(
        _start(a), a.interval_days, begin)]]


def _visited_since(session: Session, cadre_id: str, household: Household,
                   since: dt.date) -> bool:
    people = select(Person.id).where(Person.household_id == household.id)
    where = [Visit.person_id.in_(people)]
    if household.house_id:
        where.append(Visit.house_id == household.house_id)
    return session.scalar(select(Visit.id).where(
        Visit.deleted.is_(False), Visit.visitor_id == cadre_id, or_(*where),
        Visit.visited_at >= dt.datetime.combine(since, dt.time())).limit(1)) is not None


def make_visit_tasks(session: Session, *, now: dt.datetime,
                     assignment_ids: list[str] | None = None,
                     actor_id: str | None = None) -> int:
    """The visit task of the current period of every live assignment (or of these), unless the
    cadre already visited the household in this period or an earlier period's task is still
    open; due on the period's last day, naming the head (or a member) and the house, so
    recording the visit there completes it (on a device or on the server). The number made."""
    day = now.date()
    q = select(HouseholdCadre, Household).join(
        Household, Household.id == HouseholdCadre.household_id).where(
        HouseholdCadre.deleted.is_(False), Household.deleted.is_(False))
    if assignment_ids is not None:
        q = q.where(HouseholdCadre.id.in_(assignment_ids))
    pairs = session.execute(q).all()
    wanted = {a.id: _task_ids(a, day) for a, _ in pairs}
    every = [t for ids in wanted.values() for t in ids]
    have = {i: st for i, st in session.execute(select(VisitTask.id, VisitTask.status).where(
        VisitTask.id.in_(every), VisitTask.deleted.is_(False)))} if every else {}
    made = 0
    for a, household in pairs:
        current, *earlier = wanted[a.id]
        if current in have or any(have.get(t) == "open" for t in earlier):
            continue
        begin, last = rules.period(_start(a), a.interval_days, day)
        if _visited_since(session, a.cadre_id, household, begin):
            continue
        person = household.head_person_id or session.scalar(
            select(Person.id).where(Person.household_id == household.id,
                                    Person.deleted.is_(False)).order_by(Person.id).limit(1))
        head = session.get(Person, person) if person else None
        apply_change(session, VisitTask, current, {
            "title": f"包户走访：{head.name if head else household.household_no}户",
            "kind": "person", "person_id": person, "house_id": household.house_id,
            "assignee_id": a.cadre_id, "due_date": last, "status": "open",
            "grid_id": household.grid_id}, now=now, actor_id=actor_id)
        made += 1
    return made


@dataclass(frozen=True)
class Assignment:
    id: str
    household_no: str
    head: str
    interval_days: int
    last_visit: dt.datetime | None
    covered: bool
    task_due: dt.date | None = None
    """The due day of the household's open visit task (None: no open task)."""


@dataclass(frozen=True)
class CadreCoverage:
    """One cadre's households and how many were visited by them within their period."""

    cadre_id: str
    cadre: str
    households: list[Assignment]

    @property
    def covered(self) -> int:
        return sum(a.covered for a in self.households)

    @property
    def open_tasks(self) -> int:
        return sum(a.task_due is not None for a in self.households)

    @property
    def percent(self) -> int:
        return round(100 * self.covered / len(self.households)) if self.households else 0


def coverage(session: Session, scope: Scope, *, now: dt.datetime) -> list[CadreCoverage]:
    """Every cadre with assignments in the scope: their households and visit coverage."""
    rows = session.execute(select(HouseholdCadre, Household).join(
        Household, Household.id == HouseholdCadre.household_id).where(
        scope.condition(HouseholdCadre), HouseholdCadre.deleted.is_(False),
        Household.deleted.is_(False))).all()
    if not rows:
        return []
    hh_ids = {h.id for _, h in rows}
    members: dict[str, set[str]] = {}
    for pid, hid in session.execute(select(Person.id, Person.household_id).where(
            Person.household_id.in_(hh_ids), Person.deleted.is_(False))):
        members.setdefault(hid, set()).add(pid)
    heads = dict(session.execute(select(Person.id, Person.name).where(
        Person.id.in_({h.head_person_id for _, h in rows if h.head_person_id}))).all())
    cadres = {a.cadre_id for a, _ in rows}
    people = {p for ids in members.values() for p in ids}
    houses = {h.house_id for _, h in rows if h.house_id}
    visits = session.execute(select(Visit.visitor_id, Visit.person_id, Visit.house_id,
                                    Visit.visited_at).where(
        Visit.deleted.is_(False), Visit.visitor_id.in_(cadres),
        or_(Visit.person_id.in_(people), Visit.house_id.in_(houses)))).all()
    names = {u.id: f"{u.display_name}（{u.username}）" for u in session.scalars(
        select(User).where(User.id.in_(cadres)))}
    ids = [t for a, _ in rows for t in _task_ids(a, now.date())]
    open_tasks = dict(session.execute(select(VisitTask.id, VisitTask.due_date).where(
        VisitTask.id.in_(ids), VisitTask.status == "open", VisitTask.deleted.is_(False))).all())
    by_cadre: dict[str, list[Assignment]] = {}
    for a, h in rows:
        mine = members.get(h.id, set())
        times = [at for who, pid, house, at in visits if who == a.cadre_id and (
            (pid and pid in mine) or (h.house_id and house == h.house_id))]
        last = max(times) if times else None
        covered = last is not None and last > now - dt.timedelta(days=a.interval_days)
        due = next((open_tasks[t] for t in _task_ids(a, now.date()) if t in open_tasks), None)
        by_cadre.setdefault(a.cadre_id, []).append(Assignment(
            a.id, h.household_no, heads.get(h.head_person_id, ""), a.interval_days, last,
            covered, due))
    return sorted((CadreCoverage(c, names.get(c, c), sorted(hs, key=lambda x: x.household_no))
                   for c, hs in by_cadre.items()), key=lambda c: c.cadre)
