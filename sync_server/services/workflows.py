"""The workflow engine on the server: filing, withdrawing and deciding requests (claims and
moves, population reviews, floating-population conversions), and what a decision does.

Every path goes through here: a device's sync push of a `work_requests` change
(`push_request`), the JSON API and the web pages (`file_claim`, `act`), and the server's own
hooks (`on_person_created`, `file_floating_registration`, `propose_conversions`). The rules are
common/workflows.py; this module checks them against the stored request (never the client's
word), and applies a decision and its effects in the caller's transaction (a failure leaves
nothing half-done). Action rows and migration records are written here only (devices read
them). Never commits.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from common import workflows as wf
from common.errors import DomainError, ValidationError
from common.masking import mask
from common.schema import (Household, OrgNode, Person, PersonMove, User, VisitTask, WorkRequest,
                           WorkRequestAction, label_of)
from common.validation import parse_id_number

from ..db.setting_tables import CountySetting
from .authorize import authorize_and_validate, check_grid
from .changes import apply_change, merge_change_into, move_tags_with
from .oplog import log_operation
from .scope import Scope

CONVERSION_MONTHS_KEY = "floating_conversion_months"
MONTHS_RANGE = (1, 60)


# --- the org tree -----------------------------------------------------------------------------

def chain_of(session: Session, node_id: str | None) -> list[tuple[str, str]]:
    """(id, level) of a node and its ancestors, from the county down (empty when unknown)."""
    node = session.get(OrgNode, node_id) if node_id else None
    if node is None or not node.path:
        return []
    ids = [p for p in node.path.strip("/").split("/") if p]
    levels = {i: level for i, level in session.execute(
        select(OrgNode.id, OrgNode.level).where(OrgNode.id.in_(ids)))}
    return [(i, levels.get(i, "")) for i in ids]


def within(session: Session, user: User, node_id: str | None) -> bool:
    """Whether `node_id` is the user's own node or below it (the user's level covers it)."""
    return Scope.of(session, user).contains_grid(session, node_id)


def is_assignee(session: Session, user: User, request: WorkRequest) -> bool:
    return within(session, user, request.assignee_node_id)


def node_name(session: Session, node_id: str | None) -> str:
    node = session.get(OrgNode, node_id) if node_id else None
    return node.name if node is not None else ""


# --- writing a request and its history --------------------------------------------------------

@dataclass(frozen=True)
class Stamp:
    """How a device's change is written: its id, clock and device (None: the server's own)."""

    change_id: str | None = None
    clock: str | None = None
    device_id: str | None = None
    rev: int | None = None


SERVER = Stamp()


def _write(session: Session, request_id: str | None, values: dict[str, Any], *,
           actor_id: str | None, now: dt.datetime, stamp: Stamp = SERVER) -> WorkRequest:
    """Store request values. A device's create keeps its own clock; every later step is stamped
    by the server after everything the request holds, so the server's state always wins."""
    creating = request_id is None or session.get(WorkRequest, request_id) is None
    return merge_change_into(session, WorkRequest, request_id, values, now=now,
                             clock=stamp.clock if creating else None,
                             actor_id=actor_id, device_id=stamp.device_id,
                             change_id=stamp.change_id, rev=stamp.rev).row


def _history(session: Session, request: WorkRequest, action: str, before: str | None,
             after: str, *, actor_id: str | None, note: str | None, now: dt.datetime) -> None:
    apply_change(session, WorkRequestAction, None, {
        "request_id": request.id, "action": action, "from_state": before, "to_state": after,
        "actor_id": actor_id, "acted_at": now, "note": note, "grid_id": request.grid_id,
        "assignee_node_id": request.assignee_node_id}, now=now, actor_id=actor_id)


