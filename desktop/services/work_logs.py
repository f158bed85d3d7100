"""Work log (工作日志): one entry per person per day, back-filling allowed and marked, and the
per-person statistics (days filled, days missed, total entries, back-filled entries).

A day's entry has a deterministic id (user, date): written on two devices offline, it merges as
one record instead of two logs for the same day. Functions take the caller's Session and never
commit (desktop/tasks.py commits on the writer thread).
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError
from common.schema import User, WorkLog
from desktop.storage.changes import record_change

from .work_context import Worker, default_grid

_NS = uuid.UUID("0b9a3c1e-5d0a-4f3e-8f57-3c8f0b3b2a44")


def log_id(user_id: str, day: dt.date) -> str:
    return str(uuid.uuid5(_NS, f"{user_id}/{day.isoformat()}"))


def write_log(session: Session, worker: Worker, day: dt.date, content: str, *,
              now: dt.datetime, replace: bool = False, today: dt.date | None = None) -> str:
    """Write the day's entry; a day before today is marked back-filled. An existing entry is
    refused unless `replace` (editing keeps the back-fill mark it was written with)."""
    today = today or now.date()  # the caller's local day when the clock is UTC
    content = (content or "").strip()
    if not content:
        raise ValidationError("required", "content", label="工作内容")
    if day > today:
        raise DomainError("worklog_future", date=day.isoformat())
    rid = log_id(worker.user_id, day)
    existing = session.get(WorkLog, rid)
    if existing is not None and not existing.deleted:
        if not replace:
            raise DomainError("worklog_exists", date=day.isoformat())
        return record_change(session, WorkLog, rid, {"content": content}, now=now).id
    return record_change(session, WorkLog, rid, {
        "user_id": worker.user_id, "log_date": day, "content": content,
        "backfilled": day < today, "grid_id": default_grid(session, worker)},
        now=now).id


def logs_for(session: Session, user_id: str, start: dt.date, end: dt.date) -> list[WorkLog]:
    return list(session.scalars(select(WorkLog).where(
        WorkLog.user_id == user_id, WorkLog.deleted.is_(False), WorkLog.log_date >= start,
        WorkLog.log_date <= end).order_by(WorkLog.log_date.desc())))


@dataclass(frozen=True)
class LogStats:
    user_id: str
    name: str
    days_filled: int
    days_missed: int
    total: int
    backfilled: int


def statistics(session: Session, start: dt.date, end: dt.date, *, today: dt.date
               ) -> list[LogStats]:
    """Per person over [start, end] (days after today are not yet missed): every active user
    this device knows, plus anyone who wrote a log in the period."""
    last = min(end, today)
    span = max(0, (last - start).days + 1)
    logs = session.execute(select(WorkLog.user_id, WorkLog.log_date, WorkLog.backfilled).where(
        WorkLog.deleted.is_(False), WorkLog.log_date >= start, WorkLog.log_date <= end)).all()
    users = dict(session.execute(select(User.id, User.display_name).where(
        User.deleted.is_(False), User.active.is_not(False))).all())
    per: dict[str, list] = {uid: [] for uid in users}
    for uid, day, back in logs:
        per.setdefault(uid, []).append((day, back))
    out = []
    for uid, rows in per.items():
        days = {d for d, _ in rows}
        filled_so_far = sum(1 for d in days if d <= last)
        out.append(LogStats(uid, users.get(uid, "未知用户"), len(days), span - filled_so_far,
                            len(rows), sum(1 for _, b in rows if b)))
    return sorted(out, key=lambda s: (-s.days_filled, s.days_missed, s.name))


def entry_for(session: Session, user_id: str, day: dt.date) -> str | None:
    """The content of the user's entry for that day, if written."""
    row = session.get(WorkLog, log_id(user_id, day))
    return None if row is None or row.deleted else row.content
