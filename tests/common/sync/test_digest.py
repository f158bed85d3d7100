"""The replica digest: order-independent, and it changes when a row is missing, extra or at
another rev."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from common.sync.digest import differences, fold

pairs = st.lists(st.tuples(st.uuids().map(str), st.integers(1, 10**9)), unique_by=lambda p: p[0],
                 min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(pairs, st.randoms())
def test_the_digest_does_not_depend_on_row_order(rows, rng):
    shuffled = list(rows)
    rng.shuffle(shuffled)
    assert fold(rows) == fold(shuffled)


@settings(max_examples=60, deadline=None)
@given(pairs, st.data())
def test_a_missing_row_or_a_row_at_another_rev_changes_the_digest(rows, data):
    i = data.draw(st.integers(0, len(rows) - 1))
    missing = rows[:i] + rows[i + 1:]
    moved = rows[:i] + [(rows[i][0], rows[i][1] + 1)] + rows[i + 1:]
    assert fold(missing) != fold(rows)
    assert fold(moved) != fold(rows)


def test_differences_names_the_entities_that_differ_and_treats_absent_as_empty():
    a = {"people": fold([("p1", 1)]), "houses": fold([("h1", 2)])}
    b = {"people": fold([("p1", 1)])}
    assert differences(a, b) == ["houses"]
    assert differences(b, {**b, "visits": fold([])}) == []
