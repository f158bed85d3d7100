"""Visits (走访): tasks due and overdue, manual tasks, automatic rules that make tasks, recording a
visit with photos, and the dashboard figures (coverage, tasks done, ranking by person).

Functions take the caller's Session and never commit: desktop/tasks.py runs writes on the one
writer thread and commits, reads on a reader thread. Every synced write goes through
record_change (row + outbox entry together).

Tasks made by a rule get a deterministic id (rule, person, due date): the township office and the
grid worker may both generate them offline, and the same task then merges as one record.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import House, OrgNode, Person, PersonTag, User, Visit, VisitRule, VisitTask
from desktop.storage.blobs import BlobStore
from desktop.storage.changes import record_change

from .photo_files import add_photos
from .work_context import Worker

RULE_HORIZON_DAYS = 7
"""Rule tasks are made once they fall due within this many days, so lists stay short."""
_NS = uuid.UUID("6f1c1f5e-3f49-4c55-9a51-0b6cbdbf7a10")

DEFAULT_RULES = (("独居老人每周走访", "living_alone", 7), ("低保户每月走访", "dibao", 30))
"""The county's usual rules, offered when a scope has none yet."""


@dataclass(frozen=True)
class TaskRow:
    id: str
    title: str
    kind: str
    due_date: dt.date
    status: str
    target: str  # the person's name or the house's door plate, for lists
    person_id: str | None
    house_id: str | None
    assignee_id: str | None
    rule_id: str | None


# -- rules and tasks --------------------------------------------------------------------------
def save_rule(session: Session, worker: Worker, values: dict[str, Any], *, now: dt.datetime,
              rule_id: str | None = None) -> str:
    errors = []
    if not (values.get("name") or "").strip():
        errors.append(ValidationError("required", "name", label="规则名称"))
    if not values.get("tag_code"):
        errors.append(ValidationError("required", "tag_code", label="对象标签"))
    if int(values.get("interval_days") or 0) < 1:
        errors.append(ValidationError("number_invalid", "interval_days", label="周期(天)",
                                      value=values.get("interval_days")))
    if errors:
        raise ValidationErrors(errors)
    values = {"active": True, "grid_id": worker.scope_node_id, **values}
    return record_change(session, VisitRule, rule_id, values, now=now).id


def ensure_default_rules(session: Session, worker: Worker, *, now: dt.datetime) -> int:
    """Add the usual rules when the scope has no rule at all; how many were added."""
    if session.scalar(select(func.count()).select_from(VisitRule)
                      .where(VisitRule.deleted.is_(False))):
        return 0
    for name, tag, days in DEFAULT_RULES:
        save_rule(session, worker, {"name": name, "tag_code": tag, "interval_days": days},
                  now=now)
    return len(DEFAULT_RULES)


def set_rule_active(session: Session, rule_id: str, active: bool, *, now: dt.datetime) -> None:
    rule = session.get(VisitRule, rule_id)
    if rule is None or rule.deleted:
        raise DomainError("not_found")
    record_change(session, VisitRule, rule_id, {"active": active}, now=now)


def list_rules(session: Session) -> list[VisitRule]:
    return list(session.scalars(select(VisitRule).where(VisitRule.deleted.is_(False))
                                .order_by(VisitRule.name)))


def _under_rule(session: Session, rule: VisitRule) -> list[Any]:
    """A rule covers the people of the org node it was made for (a grid worker's grid, a
    township office's township), not everyone a device holds: a township profile holds the
    rules of all its grids, and each must not make tasks for the others' people."""
    node = session.get(OrgNode, rule.grid_id) if rule.grid_id else None
    if node is None:
        return []
    if node.level == "grid":
        return [Person.grid_id == node.id]
    return [Person.grid_id.in_(select(OrgNode.id).where(
        OrgNode.path.startswith(node.path, autoescape=True)))]


