"""Server-only tables: they never sync. Declared on their own base so Alembic sees
`[common.schema.Base.metadata, ServerBase.metadata]`."""
from __future__ import annotations

from sqlalchemy import BigInteger, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.schema.base import NAMING


class ServerBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Counter(ServerBase):
    """Named monotonically increasing counters; `rev` numbers every accepted change."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
