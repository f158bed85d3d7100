"""Notices and news for residents (通知公告, contract items 73 and 85): county and township staff
publish to a node of their scope (the county, a township, a village or a grid); a resident sees
what is published to the county and to the township, village and grid of their registered
address. Never commits."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import OrgNode, User

from ..db.resident_tables import Notice, Resident
from .oplog import log_operation
from .resident_reports import grid_for
from .scope import Scope

TITLE_MAX = 100
BODY_MAX = 2000


def targets(session: Session, scope: Scope) -> list[tuple[str, str]]:
    """Nodes of the scope a notice can go to, as (id, indented name), in tree order."""
    rows = session.execute(select(OrgNode.id, OrgNode.name, OrgNode.level, OrgNode.path).where(
        OrgNode.deleted.is_(False), scope.condition(OrgNode)).order_by(OrgNode.path)).all()
    depth = {"county": 0, "township": 1, "village": 2, "grid": 3}
    return [(i, "　" * depth.get(level, 0) + name) for i, name, level, _ in rows]


def publish(session: Session, scope: Scope, user: User, *, title: str, body: str,
            target_node_id: str, now: dt.datetime) -> Notice:
    errors = []
    title, body = (title or "").strip(), (body or "").strip()
    for field, value, label, limit in (("title", title, "标题", TITLE_MAX),
                                       ("body", body, "内容", BODY_MAX)):
        if not value:
            errors.append(ValidationError("required", field, label=label))
        elif len(value) > limit:
            errors.append(ValidationError("too_long", field, label=label, max=limit,
                                          length=len(value)))
    node = session.get(OrgNode, target_node_id) if target_node_id else None
    if node is None or node.deleted or not scope.contains_path(node.path):
        errors.append(ValidationError("required", "target_node_id", label="发布范围"))
    if errors:
        raise ValidationErrors(errors)
    notice = Notice(id=str(uuid.uuid4()), title=title, body=body, target_node_id=node.id,
                    target_path=node.path, published_at=now, published_by=user.id,
                    withdrawn=False)
    session.add(notice)
    session.flush()
    log_operation(session, user=user, action="create", now=now, entity="notices",
                  record_id=notice.id, details={"target": node.name})
    return notice


def withdraw(session: Session, scope: Scope, user: User, notice_id: str, *,
             now: dt.datetime) -> None:
    notice = session.get(Notice, notice_id)
    if notice is None or not scope.contains_path(notice.target_path):
        raise DomainError("not_found")
    notice.withdrawn = True
    session.flush()
    log_operation(session, user=user, action="update", now=now, entity="notices",
                  record_id=notice.id, details={"withdrawn": True})


def for_staff(session: Session, scope: Scope) -> list[dict[str, Any]]:
    names = dict(session.execute(select(OrgNode.id, OrgNode.name)).all())
    return [{"id": n.id, "title": n.title, "body": n.body, "published_at": n.published_at,
             "target": names.get(n.target_node_id, ""), "withdrawn": n.withdrawn}
            for n in session.scalars(select(Notice).where(
                Notice.target_path.startswith(scope.path or "\0", autoescape=True))
                .order_by(Notice.published_at.desc()).limit(200))]


def for_resident(session: Session, resident: Resident, *, limit: int = 50) -> list[Notice]:
    """Published to the county, or to a node on the path of the resident's address's grid."""
    path = ""
    if resident.village_id and resident.address:
        try:
            path = grid_for(session, resident.village_id, resident.address).path
        except DomainError:
            path = ""
    prefixes = {path[:i + 1] for i, c in enumerate(path) if c == "/"} if path else set()
    counties = set(session.scalars(select(OrgNode.path).where(OrgNode.level == "county",
                                                              OrgNode.deleted.is_(False))))
    wanted = prefixes | counties
    return list(session.scalars(select(Notice).where(
        Notice.withdrawn.is_(False), Notice.target_path.in_(wanted))
        .order_by(Notice.published_at.desc()).limit(limit)))
