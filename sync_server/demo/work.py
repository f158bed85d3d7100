"""A year of work before `now`: visit rules and their tasks, visits, manual tasks, events with
their actions, and the grid workers' daily logs."""
from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from .families import PersonRef
from .geography import County, Grid
from .rows import Writer

RULE_TASK_NS = uuid.UUID("6f1c1f5e-3f49-4c55-9a51-0b6cbdbf7a10")
WORK_LOG_NS = uuid.UUID("0b9a3c1e-5d0a-4f3e-8f57-3c8f0b3b2a44")
"""The namespaces devices derive rule-task and work-log ids with (desktop/services/visits.py,
desktop/services/work_logs.py; a test checks they agree), so a task or a day's log the demo
made merges with the one a device makes instead of doubling it."""

RULES = (("独居老人每周走访", "living_alone", 7), ("低保户每月走访", "dibao", 30))
RULE_HORIZON_DAYS = 7
DAYS = 365


def rule_task_id(rule_id: str, person_id: str, due: dt.date) -> str:
    return str(uuid.uuid5(RULE_TASK_NS, f"{rule_id}/{person_id}/{due.isoformat()}"))


def log_id(user_id: str, day: dt.date) -> str:
    return str(uuid.uuid5(WORK_LOG_NS, f"{user_id}/{day.isoformat()}"))


def _at(rng: random.Random, day: dt.date, first: int = 9, last: int = 18) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randrange(first, last), rng.randrange(60)))