def rule_task_id(rule_id: str, person_id: str, due: dt.date) -> str:
    return str(uuid.uuid5(_NS, f"{rule_id}/{person_id}/{due.isoformat()}"))


def generate_rule_tasks(session: Session, *, today: dt.date, now: dt.datetime) -> int:
    """Make the tasks the active rules call for: each tagged person is due `interval_days`
    after their last visit (today if never visited). Returns how many tasks were made."""
    made = 0
    horizon = today + dt.timedelta(days=RULE_HORIZON_DAYS)
    last_visit = dict(session.execute(
        select(Visit.person_id, func.max(Visit.visited_at))
        .where(Visit.deleted.is_(False), Visit.person_id.is_not(None))
        .group_by(Visit.person_id)).all())
    for rule in list_rules(session):
        if not rule.active:
            continue
        people = session.execute(
            select(Person.id, Person.name, Person.house_id, Person.grid_id)
            .join(PersonTag, PersonTag.person_id == Person.id)
            .where(PersonTag.tag_code == rule.tag_code, PersonTag.deleted.is_(False),
                   Person.deleted.is_(False), Person.status == "normal",
                   *_under_rule(session, rule))).all()
        open_for = set(session.scalars(
            select(VisitTask.person_id).where(VisitTask.rule_id == rule.id,
                                              VisitTask.status == "open",
                                              VisitTask.deleted.is_(False))))
        for pid, name, house_id, grid_id in people:
            if pid in open_for:
                continue
            last = last_visit.get(pid)
            due = today if last is None else max(
                today, last.date() + dt.timedelta(days=rule.interval_days))
            if due > horizon:
                continue
            tid = rule_task_id(rule.id, pid, due)
            if session.get(VisitTask, tid) is not None:
                continue
            record_change(session, VisitTask, tid, {
                "title": f"{rule.name}：{name}", "kind": "person", "person_id": pid,
                "house_id": house_id, "rule_id": rule.id, "assignee_id": None,
                "due_date": due, "status": "open", "grid_id": grid_id}, now=now)
            made += 1
    return made


def create_task(session: Session, worker: Worker, values: dict[str, Any], *,
                now: dt.datetime) -> str:
    """A manual visit task (title, kind, target, due date, assignee)."""
    errors = []
    if not (values.get("title") or "").strip():
        errors.append(ValidationError("required", "title", label="任务名称"))
    if not values.get("due_date"):
        errors.append(ValidationError("required", "due_date", label="截止日期"))
    if errors:
        raise ValidationErrors(errors)
    grid = values.get("grid_id") or _grid_of_target(session, values) or worker.scope_node_id
    values = {"kind": "person", "status": "open", "assignee_id": worker.user_id,
              **values, "grid_id": grid}
    return record_change(session, VisitTask, None, values, now=now).id


def list_tasks(session: Session, worker: Worker, which: str, *, today: dt.date,
               mine_only: bool = False) -> list[TaskRow]:
    """`which`: "due" (due today or within the horizon), "overdue", "open", "done"."""
    q = select(VisitTask).where(VisitTask.deleted.is_(False))
    if which == "overdue":
        q = q.where(VisitTask.status == "open", VisitTask.due_date < today)
    elif which == "due":
        q = q.where(VisitTask.status == "open", VisitTask.due_date >= today,
                    VisitTask.due_date <= today + dt.timedelta(days=RULE_HORIZON_DAYS))
    elif which == "open":
        q = q.where(VisitTask.status == "open")
    elif which == "done":
        q = q.where(VisitTask.status == "done")
    if mine_only:
        q = q.where((VisitTask.assignee_id == worker.user_id)
                    | VisitTask.assignee_id.is_(None))
    tasks = list(session.scalars(q.order_by(VisitTask.due_date, VisitTask.title)))
    names = _names(session, Person, "name", {t.person_id for t in tasks})
    plates = _names(session, House, "door_plate", {t.house_id for t in tasks})
    return [TaskRow(t.id, t.title, t.kind, t.due_date, t.status,
                    names.get(t.person_id) or plates.get(t.house_id) or "", t.person_id,
                    t.house_id, t.assignee_id, t.rule_id) for t in tasks]


