"""Build a complete demo server database: migrate, generate the county, add the accounts'
credentials and move the server's rev counter past every demo record."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import JSON, Connection, Engine, func, insert, literal, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import ENTITIES, Base, OrgNode, User
from common.sync import hlc

from ..db import all_tables  # noqa: F401  (makes ServerBase.metadata complete for --force)
from ..db.engine import make_engine
from ..db.migrate import migrate
from ..db.sync_tables import ChangeLog
from ..db.tables import Counter, Credential, ServerBase
from ..services import dashboard
from ..services.passwords import hash_password
from .core import Summary, generate

DEMO_PASSWORD = "Demo@2026"
"""The password of every demo account (admin, xz_<township>, wg_<grid code>)."""


def is_populated(engine: Engine) -> bool:
    """Whether the database already holds an org tree (a demo or real data)."""
    with engine.connect() as conn:
        if not engine.dialect.has_table(conn, OrgNode.__tablename__):
            return False
        return bool(conn.execute(select(func.count()).select_from(OrgNode)).scalar())


def wipe(url: str, engine: Engine) -> Engine:
    """Remove every table this project declares (for --force); a SQLite file is deleted."""
    u = make_url(engine.url)
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:"):
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(u.database + suffix).unlink(missing_ok=True)
        return make_engine(url)
    with engine.begin() as conn:
        ServerBase.metadata.drop_all(conn)
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    return engine


def log_creations(conn: Connection, *, after_rev: int, now: dt.datetime) -> None:
    """One change-log entry per demo record (its creation), as the one write path would have
    written: pulls find changed entities through the log, and a record's history starts there.
    INSERT … SELECT, so the rows never pass through Python."""
    clock = hlc.stamp(int(now.replace(tzinfo=dt.timezone.utc).timestamp() * 1000), 0, "demo")
    for name, entity in ENTITIES.items():
        t = entity.__table__
        conn.execute(insert(ChangeLog).from_select(
            ["rev", "entity", "record_id", "grid_id", "values", "old_values", "clock", "at"],
            select(t.c.rev, literal(name), t.c.id, t.c.grid_id, literal({}, JSON),
                   literal({}, JSON), literal(clock), t.c.created_at)
            .where(t.c.rev > after_rev)))


def build_demo_server(url: str, *, scale: float = 1.0, seed: int = 2026,
                      now: dt.datetime, force: bool = False,
                      password: str = DEMO_PASSWORD) -> Summary:
    """Make `url` a migrated server database holding the demo county and its accounts.

    Refuses (DomainError `demo_database_populated`) when the database already has an org tree,
    unless `force`, which first removes everything.
    """
    engine = make_engine(url)
    try:
        if is_populated(engine):
            if not force:
                raise DomainError("demo_database_populated")
            engine = wipe(url, engine)
        migrate(engine=engine, now=now)
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                # Random UUID keys touch index pages all over the file: a 256 MB page cache
                # (instead of 2 MB) for this load keeps them in memory; the engine is disposed
                # at the end, so the server's own connections get the default again.
                conn.exec_driver_sql("PRAGMA cache_size = -262144")
            rev = conn.execute(select(Counter.value).where(Counter.name == "rev")).scalar()
            summary = generate(conn, scale=scale, seed=seed, now=now, rev_start=rev or 0,
                               threaded=True)
            # Every account shares the demo password: hash it once (Argon2id is ~0.1 s a hash).
            pw_hash = hash_password(password)
            user_ids = conn.execute(select(User.id).where(User.rev > (rev or 0))).scalars().all()
            conn.execute(insert(Credential), [
                {"user_id": uid, "password_hash": pw_hash, "updated_at": now}
                for uid in user_ids])
            log_creations(conn, after_rev=rev or 0, now=now)
            if rev is None:
                conn.execute(insert(Counter).values(name="rev", value=summary.max_rev))
            else:
                conn.execute(update(Counter).where(Counter.name == "rev")
                             .values(value=summary.max_rev))
            # The situation map's per-grid figures, so its first view does not compute them.
            with Session(bind=conn, join_transaction_mode="create_savepoint") as session:
                dashboard.refresh(session)
                session.commit()  # releases the savepoint; the load's transaction commits it
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        return summary
    finally:
        engine.dispose()
