"""微心愿 (contract items 84 and 88): a resident posts a small wish for their village or
community; cadres whose scope holds that village see it, and so do volunteers (志愿者) of that
village or its township; one of them claims it and marks it fulfilled; the resident confirms,
and sees each step with its time and who helped (a cadre as "村（社区）干部", a volunteer by the
name staff recorded for them).

A volunteer is a resident account that staff marked as one (on the console's 微心愿 page, by
the number the volunteer signed in with): the resident pages then show them the open wishes of
their village or township. status: open → claimed → fulfilled → confirmed. A resident sees only
their own wishes; staff and volunteers see a wish's text and status, never the resident's
number. Never commits."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import false, func, literal, or_, select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError, ValidationErrors
from common.validation import check_phone
from common.masking import mask_phone
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
    helper = (f"志愿者 {names[w.volunteer_id]}" if w.volunteer_id in names else
              "村（社区）干部" if w.claimed_by else "")
    steps = [(w.created_at, "心愿已发布")]
    if w.claimed_at:
        steps.append((w.claimed_at, f"{helper}认领了心愿"))
    if w.fulfilled_at:
        steps.append((w.fulfilled_at, f"{helper}标记心愿已实现，待您确认"))
    if w.confirmed_at:
        steps.append((w.confirmed_at, "您已确认心愿实现"))
    return {"id": w.id, "title": w.title, "body": w.body or "", "status": w.status,
            "status_label": STATUS[w.status], "created_at": w.created_at,
            "village": names.get(w.village_id, ""),
            "claimed_by": names.get(w.claimed_by or "", "") or (
                f"志愿者 {names[w.volunteer_id]}" if w.volunteer_id in names else ""),
            "helper": helper, "volunteer_id": w.volunteer_id, "steps": steps}


def _names(session: Session, wishes: list[Wish]) -> dict[str, str]:
    nodes = {w.village_id for w in wishes}
    users = {w.claimed_by for w in wishes if w.claimed_by}
    helpers = {w.volunteer_id for w in wishes if w.volunteer_id}
    out = dict(session.execute(select(OrgNode.id, OrgNode.name).where(OrgNode.id.in_(nodes)))
               .all()) if nodes else {}
    if users:
        out.update(session.execute(select(User.id, User.display_name)
                                   .where(User.id.in_(users))).all())
    if helpers:  # a volunteer no longer marked keeps the name the wish showed
        out.update(session.execute(select(Resident.id, func.coalesce(
            Resident.volunteer_name, "（已退出）")).where(Resident.id.in_(helpers))).all())
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


def _move(wish: Wish, action: str, holder: str, who: str, *, now: dt.datetime) -> None:
    """A wish's one transition, for a cadre and a volunteer alike: claim an open wish for `who`
    (kept in the `holder` column), or mark fulfilled the wish `who` claimed."""
    if action == "claim" and wish.status == "open":
        wish.status, wish.claimed_at = "claimed", now
        setattr(wish, holder, who)
    elif action == "fulfil" and wish.status == "claimed" and getattr(wish, holder) == who:
        wish.status, wish.fulfilled_at = "fulfilled", now
    else:
        raise DomainError("wish_step_invalid", step={"claim": "认领", "fulfil": "标记完成"}
                          .get(action, action[:10]), status=STATUS[wish.status])


def step(session: Session, scope: Scope, user: User, wish_id: str, action: str, *,
         now: dt.datetime) -> None:
    """A cadre claims an open wish, or marks the wish they claimed fulfilled."""
    wish = session.scalar(select(Wish).where(Wish.id == wish_id, _visible(scope)))
    if wish is None:
        raise DomainError("not_found")
    _move(wish, action, "claimed_by", user.id, now=now)
    session.flush()
    log_operation(session, user=user, action=f"wish_{action}", now=now, entity="wishes",
                  record_id=wish.id)


# -- volunteers --------------------------------------------------------------------------------
NAME_MAX = 20


def _volunteer_visible(resident: Resident) -> Any:
    """The wishes a volunteer may take: of the villages under their node (a village or a
    township), never their own."""
    if not resident.volunteer_path:
        return false()
    return (Wish.village_path.startswith(resident.volunteer_path, autoescape=True)
            & (Wish.resident_id != resident.id))


def for_volunteer(session: Session, resident: Resident) -> list[dict[str, Any]]:
    """Open wishes a volunteer may claim, and the ones they claimed (newest first)."""
    if not resident.volunteer_path:
        return []
    wishes = list(session.scalars(select(Wish).where(
        _volunteer_visible(resident),
        or_(Wish.status == "open", Wish.volunteer_id == resident.id))
        .order_by(Wish.status != "open", Wish.created_at.desc()).limit(200)))
    names = _names(session, wishes)
    return [_view(w, names) for w in wishes]


def volunteer_step(session: Session, resident: Resident, wish_id: str, action: str, *,
                   now: dt.datetime) -> None:
    """A volunteer claims an open wish of their village or township, or marks the wish they
    claimed fulfilled (the same steps as a cadre's)."""
    wish = session.scalar(select(Wish).where(Wish.id == wish_id,
                                             _volunteer_visible(resident)))
    if wish is None:
        raise DomainError("not_found")
    _move(wish, action, "volunteer_id", resident.id, now=now)
    session.flush()


def volunteers_in_scope(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """The volunteers marked for nodes in the scope: name, masked number, node, since when."""
    if scope.empty:
        return []
    rows = session.execute(select(Resident, OrgNode.name).join(
        OrgNode, OrgNode.id == Resident.volunteer_node_id).where(
        Resident.volunteer_path.startswith(scope.path, autoescape=True),
        Resident.deleted_at.is_(None)).order_by(Resident.volunteer_since.desc())).all()
    return [{"id": r.id, "name": r.volunteer_name, "phone": mask_phone(r.phone or ""),
             "node": node, "since": r.volunteer_since} for r, node in rows]


def volunteer_nodes(session: Session, scope: Scope) -> list[tuple[str, str]]:
    """Villages and townships in the scope a volunteer can serve: (id, name)."""
    if scope.empty:
        return []
    return [(i, n) for i, n in session.execute(select(OrgNode.id, OrgNode.name).where(
        OrgNode.level.in_(("township", "village")), OrgNode.deleted.is_(False),
        OrgNode.path.startswith(scope.path, autoescape=True)).order_by(OrgNode.path))]


def mark_volunteer(session: Session, scope: Scope, user: User, *, phone: str, name: str,
                   node_id: str, now: dt.datetime) -> Resident:
    """Staff mark the resident account of `phone` as a volunteer of a village or township in
    their scope, under the name wishes will show."""
    errors = []
    name = (name or "").strip()
    number = ""
    try:
        number = check_phone(phone, field="phone", label="手机号码", mobile_only=True)
    except ValidationErrors as e:
        errors.extend(e.errors)
    except ValidationError as e:
        errors.append(e)
    if not name:
        errors.append(ValidationError("required", "name", label="志愿者姓名"))
    elif len(name) > NAME_MAX:
        errors.append(ValidationError("too_long", "name", label="志愿者姓名", max=NAME_MAX,
                                      length=len(name)))
    if node_id not in dict(volunteer_nodes(session, scope)):
        errors.append(ValidationError("required", "node_id", label="服务的乡镇/村社区"))
    if errors:
        raise ValidationErrors(errors)
    resident = session.scalar(select(Resident).where(Resident.phone == number,
                                                     Resident.deleted_at.is_(None)))
    if resident is None:
        raise DomainError("volunteer_no_account", "phone")
    if resident.volunteer_path and not scope.contains_path(resident.volunteer_path):
        raise DomainError("volunteer_elsewhere", "phone")
    node = session.get(OrgNode, node_id)
    resident.volunteer_name, resident.volunteer_node_id = name, node.id
    resident.volunteer_path = node.path
    resident.volunteer_since = resident.volunteer_since or now
    session.flush()
    log_operation(session, user=user, action="volunteer_mark", now=now, entity="residents",
                  record_id=resident.id)
    return resident


def unmark_volunteer(session: Session, scope: Scope, user: User, resident_id: str, *,
                     now: dt.datetime) -> None:
    """No longer a volunteer: wishes they claimed but did not fulfil go back to open."""
    resident = session.get(Resident, resident_id)
    if resident is None or not scope.contains_path(resident.volunteer_path):
        raise DomainError("not_found")
    for wish in session.scalars(select(Wish).where(Wish.volunteer_id == resident.id,
                                                   Wish.status == "claimed")):
        wish.status, wish.volunteer_id, wish.claimed_at = "open", None, None
    resident.volunteer_name = resident.volunteer_node_id = resident.volunteer_path = None
    resident.volunteer_since = None
    session.flush()
    log_operation(session, user=user, action="volunteer_unmark", now=now, entity="residents",
                  record_id=resident.id)
