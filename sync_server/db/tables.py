"""Server-only tables: they never sync. Declared on their own base so Alembic sees
`[common.schema.Base.metadata, ServerBase.metadata]`."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, MetaData,
                        String, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.schema.base import NAMING


class ServerBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Counter(ServerBase):
    """Named monotonically increasing counters; `rev` numbers every accepted change."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class Credential(ServerBase):
    """A user's password, as an Argon2id hash. Kept apart from the synced `users` record so that
    no hash ever reaches a device."""

    __tablename__ = "credentials"

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # Access tokens carry the generation they were issued in; signing out or a new password
    # bumps it, which ends every access token issued before at once (services/auth.py).
    token_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class LoginFailure(ServerBase):
    """A refused sign-in (wrong password, unknown account or wrong captcha), by the account name
    tried and the address it came from: what the throttle counts (services/throttle.py). Kept
    in the database so every server process sees the same counts, on SQLite and PostgreSQL."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)


class CaptchaChallenge(ServerBase):
    """A captcha shown at sign-in: the answer's hash, single use, until it expires
    (services/captcha.py)."""

    __tablename__ = "captcha_challenges"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    answer_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class RefreshToken(ServerBase):
    """One issued refresh token, stored as a SHA-256 hash. Rotated on use (the old one is revoked
    and points at its replacement); a reused revoked token revokes the whole family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    family_id: Mapped[str] = mapped_column(String(36), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    replaced_by: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("refresh_tokens.id", ondelete="SET NULL"))
    # The device the token was issued to (revocation of a lost laptop revokes its tokens).
    device_id: Mapped[str | None] = mapped_column(String(36), index=True)


class OpLog(ServerBase):
    """The operation log (操作明细): every write, every export, every reveal of an ID number."""

    __tablename__ = "op_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[str | None] = mapped_column(String(36), index=True)
    username: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32), index=True)
    entity: Mapped[str | None] = mapped_column(String(32), index=True)
    record_id: Mapped[str | None] = mapped_column(String(36), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    device_id: Mapped[str | None] = mapped_column(String(36))
    """Set on a line from a desktop client's local log (with `device_seq`, its number there)."""
    device_seq: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (UniqueConstraint("device_id", "device_seq"),)


class HiddenField(ServerBase):
    """A field of a table that a role does not see (config centre, field visibility): left out
    of the console's lists, forms and exports and blanked in the JSON API's answers."""

    __tablename__ = "hidden_fields"

    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)


class ClientRelease(ServerBase):
    """A desktop client build published in the web console (contract item 107): the file is
    stored content-addressed under `Settings.releases_dir`; clients below `min_version` are
    refused by sync with the release's notes and where to download it."""

    __tablename__ = "client_releases"

    version: Mapped[str] = mapped_column(String(16), primary_key=True)
    min_version: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(String(4000), default="")
    filename: Mapped[str] = mapped_column(String(128))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    published_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    published_by: Mapped[str | None] = mapped_column(String(36))


class SmsTemplate(ServerBase):
    """An SMS template (短信模板, contract items 42 and 108): `{name}`-style placeholders filled
    per recipient (services/sms.py)."""

    __tablename__ = "sms_templates"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[str | None] = mapped_column(String(36))


class SmsMessage(ServerBase):
    """One text sent to one number through the SMS gateway, with the gateway's answer
    (发送记录). Sign-in codes are recorded too, with the code itself blanked out."""

    __tablename__ = "sms_messages"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    batch_id: Mapped[str] = mapped_column(String(36), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # notice | sign_in
    template_id: Mapped[str | None] = mapped_column(String(36))
    person_id: Mapped[str | None] = mapped_column(String(36))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    body: Mapped[str] = mapped_column(String(600))
    status: Mapped[str] = mapped_column(String(16))  # sent | failed
    error: Mapped[str | None] = mapped_column(String(200))
    gateway_id: Mapped[str | None] = mapped_column(String(64))
    sent_by: Mapped[str | None] = mapped_column(String(36), index=True)
    scope_path: Mapped[str | None] = mapped_column(String(400), index=True)


class Briefing(ServerBase):
    """A 接诉即办 briefing (简报) of one org node (the county or a township) for one finished
    week or month: its figures as computed from the events; the PDF is drawn from them
    (services/briefings.py), so the same period always gives the same document. `pushed_at`:
    when its notice went out by SMS to the configured recipients (housekeeping)."""

    __tablename__ = "briefings"
    __table_args__ = (UniqueConstraint("node_id", "kind", "period_start"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    node_id: Mapped[str] = mapped_column(String(36), index=True)
    node_path: Mapped[str] = mapped_column(String(400), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # week | month
    period_start: Mapped[dt.date] = mapped_column(Date)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    generated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    generated_by: Mapped[str | None] = mapped_column(String(36))
    pushed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ReportDef(ServerBase):
    """A report an admin designed (报表管理, services/reports.py): its rows are the org nodes of
    `row_level` below the definer's node, or with `row_group` the entries of that people
    filter's dictionary; `columns`: [{key, label, group, kind, format, ...}]; `filters`:
    [{field, value}] narrowing every people column; `frequency`: month | quarter."""

    __tablename__ = "report_defs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    row_level: Mapped[str] = mapped_column(String(16))
    row_group: Mapped[str | None] = mapped_column(String(32))
    filters: Mapped[list[Any] | None] = mapped_column(JSON)
    frequency: Mapped[str | None] = mapped_column(String(8))
    standing: Mapped[list[Any] | None] = mapped_column(JSON)
    """Places given the report every period (by the housekeeping round), set up by
    `standing_by`."""
    standing_by: Mapped[str | None] = mapped_column(String(36))
    columns: Mapped[list[Any]] = mapped_column(JSON)
    node_id: Mapped[str] = mapped_column(String(36))
    node_path: Mapped[str] = mapped_column(String(400), index=True)
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ReportSubmission(ServerBase):
    """One township's or grid's share of a report for one period ("2026-11", "2026-Q4"): the
    free columns it fills (`values`: {row key: {column key: number}}), the computed columns
    frozen when it was submitted (`frozen`), submitted, approved or returned. A grid's share
    has its township's share as `parent_id` (the township reviews it and sends up the sum)."""

    __tablename__ = "report_submissions"
    __table_args__ = (UniqueConstraint("report_id", "node_id", "period"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    report_id: Mapped[str] = mapped_column(String(36), index=True)
    node_id: Mapped[str] = mapped_column(String(36))
    node_path: Mapped[str] = mapped_column(String(400), index=True)
    period: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # assigned | submitted | approved | returned
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    level: Mapped[str | None] = mapped_column(String(16))  # township | grid
    parent_id: Mapped[str | None] = mapped_column(String(36), index=True)
    frozen: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[str | None] = mapped_column(String(36))
