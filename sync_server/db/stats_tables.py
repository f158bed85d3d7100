"""Server-only tables of the situation map's figures (services/dashboard.py)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import ServerBase


class NodeStat(ServerBase):
    """One count of one org node: `metric` (e.g. "ethnicity") and `key` (e.g. "05") -> `n`.

    Materialised per node: a grid's rows are counted from its records, a village's, township's
    and the county's are the sums of their children's rows (services/dashboard.refresh), so any
    node's panels read only that node's few hundred rows."""

    __tablename__ = "node_stats"

    node_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    metric: Mapped[str] = mapped_column(String(24), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    rev: Mapped[int] = mapped_column(BigInteger, default=0)


class PopulationEvent(ServerBase):
    """One change of the population the register records (services/dashboard.py derives them):
    a birth, a death, a move in or a move out, on a day, in a grid.

    `id` names its source: "birth:<person>", "death:<person>", "exit:<person>" (a person marked
    迁出 out of the county) or "move:<person move record>" (a move between grids, one record per
    side). `source` is the table of the record behind it (people or person_moves), `record_id`
    that record."""

    __tablename__ = "population_events"

    id: Mapped[str] = mapped_column(String(48), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    grid_id: Mapped[str | None] = mapped_column(String(36), index=True)
    on: Mapped[dt.date] = mapped_column(Date)
    month: Mapped[str] = mapped_column(String(7))
    person_id: Mapped[str] = mapped_column(String(36), index=True)
    source: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[str] = mapped_column(String(36))
    rev: Mapped[int] = mapped_column(BigInteger, default=0, index=True)
