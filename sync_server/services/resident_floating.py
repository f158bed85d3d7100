"""流动人口登记 on the resident pages (issue 14 item 6): a resident registers a floating
resident (themselves or someone staying with them); the registration waits in the grid's
population review queue (services/workflows.file_floating_registration) and the resident reads
its state and the reviewer's note. A resident never sees the register: a number already in it
is filed against the stored person, which is left untouched, and nothing about it is shown.
Never commits."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common import workflows as wf
from common.errors import DomainError, ValidationError, ValidationErrors
from common.rules import new_person_values, same_id_number
from common.schema import Person, WorkRequest
from common.validation import validate_person

from ..db.resident_tables import Resident
from .changes import apply_change
from .resident_reports import grid_for, places
from .workflows import file_floating_registration

SOURCE = "resident"
STAY_MONTHS = (1, 60)
REASON_MAX = 100
ADDRESS_MAX = 120


@dataclass(frozen=True)
class Registration:
    """What the resident sees of one of their registrations."""

    id: str
    name: str
    filed_at: dt.datetime
    state: str
    state_label: str
    note: str


def _stay(months: str, until: str, today: dt.date) -> dict[str, Any]:
    months, until = (months or "").strip(), (until or "").strip()
    low, high = STAY_MONTHS
    if months:
        if not months.isdigit() or not low <= int(months) <= high:
            raise ValidationError("floating_stay_months", "stay_months", low=low, high=high)
        return {"stay_months": int(months)}
    if until:
        try:
            day = dt.date.fromisoformat(until)
        except ValueError:
            raise ValidationError("date_invalid", "stay_until", label="预计居住至",
                                  value=until[:20]) from None
        if not today < day <= today + dt.timedelta(days=31 * high):
            raise ValidationError("floating_stay_until", "stay_until", high=high)
        return {"stay_until": day.isoformat()}
    raise ValidationError("floating_stay_missing", "stay_months")


def check(session: Session, *, name: str, id_number: str, phone: str, village_id: str,
          address: str, stay_months: str, stay_until: str, reason: str,
          today: dt.date) -> dict[str, Any]:
    """The form's values cleaned, or ValidationErrors naming every wrong field at once."""
    errors: list[ValidationError] = []
    values: dict[str, Any] = {}
    try:
        values.update(validate_person(new_person_values(
            {"name": name, "id_number": id_number, "phone": (phone or "").strip() or None,
             "resident_type": wf.FLOATING}), today=today))
    except ValidationErrors as err:
        errors.extend(err.errors)
    if village_id not in dict(places(session)):
        errors.append(ValidationError("required", "village_id", label="居住村/社区"))
    address, reason = (address or "").strip(), (reason or "").strip()
    if not address:
        errors.append(ValidationError("required", "address", label="详细地址"))
    elif len(address) > ADDRESS_MAX:
        errors.append(ValidationError("too_long", "address", label="详细地址", max=ADDRESS_MAX,
                                      length=len(address)))
    if not reason:
        errors.append(ValidationError("required", "reason", label="来此原因"))
    elif len(reason) > REASON_MAX:
        errors.append(ValidationError("too_long", "reason", label="来此原因", max=REASON_MAX,
                                      length=len(reason)))
    try:
        values.update(_stay(stay_months, stay_until, today))
    except ValidationError as err:
        errors.append(err)
    if errors:
        raise ValidationErrors(errors)
    return {**values, "village_id": village_id, "address": address, "reason": reason}


def register(session: Session, resident: Resident, *, now: dt.datetime,
             **form: str) -> WorkRequest:
    """File one floating-population registration for review by the place's grid. One open
    registration per ID number; bad input raises before anything is written."""
    clean = check(session, today=now.date(), **form)
    open_one = session.scalar(select(WorkRequest.id).where(
        WorkRequest.kind == wf.POPULATION_REVIEW, WorkRequest.id_number == clean["id_number"],
        WorkRequest.state == wf.SUBMITTED, WorkRequest.deleted.is_(False)).limit(1))
    if open_one is not None:
        raise DomainError("floating_open", "id_number")
    grid = grid_for(session, clean["village_id"], clean["address"])
    person = session.scalars(select(Person).where(
        *same_id_number(clean["id_number"], None))).first()
    if person is None:
        person = apply_change(session, Person, None, {
            k: clean[k] for k in ("id_number", "name", "sex", "birth_date", "phone",
                                  "resident_type", "status")} | {
            "address": clean["address"], "grid_id": grid.id}, now=now, actor_id=None)
    details = {k: clean[k] for k in ("name", "reason", "address", "village_id", "stay_months",
                                     "stay_until") if k in clean}
    stay = (f"预计居住 {clean['stay_months']} 个月" if "stay_months" in clean
            else f"预计居住至 {clean['stay_until']}")
    summary = "；".join(x for x in (
        f"登记姓名 {clean['name']}", f"来此原因 {clean['reason']}", stay,
        f"住址 {clean['address']}", f"电话 {clean['phone']}" if clean.get("phone") else "") if x)
    return file_floating_registration(session, person, now=now, source=SOURCE,
                                      details={**details, "resident_id": resident.id},
                                      summary=summary)


def mine(session: Session, resident: Resident, *, limit: int = 50) -> list[Registration]:
    """The resident's own registrations, newest first (filed by no staff user, matched on the
    resident's id in the request's payload)."""
    rows = session.scalars(select(WorkRequest).where(
        WorkRequest.kind == wf.POPULATION_REVIEW, WorkRequest.filed_by.is_(None),
        WorkRequest.deleted.is_(False)).order_by(WorkRequest.filed_at.desc()))
    out = []
    for r in rows:
        p = r.payload or {}
        if p.get("source") != SOURCE or p.get("resident_id") != resident.id:
            continue
        out.append(Registration(id=r.id, name=p.get("name", ""), filed_at=r.filed_at,
                                state=r.state, state_label=wf.STATES.get(r.state, r.state),
                                note=r.note or "" if r.state != wf.SUBMITTED else ""))
        if len(out) >= limit:
            break
    return out
