"""Server-only tables of the situation map's figures (services/dashboard.py)."""
from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
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
