"""Events (接诉即办 / 随手拍): create with photos and a place, the actions a role allows with a
timeline of EventAction records, and the due-today / overdue lists.

Functions take the caller's Session and never commit (desktop/tasks.py commits on the writer
thread); every synced write goes through record_change.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.dictionaries import label
from common.errors import DomainError, ValidationError, ValidationErrors
from common.events import NEEDS_TARGET, ROLE_ACTIONS, effect  # noqa: F401 - read here by the UI and tests
from common.events import allowed_actions as role_allows
from common.schema import Event, EventAction, House, User
from common.validation import check_phone
from desktop.storage.blobs import BlobStore
from desktop.storage.changes import record_change

from .photo_files import add_photos
from .work_context import Worker, default_grid

TIME_LIMITS = {"normal": dt.timedelta(days=5), "urgent": dt.timedelta(days=2),
               "critical": dt.timedelta(hours=24)}
"""Time allowed to close an event, by priority (接诉即办 practice: urgent ones within days)."""

@dataclass(frozen=True)
class EventRow:
    id: str
    title: str
    category: str
    status: str
    priority: str
    reported_at: dt.datetime
    due_at: dt.datetime | None
    assignee: str
    supervised: bool
    location: str


def create_event(session: Session, worker: Worker, values: dict[str, Any], *,
                 now: dt.datetime, photo_files: list[str | Path] | None = None,
                 store: BlobStore | None = None) -> str:
    """A new event: pending, due by its priority's time limit, in the house's grid if given."""
    errors = []
    if not (values.get("title") or "").strip():
        errors.append(ValidationError("required", "title", label="事件标题"))
    if not values.get("category"):
        errors.append(ValidationError("required", "category", label="事件类别"))
    if not (values.get("location") or values.get("house_id")):
        errors.append(ValidationError("required", "location", label="发生地点"))
    if (values.get("reporter_phone") or "").strip():
        try:  # the same rule as a person's phone: 1381234 is refused here as it is there
            values = {**values, "reporter_phone": check_phone(
                values["reporter_phone"], field="reporter_phone", label="反映人电话")}
        except ValidationError as e:
            errors.append(e)
    if errors:
        raise ValidationErrors(errors)
    priority = values.get("priority") or "normal"
    grid = values.get("grid_id")
    if not grid and values.get("house_id"):
        house = session.get(House, values["house_id"])
        grid = house.grid_id if house is not None else None
    fields = {"source": "snapshot", "status": "pending", "priority": priority,
              "reported_at": now, "due_at": now + TIME_LIMITS.get(priority, TIME_LIMITS["normal"]),
              "supervised": False, **values,
              "grid_id": grid or default_grid(session, worker),
              "photos": add_photos(store, list(photo_files or []))}
    return record_change(session, Event, None, fields, now=now).id


def allowed_actions(worker: Worker, event: Event) -> list[str]:
    """The actions this worker's role allows on this event now (none once it is closed)."""
    return role_allows(worker.role, event.status, bool(event.supervised))


def act(session: Session, worker: Worker, event_id: str, action: str, *, now: dt.datetime,
        note: str = "", target_id: str | None = None, postpone_days: int = 0,
        satisfaction: str | None = None) -> str:
    """Do one action on an event: record it on the timeline and change the event accordingly."""
    event = session.get(Event, event_id)
    if event is None or event.deleted:
        raise DomainError("not_found")
    if event.status == "closed":
        raise DomainError("event_closed")
    if action not in allowed_actions(worker, event):
        raise DomainError("event_action_not_allowed", action=label("event_action", action))
    if action in NEEDS_TARGET and not target_id:
        raise DomainError("event_target_required", action=label("event_action", action))
    if action == "postpone" and postpone_days < 1:
        raise ValidationError("number_invalid", "postpone_days", label="延期天数",
                              value=postpone_days)
    changes = _effect(event, worker, action, now=now, target_id=target_id,
                      postpone_days=postpone_days, satisfaction=satisfaction)
    if changes:
        record_change(session, Event, event.id, changes, now=now)
    step = record_change(session, EventAction, None, {
        "event_id": event.id, "action": action, "actor_id": worker.user_id,
        "target_id": target_id, "note": note or None, "acted_at": now,
        "grid_id": event.grid_id}, now=now)
    return step.id


