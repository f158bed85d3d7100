"""The hybrid logical clock: ordered like time, never backwards, ties broken by node."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from common.sync import hlc

ms = st.integers(0, 10**12)


@given(st.lists(ms, min_size=1, max_size=50))
def test_stamps_from_one_node_always_increase_even_when_its_clock_jumps_back(times):
    last = None
    for t in times:
        new = hlc.tick(last, t, "dev1")
        assert last is None or new > last
        last = new


@given(ms, ms)
def test_after_seeing_a_remote_stamp_the_next_local_stamp_is_later(local_ms, remote_ms):
    remote = hlc.tick(None, remote_ms, "zzz")
    mine = hlc.tick(hlc.observe(None, remote), local_ms, "aaa")
    assert mine > remote


@given(ms)
def test_two_nodes_at_the_same_instant_get_distinct_ordered_stamps(t):
    a, b = hlc.tick(None, t, "a"), hlc.tick(None, t, "b")
    assert a != b and (a < b) == ("a" < "b")


def test_a_stamp_from_days_ahead_is_brought_back_to_the_servers_time():
    day = 86_400_000
    ahead = hlc.tick(None, 10 * day + 3 * day, "fast")
    clamped = hlc.clamp(ahead, 10 * day, 60_000)
    assert hlc.parse(clamped)[0] == 10 * day and hlc.node_of(clamped) == "fast"
    honest = hlc.tick(None, 10 * day - 5_000, "honest")
    assert hlc.clamp(honest, 10 * day, 60_000) == honest
