"""The home page's figures (首页): counts for the scope, visits due, open events, sync state."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from common.schema import (Event, Household, House, Organisation, Person, PersonTag,
                           VisitTask)
from desktop.storage.tables import OutboxEntry, SyncState

from .people_index import fresh_index


@dataclass(frozen=True)
class HomeFigures:
    people: int
    households: int
    houses: int
    organisations: int
    tagged_people: int
    visits_due_today: int
    visits_overdue: int
    open_events: int
    last_sync_at: dt.datetime | None
    pending_changes: int


def _count(session: Session, stmt) -> int:  # noqa: ANN001
    return session.execute(stmt).scalar_one() or 0


def home_figures(session: Session, *, today: dt.date) -> HomeFigures:
    """Every figure of the home page in one read (a handful of indexed counts)."""
    alive = (Person.deleted.is_(False), Person.status == "normal")
    open_task = (VisitTask.deleted.is_(False), VisitTask.status == "open")
    state = session.get(SyncState, 1)
    return HomeFigures(
        people=_count(session, select(func.count()).select_from(Person).where(*alive)),
        households=_count(session, select(func.count()).select_from(Household)
                          .where(Household.deleted.is_(False))),
        houses=_count(session, select(func.count()).select_from(House)
                      .where(House.deleted.is_(False))),
        organisations=_count(session, select(func.count()).select_from(Organisation)
                             .where(Organisation.deleted.is_(False))),
        tagged_people=_count(session, select(func.count(distinct(PersonTag.person_id)))
                             .where(PersonTag.deleted.is_(False))),
        visits_due_today=_count(session, select(func.count()).select_from(VisitTask)
                                .where(*open_task, VisitTask.due_date == today)),
        visits_overdue=_count(session, select(func.count()).select_from(VisitTask)
                              .where(*open_task, VisitTask.due_date < today)),
        open_events=_count(session, select(func.count()).select_from(Event)
                           .where(Event.deleted.is_(False), Event.status != "closed")),
        last_sync_at=state.last_sync_at if state else None,
        pending_changes=_count(session, select(func.count()).select_from(OutboxEntry)),
    )


def tag_counts(session: Session) -> dict[str, int]:
    """Living people per tag (for the home page's group list)."""
    index = fresh_index(session)
    if index is not None:
        return index.tag_counts()
    living = select(Person.id).where(Person.status == "normal", Person.deleted.is_(False))
    return dict(session.execute(
        select(PersonTag.tag_code, func.count(distinct(PersonTag.person_id)))
        .where(PersonTag.deleted.is_(False), PersonTag.person_id.in_(living))
        .group_by(PersonTag.tag_code)).all())


@dataclass(frozen=True)
class TodayItem:
    """One line of the home page's to-do lists: what, whom or where, when, how late."""

    id: str
    title: str
    due: dt.date | None
    days_late: int


def today_work(session: Session, *, today: dt.date,
               limit: int = 12) -> tuple[list[TodayItem], list[TodayItem]]:
    """What needs doing now: open visit tasks due today or overdue, and open events whose
    deadline is today, tomorrow or past — the most overdue first, `limit` of each."""
    tasks = session.execute(
        select(VisitTask.id, VisitTask.title, VisitTask.due_date)
        .where(VisitTask.deleted.is_(False), VisitTask.status == "open",
               VisitTask.due_date <= today)
        .order_by(VisitTask.due_date, VisitTask.title).limit(limit)).all()
    horizon = dt.datetime.combine(today + dt.timedelta(days=2), dt.time())
    events = session.execute(
        select(Event.id, Event.title, Event.due_at)
        .where(Event.deleted.is_(False), Event.status != "closed", Event.due_at.is_not(None),
               Event.due_at < horizon)
        .order_by(Event.due_at).limit(limit)).all()
    return ([TodayItem(i, t, d, max(0, (today - d).days)) for i, t, d in tasks],
            [TodayItem(i, t, d.date(), max(0, (today - d.date()).days))
             for i, t, d in events])