def _effect(event: Event, worker: Worker, action: str, *, now: dt.datetime,
            target_id: str | None, postpone_days: int,
            satisfaction: str | None) -> dict[str, Any]:
    return effect(action, status=event.status, assignee_id=event.assignee_id,
                  priority=event.priority, due_at=event.due_at, actor_id=worker.user_id,
                  now=now, target_id=target_id, postpone_days=postpone_days,
                  satisfaction=satisfaction)


def timeline(session: Session, event_id: str) -> list[dict[str, Any]]:
    """The event's story in order: its report, then every action with who and when."""
    event = session.get(Event, event_id)
    if event is None:
        raise DomainError("not_found")
    steps = list(session.scalars(select(EventAction).where(
        EventAction.event_id == event_id, EventAction.deleted.is_(False))
        .order_by(EventAction.acted_at, EventAction.created_at)))
    users = _user_names(session, {s.actor_id for s in steps} | {s.target_id for s in steps})
    out = [{"at": event.reported_at, "action": "report", "label": "上报",
            "actor": event.reporter_name or "", "target": "", "note": event.description or ""}]
    for s in steps:
        out.append({"at": s.acted_at, "action": s.action,
                    "label": label("event_action", s.action), "actor": users.get(s.actor_id, ""),
                    "target": users.get(s.target_id, "") if s.target_id else "",
                    "note": s.note or ""})
    return out


def list_events(session: Session, worker: Worker, which: str, *, now: dt.datetime,
                day_end: dt.datetime | None = None) -> list[EventRow]:
    """`which`: "due_today", "overdue", "mine", "open", "supervised", "closed", "all".
    `day_end`: when the worker's day ends, in the clock of `now` (default: midnight of now)."""
    q = select(Event).where(Event.deleted.is_(False))
    day_end = day_end or dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time())
    open_ = Event.status != "closed"
    if which == "due_today":
        q = q.where(open_, Event.due_at >= now, Event.due_at < day_end)
    elif which == "overdue":
        q = q.where(open_, Event.due_at < now)
    elif which == "mine":
        q = q.where(open_, Event.assignee_id == worker.user_id)
    elif which == "open":
        q = q.where(open_)
    elif which == "supervised":
        q = q.where(open_, Event.supervised.is_(True))
    elif which == "closed":
        q = q.where(Event.status == "closed")
    events = list(session.scalars(q.order_by(Event.due_at, Event.reported_at)))
    users = _user_names(session, {e.assignee_id for e in events})
    return [EventRow(e.id, e.title, e.category, e.status, e.priority, e.reported_at, e.due_at,
                     users.get(e.assignee_id, ""), bool(e.supervised), e.location or "")
            for e in events]


def colleagues(session: Session, worker: Worker) -> list[tuple[str, str]]:
    """(user id, name) of the other users this device knows, for assign/transfer."""
    rows = session.execute(select(User.id, User.display_name).where(
        User.deleted.is_(False), User.active.is_not(False), User.id != worker.user_id)
        .order_by(User.display_name)).all()
    return [(uid, name) for uid, name in rows]


def _user_names(session: Session, ids: set[str | None]) -> dict[str, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name)
                                .where(User.id.in_(ids))).all())


def event_detail(session: Session, worker: Worker, event_id: str) -> dict[str, Any]:
    """What the event panel shows: the event's fields, its timeline, the actions allowed now,
    and the people it may be assigned or transferred to."""
    event = session.get(Event, event_id)
    if event is None or event.deleted:
        raise DomainError("not_found")
    assignee = _user_names(session, {event.assignee_id}).get(event.assignee_id or "", "")
    return {"id": event.id, "title": event.title, "description": event.description or "",
            "category": event.category, "status": event.status, "priority": event.priority,
            "location": event.location or "", "reported_at": event.reported_at,
            "due_at": event.due_at, "assignee": assignee, "supervised": bool(event.supervised),
            "photos": len(event.photos or []), "timeline": timeline(session, event_id),
            "actions": allowed_actions(worker, event), "people": colleagues(session, worker)}
