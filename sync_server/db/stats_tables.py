"""Server-only tables of the situation map's figures (services/dashboard.py)."""
from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import ServerBase


class GridStat(ServerBase):
    """One count of one grid: `metric` (e.g. "ethnicity") and `key` (e.g. "05") -> `n`.

    Materialised per grid: services/dashboard.refresh recomputes the grids whose records
    changed since its watermark (the `stats_rev` counter), so a node's figure is the sum over
    its grids' rows (a few thousand rows for the county) instead of a scan of every record."""

    __tablename__ = "grid_stats"

    grid_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    metric: Mapped[str] = mapped_column(String(24), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    rev: Mapped[int] = mapped_column(BigInteger, default=0)
