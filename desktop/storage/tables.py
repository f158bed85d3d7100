"""Client-only tables (never synced): outbox, sync state, conflicts, quarantine, local history."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.schema.base import NAMING


class ClientBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class OutboxEntry(ClientBase):
    """One local change: the fields a user changed on one record, with the change's own id.
    Written in the same transaction as the record; removed only when the server acknowledged it.
    `values` may hold `deleted` (tombstone / restore); `base` holds the field stamps the record
    had when the user edited (the merge rule needs them)."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    change_id: Mapped[str] = mapped_column(String(36), unique=True)
    entity: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    clock: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    base: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seen_rev: Mapped[int | None] = mapped_column(BigInteger)


class Quarantined(ClientBase):
    """A change the server refused (validation, scope, stale schema): kept, with the server's
    reason in plain words, until the user fixes and retries it or discards it."""

    __tablename__ = "quarantine"

    change_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    entity: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    clock: Mapped[str] = mapped_column(String(64))
    base: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    refused_at: Mapped[dt.datetime] = mapped_column(DateTime)
    code: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    error: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SyncState(ClientBase):
    """The device's sync bookkeeping (one row, id 1): its id, the server cursor, the offset
    between this laptop's clock and the server's, the highest clock stamp made or seen, and the
    access token (inside the encrypted file, never in the clear)."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36))
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    clock_offset_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    last_clock: Mapped[str | None] = mapped_column(String(64))
    last_sync_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    server_url: Mapped[str | None] = mapped_column(String(200))
    access_token: Mapped[str | None] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[str | None] = mapped_column(String(36))
    log_sent_seq: Mapped[int | None] = mapped_column(BigInteger)
    """The highest line of the local operation log the server holds (None: none yet)."""


class Conflict(ClientBase):
    """A losing value of a concurrent edit, as decided by the server (same on every replica)."""

    __tablename__ = "conflicts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    rev: Mapped[int] = mapped_column(BigInteger, default=0)
    entity: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    field: Mapped[str] = mapped_column(String(64))
    winner_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    winner_clock: Mapped[str] = mapped_column(String(64), default="")
    loser_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    loser_clock: Mapped[str] = mapped_column(String(64), default="")
    loser_actor: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution: Mapped[str | None] = mapped_column(String(16))


class LocalHistory(ClientBase):
    """The device's own change log (who changed what, when), readable offline."""

    __tablename__ = "local_history"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    change_id: Mapped[str] = mapped_column(String(36), index=True)
    entity: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    old_values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    clock: Mapped[str] = mapped_column(String(64))


class Departure(ClientBase):
    """A record the server says has left this device's scope (moved to another grid) but that
    still has local changes waiting: it is dropped once they are settled."""

    __tablename__ = "departures"

    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
