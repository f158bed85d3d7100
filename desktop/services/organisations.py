"""单位 use cases: list and search organisations, read and save one, its employees."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import Employee, Organisation, user_fields
from common.schema.fields import list_columns
from common.sorting import sorted_naturally

from .records import save_record

LIST_FIELDS = tuple(list_columns(Organisation))  # the 单位 list's columns, as declared


def list_organisations(session: Session, text: str = "", *, kind: str | None = None,
                       limit: int = 1000) -> list[dict[str, Any]]:
    stmt = select(Organisation).where(Organisation.deleted.is_(False))
    if kind:
        stmt = stmt.where(Organisation.kind == kind)
    t = text.strip()
    if t:
        like = f"%{t}%"
        stmt = stmt.where(or_(Organisation.name.like(like), Organisation.legal_person.like(like),
                              Organisation.credit_code.like(like)))
    rows = sorted_naturally(session.execute(stmt.order_by(Organisation.name).limit(limit))
                            .scalars(), key=lambda o: o.name)
    return [{"id": o.id, **{f: getattr(o, f) for f in LIST_FIELDS}} for o in rows]


def get_organisation(session: Session, organisation_id: str) -> dict[str, Any]:
    o = session.get(Organisation, organisation_id)
    if o is None or o.deleted:
        raise DomainError("not_found")
    return {"id": o.id, **{f: getattr(o, f) for f in user_fields(Organisation)}}


def save_organisation(session: Session, organisation_id: str | None, values: dict[str, Any], *,
                      now: dt.datetime, actor_id: str) -> str:
    return save_record(session, Organisation, organisation_id, values, now=now,
                       actor_id=actor_id).id


def employees(session: Session, organisation_id: str) -> list[dict[str, Any]]:
    rows = session.execute(select(Employee).where(Employee.organisation_id == organisation_id,
                                                  Employee.deleted.is_(False))
                           ).scalars()
    rows = sorted_naturally(rows, key=lambda e: e.name, name=True)
    return [{"id": e.id, "name": e.name, "department": e.department, "position": e.position,
             "phone": e.phone} for e in rows]
