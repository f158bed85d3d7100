"""Applying this device's own edits and pulled changes to a people index in milliseconds instead
of rebuilding it.

After a local edit or a pull the index no longer matches the database (its fingerprint moved) and
searches fall back to SQL until it is brought up to date. Most changes touch a phone, a status, a
tag or a house of people already indexed, without renaming them: their row keeps its place in the
(name_key, id) order, so the change is a few bit flips on a copy of the index. Local edits are
found in the local history; pulled ones by their server rev, above the highest rev the index has
seen. Anything else (a new, renamed, deleted or departed person, many changes) returns None and
the caller rebuilds.
Runs on a reader thread; the index being read by others is never modified.
"""
from __future__ import annotations

import copy
import threading
from array import array

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.schema import Person, PersonTag
from common.sorting import name_key
from desktop.storage.tables import LocalHistory

from .people_index import LOW, PeopleIndex, _Blob, fingerprint, max_revs

MAX_CHANGES = 500
HIGH = ("grid_id", "house_id", "household_id")


def patched(ix: PeopleIndex, session: Session) -> PeopleIndex | None:
    """A copy of `ix` with the local edits made since it was built, or None (rebuild)."""
    new_fp = fingerprint(session)
    if not ix.size:
        return None
    pulled = new_fp[1:] != ix.fingerprint[1:]
    revs = max_revs(session) if pulled else ix.revs
    since = ix.fingerprint[0] or 0
    changes = session.execute(select(LocalHistory.entity, LocalHistory.record_id)
                              .where(LocalHistory.seq > since)
                              .limit(MAX_CHANGES + 1)).all()
    if len(changes) > MAX_CHANGES:
        return None
    people: set[str] = set()
    for entity, record_id in changes:
        if entity == "people":
            people.add(record_id)
        elif entity == "person_tags":
            tag = session.get(PersonTag, record_id)
            if tag is None:
                return None
            people.add(tag.person_id)
    if pulled:
        people_rev, tags_rev = ix.revs
        arrived = session.execute(select(Person.id).where(Person.rev > people_rev)
                                  .limit(MAX_CHANGES + 1)).scalars().all()
        tagged = session.execute(select(PersonTag.person_id).where(PersonTag.rev > tags_rev)
                                 .limit(MAX_CHANGES + 1)).scalars().all()
        if len(arrived) > MAX_CHANGES or len(tagged) > MAX_CHANGES:
            return None
        people.update(arrived)
        people.update(tagged)
        # A record that left the scope is dropped without a trace: the count tells.
        alive = session.execute(select(func.count()).select_from(Person)
                                .where(Person.deleted.is_(False))).scalar()
        if alive != ix.size:
            return None
    rows = {p.id: p for p in session.execute(
        select(Person).where(Person.id.in_(people))).scalars()} if people else {}
    for pid in people:
        p = rows.get(pid)
        i = ix.row_of.get(pid)
        if p is None or p.deleted or i is None or name_key(p.name or "") != ix.keys[i][0]:
            return None  # new, deleted or renamed: its place in the order changes
    new = _copy(ix)
    new.fingerprint = new_fp
    new.revs = revs
    texts: dict[str, list[str]] = {}
    for pid in people:
        _apply(new, session, ix.row_of[pid], rows[pid], texts)
    for name, values in texts.items():
        new.blobs[name] = _Blob(values)
    return new


def _copy(ix: PeopleIndex) -> PeopleIndex:
    new = copy.copy(ix)
    new.low = {c: dict(d) for c, d in ix.low.items()}
    new.high = {c: dict(d) for c, d in ix.high.items()}
    new.row_high = {c: list(v) for c, v in ix.row_high.items()}
    new.by_year = dict(ix.by_year)
    new.rows_in_year = dict(ix.rows_in_year)
    new.birth = array(ix.birth.typecode, ix.birth)
    new.tags = dict(ix.tags)
    new.blobs = dict(ix.blobs)
    new._memo = {}
    new._memo_lock = threading.Lock()
    return new


def _apply(ix: PeopleIndex, session: Session, i: int, p: Person,
           texts: dict[str, list[str]]) -> None:
    bit = 1 << i
    for col in LOW:
        table = ix.low.setdefault(col, {})
        for value, bits in list(table.items()):
            if bits & bit:
                table[value] = bits & ~bit
        value = getattr(p, col)
        if value is not None:
            table[value] = table.get(value, 0) | bit
    for col in HIGH:
        old, value = ix.row_high[col][i], getattr(p, col)
        if old == value:
            continue
        table = ix.high[col]
        if old is not None and old in table:
            table[old] = array("I", (r for r in table[old] if r != i))
        if value is not None:
            table[value] = array("I", [*table.get(value, ()), i])
        ix.row_high[col][i] = value
    old_birth, birth = ix.birth[i], p.birth_date.toordinal() if p.birth_date else 0
    if old_birth != birth:
        if old_birth:
            y = _year(old_birth)
            ix.by_year[y] &= ~bit
            ix.rows_in_year[y] = array("I", (r for r in ix.rows_in_year[y] if r != i))
            ix.known_birth &= ~bit
        if birth:
            y = p.birth_date.year
            ix.by_year[y] = ix.by_year.get(y, 0) | bit
            ix.rows_in_year[y] = array("I", [*ix.rows_in_year.get(y, ()), i])
            ix.known_birth |= bit
        ix.birth[i] = birth
    codes = set(session.execute(select(PersonTag.tag_code).where(
        PersonTag.person_id == p.id, PersonTag.deleted.is_(False))).scalars())
    for code in set(ix.tags) | codes:
        bits = ix.tags.get(code, 0)
        ix.tags[code] = (bits | bit) if code in codes else (bits & ~bit)
    for name, value in (("id_number", p.id_number or ""), ("phone", p.phone or "")):
        values = texts.get(name)
        if values is None:
            values = texts[name] = ix.blobs[name].text.split("\n")
        values[i] = value


def _year(ordinal: int) -> int:
    import datetime as dt
    return dt.date.fromordinal(ordinal).year
