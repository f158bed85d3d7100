"""What the sync page shows and does besides syncing: last success, what waits to be sent,
changes the server refused (with its reasons), and conflicts to resolve side by side.

Reads run on a reader thread, resolutions on the writer thread (desktop/tasks.py); no Qt.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.dictionaries import label
from common.schema import ENTITIES
from common.sync.messages import CONFLICTS
from desktop.storage import conflicts, outbox
from desktop.storage.tables import Conflict, OutboxEntry, Quarantined, SyncState

_DESCRIBE = ("name", "display_name", "title", "door_plate", "household_no", "username")
"""Columns that name a record for people, tried in order."""


@dataclass(frozen=True)
class ConflictView:
    id: str
    entity_label: str
    record: str  # the record's name for people ("张秀英", "幸福路12号")
    field_label: str
    mine: str  # the overwritten value, shown
    theirs: str  # the value that stands now, shown
    mine_is_me: bool  # the overwritten value was this user's
    raw_field: str
    created_at: dt.datetime


@dataclass(frozen=True)
class RefusedView:
    change_id: str
    entity_label: str
    record: str
    reason: str
    refused_at: dt.datetime


@dataclass(frozen=True)
class SyncStatus:
    last_sync_at: dt.datetime | None
    pending: int
    pending_by_entity: list[tuple[str, int]] = field(default_factory=list)
    refused: list[RefusedView] = field(default_factory=list)
    conflicts: list[ConflictView] = field(default_factory=list)
    server_url: str | None = None


@dataclass(frozen=True)
class SyncSummary:
    """The few figures the status bar and the home page show (cheap: counts only)."""

    last_sync_at: dt.datetime | None
    pending: int
    conflicts: int
    refused: int


def summary(session: Session) -> SyncSummary:
    state = session.get(SyncState, 1)
    conflicts = session.scalar(select(func.count()).select_from(Conflict)
                               .where(Conflict.resolved.is_(False))) or 0
    refused = session.scalar(select(func.count()).select_from(Quarantined)) or 0
    return SyncSummary(state.last_sync_at if state else None, outbox.pending_count(session),
                       conflicts, refused)


def status(session: Session, *, user_id: str | None = None) -> SyncStatus:
    state = session.get(SyncState, 1)
    by_entity = session.execute(select(OutboxEntry.entity, func.count())
                                .group_by(OutboxEntry.entity)).all()
    refused = [RefusedView(q.change_id, _entity_label(q.entity),
                           _describe(session, q.entity, q.record_id), q.reason, q.refused_at)
               for q in outbox.quarantined(session)]
    views = []
    for c in conflicts.list_conflicts(session):
        entity = ENTITIES.get(c.entity)
        col = entity.__table__.columns.get(c.field) if entity is not None else None
        views.append(ConflictView(
            c.id, _entity_label(c.entity), _describe(session, c.entity, c.record_id),
            (col.info.get("label") if col is not None else None) or c.field,
            show_value(col, c.loser_value), show_value(col, c.winner_value),
            bool(user_id) and c.loser_actor == user_id, c.field, c.created_at))
    return SyncStatus(state.last_sync_at if state else None, outbox.pending_count(session),
                      [(_entity_label(e), n) for e, n in by_entity], refused, views,
                      state.server_url if state else None)


def resolve(session: Session, conflict_id: str, choice: str, *, now: dt.datetime,
            value: Any = None) -> None:
    """`choice`: "restore" (keep mine: the overwritten value returns), "accept" (take theirs),
    "other" (`value` replaces both)."""
    conflicts.resolve_conflict(session, conflict_id, choice, now=now, value=value)


def retry_refused(session: Session, change_id: str, *, now: dt.datetime) -> None:
    outbox.retry_quarantined(session, change_id, now=now)


def discard_refused(session: Session, change_id: str) -> None:
    outbox.discard_quarantined(session, change_id)


def show_value(column: Any, value: Any) -> str:
    """A stored value as people read it: dictionary labels, 是/否, blank as （空）."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    code = column.info.get("dict") if column is not None else None
    if code and isinstance(value, str):
        return label(code, value) or value
    return str(value)


def _entity_label(name: str) -> str:
    """The Chinese name of a synced table; never the internal one (e.g. "_conflicts")."""
    if name == CONFLICTS:
        return "冲突处理结果"
    entity = ENTITIES.get(name)
    return getattr(entity, "__label__", "") or "其他数据"


def _describe(session: Session, name: str, record_id: str) -> str:
    entity = ENTITIES.get(name)
    row = session.get(entity, record_id) if entity is not None else None
    if row is None:
        return record_id[:8]
    for col in _DESCRIBE:
        value = getattr(row, col, None)
        if value:
            return str(value)
    return record_id[:8]
