"""申请与审核 on the device: file a claim (offline too), withdraw my requests, decide the ones my
level is assigned, and list both. The state machine is common/workflows.py, asked here before a
change is written and enforced again by the server on the sync push; the server fills what the
device cannot know (the person's current grid, the assignee) and writes the history. Runs on the
writer (changes) or a reader thread (lists)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from common import workflows as wf
from common.errors import DomainError
from common.masking import mask
from common.schema import OrgNode, Person, User, WorkRequest, WorkRequestAction
from common.validation import parse_id_number
from desktop.storage.changes import record_change
from desktop.storage.tables import Quarantined

from .records import log_operation
from .work_context import Worker, default_grid


def _within(session: Session, worker: Worker, node_id: str | None) -> bool:
    """The node is the worker's own scope node or below it (their level covers it)."""
    if not node_id or not worker.scope_node_id:
        return False
    node = session.get(OrgNode, node_id)
    return node is not None and f"/{worker.scope_node_id}/" in (node.path or "")


def file_claim(session: Session, worker: Worker, id_number: str, reason: str | None, *,
               now: dt.datetime, grid_id: str | None = None) -> WorkRequest:
    """Claim the person with this full ID number into my grid. Works offline: the server finds
    the person (in any grid of the county) when the claim reaches it."""
    number = parse_id_number(id_number, today=now.date(),
                             label="公民身份号码").number
    target = grid_id or default_grid(session, worker)
    node = session.get(OrgNode, target) if target else None
    if node is None or node.level != "grid" or not _within(session, worker, target):
        raise DomainError("out_of_scope", "grid_id", label="目标网格")
    here = session.scalar(select(Person.id).where(Person.id_number == number,
                                                  Person.grid_id == target,
                                                  Person.deleted.is_(False)).limit(1))
    if here is not None:
        raise DomainError("claim_already_here", "id_number")
    pending = session.scalar(select(WorkRequest.id).where(
        WorkRequest.kind == wf.CLAIM, WorkRequest.id_number == number,
        WorkRequest.state == wf.SUBMITTED, WorkRequest.deleted.is_(False)).limit(1))
    if pending is not None:
        raise DomainError("workflow_open_request", "id_number", kind=wf.KINDS[wf.CLAIM])
    row = record_change(session, WorkRequest, None, {
        "kind": wf.CLAIM, "state": wf.SUBMITTED, "subject_entity": "people",
        "id_number": number, "to_node_id": target, "grid_id": target,
        "reason": (reason or "").strip() or None, "filed_by": worker.user_id, "filed_at": now,
        "payload": {}}, now=now)
    log_operation(session, "create", "work_requests", row.id, {"kind": wf.CLAIM}, now=now,
                  actor_id=worker.user_id)
    return row


def take_step(session: Session, worker: Worker, request_id: str, after: str,
              note: str | None = None, *, now: dt.datetime,
              reason: str | None = None) -> WorkRequest:
    """Withdraw or resubmit (the filer) or decide (the assignee's level) a request, as the
    table allows; `reason`: a resubmission's corrected reason (None: kept). The server checks
    the same step again against its own copy when the change arrives."""
    row = session.get(WorkRequest, request_id)
    if row is None or row.deleted:
        raise DomainError("not_found")
    wf.step(row.kind, row.state, after, is_filer=row.filed_by == worker.user_id,
            is_assignee=_within(session, worker, row.assignee_node_id), note=note)
    values: dict[str, object] = {"state": after, "note": (note or "").strip() or None}
    if reason is not None and "reason" in wf.fields_allowed(row.state, after):
        values["reason"] = reason.strip() or None
    row = record_change(session, WorkRequest, request_id, values, now=now)
    log_operation(session, "workflow_" + after, "work_requests", row.id, {"kind": row.kind},
                  now=now, actor_id=worker.user_id)
    return row


@dataclass(frozen=True)
class RequestRow:
    """One request as the page lists it (names resolved, the ID number masked)."""

    id: str
    kind: str
    state: str
    name: str
    id_number: str
    from_grid: str
    to_grid: str
    filed_at: dt.datetime | None
    due: dt.date | None
    reason: str
    note: str
    refused: str
    """The server's reason when it refused this device's change (else empty)."""
    steps: tuple[str, ...]


