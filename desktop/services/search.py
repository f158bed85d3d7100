"""全息检索: multi-condition search over people (PeopleQuery → SQL), on any database.

On the client the free text also matches pinyin and pinyin initials through the client-only index
(desktop/storage/search_index.py). On a database without that index (the server's plain SQLite or
PostgreSQL) free text matches the name, an ID-number fragment or a phone fragment only. Runs on a
reader thread (or the server's request thread); never writes.
"""
from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (Select, and_, distinct, func, literal, or_, select, tuple_,
                        union_all)
from sqlalchemy.orm import Session

from common.schema import Household, House, OrgNode, Person, PersonTag
from common.schema.fields import facet_fields, list_columns
from common.sorting import name_key
from desktop.storage.search_index import has_index_tables, person_search_rows, prefix_match

from .people_index import fresh_index

_ASCII_LETTERS = re.compile(r"^[A-Za-z]+$")
_ID_FRAGMENT = re.compile(r"^[0-9]+[Xx]?$")


@dataclass(frozen=True)
class PeopleQuery:
    """The conditions of a search; every condition left empty is ignored.

    Ages are whole years on the `today` given to the search. Codes are dictionary codes
    (common/dictionaries.py). `tags_any`: has at least one of these tags; `tags_all`: has every
    one. `org_node_id`: anywhere below this org node (a grid, village or township).
    `statuses` defaults to nothing, i.e. every status. `household_no`: the 户号, exactly.
    """

    text: str = ""
    age_min: int | None = None
    age_max: int | None = None
    sex: str | None = None
    ethnicities: tuple[str, ...] = ()
    religions: tuple[str, ...] = ()
    tags_any: tuple[str, ...] = ()
    tags_all: tuple[str, ...] = ()
    resident_types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    grid_ids: tuple[str, ...] = ()
    org_node_id: str | None = None
    building_id: str | None = None
    house_id: str | None = None
    household_id: str | None = None
    household_no: str = ""

    def to_json(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v)
                for k, v in dataclasses.asdict(self).items()
                if v not in (None, "", ())}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "PeopleQuery":
        names = {f.name: f for f in dataclasses.fields(cls)}
        kw = {k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items() if k in names}
        return cls(**kw)

    def is_empty(self) -> bool:
        return not self.to_json()


@dataclass
class PersonRow:
    """What a list of people shows (sensitive fields still in clear: the model masks them):
    the declared list columns (common/schema/people.py) and the references a page follows."""

    id: str
    name: str
    sex: str
    birth_date: dt.date | None
    ethnicity: str | None
    id_number: str
    phone: str | None
    resident_type: str
    status: str
    grid_id: str | None
    household_id: str | None
    house_id: str | None
    address: str | None
    religion: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


ROW_COLUMNS = tuple(getattr(Person, c) for c in dict.fromkeys(
    ["id", *list_columns(Person), "grid_id", "household_id", "house_id"]))
ROWS = person_search_rows  # the client's search rows, in list order


def facet_values(q: PeopleQuery) -> list[tuple[str, tuple[str, ...]]]:
    """(field, chosen codes) of every declared search facet `q` sets (sex is a single code)."""
    out = []
    for f in facet_fields(Person):
        v = getattr(q, f.facet)
        values = ((v,) if v else ()) if isinstance(v, str) or v is None else tuple(v)
        if values:
            out.append((f.key, values))
    return out


def has_pinyin_index(session: Session) -> bool:
    """Whether this database carries the client's pinyin index (cached per engine)."""
    return has_index_tables(session)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year - years, day=28)


def _below(node_id: str, grid_column: Any) -> Any:
    """`grid_column` is the node itself or a live grid below it."""
    below = select(OrgNode.path).where(OrgNode.id == node_id).scalar_subquery()
    grids = select(OrgNode.id).where(OrgNode.path.startswith(below), OrgNode.deleted.is_(False))
    return or_(grid_column == node_id, grid_column.in_(grids))


def _places(q: PeopleQuery) -> list[Any]:
    """The conditions over `Person` of the household, house and building `q` names."""
    c: list[Any] = []
    if q.household_id:
        c.append(Person.household_id == q.household_id)
    if q.household_no.strip():
        c.append(Person.household_id.in_(select(Household.id).where(
            Household.household_no == q.household_no.strip(), Household.deleted.is_(False))))
    if q.house_id:
        c.append(Person.house_id == q.house_id)
    if q.building_id:
        c.append(Person.house_id.in_(
            select(House.id).where(House.building_id == q.building_id,
                                   House.deleted.is_(False))))
    return c


def _tagged(q: PeopleQuery, person_id: Any) -> list[Any]:
    """`person_id` has any of `q.tags_any` and all of `q.tags_all`. IN (subquery) rather than
    correlated EXISTS: the tag lookup is done once, through the tag_code index, instead of once
    per person (seconds on a county-sized profile)."""
    c: list[Any] = []
    if q.tags_any:
        c.append(person_id.in_(select(PersonTag.person_id).where(
            PersonTag.tag_code.in_(q.tags_any), PersonTag.deleted.is_(False))))
    if q.tags_all:
        wanted = tuple(dict.fromkeys(q.tags_all))
        c.append(person_id.in_(
            select(PersonTag.person_id)
            .where(PersonTag.tag_code.in_(wanted), PersonTag.deleted.is_(False))
            .group_by(PersonTag.person_id)
            .having(func.count(distinct(PersonTag.tag_code)) == len(wanted))))
    return c


