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

from sqlalchemy import Select, and_, distinct, func, or_, select
from sqlalchemy.orm import Session

from common.schema import Household, House, OrgNode, Person, PersonTag
from common.schema.fields import facet_fields, list_columns
from common.sorting import name_key
from desktop.storage.search_index import PersonSearchName, has_index_tables, prefix_match

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
        below = select(OrgNode.path).where(OrgNode.id == q.org_node_id).scalar_subquery()
        grids = select(OrgNode.id).where(OrgNode.path.startswith(below),
                                         OrgNode.deleted.is_(False))
        c.append(or_(Person.grid_id == q.org_node_id, Person.grid_id.in_(grids)))
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
    # IN (subquery) rather than correlated EXISTS: the tag lookup is done once, through the
    # tag_code index, instead of once per person (seconds on a county-sized profile).
    if q.tags_any:
        c.append(Person.id.in_(select(PersonTag.person_id).where(
            PersonTag.tag_code.in_(q.tags_any), PersonTag.deleted.is_(False))))
    if q.tags_all:
        wanted = tuple(dict.fromkeys(q.tags_all))
        c.append(Person.id.in_(
            select(PersonTag.person_id)
            .where(PersonTag.tag_code.in_(wanted), PersonTag.deleted.is_(False))
            .group_by(PersonTag.person_id)
            .having(func.count(distinct(PersonTag.tag_code)) == len(wanted))))
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
    pinyin = has_pinyin_index(session)
    if pinyin:
        # the first page's query decides: a narrow search reads every match in that one pass
        # (kept for the count), a wide one finds its page in a window of names and is counted
        _ordered_ids(session, q, today=today, limit=_FIRST_PAGE)
        known = _memo_get(session, ("matches", q, today))
        if known is not None:
            return len(known)
    stmt = select(func.count()).select_from(Person).where(
        and_(*conditions(q, today=today, pinyin=pinyin)))
    return session.execute(stmt).scalar_one()


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
    commit, local or pulled, pinyin keys included): the count and page of one search share
    one pass over the people instead of scanning them twice."""
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


_WINDOW = 5000  # names walked in list order before a page falls back to sorting every match


def _ordered_ids(session: Session, q: PeopleQuery, *, today: dt.date, limit: int | None = None,
                 after: tuple[str, str] | None = None) -> list[str]:
    """The ids of the matches in list order, from SQL (while the in-memory index is stale or
    rebuilding). On the client the name's sort key is stored beside the pinyin index, so SQL
    orders and cuts the page; elsewhere (no index tables) the names are sorted here."""
    if has_pinyin_index(session) and limit is not None and after is None:
        known = _memo_get(session, ("matches", q, today))
        if known is not None:
            return known[:limit]
        known = _memo_get(session, ("first", q, today, limit))
        if known is not None:
            return list(known)
    conds = conditions(q, today=today, pinyin=has_pinyin_index(session))
    if not has_pinyin_index(session):
        rows = session.execute(select(Person.name, Person.id).where(and_(*conds))).all()
        keys = sorted((name_key(name or ""), pid) for name, pid in rows)
        if after is not None:
            keys = keys[bisect.bisect_right(keys, (name_key(after[0]), after[1])):]
        return [pid for _, pid in keys[:limit]]
    # people pulled since the names were last indexed have no key yet: they sort first
    key = func.coalesce(PersonSearchName.sort_key, "")
    if after is not None:
        k = _stored_key(session, after)
        conds.append(or_(key > k, and_(key == k, Person.id > after[1])))
    walked = limit is not None and _names_complete(session)
    if walked:
        # Many matches (the whole list, a wide filter): walk the names in list order from
        # `after` and stop at the page; only when a window of names holds too few matches is
        # every match sorted (a narrow filter has few to sort).
        stored = PersonSearchName.sort_key
        window = select(PersonSearchName.person_id, stored)
        if after is not None:
            window = window.where(or_(stored > k, and_(stored == k,
                                                       PersonSearchName.person_id > after[1])))
        w = window.order_by(stored, PersonSearchName.person_id).limit(_WINDOW).subquery()
        page = list(session.execute(
            select(w.c.person_id).join(Person, Person.id == w.c.person_id)
            .where(and_(*(conds[:-1] if after is not None else conds)))
            .order_by(w.c.sort_key, w.c.person_id).limit(limit)).scalars())
        if len(page) == limit:
            if after is None:
                _memo_put(session, ("first", q, today, limit), tuple(page))
            return page
    stmt = (select(Person.id)
            .outerjoin(PersonSearchName, PersonSearchName.person_id == Person.id)
            .where(and_(*conds)).order_by(key, Person.id))
    if walked and after is None:
        # a narrow search (its first page was not in the window): every match is read and
        # sorted in this one pass anyway, so all are kept; the count is their number
        everyone = list(session.execute(stmt).scalars())
        _memo_put(session, ("matches", q, today), everyone)
        return everyone[:limit]
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt).scalars())


def _stored_key(session: Session, after: tuple[str, str]) -> str:
    """The sort key the SQL path ordered the row `after` by: the stored one ("" while it has
    none), or its name's when the person is gone."""
    row = session.execute(select(PersonSearchName.sort_key)
                          .where(PersonSearchName.person_id == after[1])).first()
    if row is not None:
        return row[0] or ""
    known = session.execute(select(Person.id).where(Person.id == after[1])).first()
    return "" if known is not None else name_key(after[0])


def _names_complete(session: Session) -> bool:
    """Whether every person has a name sort key (not so for people a pull brought in until
    the pinyin index is refreshed after it)."""
    known = _memo_get(session, ("names_complete",))
    if known is not None:
        return known
    people = session.execute(select(func.count()).select_from(Person)).scalar_one()
    keyed = session.execute(select(func.count()).select_from(PersonSearchName)
                            .where(PersonSearchName.sort_key.is_not(None))).scalar_one()
    _memo_put(session, ("names_complete",), keyed >= people)
    return keyed >= people


def search_person_ids(session: Session, q: PeopleQuery, *, today: dt.date) -> list[str]:
    """The ids of every matching person in list order (for exports and the assistant)."""
    index = fresh_index(session)
    if index is not None:
        return index.page_ids(q, today=today, session=session, limit=index.size)
    return _ordered_ids(session, q, today=today)


__all__ = ["PeopleQuery", "PersonRow", "count_people", "search_people", "search_person_ids",
           "people_select", "conditions", "has_pinyin_index"]
