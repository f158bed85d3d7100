"""A record's field-level history (who changed which fields to what, when), for the UI.

Scoped like a REST read: the record is addressed by (entity, id) together and must be in the
caller's scope; what a single REST read masks (ID numbers, 宗教信仰: every sensitive field but
phones) is masked here too (the full value leaves the server only by sync to a device holding
the record, or by a logged reveal)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.masking import mask
from common.schema import ENTITIES, User
from common.schema.fields import sensitive_fields

from ..db.sync_tables import ChangeLog
from ..db.tables import OpLog
from .scope import Scope


def record_history(session: Session, scope: Scope, entity: str, record_id: str,
                   limit: int = 200) -> list[dict[str, Any]]:
    """Newest first. Only for a record in the caller's scope (its whole history, including the
    time before it moved into this scope)."""
    model = ENTITIES.get(entity)
    row = session.get(model, record_id) if model else None
    if row is None or not scope.contains(session, row):
        raise DomainError("not_found")
    logs = session.scalars(select(ChangeLog).where(ChangeLog.entity == entity,
                                                   ChangeLog.record_id == record_id)
                           .order_by(ChangeLog.rev.desc()).limit(limit)).all()
    # As a single REST read: phones shown, the other sensitive fields masked.
    kinds = {k: kind for k, kind in sensitive_fields(model).items() if kind != "phone"}
    names = {u.id: u.display_name for u in session.scalars(
        select(User).where(User.id.in_({log.actor_id for log in logs if log.actor_id})))}
    sources = _sources(session, entity, record_id)
    return [{"rev": log.rev, "at": log.at.isoformat(), "actor_id": log.actor_id,
             "actor_name": names.get(log.actor_id), "device_id": log.device_id,
             "values": _masked(kinds, log.values),
             "old_values": _masked(kinds, log.old_values),
             "source": sources.get((log.at, log.actor_id))} for log in logs]


def _sources(session: Session, entity: str, record_id: str) -> dict[tuple, dict[str, Any]]:
    """Where written values came from when they were not typed in (a batch import's file, row
    and uploader: services/imports), from the operation log line of the same write."""
    out = {}
    for at, user_id, details in session.execute(select(OpLog.at, OpLog.user_id, OpLog.details)
                                                .where(OpLog.entity == entity,
                                                       OpLog.record_id == record_id,
                                                       OpLog.action.in_(("create", "update")))):
        if isinstance(details, dict) and details.get("source"):
            out[(at, user_id)] = details["source"]
    return out


def _masked(kinds: dict[str, str], values: dict[str, Any] | None) -> dict[str, Any]:
    return {k: mask(kinds.get(k), v) for k, v in (values or {}).items()}


__all__ = ["record_history"]