def conditions(q: PeopleQuery, *, today: dt.date, pinyin: bool) -> list[Any]:
    """The WHERE conditions of `q` over `Person` (tombstoned people never match)."""
    c: list[Any] = [Person.deleted.is_(False)]
    if q.age_min is not None:
        c.append(Person.birth_date <= _years_before(today, q.age_min))
    if q.age_max is not None:
        c.append(Person.birth_date > _years_before(today, q.age_max + 1))
    for key, values in facet_values(q):
        column = getattr(Person, key)
        c.append(column == values[0] if len(values) == 1 else column.in_(values))
    if q.grid_ids:
        c.append(Person.grid_id.in_(q.grid_ids))
    if q.org_node_id:
        c.append(_below(q.org_node_id, Person.grid_id))
    c += _places(q)
    c += _tagged(q, Person.id)
    text = (q.text or "").strip()
    if text:
        c.append(_text_condition(text, pinyin))
    return c


def _text_condition(text: str, pinyin: bool) -> Any:
    like = f"%{_escape(text)}%"
    alternatives = [Person.name.like(like, escape="\\")]
    if _ID_FRAGMENT.match(text):
        alternatives.append(Person.id_number.like(f"%{_escape(text.upper())}%", escape="\\"))
        if text.isdigit():
            alternatives.append(Person.phone.like(like, escape="\\"))
    if pinyin and _ASCII_LETTERS.match(text):
        alternatives.append(Person.id.in_(prefix_match(text)))
    return or_(*alternatives)


def _escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def people_select(q: PeopleQuery, *, today: dt.date, pinyin: bool | None = None,
                  session: Session | None = None) -> Select:
    """SELECT of the listed columns of every matching person (no order, no limit)."""
    if pinyin is None:
        pinyin = has_pinyin_index(session) if session is not None else False
    return select(*ROW_COLUMNS).where(and_(*conditions(q, today=today, pinyin=pinyin)))


def count_people(session: Session, q: PeopleQuery, *, today: dt.date) -> int:
    """How many people match `q` (from the in-memory index when it is fresh, else SQL)."""
    index = fresh_index(session)
    if index is not None:
        return index.count(q, today=today, session=session)
    if not has_pinyin_index(session):
        return session.execute(select(func.count()).select_from(Person).where(
            and_(*conditions(q, today=today, pinyin=False)))).scalar_one()
    # the first page's walk decides: when it ran out of matches before the page was full it
    # saw them all, and their number is the count (one pass); else they are counted
    _ordered_ids(session, q, today=today, limit=_FIRST_PAGE)
    known = _memo_get(session, ("count", q, today))
    if known is not None:
        return known
    n = session.execute(select(func.count()).select_from(ROWS).where(
        *row_conditions(q, today=today))).scalar_one()
    _memo_put(session, ("count", q, today), n)
    return n


_FIRST_PAGE = 200  # the list's page (desktop/ui/widgets/people_model.PAGE)
_MEMO_SIZE = 16


def _memo(session: Session) -> tuple[dict, tuple]:
    """This connection's memo (kept with the pooled connection, gone with it) and the state
    of the file it was read at: SQLite's data_version moves with every commit of another
    connection, total_changes with every change made on this one."""
    fairy = session.connection().connection
    raw = fairy.driver_connection
    version = raw.execute("PRAGMA data_version").fetchone()[0]
    return fairy.info.setdefault("search_memo", {}), (version, raw.total_changes)


def _memo_get(session: Session, key: tuple) -> Any:
    """What the SQL path worked out for `key` while the database has not changed since (any
    commit, local or pulled, pinyin keys included): the count and first page of one search
    share one walk over the search rows instead of reading them twice."""
    memo, state = _memo(session)
    return memo.get((state, key))


def _memo_put(session: Session, key: tuple, value: Any) -> None:
    memo, state = _memo(session)
    for old in [k for k in memo if k[0] != state]:
        del memo[old]
    if len(memo) >= _MEMO_SIZE:
        memo.pop(next(iter(memo)))
    memo[(state, key)] = value


def search_people(session: Session, q: PeopleQuery, *, today: dt.date, limit: int = 200,
                  after: tuple[str, str] | None = None) -> list[PersonRow]:
    """Up to `limit` matching people in list order: names by pinyin (common/sorting.py), then id.

    `after` is the (name, id) of the last row already shown: keyset paging, so fetching the
    next window costs the same deep in a 130,000-row list as at its top.
    """
    index = fresh_index(session)
    if index is not None:
        ids = index.page_ids(q, today=today, session=session, limit=limit, after=after)
    else:
        ids = _ordered_ids(session, q, today=today, limit=limit, after=after)
    if not ids:
        return []
    found = {r[0]: r for r in session.execute(
        select(*ROW_COLUMNS).where(Person.id.in_(ids))).all()}
    return [PersonRow(**found[i]._asdict()) for i in ids if i in found]



