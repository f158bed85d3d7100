"""Cadre work statistics (干部工作统计): visits, work logs and data upkeep (records created and
corrected, from the records' change history) per person or per area, per day, week or month, within the
viewer's scope. Counting is done here; pages and exports only show the table."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import ValidationError
from common.schema import OrgNode, User, Visit, WorkLog

from ..db.sync_tables import ChangeLog
from .oplog import BEIJING, day_start, log_operation
from .scope import Scope

PERIODS = {"day": "日", "week": "周", "month": "月"}
GROUPS = {"person": "按人员", "area": "按地区"}
MEASURES = (("visits", "走访"), ("work_logs", "工作日志"), ("created", "新建记录"),
            ("corrected", "修改记录"))
MAX_DAYS = 366
OWN_MEASURES = ("visits", "work_logs")
"""Entities counted by themselves, not as data upkeep."""


@dataclass(frozen=True)
class StatsRow:
    who: str
    period: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def period_of(day: dt.date, period: str) -> str:
    """The label of the day, week (ISO, from Monday) or month a day falls in."""
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{day:%Y-%m}"
    return day.isoformat()


def _local_day(at: dt.datetime) -> dt.date:
    return at.replace(tzinfo=dt.UTC).astimezone(BEIJING).date()


def work_stats(session: Session, scope: Scope, *, since: dt.date, until: dt.date,
               period: str = "day", group: str = "person") -> list[StatsRow]:
    """Counts per (person or area, period) for the Beijing days since..until (both included).
    A person is a user in scope; an area is the org node just below the viewer's own (a
    township for the county, a village for a township), or the viewer's node itself for what
    happened right there."""
    if period not in PERIODS or group not in GROUPS:
        raise ValidationError("stats_choice_invalid",
                              field="period" if period not in PERIODS else "group")
    if until < since:
        raise ValidationError("stats_range_backwards", field="until")
    if (until - since).days >= MAX_DAYS:
        raise ValidationError("stats_range_too_long", field="until", max=MAX_DAYS)
    start, end = day_start(since), day_start(until + dt.timedelta(days=1))
    users = {u.id: u for u in session.scalars(select(User).where(scope.condition(User)))}
    nodes = {n.id: n for n in session.scalars(select(OrgNode).where(scope.condition(OrgNode)))}
    depth = (scope.path or "").count("/")

    def area_of(node_id: str | None) -> str:
        node = nodes.get(node_id or "")
        if node is None:
            return "（其他）"
        parts = node.path.strip("/").split("/")
        head = nodes.get(parts[depth - 1]) if len(parts) >= depth else None
        return head.name if head is not None else node.name

    def who(user_id: str | None, node_id: str | None) -> str:
        if group == "area":
            return area_of(node_id)
        user = users.get(user_id or "")
        return f"{user.display_name}（{user.username}）" if user else "（其他）"

    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: {k: 0 for k, _ in MEASURES})

    def add(measure: str, items: Iterable[tuple[str | None, str | None, dt.date]]) -> None:
        for user_id, node_id, day in items:
            counts[(who(user_id, node_id), period_of(day, period))][measure] += 1

    visits = session.execute(select(Visit.visitor_id, Visit.grid_id, Visit.visited_at).where(
        scope.condition(Visit), Visit.deleted.is_(False), Visit.visited_at >= start,
        Visit.visited_at < end))
    add("visits", ((u, g, _local_day(at)) for u, g, at in visits))
    logs = session.execute(select(WorkLog.user_id, WorkLog.grid_id, WorkLog.log_date).where(
        scope.condition(WorkLog), WorkLog.deleted.is_(False), WorkLog.log_date >= since,
        WorkLog.log_date <= until))
    add("work_logs", ((u, g, day) for u, g, day in logs))
    upkeep = session.execute(select(ChangeLog.actor_id, ChangeLog.grid_id, ChangeLog.at,
                                    ChangeLog.old_values).where(
        ChangeLog.actor_id.in_(list(users)), ChangeLog.entity.not_in(OWN_MEASURES),
        ChangeLog.at >= start, ChangeLog.at < end))
    created, corrected = [], []
    for user_id, grid_id, at, old in upkeep:
        (corrected if old else created).append((user_id, grid_id, _local_day(at)))
    add("created", created)
    add("corrected", corrected)
    return [StatsRow(k[0], k[1], v) for k, v in sorted(counts.items(),
                                                       key=lambda kv: (kv[0][1], kv[0][0]))]


def write_stats_xlsx(session: Session, user: User, rows: list[StatsRow], out: BinaryIO, *,
                     now: dt.datetime, params: dict[str, Any]) -> int:
    """The statistics table as xlsx; the export is in the operation log."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("干部工作统计")
    sheet.append(["人员" if params.get("group") == "person" else "地区", "时段",
                  *(label for _, label in MEASURES), "合计"])
    for row in rows:
        sheet.append([row.who, row.period, *(row.counts[k] for k, _ in MEASURES), row.total])
    book.save(out)
    log_operation(session, user=user, action="export", now=now,
                  details={"format": "xlsx", "report": "work_stats", "rows": len(rows),
                           **params})
    return len(rows)
