"""Stored times are UTC; a worker in Xinjiang reads them on the laptop's own clock."""
from __future__ import annotations

import datetime as dt


from common.schema import Visit
from desktop.ui.widgets.labels import Labels, local_time


def test_a_stored_utc_time_reads_as_the_laptops_local_time(beijing_time):
    stored = dt.datetime(2026, 11, 24, 17, 30)  # 17:30 UTC
    assert local_time(stored) == "2026-11-25 01:30"
    assert Labels({}).display(Visit, "visited_at", stored) == "2026-11-25 01:30"
    assert local_time(None) == ""
