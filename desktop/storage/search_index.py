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

from sqlalchemy import (Column, Index, MetaData, String, Table, delete, inspect, select,
                        text)
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
        cached = inspect(session.connection()).has_table(person_search_rows.name)
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


# -- 全息检索's search rows -------------------------------------------------------------------
# One narrow row per live person holding what searches test (the searched text, birth date,
# facets, grid) keyed by (sort_key, person_id), i.e. stored in list order: the SQL path of
# 全息检索 walks it in order and stops at a page, and counts over ~40% of the bytes of people's
# covering index. Triggers keep it current in the same transaction as every write to people
# (local edits, pulls, imports alike) and take the sort key from person_search_names ("" until
# the name is indexed, so such people sort first, as before).
SEARCH_ROW_COLUMNS = ("name", "id_number", "phone", "birth_date", "sex", "ethnicity", "religion",
                      "resident_type", "status", "grid_id")

_rows_metadata = MetaData()
person_search_rows = Table(
    "person_search_rows", _rows_metadata,
    Column("sort_key", String(400), primary_key=True),
    Column("person_id", String(36), primary_key=True),
    *(Column(c.name, c.type) for c in Person.__table__.columns if c.name in SEARCH_ROW_COLUMNS),
)

_ROWS_DDL = ("CREATE TABLE IF NOT EXISTS person_search_rows (sort_key VARCHAR(400) NOT NULL, "
             "person_id VARCHAR(36) NOT NULL, name VARCHAR(64), id_number VARCHAR(18), "
             "phone VARCHAR(20), birth_date DATE, sex VARCHAR(8), ethnicity VARCHAR(16), "
             "religion VARCHAR(16), resident_type VARCHAR(16), status VARCHAR(16), "
             "grid_id VARCHAR(36), PRIMARY KEY (sort_key, person_id)) WITHOUT ROWID")
_COLS = ", ".join(SEARCH_ROW_COLUMNS)
_NEW = ", ".join(f"new.{c}" for c in SEARCH_ROW_COLUMNS)
_PUT_NEW = (
    "DELETE FROM person_search_rows WHERE person_id = old.id; "
    "INSERT INTO person_search_rows (sort_key, person_id, {cols}) "
    "SELECT coalesce((SELECT sort_key FROM person_search_names WHERE person_id = new.id), ''), "
    "new.id, {new} WHERE NOT new.deleted;")
_SEARCH_ROW_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS trc_people_search_insert AFTER INSERT ON people BEGIN "
    + _PUT_NEW.replace("old.id", "new.id").format(cols=_COLS, new=_NEW) + " END",
    f"CREATE TRIGGER IF NOT EXISTS trc_people_search_update AFTER UPDATE OF id, deleted, {_COLS} "
    "ON people BEGIN " + _PUT_NEW.format(cols=_COLS, new=_NEW) + " END",
    "CREATE TRIGGER IF NOT EXISTS trc_people_search_delete AFTER DELETE ON people BEGIN "
    "DELETE FROM person_search_rows WHERE person_id = old.id; END",
    "CREATE TRIGGER IF NOT EXISTS trc_search_names_insert AFTER INSERT ON person_search_names "
    "BEGIN UPDATE person_search_rows SET sort_key = coalesce(new.sort_key, '') "
    "WHERE person_id = new.person_id; END",
    "CREATE TRIGGER IF NOT EXISTS trc_search_names_update AFTER UPDATE ON person_search_names "
    "BEGIN UPDATE person_search_rows SET sort_key = coalesce(new.sort_key, '') "
    "WHERE person_id = new.person_id; END",
    "CREATE TRIGGER IF NOT EXISTS trc_search_names_delete AFTER DELETE ON person_search_names "
    "BEGIN UPDATE person_search_rows SET sort_key = '' WHERE person_id = old.person_id; END",
)


@migration("0111_person_search_rows")
def add_person_search_rows(connection) -> None:  # noqa: ANN001 - a SQLAlchemy Connection
    """The search rows of 全息检索, their triggers, and a row for every live person."""
    connection.execute(text(_ROWS_DDL))
    connection.execute(text("CREATE INDEX IF NOT EXISTS ixc_person_search_rows_person "
                            "ON person_search_rows (person_id)"))
    for ddl in _SEARCH_ROW_TRIGGERS:
        connection.execute(text(ddl))
    connection.execute(text("DELETE FROM person_search_rows"))
    connection.execute(text(
        f"INSERT INTO person_search_rows (sort_key, person_id, {_COLS}) "
        f"SELECT coalesce(n.sort_key, ''), p.id, {', '.join('p.' + c for c in SEARCH_ROW_COLUMNS)} "
        "FROM people p LEFT JOIN person_search_names n ON n.person_id = p.id "
        "WHERE NOT p.deleted"))