def _file(session: Session, values: dict[str, Any], *, filer: User | None, now: dt.datetime,
          record_id: str | None = None, stamp: Stamp = SERVER) -> WorkRequest:
    """File a request whose derived fields are already set: state, dates, history."""
    values = {**values, "state": wf.SUBMITTED, "filed_by": filer.id if filer else None,
              "filed_at": now, "due_date": now.date() + dt.timedelta(days=wf.DUE_DAYS),
              "note": None, "decided_by": None, "decided_at": None}
    open_one = session.scalar(select(WorkRequest.id).where(
        WorkRequest.kind == values["kind"], WorkRequest.subject_id == values["subject_id"],
        WorkRequest.state == wf.SUBMITTED, WorkRequest.deleted.is_(False)).limit(1))
    if open_one is not None:
        raise DomainError("workflow_open_request", "id_number", kind=wf.KINDS[values["kind"]])
    row = _write(session, record_id, values, actor_id=filer.id if filer else None, now=now,
                 stamp=stamp)
    _history(session, row, "file", None, wf.SUBMITTED, actor_id=filer.id if filer else None,
             note=values.get("reason"), now=now)
    return row


# --- claims and moves -------------------------------------------------------------------------

@dataclass(frozen=True)
class Found:
    """What a county-wide lookup by full ID number may show: the grid and a masked name."""

    grid_name: str
    masked_name: str


def mask_name(name: str | None) -> str:
    """张** : the family name only (the rest of the name stays hidden)."""
    name = (name or "").strip()
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def find_by_id_number(session: Session, user: User, id_number: str, *,
                      now: dt.datetime) -> Found | None:
    """Look one person up in the whole county by their full, valid ID number (never a part of
    one: no browsing of other grids). Logged."""
    number = parse_id_number(id_number, today=now.date()).number
    person = _person_by_number(session, number)
    log_operation(session, user=user, action="claim_lookup", now=now, entity="people",
                  record_id=person.id if person else None, details={"found": bool(person)})
    if person is None:
        return None
    return Found(node_name(session, person.grid_id) or "（无网格）", mask_name(person.name))


def _person_by_number(session: Session, number: str) -> Person | None:
    return session.scalar(select(Person).where(Person.id_number == number,
                                               Person.deleted.is_(False)).limit(1))


def _claim_values(session: Session, user: User, scope: Scope, values: dict[str, Any], *,
                  now: dt.datetime) -> dict[str, Any]:
    """A claim's stored values from what the filer gave (ID number, target grid, reason)."""
    number = parse_id_number(values.get("id_number"), today=now.date(),
                             label=label_of(WorkRequest, "id_number")).number
    target = values.get("to_node_id") or values.get("grid_id")
    check_grid(session, scope, WorkRequest, target)
    person = _person_by_number(session, number)
    if person is None:
        raise DomainError("claim_not_found", "id_number", value=mask("id_number", number))
    if person.grid_id == target:
        raise DomainError("claim_already_here", "id_number")
    assignee = wf.assignee_node(wf.CLAIM, subject_chain=chain_of(session, person.grid_id),
                                target_chain=chain_of(session, target),
                                filer_node=user.scope_node_id)
    return {"kind": wf.CLAIM, "subject_entity": "people", "subject_id": person.id,
            # The filer's grid holds the request: until the person is theirs, it shows only
            # what the lookup shows (a masked name), never the other grid's record.
            "subject_name": mask_name(person.name), "id_number": number,
            "from_node_id": person.grid_id,
            "to_node_id": target, "grid_id": target, "assignee_node_id": assignee,
            "reason": (values.get("reason") or "").strip() or None,
            "payload": {}}


def file_claim(session: Session, user: User, scope: Scope, *, id_number: str,
               to_node_id: str, reason: str | None, now: dt.datetime) -> WorkRequest:
    """Claim the person with this ID number into grid `to_node_id` (REST, web)."""
    values = _claim_values(session, user, scope, {"id_number": id_number,
                                                  "to_node_id": to_node_id, "reason": reason},
                           now=now)
    row = _file(session, values, filer=user, now=now)
    log_operation(session, user=user, action="create", now=now, entity="work_requests",
                  record_id=row.id, details={"kind": wf.CLAIM, "grid_id": row.grid_id})
    return row


