"""Server-only tables of the web console: browser sessions (services/web_sessions.py)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, String
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