def cancel_task(session: Session, task_id: str, *, now: dt.datetime) -> None:
    task = session.get(VisitTask, task_id)
    if task is None or task.deleted:
        raise DomainError("not_found")
    record_change(session, VisitTask, task_id, {"status": "cancelled"}, now=now)


# -- recording visits -------------------------------------------------------------------------
def record_visit(session: Session, worker: Worker, values: dict[str, Any], *,
                 now: dt.datetime, visit_id: str | None = None,
                 photo_files: list[str | Path] | None = None,
                 store: BlobStore | None = None) -> str:
    """Save a visit (new, or completing one a QR check-in started) and close the tasks it
    fulfils: the task named by `task_id`, or else the target's open tasks due by the horizon."""
    existing = session.get(Visit, visit_id) if visit_id else None
    merged = {**({c: getattr(existing, c) for c in ("person_id", "house_id",
                                                    "organisation_id")} if existing else {}),
              **values}
    if not any(merged.get(k) for k in ("person_id", "house_id", "organisation_id")):
        raise DomainError("visit_target_required")
    task_id = values.get("task_id")
    if task_id:
        task = session.get(VisitTask, task_id)
        if task is None or task.deleted:
            raise DomainError("not_found")
        if task.status == "done" and task.visit_id not in (None, visit_id):
            raise DomainError("task_already_done")
    photos = list(existing.photos or []) if existing else []
    photos += add_photos(store, list(photo_files or []))
    fields = dict(values)
    if not existing:
        fields = {"kind": "person", "visitor_id": worker.user_id, "visited_at": now,
                  "follow_up": False, **fields}
        fields.setdefault("grid_id", _grid_of_target(session, merged) or worker.scope_node_id)
    if photo_files:
        fields["photos"] = photos
    visit = record_change(session, Visit, visit_id, fields, now=now)
    for task in _tasks_fulfilled(session, visit, task_id, today=now.date()):
        record_change(session, VisitTask, task.id, {"status": "done", "visit_id": visit.id},
                      now=now)
    return visit.id


def _tasks_fulfilled(session: Session, visit: Visit, task_id: str | None, *,
                     today: dt.date) -> list[VisitTask]:
    if task_id:
        return [session.get(VisitTask, task_id)]
    conds = []
    if visit.person_id:
        conds.append(VisitTask.person_id == visit.person_id)
    if visit.house_id and not visit.person_id:
        conds.append(VisitTask.house_id == visit.house_id)
    if visit.organisation_id:
        conds.append(VisitTask.organisation_id == visit.organisation_id)
    if not conds:
        return []
    # a rule's task counts only when due within the horizon; a task assigned to the visitor
    # without a rule (a 包户 period's task) is done by their visit any day of its period
    mine = VisitTask.rule_id.is_(None) & (VisitTask.assignee_id == visit.visitor_id) \
        if visit.visitor_id else False
    return list(session.scalars(select(VisitTask).where(
        or_(*conds), VisitTask.status == "open", VisitTask.deleted.is_(False),
        or_(VisitTask.due_date <= today + dt.timedelta(days=RULE_HORIZON_DAYS), mine))))


def recent_visits(session: Session, *, limit: int = 200) -> list[dict[str, Any]]:
    visits = list(session.scalars(select(Visit).where(Visit.deleted.is_(False))
                                  .order_by(Visit.visited_at.desc()).limit(limit)))
    names = _names(session, Person, "name", {v.person_id for v in visits})
    plates = _names(session, House, "door_plate", {v.house_id for v in visits})
    users = _names(session, User, "display_name", {v.visitor_id for v in visits})
    return [{"id": v.id, "visited_at": v.visited_at, "kind": v.kind,
             "target": names.get(v.person_id) or plates.get(v.house_id) or "",
             "visitor": users.get(v.visitor_id, ""), "qr": v.checkin_method == "qr",
             "follow_up": bool(v.follow_up), "notes": v.notes or "",
             "photos": len(v.photos or [])} for v in visits]