def _apply_claim(session: Session, request: WorkRequest, actor: User, *,
                 now: dt.datetime) -> None:
    """An approved claim or transfer. Move the person, their household (with its members in the same grid), their tags and
    open visit tasks to the target grid, and keep the migration records."""
    person = session.get(Person, request.subject_id)
    if person is None or person.deleted:
        raise DomainError("claim_not_found", "id_number", value=mask("id_number",
                                                                     request.id_number))
    if person.grid_id != request.from_node_id:
        raise DomainError("claim_subject_moved" if request.kind == wf.CLAIM
                          else "transfer_subject_moved")
    old, target = person.grid_id, request.to_node_id
    _write(session, request.id, {"subject_name": person.name}, actor_id=actor.id, now=now)
    node = session.get(OrgNode, target)
    if node is None or node.deleted or node.level != "grid":
        raise DomainError("out_of_scope", "grid_id", label=label_of(WorkRequest, "to_node_id"))
    movers = [person]
    household = session.get(Household, person.household_id) if person.household_id else None
    if household is not None and not household.deleted and household.grid_id == old:
        apply_change(session, Household, household.id, {"grid_id": target}, now=now,
                     actor_id=actor.id)
        movers += list(session.scalars(select(Person).where(
            Person.household_id == household.id, Person.id != person.id,
            Person.grid_id == old, Person.deleted.is_(False))))
    for p in movers:
        moved = apply_change(session, Person, p.id, {"grid_id": target}, now=now,
                             actor_id=actor.id)
        move_tags_with(session, moved, now=now, actor_id=actor.id)
        for task in session.scalars(select(VisitTask).where(
                VisitTask.person_id == p.id, VisitTask.status == "open",
                VisitTask.deleted.is_(False), VisitTask.grid_id == old)):
            apply_change(session, VisitTask, task.id, {"grid_id": target}, now=now,
                         actor_id=actor.id)
        for direction, grid in (("out", old), ("in", target)):
            if grid is None:
                continue
            apply_change(session, PersonMove, None, {
                "direction": direction, "person_id": p.id, "person_name": p.name,
                "id_number": p.id_number, "household_id": p.household_id,
                "from_node_id": old, "to_node_id": target, "moved_on": now.date(),
                "reason": request.reason, "request_id": request.id, "grid_id": grid},
                now=now, actor_id=actor.id)


# --- transfers: a move asked for by an edit ---------------------------------------------------

def open_transfer(session: Session, person_id: str) -> WorkRequest | None:
    """The person's transfer waiting for its target grid, if any (at most one is open)."""
    return session.scalar(select(WorkRequest).where(
        WorkRequest.kind == wf.TRANSFER, WorkRequest.subject_id == person_id,
        WorkRequest.state == wf.SUBMITTED, WorkRequest.deleted.is_(False)).limit(1))


def _follow(session: Session, request: WorkRequest, values: dict[str, Any], *,
            actor_id: str | None, now: dt.datetime) -> WorkRequest:
    """Point a request (and its history, which its grid's devices read) at another grid."""
    row = _write(session, request.id, values, actor_id=actor_id, now=now)
    for action in session.scalars(select(WorkRequestAction).where(
            WorkRequestAction.request_id == row.id)):
        apply_change(session, WorkRequestAction, action.id,
                     {"grid_id": row.grid_id, "assignee_node_id": row.assignee_node_id},
                     now=now, actor_id=actor_id)
    return row


