"""The field-level merge rule: the same winner everywhere, losers kept, deletes sticky."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from common.sync import hlc, merge_change


def s(ms: int, node: str) -> str:
    return hlc.stamp(ms, 0, node)


def apply(record: dict, clocks: dict, values: dict, clock: str, base: dict) -> tuple:
    out = merge_change(record, clocks, values, clock, base)
    record, clocks = dict(record), dict(clocks)
    for k, (v, st_) in out.apply.items():
        record[k], clocks[k] = v, st_
    return record, clocks, out.conflicts


def test_an_edit_made_after_seeing_the_current_value_applies_without_conflict():
    rec, clk, conflicts = apply({"a": 1}, {"a": s(1, "x")}, {"a": 2}, s(5, "y"), {"a": s(1, "x")})
    assert rec["a"] == 2 and conflicts == []


def test_concurrent_edits_to_different_fields_both_apply():
    base = {"a": s(1, "o"), "b": s(1, "o")}
    rec, clk, c1 = apply({"a": 0, "b": 0}, dict(base), {"a": 1}, s(5, "x"), base)
    rec, clk, c2 = apply(rec, clk, {"b": 2}, s(4, "y"), base)
    assert rec == {"a": 1, "b": 2} and c1 == c2 == []


def test_an_edit_that_arrives_late_with_an_older_stamp_loses_and_is_kept_as_a_conflict():
    base = {"a": s(1, "o")}
    rec, clk, _ = apply({"a": 0}, dict(base), {"a": "new"}, s(9, "x"), base)
    rec, clk, conflicts = apply(rec, clk, {"a": "old"}, s(5, "y"), base)
    assert rec["a"] == "new"
    (c,) = conflicts
    assert (c.loser_value, c.winner_value, c.incoming_lost) == ("old", "new", True)


@given(st.permutations([("x", 3, "vx"), ("y", 7, "vy"), ("z", 5, "vz")]))
def test_concurrent_edits_of_one_field_pick_the_same_winner_in_any_arrival_order(order):
    base = {"f": s(1, "o")}
    rec, clk = {"f": "orig"}, dict(base)
    losers = set()
    for node, t, value in order:
        rec, clk, conflicts = apply(rec, clk, {"f": value}, s(t, node), base)
        losers |= {c.loser_value for c in conflicts}
    assert rec["f"] == "vy"
    assert losers == {"vx", "vz"}


def test_a_delete_is_not_undone_by_a_concurrent_edit_which_is_reported_as_a_conflict():
    base = {"a": s(1, "o"), "deleted": s(1, "o")}
    rec, clk, _ = apply({"a": 0, "deleted": False}, dict(base), {"deleted": True}, s(3, "x"),
                        base)
    rec, clk, conflicts = apply(rec, clk, {"a": 9}, s(8, "y"), base)
    assert rec["deleted"] is True and rec["a"] == 9
    assert [(c.field, c.loser_value) for c in conflicts] == [("deleted", False)]


def test_replaying_the_same_change_changes_nothing_more():
    base = {"a": s(1, "o")}
    rec, clk, _ = apply({"a": 0}, dict(base), {"a": 1}, s(5, "x"), base)
    rec2, clk2, conflicts = apply(rec, clk, {"a": 1}, s(5, "x"), base)
    assert (rec2, clk2, conflicts) == (rec, clk, [])
