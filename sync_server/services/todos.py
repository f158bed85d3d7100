"""What waits for someone in a scope (待办): the home page's to-dos. Counts only, each with the
condition a list shows in full, all read in the caller's scope."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common import workflows as wf
from common.schema import Event, User, VisitTask, WorkRequest

from .affair_handling import waiting_counts as affair_counts
from .imports import waiting_for_review
from .permissions import permissions_of
from .reports import waiting as reports_waiting
from .scope import Scope
from .workflows import waiting_for

OPEN_EVENTS = ("pending", "handling", "assigned")


@dataclass(frozen=True)
class Todo:
    key: str
    label: str
    count: int
    urgent: bool
    """Past its deadline: shown first and marked."""
    href: str | None = None
    """The page listing them."""


def todos(session: Session, scope: Scope, *, now: dt.datetime,
          user: User | None = None) -> list[Todo]:
    """The scope's to-dos; with `user`, also the requests waiting for that user's decision
    and their own requests sent back to them (my work items, issue 13)."""
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
    if user is not None:
        found += work_items(session, user, now=now)
    return sorted(found, key=lambda t: (not t.urgent, -t.count))


def work_items(session: Session, user: User, *, now: dt.datetime) -> list[Todo]:
    """What waits for this user in the workflows: reviews by kind (overdue ones apart), batch
    imports to review, their own requests returned to them, and the reports their place has
    to fill or they have to review."""
    rows = session.execute(select(WorkRequest.kind, WorkRequest.due_date, func.count())
                           .where(waiting_for(session, user))
                           .group_by(WorkRequest.kind, WorkRequest.due_date)).all()
    counts: dict[tuple[str, bool], int] = {}
    for kind, due, n in rows:
        late = due is not None and due < now.date()
        counts[(kind, late)] = counts.get((kind, late), 0) + n
    out = []
    for kind, label in wf.KINDS.items():
        href = f"/admin/workflows?kind={kind}"
        out.append(Todo(f"review_{kind}", f"待我审核的{label}", counts.get((kind, False), 0),
                        False, href))
        out.append(Todo(f"review_{kind}_overdue", f"超期未审核的{label}",
                        counts.get((kind, True), 0), True, href))
    returned = session.scalar(select(func.count()).select_from(WorkRequest).where(
        WorkRequest.filed_by == user.id, WorkRequest.state == wf.RETURNED,
        WorkRequest.deleted.is_(False))) or 0
    out.append(Todo("requests_returned", "被退回待修改的申请", returned, False,
                    "/admin/workflows/mine"))
    imports = waiting_for_review(session, user, Scope.of(session, user))
    out.append(Todo("review_imports", "待我审核的导入批次", len(imports), False,
                    "/admin/imports/reviews"))
    waiting = affair_counts(session, user, now=now)
    out += [Todo("affairs_service", "待办理的网上办事", waiting.get("service", 0), False,
                 "/admin/affairs?kind=service"),
            Todo("affairs_report", "待处理的居民主动上报", waiting.get("report", 0), False,
                 "/admin/affairs?kind=report"),
            Todo("affairs_overdue", "超期未办的网上办事和主动上报",
                 waiting.get("service_overdue", 0) + waiting.get("report_overdue", 0), True,
                 "/admin/affairs?list=overdue")]
    if "web:reports" in permissions_of(session, user):  # a role without the page: no item
        to_fill, to_review = reports_waiting(session, user)
        out.append(Todo("reports_to_fill", "待填报的报表", to_fill, False, "/admin/reports"))
        out.append(Todo("reports_to_review", "待我审核的报表", to_review, False,
                        "/admin/reports"))
    return out