def file_transfer(session: Session, user: User, person: Person, target: str, *,
                  now: dt.datetime) -> WorkRequest:
    """An edit asked to move `person` to grid `target` (checked already: a live grid inside
    the writer's scope). The person stays where they are until the target grid approves; an
    open transfer of the same person is pointed at the new target instead of a second one."""
    assignee = wf.assignee_node(wf.TRANSFER, subject_chain=chain_of(session, person.grid_id),
                                target_chain=chain_of(session, target),
                                filer_node=user.scope_node_id)
    pending = open_transfer(session, person.id)
    if pending is not None:
        if pending.to_node_id == target:
            return pending
        row = _follow(session, pending, {
            "to_node_id": target, "grid_id": target, "assignee_node_id": assignee,
            "due_date": now.date() + dt.timedelta(days=wf.DUE_DAYS)},
            actor_id=user.id, now=now)
        _history(session, row, "retarget", wf.SUBMITTED, wf.SUBMITTED, actor_id=user.id,
                 note=f"转入{node_name(session, target)}", now=now)
        log_operation(session, user=user, action="workflow_retarget", now=now,
                      entity="work_requests", record_id=row.id,
                      details={"kind": wf.TRANSFER, "grid_id": target})
        return row
    row = _file(session, {
        "kind": wf.TRANSFER, "subject_entity": "people", "subject_id": person.id,
        "subject_name": person.name, "id_number": person.id_number,
        "from_node_id": person.grid_id, "to_node_id": target, "grid_id": target,
        "assignee_node_id": assignee, "reason": wf.TRANSFER_REASON,
        # the receiving grid's laptops hold no other grid's org node: the name goes along
        "payload": {"household_id": person.household_id,
                    "from_name": node_name(session, person.grid_id)}}, filer=user, now=now)
    log_operation(session, user=user, action="create", now=now, entity="work_requests",
                  record_id=row.id, details={"kind": wf.TRANSFER, "grid_id": target})
    return row


def on_person_updated(session: Session, user: User, person: Person, *,
                      moved_from: str | None, transfer_to: str | None,
                      now: dt.datetime) -> WorkRequest | None:
    """Every path that updates a person calls this after the write: a grid change the edit
    asked for (kept out of the write by services/authorize.py) is filed as a transfer, and a
    held person's open review follows them to the grid they were moved to."""
    if transfer_to is not None:
        return file_transfer(session, user, person, transfer_to, now=now)
    if moved_from is not None and person.status == wf.PENDING:
        for review in session.scalars(select(WorkRequest).where(
                WorkRequest.kind == wf.POPULATION_REVIEW,
                WorkRequest.subject_id == person.id,
                WorkRequest.state.in_((wf.SUBMITTED, wf.RETURNED)),
                WorkRequest.deleted.is_(False))).all():
            filer = session.get(User, review.filed_by) if review.filed_by else None
            assignee = wf.assignee_node(wf.POPULATION_REVIEW,
                                        subject_chain=chain_of(session, person.grid_id),
                                        target_chain=[],
                                        filer_node=filer.scope_node_id if filer else None)
            _follow(session, review, {"to_node_id": person.grid_id, "grid_id": person.grid_id,
                                      "assignee_node_id": assignee},
                    actor_id=user.id, now=now)
    return None


# --- population review and floating population ------------------------------------------------

def _review_values(session: Session, person: Person, filer_node: str | None,
                   payload: dict[str, Any]) -> dict[str, Any]:
    assignee = wf.assignee_node(wf.POPULATION_REVIEW,
                                subject_chain=chain_of(session, person.grid_id),
                                target_chain=[], filer_node=filer_node)
    return {"kind": wf.POPULATION_REVIEW, "subject_entity": "people", "subject_id": person.id,
            "subject_name": person.name, "id_number": person.id_number,
            "from_node_id": None, "to_node_id": person.grid_id, "grid_id": person.grid_id,
            "assignee_node_id": assignee, "payload": payload}


def on_person_created(session: Session, user: User | None, person: Person, *,
                      now: dt.datetime) -> WorkRequest | None:
    """Every path that creates a person calls this: a person added to a grid by someone who does
    not work at that grid, or a floating resident registered by anyone, waits for review."""
    if person.grid_id is None:
        return None
    outsider = user is None or user.scope_node_id != person.grid_id
    floating = person.resident_type == wf.FLOATING
    if not (outsider or floating):
        return None
    reason = "流动人口登记" if floating else "非本网格人员新增"
    values = _review_values(session, person, user.scope_node_id if user else None,
                            {"floating": floating, "source": "register"})
    row = _file(session, {**values, "reason": reason}, filer=user, now=now)
    _hold(session, person, user, now=now)
    return row


