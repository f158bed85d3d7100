"""包户 visit periods, declared once: an assignment's visits fall in consecutive periods of
`interval_days` from the day it was made, and each period has at most one visit task, whose id
is derived from (assignment, period start): the server makes the tasks
(sync_server/services/cadres.py), and a retried or repeated round, or any device that derives
the same id, can never add a second one. Pure: no database, clock or network."""
from __future__ import annotations

import datetime as dt
import uuid

_NS = uuid.UUID("0b6a1f5e-4f1e-4f7e-9d11-3c0c9a6f2b44")
LOOKBACK_PERIODS = 24
"""How many earlier periods are looked at for a task still open (one open task per
assignment: an overdue one stays the household's task until the visit)."""


def period(start: dt.date, interval_days: int, day: dt.date) -> tuple[dt.date, dt.date]:
    """(first day, last day) of the period `day` falls in; a day before `start` is in the first."""
    if interval_days < 1:
        raise ValueError("interval_days must be at least 1")
    k = max(0, (day - start).days // interval_days)
    begin = start + dt.timedelta(days=k * interval_days)
    return begin, begin + dt.timedelta(days=interval_days - 1)


def earlier_starts(start: dt.date, interval_days: int, begin: dt.date) -> list[dt.date]:
    """The start days of the periods before the one starting `begin` (the latest first)."""
    out, day = [], begin - dt.timedelta(days=interval_days)
    while day >= start and len(out) < LOOKBACK_PERIODS:
        out.append(day)
        day -= dt.timedelta(days=interval_days)
    return out


def task_id(assignment_id: str, begin: dt.date) -> str:
    """The visit task of an assignment's period starting `begin`."""
    return str(uuid.uuid5(_NS, f"{assignment_id}/{begin.isoformat()}"))


__all__ = ["period", "earlier_starts", "task_id", "LOOKBACK_PERIODS"]
