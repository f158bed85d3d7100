"""接诉即办 for staff on the web console: the lists (pending, in handling, assigned to me,
supervised, dissatisfied, due today, overdue, closed, all) in the user's scope, an event's
detail with its whole history, the actions a role may take (common/events.py, the same rules
as the desktop client) written through the one door of synced writes
(authorize_and_validate, then apply_change, so devices receive them at their next sync), and
the county's time limits per category. Never commits."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from common.dictionaries import label as dict_label
from common.errors import DomainError, ValidationError, ValidationErrors
from common.events import NEEDS_NOTE, NEEDS_TARGET, allowed_actions, effect
from common.masking import mask_phone
from common.schema import Event, EventAction, User, new_id

from ..db.resident_tables import EventTimeLimit
from .authorize import authorize_and_validate
from .changes import apply_change
from .oplog import log_operation
from .resident_reports import DEFAULT_LIMIT_DAYS, TIME_LIMIT_DAYS, categories
from .scope import Scope

LISTS = (("pending", "待受理"), ("handling", "办理中"), ("mine", "我的待办"),
         ("supervised", "督办"), ("dissatisfied", "不满意"), ("due_today", "今日到期"),
         ("overdue", "已超期"), ("closed", "已办结"), ("all", "全部"))
LOCAL_OFFSET = dt.timedelta(hours=8)  # the county's day (China Standard Time); times are UTC
POSTPONE_MAX_DAYS = 30
NOTE_MAX = 500
LIMIT_MAX_DAYS = 365


def day_end(now: dt.datetime) -> dt.datetime:
    """The end of the county's day holding `now` (UTC in, UTC out)."""
    local = now + LOCAL_OFFSET
    return dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time()) - LOCAL_OFFSET


def _condition(which: str, user: User, now: dt.datetime) -> Any:
    open_ = Event.status != "closed"
    return {
        "pending": Event.status == "pending",
        "handling": Event.status.in_(("handling", "assigned")),
        "mine": and_(open_, Event.assignee_id == user.id),
        "supervised": and_(open_, Event.supervised.is_(True)),
        "dissatisfied": Event.satisfaction == "dissatisfied",
        "due_today": and_(open_, Event.due_at >= now, Event.due_at < day_end(now)),
        "overdue": and_(open_, Event.due_at < now),
        "closed": Event.status == "closed",
        "all": Event.id.is_not(None),
    }[which]


def check_list(which: str) -> str:
    if which not in dict(LISTS):
        raise DomainError("not_found")
    return which


def counts(session: Session, scope: Scope, user: User, now: dt.datetime) -> dict[str, int]:
    base = (Event.deleted.is_(False), scope.condition(Event))
    return {k: session.scalar(select(func.count()).select_from(Event).where(
        *base, _condition(k, user, now))) or 0 for k, _ in LISTS}