class WorkMaker:
    def __init__(self, w: Writer, rng: random.Random, texts: dict[str, Any], now: dt.datetime,
                 offices: dict[str, str]) -> None:
        self.w = w
        self.rng = rng
        self.texts = texts
        self.now = now
        self.today = now.date()
        self.start = self.today - dt.timedelta(days=DAYS)
        self.offices = offices
        self.visits_on: dict[dt.date, int] = {}
        self.events_on: dict[dt.date, int] = {}

    def grid(self, grid: Grid) -> None:
        self.visits_on = {}
        self.events_on = {}
        created = dt.datetime.combine(self.start, dt.time(9))
        for name, tag, days in RULES:
            rule_id = self.w.add("visit_rules", grid.id, created, {
                "name": name, "tag_code": tag, "interval_days": days, "active": True})
            for p in grid.people:
                if tag in p.tags:
                    self._rule_visits(grid, rule_id, name, tag, days, p)
        self._ordinary_visits(grid)
        self._events(grid)
        self._logs(grid)

    # -- visits ----------------------------------------------------------------------------
    def _visit(self, grid: Grid, day: dt.date, note_kind: str, *, person: PersonRef | None,
               house_id: str | None, org_id: str | None = None, kind: str = "person",
               task_id: str | None = None, visit_id: str | None = None) -> str:
        rng = self.rng
        at = _at(rng, day)
        if at > self.now:
            at = self.now - dt.timedelta(minutes=rng.randrange(5, 120))
        qr = rng.random() < 0.7
        self.visits_on[day] = self.visits_on.get(day, 0) + 1
        return self.w.add("visits", grid.id, at + dt.timedelta(minutes=20), {
            "kind": kind, "person_id": person.id if person else None, "house_id": house_id,
            "organisation_id": org_id, "task_id": task_id, "visitor_id": grid.worker_id,
            "visited_at": at, "checkin_at": at if qr else None,
            "checkin_method": "qr" if qr else "manual",
            "notes": rng.choice(self.texts["visit_notes"][note_kind]),
            "follow_up": rng.random() < 0.05}, record_id=visit_id)

    def _rule_visits(self, grid: Grid, rule_id: str, rule_name: str, tag: str, days: int,
                     p: PersonRef) -> None:
        """Tasks due every `days` from a year ago, mostly done on time, some late, a few
        cancelled; the current one is open (overdue for the few a worker has fallen behind on)."""
        rng = self.rng
        title = f"{rule_name}：{p.name}"
        behind = rng.random() < 0.08
        stop = self.today - dt.timedelta(days=rng.randrange(days + 1, days * 3 + 2)) \
            if behind else self.today
        due = self.start + dt.timedelta(days=rng.randrange(0, days))
        while True:
            if due > stop or due > self.today:
                break
            tid = rule_task_id(rule_id, p.id, due)
            r = rng.random()
            if r < 0.03:
                self._task(grid, tid, title, p, rule_id, due, "cancelled", None, due)
                last = due
            else:
                day = due - dt.timedelta(days=rng.randrange(0, 3)) if r < 0.88 else \
                    due + dt.timedelta(days=rng.randrange(1, 5))
                day = min(max(day, self.start), self.today)
                vid = self.w.new_id()
                self._task(grid, tid, title, p, rule_id, due, "done", vid, day)
                self._visit(grid, day, tag, person=p, house_id=p.house_id, task_id=tid,
                            visit_id=vid)
                last = day
            due = last + dt.timedelta(days=days)
        if due <= self.today + dt.timedelta(days=RULE_HORIZON_DAYS):
            tid = rule_task_id(rule_id, p.id, due)
            self._task(grid, tid, title, p, rule_id, due, "open", None,
                       min(self.today, due - dt.timedelta(days=RULE_HORIZON_DAYS)))

    def _task(self, grid: Grid, tid: str, title: str, p: PersonRef | None, rule_id: str | None,
              due: dt.date, status: str, visit_id: str | None, made: dt.date,
              kind: str = "person", house_id: str | None = None) -> None:
        at = dt.datetime.combine(max(made, self.start), dt.time(7))
        self.w.add("visit_tasks", grid.id, at, {
            "title": title, "kind": kind, "person_id": p.id if p else None,
            "house_id": p.house_id if p else house_id, "organisation_id": None,
            "rule_id": rule_id, "assignee_id": grid.worker_id if rule_id is None else None,
            "due_date": due, "status": status, "visit_id": visit_id}, record_id=tid)

    def _ordinary_visits(self, grid: Grid) -> None:
        """Door-to-door visits on working days, some from manual tasks; shops and enterprises
        now and then; a few manual tasks still open (some overdue)."""
        rng = self.rng
        heads = [hh.head for hh in grid.households_made if hh.head.status == "normal"]
        if not heads:
            return
        # Workers in small demo grids visit proportionally less, so the year stays plausible.
        per_day = min(1.6, len(heads) / 150)
        units = grid.organisations
        day = self.start
        while day <= self.today:
            if day.weekday() < 5:
                for _ in range(int(per_day) + (rng.random() < per_day % 1)):
                    p = rng.choice(heads)
                    if rng.random() < 0.1:
                        tid, vid = self.w.new_id(), self.w.new_id()
                        self._task(grid, tid, f"入户核实：{p.name}", p, None,
                                   day + dt.timedelta(days=rng.randrange(0, 4)), "done", vid,
                                   day - dt.timedelta(days=rng.randrange(1, 8)))
                        self._visit(grid, day, "person", person=p, house_id=p.house_id,
                                    task_id=tid, visit_id=vid)
                    else:
                        self._visit(grid, day, "person", person=p, house_id=p.house_id)
                if units and rng.random() < 0.12:
                    u = rng.choice(units)
                    kind = "shop" if u.kind == "shop" else "enterprise"
                    self._visit(grid, day, kind, person=None, house_id=u.house_id,
                                org_id=u.id, kind=kind)
            day += dt.timedelta(days=1)
        for _ in range(rng.randrange(1, 5)):
            p = rng.choice(heads)
            due = self.today + dt.timedelta(days=rng.randrange(-10, 15))
            self._task(grid, self.w.new_id(), f"入户核实：{p.name}", p, None, due, "open", None,
                       due - dt.timedelta(days=14))

    # -- events ----------------------------------------------------------------------------
    def _events(self, grid: Grid) -> None:
        rng = self.rng
        texts = self.texts
        categories = list(texts["events"])
        n = round(len(grid.households_made) / 8 * rng.uniform(0.7, 1.3))
        office = grid.office_id
        for _ in range(n):
            reported = self.now - dt.timedelta(minutes=rng.randrange(30, DAYS * 24 * 60))
            category = rng.choices(categories, (20, 15, 20, 15, 22, 8))[0]
            source = rng.choices(("hotline", "snapshot", "resident", "patrol"), (30, 25, 15, 30))[0]
            priority = rng.choices(("normal", "urgent", "critical"), (85, 12, 3))[0]
            due_at = reported + dt.timedelta(days={"normal": 7, "urgent": 3, "critical": 1}[priority])
            who = rng.choice(grid.people) if grid.people else None
            house = rng.choice(grid.houses) if grid.houses else None
            age = self.now - reported
            if age > dt.timedelta(days=20):
                status = "closed" if rng.random() < 0.97 else "handling"
            else:
                status = rng.choices(("pending", "handling", "assigned", "closed"),
                                     (15, 25, 15, 45))[0]
            escalated = rng.random() < 0.15
            place = grid.village if rng.random() < 0.5 or house is None else ""
            title = rng.choice(texts["events"][category]).format(place=place)
            closed_at = None
            if status == "closed":
                closed_at = min(self.now, reported + (due_at - reported) * rng.uniform(0.1, 1.4))
            eid = self.w.new_id()
            self.w.add("events", grid.id, reported, {
                "title": title, "description": f"{title}，请尽快处理。",
                "category": category, "source": source,
                "reporter_name": who.name if who and source in ("hotline", "resident") else None,
                "reporter_phone": who.phone if who and source in ("hotline", "resident") else None,
                "location": house.address if house else grid.place,
                "house_id": house.id if house else None,
                "person_id": who.id if who and source == "resident" else None,
                "status": status, "priority": priority,
                "assignee_id": office if escalated and status != "closed" else grid.worker_id,
                "reported_at": reported, "due_at": due_at, "closed_at": closed_at,
                "supervised": rng.random() < 0.05,
                "satisfaction": rng.choices(("satisfied", "basic", "dissatisfied"),
                                            (80, 15, 5))[0] if closed_at else None},
                record_id=eid)
            self.events_on[reported.date()] = self.events_on.get(reported.date(), 0) + 1
            self._actions(grid, eid, reported, closed_at, status, escalated, office)

    def _actions(self, grid: Grid, eid: str, reported: dt.datetime,
                 closed_at: dt.datetime | None, status: str, escalated: bool,
                 office: str) -> None:
        rng = self.rng
        notes = self.texts["event_notes"]
        if status == "pending":
            return
        t = min(self.now, reported + dt.timedelta(minutes=rng.randrange(20, 600)))
        self._action(grid, eid, "handle", grid.worker_id, None, rng.choice(notes), t)
        if escalated:
            t = min(self.now, t + dt.timedelta(hours=rng.randrange(1, 24)))
            self._action(grid, eid, "escalate", grid.worker_id, office, "需乡镇协调处理", t)
            if status in ("assigned", "closed"):
                t = min(self.now, t + dt.timedelta(hours=rng.randrange(1, 24)))
                self._action(grid, eid, "assign", office, grid.worker_id, "请网格员配合处理", t)
        if closed_at is not None:
            self._action(grid, eid, "close", grid.worker_id, None, rng.choice(notes),
                         max(t, closed_at))

    def _action(self, grid: Grid, eid: str, action: str, actor: str, target: str | None,
                note: str, at: dt.datetime) -> None:
        self.w.add("event_actions", grid.id, at, {
            "event_id": eid, "action": action, "actor_id": actor, "target_id": target,
            "note": note, "acted_at": at})

    # -- work logs -------------------------------------------------------------------------
    def _logs(self, grid: Grid) -> None:
        """A log most working days: most written the same evening, some back-filled days
        later, some days missed."""
        rng = self.rng
        templates = self.texts["work_logs"]
        day = self.start
        while day <= self.today:
            if day.weekday() < 5:
                r = rng.random()
                if r < 0.9:
                    backfilled = r >= 0.82
                    written = day + dt.timedelta(days=rng.randrange(1, 6)) if backfilled else day
                    at = min(self.now, _at(rng, min(written, self.today), 17, 21))
                    parts = []
                    if self.visits_on.get(day):
                        parts.append(f"入户走访{self.visits_on[day]}户，核实人口信息")
                    if self.events_on.get(day):
                        parts.append(f"处理群众反映问题{self.events_on[day]}件")
                    for text in rng.sample(templates, 2):
                        if "{n}" not in text:
                            parts.append(text)
                    self.w.add("work_logs", grid.id, at, {
                        "user_id": grid.worker_id, "log_date": day,
                        "content": "；".join(parts[:3]) + "。", "backfilled": backfilled},
                        record_id=log_id(grid.worker_id, day))
            day += dt.timedelta(days=1)


def write_work(w: Writer, rng: random.Random, texts: dict[str, Any], county: County,
               now: dt.datetime) -> None:
    """Write a year of work for every grid."""
    maker = WorkMaker(w, rng, texts, now, county.offices)
    for grid in county.grids:
        maker.grid(grid)
