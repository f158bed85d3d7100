"""Server-only sync tables: devices, push receipts, the field-level change log, conflicts and
scope exits (records that moved to another grid). They never sync as rows; conflicts travel to
devices as their own part of a pull."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import ServerBase

_BIGID = BigInteger().with_variant(Integer, "sqlite")


class SyncDevice(ServerBase):
    """A device (one client profile) as the server knows it; bound to the first user it synced
    for, so another account cannot reuse its id."""

    __tablename__ = "sync_devices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime)
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    protocol: Mapped[int] = mapped_column(Integer, default=0)
    schema_version: Mapped[int] = mapped_column(Integer, default=0)


class PushReceipt(ServerBase):
    """The answer given to one pushed change, so a resent change gets the same answer and has no
    further effect (idempotent push)."""

    __tablename__ = "sync_receipts"

    change_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36), index=True)
    user_id: Mapped[str] = mapped_column(String(36))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ack: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ChangeLog(ServerBase):
    """Every accepted change, field by field: the record's history (who, what, when)."""

    __tablename__ = "sync_change_log"

    id: Mapped[int] = mapped_column(_BIGID, primary_key=True, autoincrement=True)
    rev: Mapped[int] = mapped_column(BigInteger, index=True)
    entity: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    grid_id: Mapped[str | None] = mapped_column(String(36))
    actor_id: Mapped[str | None] = mapped_column(String(36))
    device_id: Mapped[str | None] = mapped_column(String(36))
    change_id: Mapped[str | None] = mapped_column(String(36))
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    old_values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    clock: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime)


class SyncConflict(ServerBase):
    """A losing value of two concurrent edits to one field, kept for people to resolve."""

    __tablename__ = "sync_conflicts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    rev: Mapped[int] = mapped_column(BigInteger, index=True)
    entity: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    grid_id: Mapped[str | None] = mapped_column(String(36), index=True)
    field: Mapped[str] = mapped_column(String(64))
    winner_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    winner_clock: Mapped[str] = mapped_column(String(64))
    loser_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    loser_clock: Mapped[str] = mapped_column(String(64))
    loser_actor: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolved_by: Mapped[str | None] = mapped_column(String(36))


class ScopeExit(ServerBase):
    """A record left a grid (it moved): devices of the old grid drop it as out of scope."""

    __tablename__ = "sync_scope_exits"

    id: Mapped[int] = mapped_column(_BIGID, primary_key=True, autoincrement=True)
    rev: Mapped[int] = mapped_column(BigInteger, index=True)
    entity: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    old_grid_id: Mapped[str | None] = mapped_column(String(36), index=True)
    new_grid_id: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
