"""Online affairs on the staff's side (the console): the applications and reports a scope
sees, one application's page, the steps the handling unit takes (common/affairs.py decides;
a sign renders and stores the result PDF), file downloads (in the operation log) and the work
items waiting for a user's unit. The resident's side and the files' checks are
services/affairs.py. Never commits."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import Session

from common import affairs as af
from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import OrgNode, User

from ..db.affair_tables import AffairApplication, AffairFile
from .affair_documents import render_result
from .affairs import (ApplicationView, is_overdue, node_names, record_step, store_file,
                      view_of)
from .oplog import log_operation
from .scope import Scope


def scope_condition(scope: Scope) -> ColumnElement[bool]:
    """Applications a scope sees: those handled by its node or below, and those of residents
    living in its grids."""
    if scope.empty or not scope.path:
        return false()
    below = select(OrgNode.id).where(OrgNode.path.startswith(scope.path, autoescape=True))
    return or_(AffairApplication.node_path.startswith(scope.path, autoescape=True),
               AffairApplication.grid_id.in_(below))


LISTS = {"open": "待办理", "overdue": "已超期", "done": "已办结", "all": "全部"}


@dataclass(frozen=True)
class ListRow:
    row: AffairApplication
    state_label: str
    node_name: str
    overdue: bool


def staff_list(session: Session, scope: Scope, *, kind: str | None, which: str,
               now: dt.datetime, limit: int = 200) -> list[ListRow]:
    query = select(AffairApplication).where(scope_condition(scope))
    if kind in af.KINDS:
        query = query.where(AffairApplication.kind == kind)
    if which == "open":
        query = query.where(AffairApplication.state.in_(af.OPEN_STATES))
    elif which == "overdue":
        query = query.where(AffairApplication.state.in_(af.OPEN_STATES),
                            AffairApplication.due_at < now)
    elif which == "done":
        query = query.where(AffairApplication.state.in_((af.DONE, af.REFUSED)))
    rows = list(session.scalars(query.order_by(AffairApplication.due_at,
                                               AffairApplication.filed_at).limit(limit)))
    names = node_names(session, {r.node_id for r in rows})
    return [ListRow(r, af.STATES.get(r.state, r.state), names.get(r.node_id, ""),
                    is_overdue(r, now)) for r in rows]


def _in_scope(session: Session, scope: Scope, application_id: str) -> AffairApplication:
    row = session.get(AffairApplication, application_id) if application_id else None
    if row is None or not session.scalar(select(func.count()).select_from(
            AffairApplication).where(AffairApplication.id == row.id, scope_condition(scope))):
        raise DomainError("not_found")
    return row


def may_act(scope: Scope, row: AffairApplication) -> bool:
    """Only the handling unit's level (or above) takes steps."""
    return not scope.read_only and scope.contains_path(row.node_path)


def staff_view(session: Session, scope: Scope, application_id: str, *,
               now: dt.datetime) -> ApplicationView:
    row = _in_scope(session, scope, application_id)
    return view_of(session, row, now=now, staff=True, may_act=may_act(scope, row))


def transfer_targets(session: Session) -> list[tuple[str, str]]:
    """Units an application can be transferred to: the county, townships and grids."""
    rows = session.execute(select(OrgNode.id, OrgNode.name, OrgNode.level).where(
        OrgNode.level.in_(("county", "township", "grid")), OrgNode.deleted.is_(False))
        .order_by(OrgNode.path)).all()
    levels = {"county": "县级", "township": "乡镇", "grid": "网格"}
    return [(i, f"{levels[lvl]} · {n}") for i, n, lvl in rows]


def act(session: Session, scope: Scope, user: User, application_id: str, action: str, *,
        note: str, now: dt.datetime, target_id: str = "") -> AffairApplication:
    """A staff step on an application in scope, by the handling level: the table of
    common/affairs.py decides; a sign renders and stores the result document."""
    row = _in_scope(session, scope, application_id)
    scope.check_write()
    if not may_act(scope, row):
        raise DomainError("out_of_scope")
    after = af.step(row.kind, action, row.state, by=af.STAFF, note=note)
    target = None
    if action == "transfer":
        target = session.get(OrgNode, target_id) if target_id else None
        if target is None or target.deleted or target.level not in ("county", "township",
                                                                      "grid"):
            raise ValidationErrors([ValidationError("affair_transfer_target", "target_id")])
        if target.id == row.node_id:
            raise ValidationErrors([ValidationError("affair_transfer_same", "target_id")])
    before = row.state
    row.state, row.updated_at = after, now
    row.asked = note.strip() if action == "ask" else None
    if after in (af.DONE, af.REFUSED):
        row.closed_at = now
    if target is not None:
        row.node_id, row.node_path = target.id, target.path or ""
    step = record_step(session, row, action, before, after, actor=user, note=note, now=now)
    if action == "sign":
        names = node_names(session, {row.node_id, row.village_id})
        data = render_result(number=row.number, title=row.title, applicant=row.applicant,
                             address=row.address, village=names.get(row.village_id, ""),
                             unit=names.get(row.node_id, ""), signed_by=user.display_name,
                             filed_at=row.filed_at, signed_at=now, note=note)
        store_file(session, row, data, "application/pdf", label=f"{row.title}办理结果",
               role="result", now=now, step_id=step.id)
    return row


def staff_file(session: Session, scope: Scope, user: User, application_id: str, file_id: str,
               *, now: dt.datetime) -> AffairFile:
    """A file of an application in scope; the download is in the operation log."""
    row = _in_scope(session, scope, application_id)
    found = session.get(AffairFile, file_id) if file_id else None
    if found is None or found.application_id != row.id:
        raise DomainError("not_found")
    log_operation(session, user=user, action="export", now=now, entity="affair_files",
                  record_id=found.id, details={"application": row.number, "label": found.label})
    return found


def waiting_counts(session: Session, user: User, *, now: dt.datetime) -> dict[str, int]:
    """What waits for this user's unit (their node exactly, or below for a township office):
    open applications, open reports, and the overdue ones among them (work items)."""
    scope = Scope.of(session, user)
    if scope.empty or not scope.path:
        return {}
    rows = session.execute(select(AffairApplication.kind, AffairApplication.due_at,
                                  func.count()).where(
        AffairApplication.node_path.startswith(scope.path, autoescape=True),
        AffairApplication.state.in_((af.SUBMITTED, af.ACCEPTED, af.APPROVED)))
        .group_by(AffairApplication.kind, AffairApplication.due_at)).all()
    out: dict[str, int] = {}
    for kind, due, n in rows:
        late = due < now
        out[kind] = out.get(kind, 0) + n
        if late:
            out[f"{kind}_overdue"] = out.get(f"{kind}_overdue", 0) + n
    return out