def _hold(session: Session, person: Person, actor: User | None, *, now: dt.datetime) -> None:
    """A person under population review is not in the register yet: 待审核 until approved."""
    apply_change(session, Person, person.id, {"status": wf.PENDING}, now=now,
                 actor_id=actor.id if actor else None)


def file_floating_registration(session: Session, person: Person, *, now: dt.datetime,
                               filer: User | None = None, source: str = "resident",
                               details: dict[str, Any] | None = None,
                               summary: str = "") -> WorkRequest:
    """A floating resident's registration waiting for the grid's review (the resident pages of
    issue 14 call this after creating the person). `details`: what the registration said
    (stay, reason, ...), kept in the request's payload; `summary`: the same in words, shown
    to the reviewer after the request's reason."""
    values = _review_values(session, person, filer.scope_node_id if filer else None,
                            {**(details or {}), "floating": True, "source": source})
    reason = "流动人口登记" + (f"：{summary}" if summary else "")
    row = _file(session, {**values, "reason": reason}, filer=filer, now=now)
    _hold(session, person, filer, now=now)
    return row


def conversion_months(session: Session) -> int:
    row = session.get(CountySetting, CONVERSION_MONTHS_KEY)
    return int(row.value) if row is not None else wf.CONVERSION_MONTHS


def set_conversion_months(session: Session, user: User, value: Any, *,
                          now: dt.datetime) -> int:
    """The county setting; only a county-level user changes it."""
    label = "流动人口转常住所需连续居住月数"
    try:
        months = int(str(value).strip())
    except ValueError:
        months = 0
    if not MONTHS_RANGE[0] <= months <= MONTHS_RANGE[1]:
        raise ValidationError("setting_invalid", "months", label=label,
                              min=MONTHS_RANGE[0], max=MONTHS_RANGE[1])
    chain = chain_of(session, user.scope_node_id)
    if not chain or chain[-1][1] != "county":
        raise DomainError("forbidden")
    row = session.get(CountySetting, CONVERSION_MONTHS_KEY)
    if row is None:
        row = CountySetting(key=CONVERSION_MONTHS_KEY)
        session.add(row)
    row.value, row.updated_at, row.updated_by = months, now, user.id
    log_operation(session, user=user, action="update", now=now, entity="county_settings",
                  record_id=CONVERSION_MONTHS_KEY, details={"value": months})
    return months


