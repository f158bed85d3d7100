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

from sqlalchemy import and_, literal_column, select
from sqlalchemy.orm import Session, aliased

from common.dictionaries import Dictionaries, default_dictionaries
from common.schema import House, Household, OrgNode, Person, PersonTag
from common.schema.fields import assistant_fields
from common.validation import age_on

from common.sheets.values import normalise_name

_PERSON_COLS = ("id", "grid_id", *(f.key for f in assistant_fields(Person)))
"""The person's own columns the assistant reads: what the schema declares for it."""
_CODE_KEYS = frozenset(f.key for f in assistant_fields(Person) if f.assistant == "dict") | {
    "relation_to_head"}
"""Keys whose values are dictionary codes, shared by many people."""
NO_TAGS: frozenset[str] = frozenset()


@dataclass
class PeopleIndex:
    """Records by person id, by ID number and by normalised name."""

    records: dict[str, dict[str, Any]]
    by_id_number: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_name: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    vocab: Dictionaries = field(default_factory=default_dictionaries)
    """The dictionaries cells are read with (the database's own, synced ones)."""

    @classmethod
    def build(cls, records: Iterable[dict[str, Any]],
              vocab: Dictionaries | None = None) -> "PeopleIndex":
        idx = cls({}, vocab=vocab or default_dictionaries())
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
                id_numbers: Iterable[str] | None = None, names: Iterable[str] | None = None,
                with_tags: bool = True,
                fields: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Flat records (assistant field keys -> canonical values), in register order (grid,
    household number, head first).

    With no selector: every person not deleted. With selectors: the people whose id, ID number
    or name is among the values given (the union), fetched through the indexes in chunks —
    a 10,000-row sheet reads its 10,000 people, not the county's 130,000. `fields`: keep only
    these keys (and the ones matching and the order need) in each record."""
    head = aliased(Person)
    cols = [getattr(Person, c) for c in _PERSON_COLS]
    q = (select(*cols, Household.household_no, Household.address, head.name, head.id_number,
                House.door_plate, House.address, Person.deleted)
         .outerjoin(Household, Household.id == Person.household_id)
         .outerjoin(head, head.id == Household.head_person_id)
         .outerjoin(House, House.id == Person.house_id))
    selectors = [(col, list(dict.fromkeys(v))) for col, v in
                 ((Person.id, person_ids), (Person.id_number, id_numbers), (Person.name, names))
                 if v is not None]
    # with selectors the deleted flag is checked on the rows read, not in SQL: given both,
    # SQLite's planner walked the covering index on `deleted` (every person) instead of
    # looking the values up (0.5 s per chunk of 900 on the county)
    if not selectors:
        queries = [q.where(Person.deleted.is_(False))]
    elif session.get_bind().dialect.name == "sqlite":
        queries = _in_table_order(session, q, selectors)
    else:
        queries = [q.where(col.in_(values[i:i + 900])) for col, values in selectors
                   for i in range(0, len(values), 900)]
    keep = None if fields is None else \
        {"id", "name", "id_number", "grid", "household_no", "relation_to_head", "birth_date",
         "tags", *fields}
    codes = _CODE_KEYS
    shared: dict[Any, Any] = {}
    orgs = _org_names(session)
    paths = dict(session.execute(select(OrgNode.id, OrgNode.path)).all())
    out: dict[str, dict[str, Any]] = {}
    for qq in queries:
        for row in session.execute(qq):
            if row[0] in out or row[-1]:
                continue
            rec = dict(zip(_PERSON_COLS, row[:len(_PERSON_COLS)]))
            (rec["household_no"], rec["household_address"], rec["head_name"],
             rec["head_id_number"], rec["door_plate"], rec["house_address"]) = row[-7:-1]
            _derive(rec)
            birth = rec.get("birth_date")
            rec["age"] = age_on(birth, today) if birth else None
            _place(rec, orgs, paths)
            rec["tags"] = NO_TAGS
            if keep is not None:  # a large sheet's people: only what it reads (memory)
                # codes (sex, ethnicity …) repeat on every person: one string for each
                rec = {k: shared.setdefault(v, v) if k in codes else rec[k]
                       for k in keep if k in rec for v in (rec[k],)}
            out[rec["id"]] = rec
    if with_tags and out:
        _attach_tags(session, out, subset=bool(selectors))
    return sorted(out.values(), key=lambda r: (r["grid"] or "", r["household_no"] or "",
                                               r["relation_to_head"] != "head",
                                               r["birth_date"] or dt.date.min))


def _in_table_order(session: Session, q: Any, selectors: list) -> list:
    """The queries for the people the selectors name, in the table's own (rowid) order.
    The values are looked up in their indexes in sorted order (each index page read once),
    then the rows fetched by rowid, ascending: on an encrypted file every page read is
    decrypted, and rows fetched in a sheet's order touch each page several times."""
    rowid = literal_column(f"{Person.__tablename__}.rowid")
    found: set[int] = set()
    for col, values in selectors:
        values = sorted(v for v in values if v is not None)
        for i in range(0, len(values), 900):
            found.update(session.scalars(select(rowid).where(col.in_(values[i:i + 900]))))
    rows = sorted(found)
    return [q.where(rowid.in_(rows[i:i + 900])) for i in range(0, len(rows), 900)]


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


def _attach_tags(session: Session, by_id: dict[str, dict[str, Any]], *, subset: bool) -> None:
    tags: dict[str, set] = defaultdict(set)
    q = select(PersonTag.person_id, PersonTag.tag_code).where(PersonTag.deleted.is_(False))
    ids = list(by_id)
    queries = [q.where(PersonTag.person_id.in_(ids[i:i + 900]))
               for i in range(0, len(ids), 900)] if subset else [q]
    for qq in queries:
        for pid, code in session.execute(qq):
            if pid in by_id:
                tags[pid].add(code)
    for pid, codes in tags.items():
        by_id[pid]["tags"] = frozenset(codes)


def person_ids_where(session: Session, *conditions: Any) -> list[str]:
    """Ids of people (not deleted) meeting SQLAlchemy conditions over Person."""
    return list(session.scalars(select(Person.id).where(and_(Person.deleted.is_(False),
                                                                *conditions))))
