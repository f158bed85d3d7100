"""What waits for someone in a scope (待办): the home page's to-dos. Counts only, each with the
condition a list shows in full, all read in the caller's scope."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.schema import Event, VisitTask

from .scope import Scope

OPEN_EVENTS = ("pending", "handling", "assigned")


@dataclass(frozen=True)
class Todo:
    key: str
    label: str
    count: int
    urgent: bool
    """Past its deadline: shown first and marked."""


def todos(session: Session, scope: Scope, *, now: dt.datetime) -> list[Todo]:
    def count(entity, *conds) -> int:  # noqa: ANN001
        return session.scalar(select(func.count()).select_from(entity).where(
            scope.condition(entity), entity.deleted.is_(False), *conds)) or 0

    today = now.date()
    tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time())
    open_event = Event.status.in_(OPEN_EVENTS)
    found = [
        Todo("events_overdue", "超期未办结的事件",
             count(Event, open_event, Event.due_at.is_not(None), Event.due_at < now), True),
        Todo("events_due_today", "今天到期的事件",
             count(Event, open_event, Event.due_at >= now, Event.due_at < tomorrow), False),
        Todo("events_pending", "待处理的事件", count(Event, Event.status == "pending"), False),
        Todo("tasks_overdue", "逾期未走访的任务",
             count(VisitTask, VisitTask.status == "open", VisitTask.due_date < today), True),
        Todo("tasks_this_week", "本周到期的走访任务",
             count(VisitTask, VisitTask.status == "open", VisitTask.due_date >= today,
                   VisitTask.due_date < today + dt.timedelta(days=7)), False),
    ]
    return sorted(found, key=lambda t: (not t.urgent, -t.count))
