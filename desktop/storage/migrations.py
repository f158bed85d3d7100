"""Client database migrations: named, ordered, recorded, each in its own transaction.

In the style of sqlite-utils' migrations: a migration is a function registered under a unique
name, applied once, in order, and recorded in `_migrations`. SQLite DDL is transactional, so a
migration that fails leaves the database as it was. A migration added later must work on both a
database created by an older release and one created fresh (check before altering).

The database records its schema version (`PRAGMA user_version`: how many migrations it has had).
A client that finds a database newer than the migrations it knows (a laptop that went back to an
older release, or a profile copied from a newer one) refuses it with `database_too_new` instead
of running on tables it does not understand.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Callable

from sqlalchemy import Connection, Engine, inspect, text

from common.schema import Base

from .errors import TOO_NEW, StorageError, translated
from .tables import ClientBase

Migration = Callable[[Connection], None]
MIGRATIONS: list[tuple[str, Migration]] = []

def migration(name: str) -> Callable[[Migration], Migration]:
    def register(fn: Migration) -> Migration:
        if any(n == name for n, _ in MIGRATIONS):
            raise ValueError(f"duplicate migration {name}")
        MIGRATIONS.append((name, fn))
        return fn
    return register


@migration("0001_initial")
def _initial(conn: Connection) -> None:
    """The synced entities (as declared in common.schema) and the client's own tables."""
    Base.metadata.create_all(conn)
    ClientBase.metadata.create_all(conn)


@migration("0002_add_missing_columns")
def _add_missing_columns(conn: Connection) -> None:
    """Columns added to the schema since a database was created: added, empty (never dropped)."""
    insp = inspect(conn)
    for metadata in (Base.metadata, ClientBase.metadata):
        existing_tables = set(insp.get_table_names())
        for table in metadata.sorted_tables:
            if table.name not in existing_tables:
                table.create(conn)
                continue
            have = {c["name"] for c in insp.get_columns(table.name)}
            for col in table.columns:
                if col.name not in have:
                    ddl = col.type.compile(dialect=conn.dialect)
                    conn.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN "{col.name}" {ddl}'))


def applied(engine: Engine) -> list[str]:
    with engine.begin() as conn:
        _ensure_table(conn)
        return [r[0] for r in conn.execute(text("SELECT name FROM _migrations ORDER BY seq"))]


def schema_version() -> int:
    """The schema version this client writes: the number of migrations it knows."""
    return len(MIGRATIONS)


def check_version(engine: Engine) -> None:
    """Refuse (StorageError `database_too_new`) a database written by a newer client: its
    recorded version is above ours, or it has had migrations this client does not know."""
    with translated(), engine.connect() as conn:
        found = conn.exec_driver_sql("PRAGMA user_version").scalar() or 0
        has_log = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'").first()
        names = {r[0] for r in conn.execute(text("SELECT name FROM _migrations"))} \
            if has_log else set()
    unknown = names - {name for name, _ in MIGRATIONS}
    if found > schema_version() or unknown:
        raise StorageError(TOO_NEW, found=max(found, len(names)), known=schema_version())


def migrate(engine: Engine, *, now: dt.datetime | None = None) -> list[str]:
    """Apply every pending migration in order, then add any table or column declared since
    (additive only, never a drop), and record the schema version; return the names applied
    now. A database newer than this client, locked, read-only, full or damaged raises
    StorageError (errors.py) and is left as it was."""
    check_version(engine)
    with translated():
        done = set(applied(engine))
        if any(name not in done for name, _ in MIGRATIONS):
            with engine.begin() as conn:  # migrations meet the schema they were written for
                restore_dropped_indexes(conn)
        ran = []
        for name, fn in sorted(MIGRATIONS, key=lambda m: m[0]):
            if name in done:
                continue
            with engine.begin() as conn:
                fn(conn)
                conn.execute(text("INSERT INTO _migrations (name, applied_at) VALUES (:n, :t)"),
                             {"n": name,
                              "t": (now or dt.datetime.now(dt.timezone.utc)).isoformat()})
            ran.append(name)
        with engine.begin() as conn:
            _add_missing_columns(conn)
            conn.exec_driver_sql(f"PRAGMA user_version = {schema_version():d}")
    return ran


DROPPED_INDEXES = "first_sync_indexes"
"""Client setting (client_settings): the secondary indexes a first sync into an empty copy
dropped, [name, CREATE INDEX statement] each, until it ends and builds them again
(services/first_sync.py)."""


def build_indexes(conn: Connection, indexes: list[list[str]]) -> None:
    """Build indexes from their CREATE INDEX statements (any still there is left as it is)."""
    for _, sql in indexes:
        head, _, rest = sql.partition("INDEX")
        if not rest.lstrip().upper().startswith("IF NOT EXISTS"):
            sql = f"{head}INDEX IF NOT EXISTS{rest}"
        conn.exec_driver_sql(sql)


def restore_dropped_indexes(conn: Connection) -> None:
    """Build again the indexes an unfinished first sync dropped, and forget them: a migration
    that drops or replaces one then sees it, and the first sync goes on with its indexes."""
    if conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                            "AND name = 'client_settings'").first() is None:
        return
    row = conn.exec_driver_sql("SELECT value FROM client_settings WHERE name = ?",
                               (DROPPED_INDEXES,)).first()
    if row is None:
        return
    build_indexes(conn, json.loads(row[0]) or [])
    conn.exec_driver_sql("DELETE FROM client_settings WHERE name = ?", (DROPPED_INDEXES,))


def _ensure_table(conn: Connection) -> None:
    conn.execute(text("CREATE TABLE IF NOT EXISTS _migrations (seq INTEGER PRIMARY KEY "
                      "AUTOINCREMENT, name TEXT UNIQUE NOT NULL, applied_at TEXT NOT NULL)"))


__all__ = ["MIGRATIONS", "migration", "migrate", "applied", "check_version", "schema_version"]

# The modules that register migrations of their own tables, imported here (after `migration`
# exists) so a database gets every migration whichever storage module a process imported first.
from . import local_log, search_index, settings  # noqa: E402, F401
