"""Client-only pinyin search index over people's names (never synced; rebuilt from `people`).

One row per (key, person): the full pinyin and the initials of a name, with EVERY reading of the
first character (surnames like 单 曾 解 read shan/zeng/xie, pypinyin's default says dan/ceng/jie),
so a prefix range scan on the primary key finds "zs" or "zhangs" in a county-sized profile fast.
`person_search_names` remembers which name each person was indexed under, so a refresh after
sync touches only new or renamed people, and holds the name's sort key (common/sorting.name_key:
by pinyin, surnames read as surnames) so the SQL path of 全息检索 can page people in list order
without reading every match into Python.
"""
from __future__ import annotations

import re
from typing import Iterable

from sqlalchemy import Index, String, delete, inspect, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from common.schema import Person
from common.sorting import name_key

from . import local_log  # noqa: F401 - its migration (0100) registers before ours (0101+)
from .migrations import migration
from .tables import ClientBase

_LETTERS = re.compile(r"[^a-z]")


class PersonSearchKey(ClientBase):
    __tablename__ = "person_search_keys"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)


class PersonSearchName(ClientBase):
    __tablename__ = "person_search_names"

    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # NULL until indexed since 0106 added it (refresh_index fills it)
    sort_key: Mapped[str | None] = mapped_column(String(400), nullable=True)

    __table_args__ = (Index("ixc_person_sort", "sort_key", "person_id"),)


def name_keys(name: str) -> set[str]:
    """Full pinyin and initials of `name` for every reading of its first character."""
    from pypinyin import Style, lazy_pinyin, pinyin  # ~1 s to import: only when indexing

    name = (name or "").strip()
    if not name:
        return set()
    first = pinyin(name[0], style=Style.NORMAL, heteronym=True, errors="ignore")
    readings = [r for r in (first[0] if first else []) if r] or [""]
    rest = [_LETTERS.sub("", p.lower()) for p in lazy_pinyin(name[1:], errors="ignore")]
    rest = [p for p in rest if p]
    keys = set()
    for r in readings:
        r = _LETTERS.sub("", r.lower())
        full = r + "".join(rest)
        initials = (r[:1] if r else "") + "".join(p[0] for p in rest)
        if full:
            keys.add(full[:80])
        if initials:
            keys.add(initials[:80])
    return keys


@migration("0101_person_search_index")
def create_tables(connection) -> None:  # noqa: ANN001 - a SQLAlchemy Connection
    """The client migration that adds the index tables (registered on import of this module)."""
    ClientBase.metadata.create_all(connection, tables=[PersonSearchKey.__table__,
                                                       PersonSearchName.__table__])


# Client-only indexes on synced tables: counts on the home page and the tag and status filters of
# 全息检索 read narrow covering indexes instead of wide encrypted rows.
CLIENT_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ixc_people_status ON people (status, deleted, id)",  # see 0103
    "CREATE INDEX IF NOT EXISTS ixc_person_tags_code ON person_tags (tag_code, deleted, person_id)",
    "CREATE INDEX IF NOT EXISTS ixc_households_live ON households (deleted)",
    "CREATE INDEX IF NOT EXISTS ixc_houses_live ON houses (deleted)",
    "CREATE INDEX IF NOT EXISTS ixc_organisations_live ON organisations (deleted)",
    "CREATE INDEX IF NOT EXISTS ixc_visit_tasks_open ON visit_tasks (status, deleted, due_date)",
    "CREATE INDEX IF NOT EXISTS ixc_events_open ON events (status, deleted)",
)


@migration("0102_client_search_indexes")
def create_client_indexes(connection) -> None:  # noqa: ANN001 - a SQLAlchemy Connection
    for ddl in CLIENT_INDEXES:
        connection.execute(text(ddl))


_PEOPLE_FACETS_0103 = ("CREATE INDEX IF NOT EXISTS ixc_people_facets ON people (deleted, name, "
                       "id, id_number, phone, birth_date, sex, ethnicity, resident_type, status, "
                       "grid_id, house_id, household_id)")
PEOPLE_FACETS = ("CREATE INDEX IF NOT EXISTS ixc_people_facets ON people (deleted, name, id, "
                 "id_number, phone, birth_date, sex, ethnicity, religion, resident_type, status, "
                 "grid_id, house_id, household_id)")


@migration("0103_people_facets_index")
def create_people_facets_index(connection) -> None:  # noqa: ANN001 - a SQLAlchemy Connection
    """A covering index of what searches read: people's rows carry wide JSON field clocks, so
    scanning this (in name order) reads a fraction of the pages. Replaces the (status, deleted)
    index, which led the planner into slow row-by-row lookups."""
    connection.execute(text("DROP INDEX IF EXISTS ixc_people_status"))
    connection.execute(text(_PEOPLE_FACETS_0103))


