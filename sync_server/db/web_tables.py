"""Server-only tables of the web console: browser sessions (services/web_sessions.py), SMS
sign-in codes and QR sign-ins (services/web_signin.py), saved people-list searches
(services/saved_searches.py)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .tables import ServerBase


class WebSession(ServerBase):
    """One signed-in browser. The cookie carries a random token; only its SHA-256 is stored.
    Ends at sign-out, after `web_idle_minutes` without a request, after `web_session_hours`,
    or when the user is disabled or signed out everywhere (auth.revoke_user)."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime)


class SmsLoginCode(ServerBase):
    """A sign-in code sent by SMS (services/web_signin.py): kept as a hash, single use, expiring,
    with its wrong attempts counted. The rows also count the sends per number and per address."""

    __tablename__ = "sms_login_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str | None] = mapped_column(String(36))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class QrLogin(ServerBase):
    """A QR sign-in: the waiting browser holds `waiter` (a cookie, stored as a hash) and shows
    `code`; a signed-in user approves the code; the waiting browser's next poll starts its
    session and uses the row up."""

    __tablename__ = "qr_logins"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    waiter_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    approved_by: Mapped[str | None] = mapped_column(String(36))


class SavedSearch(ServerBase):
    """A named search of the people list (the list's own query: text, declared filters, org
    subtree, tag, birth years) saved by a township or county user; a data collection may take
    its people as its population, within the collection's scope."""

    __tablename__ = "saved_searches"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_saved_searches_owner_name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(36), index=True)
    scope_node_id: Mapped[str | None] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(40))
    query: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
