"""Server-only table of revoked devices (lost or stolen laptops); never synced.

Kept apart from `sync_devices` (db/sync_tables.py) so that a device that never synced (only signed
in) can be revoked too. One row per revoked device: every request carrying its id is refused.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import ServerBase


class DeviceRevocation(ServerBase):
    """A device an admin revoked: its tokens stop working and it is told to wipe its data."""

    __tablename__ = "device_revocations"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(String(36), index=True)
    revoked_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(36))
    reason: Mapped[str | None] = mapped_column(String(200))
