"""The engine factory: one engine per app, tuned per backend (SQLite file or PostgreSQL)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

E = TypeVar("E", bound=Exception)
WRITE = {"sqlite_immediate": True}
"""Execution options of a session that will write: on SQLite it starts with BEGIN IMMEDIATE."""


def _normalise_url(url: str) -> str:
    # Accept the usual "postgresql://" and "postgres://" and use psycopg 3 (the installed driver).
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str, *, echo: bool = False, pool_size: int = 10,
                max_overflow: int = 10) -> Engine:
    """An engine for `url`.

    SQLite gets WAL and a busy timeout. Writing transactions (sessions bound with `WRITE`) begin
    IMMEDIATE: a deferred transaction that reads and then writes cannot wait for another writer
    (SQLite answers "database is locked" at once), an immediate one queues for the write lock.
    """
    url = _normalise_url(url)
    if not url.startswith("sqlite"):
        return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=pool_size,
                             max_overflow=max_overflow)
    engine = create_engine(url, echo=echo, connect_args={"timeout": 30,
                                                         "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # noqa: ANN001
        immediate = conn.get_execution_options().get("sqlite_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def write_session(factory: sessionmaker[Session]) -> Session:
    """A session whose transaction takes the write lock up front on SQLite."""
    return factory(bind=factory.kw["bind"].execution_options(**WRITE))


@contextmanager
def unit_of_work(factory: sessionmaker[Session], *, write: bool = True) -> Iterator[Session]:
    """One transaction: committed when the block ends normally, rolled back when it raises.
    Every server transaction is one of these: a request's (api/deps.get_session), a sync
    exchange's under its writer lock, a snapshot job's batches. Callers never commit."""
    session = write_session(factory) if write else factory()
    try:
        yield session
        session.commit()
    finally:
        # After a raise, close() ends the transaction unfinished (its connection goes back to
        # the pool, which rolls it back) and, unlike rollback(), leaves the objects already
        # loaded readable: an error page can still name the signed-in user.
        session.close()


def refuse_keeping(session: Session, refusal: E) -> E:
    """A refusal whose record must outlive it (a counted sign-in failure, a revoked token
    family, an expired browser session deleted): commits the session's writes so far as their
    own unit of work, before the refusal rolls the request's transaction back, and returns
    `refusal` for the caller to raise. Only for writes that are the record of the refusal."""
    session.commit()
    return refusal
