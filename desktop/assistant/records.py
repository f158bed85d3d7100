"""People as the assistant sees them: one flat record per person, loaded once, indexed.

Matching 10,000 sheet rows against a county means loading the needed columns once into dicts
keyed by ID number and by name, never a query per row. Works on any SQLAlchemy Session over the
common schema (the client's SQLCipher profile or the server's SQLite/PostgreSQL database).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from common.schema import House, Household, OrgNode, Person, PersonTag
from common.validation import age_on

from .values import normalise_name

_PERSON_COLS = ("id", "grid_id", "name", "id_number", "sex", "birth_date", "ethnicity", "phone",
                "address", "relation_to_head", "resident_type", "status", "education",
                "marital_status", "political_status", "workplace")


@dataclass
class PeopleIndex:
    """Records by person id, by ID number and by normalised name."""

    records: dict[str, dict[str, Any]]
    by_id_number: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_name: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def build(cls, records: Iterable[dict[str, Any]]) -> "PeopleIndex":
        idx = cls({})
        by_name: dict[str, list] = defaultdict(list)
        for r in records:
            idx.records[r["id"]] = r
            if r.get("id_number"):
                idx.by_id_number[r["id_number"]] = r
            by_name[normalise_name(r.get("name"))].append(r)
        idx.by_name = dict(by_name)
        return idx


def _org_names(session: Session) -> dict[str, tuple[str, str]]:
    rows = session.execute(select(OrgNode.id, OrgNode.name, OrgNode.level)
                           .where(OrgNode.deleted.is_(False)))
    return {i: (name, level) for i, name, level in rows}


def load_people(session: Session, *, today: dt.date, person_ids: Iterable[str] | None = None,
                with_tags: bool = True) -> list[dict[str, Any]]:
    """Flat records (assistant field keys -> canonical values) of every person not deleted,
    or of the given ids, in a stable order (grid, household number, name)."""
    head = aliased(Person)
    cols = [getattr(Person, c) for c in _PERSON_COLS]
    q = (select(*cols, Household.household_no, Household.address, head.name, head.id_number,
                House.door_plate, House.address)
         .outerjoin(Household, Household.id == Person.household_id)
         .outerjoin(head, head.id == Household.head_person_id)
         .outerjoin(House, House.id == Person.house_id)
         .where(Person.deleted.is_(False)))
    ids = None
    if person_ids is not None:
        ids = list(person_ids)
        if not ids:
            return []
    orgs = _org_names(session)
    paths = dict(session.execute(select(OrgNode.id, OrgNode.path)).all())
    out: list[dict[str, Any]] = []
    chunks = [None] if ids is None else [ids[i:i + 900] for i in range(0, len(ids), 900)]
    for chunk in chunks:
        qq = q if chunk is None else q.where(Person.id.in_(chunk))
        for row in session.execute(qq):
            rec = dict(zip(_PERSON_COLS, row[:len(_PERSON_COLS)]))
            (rec["household_no"], rec["household_address"], rec["head_name"],
             rec["head_id_number"], rec["door_plate"], rec["house_address"]) = row[-6:]
            _derive(rec)
            birth = rec.get("birth_date")
            rec["age"] = age_on(birth, today) if birth else None
            _place(rec, orgs, paths)
            rec["tags"] = frozenset()
            out.append(rec)
    if with_tags:
        _attach_tags(session, out)
    out.sort(key=lambda r: (r["grid"] or "", r["household_no"] or "", r["relation_to_head"] != "head",
                            r["birth_date"] or dt.date.min))
    return out


def _derive(rec: dict[str, Any]) -> None:
    """Sex and birth date follow from a valid ID number when the record lacks them."""
    number = rec.get("id_number") or ""
    if (rec.get("sex") and rec.get("birth_date")) or len(number) != 18 or \
            not number[:17].isdigit():
        return
    if not rec.get("sex"):
        rec["sex"] = "male" if int(number[16]) % 2 else "female"
    if not rec.get("birth_date"):
        try:
            rec["birth_date"] = dt.date(int(number[6:10]), int(number[10:12]),
                                        int(number[12:14]))
        except ValueError:
            pass


def _place(rec: dict[str, Any], orgs: dict, paths: dict) -> None:
    rec["grid"] = rec["village"] = rec["township"] = None
    gid = rec.pop("grid_id")
    path = paths.get(gid) or ""
    for node in path.strip("/").split("/"):
        name, level = orgs.get(node, (None, None))
        if level in ("grid", "village", "township"):
            rec[level] = name


def _attach_tags(session: Session, records: list[dict[str, Any]]) -> None:
    by_id = {r["id"]: r for r in records}
    tags: dict[str, set] = defaultdict(set)
    q = select(PersonTag.person_id, PersonTag.tag_code).where(PersonTag.deleted.is_(False))
    if len(by_id) < 900:
        q = q.where(PersonTag.person_id.in_(list(by_id)))
    for pid, code in session.execute(q):
        if pid in by_id:
            tags[pid].add(code)
    for pid, codes in tags.items():
        by_id[pid]["tags"] = frozenset(codes)


def person_ids_where(session: Session, *conditions: Any) -> list[str]:
    """Ids of people (not deleted) meeting SQLAlchemy conditions over Person."""
    return list(session.scalars(select(Person.id).where(and_(Person.deleted.is_(False),
                                                                *conditions))))