def _subject_name(session: Session, r: WorkRequest) -> str:
    """The person's name from their record when this device holds it (my scope), else what
    the request shows (a claim's filer sees a masked name until the person is theirs)."""
    person = session.get(Person, r.subject_id) if r.subject_id else None
    return person.name if person is not None and not person.deleted else (r.subject_name or "")


def _rows(session: Session, worker: Worker, requests: list[WorkRequest]) -> list[RequestRow]:
    names = {i: n for i, n in session.execute(select(OrgNode.id, OrgNode.name))}
    ids = [r.id for r in requests]
    refused = {q.record_id: q.reason for q in session.scalars(
        select(Quarantined).where(Quarantined.record_id.in_(ids)))} if ids else {}
    out = []
    for r in requests:
        out.append(RequestRow(
            r.id, wf.KINDS.get(r.kind, r.kind), wf.STATES.get(r.state, r.state),
            _subject_name(session, r), mask("id_number", r.id_number) or "",
            names.get(r.from_node_id or "", (r.payload or {}).get("from_name") or
                      ("其他网格" if r.from_node_id else "")),
            names.get(r.to_node_id or "", ""), r.filed_at, r.due_date, r.reason or "",
            r.note or "", refused.get(r.id, ""),
            tuple(wf.allowed_steps(r.kind, r.state, is_filer=r.filed_by == worker.user_id,
                                   is_assignee=_within(session, worker,
                                                       r.assignee_node_id)))))
    return out


def waiting_for_me(session: Session, worker: Worker) -> list[RequestRow]:
    """Submitted requests my level decides (never my own), oldest first."""
    rows = session.scalars(select(WorkRequest).where(
        WorkRequest.state == wf.SUBMITTED, WorkRequest.deleted.is_(False),
        or_(WorkRequest.filed_by.is_(None), WorkRequest.filed_by != worker.user_id))
        .order_by(WorkRequest.filed_at)).all()
    return _rows(session, worker, [r for r in rows
                                   if _within(session, worker, r.assignee_node_id)])


def my_requests(session: Session, worker: Worker) -> list[RequestRow]:
    rows = session.scalars(select(WorkRequest).where(
        WorkRequest.filed_by == worker.user_id, WorkRequest.deleted.is_(False))
        .order_by(WorkRequest.filed_at.desc())).all()
    return _rows(session, worker, list(rows))


def history(session: Session, request_id: str) -> list[tuple[dt.datetime, str, str, str]]:
    """(when, action, who, note) of a request's steps, as the server recorded them."""
    users = {i: n for i, n in session.execute(select(User.id, User.display_name))}
    return [(a.acted_at, wf.ACTIONS.get(a.action, a.action),
             users.get(a.actor_id or "", "系统" if not a.actor_id else "其他用户"), a.note or "")
            for a in session.scalars(select(WorkRequestAction).where(
                WorkRequestAction.request_id == request_id)
                .order_by(WorkRequestAction.acted_at))]


@dataclass(frozen=True)
class WorkItems:
    """My work items for the home page: reviews waiting for me, overdue among them, and my
    requests returned or refused by the server."""

    to_review: int
    overdue: int
    returned: int


def work_items(session: Session, worker: Worker, *, today: dt.date) -> WorkItems:
    waiting = waiting_for_me(session, worker)
    returned = session.scalar(select(func.count()).select_from(WorkRequest).where(
        WorkRequest.filed_by == worker.user_id, WorkRequest.state == wf.RETURNED,
        WorkRequest.deleted.is_(False))) or 0
    refused = session.scalar(select(func.count()).select_from(Quarantined).where(
        Quarantined.entity == "work_requests")) or 0
    return WorkItems(len(waiting), sum(1 for r in waiting if r.due and r.due < today),
                     returned + refused)


__all__ = ["file_claim", "take_step", "waiting_for_me", "my_requests", "history",
           "work_items", "WorkItems", "RequestRow"]
