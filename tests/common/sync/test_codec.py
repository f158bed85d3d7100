"""The wire encoding: compact field stamps and compressed bodies round-trip exactly."""
from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from common.sync.codec import (IdTable, SnapshotGap, columnar, compact_clocks, expand_clocks,
                               expand_columnar, pack, unpack)

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


# -- the column-wise form of a pull batch (codec.columnar) ---------------------------------------
_uuids = st.uuids().map(str)
_values = st.one_of(st.none(), _uuids, st.text(max_size=8), st.integers(-5, 5), st.booleans(),
                    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2))


@st.composite
def _pulls(draw):
    data = {}
    for name in draw(st.lists(st.sampled_from(["people", "visits", "houses"]), unique=True)):
        cols = ["id"] + draw(st.lists(st.sampled_from(["ref", "name", "n", "clock"]),
                                      unique=True))
        ids = draw(st.lists(st.one_of(_uuids, st.text(max_size=5)), max_size=6))
        rows = [[i] + [draw(_values) for _ in cols[1:]] for i in ids]
        data[name] = {"cols": cols, "rows": rows}
    return {"cursor": draw(st.integers(0, 99)), "more": draw(st.booleans()), "exits": [],
            "conflicts": [], "data": data}


@hsettings(max_examples=300, deadline=None)
@given(_pulls())
def test_the_column_wise_form_gives_back_every_batch_exactly(pull):
    wire = json.loads(json.dumps(columnar(pull)))
    assert expand_columnar(wire) == pull


def test_the_column_wise_form_sends_each_uuid_once():
    a, b = "0b9f5c1e-4a3e-4c1a-9d1e-2f3a4b5c6d7e", "1c0a6d2f-5b4f-4d2b-8e2f-3a4b5c6d7e8f"
    pull = {"cursor": 3, "more": False, "exits": [], "conflicts": [],
            "data": {"people": {"cols": ["id", "name"], "rows": [[a, "张三"], [b, "李四"]]},
                     "visits": {"cols": ["id", "person_id"], "rows": [[b, a]]}}}
    text = json.dumps(columnar(pull))
    assert a not in text and b not in text  # only as bare hex, once each
    assert text.count(a.replace("-", "")) == 1 and text.count(b.replace("-", "")) == 1
    assert expand_columnar(json.loads(text)) == pull


@hsettings(max_examples=200, deadline=None)
@given(st.lists(_pulls(), min_size=1, max_size=4))
def test_a_snapshot_read_in_order_gives_back_every_batch_exactly(pulls):
    """One identifier table for a whole snapshot: read in order, every batch comes back."""
    sent_table: dict[str, int] = {}
    wires = [json.loads(json.dumps(columnar(p, sent_table))) for p in pulls]
    read_table: list[str] = []
    assert [expand_columnar(w, read_table) for w in wires] == pulls
    compact = IdTable()  # the reader's compact table reads the same
    assert [expand_columnar(w, compact) for w in wires] == pulls
    assert [compact[i] for i in range(len(compact))] == read_table == compact[:]


def test_a_later_batch_names_an_earlier_batchs_identifier_by_position_only():
    a, b = "0b9f5c1e-4a3e-4c1a-9d1e-2f3a4b5c6d7e", "1c0a6d2f-5b4f-4d2b-8e2f-3a4b5c6d7e8f"
    first = {"cursor": 1, "more": True, "exits": [], "conflicts": [],
             "data": {"people": {"cols": ["id", "name"], "rows": [[a, "张三"]]}}}
    second = {"cursor": 2, "more": False, "exits": [], "conflicts": [],
              "data": {"visits": {"cols": ["id", "person_id"], "rows": [[b, a]]}}}
    table: dict[str, int] = {}
    one, two = columnar(first, table), json.dumps(columnar(second, table))
    assert a.replace("-", "") not in two and b.replace("-", "") in two
    with pytest.raises(SnapshotGap):  # read without the first batch's table
        expand_columnar(json.loads(two), [])
    known: list[str] = []
    expand_columnar(json.loads(json.dumps(one)), known)
    assert expand_columnar(json.loads(two), known) == second


@hsettings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**62), min_size=2, max_size=30).map(sorted))
def test_rising_revs_go_as_steps_and_come_back(revs):
    pull = {"cursor": revs[-1], "more": False, "exits": [], "conflicts": [],
            "data": {"visits": {"cols": ["rev", "deleted"],
                                "rows": [[r, False] for r in revs]}}}
    wire = json.loads(json.dumps(columnar(pull)))
    assert wire["data"]["visits"]["steps"] == ["rev"]
    assert wire["data"]["visits"]["c"][0][1:] == [b - a for a, b in zip(revs, revs[1:])]
    assert expand_columnar(wire) == pull