# -- dashboard --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Dashboard:
    period_start: dt.date
    period_end: dt.date
    houses_total: int
    houses_visited: int
    key_people_total: int  # people any active rule covers
    key_people_on_time: int  # visited within their rule's interval
    tasks_done: int
    tasks_open: int
    tasks_overdue: int
    ranking: list[tuple[str, int, int]]  # (name, visits, QR check-ins), most visits first
    by_grid: list[tuple[str, int, int]] = field(default_factory=list)  # (grid, visits, houses)

    @property
    def house_coverage(self) -> float:
        return self.houses_visited / self.houses_total if self.houses_total else 0.0

    @property
    def key_coverage(self) -> float:
        return self.key_people_on_time / self.key_people_total if self.key_people_total else 0.0


def dashboard(session: Session, *, today: dt.date, days: int = 30,
              utc_offset: dt.timedelta = dt.timedelta(0)) -> Dashboard:
    """Figures over the scope this device holds, for the last `days` local days up to today
    (`utc_offset`: the worker's offset from UTC, the clock stored stamps are in)."""
    start = today - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(start, dt.time()) - utc_offset
    until = dt.datetime.combine(today + dt.timedelta(days=1), dt.time()) - utc_offset
    live_visit = (Visit.deleted.is_(False), Visit.visited_at >= since, Visit.visited_at < until)
    houses_total = session.scalar(select(func.count()).select_from(House)
                                  .where(House.deleted.is_(False))) or 0
    visited_houses = set(session.scalars(select(Visit.house_id).where(
        *live_visit, Visit.house_id.is_not(None))))
    visited_houses |= set(session.scalars(
        select(Person.house_id).join(Visit, Visit.person_id == Person.id)
        .where(*live_visit, Person.house_id.is_not(None))))
    key_total, key_on_time = _key_people_coverage(session, today)
    task_counts = dict(session.execute(
        select(VisitTask.status, func.count()).where(VisitTask.deleted.is_(False))
        .group_by(VisitTask.status)).all())
    done_in_period = session.scalar(
        select(func.count()).select_from(VisitTask).join(Visit, Visit.id == VisitTask.visit_id)
        .where(VisitTask.status == "done", VisitTask.deleted.is_(False), *live_visit)) or 0
    overdue = session.scalar(select(func.count()).select_from(VisitTask).where(
        VisitTask.deleted.is_(False), VisitTask.status == "open",
        VisitTask.due_date < today)) or 0
    rows = session.execute(
        select(Visit.visitor_id, func.count(),
               func.sum(case((Visit.checkin_method == "qr", 1), else_=0)))
        .where(*live_visit).group_by(Visit.visitor_id)).all()
    users = _names(session, User, "display_name", {r[0] for r in rows})
    ranking = sorted(((users.get(uid) or "未知用户", int(n), int(qr or 0))
                      for uid, n, qr in rows), key=lambda r: (-r[1], r[0]))
    return Dashboard(start, today, houses_total, len(visited_houses & _live_houses(session)),
                     key_total, key_on_time, done_in_period, task_counts.get("open", 0),
                     overdue, ranking, _by_grid(session, live_visit))


def _by_grid(session: Session, live_visit: tuple) -> list[tuple[str, int, int]]:
    """Visits and houses visited per grid (the department view of a township office)."""
    from common.schema import OrgNode
    rows = session.execute(
        select(Visit.grid_id, func.count(), func.count(func.distinct(Visit.house_id)))
        .where(*live_visit).group_by(Visit.grid_id)).all()
    names = _names(session, OrgNode, "name", {r[0] for r in rows})
    return sorted(((names.get(g) or "未知网格", int(n), int(h)) for g, n, h in rows),
                  key=lambda r: (-r[1], r[0]))


