"""Server-only tables of the batch import with review (services/imports.py): an uploaded file's
batch, its review state, and every row of its preview. Not synced: devices see only the people
an approved batch writes into the register."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .tables import ServerBase


class ImportBatch(ServerBase):
    """One uploaded sheet: who uploaded it where, its preview's counts by class, and its review
    (states: previewing, ready, failed, submitted, approved, partly_approved, refused)."""

    __tablename__ = "import_batches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    sheet: Mapped[str | None] = mapped_column(String(64))
    uploader_id: Mapped[str] = mapped_column(String(36), index=True)
    uploader_name: Mapped[str] = mapped_column(String(64))
    node_id: Mapped[str] = mapped_column(String(36))          # the uploader's org node
    node_path: Mapped[str] = mapped_column(String(400), index=True)
    default_grid_id: Mapped[str | None] = mapped_column(String(36))
    state: Mapped[str] = mapped_column(String(20), index=True)
    columns: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [header, field label]
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reviewer_id: Mapped[str | None] = mapped_column(String(36))
    reviewer_name: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    review_note: Mapped[str | None] = mapped_column(Text)


class ImportRow(ServerBase):
    """One data row of a batch's preview: its class (new, update, unchanged, duplicate,
    invalid, out_of_scope, other_grid), the values it would write, the fields an update
    would change (old -> new), its problems (column and reason), and the reviewer's decision."""

    __tablename__ = "import_rows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(String(36), index=True)
    row_no: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(64))
    id_number: Mapped[str | None] = mapped_column(String(32))
    person_id: Mapped[str | None] = mapped_column(String(36))
    grid_id: Mapped[str | None] = mapped_column(String(36))
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    problems: Mapped[list[Any]] = mapped_column(JSON, default=list)
    decision: Mapped[str | None] = mapped_column(String(16))  # approved / refused
    reason: Mapped[str | None] = mapped_column(Text)
    applied: Mapped[bool] = mapped_column(Boolean, default=False)
