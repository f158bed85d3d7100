"""The wire encoding: compact field stamps and compressed bodies round-trip exactly."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from common.sync.codec import compact_clocks, expand_clocks, pack, unpack

names = st.text("abcdefghij_", min_size=1, max_size=8).filter(lambda n: n not in ("_",))
stamps = st.sampled_from(["0000000000001-0000-a", "0000000000002-0000-b", "0000000000003-0001-c"])


@given(st.dictionaries(names, stamps, max_size=20))
def test_field_stamps_survive_the_compact_wire_form(clocks):
    assert expand_clocks(compact_clocks(clocks)) == clocks


def test_a_record_written_in_one_go_sends_its_stamp_once():
    clocks = {f"f{i}": "0000000000001-0000-a" for i in range(18)}
    assert str(compact_clocks(clocks)).count("0000000000001-0000-a") == 1


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda c: st.lists(c) | st.dictionaries(st.text(), c), max_leaves=20))
def test_message_bodies_round_trip_through_compression(obj):
    assert unpack(pack(obj)) == obj
