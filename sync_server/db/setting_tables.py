"""Server-only county settings: one value per key (e.g. the months of continuous residence after
which a floating resident is proposed for conversion), changed by a county admin."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import ServerBase


class CountySetting(ServerBase):
    __tablename__ = "county_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[str | None] = mapped_column(String(36))
