"""When a recorded death or move out of the county happened (services/dashboard._made_at): the
stamp of the change on the device that made it, unless that stamp is after the server accepted
it or more than OFFLINE_DAYS before (a wrong clock), for every stamp and arrival."""
from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from common.sync import hlc
from sync_server.services.dashboard import OFFLINE_DAYS, _made_at

ARRIVALS = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 1, 1))
OFFSETS = st.integers(min_value=-10 * 365 * 86_400_000, max_value=10 * 86_400_000)


def _stamp(at: dt.datetime) -> str:
    return hlc.stamp(int(at.replace(tzinfo=dt.UTC).timestamp() * 1000), 0, "device-1")


@given(ARRIVALS, OFFSETS)
def test_a_change_dates_from_its_stamp_within_the_offline_window_else_its_arrival(arrived, ms):
    accepted = arrived.replace(microsecond=0)
    made = accepted + dt.timedelta(milliseconds=ms)
    got = _made_at(_stamp(made), accepted)
    window = dt.timedelta(days=OFFLINE_DAYS)
    assert accepted - window <= got <= accepted
    if accepted - window <= made <= accepted:
        assert got == made
    else:
        assert got == accepted


@given(ARRIVALS, st.one_of(st.text(max_size=20),
                           st.integers(min_value=10**13, max_value=10**30).map(
                               lambda ms: f"{ms}-0000-device-1")))
def test_an_unreadable_or_impossible_stamp_dates_from_the_arrival(accepted, clock):
    try:
        made = dt.datetime.fromtimestamp(hlc.parse(clock)[0] / 1000, dt.UTC)
    except (ValueError, OverflowError, OSError):
        assert _made_at(clock, accepted) == accepted
    else:
        assert accepted - dt.timedelta(days=OFFLINE_DAYS) <= _made_at(clock, accepted) <= accepted
        assert made is not None
