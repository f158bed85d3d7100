"""Server-only tables of drift repair and large first syncs: what each device was last seen to
hold (its verified cursor, when its digest was last compared) and prepared scope snapshots."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import ServerBase


class DeviceHolding(ServerBase):
    """Per device: the highest cursor it stated as committed (a later, lower one is a restored
    old copy), when its digest was last compared, and its drift history."""

    __tablename__ = "sync_device_holdings"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    verified_cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    checked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    drifts: Mapped[int] = mapped_column(Integer, default=0)
    last_drift: Mapped[str | None] = mapped_column(String(200))
    last_drift_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ScopeSnapshot(ServerBase):
    """A scope's full content at one rev, prepared once as compressed batch files on disk and
    shared by every device with the same scope (docs/SYNC.md, Large first syncs)."""

    __tablename__ = "sync_snapshots"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope_path: Mapped[str] = mapped_column(String(400), index=True)
    rev: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), default="preparing")
    batches: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    wire_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    raw_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    prepare_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(String(200))
