"""The operation log (操作明细): who did what to which record, when. Written in the caller's
transaction, so a refused write leaves no entry."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import User
from common.sync.messages import LocalLogEntry

from ..db.tables import OpLog

ACTIONS = ("create", "update", "delete", "reveal_id_number", "reveal", "export", "login", "login_failed",
           "import_preview", "import_submit", "import_review", "affair", "affair_service")
ACTION_LABELS = {"create": "新建", "update": "修改", "delete": "删除", "move": "移动",
                 "reveal_id_number": "查看身份证号", "reveal": "查看明文", "export": "导出",
                 "login": "登录", "login_failed": "登录失败", "import_preview": "导入预览",
                 "import_submit": "提交导入审核", "import_review": "导入审核",
                 "affair": "网上办事办理", "affair_service": "办事事项配置"}
BEIJING = dt.timezone(dt.timedelta(hours=8))
"""The time pages show and read (the log stores naive UTC)."""


def shown_time(at: dt.datetime) -> str:
    """A stored time (naive UTC) as Beijing time, to the second."""
    return at.replace(tzinfo=dt.UTC).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def day_start(day: dt.date) -> dt.datetime:
    """The start of a Beijing day as stored time (naive UTC)."""
    start = dt.datetime.combine(day, dt.time(), BEIJING)
    return start.astimezone(dt.UTC).replace(tzinfo=None)


def log_operation(session: Session, *, user: User | None, action: str, now: dt.datetime,
                  entity: str | None = None, record_id: str | None = None,
                  details: dict[str, Any] | None = None) -> OpLog:
    entry = OpLog(at=now, user_id=user.id if user else None,
                  username=user.username if user else None, action=action, entity=entity,
                  record_id=record_id, details=details or {})
    session.add(entry)
    return entry


DEVICE_ACTIONS = frozenset({"reveal", "reveal_id_number", "export"})
"""The local log lines a desktop client sends up (its edits reach the server as changes)."""


def store_device_lines(session: Session, user: User, device_id: str,
                       lines: Sequence[LocalLogEntry]) -> int | None:
    """Store a device's local log lines (reveals, exports) in the operation log under the
    signed-in user, with the device and the original time. A line already stored (a retried
    sync) is not stored again; a line of another user, of an unknown action or with an
    unreadable time is skipped. Returns the highest line number now settled (None: none)."""
    if not lines:
        return None
    seqs = [line.seq for line in lines]
    held = set(session.scalars(select(OpLog.device_seq).where(
        OpLog.device_id == device_id, OpLog.device_seq.in_(seqs))))
    for line in sorted(lines, key=lambda x: x.seq):
        if line.seq in held or line.action not in DEVICE_ACTIONS:
            continue
        if line.user_id and line.user_id != user.id:
            continue
        try:
            at = dt.datetime.fromisoformat(line.at)
        except ValueError:
            continue
        if at.tzinfo is not None:
            at = at.astimezone(dt.UTC).replace(tzinfo=None)
        held.add(line.seq)
        session.add(OpLog(at=at, user_id=user.id, username=user.username, action=line.action,
                          entity=line.entity, record_id=line.record_id,
                          details={**line.detail, "source": "desktop"}, device_id=device_id,
                          device_seq=line.seq))
    session.flush()
    return max(seqs)