def index_people(session: Session, people: Iterable[tuple[str, str]]) -> int:
    """(Re)index the given (person_id, name) pairs; never commits."""
    n = 0
    for person_id, name in people:
        session.execute(delete(PersonSearchKey).where(PersonSearchKey.person_id == person_id))
        session.merge(PersonSearchName(person_id=person_id, name=name or "",
                                       sort_key=name_key(name or "")))
        for key in name_keys(name):
            session.add(PersonSearchKey(key=key, person_id=person_id))
        n += 1
    session.flush()
    return n


def refresh_index(session: Session, batch: int = 2000) -> int:
    """Index every person not indexed yet or renamed since (e.g. after a sync); never commits.

    Returns how many people were (re)indexed.
    """
    stale = session.execute(
        select(Person.id, Person.name)
        .outerjoin(PersonSearchName, PersonSearchName.person_id == Person.id)
        .where((PersonSearchName.name.is_(None)) | (PersonSearchName.name != Person.name)
               | PersonSearchName.sort_key.is_(None))
    ).all()
    conn = session.connection()
    done = 0
    for start in range(0, len(stale), batch):
        chunk = stale[start:start + batch]
        ids = [pid for pid, _ in chunk]
        conn.execute(delete(PersonSearchKey).where(PersonSearchKey.person_id.in_(ids)))
        conn.execute(delete(PersonSearchName).where(PersonSearchName.person_id.in_(ids)))
        keys = [{"key": k, "person_id": pid} for pid, name in chunk for k in name_keys(name)]
        if keys:
            conn.execute(PersonSearchKey.__table__.insert(), keys)
        conn.execute(PersonSearchName.__table__.insert(),
                     [{"person_id": pid, "name": name or "", "sort_key": name_key(name or "")}
                      for pid, name in chunk])
        done += len(chunk)
    return done


def prefix_match(prefix: str):  # noqa: ANN201 - a SQLAlchemy Select of person ids
    """Person ids having a key that starts with `prefix` (lower-case letters)."""
    p = _LETTERS.sub("", prefix.lower())
    upper = p[:-1] + chr(ord(p[-1]) + 1) if p else "{"
    return (select(PersonSearchKey.person_id)
            .where(PersonSearchKey.key >= p, PersonSearchKey.key < upper))


def has_index_tables(session: Session) -> bool:
    """Whether this database carries the index (the client's yes; the server's plain one no)."""
    bind = session.get_bind()
    cached = getattr(bind, "_yzb_has_pinyin", None)
    if cached is None:
        from sqlalchemy import inspect
        # on the session's own connection: a second one would wait for this transaction's
        # write lock (storage/database.py starts transactions IMMEDIATE)
        cached = inspect(session.connection()).has_table(PersonSearchKey.__tablename__)
        try:
            bind._yzb_has_pinyin = cached  # type: ignore[attr-defined]
        except AttributeError:
            pass
    return cached


@migration("0104_people_religion")
def add_people_religion(connection) -> None:  # noqa: ANN001 - a SQLAlchemy Connection
    """宗教信仰 (people.religion), a search facet: the column, and the covering index of what
    searches read rebuilt to hold it."""
    have = {c["name"] for c in inspect(connection).get_columns("people")}
    if "religion" not in have:
        connection.execute(text('ALTER TABLE people ADD COLUMN religion VARCHAR(16)'))
    connection.execute(text("DROP INDEX IF EXISTS ixc_people_facets"))
    connection.execute(text(PEOPLE_FACETS))


@migration("0105_grid_live_indexes")
def add_grid_live_indexes(connection) -> None:  # noqa: ANN001 - a SQLAlchemy Connection
    """The (grid_id, deleted) indexes the shared schema declares on people, households and
    houses (new databases get them from the schema; older ones here)."""
    for table in ("people", "households", "houses"):
        connection.execute(text(f"CREATE INDEX IF NOT EXISTS ix_{table}_grid_live "
                                f"ON {table} (grid_id, deleted)"))


@migration("0106_person_sort_keys")
def add_person_sort_keys(connection) -> None:  # noqa: ANN001 - a SQLAlchemy Connection
    """The name sort key beside each indexed name, and its index: the SQL path of 全息检索 pages
    in list order in SQL. Existing rows get their key at the next refresh_index (sign-in)."""
    have = {c["name"] for c in inspect(connection).get_columns("person_search_names")}
    if "sort_key" not in have:
        connection.execute(text("ALTER TABLE person_search_names ADD COLUMN sort_key VARCHAR(400)"))
    connection.execute(text("CREATE INDEX IF NOT EXISTS ixc_person_sort "
                            "ON person_search_names (sort_key, person_id)"))
