"""The operation log (操作明细): who did what to which record, when. Written in the caller's
transaction, so a refused write leaves no entry."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from common.schema import User

from ..db.tables import OpLog

ACTIONS = ("create", "update", "delete", "reveal_id_number", "reveal", "export", "login", "login_failed")


def log_operation(session: Session, *, user: User | None, action: str, now: dt.datetime,
                  entity: str | None = None, record_id: str | None = None,
                  details: dict[str, Any] | None = None) -> OpLog:
    entry = OpLog(at=now, user_id=user.id if user else None,
                  username=user.username if user else None, action=action, entity=entity,
                  record_id=record_id, details=details or {})
    session.add(entry)
    return entry
