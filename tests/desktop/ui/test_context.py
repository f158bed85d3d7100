"""Local-day helpers of the work pages: stored times are UTC, a worker's day is local (UTC+8)."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace


from desktop.ui.context import local_day_end, local_today
from desktop.ui.widgets.labels import local_time


def test_just_after_local_midnight_the_worker_is_already_on_the_next_day(beijing_time):
    ctx = SimpleNamespace(now=lambda: dt.datetime(2026, 11, 24, 16, 30))  # 00:30 on the 25th
    assert local_today(ctx) == dt.date(2026, 11, 25)
    assert local_day_end(ctx) == dt.datetime(2026, 11, 25, 16, 0)  # local midnight, in UTC
    assert local_time(dt.datetime(2026, 11, 24, 1, 30)) == "2026-11-24 09:30"
    assert local_time(None) == ""
