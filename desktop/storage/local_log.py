"""Client-only records kept beside the synced data: the local operation log (reveals, exports)
and saved searches. (The field-level history of local edits is the storage's LocalHistory.)

Never synced; written on the client's writer thread inside the transaction of the action they
record, so an action and its log line are committed together.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .migrations import migration
from .tables import ClientBase


class OperationLog(ClientBase):
    """One user action worth auditing (PIPL): a reveal of an ID number, an export, an edit."""

    __tablename__ = "operation_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(32), index=True)  # reveal / export / edit …
    entity: Mapped[str | None] = mapped_column(String(32))
    record_id: Mapped[str | None] = mapped_column(String(36), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SavedSearch(ClientBase):
    """A named 全息检索 query (the PeopleQuery as JSON)."""

    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    query: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


@migration("0100_operation_log_and_saved_searches")
def create_tables(connection) -> None:  # noqa: ANN001 - a SQLAlchemy Connection
    """The client migration that adds these tables (registered on import of this module)."""
    ClientBase.metadata.create_all(connection, tables=[OperationLog.__table__,
                                                       SavedSearch.__table__])
