"""Server-only tables for attachments: one row per content-addressed file (never synced).

The bytes live on disk under the ATTACHMENTS_DIR setting (see services/attachments.py); this row
says who first uploaded it, how large it is, and whether it is complete and verified.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import ServerBase


class Attachment(ServerBase):
    """A photo (or other attachment) named by the SHA-256 of its bytes."""

    __tablename__ = "attachments"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String(32))
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by: Mapped[str | None] = mapped_column(String(36), index=True)
    device_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
