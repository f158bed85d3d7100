"""统计看板 (/admin/dashboards): the 接诉即办 figures of a period (received, closed, overdue,
satisfaction rate, median time to close; by category, by area, by handling person) and the
visit figures (coverage of people and households, visit-task completion, ranking by worker and
by grid) of the viewer's county or township. The 接诉即办 counting is services/briefings'
(the same rules as the briefings); a custom period is any Beijing days since..until."""
from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.dictionaries import DEFAULTS as DICTS
from common.errors import ValidationError
from common.schema import Household, OrgNode, Person, User, Visit, VisitTask

from .briefings import briefing_node, by_category, period_events, satisfaction_rate
from .oplog import BEIJING, day_start
from .scope import Scope

PERIODS = {"week": "本周", "month": "本月", "custom": "自定义"}
MAX_DAYS = 366
RANKING = 20
"""The rankings show this many workers or grids."""


@dataclass(frozen=True)
class Period:
    kind: str
    since: dt.date
    until: dt.date  # included

    @property
    def label(self) -> str:
        return f"{self.since.isoformat()} 至 {self.until.isoformat()}"


def _date(text: str, field: str, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError("date_invalid", field, label=label, value=text[:32]) from None


def parse_period(kind: str, since: str, until: str, today: dt.date) -> Period:
    """This week (Monday to today), this month (the 1st to today) or custom dates (both
    included, at most MAX_DAYS days)."""
    if kind == "week":
        return Period(kind, today - dt.timedelta(days=today.weekday()), today)
    if kind == "month":
        return Period(kind, today.replace(day=1), today)
    if kind != "custom":
        raise ValidationError("dashboard_period_invalid", "period")
    start = _date(since.strip(), "since", "开始日期")
    end = _date(until.strip(), "until", "结束日期")
    if end < start:
        raise ValidationError("stats_range_backwards", "until")
    if (end - start).days >= MAX_DAYS:
        raise ValidationError("stats_range_too_long", "until", max=MAX_DAYS)
    return Period(kind, start, end)


def _local_day(at: dt.datetime) -> dt.date:
    return at.replace(tzinfo=dt.UTC).astimezone(BEIJING).date()


def _bar(chart_id: str, title: str, pairs: list[list[Any]], kind: str = "bar",
         section: str = "hotline") -> dict[str, Any]:
    return {"id": chart_id, "title": title, "kind": kind, "section": section,
            "items": [{"label": str(label), "value": n} for label, n in pairs]}


def _user_names(session: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    return {u.id: f"{u.display_name}（{u.username}）"
            for u in session.scalars(select(User).where(User.id.in_(ids)))}


def hotline(session: Session, node: OrgNode, period: Period) -> dict[str, Any]:
    """The 接诉即办 figures of the node for the period: the briefings' counting rules."""
    begin, end = day_start(period.since), day_start(period.until + dt.timedelta(days=1))
    p = period_events(session, node, begin, end)
    hours = [(e.closed_at - e.reported_at).total_seconds() / 3600 for e in p.closed
             if e.closed_at >= e.reported_at]
    rated = Counter(e.satisfaction for e in p.closed if e.satisfaction)
    handlers = Counter(e.assignee_id or "" for e in p.received)
    names = _user_names(session, {h for h in handlers if h})
    by_handler = sorted(([names.get(h, "（未分派）" if not h else "（其他）"), n]
                         for h, n in handlers.items()), key=lambda kv: (-kv[1], kv[0]))
    return {
        "received": len(p.received), "closed": len(p.closed), "overdue": len(p.overdue),
        "closed_late": len(p.late), "satisfaction_rate": satisfaction_rate(p.closed),
        "median_hours": round(statistics.median(hours), 1) if hours else None,
        "charts": [
            _bar("category", "按事件类别（受理件数）", by_category(p.received)),
            _bar("area", "按地区（受理件数）",
                 p.areas(Counter(p.area_of(e.grid_id) for e in p.received))),
            _bar("handler", "按承办人（受理件数）", by_handler),
            _bar("satisfaction", "满意度（本期办结）",
                 [[label, rated.get(code, 0)] for code, label in DICTS["satisfaction"]],
                 kind="pie"),
        ]}


def visits(session: Session, node: OrgNode, period: Period, today: dt.date) -> dict[str, Any]:
    """Visit coverage (people living in the area, and their households, with a visit in the
    period), visit tasks due in the period (done on time, done late, overdue, still open) and
    the visits of the period ranked by worker and by grid."""
    scope = Scope(node.id, node.path)
    begin, end = day_start(period.since), day_start(period.until + dt.timedelta(days=1))
    period_visits = session.execute(select(Visit.person_id, Visit.visitor_id, Visit.grid_id)
                                    .where(scope.condition(Visit), Visit.deleted.is_(False),
                                           Visit.visited_at >= begin, Visit.visited_at < end)
                                    ).all()
    people = dict(session.execute(select(Person.id, Person.household_id).where(
        scope.condition(Person), Person.deleted.is_(False), Person.status == "normal")).all())
    households = set(session.scalars(select(Household.id).where(
        scope.condition(Household), Household.deleted.is_(False))))
    seen = {person for person, _, _ in period_visits if person in people}
    seen_households = {people[p] for p in seen if people[p] in households}

    tasks = session.execute(select(VisitTask.status, VisitTask.due_date, Visit.visited_at)
                            .outerjoin(Visit, Visit.id == VisitTask.visit_id)
                            .where(scope.condition(VisitTask), VisitTask.deleted.is_(False),
                                   VisitTask.status != "cancelled",
                                   VisitTask.due_date >= period.since,
                                   VisitTask.due_date <= period.until)).all()
    states = Counter()
    for status, due, visited_at in tasks:
        if status == "done":
            late = visited_at is not None and _local_day(visited_at) > due
            states["done_late" if late else "done_on_time"] += 1
        else:
            states["overdue" if due < today else "open"] += 1

    workers = Counter(v for _, v, _ in period_visits)
    names = _user_names(session, set(workers))
    grids = Counter(g or "" for _, _, g in period_visits)
    grid_names = {n.id: n.name for n in session.scalars(
        select(OrgNode).where(OrgNode.id.in_([g for g in grids if g])))}

    def ranked(counts: Counter[str], name_of: dict[str, str]) -> list[list[Any]]:
        pairs = sorted(([name_of.get(k, "（其他）"), n] for k, n in counts.items()),
                       key=lambda kv: (-kv[1], kv[0]))
        return pairs[:RANKING]

    def rate(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    return {
        "visits": len(period_visits),
        "people": len(people), "people_visited": len(seen),
        "people_rate": rate(len(seen), len(people)),
        "households": len(households), "households_visited": len(seen_households),
        "households_rate": rate(len(seen_households), len(households)),
        "tasks": {k: states.get(k, 0) for k in ("done_on_time", "done_late", "overdue", "open")},
        "charts": [
            _bar("tasks", "走访任务完成情况（本期到期）",
                 [["按时完成", states.get("done_on_time", 0)],
                  ["超期完成", states.get("done_late", 0)],
                  ["逾期未完成", states.get("overdue", 0)], ["未到期", states.get("open", 0)]],
                 kind="pie", section="visits"),
            _bar("workers", f"走访次数排名（按人员，前 {RANKING}）", ranked(workers, names),
                 kind="ranking", section="visits"),
            _bar("grids", f"走访次数排名（按网格，前 {RANKING}）", ranked(grids, grid_names),
                 kind="ranking", section="visits"),
        ]}


def figures(session: Session, scope: Scope, period: Period, today: dt.date) -> dict[str, Any]:
    """Everything the page draws for the viewer's county or township."""
    node = briefing_node(session, scope)
    hot = hotline(session, node, period)
    vis = visits(session, node, period, today)
    return {"node": {"id": node.id, "name": node.name},
            "period": {"kind": period.kind, "since": period.since.isoformat(),
                       "until": period.until.isoformat(), "label": period.label},
            "hotline": hot, "visits": vis, "charts": hot["charts"] + vis["charts"]}
