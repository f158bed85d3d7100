"""微心愿 (contract items 84 and 88): a resident posts a small wish for their village or
community; cadres whose scope holds that village see it, one claims it and marks it fulfilled;
the resident confirms (the grid workers of the village's grids see it too).
status: open → claimed → fulfilled → confirmed. A resident sees only
their own wishes; staff see a wish's text and status, never the resident's number. Never
commits."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import false, func, literal, or_, select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import OrgNode, User

from ..db.resident_tables import Resident, Wish
from . import locks
from .oplog import log_operation
from .resident_reports import places
from .scope import Scope

STATUS = {"open": "待认领", "claimed": "已认领", "fulfilled": "已完成，待确认",
          "confirmed": "已确认"}
TITLE_MAX = 60
BODY_MAX = 300
OPEN_MAX = 3  # wishes a resident may have under way at once


def post(session: Session, resident: Resident, *, title: str, body: str, village_id: str,
         now: dt.datetime) -> Wish:
    errors = []
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        errors.append(ValidationError("required", "title", label="心愿"))
    elif len(title) > TITLE_MAX:
        errors.append(ValidationError("too_long", "title", label="心愿", max=TITLE_MAX,
                                      length=len(title)))
    if len(body) > BODY_MAX:
        errors.append(ValidationError("too_long", "body", label="说明", max=BODY_MAX,
                                      length=len(body)))
    if village_id not in dict(places(session)):
        errors.append(ValidationError("required", "village_id", label="所在村/社区"))
    if errors:
        raise ValidationErrors(errors)
    locks.hold(session, f"wish:{resident.id}")
    under_way = session.scalar(select(func.count()).where(
        Wish.resident_id == resident.id, Wish.status != "confirmed")) or 0
    if under_way >= OPEN_MAX:
        raise DomainError("wish_limit", "title", max=OPEN_MAX)
    village = session.get(OrgNode, village_id)
    wish = Wish(id=str(uuid.uuid4()), resident_id=resident.id, title=title, body=body or None,
                village_id=village.id, village_path=village.path, status="open",
                created_at=now)
    session.add(wish)
    session.flush()
    return wish


def _view(w: Wish, names: dict[str, str]) -> dict[str, Any]:
    return {"id": w.id, "title": w.title, "body": w.body or "", "status": w.status,
            "status_label": STATUS[w.status], "created_at": w.created_at,
            "village": names.get(w.village_id, ""), "claimed_by": names.get(w.claimed_by or "",
                                                                            "")}


def _names(session: Session, wishes: list[Wish]) -> dict[str, str]:
    nodes = {w.village_id for w in wishes}
    users = {w.claimed_by for w in wishes if w.claimed_by}
    out = dict(session.execute(select(OrgNode.id, OrgNode.name).where(OrgNode.id.in_(nodes)))
               .all()) if nodes else {}
    if users:
        out.update(session.execute(select(User.id, User.display_name)
                                   .where(User.id.in_(users))).all())
    return out


def mine(session: Session, resident: Resident) -> list[dict[str, Any]]:
    wishes = list(session.scalars(select(Wish).where(Wish.resident_id == resident.id)
                                  .order_by(Wish.created_at.desc())))
    return [_view(w, _names(session, wishes)) for w in wishes]


def confirm(session: Session, resident: Resident, wish_id: str, *, now: dt.datetime) -> None:
    wish = session.get(Wish, wish_id)
    if wish is None or wish.resident_id != resident.id:
        raise DomainError("not_found")
    if wish.status != "fulfilled":
        raise DomainError("wish_step_invalid", step="确认完成", status=STATUS[wish.status])
    wish.status, wish.confirmed_at = "confirmed", now
    session.flush()


def _visible(scope: Scope) -> Any:
    """Wishes of the villages in the scope, and of the village holding a grid worker's grid."""
    if scope.empty:
        return false()
    return or_(Wish.village_path.startswith(scope.path, autoescape=True),
               literal(scope.path).startswith(Wish.village_path))


def in_scope(session: Session, scope: Scope) -> list[dict[str, Any]]:
    wishes = list(session.scalars(select(Wish).where(_visible(scope))
        .order_by(Wish.status != "open", Wish.created_at.desc()).limit(500)))
    names = _names(session, wishes)
    return [_view(w, names) for w in wishes]


def step(session: Session, scope: Scope, user: User, wish_id: str, action: str, *,
         now: dt.datetime) -> None:
    """A cadre claims an open wish, or marks the wish they claimed fulfilled."""
    wish = session.scalar(select(Wish).where(Wish.id == wish_id, _visible(scope)))
    if wish is None:
        raise DomainError("not_found")
    if action == "claim" and wish.status == "open":
        wish.status, wish.claimed_by, wish.claimed_at = "claimed", user.id, now
    elif action == "fulfil" and wish.status == "claimed" and wish.claimed_by == user.id:
        wish.status, wish.fulfilled_at = "fulfilled", now
    else:
        raise DomainError("wish_step_invalid", step={"claim": "认领", "fulfil": "标记完成"}
                          .get(action, action[:10]), status=STATUS[wish.status])
    session.flush()
    log_operation(session, user=user, action=f"wish_{action}", now=now, entity="wishes",
                  record_id=wish.id)