def _names(session: Session, ids: set[str | None]) -> dict[str, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def list_events(session: Session, scope: Scope, user: User, which: str, *, now: dt.datetime,
                page: int = 1, per_page: int = 50) -> tuple[list[dict[str, Any]], int]:
    """One list's events in scope with the total: open work the most urgent first (due
    soonest), the closed, dissatisfied and full lists the newest first."""
    cond = (Event.deleted.is_(False), scope.condition(Event), _condition(check_list(which),
                                                                         user, now))
    total = session.scalar(select(func.count()).select_from(Event).where(*cond)) or 0
    order = ((Event.reported_at.desc(), Event.id) if which in ("closed", "dissatisfied", "all")
             else (Event.due_at.is_(None), Event.due_at, Event.reported_at.desc(), Event.id))
    rows = list(session.scalars(select(Event).where(*cond).order_by(*order)
                                .limit(per_page).offset((max(page, 1) - 1) * per_page)))
    names = _names(session, {e.assignee_id for e in rows})
    return [_row(e, names, now) for e in rows], total


def _row(e: Event, names: dict[str, str], now: dt.datetime) -> dict[str, Any]:
    return {"id": e.id, "title": e.title,
            "category": dict_label("event_category", e.category) or e.category,
            "source": dict_label("event_source", e.source) or e.source,
            "status": dict_label("event_status", e.status) or e.status,
            "priority": dict_label("priority", e.priority) or e.priority,
            "reported_at": e.reported_at, "due_at": e.due_at,
            "overdue": e.status != "closed" and e.due_at is not None and e.due_at < now,
            "assignee": names.get(e.assignee_id or "", ""), "supervised": bool(e.supervised),
            "dissatisfied": e.satisfaction == "dissatisfied", "location": e.location or ""}


def get_event(session: Session, scope: Scope, event_id: str) -> Event:
    event = session.get(Event, event_id)
    if event is None or event.deleted or not scope.contains(session, event):
        raise DomainError("not_found")
    return event


def colleagues(session: Session, scope: Scope, user: User) -> list[tuple[str, str]]:
    """Active accounts in scope an event can be assigned or transferred to."""
    return [(i, f"{n}（{u}）") for i, n, u in session.execute(
        select(User.id, User.display_name, User.username).where(
            User.deleted.is_(False), User.active.is_(True), User.id != user.id,
            scope.condition(User)).order_by(User.display_name))]


def event_detail(session: Session, scope: Scope, user: User, event_id: str, *,
                 now: dt.datetime) -> dict[str, Any]:
    """The event, its whole history (who, what, when, notes; a resident's steps as 居民), the
    actions the user's role may take now and who it can go to."""
    event = get_event(session, scope, event_id)
    steps = list(session.scalars(select(EventAction).where(
        EventAction.event_id == event.id, EventAction.deleted.is_(False))
        .order_by(EventAction.acted_at, EventAction.created_at)))
    names = _names(session, {s.actor_id for s in steps} | {s.target_id for s in steps}
                   | {event.assignee_id})
    history = [{"at": event.reported_at, "action": "上报", "actor": event.reporter_name or "",
                "target": "", "note": event.description or ""}]
    for s in steps:
        history.append({"at": s.acted_at, "action": dict_label("event_action", s.action)
                        or s.action, "actor": names.get(s.actor_id, "居民"),
                        "target": names.get(s.target_id or "", ""), "note": s.note or ""})
    return {**_row(event, names, now), "description": event.description or "",
            "reporter_name": event.reporter_name or "",
            "reporter_phone": mask_phone(event.reporter_phone) or "",
            "photos": len(event.photos or []), "history": history,
            "actions": [(a, dict_label("event_action", a)) for a in
                        allowed_actions(user.role, event.status, bool(event.supervised))],
            "people": colleagues(session, scope, user), "needs_target": sorted(NEEDS_TARGET),
            "satisfaction": dict_label("satisfaction", event.satisfaction) or ""}


def act(session: Session, scope: Scope, user: User, event_id: str, action: str, *,
        note: str = "", target_id: str = "", postpone_days: str = "",
        now: dt.datetime) -> EventAction:
    """One step on an event: checked against the role's rules, the step and the event's
    change written as synced records (the devices of the grid receive both)."""
    event = get_event(session, scope, event_id)
    if event.status == "closed":
        raise DomainError("event_closed")
    if action not in allowed_actions(user.role, event.status, bool(event.supervised)):
        raise DomainError("event_action_not_allowed",
                          action=dict_label("event_action", action) or action[:16])
    note = (note or "").strip()
    errors = []
    if action in NEEDS_NOTE and not note:
        errors.append(ValidationError("required", "note", label="答复内容"
                                      if action == "close" else "延期原因"))
    if len(note) > NOTE_MAX:
        errors.append(ValidationError("too_long", "note", label="处置意见", max=NOTE_MAX,
                                      length=len(note)))
    days = 0
    if action == "postpone":
        try:
            days = int((postpone_days or "").strip())
        except ValueError:
            days = 0
        if not 1 <= days <= POSTPONE_MAX_DAYS:
            errors.append(ValidationError("hotline_postpone_days", "postpone_days",
                                          label="延期天数", max=POSTPONE_MAX_DAYS))
    target = None
    if action in NEEDS_TARGET:
        if target_id not in dict(colleagues(session, scope, user)):
            errors.append(ValidationError("required", "target_id", label="转交对象"))
        else:
            target = target_id
    if errors:
        raise ValidationErrors(errors)
    changes = effect(action, status=event.status, assignee_id=event.assignee_id,
                     priority=event.priority, due_at=event.due_at, actor_id=user.id,
                     now=now, target_id=target, postpone_days=days)
    if changes:
        checked = authorize_and_validate(session, scope, Event, event.id, changes,
                                         user_id=user.id).values
        apply_change(session, Event, event.id, checked, now=now, actor_id=user.id)
    step_values = authorize_and_validate(session, scope, EventAction, None, {
        "event_id": event.id, "action": action, "actor_id": user.id, "target_id": target,
        "note": note or None, "acted_at": now, "grid_id": event.grid_id},
        user_id=user.id).values
    step = apply_change(session, EventAction, new_id(), step_values, now=now, actor_id=user.id)
    log_operation(session, user=user, action=f"event_{action}", now=now, entity="events",
                  record_id=event.id, details={"target_id": target, "days": days or None})
    return step


# -- time limits per category (a county setting) -----------------------------------------------
def time_limits(session: Session) -> dict[str, int]:
    """Days to answer, by category: the county's setting over the defaults."""
    limits = {c: TIME_LIMIT_DAYS.get(c, DEFAULT_LIMIT_DAYS) for c, _ in categories(session)}
    limits.update({r.category: r.days for r in session.scalars(select(EventTimeLimit))})
    return limits


def save_time_limits(session: Session, user: User, values: dict[str, str], *,
                     now: dt.datetime) -> dict[str, int]:
    known = dict(categories(session))
    errors, clean = [], {}
    for code, label in known.items():
        raw = (values.get(code) or "").strip()
        try:
            days = int(raw)
        except ValueError:
            days = 0
        if not 1 <= days <= LIMIT_MAX_DAYS:
            errors.append(ValidationError("hotline_limit_days", code, label=label,
                                          max=LIMIT_MAX_DAYS, value=raw[:10]))
        clean[code] = days
    if errors:
        raise ValidationErrors(errors)
    for code, days in clean.items():
        row = session.get(EventTimeLimit, code)
        if row is None:
            session.add(EventTimeLimit(category=code, days=days, updated_at=now,
                                       updated_by=user.id))
        elif row.days != days:
            row.days, row.updated_at, row.updated_by = days, now, user.id
    session.flush()
    log_operation(session, user=user, action="update", now=now, entity="event_time_limits",
                  details=clean)
    return clean