def _months_before(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    last = [31, 29 if y % 4 == 0 and (y % 100 or y % 400 == 0) else 28, 31, 30, 31, 30, 31, 31,
            30, 31, 30, 31][m - 1]
    return dt.date(y, m, min(day.day, last))


def propose_conversions(session: Session, *, now: dt.datetime, limit: int = 500) -> int:
    """File a conversion request for every floating resident registered at least the county's
    months ago who has none yet (a withdrawn one does not count). Returns how many."""
    since = _months_before(now.date(), conversion_months(session))
    asked = select(WorkRequest.subject_id).where(
        WorkRequest.kind == wf.FLOATING_CONVERSION, WorkRequest.state != wf.WITHDRAWN,
        WorkRequest.subject_id.is_not(None))
    due = session.scalars(select(Person).where(
        Person.resident_type == wf.FLOATING, Person.deleted.is_(False),
        Person.status == "normal", Person.grid_id.is_not(None),
        Person.created_at < dt.datetime.combine(since + dt.timedelta(days=1), dt.time()),
        Person.id.not_in(asked)).limit(limit)).all()
    for person in due:
        values = _review_values(session, person, None, {"since": person.created_at.isoformat()})
        _file(session, {**values, "kind": wf.FLOATING_CONVERSION,
                        "reason": f"已连续居住满 {conversion_months(session)} 个月"},
              filer=None, now=now)
    return len(due)


def _apply_conversion(session: Session, request: WorkRequest, actor: User, *,
                      now: dt.datetime) -> None:
    person = session.get(Person, request.subject_id)
    if person is None or person.deleted or person.resident_type != wf.FLOATING:
        raise DomainError("conversion_not_floating")
    apply_change(session, Person, person.id, {"resident_type": wf.PERMANENT}, now=now,
                 actor_id=actor.id)


def _held_person(session: Session, request: WorkRequest) -> Person | None:
    person = session.get(Person, request.subject_id) if request.subject_id else None
    return person if person is not None and not person.deleted else None


def _apply_review(session: Session, request: WorkRequest, actor: User, *,
                  now: dt.datetime) -> None:
    """The reviewed person enters the register: 待审核 becomes 正常, with the values the sender
    pushed (and corrected after a return), which went through the same checks as every write."""
    person = _held_person(session, request)
    if person is None:
        raise DomainError("not_found", entity="people")
    if person.status == wf.PENDING:
        apply_change(session, Person, person.id, {"status": wf.NORMAL}, now=now,
                     actor_id=actor.id)


def _drop_held(session: Session, request: WorkRequest, actor: User, *,
               now: dt.datetime) -> None:
    """A withdrawn registration leaves the register as it was: the held person goes."""
    person = _held_person(session, request)
    if person is not None and person.status == wf.PENDING:
        apply_change(session, Person, person.id, {}, deleted=True, now=now, actor_id=actor.id)


EFFECTS = {wf.CLAIM: _apply_claim, wf.TRANSFER: _apply_claim,
           wf.FLOATING_CONVERSION: _apply_conversion, wf.POPULATION_REVIEW: _apply_review}
"""What an approval does, per kind. A return changes nothing in the register: a held person
stays 待审核 (outside the register) until the sender corrects and files again, or withdraws."""
WITHDRAW_EFFECTS = {wf.POPULATION_REVIEW: _drop_held}


# --- taking a step ----------------------------------------------------------------------------

def _take_step(session: Session, user: User, row: WorkRequest, after: str, note: str | None,
               *, now: dt.datetime, reason: str | None = None) -> WorkRequest:
    """`reason`: a resubmission's corrected reason (None: kept as it was)."""
    before = row.state
    step = wf.step(row.kind, before, after, is_filer=row.filed_by == user.id,
                   is_assignee=is_assignee(session, user, row), note=note)
    note = (note or "").strip() or None
    values: dict[str, Any] = {"state": after}
    if step.by == wf.ASSIGNEE:
        values.update(note=note, decided_by=user.id, decided_at=now)
    if step.action == "resubmit":
        # filed again: a fresh due date; the return's note stays in the history
        values.update(due_date=now.date() + dt.timedelta(days=wf.DUE_DAYS), decided_by=None,
                      decided_at=None)
        if reason is not None:
            values["reason"] = reason.strip() or None
        note = values.get("reason", row.reason) if reason is not None else note
    row = _write(session, row.id, values, actor_id=user.id, now=now)
    if after == wf.APPROVED and row.kind in EFFECTS:
        EFFECTS[row.kind](session, row, user, now=now)
    if after == wf.WITHDRAWN and row.kind in WITHDRAW_EFFECTS:
        WITHDRAW_EFFECTS[row.kind](session, row, user, now=now)
    _history(session, row, step.action, before, after, actor_id=user.id, note=note, now=now)
    return row


def act(session: Session, user: User, scope: Scope, request_id: str, after: str,
        note: str | None, *, now: dt.datetime, reason: str | None = None) -> WorkRequest:
    """Withdraw, resubmit (with a corrected `reason`) or decide a request (REST, web, desktop
    through its sync push)."""
    row = session.get(WorkRequest, request_id)
    if row is None or row.deleted or not scope.contains(session, row):
        raise DomainError("not_found", entity="work_requests")
    row = _take_step(session, user, row, after, note, now=now, reason=reason)
    log_operation(session, user=user, action="workflow_" + after, now=now,
                  entity="work_requests", record_id=row.id,
                  details={"kind": row.kind, "grid_id": row.grid_id})
    return row


def push_request(session: Session, user: User, scope: Scope, record_id: str,
                 values: dict[str, Any], *, seen: int | None, now: dt.datetime,
                 stamp: Stamp) -> tuple[WorkRequest, bool]:
    """A device's change to a request: a new claim (submitted), or a step on a stored request
    (state and note only). Everything else a device might send is refused. Returns the row and
    whether the device's copy equals the server's (no server-derived values were added)."""
    checked = authorize_and_validate(session, scope, WorkRequest, record_id,
                                     {k: v for k, v in values.items() if k != "deleted"},
                                     user_id=user.id, seen=seen)
    if values.get("deleted"):
        raise DomainError("forbidden")
    row, clean = checked.row, checked.values
    if row is None:
        if clean.get("kind") != wf.CLAIM:
            raise DomainError("forbidden")
        if clean.get("state", wf.SUBMITTED) != wf.SUBMITTED:
            raise DomainError("workflow_transition_forbidden", "state", before="",
                              after=wf.STATES.get(clean.get("state"), str(clean.get("state"))))
        derived = _claim_values(session, user, scope, clean, now=now)
        return _file(session, derived, filer=user, now=now, record_id=record_id,
                     stamp=stamp), False
    after = clean.get("state", row.state)
    allowed = wf.fields_allowed(row.state, after)
    fixed = [k for k in clean if k not in allowed and clean[k] != getattr(row, k)]
    if fixed:
        raise DomainError("workflow_field_fixed", fixed[0], label=label_of(WorkRequest,
                                                                            fixed[0]))
    if after == row.state:
        raise DomainError("workflow_transition_forbidden", "state",
                          before=wf.STATES.get(row.state, row.state),
                          after=wf.STATES.get(after, after))
    reason = clean.get("reason") if "reason" in clean and "reason" in allowed else None
    return _take_step(session, user, row, after, clean.get("note"), now=now,
                      reason=reason), False


# --- reading ----------------------------------------------------------------------------------

def waiting_for(session: Session, user: User) -> Any:
    """SQL condition: requests waiting for this user's level (assigned within their node, not
    filed by them)."""
    scope = Scope.of(session, user)
    if scope.empty:
        return WorkRequest.id.is_(None)
    nodes = select(OrgNode.id).where(OrgNode.path.startswith(scope.path, autoescape=True))
    return (WorkRequest.state == wf.SUBMITTED) & WorkRequest.deleted.is_(False) \
        & WorkRequest.assignee_node_id.in_(nodes) \
        & or_(WorkRequest.filed_by.is_(None), WorkRequest.filed_by != user.id)


def queue(session: Session, user: User, *, kind: str | None = None,
          limit: int = 200) -> list[WorkRequest]:
    """The user's review queue: submitted requests their level decides, oldest first."""
    conds = [waiting_for(session, user)]
    if kind:
        conds.append(WorkRequest.kind == kind)
    return list(session.scalars(select(WorkRequest).where(*conds)
                                .order_by(WorkRequest.filed_at, WorkRequest.id).limit(limit)))


def filed_by(session: Session, user: User, *, limit: int = 200) -> list[WorkRequest]:
    return list(session.scalars(select(WorkRequest).where(
        WorkRequest.filed_by == user.id, WorkRequest.deleted.is_(False))
        .order_by(WorkRequest.filed_at.desc()).limit(limit)))


def history(session: Session, scope: Scope, request_id: str) -> list[WorkRequestAction]:
    row = session.get(WorkRequest, request_id)
    if row is None or row.deleted or not scope.contains(session, row):
        raise DomainError("not_found", entity="work_requests")
    return list(session.scalars(select(WorkRequestAction).where(
        WorkRequestAction.request_id == request_id).order_by(WorkRequestAction.acted_at,
                                                             WorkRequestAction.rev)))


__all__ = ["file_claim", "find_by_id_number", "act", "push_request", "on_person_created",
           "file_floating_registration", "propose_conversions", "file_transfer",
           "on_person_updated", "open_transfer", "conversion_months",
           "set_conversion_months", "queue", "filed_by", "history", "waiting_for",
           "is_assignee", "Found", "Stamp", "mask_name", "node_name", "chain_of"]
