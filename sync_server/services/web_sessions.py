"""Browser sessions of the web console: start at sign-in, checked on every page, ended by
sign-out, idleness, age or the user being disabled. Never commits (the request's session does),
but for deleting an expired session that refuses the request (db/engine.refuse_keeping)."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import User

from ..db.engine import refuse_keeping
from ..db.web_tables import WebSession
from ..settings import Settings


@dataclass(frozen=True)
class Signed:
    """A live browser session: its user and the CSRF token its forms must carry."""

    user: User
    csrf_token: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, user: User, *, now: dt.datetime) -> str:
    """A new session for `user`; the answer is the cookie's token (stored only as a hash)."""
    token = secrets.token_urlsafe(32)
    session.add(WebSession(token_hash=_hash(token), user_id=user.id,
                           csrf_token=secrets.token_urlsafe(32), created_at=now,
                           last_seen_at=now))
    session.flush()
    return token


def check(session: Session, token: str | None, *, settings: Settings,
          now: dt.datetime) -> Signed:
    """The session of the cookie `token`, its idle clock restarted; not_authenticated when there
    is none, it has been idle or alive too long, or its user is disabled or deleted."""
    row = session.get(WebSession, _hash(token)) if token else None
    if row is None:
        raise DomainError("not_authenticated")
    idle = dt.timedelta(minutes=settings.web_idle_minutes)
    age = dt.timedelta(hours=settings.web_session_hours)
    user = session.get(User, row.user_id)
    if (now - row.last_seen_at > idle or now - row.created_at > age or user is None
            or user.deleted or not user.active):
        session.delete(row)
        session.flush()
        raise refuse_keeping(session, DomainError("not_authenticated"))  # the row stays gone
    row.last_seen_at = now
    session.flush()
    return Signed(user, row.csrf_token)


def end(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSession).where(WebSession.token_hash == _hash(token)))


def end_all(session: Session, user_id: str) -> None:
    """Every browser of the user is signed out (a disabled account, a new password)."""
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))