def row_conditions(q: PeopleQuery, *, today: dt.date) -> list[Any]:
    """The WHERE conditions of `q` over the client's search rows (storage/search_index.py: one
    row per live person, in list order); the same people as `conditions(q, pinyin=True)`."""
    c: list[Any] = []
    if q.age_min is not None:
        c.append(ROWS.c.birth_date <= _years_before(today, q.age_min))
    if q.age_max is not None:
        c.append(ROWS.c.birth_date > _years_before(today, q.age_max + 1))
    for key, values in facet_values(q):
        column = ROWS.c.get(key)
        if column is None:  # a facet the search rows do not hold: asked of people
            column = getattr(Person, key)
            c.append(ROWS.c.person_id.in_(select(Person.id).where(
                column.in_(values), Person.deleted.is_(False))))
        else:
            c.append(column == values[0] if len(values) == 1 else column.in_(values))
    if q.grid_ids:
        c.append(ROWS.c.grid_id.in_(q.grid_ids))
    if q.org_node_id:
        c.append(_below(q.org_node_id, ROWS.c.grid_id))
    # places are narrow: their people through people's own indexes
    places = _places(q)
    if places:
        c.append(ROWS.c.person_id.in_(select(Person.id).where(*places)))
    c += _tagged(q, ROWS.c.person_id)
    text = (q.text or "").strip()
    if text:
        c.append(_row_text_condition(text))
    return c


def _row_text_condition(text: str) -> Any:
    if not _ASCII_LETTERS.match(text):
        return or_(*_text_alternatives(ROWS, text))
    # pinyin too: the union of the two sets (an OR of the LIKE and an IN costs ~2.5x as much)
    rows = ROWS.alias("texts")
    return ROWS.c.person_id.in_(union_all(
        select(rows.c.person_id).where(or_(*_text_alternatives(rows, text))),
        prefix_match(text)))


def _text_alternatives(table: Any, text: str) -> list[Any]:
    like = f"%{_escape(text)}%"
    alternatives = [table.c.name.like(like, escape="\\")]
    if _ID_FRAGMENT.match(text):
        alternatives.append(table.c.id_number.like(f"%{_escape(text.upper())}%", escape="\\"))
        if text.isdigit():
            alternatives.append(table.c.phone.like(like, escape="\\"))
    return alternatives


def _ordered_ids(session: Session, q: PeopleQuery, *, today: dt.date, limit: int | None = None,
                 after: tuple[str, str] | None = None) -> list[str]:
    """The ids of the matches in list order, from SQL (while the in-memory index is stale or
    rebuilding). On the client the search rows are stored in list order, so SQL walks them
    and stops at the page; elsewhere (no client tables) the names are sorted here."""
    if not has_pinyin_index(session):
        conds = conditions(q, today=today, pinyin=False)
        rows = session.execute(select(Person.name, Person.id).where(and_(*conds))).all()
        keys = sorted((name_key(name or ""), pid) for name, pid in rows)
        if after is not None:
            keys = keys[bisect.bisect_right(keys, (name_key(after[0]), after[1])):]
        return [pid for _, pid in keys[:limit]]
    first = limit is not None and after is None
    if first:
        known = _memo_get(session, ("first", q, today, limit))
        if known is not None:
            return list(known)
    conds = row_conditions(q, today=today)
    if after is not None:
        conds.append(tuple_(ROWS.c.sort_key, ROWS.c.person_id)
                     > tuple_(literal(_stored_key(session, after)), literal(after[1])))
    stmt = (select(ROWS.c.person_id).where(*conds)
            .order_by(ROWS.c.sort_key, ROWS.c.person_id))
    if limit is not None:
        stmt = stmt.limit(limit)
    ids = list(session.execute(stmt).scalars())
    if first:
        _memo_put(session, ("first", q, today, limit), tuple(ids))
        if len(ids) < limit:  # the walk saw every match
            _memo_put(session, ("count", q, today), len(ids))
    return ids


def _stored_key(session: Session, after: tuple[str, str]) -> str:
    """The sort key the SQL path ordered the row `after` by: its search row's ("" while its
    name is not indexed), or its name's when the person is gone."""
    row = session.execute(select(ROWS.c.sort_key)
                          .where(ROWS.c.person_id == after[1])).first()
    return row[0] if row is not None else name_key(after[0])


def search_person_ids(session: Session, q: PeopleQuery, *, today: dt.date) -> list[str]:
    """The ids of every matching person in list order (for exports and the assistant)."""
    index = fresh_index(session)
    if index is not None:
        return index.page_ids(q, today=today, session=session, limit=index.size)
    return _ordered_ids(session, q, today=today)


__all__ = ["PeopleQuery", "PersonRow", "count_people", "search_people", "search_person_ids",
           "people_select", "conditions", "row_conditions", "has_pinyin_index"]