def _live_houses(session: Session) -> set[str]:
    return set(session.scalars(select(House.id).where(House.deleted.is_(False))))


def _key_people_coverage(session: Session, today: dt.date) -> tuple[int, int]:
    """People under an active rule, and how many were visited within that rule's interval."""
    rules = [r for r in list_rules(session) if r.active]
    last_visit = dict(session.execute(
        select(Visit.person_id, func.max(Visit.visited_at))
        .where(Visit.deleted.is_(False), Visit.person_id.is_not(None))
        .group_by(Visit.person_id)).all())
    interval: dict[str, int] = {}
    for rule in rules:
        for pid in session.scalars(
                select(PersonTag.person_id).join(Person, Person.id == PersonTag.person_id)
                .where(PersonTag.tag_code == rule.tag_code, PersonTag.deleted.is_(False),
                       Person.deleted.is_(False), Person.status == "normal",
                       *_under_rule(session, rule))):
            interval[pid] = min(interval.get(pid, rule.interval_days), rule.interval_days)
    on_time = sum(1 for pid, days in interval.items()
                  if last_visit.get(pid) is not None
                  and (today - last_visit[pid].date()).days < days)
    return len(interval), on_time


# -- helpers ----------------------------------------------------------------------------------
def _names(session: Session, entity, column: str, ids: set[str | None]) -> dict[str, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    col = getattr(entity, column)
    return dict(session.execute(select(entity.id, col).where(entity.id.in_(ids))).all())


def _grid_of_target(session: Session, values: dict[str, Any]) -> str | None:
    for key, entity in (("person_id", Person), ("house_id", House)):
        if values.get(key):
            row = session.get(entity, values[key])
            if row is not None:
                return row.grid_id
    if values.get("organisation_id"):
        from common.schema import Organisation
        row = session.get(Organisation, values["organisation_id"])
        if row is not None:
            return row.grid_id
    return None


def find_targets(session: Session, text: str, *, house_id: str | None = None,
                 limit: int = 30) -> list[tuple[str, str, str]]:
    """Whom a visit can be to: (field, id, label) for people, houses and organisations matching
    `text` (name, door plate); with `house_id`, that house and the people living in it."""
    from common.schema import Organisation
    out: list[tuple[str, str, str]] = []
    if house_id:
        house = session.get(House, house_id)
        if house is not None:
            out.append(("house_id", house.id, f"房屋 {house.door_plate}"))
        out += [("person_id", pid, f"{name}（住户）") for pid, name in session.execute(
            select(Person.id, Person.name).where(Person.house_id == house_id,
                                                 Person.deleted.is_(False)))]
        return out
    text = text.strip()
    if not text:
        return out
    like = f"%{text}%"
    out += [("person_id", pid, name) for pid, name in session.execute(
        select(Person.id, Person.name).where(Person.deleted.is_(False), Person.name.like(like))
        .order_by(Person.name).limit(limit))]
    out += [("house_id", hid, f"房屋 {plate}") for hid, plate in session.execute(
        select(House.id, House.door_plate).where(House.deleted.is_(False),
                                                 House.door_plate.like(like)).limit(limit))]
    out += [("organisation_id", oid, f"单位 {name}") for oid, name in session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.deleted.is_(False),
                                                         Organisation.name.like(like))
        .limit(limit))]
    return out[:limit]


def visit_values(session: Session, visit_id: str) -> dict[str, Any]:
    """A visit's editable fields (to reopen one a check-in started)."""
    v = session.get(Visit, visit_id)
    if v is None:
        raise DomainError("not_found")
    return {"kind": v.kind, "person_id": v.person_id, "house_id": v.house_id,
            "organisation_id": v.organisation_id, "notes": v.notes or "",
            "follow_up": bool(v.follow_up), "checkin_at": v.checkin_at,
            "photos": len(v.photos or []), "task_id": v.task_id}
