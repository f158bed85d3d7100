"""Server-only tables of the resident side (居民端, /h5): resident accounts (never staff users),
their browser sessions, their SMS sign-in codes and the link from a resident to the events they
reported (services/residents.py, services/resident_reports.py), and the county's time limits of
接诉即办 by category (services/hotline.py)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .tables import ServerBase


class Resident(ServerBase):
    """A resident account, known by its mobile number. `consent_version` / `consent_at`: the
    user agreement and privacy policy accepted (None: not yet, or withdrawn). A deleted account
    keeps its id (its reports stay with the events) but loses its number."""

    __tablename__ = "residents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    consent_version: Mapped[str | None] = mapped_column(String(16))
    consent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    village_id: Mapped[str | None] = mapped_column(String(36))  # the registered address …
    address: Mapped[str | None] = mapped_column(String(120))  # … that finds "my grid worker"
    # a volunteer (志愿者) marked by staff: the name wishes show, and the node whose wishes
    # the volunteer may claim (services/wishes.py); None: not a volunteer
    volunteer_name: Mapped[str | None] = mapped_column(String(20))
    volunteer_node_id: Mapped[str | None] = mapped_column(String(36))
    volunteer_path: Mapped[str | None] = mapped_column(String(400))
    volunteer_since: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ResidentSession(ServerBase):
    """One signed-in resident browser: the cookie's token stored as a hash, with its CSRF token.
    A kind of its own: a resident session never opens /admin or the staff API."""

    __tablename__ = "resident_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    resident_id: Mapped[str] = mapped_column(String(36), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ResidentCode(ServerBase):
    """A resident's SMS sign-in code: a hash, single use, expiring, wrong attempts counted; the
    rows also count sends per number and per address."""

    __tablename__ = "resident_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class ResidentReport(ServerBase):
    """A report (随手拍) a resident filed: the event it became, and the resident's rating of
    the answer. `address` is where it was filed from (the per-address limit)."""

    __tablename__ = "resident_reports"
    __table_args__ = (Index("ix_resident_reports_form", "resident_id", "form_id"),)

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    resident_id: Mapped[str] = mapped_column(String(36), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    form_id: Mapped[str | None] = mapped_column(String(36))
    """The form it was filed from (a form sent again opens this report: no second one)."""
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_note: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class EventTimeLimit(ServerBase):
    """The county's time limit to answer an event of one category (接诉即办), in days; a
    category without a row uses services/resident_reports.TIME_LIMIT_DAYS."""

    __tablename__ = "event_time_limits"

    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[str | None] = mapped_column(String(36))


class Open311Client(ServerBase):
    """A registered Open311 GeoReport v2 client (another civic app, a reporting kiosk): its
    api_key is stored only as a hash; a deactivated client is refused."""

    __tablename__ = "open311_clients"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str | None] = mapped_column(String(36))


class Open311Request(ServerBase):
    """An event filed through Open311, and the client that filed it (who may follow it)."""

    __tablename__ = "open311_requests"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(36), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class Notice(ServerBase):
    """A notice or news item (通知公告) published by county or township staff for the residents
    of one org node (county, township, village or grid) and everything below it."""

    __tablename__ = "notices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    target_node_id: Mapped[str] = mapped_column(String(36))
    target_path: Mapped[str] = mapped_column(String(400), index=True)
    published_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    published_by: Mapped[str] = mapped_column(String(36))
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)


class Wish(ServerBase):
    """A resident's small wish (微心愿, contract item 88): posted for their village or community,
    claimed by a cadre, marked fulfilled, confirmed by the resident.
    status: open → claimed → fulfilled → confirmed."""

    __tablename__ = "wishes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    resident_id: Mapped[str] = mapped_column(String(36), index=True)
    title: Mapped[str] = mapped_column(String(60))
    body: Mapped[str | None] = mapped_column(Text)
    village_id: Mapped[str] = mapped_column(String(36))
    village_path: Mapped[str] = mapped_column(String(400), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(36))  # a staff user, or …
    volunteer_id: Mapped[str | None] = mapped_column(String(36))  # … a volunteer resident
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    fulfilled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ResidentUpload(ServerBase):
    """One photo of a 随手拍 on its way up in chunks (services/resident_uploads.py): the bytes
    are in the attachment folder's staging/h5-<id>.part, whose length is what has arrived.
    `event_id`: the report it went into (an upload is used once)."""

    __tablename__ = "resident_uploads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    resident_id: Mapped[str] = mapped_column(String(36), index=True)
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    event_id: Mapped[str | None] = mapped_column(String(36))
