"""People use cases: read a person with tags, create/edit with validation, mark deceased or moved
out, reveal a masked ID number or phone (logged), mask values for lists.

Writes run on the client's one writer thread and go through `records.save_record` →
storage's `record_change`; the pinyin index is kept current in the same transaction.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common import masking as common_masking
from common.errors import DomainError, ValidationError, ValidationErrors
from common.rules import id_duplicate, same_id_number, tag_changes, tags_left_behind
from common.schema import Household, House, Person, PersonTag, user_fields
from common.schema.fields import sensitive_fields
from common.workflows import check_pending
from desktop.storage.changes import record_change
from desktop.storage.search_index import has_index_tables, index_people

from .records import load_dictionaries, log_operation, save_record


def mask_id_number(value: str | None) -> str:
    """652123********1234: region kept (it says where), birth date and sequence hidden."""
    return common_masking.mask_id_number(value) or ""


def mask_phone(value: str | None) -> str:
    """138****5678."""
    return common_masking.mask_phone(value) or ""


def masked(field_name: str, value: Any) -> Any:
    """A person's field as lists and exports show it: masked as the schema declares."""
    return common_masking.mask(sensitive_fields(Person).get(field_name), value)


def is_masked(field_name: str) -> bool:
    return field_name in sensitive_fields(Person)


@dataclass
class PersonDetail:
    """A person as a form shows it: every user field, the tag codes, and labels of references."""

    id: str | None
    values: dict[str, Any]
    tags: list[str] = field(default_factory=list)
    household_no: str | None = None
    house_plate: str | None = None


def get_person(session: Session, person_id: str) -> PersonDetail:
    p = session.get(Person, person_id)
    if p is None or p.deleted:
        raise DomainError("not_found")
    values = {k: getattr(p, k) for k in user_fields(Person)}
    tags = list(session.execute(
        select(PersonTag.tag_code).where(PersonTag.person_id == person_id,
                                         PersonTag.deleted.is_(False))
        .order_by(PersonTag.tag_code)).scalars())
    hh = session.get(Household, p.household_id) if p.household_id else None
    house = session.get(House, p.house_id) if p.house_id else None
    return PersonDetail(p.id, values, tags, hh.household_no if hh else None,
                        house.door_plate if house else None)


def save_person(session: Session, person_id: str | None, values: dict[str, Any],
                tags: list[str] | None = None, *, now: dt.datetime, actor_id: str) -> str:
    """Create or edit a person (and set their tags); returns the id. Never commits.

    Refuses a second person with the same ID number in this profile (id_duplicate). A person
    moved to another grid takes their tags along (common/rules.py, as the server's REST does).
    """
    dictionaries = load_dictionaries(session)
    number = values.get("id_number")
    if number:
        _refuse_duplicate(session, person_id, str(number))
    if "status" in values:
        stored = session.get(Person, person_id) if person_id else None
        check_pending(stored.status if stored is not None else None, values["status"])
    row = save_record(session, Person, person_id, values, now=now, actor_id=actor_id,
                      dictionaries=dictionaries)
    if tags is not None:
        _set_tags(session, row, tags, now=now, dictionaries=dictionaries)
    if "grid_id" in values:
        live = session.execute(select(PersonTag).where(PersonTag.person_id == row.id,
                                                       PersonTag.deleted.is_(False))).scalars()
        for tag in tags_left_behind(list(live), row.grid_id):
            record_change(session, PersonTag, tag.id, {"grid_id": row.grid_id}, now=now)
    if has_index_tables(session):
        index_people(session, [(row.id, row.name)])
    return row.id


def _refuse_duplicate(session: Session, person_id: str | None, number: str) -> None:
    from common.validation import normalise_id_number
    n = normalise_id_number(number)
    other = session.execute(select(Person).where(*same_id_number(n, person_id))
                            .limit(1)).scalar()
    if other is not None:
        raise ValidationErrors([id_duplicate(n, other)])


def _set_tags(session: Session, person: Person, tags: list[str], *, now: dt.datetime,
              dictionaries: dict[str, list[tuple[str, str]]]) -> None:
    known = {c for c, _ in dictionaries.get("tag", [])}
    current = {t.tag_code: t for t in session.execute(
        select(PersonTag).where(PersonTag.person_id == person.id,
                                PersonTag.deleted.is_(False))).scalars()}
    added, removed = tag_changes(set(current), tags, known)
    for code in added:
        record_change(session, PersonTag, None, {"person_id": person.id, "tag_code": code,
                                                 "grid_id": person.grid_id}, now=now)
    for code in removed:
        record_change(session, PersonTag, current[code].id, {}, now=now, deleted=True)


def mark_status(session: Session, person_id: str, status: str, *, now: dt.datetime,
                actor_id: str, note: str = "") -> None:
    """Mark a person deceased or moved out (or back to normal): a status change, never a
    deletion, so the register keeps them."""
    if status not in ("deceased", "moved_out", "normal"):
        raise ValidationErrors([ValidationError("not_in_dict", "status", label="人员状态",
                                                value=status)])
    values: dict[str, Any] = {"status": status}
    stored = session.get(Person, person_id)
    check_pending(stored.status if stored is not None else None, status)
    if note:
        p = session.get(Person, person_id)
        old = (p.notes or "") if p else ""
        values["notes"] = (old + "\n" if old else "") + note
    save_record(session, Person, person_id, values, now=now, actor_id=actor_id)


def reveal(session: Session, person_id: str, field_name: str, *, now: dt.datetime,
           actor_id: str) -> str:
    """The clear value of a masked field (ID number, phone, 宗教信仰); the reveal is logged."""
    if field_name not in sensitive_fields(Person):
        raise DomainError("unknown_field", field=field_name)
    p = session.get(Person, person_id)
    if p is None:
        raise DomainError("not_found")
    log_operation(session, "reveal", "people", person_id, {"field": field_name}, now=now,
                  actor_id=actor_id)
    return getattr(p, field_name) or ""


def open_for_edit(session: Session, person_id: str, *, now: dt.datetime,
                  actor_id: str) -> PersonDetail:
    """The person for the edit form, which shows every sensitive field (ID number, phone,
    宗教信仰) in clear: logged as a reveal of them (writer thread)."""
    detail = get_person(session, person_id)
    log_operation(session, "reveal", "people", person_id,
                  {"field": ",".join(sensitive_fields(Person)), "via": "edit_form"}, now=now,
                  actor_id=actor_id)
    return detail


def tags_of(session: Session, person_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if not person_ids:
        return out
    for pid, code in session.execute(
            select(PersonTag.person_id, PersonTag.tag_code)
            .where(PersonTag.person_id.in_(person_ids), PersonTag.deleted.is_(False))):
        out.setdefault(pid, []).append(code)
    return out
